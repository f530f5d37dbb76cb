"""The CTranslate2 backend (``--backend ctranslate2``, extra ``trpipe[ct2]``).

The transformers model is converted once with CTranslate2's ``TransformersConverter`` and the conversion
is kept for later runs:

* a local model folder: in ``<folder>/ctranslate2-<quantization>/``, or, when the folder is not writable,
  in ``<cache>/ctranslate2/local-<hash of the folder path>/<quantization>/``;
* a hub model: in ``<cache>/ctranslate2/<org>--<name>/<commit>/<quantization>/``, converted from the
  Hugging Face cache snapshot of that commit;

where ``<cache>`` is trpipe's cache folder (``--cache-dir``, ``$TRPIPE_CACHE_DIR`` or the user cache folder).
A conversion is written to a temporary folder beside its place and renamed into it when complete, so a
killed run never leaves half a model, and two runs converting at once both end up using one complete
conversion. A marker file records what was converted (the commit, or a fingerprint of a local folder's
files); a model changed in place is converted again.

Tokenisation stays with the transformers tokenizer of the same folder: text → ids → tokens for the
input, tokens → ids → text for the output (as CTranslate2's documentation does for Marian models).
Decoding mirrors the transformers backend: beam size ``num_beams``, output bounded by
``max_new_tokens_ratio`` x the batch's longest input + ``max_new_tokens_offset``, capped by ``max_length``.

On CPU the model runs in int8 (float32 where int8 is not supported), on CUDA in int8_float16 (float16
where int8 is not supported); the registry setting ``ct2_compute_type`` or the ``compute_type`` option
chooses another type, which must be one the device supports.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from trpipe.errors import MissingExtraError, ModelError, UsageError
from trpipe.registry import ModelSpec
from trpipe.translate.base import SubwordTranslator, register_backend

MARKER = "trpipe-ct2.json"
COMPUTE_SETTING = "ct2_compute_type"
# Conversions in one process run one at a time: transformers' model loading is not thread-safe.
# Between processes the atomic rename is what keeps a conversion whole.
_CONVERTING = threading.Lock()


def import_ctranslate2() -> Any:
    """The ``ctranslate2`` module, or an error telling which extra to install."""
    try:
        import ctranslate2
    except ImportError:
        raise MissingExtraError("ctranslate2", "ct2", "the ctranslate2 backend") from None
    return ctranslate2


def choose_device(ct2: Any, requested: str | None) -> tuple[str, int]:
    """``(device, index)`` for CTranslate2: CUDA where a device is present, else CPU; ``requested`` forces."""
    name = (requested or "auto").strip().lower()
    cuda_count = ct2.get_cuda_device_count()
    if name == "auto":
        return ("cuda", 0) if cuda_count > 0 else ("cpu", 0)
    if name == "cpu":
        return "cpu", 0
    match = re.fullmatch(r"cuda(?::(\d+))?", name)
    if match:
        index = int(match.group(1) or 0)
        if index >= cuda_count:
            found = f"{cuda_count} CUDA device(s)" if cuda_count else "no CUDA device"
            raise UsageError(f"--device {requested}: CTranslate2 finds {found} on this machine")
        return "cuda", index
    raise UsageError(f"--device {requested}: the ctranslate2 backend runs on auto, cpu, cuda or cuda:N")


def choose_compute_type(ct2: Any, device: str, index: int, requested: str | None) -> str:
    """The compute type: ``requested`` if the device supports it, else int8 on CPU, int8_float16 on CUDA."""
    supported = set(ct2.get_supported_compute_types(device, index))
    if requested:
        if requested not in supported:
            raise UsageError(
                f"compute type {requested} is not supported by CTranslate2 on {device} here; "
                f"supported: {', '.join(sorted(supported))}"
            )
        return requested
    preferred = ("int8", "int8_float32", "float32") if device == "cpu" else ("int8_float16", "float16", "float32")
    return next((t for t in preferred if t in supported), "default")


def _quiet_transformers() -> None:
    import transformers

    transformers.logging.set_verbosity_error()  # trpipe reports its own progress and errors
    transformers.logging.disable_progress_bar()


def model_source(spec: ModelSpec) -> tuple[Path, str | None]:
    """``(folder, commit)``: the folder holding the transformers model for ``spec`` (downloaded if needed).

    A hub model is resolved to its snapshot folder in the Hugging Face cache, pinned to its commit;
    a model missing from the cache is downloaded first, with the transformers backend's checks and errors.
    """
    from trpipe.hub import _from_pretrained, cached_commit, hub_cache_dir, locate

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


def convert_model(
    ct2: Any, source: Path, place: Path, quantization: str, identity: dict[str, Any], reuse: bool = True
) -> Path:
    """Convert the transformers model in ``source`` into ``place`` atomically; return ``place``.

    Raises OSError when ``place``'s parent folder cannot be written (the caller tries another place).
    """
    place.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{place.name}.converting-", dir=place.parent))
    try:
        out = work / "model"
        try:
            ct2.converters.TransformersConverter(str(source)).convert(str(out), quantization=quantization)
        except (OSError, ValueError, NotImplementedError, KeyError) as exc:
            raise ModelError(f"{source}: cannot convert the model for CTranslate2 ({exc})") from None
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
) -> tuple[Path, bool]:
    """``(folder, converted_now)``: a CTranslate2 conversion of ``spec``, made now if none is current.

    ``reuse=False`` converts again even where a current conversion exists (one that failed to load).
    """
    from trpipe.hub import folder_fingerprint
    from trpipe.translate.memory import default_cache_dir

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
        _quiet_transformers()
        errors = []
        for place in places:
            try:
                return convert_model(ct2, source, place, quantization, identity, reuse), True
            except OSError as exc:
                errors.append(f"{place.parent}: {exc.strerror or exc}")
    raise ModelError(f"{spec.model}: cannot write the CTranslate2 conversion anywhere ({'; '.join(errors)})")


def available_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@register_backend("ctranslate2")
class CT2Translator(SubwordTranslator):
    """Translate with a CTranslate2 conversion of a transformers model: int8 on CPU, int8_float16 on CUDA."""

    def __init__(
        self,
        spec: ModelSpec,
        device: str | None = None,
        compute_type: str | None = None,
        cache_dir: str | os.PathLike | None = None,
        threads: int | None = None,
    ):
        super().__init__(spec)
        ct2 = import_ctranslate2()
        from transformers import AutoConfig, AutoTokenizer

        from trpipe.hub import _from_pretrained, model_input_limit
        from trpipe.translate.memory import default_cache_dir

        _quiet_transformers()
        self.ct2_version = ct2.__version__
        self.device, self.device_index = choose_device(ct2, device)
        requested = compute_type or self.settings.get(COMPUTE_SETTING)
        self.compute_type = choose_compute_type(ct2, self.device, self.device_index, requested)
        self.source, self.commit = model_source(spec)
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        # The conversion stores weights in the compute type, so loading never re-quantises them.
        quantization = self.compute_type if self.compute_type != "default" else "float32"
        self.model_dir, self.converted = ensure_converted(
            ct2, spec, self.source, self.commit, quantization, self.cache_dir
        )
        self.tokenizer = _from_pretrained(AutoTokenizer, str(self.source), None, True)
        config = _from_pretrained(AutoConfig, str(self.source), None, True)
        self.architecture = (getattr(config, "architectures", None) or [type(config).__name__])[0]
        self.input_limit = model_input_limit(self.tokenizer, SimpleNamespace(config=config))
        self.prefix = f"{spec.target_token} " if spec.target_token else ""
        self.threads = threads or available_threads()
        options: dict[str, Any] = {"device": self.device, "device_index": self.device_index}
        options["compute_type"] = self.compute_type
        if self.device == "cpu":
            options.update(inter_threads=1, intra_threads=self.threads)
        try:
            self.translator = ct2.Translator(str(self.model_dir), **options)
        except (RuntimeError, ValueError) as exc:
            if self.converted:
                raise ModelError(f"{self.model_dir}: CTranslate2 cannot load the conversion ({exc})") from None
            # A conversion left by another CTranslate2 version may not load here: convert it again.
            self.model_dir, self.converted = ensure_converted(
                ct2, spec, self.source, self.commit, quantization, self.cache_dir, reuse=False
            )
            self.translator = ct2.Translator(str(self.model_dir), **options)
        self.compute_type = str(getattr(self.translator, "compute_type", self.compute_type))

    def translate_options(self, input_tokens: int) -> dict[str, Any]:
        return {
            "beam_size": int(self.settings["num_beams"]),
            # transformers counts the end token (forced at the limit) in max_new_tokens, CTranslate2 does
            # not count it in max_decoding_length: one less gives both the same bound on output tokens.
            "max_decoding_length": max(1, self.max_new_tokens(input_tokens) - 1),
            "max_input_length": 0,  # never truncate: trpipe cuts long sentences itself, at word boundaries
            "max_batch_size": self.batch_tokens,
            "batch_type": "tokens",
        }

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        if not texts:
            return []
        ids = self.tokenizer([self.prefix + t for t in texts], add_special_tokens=True)["input_ids"]
        sources = [self.tokenizer.convert_ids_to_tokens(x) for x in ids]
        results = self.translator.translate_batch(sources, **self.translate_options(max(map(len, sources))))
        outputs = [self.tokenizer.convert_tokens_to_ids(r.hypotheses[0]) for r in results]
        return [t.strip() for t in self.tokenizer.batch_decode(outputs, skip_special_tokens=True)]

    def decoding(self) -> dict[str, Any]:
        # The compute type is part of describe(); the decoding settings stay those of every backend.
        return {k: v for k, v in super().decoding().items() if k != COMPUTE_SETTING}

    def describe(self) -> dict[str, Any]:
        device = self.device if self.device == "cpu" or self.device_index == 0 else f"cuda:{self.device_index}"
        return {
            "model": self.spec.model,
            "revision": self.spec.revision,
            "commit": self.commit,
            "architecture": self.architecture,
            "device": device,
            "compute_type": self.compute_type,
            "backend": self.backend,
            "ctranslate2": self.ct2_version,
        }

    def close(self) -> None:
        translator = getattr(self, "translator", None)
        if translator is not None:
            del self.translator
