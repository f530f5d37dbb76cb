"""A model's files diagnosed one by one, and every failure while loading a model turned into a ModelError.

``diagnose(folder)`` reads a transformers model folder (a local one or a Hugging Face cache snapshot) the
way the loaders will, without loading the model: ``config.json`` parses and names a model type; the weights
are there and whole (a safetensors header against the file's size, a ``.bin`` that is a zip archive or a
pickle, sharded weights against their index); the tokenizer files that the model type needs are there
(Marian: ``source.spm``, ``target.spm``, ``vocab.json``; T5/mT5/Pegasus: ``spiece.model`` or
``tokenizer.json``; BART: ``vocab.json`` and ``merges.txt`` or ``tokenizer.json``) and, with ``thorough``,
load (SentencePiece models through sentencepiece, ``tokenizer.json`` through tokenizers, vocabularies and
merges parse). It returns the first :class:`Problem`: the file and what is wrong with it.

``loading(spec, backend)`` wraps a model load: cheap checks first (a damaged file is named before a loader
meets it, or silently ignores it as transformers does with a broken ``generation_config.json``), then any
exception of the loader becomes a ModelError (exit 4) naming the model, the file and what to do: download it
again (``trpipe models pull``) for a hub model, replace the file for a local folder.
"""

from __future__ import annotations

import contextlib
import json
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trpipe.errors import ModelError, TrpipeError, shown
from trpipe.models.registry import ModelSpec

# Backends that load transformers model folders (a plugin backend may read other layouts).
FOLDER_BACKENDS = ("auto", "transformers", "ctranslate2")
SAFETENSORS_HEADER_MAX = 100 * 1024 * 1024
_SMALL_JSON = ("generation_config.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")
_SENTENCEPIECE = ("source.spm", "target.spm", "spiece.model", "sentencepiece.bpe.model")
_BPE = ("vocab.json", "merges.txt")
# The tokenizer files each model type needs: any one of the alternatives, every file of it.
_TOKENIZER_FILES: dict[str, list[tuple[str, ...]]] = {
    "marian": [("source.spm", "target.spm", "vocab.json")],
    **{t: [("spiece.model",), ("tokenizer.json",)] for t in ("t5", "mt5", "umt5", "longt5", "pegasus", "pegasus_x")},
    **{t: [_BPE, ("tokenizer.json",)] for t in ("bart", "led", "blenderbot", "roberta", "gpt2")},
    **{t: [("sentencepiece.bpe.model",), ("tokenizer.json",)] for t in ("mbart", "plbart")},
    "m2m_100": [("vocab.json", "sentencepiece.bpe.model"), ("tokenizer.json",)],
    "nllb-moe": [("sentencepiece.bpe.model",), ("tokenizer.json",)],
}
_ANY_TOKENIZER = ("tokenizer.json", *_SENTENCEPIECE, "vocab.json", "vocab.txt", "tokenizer.model")


@dataclass(frozen=True)
class Problem:
    """What is wrong with a model folder: the file (or the folder) and the reason."""

    file: Path
    reason: str


# ------------------------------------------------------------------------------------------- diagnosis


def _json(path: Path) -> tuple[Any, Problem | None]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return None, Problem(path, f"cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        return None, Problem(path, "is not UTF-8 text (damaged)")
    if not text.strip():
        return None, Problem(path, "is empty")
    try:
        return json.loads(text), None
    except (ValueError, RecursionError) as exc:
        return None, Problem(path, f"is not valid JSON ({getattr(exc, 'msg', 'nested too deeply')}, damaged?)")


def _config(folder: Path) -> tuple[dict[str, Any], Problem | None]:
    path = folder / "config.json"
    if not path.is_file():
        return {}, Problem(folder, "not a model folder: it has no config.json")
    config, problem = _json(path)
    if problem:
        return {}, problem
    if not isinstance(config, dict):
        return {}, Problem(path, f"is not a JSON object but a {type(config).__name__} (damaged?)")
    if not isinstance(config.get("model_type", ""), str):
        return config, Problem(path, "has a model_type that is not a name (damaged?)")
    return config, None


def _safetensors(path: Path) -> Problem | None:
    """The header of a safetensors file against its size: a truncated or garbage file is caught here."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
            if len(head) < 8:
                return Problem(path, f"is truncated ({size} bytes, not even a safetensors header)")
            (length,) = struct.unpack("<Q", head)
            if length > min(SAFETENSORS_HEADER_MAX, size - 8):
                return Problem(path, "is not a safetensors file (garbage header), or is truncated")
            header = json.loads(handle.read(length))
    except OSError as exc:
        return Problem(path, f"cannot be read ({exc.strerror or exc})")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Problem(path, "is not a safetensors file (its header is not JSON): damaged")
    ends = []
    for name, tensor in header.items() if isinstance(header, dict) else [("", None)]:
        if name == "__metadata__":
            continue
        offsets = tensor.get("data_offsets") if isinstance(tensor, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(x, int) for x in offsets)):
            return Problem(path, "has a damaged header (a tensor without valid data offsets)")
        ends.append(offsets[1])
    expected = 8 + length + max(ends, default=0)
    if expected > size:
        return Problem(path, f"is truncated: it holds {size} of the {expected} bytes its header describes")
    if expected < size:
        return Problem(path, f"is damaged: {size - expected} bytes more than its header describes")
    return None


def _torch_bin(path: Path, thorough: bool) -> Problem | None:
    """A PyTorch weights file: a zip archive (torch >= 1.6) or a legacy pickle."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
        if head.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip() if thorough else None
            return Problem(path, f"is damaged (member {bad} fails its checksum)") if bad else None
    except OSError as exc:
        return Problem(path, f"cannot be read ({exc.strerror or exc})")
    except (zipfile.BadZipFile, EOFError, ValueError):
        return Problem(path, "is truncated or damaged (not a complete zip archive)")
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return None  # a pickle (the format before torch 1.6)
    return Problem(path, "is not a PyTorch weights file (neither a zip archive nor a pickle): damaged")


def _weights(folder: Path, thorough: bool) -> Problem | None:
    for index_name, check in (
        ("model.safetensors.index.json", _safetensors),
        ("pytorch_model.bin.index.json", lambda p: _torch_bin(p, thorough)),
    ):
        index = folder / index_name
        if not index.is_file():
            continue
        data, problem = _json(index)
        if problem:
            return problem
        weight_map = data.get("weight_map") if isinstance(data, dict) else None
        if not isinstance(weight_map, dict):
            return Problem(index, "has no weight_map (damaged?)")
        for shard in sorted({str(s) for s in weight_map.values()}):
            if not (folder / shard).is_file():
                return Problem(folder / shard, f"is missing (listed in {index_name})")
            problem = check(folder / shard)
            if problem:
                return problem
        return None
    if (folder / "model.safetensors").is_file():
        return _safetensors(folder / "model.safetensors")
    if (folder / "pytorch_model.bin").is_file():
        return _torch_bin(folder / "pytorch_model.bin", thorough)
    return Problem(folder, "has no weights (model.safetensors or pytorch_model.bin)")


def _tokenizer_files(folder: Path, model_type: str) -> Problem | None:
    alternatives = _TOKENIZER_FILES.get(model_type)
    if alternatives is None:
        if any((folder / name).is_file() for name in _ANY_TOKENIZER):
            return None
        return Problem(folder, f"has no tokenizer files (one of {', '.join(_ANY_TOKENIZER)})")
    for files in alternatives:
        if all((folder / name).is_file() for name in files):
            return None
    wanted = " or ".join(" + ".join(files) for files in alternatives)
    missing = [name for name in alternatives[0] if not (folder / name).is_file()]
    return Problem(folder / missing[0], f"is missing: a {model_type} tokenizer needs {wanted}")


def _sentencepiece(path: Path) -> Problem | None:
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor()
    try:
        processor.Load(str(path))
    except (OSError, RuntimeError, ValueError) as exc:
        reason = " ".join(str(exc).split()).split(" from ")[0] or type(exc).__name__
        return Problem(path, f"is not a valid SentencePiece model, truncated or damaged ({reason[:120]})")
    return None


def _vocabulary(path: Path) -> Problem | None:
    data, problem = _json(path)
    if problem:
        return problem
    if not isinstance(data, dict) or not all(isinstance(v, int) for v in data.values()):
        return Problem(path, "is not a vocabulary (a JSON object of token: id): damaged")
    return None


def _merges(path: Path) -> Problem | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return Problem(path, f"cannot be read as UTF-8 text ({getattr(exc, 'strerror', None) or exc})")
    for number, line in enumerate(lines, 1):
        if line and not line.startswith("#version") and len(line.split(" ")) != 2:
            return Problem(path, f"line {number} is not a merge of two tokens: truncated or damaged")
    return None


def _tokenizer_json(path: Path) -> Problem | None:
    from tokenizers import Tokenizer

    try:
        Tokenizer.from_file(str(path))
    except Exception as exc:  # the tokenizers library raises plain Exceptions
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return Problem(path, f"is not a valid tokenizer, truncated or damaged ({reason[:120]})")
    return None


def diagnose(folder: str | Path, thorough: bool = True) -> Problem | None:
    """The first problem of the model in ``folder`` (None when every check passes).

    Without ``thorough``, only what is cheap to check: the JSON files a loader reads first, the weights'
    headers and sizes, the presence of the tokenizer files. ``thorough`` also loads the tokenizer files and
    reads the whole of a zipped ``.bin``.
    """
    folder = Path(folder)
    config, problem = _config(folder)
    if problem:
        return problem
    for name in _SMALL_JSON:
        if (folder / name).is_file():
            data, problem = _json(folder / name)
            if problem:
                return problem
            if not isinstance(data, dict):
                return Problem(folder / name, f"is not a JSON object but a {type(data).__name__} (damaged?)")
    problem = _weights(folder, thorough) or _tokenizer_files(folder, str(config.get("model_type", "")))
    if problem or not thorough:
        return problem
    checks = [(name, _sentencepiece) for name in _SENTENCEPIECE]
    checks += [("vocab.json", _vocabulary), ("merges.txt", _merges), ("tokenizer.json", _tokenizer_json)]
    for name, check in checks:
        if (folder / name).is_file():
            problem = check(folder / name)
            if problem:
                return problem
    return None


# ---------------------------------------------------------------------------------------------- loading


def model_files(spec: ModelSpec) -> Path | None:
    """The folder holding ``spec``'s files on this machine (a local folder, a cache snapshot), if any."""
    from trpipe.models.hubcache import model_folder

    try:
        return model_folder(spec)
    except Exception:  # a damaged cache must not hide the error being reported
        return None


def remedy(spec: ModelSpec, folder: Path | None) -> str:
    """What to do about a damaged model: download it again, or replace the folder's damaged files."""
    if spec.is_local:
        return "copy the model's files into the folder again (or rebuild the model)"
    cache = folder.parents[1] if folder is not None and len(folder.parents) > 1 else None
    where = f"delete {shown(cache)} and " if cache is not None else ""
    return f"{where}download it again with `trpipe models pull {spec.model}`"


def _named(spec: ModelSpec) -> str:
    role = f" ({spec.task} {spec.key})" if spec.key and spec.key != spec.model else ""
    return f"model {shown(spec.model)}{role}"


def problem_error(spec: ModelSpec, problem: Problem, folder: Path | None) -> ModelError:
    """The ModelError for a damaged file of ``spec``: the model, the file, the reason, the remedy."""
    return ModelError(f"{_named(spec)}: {shown(problem.file)} {problem.reason}; {remedy(spec, folder)}")


def check_model(spec: ModelSpec) -> None:
    """Raise a ModelError when the files of ``spec`` on this machine are damaged (the cheap checks)."""
    folder = model_files(spec)
    if folder is not None:
        problem = diagnose(folder, thorough=False)
        if problem:
            raise problem_error(spec, problem, folder)


@contextlib.contextmanager
def loading(spec: ModelSpec, backend: str | None = None) -> Iterator[None]:
    """Load a model inside this block: any failure of the loader becomes a ModelError (exit 4).

    ``backend``: the backend that loads it. For those that read transformers folders (``FOLDER_BACKENDS``)
    the cheap checks run first and a failure is diagnosed file by file; for others (a plugin's, or None for
    a caller's own factory) a failure is reported with the loader's own reason.
    """
    folders = backend in FOLDER_BACKENDS
    if folders:
        check_model(spec)
    try:
        yield
    except Exception as exc:
        if isinstance(exc, TrpipeError) and not isinstance(exc, ModelError):
            raise  # a usage error (a device that is not there), a missing extra: not the model's fault
        folder = model_files(spec) if folders else None
        problem = diagnose(folder) if folder is not None else None
        if problem:
            raise problem_error(spec, problem, folder) from None
        if isinstance(exc, ModelError):
            raise
        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        advice = remedy(spec, folder) if folders else "check the model and its backend"
        raise ModelError(f"{_named(spec)}: cannot be loaded ({type(exc).__name__}: {detail}); {advice}") from None
