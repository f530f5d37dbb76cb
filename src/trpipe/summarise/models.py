"""Summarisation models behind one small interface; the transformers implementation; backend choice.

A summariser turns chunks of text into short summaries and, for citation, tells how much each input
unit (a segment's translation) was attended to while a given summary sentence was produced. Two
implementations: ``HFSummariser`` (transformers ``generate``) here and ``CT2Summariser`` (a CTranslate2
conversion, torch-free once converted) in ``summarise.ct2``. Both decode with the same settings (beams,
minimum and maximum new tokens, no-repeat n-gram size, length penalty) and measure attention the same
way: the decoder's last layer, averaged over its heads, summed over the sentence's tokens (the step that
ends the sentence included), per source token, then per unit.

``load_summariser(spec, backend)``: ``auto`` runs CTranslate2 wherever the translation backend's rule
(``trpipe.translate.base.resolve_backend``) says it can run the model, transformers otherwise (on ``mps``,
without ctranslate2, for a model it cannot convert or tokenize); ``ctranslate2`` and
``transformers`` force one. Other names are looked up among the backends registered with
``register_summariser`` (tests register theirs); a name that is only a translation backend (a test
translator such as ``test-echo``) summarises as ``auto`` does.
"""

from __future__ import annotations

import importlib
import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from trpipe.models.registry import ModelSpec

log = logging.getLogger("trpipe")

UNIT_SEPARATOR = "\n"
# One summarisation batch: at most DEFAULT_MAX_BATCH chunks, and (longest chunk + new tokens) x chunks within
# DEFAULT_BATCH_TOKENS. A chunk's beams hold the chunk and the summary in every layer's attention caches
# (about 75 MB for a 250-token chunk with distilbart, 4 beams), and on CTranslate2 (2 cores) a chunk costs
# 4.1 CPU s alone, 2.1 in a batch of 4, 1.8 in a batch of 8 or 10 and 2.05 in one of 16: 8 is the plateau.
DEFAULT_BATCH_TOKENS = 4096
DEFAULT_MAX_BATCH = 8
# T5-family models overflow in float16 (mT5 gives NaN): never run them in it, on any backend.
T5_FAMILY = {"t5", "mt5", "umt5", "longt5"}


def unit_bounds(prefix: str, units: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """The model input for ``units`` (``prefix`` + units joined by UNIT_SEPARATOR) and each unit's span in it."""
    bounds, cursor = [], len(prefix)
    for unit in units:
        bounds.append((cursor, cursor + len(unit)))
        cursor += len(unit) + len(UNIT_SEPARATOR)
    return prefix + UNIT_SEPARATOR.join(units), bounds


def unit_shares(
    offsets: Sequence[tuple[int, int]], weights: Sequence[float], bounds: Sequence[tuple[int, int]]
) -> list[float] | None:
    """Attention ``weights`` of source tokens (character ``offsets``) summed per unit (``bounds``), as shares.

    Special tokens (empty offsets) count for no unit. None when no weight falls on any unit.
    """
    shares = [0.0] * len(bounds)
    for (start, end), weight in zip(offsets, weights):
        if end <= start:
            continue
        for i, (a, b) in enumerate(bounds):
            if start < b and end > a:
                shares[i] += weight
                break
    total = sum(shares)
    return [s / total for s in shares] if total > 0 and math.isfinite(total) else None


class Summariser(ABC):
    """Summarises chunks of units (plain-text pieces joined by UNIT_SEPARATOR)."""

    backend = "abstract"

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.settings: dict[str, Any] = dict(spec.settings)

    @property
    def max_input_tokens(self) -> int:
        return int(self.settings.get("max_input_tokens", 1024))

    @property
    def batch_tokens(self) -> int:
        """Token budget of one batch of chunks: (longest chunk + new tokens) x chunks."""
        return int(self.settings.get("batch_tokens", DEFAULT_BATCH_TOKENS))

    @property
    def max_batch(self) -> int:
        return int(self.settings.get("max_batch", DEFAULT_MAX_BATCH))

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Input tokens of each text, special tokens included."""

    @abstractmethod
    def summarise(self, chunks: Sequence[Sequence[str]], max_sentences: int, max_new_tokens: int) -> list[str]:
        """One summary per chunk (a list of units that fit ``max_input_tokens`` together).

        A summary has at most ``max_new_tokens`` tokens and is meant to have about ``max_sentences`` sentences.
        """

    @property
    def max_summary_tokens(self) -> int:
        """The longest summary the registry allows (``max_length``)."""
        return int(self.settings.get("max_length", 142))

    def attention(self, units: Sequence[str], summary_sentence: str) -> list[float] | None:
        """Share of the model's cross-attention that each unit gets while producing the sentence.

        None when the summariser cannot tell (the caller then relies on lexical alignment only).
        """
        return None

    def attention_batch(self, pairs: Sequence[tuple[Sequence[str], str]]) -> list[list[float] | None]:
        """``attention(units, sentence)`` for several ``(units, sentence)`` pairs (backends batch them)."""
        return [self.attention(units, sentence) for units, sentence in pairs]

    def describe(self) -> dict[str, Any]:
        return {"model": self.spec.model, "revision": self.spec.revision, "backend": self.backend}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the model (optional)."""

    def decoding(self) -> dict[str, Any]:
        keys = ("num_beams", "max_input_tokens", "min_length", "max_length", "no_repeat_ngram_size", "length_penalty")
        return {k: self.settings[k] for k in keys if k in self.settings}

    def min_new_tokens(self, max_new_tokens: int) -> int:
        """The registry's ``min_length``, never more than half of a chunk's bound (map-level summaries are short)."""
        return min(int(self.settings.get("min_length", 0)), max_new_tokens // 2)


class HFSummariser(Summariser):
    """BART / T5 / mT5 summarisation with ``generate``; cross-attention read with eager attention.

    On CUDA the model runs in float16, except T5-family models, which stay in float32.
    """

    backend = "transformers"

    def __init__(self, spec: ModelSpec, device: str | None = None):
        super().__init__(spec)
        from trpipe.models.hub import choose_device, load_seq2seq, model_input_limit

        resolved, _ = choose_device(device)
        on_cuda = resolved.startswith("cuda")
        load_on = "cpu" if on_cuda and self._t5_family(spec) else device
        self.tokenizer, self.model, self.info = load_seq2seq(spec, load_on)
        if load_on != device and on_cuda:  # loaded in float32 on the CPU, then moved
            self.model.to(resolved)
            self.info["device"] = resolved
        self.device = self.info["device"]
        self.input_limit = model_input_limit(self.tokenizer, self.model)
        self.prefix = str(self.settings.get("prefix", ""))

    @staticmethod
    def _t5_family(spec: ModelSpec) -> bool:
        from transformers import AutoConfig

        from trpipe.models.hub import _from_pretrained, locate

        name, revision, local_only = locate(spec)
        config = _from_pretrained(AutoConfig, name, revision, local_only)
        return getattr(config, "model_type", "") in T5_FAMILY

    @property
    def max_input_tokens(self) -> int:
        return min(super().max_input_tokens, self.input_limit)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer([self.prefix + t for t in texts])["input_ids"]]

    def _generate_kwargs(self, max_new: int) -> dict[str, Any]:
        settings = self.settings
        kwargs: dict[str, Any] = {
            "num_beams": int(settings.get("num_beams", 4)),
            "max_new_tokens": max_new,
            "min_new_tokens": self.min_new_tokens(max_new),
            "do_sample": False,
        }
        for key in ("no_repeat_ngram_size", "length_penalty"):
            if key in settings:
                kwargs[key] = settings[key]
        return kwargs

    def summarise(self, chunks: Sequence[Sequence[str]], max_sentences: int, max_new_tokens: int) -> list[str]:
        import torch

        texts = [self.prefix + UNIT_SEPARATOR.join(units) for units in chunks]
        batch = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=False).to(self.device)
        with torch.inference_mode():
            output = self.model.generate(**batch, **self._generate_kwargs(max(4, max_new_tokens)))
        return [t.strip() for t in self.tokenizer.batch_decode(output, skip_special_tokens=True)]

    def attention(self, units: Sequence[str], summary_sentence: str) -> list[float] | None:
        return self.attention_batch([(units, summary_sentence)])[0]

    def attention_batch(self, pairs: Sequence[tuple[Sequence[str], str]]) -> list[list[float] | None]:
        """One padded forward pass over all pairs (teacher forcing of each sentence); the last decoder layer's
        cross-attention, averaged over heads, summed over the sentence's steps (its end token's included)."""
        import torch

        if not pairs:
            return []
        texts, bounds = zip(*(unit_bounds(self.prefix, units) for units, _ in pairs))
        encoded = self.tokenizer(
            list(texts), return_tensors="pt", return_offsets_mapping=True, padding=True, truncation=False
        )
        offsets = encoded.pop("offset_mapping").tolist()
        labels = self.tokenizer(text_target=[s for _, s in pairs], return_tensors="pt", padding=True, truncation=False)
        target = labels["input_ids"].masked_fill(labels["attention_mask"] == 0, -100)
        decoder_input = self.model.prepare_decoder_input_ids_from_labels(labels=target)
        decoder_mask = torch.ones_like(decoder_input)
        decoder_mask[:, 1:] = labels["attention_mask"][:, :-1]
        decoder_input = decoder_input.masked_fill(decoder_input == -100, self.model.config.pad_token_id)
        encoded = encoded.to(self.device)
        with torch.inference_mode():  # the encoder on its own, its attention weights never kept
            encoder_outputs = self.model.get_encoder()(**encoded)
        previous = self.model.config._attn_implementation
        try:  # the decoder with eager attention: its cross-attention weights (target x source per layer)
            self.model.set_attn_implementation("eager")
            with torch.inference_mode():
                out = self.model(
                    encoder_outputs=encoder_outputs,
                    attention_mask=encoded["attention_mask"],
                    decoder_input_ids=decoder_input.to(self.device),
                    decoder_attention_mask=decoder_mask.to(self.device),
                    output_attentions=True,
                )
        finally:
            self.model.set_attn_implementation(previous)
        if not out.cross_attentions:
            return [None] * len(pairs)
        last = out.cross_attentions[-1].float().mean(dim=1)  # batch x target steps x source tokens
        results: list[list[float] | None] = []
        for i in range(len(pairs)):
            steps = int(labels["attention_mask"][i].sum())
            weights = last[i, :steps].sum(dim=0).tolist()
            results.append(unit_shares([tuple(o) for o in offsets[i]], weights, bounds[i]))
        return results

    def describe(self) -> dict[str, Any]:
        return {**self.info, "backend": "transformers"}

    def close(self) -> None:
        self.model = None


SummariserFactory = Callable[..., Summariser]
_BUILTIN = {"transformers": (__name__, "HFSummariser"), "ctranslate2": ("trpipe.summarise.ct2", "CT2Summariser")}
_REGISTERED: dict[str, SummariserFactory] = {}


def register_summariser(name: str) -> Callable[[SummariserFactory], SummariserFactory]:
    """Decorator: make a Summariser class (or factory taking ``spec, **options``) the backend ``name``."""

    def decorate(factory: SummariserFactory) -> SummariserFactory:
        _REGISTERED[name] = factory
        return factory

    return decorate


def _builtin(name: str) -> SummariserFactory:
    module, attribute = _BUILTIN[name]
    return getattr(importlib.import_module(module), attribute)


def load_summariser(spec: ModelSpec, backend: str = "auto", **options: Any) -> Summariser:
    """The summariser for ``spec`` on ``backend`` (see the module docstring), model loaded now.

    ``options``: device, cache_dir, threads, progress, compute_type; each backend takes those it knows.
    """
    from trpipe.translate.base import accepted_options, resolve_backend

    if backend in _REGISTERED:
        factory = _REGISTERED[backend]
        return factory(spec, **accepted_options(factory, options))  # type: ignore[arg-type]
    # auto, or a translation-only backend: CTranslate2 where it can run the model, else transformers
    chosen = backend if backend in _BUILTIN else resolve_backend(spec, "auto", options.get("device"))
    factory = _builtin(chosen)
    if chosen == backend or chosen != "ctranslate2":
        return factory(spec, **accepted_options(factory, options))  # type: ignore[arg-type]
    from trpipe.translate.ct2convert import UnsupportedModel

    try:
        return factory(spec, **accepted_options(factory, options))  # type: ignore[arg-type]
    except UnsupportedModel as exc:
        log.info("%s: summarising with transformers (%s)", spec.model, exc)
    hf = _builtin("transformers")
    return hf(spec, **accepted_options(hf, options))  # type: ignore[arg-type]
