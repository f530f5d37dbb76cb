"""The Translator interface, the backend registry and the batch scheduler.

A backend turns a list of model-ready sentences into a list of translations. Everything around it
(normalisation, de-duplication, sorting by length, token-budget batching, putting results back in
source order, progress) is done once here, for every backend.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import math
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from trpipe.errors import TrpipeError, UsageError
from trpipe.models.registry import ModelSpec
from trpipe.textnorm import normalize_for_model

log = logging.getLogger("trpipe")

# Backends shipped with trpipe, imported only when asked for so that heavy imports stay lazy.
_BUILTIN_MODULES = {"transformers": "trpipe.translate.hf", "ctranslate2": "trpipe.translate.ct2"}
_BACKENDS: dict[str, type[Translator]] = {}
# Decoding settings used where the registry entry does not say; they are part of every provenance record.
DECODING_DEFAULTS: dict[str, Any] = {
    "num_beams": 4,
    "max_input_tokens": 256,
    "max_length": 512,
    "max_new_tokens_ratio": 1.6,
    "max_new_tokens_offset": 10,
    "batch_tokens": 4096,
}


class Translator(ABC):
    """Translates batches of sentences with one model."""

    backend: str = "abstract"

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.settings: dict[str, Any] = {**DECODING_DEFAULTS, **spec.settings}

    @property
    def max_input_tokens(self) -> int:
        """Sentences are cut to at most this many tokens before translation."""
        return int(self.settings["max_input_tokens"])

    @property
    def batch_tokens(self) -> int:
        """Token budget of one batch (longest sentence x batch size, padding included)."""
        return int(self.settings["batch_tokens"])

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of model input tokens of each text (special tokens included)."""

    @abstractmethod
    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        """Translate model-ready texts (normalised, non-empty), one output per input, in order."""

    def translate_batch_scored(self, texts: Sequence[str]) -> list[tuple[str, float | None]]:
        """Like ``translate_batch``, each output with the model's confidence: the mean log-probability
        per generated token, or None where the backend cannot tell."""
        return [(t, None) for t in self.translate_batch(texts)]

    def translate_batches_scored(self, batches: Sequence[Sequence[str]]) -> Iterator[list[tuple[str, float | None]]]:
        """``translate_batch_scored`` of each batch, yielded in order as each is done. A backend may run
        several batches at once (CTranslate2 keeps its parallel replicas busy across batches)."""
        for batch in batches:
            yield self.translate_batch_scored(batch)

    def alternatives(self, texts: Sequence[str], n: int) -> list[list[str]]:
        """Up to ``n`` other translations of each text, best first (the beam's n-best after the best); none
        where the backend cannot tell."""
        return [[] for _ in texts]

    @property
    def concurrency(self) -> int:
        """Batches the engine runs at once at full speed (CTranslate2's replicas on CPU); 1 by default."""
        return 1

    def recall(self, texts: Sequence[str]) -> dict[str, str]:
        """Translations of ``texts`` known without translating (a translation memory); none by default."""
        return {}

    def recall_scored(self, texts: Sequence[str]) -> dict[str, tuple[str, float | None]]:
        """``recall`` with the scores stored beside the translations (None where none was stored)."""
        return {source: (text, None) for source, text in self.recall(texts).items()}

    def decoding(self) -> dict[str, Any]:
        """The decoding settings that determine the output, for provenance and cache keys."""
        # batch budgets and CTranslate2's engine settings change the speed, not the output
        decoding = {
            k: v for k, v in self.settings.items() if not k.endswith("batch_tokens") and not k.startswith("ct2_")
        }
        decoding["max_input_tokens"] = self.max_input_tokens
        if self.spec.target_token:
            decoding["target_token"] = self.spec.target_token
        return decoding

    def describe(self) -> dict[str, Any]:
        """What produced the translations: model id, revision, backend, device."""
        return {"model": self.spec.model, "revision": self.spec.revision, "backend": self.backend}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the model (optional)."""


@dataclass(frozen=True)
class PairTokens:
    """The language tokens of one pair of a many-to-many model (see ``trpipe.models.families``)."""

    source: str | None = None  # the encoder input's first token (NLLB, M2M100, mBART-50)
    target: str | None = None  # the decoder output's first token, forced (NLLB, M2M100, mBART-50)
    text_prefix: str = ""  # text before each input (MADLAD-400's "<2sw> ")


class SubwordTranslator(Translator):
    """A Translator whose model reads a Hugging Face tokenizer's subwords (the transformers and CTranslate2
    backends): token counting, the input limit, the target-token prefix and the bound on new tokens.

    Subclasses set ``tokenizer``, ``input_limit`` and ``prefix`` (``spec.target_token`` + space, or ""). The
    counting and translating methods take the ``PairTokens`` of a many-to-many model's pair, or None.
    """

    tokenizer: Any
    input_limit: int
    prefix: str = ""

    @property
    def max_input_tokens(self) -> int:
        return min(super().max_input_tokens, self.input_limit)

    def text_prefix(self, tokens: PairTokens | None) -> str:
        return tokens.text_prefix if tokens is not None else self.prefix

    def count_tokens(self, texts: Sequence[str], tokens: PairTokens | None = None) -> list[int]:
        prefix = self.text_prefix(tokens)
        encoded = self.tokenizer([prefix + t for t in texts], add_special_tokens=True)
        return [len(ids) for ids in encoded["input_ids"]]

    def max_new_tokens(self, input_tokens: int, tokens: PairTokens | None = None) -> int:
        """New tokens allowed for a batch whose longest input has ``input_tokens`` tokens (and one more for a
        forced target-language token, which is no part of the translation)."""
        settings = self.settings
        bound = math.ceil(
            float(settings["max_new_tokens_ratio"]) * input_tokens + int(settings["max_new_tokens_offset"])
        )
        forced = int(bool(tokens and tokens.target))
        return max(1, min(bound, int(settings["max_length"]))) + forced


def register_backend(name: str) -> Callable[[type[Translator]], type[Translator]]:
    """Class decorator: make a Translator available under ``name`` (``--backend NAME``)."""

    def decorate(cls: type[Translator]) -> type[Translator]:
        cls.backend = name
        _BACKENDS[name] = cls
        return cls

    return decorate


def available_backends() -> list[str]:
    return sorted(set(_BACKENDS) | set(_BUILTIN_MODULES))


def resolve_backend(spec: ModelSpec, backend: str, device: str | None = None) -> str:
    """The backend that ``auto`` means for ``spec`` on ``device``.

    CTranslate2 for every model it can run (an encoder-decoder that its converter converts and whose
    tokenizer trpipe reads without transformers: Marian, T5/mT5, BART), transformers otherwise, on Apple
    ``mps`` (which CTranslate2 does not run on), and where CTranslate2 is missing or sees no CUDA device
    that ``device`` asks for. Decided from the files already on this machine; a hub model not downloaded yet
    is tried on CTranslate2 and falls back to transformers in ``load_translator`` if it cannot run there.
    """
    if backend != "auto":
        return backend
    name = (device or "auto").strip().lower()
    if name == "mps":
        return "transformers"
    try:
        ct2 = importlib.import_module("ctranslate2")
    except ImportError:
        return "transformers"
    if name.startswith("cuda") and ct2.get_cuda_device_count() == 0:
        return "transformers"
    from trpipe.translate.ct2convert import cached_source, convertible, read_config

    source = cached_source(spec)
    if source is None:
        return "ctranslate2"
    try:
        config = read_config(source, spec.model)
    except TrpipeError:
        return "transformers"  # its loader reports what is wrong with the folder
    tokenizer_config: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        tokenizer_config = json.loads((source / "tokenizer_config.json").read_text(encoding="utf-8"))
    reason = convertible(config, tokenizer_config if isinstance(tokenizer_config, dict) else {})
    if reason:
        log.info("model %s: %s: using the transformers backend", spec.model, reason)
        return "transformers"
    return "ctranslate2"


def load_translator(spec: ModelSpec, backend: str = "auto", **options: Any) -> Translator:
    """Instantiate the backend ``backend`` for ``spec`` (the model is loaded here, once).

    ``options`` (device, cache_dir, progress, threads, ...) are passed to the backends that take them.
    With ``auto``, a model that turns out not to run on CTranslate2 is loaded with transformers.
    """
    chosen = resolve_backend(spec, backend, options.get("device"))
    if backend != "auto" or chosen != "ctranslate2":
        return _instantiate(chosen, spec, options)
    from trpipe.translate.ct2convert import UnsupportedModel

    try:
        return _instantiate(chosen, spec, options)
    except UnsupportedModel as exc:
        log.info("%s", exc)
        return _instantiate("transformers", spec, options)


def _instantiate(backend: str, spec: ModelSpec, options: dict[str, Any]) -> Translator:
    if backend not in _BACKENDS and backend in _BUILTIN_MODULES:
        importlib.import_module(_BUILTIN_MODULES[backend])
    if backend not in _BACKENDS:
        raise UsageError(f"unknown backend '{backend}'; available: {', '.join(available_backends())}")
    cls = _BACKENDS[backend]
    return cls(spec, **accepted_options(cls, options))


def accepted_options(cls: type, options: dict[str, Any]) -> dict[str, Any]:
    """The ``options`` that ``cls(spec, ...)`` accepts (all of them when it takes ``**kwargs``)."""
    import inspect

    parameters = inspect.signature(cls.__init__).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return dict(options)
    names = {p.name for p in parameters}
    return {k: v for k, v in options.items() if k in names}


def plan_batches(lengths: Sequence[int], batch_tokens: int, max_batch: int = 128) -> list[list[int]]:
    """Indices grouped into batches, longest first, each within ``batch_tokens`` counting padding."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        width = lengths[current[0]] if current else lengths[i]
        if current and (width * (len(current) + 1) > batch_tokens or len(current) >= max_batch):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def translate_texts(
    translator: Translator,
    texts: Sequence[str],
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Translate ``texts`` (raw source spans) and return translations in the same order.

    Each text is normalised for the model; identical inputs are translated once; inputs are sorted
    by token length and batched by the translator's token budget. An input with nothing to translate
    (only invisible characters) is returned as it is.
    """
    return [text for text, _ in translate_scored(translator, texts, progress)]


@dataclass
class TranslationStats:
    """What translate calls did, counted per sentence given (a sentence given twice counts twice):
    answered by the translation memory (``recalled``), translated by the model (``translated``), and the
    model's batches."""

    recalled: int = 0
    translated: int = 0
    batches: int = 0

    def add(self, other: TranslationStats) -> None:
        self.recalled += other.recalled
        self.translated += other.translated
        self.batches += other.batches


def translate_scored(
    translator: Translator,
    texts: Sequence[str],
    progress: Callable[[int], None] | None = None,
    stats: TranslationStats | None = None,
    label: str | None = None,
) -> list[tuple[str, float | None]]:
    """``translate_texts`` with each translation's model score (see ``Translator.translate_batch_scored``).

    ``stats`` is added what the call did; the debug log gets a line for what the memory answered and one
    per batch (its sentences, its tokens with padding, when it came back), named ``label`` (default: the
    model).
    """
    stats = stats if stats is not None else TranslationStats()
    label = label or translator.spec.model
    prepared = [normalize_for_model(t) for t in texts]
    counts = Counter(p for p in prepared if p)
    unique = list(counts)
    done: dict[str, tuple[str, float | None]] = {}
    if unique:
        done.update(translator.recall_scored(unique))  # a translation memory answers before any batching
        recalled = sum(counts[x] for x in done)
        stats.recalled += recalled
        if done:
            log.debug("translation memory %s: %d of %d sentences found", label, recalled, sum(counts.values()))
            if progress:
                progress(recalled)
        todo = [x for x in unique if x not in done]
        lengths = translator.count_tokens(todo) if todo else []
        plan = plan_batches(lengths, translator.batch_tokens)
        batches = [[todo[i] for i in batch] for batch in plan]
        started = time.perf_counter()
        for number, (inputs, outputs) in enumerate(zip(batches, translator.translate_batches_scored(batches)), 1):
            if len(outputs) != len(inputs):
                raise RuntimeError(f"backend {translator.backend} returned {len(outputs)} of {len(inputs)}")
            done.update(zip(inputs, outputs))
            occurrences = sum(counts[x] for x in inputs)
            stats.translated += occurrences
            stats.batches += 1
            width = lengths[plan[number - 1][0]] * len(inputs)
            log.debug(
                "batch %d of %d %s: %d sentences, %d tokens with padding, back after %.2f s",
                number, len(batches), label, len(inputs), width, time.perf_counter() - started,
            )  # fmt: skip
            if progress:
                progress(occurrences)
    return [done[p] if p else (t, None) for p, t in zip(prepared, texts)]


def translate_any_length(translator: Translator, texts: Sequence[str]) -> list[str]:
    """Like ``translate_texts``, for texts that may exceed the model's input limit (a pivot's
    intermediate output, summary sentences): a long text is cut at clause or word boundaries into
    pieces that fit, and their translations are joined. Nothing is truncated.
    """
    from trpipe.records import Sentence
    from trpipe.segment import split_long

    def count(text: str) -> int:
        return translator.count_tokens([text])[0]

    pieces: list[list[str]] = []
    for text in texts:
        prepared = normalize_for_model(text)
        if not prepared:
            pieces.append([text])
            continue
        parts = split_long(prepared, Sentence(0, len(prepared), prepared), count, translator.max_input_tokens)
        pieces.append([p.text for p in parts])
    flat = translate_texts(translator, [p for parts in pieces for p in parts])
    out, i = [], 0
    for parts in pieces:
        out.append(" ".join(flat[i : i + len(parts)]))
        i += len(parts)
    return out
