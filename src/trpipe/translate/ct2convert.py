"""Converting transformers models for CTranslate2, once, atomically, and knowing beforehand which can be.

A conversion is kept for later runs:

* a local model folder: in ``<folder>/ctranslate2-<quantization>/``, or, when the folder is not writable,
  in ``<cache>/ctranslate2/local-<name>-<hash of the folder path>/<quantization>/``;
* a hub model: in ``<cache>/ctranslate2/<org>--<name>/<commit>/<quantization>/``, converted from the
  Hugging Face cache snapshot of that commit;

where ``<cache>`` is trpipe's cache folder (``--cache-dir``, ``$TRPIPE_CACHE_DIR`` or the user cache folder).
A conversion is written to a temporary folder beside its place and renamed into it when complete, so a
killed run never leaves half a model, and two runs converting at once both end up using one complete
conversion. A marker file records what was converted (the commit, or a fingerprint of a local folder's
files); a model changed in place is converted again.

Only converting imports torch and transformers (CTranslate2's converter needs them); everything else here
reads files. :func:`convertible` tells from ``config.json`` alone whether CTranslate2's
``TransformersConverter`` has a loader for the model's configuration and trpipe a torch-free tokenizer for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from trpipe.errors import ModelError, shown
from trpipe.models.registry import ModelSpec
from trpipe.translate.tokenize import FAMILIES, MODEL_TYPES, TOKENIZER_CLASSES, remedy

log = logging.getLogger("trpipe")

MARKER = "trpipe-ct2.json"
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
# Conversions in one process run one at a time: transformers' model loading is not thread-safe.
# Between processes the atomic rename is what keeps a conversion whole.
_CONVERTING = threading.Lock()


class UnsupportedModel(ModelError):
    """The model cannot run on the CTranslate2 backend (``--backend auto`` then uses transformers)."""


def _quiet_transformers() -> None:
    import transformers

    transformers.logging.set_verbosity_error()  # trpipe reports its own progress and errors
    transformers.logging.disable_progress_bar()


def read_config(folder: Path, name: str | None = None) -> dict[str, Any]:
    """``config.json`` of a model folder, read with json (no transformers)."""
    from trpipe.translate.tokenize import broken

    path = folder / "config.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise broken(name, path, "missing") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise broken(name, path, f"not valid JSON ({' '.join(str(exc).split())})") from None
    if not isinstance(data, dict):
        raise broken(name, path, "not a model configuration")
    return data


@lru_cache(maxsize=1)
def converter_configurations() -> frozenset[str]:
    """The configuration classes CTranslate2's TransformersConverter has a loader for (``MarianConfig``...),
    read from the installed converter's source so that neither torch nor transformers is imported."""
    import ctranslate2

    source = Path(ctranslate2.__file__).parent / "converters" / "transformers.py"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(re.findall(r"""@register_loader\(\s*["']([A-Za-z0-9_]+)["']\s*\)""", text))


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def convertible(config: dict[str, Any], tokenizer_config: dict[str, Any] | None = None) -> str | None:
    """Why the model of ``config`` cannot run on trpipe's CTranslate2 backend, or None when it can:
    an encoder-decoder model whose configuration CTranslate2 converts and whose tokenizer trpipe reads."""
    model_type = str(config.get("model_type") or "")
    if not model_type:
        return "config.json names no model_type"
    loaders = {_key(c.removesuffix("Config")) for c in converter_configurations()}
    if _key(model_type) not in loaders:
        return f"CTranslate2 cannot convert {model_type} models"
    if config.get("is_encoder_decoder") is False:
        return f"{model_type} here is not an encoder-decoder model"
    tokenizer_class = str((tokenizer_config or {}).get("tokenizer_class") or "")
    family = TOKENIZER_CLASSES.get(tokenizer_class) or MODEL_TYPES.get(model_type)
    if family not in FAMILIES:
        return f"trpipe has no torch-free tokenizer for {model_type} models"
    return None


def model_source(spec: ModelSpec) -> tuple[Path, str | None]:
    """``(folder, commit)``: the folder holding the transformers model for ``spec`` (downloaded if needed).

    A hub model is resolved to its snapshot folder in the Hugging Face cache, pinned to its commit;
    a model missing from the cache is downloaded first, with the transformers backend's checks and errors.
    """
    from trpipe.models.hub import _from_pretrained, cached_commit, hub_cache_dir, locate

    name, revision, local_only = locate(spec)
    if spec.is_local:
        return Path(name), None
    if not local_only:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        _from_pretrained(AutoTokenizer, name, revision, False)
        _from_pretrained(AutoModelForSeq2SeqLM, name, revision, False)
        revision = cached_commit(name, revision or "main")
        if revision is None:
            raise ModelError(f"model {name}: downloaded, but not found in the Hugging Face cache afterwards")
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(name, "config.json", revision=revision, cache_dir=hub_cache_dir())
    if not isinstance(found, str):
        raise ModelError(f"model {name}@{revision}: config.json is not in the Hugging Face cache")
    return Path(found).parent, revision


def cached_source(spec: ModelSpec) -> Path | None:
    """The folder holding ``spec``'s files on this machine now (a local folder, or its hub cache snapshot),
    without downloading anything; None when it is not here."""
    if spec.is_local:
        return Path(spec.model) if (Path(spec.model) / "config.json").is_file() else None
    from huggingface_hub import try_to_load_from_cache

    from trpipe.models.hub import hub_cache_dir

    try:
        found = try_to_load_from_cache(
            spec.model, "config.json", revision=spec.revision or "main", cache_dir=hub_cache_dir()
        )
    except Exception:  # a malformed id or cache: the loaders report it properly
        return None
    return Path(found).parent if isinstance(found, str) else None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "model"


def conversion_places(spec: ModelSpec, commit: str | None, quantization: str, cache_dir: Path) -> list[Path]:
    """Where the conversion of ``spec`` may live, in order of preference."""
    root = cache_dir / "ctranslate2"
    if spec.is_local:
        folder = Path(spec.model).resolve()
        digest = hashlib.sha256(str(folder).encode("utf-8")).hexdigest()[:16]
        return [folder / f"ctranslate2-{quantization}", root / f"local-{_slug(folder.name)}-{digest}" / quantization]
    return [root / _slug(spec.model.replace("/", "--")) / (commit or "unknown") / quantization]


def _marker(place: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((place / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(place: Path, identity: dict[str, Any]) -> bool:
    """``place`` holds a complete conversion of the model ``identity`` describes."""
    marker = _marker(place)
    return marker is not None and marker.get("identity") == identity and (place / "model.bin").is_file()


def _conversion_failed(name: str, source: Path, exc: BaseException) -> ModelError:
    detail = " ".join(str(exc).split())[:300] or type(exc).__name__
    if "No conversion is registered" in detail:
        return ModelError(
            f"model {name}: {shown(source)}: cannot convert the model for CTranslate2 ({detail}); "
            "use --backend transformers"
        )
    weights = [f for f in WEIGHT_FILES if (source / f).is_file()]
    files = f" (weights: {', '.join(weights)})" if weights else " (no weights file found)"
    return ModelError(
        f"model {name}: {shown(source)}: cannot convert the model for CTranslate2 ({detail}){files}; "
        f"the model files may be damaged: {remedy(name, source)}"
    )


def convert_model(
    ct2: Any,
    source: Path,
    place: Path,
    quantization: str,
    identity: dict[str, Any],
    reuse: bool = True,
    name: str | None = None,
) -> Path:
    """Convert the transformers model in ``source`` into ``place`` atomically; return ``place``.

    Raises OSError when ``place``'s parent folder cannot be written (the caller tries another place),
    ModelError when the model cannot be converted.
    """
    place.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{place.name}.converting-", dir=place.parent))
    try:
        out = work / "model"
        try:
            ct2.converters.TransformersConverter(str(source)).convert(str(out), quantization=quantization)
        except Exception as exc:  # torch, safetensors, transformers and the converter raise many kinds
            raise _conversion_failed(name or str(source), source, exc) from None
        marker = {"identity": identity, "ctranslate2": ct2.__version__, "source": str(source)}
        (out / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
        for attempt in range(3):
            try:
                os.replace(out, place)  # atomic; fails when ``place`` is a non-empty folder
                return place
            except OSError:
                if reuse and is_current(place, identity):  # another run finished the same conversion first
                    return place
                if place.exists():  # a stale or unloadable conversion: move it aside, then retry
                    with contextlib.suppress(OSError):
                        os.replace(place, work / f"old-{attempt}")
        os.replace(out, place)  # last try: let its error through
        return place
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_converted(
    ct2: Any,
    spec: ModelSpec,
    source: Path,
    commit: str | None,
    quantization: str,
    cache_dir: Path | None = None,
    reuse: bool = True,
    progress: Any = None,
) -> tuple[Path, bool]:
    """``(folder, converted_now)``: a CTranslate2 conversion of ``spec``, made now if none is current.

    ``reuse=False`` converts again even where a current conversion exists (one that failed to load).
    ``progress`` (a :class:`trpipe.progress.Progress`) is told when a conversion is being made.
    """
    from trpipe.cachedir import default_cache_dir
    from trpipe.models.hub import folder_fingerprint

    identity = {
        "model": spec.model,
        "version": commit or folder_fingerprint(source),
        "quantization": quantization,
    }
    places = conversion_places(spec, commit, quantization, cache_dir or default_cache_dir())
    with _CONVERTING:
        for place in places:
            if reuse and is_current(place, identity):
                return place, False
        message = f"converting {spec.model} for CTranslate2 ({quantization})"
        log.info("%s: once, kept in %s", message, places[0].parent)
        if progress is not None:
            progress.stage(message)
        _quiet_transformers()
        errors = []
        for place in places:
            try:
                return convert_model(ct2, source, place, quantization, identity, reuse, spec.model), True
            except OSError as exc:
                errors.append(f"{place.parent}: {exc.strerror or exc}")
    raise ModelError(f"{spec.model}: cannot write the CTranslate2 conversion anywhere ({'; '.join(errors)})")
