"""Summarisation models behind one small interface, and the transformers implementation.

A summariser turns chunks of text into short summaries and, for citation, tells how much each
input unit (a segment's translation) was attended to while a given summary sentence was produced.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from trpipe.hub import load_seq2seq, model_input_limit
from trpipe.registry import ModelSpec

UNIT_SEPARATOR = "\n"


class Summariser(ABC):
    """Summarises chunks of units (plain-text pieces joined by UNIT_SEPARATOR)."""

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.settings: dict[str, Any] = dict(spec.settings)

    @property
    def max_input_tokens(self) -> int:
        return int(self.settings.get("max_input_tokens", 1024))

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

    def describe(self) -> dict[str, Any]:
        return {"model": self.spec.model, "revision": self.spec.revision}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the model (optional)."""

    def decoding(self) -> dict[str, Any]:
        keys = ("num_beams", "max_input_tokens", "min_length", "max_length", "no_repeat_ngram_size", "length_penalty")
        return {k: self.settings[k] for k in keys if k in self.settings}


class HFSummariser(Summariser):
    """BART / T5 / mT5 summarisation with ``generate``; cross-attention read with eager attention."""

    def __init__(self, spec: ModelSpec, device: str | None = None):
        super().__init__(spec)
        self.tokenizer, self.model, self.info = load_seq2seq(spec, device)
        self.device = self.info["device"]
        self.input_limit = model_input_limit(self.tokenizer, self.model)
        self.prefix = str(self.settings.get("prefix", ""))

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
            "min_new_tokens": min(int(settings.get("min_length", 0)), max_new // 2),
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
        import torch

        text = self.prefix + UNIT_SEPARATOR.join(units)
        bounds, cursor = [], len(self.prefix)
        for unit in units:
            bounds.append((cursor, cursor + len(unit)))
            cursor += len(unit) + len(UNIT_SEPARATOR)
        encoded = self.tokenizer(text, return_tensors="pt", return_offsets_mapping=True, truncation=False)
        offsets = encoded.pop("offset_mapping")[0].tolist()
        target = self.tokenizer(text_target=summary_sentence, return_tensors="pt", truncation=False)["input_ids"]
        decoder_input = self.model.prepare_decoder_input_ids_from_labels(labels=target)
        previous = self.model.config._attn_implementation
        try:
            self.model.set_attn_implementation("eager")
            with torch.inference_mode():
                out = self.model(
                    **encoded.to(self.device), decoder_input_ids=decoder_input.to(self.device), output_attentions=True
                )
        finally:
            self.model.set_attn_implementation(previous)
        if not out.cross_attentions:
            return None
        # layers x heads x target tokens → one weight per source token
        weights = torch.stack([a[0] for a in out.cross_attentions]).float().mean(dim=(0, 1)).sum(dim=0).tolist()
        shares = [0.0] * len(units)
        for (start, end), weight in zip(offsets, weights):
            if end <= start:
                continue  # special tokens
            for i, (a, b) in enumerate(bounds):
                if start < b and end > a:
                    shares[i] += weight
                    break
        total = sum(shares)
        return [s / total for s in shares] if total > 0 and math.isfinite(total) else None

    def describe(self) -> dict[str, Any]:
        return {**self.info, "backend": "transformers"}

    def close(self) -> None:
        self.model = None


def load_summariser(spec: ModelSpec, backend: str = "auto", **options: Any) -> Summariser:
    """The summariser for ``spec`` on ``backend`` (``auto``: CTranslate2 where it can run the model)."""
    return HFSummariser(spec, device=options.get("device"))
