"""Loading seq2seq models and tokenizers from the Hugging Face hub, its cache or a local folder.

The real loading path for every model: ``from_pretrained`` on a hub id (with ``revision``) or a folder.
A hub model is looked up in the local cache first; only when it is missing do we go to the network,
and only after a quick reachability check, so that an offline machine gets a clear error at once
instead of minutes of retries.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from trpipe.errors import ModelError, UsageError
from trpipe.registry import ModelSpec


def hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) forbids network access."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}:
            return True
    return False


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def hub_reachable(timeout: float = 3.0) -> bool:
    """A TCP connection to the hub endpoint can be opened within ``timeout`` seconds."""
    url = urlparse(hub_endpoint())
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def how_to_get(model: str) -> str:
    return (
        f"download it on a connected machine with `hf download {model}` "
        "and copy the Hugging Face cache, or point the registry at a local folder"
    )


def hub_cache_dir() -> str | None:
    """The hub cache folder as the environment says now (huggingface_hub reads it only at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return str(Path(os.environ["HF_HOME"]) / "hub")
    return None


def cached_commit(repo_id: str, revision: str) -> str | None:
    """The commit hash that ``revision`` of ``repo_id`` resolves to in the local cache, if it is there."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, "config.json", revision=revision, cache_dir=hub_cache_dir())
    if isinstance(found, str):
        return Path(found).parent.name  # .../snapshots/<commit>/config.json
    return None


def locate(spec: ModelSpec) -> tuple[str, str | None, bool]:
    """``(name_or_path, revision, local_only)`` to load ``spec`` with, fetching nothing yet.

    A folder loads as it is. A hub model found in the cache loads from it, pinned to its commit;
    one that is missing needs the network, which is checked at once rather than retried for minutes.
    """
    if spec.is_local:
        if not (Path(spec.model) / "config.json").is_file():
            raise ModelError(f"{spec.model}: not a model folder (no config.json)")
        return spec.model, None, True
    if spec.model.startswith((".", "/", "~")):
        raise ModelError(f"{spec.model}: no such model folder")
    revision = spec.revision or "main"
    commit = cached_commit(spec.model, revision)
    if commit:
        return spec.model, commit, True
    if hub_offline():
        raise ModelError(
            f"model {spec.model} is not in the Hugging Face cache and HF_HUB_OFFLINE is set: {how_to_get(spec.model)}"
        )
    if not hub_reachable():
        raise ModelError(
            f"model {spec.model} is not in the Hugging Face cache and {hub_endpoint()} cannot be reached: "
            f"{how_to_get(spec.model)}"
        )
    return spec.model, revision, False


def folder_fingerprint(folder: str | os.PathLike) -> str:
    """A short hash of the names, sizes and modification times of the files directly in ``folder``.

    Identifies a local model folder's current contents well enough to notice a model retrained or
    replaced in place (sub-folders, such as converted models, are ignored).
    """
    entries = []
    with os.scandir(folder) as it:
        for entry in it:
            if entry.is_file():
                st = entry.stat()
                entries.append((entry.name, st.st_size, st.st_mtime_ns))
    return hashlib.sha256(json.dumps(sorted(entries)).encode()).hexdigest()[:16]


def model_identity(spec: ModelSpec) -> str:
    """What the model's files are, without loading it: a folder's fingerprint, or the cached commit."""
    if spec.is_local:
        return "folder:" + folder_fingerprint(spec.model)
    return "commit:" + (cached_commit(spec.model, spec.revision or "main") or f"uncached@{spec.revision or 'main'}")


def model_available(spec: ModelSpec, timeout: float = 5.0) -> bool:
    """Whether ``spec`` can be loaded: a model folder, a cached hub model, or a repo on a reachable hub."""
    if spec.is_local:
        return (Path(spec.model) / "config.json").is_file()
    if cached_commit(spec.model, spec.revision or "main"):
        return True
    if hub_offline() or not hub_reachable(timeout):
        return False
    from huggingface_hub import repo_exists

    try:
        return bool(repo_exists(spec.model))
    except Exception:  # network trouble: treat as not available, never hang or crash on a probe
        return False


def _from_pretrained(loader: Any, name: str, revision: str | None, local_only: bool, **kwargs: Any) -> Any:
    if revision is not None:
        kwargs["revision"] = revision
    if hub_cache_dir():
        kwargs["cache_dir"] = hub_cache_dir()
    try:
        return loader.from_pretrained(name, local_files_only=local_only, **kwargs)
    except (OSError, ValueError) as exc:
        action = "load" if local_only else "download"
        at = f"@{revision}" if revision else ""
        raise ModelError(f"model {name}{at}: cannot {action} it ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def choose_device(requested: str | None) -> tuple[str, Any]:
    """``(device, dtype)``: CUDA in half precision where present, else CPU in float32; ``requested`` forces."""
    import torch

    name = (requested or "auto").lower()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UsageError(f"--device {requested}: no CUDA device is available on this machine")
        return name, torch.float16
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise UsageError("--device mps: Apple MPS is not available on this machine")
        return name, torch.float32
    if name != "cpu":
        raise UsageError(f"--device {requested}: expected auto, cpu, cuda, cuda:N or mps")
    return name, torch.float32


def load_seq2seq(spec: ModelSpec, device: str | None = None) -> tuple[Any, Any, dict[str, Any]]:
    """Load tokenizer and model for ``spec`` on ``device``; return them with a provenance record."""
    import torch  # noqa: F401  (imported here so the CLI never pays for it)
    import transformers
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    transformers.logging.set_verbosity_error()  # trpipe reports its own progress and errors
    transformers.logging.disable_progress_bar()
    device_name, dtype = choose_device(device)
    name, revision, local_only = locate(spec)
    tokenizer = _from_pretrained(AutoTokenizer, name, revision, local_only)
    model = _from_pretrained(AutoModelForSeq2SeqLM, name, revision, local_only, dtype=dtype)
    commit = None if spec.is_local else (revision if local_only else cached_commit(name, revision or "main"))
    model.to(device_name)
    model.eval()
    # trpipe bounds every generate() call with max_new_tokens; a max_length left in the model's
    # generation config would only conflict with it.
    model.generation_config.max_length = None
    info = {
        "model": spec.model,
        "revision": spec.revision,
        "commit": commit,
        "architecture": (model.config.architectures or [type(model).__name__])[0],
        "device": device_name,
        "dtype": str(dtype).replace("torch.", ""),
    }
    return tokenizer, model, info


def model_input_limit(tokenizer: Any, model: Any) -> int:
    """The longest input the model accepts, from its position table or the tokenizer."""
    limits = [
        getattr(model.config, "max_position_embeddings", None),
        getattr(tokenizer, "model_max_length", None),
    ]
    usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < 1_000_000]
    return min(usable) if usable else 512
