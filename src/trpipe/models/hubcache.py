"""The Hugging Face hub cache as trpipe sees it: where it is, what a snapshot holds, what it still lacks.

Everything here reads the environment when called (``HF_HUB_CACHE``, ``HF_HOME``, ``HF_ENDPOINT``,
``HF_HUB_OFFLINE``), never at import, and reads files only: no network.

A snapshot is complete when it holds every file trpipe fetches for a model (``wanted_files``): checked
against the repo's file listing that huggingface_hub keeps beside a download (``get_cached_repo_tree``),
or, for a cache made otherwise (copied, or by an older huggingface_hub), by what a seq2seq model needs
to load: ``config.json``, every weight file (shards named by an index included), the tokenizer's files.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trpipe.models.registry import ModelSpec

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
# What trpipe takes from a model repo (top-level files only): configs and tokenizer files, the card and
# licence, and one copy of the weights: safetensors when the repo has them, else pytorch_model.bin.
SUPPORT_PATTERNS = ("*.json", "*.spm", "*.model", "*.txt", "README.md", "LICENSE*")
SAFETENSORS = ("model.safetensors", "model.safetensors.index.json", "model-*-of-*.safetensors")
LEGACY_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "pytorch_model-*-of-*.bin")


def hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) forbids network access (read now, not at import)."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}:
            return True
    return False


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or "https://huggingface.co"


def hub_cache_dir() -> str:
    """The hub cache folder as the environment says now (huggingface_hub reads it only at import)."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return os.path.expanduser(os.environ[var])
    if os.environ.get("HF_HOME"):
        return str(Path(os.environ["HF_HOME"]).expanduser() / "hub")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "huggingface", "hub")


def repo_folder(repo_id: str) -> Path:
    """Where the cache keeps ``repo_id`` (``models--org--name``)."""
    return Path(hub_cache_dir()) / ("models--" + repo_id.replace("/", "--"))


def resolve_cached(repo_id: str, revision: str) -> str | None:
    """The commit ``revision`` stands for in the cache (``refs/<revision>``, or the revision when a commit)."""
    if _COMMIT.match(revision):
        return revision
    try:
        commit = (repo_folder(repo_id) / "refs" / revision).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    return commit if _COMMIT.match(commit) else None


def cached_commit(repo_id: str, revision: str) -> str | None:
    """The commit that ``revision`` of ``repo_id`` resolves to in the local cache, if its snapshot is there.

    The snapshot may be incomplete (see :func:`snapshot`); this names what the cache holds.
    """
    commit = resolve_cached(repo_id, revision)
    if commit and (repo_folder(repo_id) / "snapshots" / commit / "config.json").is_file():
        return commit
    return None


def wanted_files(names: list[str]) -> list[str]:
    """The files trpipe fetches from a repo listing ``names``: no duplicate weights, no other frameworks."""
    top = [n for n in names if "/" not in n]
    has_safetensors = any(_matches(n, SAFETENSORS[:2]) for n in top)
    weights = SAFETENSORS if has_safetensors else LEGACY_WEIGHTS
    other_index = LEGACY_WEIGHTS[1] if has_safetensors else SAFETENSORS[1]
    return sorted(n for n in top if _matches(n, weights) or (_matches(n, SUPPORT_PATTERNS) and n != other_index))


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


@dataclass(frozen=True)
class Snapshot:
    """A model's snapshot in the hub cache: its commit, folder, the files it still lacks."""

    repo_id: str
    revision: str
    commit: str
    folder: Path
    missing: tuple[str, ...]
    partial: int = 0  # interrupted downloads (blobs/*.incomplete) of the repo

    @property
    def complete(self) -> bool:
        return not self.missing

    def describe(self) -> str:
        shown = ", ".join(self.missing[:3]) + (f" and {len(self.missing) - 3} more" if len(self.missing) > 3 else "")
        partial = f"; {self.partial} interrupted download(s)" if self.partial else ""
        return f"incomplete in the Hugging Face cache ({self.folder} lacks {shown}{partial})"


def snapshot(repo_id: str, revision: str = "main") -> Snapshot | None:
    """The cached snapshot of ``repo_id`` at ``revision`` with what it lacks; None when there is none."""
    commit = resolve_cached(repo_id, revision)
    if commit is None:
        return None
    folder = repo_folder(repo_id) / "snapshots" / commit
    if not folder.is_dir():
        return None
    listing = _cached_listing(repo_id, commit)
    if listing is not None:
        missing = [name for name in wanted_files(listing) if not (folder / name).is_file()]
    else:
        missing = _missing_by_kind(folder)
    blobs = repo_folder(repo_id) / "blobs"
    partial = len(list(blobs.glob("*.incomplete"))) if blobs.is_dir() else 0
    return Snapshot(repo_id, revision, commit, folder, tuple(missing), partial)


def _cached_listing(repo_id: str, commit: str) -> list[str] | None:
    """The repo's file names at ``commit`` as huggingface_hub recorded them when it downloaded (no network)."""
    try:
        from huggingface_hub import get_cached_repo_tree
    except ImportError:  # an older huggingface_hub keeps no listing: judge by the files
        return None
    try:
        return [entry.path for entry in get_cached_repo_tree(repo_id, revision=commit, cache_dir=hub_cache_dir())]
    except Exception:  # no listing cached (a copied cache, an older download): judge by the files
        return None


def _missing_by_kind(folder: Path) -> list[str]:
    """What a seq2seq model folder lacks to load: config, every weight file, the tokenizer's files."""
    missing = [] if (folder / "config.json").is_file() else ["config.json"]
    missing += _missing_weights(folder)
    missing += _missing_tokenizer(folder)
    return missing


def _missing_weights(folder: Path) -> list[str]:
    for index in (SAFETENSORS[1], LEGACY_WEIGHTS[1]):
        if (folder / index).is_file():
            try:
                shards = set(json.loads((folder / index).read_text(encoding="utf-8"))["weight_map"].values())
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                return [f"{index} (unreadable)"]
            return sorted(s for s in shards if not (folder / s).is_file())
    if (folder / SAFETENSORS[0]).is_file() or (folder / LEGACY_WEIGHTS[0]).is_file():
        return []
    return ["the weights (model.safetensors or pytorch_model.bin)"]


def _missing_tokenizer(folder: Path) -> list[str]:
    if (folder / "tokenizer.json").is_file():
        return []
    try:
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError, AttributeError):
        model_type = None
    if model_type == "marian":  # MarianTokenizer: two SentencePiece models and the shared vocabulary
        return [n for n in ("source.spm", "target.spm", "vocab.json") if not (folder / n).is_file()]
    if any(folder.glob("*.model")) or any(folder.glob("*.spm")) or (folder / "vocab.txt").is_file():
        return []
    if (folder / "vocab.json").is_file():
        return [] if (folder / "merges.txt").is_file() else ["merges.txt"]
    return ["the tokenizer files (tokenizer.json, a SentencePiece model, or vocab.json and merges.txt)"]


def model_folder(spec: ModelSpec) -> Path | None:
    """The folder holding ``spec``'s files on this machine: a local folder or a cache snapshot (complete or not)."""
    if spec.is_local:
        return Path(spec.model)
    found = snapshot(spec.model, spec.revision or "main")
    return found.folder if found else None
