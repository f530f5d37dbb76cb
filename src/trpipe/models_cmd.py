"""``trpipe models``: what the registry offers, what is cached, fetching models, and what a model is.

Everything here reads the files of the Hugging Face cache or of a model folder; only ``pull`` uses the
network.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trpipe.errors import ModelError
from trpipe.hub import cached_commit, hub_cache_dir, hub_endpoint, hub_offline, hub_reachable
from trpipe.registry import ModelSpec, Registry

_PAIR = re.compile(r"^[a-z]{2,3}-[a-z]{2,3}$")
# The files a seq2seq model needs; weights in safetensors when the repo has them.
PULL_PATTERNS = ["*.json", "*.spm", "*.model", "*.txt", "*.safetensors", "README.md", "LICENSE*"]
LEGACY_WEIGHTS = ["pytorch_model.bin"]


@dataclass
class ModelRow:
    task: str
    key: str
    model: str
    revision: str | None
    cached: bool
    where: str | None


def model_folder(spec: ModelSpec) -> Path | None:
    """The folder holding ``spec``'s files on this machine: a local folder or a cache snapshot."""
    if spec.is_local:
        return Path(spec.model)
    commit = cached_commit(spec.model, spec.revision or "main")
    if not commit:
        return None
    from huggingface_hub import try_to_load_from_cache

    config = try_to_load_from_cache(spec.model, "config.json", revision=commit, cache_dir=hub_cache_dir())
    return Path(config).parent if isinstance(config, str) else None


def list_models(registry: Registry) -> list[ModelRow]:
    """Every registry entry, marking those whose files are on this machine."""
    rows = []
    for task in ("translation", "summarisation"):
        for key in sorted(registry.entries[task]):
            spec = registry.translation(*key.split("-", 1)) if task == "translation" else registry.summariser(key)
            folder = model_folder(spec)
            rows.append(
                ModelRow(task, key, spec.model, spec.revision, folder is not None, str(folder) if folder else None)
            )
    return rows


def resolve_name(registry: Registry, name: str) -> ModelSpec:
    """A pair (``fr-en``: the registry's model or the opus-mt convention), a hub id or a folder."""
    if _PAIR.match(name):
        src, tgt = name.split("-")
        return registry.translation(src, tgt) if registry.has_pair(src, tgt) else registry.convention(src, tgt)
    if name.startswith("summary:"):
        return registry.summariser(name.split(":", 1)[1])
    local = Path(name).expanduser()
    return ModelSpec(
        "translation", name, str(local.resolve()) if local.is_dir() else name, None if local.is_dir() else "main"
    )


def pull(spec: ModelSpec) -> Path:
    """Download ``spec`` into the Hugging Face cache (with a progress bar) for later offline use."""
    if spec.is_local:
        return Path(spec.model)
    if hub_offline():
        raise ModelError(f"cannot download {spec.model}: HF_HUB_OFFLINE is set")
    if not hub_reachable():
        raise ModelError(f"cannot download {spec.model}: {hub_endpoint()} cannot be reached (no network?)")
    from huggingface_hub import list_repo_files, snapshot_download

    try:
        files = list_repo_files(spec.model, revision=spec.revision)
        patterns = list(PULL_PATTERNS)
        if not any(f.endswith(".safetensors") for f in files):
            patterns += LEGACY_WEIGHTS
        return Path(
            snapshot_download(spec.model, revision=spec.revision, allow_patterns=patterns, cache_dir=hub_cache_dir())
        )
    except Exception as exc:  # the hub's errors are many; the user needs one line
        raise ModelError(f"cannot download {spec.model}@{spec.revision}: {str(exc).splitlines()[0]}") from None


def _safetensors_parameters(path: Path) -> int:
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    total = 0
    for name, tensor in header.items():
        if name != "__metadata__":
            count = 1
            for dim in tensor["shape"]:
                count *= dim
            total += count
    return total


def _licence(folder: Path) -> str | None:
    readme = folder / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8", errors="replace")
        match = re.match(r"---\s*\n(.*?)\n---", text, re.S)
        if match:
            found = re.search(r"^licen[cs]e:\s*(.+)$", match.group(1), re.M)
            if found:
                return found.group(1).strip().strip("'\"")
    for name in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8", errors="replace").strip().splitlines()[0]
    return None


def model_info(spec: ModelSpec) -> dict[str, Any]:
    """Architecture, size, input limit and licence of a model, from its files on this machine."""
    folder = model_folder(spec)
    if folder is None or not (folder / "config.json").is_file():
        raise ModelError(f"{spec.model} is not on this machine: run `trpipe models pull {spec.model}` first")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    tokenizer_config = {}
    if (folder / "tokenizer_config.json").is_file():
        tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("pytorch_model*.bin"))
    limits = [config.get("max_position_embeddings"), tokenizer_config.get("model_max_length")]
    limits = [int(x) for x in limits if isinstance(x, (int, float)) and 0 < x < 1_000_000]
    layers = config.get("encoder_layers", config.get("num_layers"))
    return {
        "model": spec.model,
        "revision": spec.revision,
        "commit": None if spec.is_local else folder.name,
        "folder": str(folder),
        "architecture": (config.get("architectures") or [config.get("model_type")])[0],
        "model_type": config.get("model_type"),
        "layers": f"{layers} encoder, {config.get('decoder_layers', config.get('num_decoder_layers', layers))} decoder",
        "d_model": config.get("d_model"),
        "attention_heads": config.get("encoder_attention_heads", config.get("num_heads")),
        "vocabulary": config.get("vocab_size"),
        "input_limit_tokens": min(limits) if limits else None,
        "parameters": sum(_safetensors_parameters(w) for w in weights if w.suffix == ".safetensors") or None,
        "size_bytes": sum(w.stat().st_size for w in weights),
        "licence": _licence(folder),
    }
