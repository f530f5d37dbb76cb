"""Translating through a pivot language: src→en→tgt with two translators, as one Translator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trpipe.translate.base import Translator


class PivotTranslator(Translator):
    """Chains two translators; citations are unaffected since spans belong to the source sentences."""

    backend = "pivot"

    def __init__(self, first: Translator, second: Translator, pivot_lang: str):
        super().__init__(first.spec)
        self.first, self.second, self.pivot_lang = first, second, pivot_lang
        self.settings = first.settings

    @property
    def max_input_tokens(self) -> int:
        return self.first.max_input_tokens

    @property
    def batch_tokens(self) -> int:
        return min(self.first.batch_tokens, self.second.batch_tokens)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.first.count_tokens(texts)

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        from trpipe.translate.base import translate_any_length

        return translate_any_length(self.second, self.first.translate_batch(texts))

    def translate_batch_scored(self, texts: Sequence[str]) -> list[tuple[str, float | None]]:
        """Each output scored by the first leg (the one that reads the source): the second leg's input
        is the first leg's output, so its score says nothing about the source."""
        from trpipe.translate.base import translate_any_length

        first = self.first.translate_batch_scored(texts)
        seconds = translate_any_length(self.second, [text for text, _ in first])
        return [(text, score) for text, (_, score) in zip(seconds, first)]

    def alternatives(self, texts: Sequence[str], n: int) -> list[list[str]]:
        """The first leg's n-best, each taken through the second leg."""
        from trpipe.translate.base import translate_any_length

        firsts = self.first.alternatives(texts, n)
        flat = translate_any_length(self.second, [t for group in firsts for t in group]) if any(firsts) else []
        out, i = [], 0
        for group in firsts:
            out.append(flat[i : i + len(group)])
            i += len(group)
        return out

    def describe(self) -> dict[str, Any]:
        return {"backend": "pivot", "pivot": self.pivot_lang, "legs": [self.first.describe(), self.second.describe()]}

    def decoding(self) -> dict[str, Any]:
        return {"legs": [self.first.decoding(), self.second.decoding()]}

    @property
    def hits(self) -> int:
        return getattr(self.first, "hits", 0) + getattr(self.second, "hits", 0)
