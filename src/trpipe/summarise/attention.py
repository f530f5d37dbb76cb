"""Cross-attention recorded while summaries are generated, kept per chunk for citation.

A summariser that can return the attention of the hypothesis it generated (CTranslate2's
``return_attention``) records, for each chunk, the summary's text, the character span of each generated
token in it, and how much attention each token gave each unit of the chunk (the decoder's last layer,
every head averaged). Aligning a sentence of that summary then needs no further pass through the model:
its units' shares are the sums over the sentence's tokens, i.e. the attention the units received while
the sentence was generated, in the context of the sentences before it. A bounded number of chunks is
kept (the alignment of a level follows its generation).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

KEEP_CHUNKS = 512


def token_spans(tokens: Sequence[str], decode: Callable[[Sequence[str]], str]) -> tuple[str, list[tuple[int, int]]]:
    """The decoded text of ``tokens`` (stripped) and each token's character span in it.

    A token's end is the length of the decoding of the tokens up to it, so that pieces which only make
    sense together (bytes of one character, special tokens) get the spans the decoder gives them.
    """
    full = decode(tokens)
    lead = len(full) - len(full.lstrip())
    text = full.strip()
    spans, start = [], 0
    for i in range(len(tokens)):
        end = min(len(text), max(0, len(decode(tokens[: i + 1])) - lead))
        spans.append((min(start, end), end))
        start = max(start, end)
    return text, spans


def find_span(text: str, sentence: str, after: int = 0) -> tuple[int, int] | None:
    """The span of ``sentence`` in ``text`` (whitespace ignored on both sides), searching from ``after``."""
    where = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = "".join(text[i] for i in where)
    wanted = "".join(sentence.split())
    if not wanted:
        return None
    first = next((k for k, i in enumerate(where) if i >= after), len(where))
    k = compact.find(wanted, first)
    if k < 0:
        return None
    return where[k], where[k + len(wanted) - 1] + 1


class GenerationAttention:
    """Per chunk (its model input text): the summary generated for it and its tokens' attention per unit."""

    def __init__(self, keep: int = KEEP_CHUNKS):
        self.keep = keep
        self.chunks: OrderedDict[str, tuple[str, list[tuple[int, int]], Any]] = OrderedDict()

    def remember(
        self,
        chunk_text: str,
        summary: str,
        spans: list[tuple[int, int]],
        rows: Sequence[Sequence[float]],
        source_offsets: Sequence[tuple[int, int]],
        bounds: Sequence[tuple[int, int]],
    ) -> None:
        """Record the attention ``rows`` (one per generated token, one weight per source token)."""
        import numpy as np

        if not rows or not bounds:
            return
        unit_of = np.full(len(source_offsets), -1)
        for s, (start, end) in enumerate(source_offsets):
            if end > start:
                unit_of[s] = next((u for u, (a, b) in enumerate(bounds) if start < b and end > a), -1)
        matrix = np.asarray(rows, dtype=np.float32)[:, : len(source_offsets)]
        assignment = np.zeros((matrix.shape[1], len(bounds)), dtype=np.float32)
        valid = unit_of[: matrix.shape[1]] >= 0
        assignment[np.nonzero(valid)[0], unit_of[: matrix.shape[1]][valid]] = 1.0
        per_unit = matrix @ assignment  # generated tokens x units
        self.chunks[chunk_text] = (summary, spans[: len(per_unit)], per_unit)
        self.chunks.move_to_end(chunk_text)
        while len(self.chunks) > self.keep:
            self.chunks.popitem(last=False)

    def shares(self, chunk_text: str, sentence: str) -> list[float] | None:
        """The units' shares of the attention the sentence's tokens gave, or None where the sentence is not
        part of a summary recorded for that chunk."""
        found = self.chunks.get(chunk_text)
        if found is None:
            return None
        summary, spans, per_unit = found
        span = find_span(summary, sentence)
        if span is None:
            return None
        tokens = [t for t, (a, b) in enumerate(spans) if a < span[1] and b > span[0]]
        if not tokens:
            return None
        weights = per_unit[tokens].sum(axis=0)
        total = float(weights.sum())
        return [float(w) / total for w in weights] if total > 0 else None
