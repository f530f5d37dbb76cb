"""Whether the device a run asks for (``--device``) exists on this machine, answered without importing torch
or CTranslate2, so that a wrong ``--device cuda`` fails in a fraction of a second instead of after loading
the heavy libraries.

NVIDIA GPUs are counted by the driver's management library (NVML, ``libnvidia-ml``, through ctypes:
``nvmlInit`` and ``nvmlDeviceGetCount``), which creates no CUDA context (so a process that forks later can
still use CUDA in its children), then narrowed by ``CUDA_VISIBLE_DEVICES`` as CUDA narrows them. No driver
library at all means no CUDA device for any backend. Where the answer is unsure (the CUDA driver without
NVML, or an AMD GPU with ROCm, whose torch build also calls its devices ``cuda``), nothing is refused here
and the backend decides.
"""

from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache

from trpipe.errors import UsageError

_WINDOWS = sys.platform == "win32"
_NVML = ("nvml.dll",) if _WINDOWS else ("libnvidia-ml.so.1", "libnvidia-ml.so")
_CUDA = ("nvcuda.dll",) if _WINDOWS else ("libcuda.so.1", "libcuda.so", "libcuda.dylib")
_ROCM_MARKERS = ("/dev/kfd", "/opt/rocm")


def _loads(names: tuple[str, ...]) -> ctypes.CDLL | None:
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _visible(count: int) -> int:
    """``count`` GPUs as CUDA_VISIBLE_DEVICES narrows them (CUDA stops at the first entry it cannot use)."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is None:
        return count
    visible = 0
    for entry in listed.split(","):
        entry = entry.strip()
        if not entry or (entry.isdigit() and int(entry) >= count) or entry.startswith("-"):
            break
        visible += 1
    return min(visible, count)


@lru_cache(maxsize=1)
def cuda_devices() -> tuple[int | None, str]:
    """``(count, why)``: the CUDA devices this process may use (None: cannot tell) and, for none, why."""
    nvml = _loads(_NVML)
    if nvml is not None:
        init = getattr(nvml, "nvmlInit_v2", None) or nvml.nvmlInit
        status = init()
        if status != 0:
            return 0, f"the NVIDIA driver finds no usable GPU (NVML error {status})"
        count = ctypes.c_uint(0)
        get_count = getattr(nvml, "nvmlDeviceGetCount_v2", None) or nvml.nvmlDeviceGetCount
        status = get_count(ctypes.byref(count))
        nvml.nvmlShutdown()
        if status != 0:
            return 0, f"the NVIDIA driver cannot count its GPUs (NVML error {status})"
        visible = _visible(count.value)
        if visible == 0:
            hidden = " (CUDA_VISIBLE_DEVICES hides them)" if count.value else ""
            return 0, f"the NVIDIA driver reports no GPU{hidden}"
        return visible, ""
    if _loads(_CUDA) is not None:
        return None, "the CUDA driver is installed without NVML: the backend decides"
    if any(os.path.exists(marker) for marker in _ROCM_MARKERS):
        return None, "ROCm is installed: the backend decides"
    return 0, "no NVIDIA driver is installed"


def check_device(device: str | None) -> None:
    """Refuse (UsageError, exit 2), at once, a ``--device`` that this machine does not have."""
    name = (device or "auto").strip().lower()
    if name.startswith("cuda"):
        index = int(name[5:]) if name[5:].isdigit() else 0
        count, why = cuda_devices()
        if count is None:
            return
        if count == 0:
            raise UsageError(f"--device {device}: this machine has no CUDA device ({why}); use --device cpu or auto")
        if index >= count:
            names = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
            raise UsageError(
                f"--device {device}: this machine has {count} CUDA device{'s' if count > 1 else ''} ({names})"
            )
    elif name == "mps" and sys.platform != "darwin":
        raise UsageError(f"--device {device}: Apple MPS exists only on macOS; use --device cpu or auto")
