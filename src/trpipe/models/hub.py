"""Loading seq2seq models and tokenizers from the Hugging Face hub cache or a local folder.

A hub model counts as on this machine only when its cache snapshot is complete: config, weights and
tokenizer files (checked against the file listing huggingface_hub keeps beside a download, or by what a
seq2seq model needs when there is none). A complete snapshot loads pinned to its commit, with no
network at all. A missing or incomplete one is downloaded, or its interrupted download resumed, by
``trpipe.models.download`` (through huggingface_hub: ``HF_ENDPOINT``, proxies, ``HF_HUB_OFFLINE``, bounded
waits); when that cannot be done the error names the snapshot and the command that completes it.

Models are always loaded from the snapshot folder, never through transformers' own hub code, so that
loading makes no request, and in particular never starts the background safetensors conversion that
transformers runs for repos with only ``pytorch_model.bin`` (as the opus-mt and distilbart repos are);
``DISABLE_SAFETENSORS_CONVERSION`` is set as well, for any other path.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from trpipe.errors import ModelError, UsageError
from trpipe.models import download
from trpipe.models.hubcache import (  # noqa: F401  (the cache's names, used by the backends through this module)
    Snapshot,
    cached_commit,
    hub_cache_dir,
    hub_endpoint,
    hub_offline,
    repo_folder,
    resolve_cached,
    snapshot,
    wanted_files,
)
from trpipe.models.registry import ModelSpec

# Where an offline newcomer can go instead: tiny random-weight models built on this machine (models/demo.py).
DEMO_COMMAND = "trpipe models demo DIR"


def shown_name(spec: ModelSpec) -> str:
    """A hub model as messages name it: ``org/name``, with ``@revision`` unless it is main."""
    revision = spec.revision or "main"
    return spec.model if revision == "main" else f"{spec.model}@{revision}"


def pull_command(spec: ModelSpec) -> str:
    """The command that fetches ``spec`` into the cache."""
    return f"trpipe models pull {shown_name(spec)}"


def ensure_snapshot(spec: ModelSpec, say: Any = None, bar: bool | None = None) -> Snapshot:
    """The complete cached snapshot of hub model ``spec``: downloaded, or its interrupted download resumed.

    An incomplete snapshot is completed at its own commit (what the run's fingerprints already name);
    the errors say what is missing and which command completes it.
    """
    revision = spec.revision or "main"
    found = snapshot(spec.model, revision)
    if found is not None and found.complete:
        return found
    state = found.describe() if found else "not in the Hugging Face cache"
    fix = (
        f"run `{pull_command(spec)}` where the hub can be reached, or copy a complete Hugging Face cache "
        f"(to try trpipe with no network, `{DEMO_COMMAND}` builds tiny models and a registry naming them)"
    )
    if hub_offline():
        raise ModelError(f"model {shown_name(spec)} is {state} and HF_HUB_OFFLINE is set: {fix}")
    try:
        try:
            commit = download.fetch(spec.model, revision, commit=found.commit if found else None, say=say, bar=bar)
        except download.HubUnavailable as exc:
            if found is None or not exc.gone:
                raise
            # the interrupted download's commit is no longer on the hub: take the revision's current one
            commit = download.fetch(spec.model, revision, say=say, bar=bar)
    except download.HubUnavailable as exc:
        raise ModelError(f"model {shown_name(spec)} is {state} and cannot be downloaded: {exc}; {fix}") from None
    done = snapshot(spec.model, commit)
    if done is None or not done.complete:
        lacking = done.describe() if done else "not in the cache"
        raise ModelError(f"model {shown_name(spec)}: downloaded, but still {lacking}; {fix}")
    return done


def locate(spec: ModelSpec) -> tuple[str, str | None, bool]:
    """``(name_or_path, revision, local_only)`` to load ``spec`` with.

    A folder loads as it is. A hub model is made complete in the cache first (downloaded or resumed when
    needed) and then loads from it, pinned to its commit: ``local_only`` is always true.
    """
    if spec.is_local:
        if not (Path(spec.model) / "config.json").is_file():
            raise ModelError(f"{spec.model}: not a model folder (no config.json)")
        return spec.model, None, True
    if spec.model.startswith((".", "/", "~")):
        what = "summariser" if spec.task == "summarisation" else "model"
        raise ModelError(f"{spec.model}: no such model folder (the registry's {what} for {spec.key})")
    return spec.model, ensure_snapshot(spec).commit, True


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
    """What the model's files are, without loading it: a folder's fingerprint, or the commit.

    A hub model names its cached commit; one not cached yet names the commit its download will fetch
    (asked of the hub, once per process), so that the first run's fingerprints equal the second's.
    """
    if spec.is_local:
        return "folder:" + folder_fingerprint(spec.model)
    revision = spec.revision or "main"
    commit = resolve_cached(spec.model, revision)
    if commit is not None and not (repo_folder(spec.model) / "snapshots" / commit).is_dir():
        commit = None
    if commit is None and not hub_offline():
        commit = download.remote_commit(spec.model, revision)
    return "commit:" + (commit or f"uncached@{revision}")


def model_available(spec: ModelSpec, timeout: float | None = None) -> bool:
    """Whether ``spec`` can be had: a model folder, a snapshot in the cache, or a repo on a reachable hub.

    A snapshot that is incomplete counts: loading it resumes the download or says how to complete it.
    """
    if spec.is_local:
        return (Path(spec.model) / "config.json").is_file()
    revision = spec.revision or "main"
    if snapshot(spec.model, revision) is not None:
        return True
    if hub_offline():
        return False
    return download.remote_commit(spec.model, revision, timeout=timeout) is not None


def _from_pretrained(loader: Any, name: str, revision: str | None, local_only: bool, **kwargs: Any) -> Any:
    """``loader.from_pretrained`` on a folder: a hub model's complete snapshot (fetched first if needed)."""
    os.environ.setdefault("DISABLE_SAFETENSORS_CONVERSION", "1")  # transformers' switch for its converter
    folder = Path(name)
    if not folder.is_dir():
        spec = ModelSpec("model", name, name, revision or "main")
        commit = resolve_cached(name, revision or "main") if local_only else None
        done = snapshot(name, commit) if commit else None
        folder = (done if done is not None and done.complete else ensure_snapshot(spec)).folder
    try:
        return loader.from_pretrained(str(folder), local_files_only=True, **kwargs)
    except (OSError, ValueError) as exc:
        at = f"@{revision}" if revision else ""
        raise ModelError(f"model {name}{at}: cannot load it from {folder} ({_first_line(exc)})") from None


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
    commit = None if spec.is_local else revision
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
