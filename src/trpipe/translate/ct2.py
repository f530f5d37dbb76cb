"""The CTranslate2 backend (``--backend ctranslate2``, and what ``--backend auto`` runs for Marian, T5 and
BART models): a conversion of the transformers model (see ``ct2convert``), run without torch or transformers.

Loading a converted model reads ``config.json`` and ``generation_config.json`` with json and tokenizes with
:mod:`trpipe.translate.tokenize` (sentencepiece / tokenizers): neither torch nor transformers is imported
unless the model has to be converted first.

Decoding mirrors the transformers backend: beam size ``num_beams``, output bounded by
``max_new_tokens_ratio`` x the batch's longest input + ``max_new_tokens_offset``, capped by ``max_length``,
and the model's generation config (length penalty, repetition penalty, no-repeat n-gram size, banned tokens)
as ``generate`` applies it.

Compute type: int8 on CPU; int8_float16 (else float16) on CUDA, but never a float16 type for T5-family
models (mT5 overflows in float16): int8_bfloat16 or int8_float32 there. The registry setting
``ct2_compute_type`` or the ``compute_type`` option chooses another type, which must be one the device supports.

Threads (CPU): the cores this process may use (or the ``threads`` option) are split into
``inter_threads`` model replicas decoding batches in parallel, of ``intra_threads`` threads each (see
:func:`thread_plan`); CTranslate2 cuts each trpipe batch into batches of ``ct2_max_batch_tokens`` tokens
(default 512) that the replicas share, and up to ``inter_threads`` trpipe batches are in CTranslate2 at
once (``translate_batches_scored``), so that a replica never idles while another finishes a batch's last
sub-batch. On the 2-core reference machine this is 2 x 1 and 512 tokens, the engine's best measured setting.
On CUDA: one replica, the whole trpipe batch at once.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trpipe.errors import MissingExtraError, ModelError, UsageError, shown
from trpipe.models.registry import ModelSpec
from trpipe.translate.base import SubwordTranslator, register_backend
from trpipe.translate.ct2convert import UnsupportedModel, convertible, ensure_converted, model_source, read_config

log = logging.getLogger("trpipe")

COMPUTE_SETTING = "ct2_compute_type"
CPU_SUB_BATCH_TOKENS = 512
T5_TYPES = {"t5", "mt5", "umt5"}
# config.json keys that older models use as their generation config (generation_config.json wins)
GENERATION_KEYS = ("length_penalty", "repetition_penalty", "no_repeat_ngram_size", "bad_words_ids")


def import_ctranslate2() -> Any:
    """The ``ctranslate2`` module, or an error telling what to install."""
    from trpipe.heap import limit_arenas

    limit_arenas()  # before CTranslate2 starts its threads (see trpipe.heap)
    try:
        import ctranslate2
    except ImportError:
        raise MissingExtraError("ctranslate2", "ct2", "the ctranslate2 backend") from None
    return ctranslate2


def available_threads() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def thread_plan(cores: int) -> tuple[int, int]:
    """``(inter_threads, intra_threads)`` for ``cores`` CPU threads.

    Small batches decoded in parallel beat one batch on all threads while a batch is too small to keep many
    threads busy: 1 thread per replica up to 3 cores (2 x 1 measured best on 2 cores), 2 up to 11, then 4.
    """
    cores = max(1, cores)
    intra = 1 if cores <= 3 else 2 if cores <= 11 else 4
    return max(1, cores // intra), intra


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


def choose_compute_type(ct2: Any, device: str, index: int, requested: str | None, no_float16: bool = False) -> str:
    """The compute type: ``requested`` if the device supports it, else int8 on CPU, int8_float16 on CUDA
    (without float16 when ``no_float16``: T5-family models)."""
    supported = set(ct2.get_supported_compute_types(device, index))
    if requested:
        if requested not in supported:
            raise UsageError(
                f"compute type {requested} is not supported by CTranslate2 on {device} here; "
                f"supported: {', '.join(sorted(supported))}"
            )
        return requested
    if device == "cpu":
        preferred: tuple[str, ...] = ("int8", "int8_float32", "float32")
    elif no_float16:
        preferred = ("int8_bfloat16", "bfloat16", "int8_float32", "int8", "float32")
    else:
        preferred = ("int8_float16", "float16", "int8_float32", "float32")
    return next((t for t in preferred if t in supported), "default")


def _optional_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def target_vocabulary(folder: Path) -> set[str] | None:
    """The tokens the conversion in ``folder`` can generate (None when its vocabulary file is unreadable)."""
    for name in ("target_vocabulary", "shared_vocabulary"):
        path = folder / f"{name}.json"
        if path.is_file():
            try:
                return set(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                return None
        path = folder / f"{name}.txt"
        if path.is_file():
            try:
                return set(path.read_text(encoding="utf-8").splitlines())
            except (OSError, UnicodeDecodeError):
                return None
    return None


def input_limit(config: dict[str, Any], tokenizer: Any) -> int:
    """The longest input the model accepts: its position table or the tokenizer's limit (else 512)."""
    limits = [config.get("max_position_embeddings"), getattr(tokenizer, "model_max_length", None)]
    usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < 1_000_000]
    return min(usable) if usable else 512


@dataclass
class Ct2Model:
    """A converted model loaded in CTranslate2, with its tokenizer and configuration (no torch)."""

    spec: ModelSpec
    source: Path
    commit: str | None
    folder: Path
    converted: bool
    config: dict[str, Any]
    generation: dict[str, Any]
    tokenizer: Any
    translator: Any
    device: str
    device_index: int
    compute_type: str
    inter_threads: int
    intra_threads: int
    ct2_version: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def architecture(self) -> str:
        return str((self.config.get("architectures") or [self.config.get("model_type", "unknown")])[0])

    @property
    def input_limit(self) -> int:
        return input_limit(self.config, self.tokenizer)

    def decoding_options(self) -> dict[str, Any]:
        """CTranslate2 options for what the model's generation config makes ``generate`` do."""
        generation = self.generation
        options: dict[str, Any] = {"length_penalty": float(generation.get("length_penalty", 1.0))}
        if generation.get("repetition_penalty") not in (None, 1, 1.0):
            options["repetition_penalty"] = float(generation["repetition_penalty"])
        if generation.get("no_repeat_ngram_size"):
            options["no_repeat_ngram_size"] = int(generation["no_repeat_ngram_size"])
        banned, vocabulary = [], target_vocabulary(self.folder)
        for ids in generation.get("bad_words_ids") or []:
            if isinstance(ids, list) and ids and all(isinstance(i, int) for i in ids):
                pieces = [self.tokenizer.id_piece(i) for i in ids]
                # a token the conversion dropped (Marian's <pad>) cannot be generated anyway
                if vocabulary is None or all(p in vocabulary for p in pieces):
                    banned.append(pieces)
        if banned:
            options["suppress_sequences"] = banned
        return options

    def describe(self) -> dict[str, Any]:
        device = self.device if self.device == "cpu" or self.device_index == 0 else f"cuda:{self.device_index}"
        return {
            "model": self.spec.model,
            "revision": self.spec.revision,
            "commit": self.commit,
            "architecture": self.architecture,
            "device": device,
            "compute_type": self.compute_type,
            "dtype": self.compute_type,
            "backend": "ctranslate2",
            "ctranslate2": self.ct2_version,
        }

    def close(self) -> None:
        self.translator = None


def open_model(
    spec: ModelSpec,
    device: str | None = None,
    compute_type: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    threads: int | None = None,
    progress: Any = None,
) -> Ct2Model:
    """Load ``spec`` on CTranslate2, converting it first when no current conversion exists.

    Raises UnsupportedModel when CTranslate2 or trpipe's tokenizers cannot run the model, ModelError when a
    model file or the conversion is damaged, UsageError for a device or compute type this machine lacks.
    """
    from trpipe.cachedir import default_cache_dir
    from trpipe.translate.tokenize import load_tokenizer

    ct2 = import_ctranslate2()
    dev, index = choose_device(ct2, device)
    if progress is not None:
        progress.stage(f"loading {spec.model}")
    source, commit = model_source(spec)
    config = read_config(source, spec.model)
    reason = convertible(config, _optional_json(source / "tokenizer_config.json"))
    if reason:
        raise UnsupportedModel(f"model {spec.model}: {reason}; use --backend transformers")
    tokenizer = load_tokenizer(source, spec.model)  # before converting: a damaged tokenizer fails at once
    requested = compute_type or spec.settings.get(COMPUTE_SETTING)
    no_float16 = str(config.get("model_type")) in T5_TYPES
    chosen = choose_compute_type(ct2, dev, index, requested, no_float16)
    # The conversion stores weights in the compute type, so loading never re-quantises them.
    quantization = chosen if chosen != "default" else "float32"
    cache = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    folder, converted = ensure_converted(ct2, spec, source, commit, quantization, cache, progress=progress)
    if dev == "cpu":
        inter, intra = thread_plan(threads or available_threads())
        inter = int(spec.settings.get("ct2_inter_threads", inter))
        intra = int(spec.settings.get("ct2_intra_threads", intra))
    else:
        inter, intra = 1, min(4, threads or available_threads())
    options = {"device": dev, "device_index": index, "compute_type": chosen}
    options |= {"inter_threads": inter, "intra_threads": intra}
    try:
        translator = ct2.Translator(str(folder), **options)
    except Exception as exc:  # a conversion damaged on disk, or made by another CTranslate2 version
        if converted:
            raise _unloadable(spec, folder, exc) from None
        log.warning("model %s: the conversion in %s does not load (%s): converting again", spec.model, folder, exc)
        folder, converted = ensure_converted(
            ct2, spec, source, commit, quantization, cache, reuse=False, progress=progress
        )
        try:
            translator = ct2.Translator(str(folder), **options)
        except Exception as again:
            raise _unloadable(spec, folder, again) from None
    generation = {k: config[k] for k in GENERATION_KEYS if k in config}
    generation.update(_optional_json(source / "generation_config.json"))
    return Ct2Model(
        spec=spec,
        source=source,
        commit=commit,
        folder=folder,
        converted=converted,
        config=config,
        generation=generation,
        tokenizer=tokenizer,
        translator=translator,
        device=dev,
        device_index=index,
        compute_type=str(getattr(translator, "compute_type", chosen)),
        inter_threads=inter,
        intra_threads=intra,
        ct2_version=ct2.__version__,
    )


def _unloadable(spec: ModelSpec, folder: Path, exc: BaseException) -> ModelError:
    detail = " ".join(str(exc).split())[:300] or type(exc).__name__
    return ModelError(
        f"model {spec.model}: CTranslate2 cannot load its conversion in {shown(folder)} ({detail}); "
        "delete that folder to have it converted again"
    )


def mean_log_prob(score: float, tokens: int, length_penalty: float) -> float | None:
    """The mean log-probability per generated token from CTranslate2's hypothesis score, which is the sum
    of the tokens' log-probabilities divided by ``tokens ** length_penalty`` (the end token counted when
    the model produced it)."""
    if tokens <= 0:
        return None
    return float(score) * tokens**length_penalty / tokens


@register_backend("ctranslate2")
class CT2Translator(SubwordTranslator):
    """Translate with a CTranslate2 conversion of a transformers model, without torch."""

    def __init__(
        self,
        spec: ModelSpec,
        device: str | None = None,
        compute_type: str | None = None,
        cache_dir: str | os.PathLike | None = None,
        threads: int | None = None,
        progress: Any = None,
    ):
        super().__init__(spec)
        self.model = open_model(spec, device, compute_type, cache_dir, threads, progress)
        model = self.model
        self.tokenizer = model.tokenizer
        self.translator = model.translator
        self.input_limit = model.input_limit
        self.prefix = f"{spec.target_token} " if spec.target_token else ""
        self.threads = model.inter_threads * model.intra_threads
        self._options = model.decoding_options()
        self._pieces: dict[str, list[str]] = {}  # pieces of the texts last counted, reused to translate them

    # the conversion's facts, as attributes (provenance, tests)
    device = property(lambda self: self.model.device)
    device_index = property(lambda self: self.model.device_index)
    compute_type = property(lambda self: self.model.compute_type)
    model_dir = property(lambda self: self.model.folder)
    converted = property(lambda self: self.model.converted)
    commit = property(lambda self: self.model.commit)
    architecture = property(lambda self: self.model.architecture)

    @property
    def batch_tokens(self) -> int:
        """trpipe's batch budget. On CPU with several replicas, ``batch_tokens`` per replica (or
        ``ct2_batch_tokens``): CTranslate2 cuts a batch into small ones anyway, and fewer, larger calls leave
        fewer short sub-batches at their ends (measured 4-8 % less CPU on the sample article)."""
        budget = int(self.settings["batch_tokens"])
        if self.model.device == "cpu" and self.model.inter_threads > 1:
            return int(self.settings.get("ct2_batch_tokens", budget * self.model.inter_threads))
        return budget

    def sub_batch_tokens(self) -> int:
        """The tokens of one CTranslate2 batch: small on CPU, where the replicas share a trpipe batch."""
        if self.model.device == "cpu" and self.model.inter_threads > 1:
            return min(self.batch_tokens, int(self.settings.get("ct2_max_batch_tokens", CPU_SUB_BATCH_TOKENS)))
        return self.batch_tokens

    def _encode(self, texts: Sequence[str]) -> list[list[str]]:
        return self.tokenizer.encode([self.prefix + t for t in texts])

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        pieces = self._encode(texts)
        self._pieces = dict(zip(texts, pieces))
        return [len(p) for p in pieces]

    def translate_options(self, input_tokens: int) -> dict[str, Any]:
        return {
            "beam_size": int(self.settings["num_beams"]),
            # transformers counts the end token (forced at the limit) in max_new_tokens, CTranslate2 does
            # not count it in max_decoding_length: one less gives both the same bound on output tokens.
            "max_decoding_length": max(1, self.max_new_tokens(input_tokens) - 1),
            "max_input_length": 0,  # never truncate: trpipe cuts long sentences itself, at word boundaries
            "max_batch_size": self.sub_batch_tokens(),
            "batch_type": "tokens",
            **self._options,
        }

    def _sources(self, texts: Sequence[str]) -> list[list[str]]:
        cached = self._pieces
        missing = [t for t in texts if t not in cached]
        found = dict(zip(missing, self._encode(missing))) if missing else {}
        return [cached.get(t) or found[t] for t in texts]

    def _run(self, texts: Sequence[str], scores: bool) -> list[tuple[str, float | None]]:
        if not texts:
            return []
        sources = self._sources(texts)
        options = self.translate_options(max(map(len, sources)))
        if scores:
            options.update(return_scores=True, return_end_token=True)
        results = self.translator.translate_batch(sources, **options)
        penalty = float(options.get("length_penalty", 1.0))
        out = []
        for result in results:
            hypothesis = result.hypotheses[0]
            score = mean_log_prob(result.scores[0], len(hypothesis), penalty) if scores and result.scores else None
            out.append((self.tokenizer.decode(hypothesis).strip(), score))
        return out

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        return [text for text, _ in self._run(texts, scores=False)]

    def alternatives(self, texts: Sequence[str], n: int) -> list[list[str]]:
        """The beam's n-best after the best (a beam of at least ``n + 1``), duplicates of the best left out."""
        if not texts or n <= 0:
            return [[] for _ in texts]
        sources = self._sources(texts)
        options = self.translate_options(max(map(len, sources)))
        options.update(beam_size=max(int(options["beam_size"]), n + 1), num_hypotheses=n + 1)
        out = []
        for result in self.translator.translate_batch(sources, **options):
            decoded = [self.tokenizer.decode(h).strip() for h in result.hypotheses]
            out.append([t for t in dict.fromkeys(decoded[1:]) if t and t != decoded[0]][:n])
        return out

    @property
    def concurrency(self) -> int:
        return self.model.inter_threads if self.model.device == "cpu" else 1

    def translate_batch_scored(self, texts: Sequence[str]) -> list[tuple[str, float | None]]:
        return self._run(texts, scores=True)

    def translate_batches_scored(self, batches: Sequence[Sequence[str]]) -> Iterator[list[tuple[str, float | None]]]:
        """Up to ``inter_threads`` batches in CTranslate2 at once, so that no replica waits for the last
        sub-batch of a batch before the next batch starts; outputs are yielded in order."""
        workers = self.model.inter_threads if self.model.device == "cpu" else 1
        if workers <= 1 or len(batches) <= 1:
            yield from super().translate_batches_scored(batches)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="trpipe-ct2") as pool:
            futures = [pool.submit(self.translate_batch_scored, batch) for batch in batches]
            try:
                for future in futures:
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()

    def decoding(self) -> dict[str, Any]:
        # The compute type is part of describe(); the decoding settings stay those of every backend.
        return {k: v for k, v in super().decoding().items() if k != COMPUTE_SETTING}

    def describe(self) -> dict[str, Any]:
        return self.model.describe()

    def close(self) -> None:
        self.model.close()
        self.translator = None
