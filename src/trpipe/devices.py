"""Whether the device a run asks for (``--device``) exists on this machine, answered without importing torch
or CTranslate2, so that a wrong ``--device cuda`` fails in a fraction of a second instead of after loading
the heavy libraries.

CUDA devices are counted by NVIDIA's driver library itself (``libcuda``, through ctypes: ``cuInit`` and
``cuDeviceGetCount``), which every CUDA program (torch, CTranslate2) goes through: no driver library, or a
driver that finds no device, means no CUDA device for any backend. Where the answer is unsure (an AMD GPU
with ROCm, whose torch build also calls its devices ``cuda``), nothing is refused here and the backend decides.
"""

from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache

from trpipe.errors import UsageError

_CUDA_LIBRARIES = ("nvcuda.dll",) if sys.platform == "win32" else ("libcuda.so.1", "libcuda.so", "libcuda.dylib")
_ROCM_MARKERS = ("/dev/kfd", "/opt/rocm")


@lru_cache(maxsize=1)
def cuda_devices() -> tuple[int | None, str]:
    """``(count, why)``: the CUDA devices the NVIDIA driver reports (None: cannot tell) and, for none, why."""
    for name in _CUDA_LIBRARIES:
        try:
            driver = ctypes.CDLL(name)
        except OSError:
            continue
        status = driver.cuInit(0)
        if status != 0:
            return 0, f"the NVIDIA driver finds no usable device (cuInit error {status})"
        count = ctypes.c_int(0)
        status = driver.cuDeviceGetCount(ctypes.byref(count))
        if status != 0:
            return 0, f"the NVIDIA driver cannot count its devices (error {status})"
        return count.value, "" if count.value else "the NVIDIA driver reports no device"
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
            raise UsageError(
                f"--device {device}: this machine has {count} CUDA device{'s' if count > 1 else ''} "
                f"(cuda:0 to cuda:{count - 1})"
            )
    elif name == "mps" and sys.platform != "darwin":
        raise UsageError(f"--device {device}: Apple MPS exists only on macOS; use --device cpu or auto")
