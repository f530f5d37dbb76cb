"""A paragraph's styled runs (bold, italic, a link, a coloured word...) placed on its translation.

The writers of documents in their own format (``trpipe.render.office_docx`` and its siblings) take a
paragraph's runs as ``(text, style)`` pairs, where ``style`` is anything hashable that the writer can
rebuild a run from (its properties, the link it sits in). The style that holds most of the paragraph's
characters is the paragraph's *base*; every stretch in another style is *marked* and is placed on the
translation by the first rule that applies:

``exact``     its text (without surrounding punctuation) appears in the translation: a name, a number, a
              URL, a word the model kept (the occurrence nearest to where it stood is taken);
``sentence``  it covers whole sentences: the translations of those sentences;
``position``  otherwise, the words of its sentence's translation at the same relative place (a model
              gives no word alignment; this keeps the styling, on the words most likely to carry it), or
              its characters where the translation has no spaces (Chinese, Japanese, Thai).

A marked stretch that finds no free words (a translation shorter than the styled stretches need) is
*flattened*: the writer lists it in the provenance (``provenance.writer.flattened``) with where it was.
Paragraph text is compared as the readers make it: whitespace runs squashed to one space, ends stripped.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from trpipe.records import Document, Segment

_WORD = re.compile(r"\S+")
_TRIM = " \t.,;:!?«»\"'()[]{}—–-…“”‘’"


@dataclass
class Placed:
    """The runs of one paragraph rebuilt on its translation: ``pieces`` cover the translation in order."""

    pieces: list[tuple[str, Hashable]]
    kept: list[tuple[Hashable, str, str]] = field(default_factory=list)  # (style, source text, how)
    flattened: list[tuple[Hashable, str, str]] = field(default_factory=list)  # (style, source text, why)


def squashed_ranges(texts: Sequence[str]) -> tuple[str, list[tuple[int, int] | None]]:
    """The squashed text of ``texts`` joined, and each text's range in it (None when it is only whitespace)."""
    out: list[str] = []
    ranges: list[tuple[int, int] | None] = []
    started = pending = False
    for text in texts:
        first = last = None
        for ch in text:
            if ch.isspace():
                pending = started
                continue
            if pending:
                out.append(" ")
                pending = False
            if first is None:
                first = len(out)
            out.append(ch)
            last = len(out)
            started = True
        ranges.append(None if first is None else (first, last))
    return "".join(out), ranges


def sentence_ranges(
    document: Document, segment: Segment, translation: str, lang: str | None = None
) -> list[tuple[int, int, int, int]]:
    """``(source start, source end, target start, target end)`` of each sentence of ``segment``: source
    offsets into the segment's text, target offsets into ``translation`` (the sentences' translations
    joined as ``session.join_translations`` joins them). Empty when they cannot be found there."""
    out: list[tuple[int, int, int, int]] = []
    cursor = 0
    for sentence in segment.sentences:
        lang = lang or document.target_lang
        text = sentence.translations.get(lang)
        if text is None and lang == document.target_lang:
            text = sentence.translation
        if text is None:
            return []
        at = translation.find(text, cursor)
        if at < 0:
            return []
        out.append((sentence.start - segment.start, sentence.end - segment.start, at, at + len(text)))
        cursor = at + len(text)
    return out


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The words of ``text[start:end]``; its characters when it has no spaces (Chinese, Japanese, Thai)."""
    words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
    if len(words) == 1 and words[0][1] - words[0][0] > 1:
        return [(i, i + 1) for i in range(words[0][0], words[0][1])]
    return words


def _free(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return all(span[1] <= a or span[0] >= b for a, b in taken)


def _exact(core: str, translation: str, expected: float, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    if len(core) < 2 and not core.isdigit():
        return None
    found = []
    at = translation.find(core)
    while at >= 0:
        span = (at, at + len(core))
        if _free(span, taken):
            found.append(span)
        at = translation.find(core, at + 1)
    return min(found, key=lambda s: abs(s[0] - expected)) if found else None


def _whole_sentences(a: int, b: int, sentences) -> tuple[int, int] | None:
    first = next((s for s in sentences if s[0] == a), None)
    last = next((s for s in sentences if s[1] == b), None)
    if first is None or last is None or last[3] < first[2]:
        return None
    return first[2], last[3]


def _by_position(a, b, length, translation, sentences, taken, trailing_punct) -> tuple[int, int] | None:
    inside = [s for s in sentences if s[0] < b and s[1] > a]
    if inside:
        ss, se, ts, te = inside[0][0], inside[-1][1], inside[0][2], inside[-1][3]
    else:
        ss, se, ts, te = 0, length, 0, len(translation)
    words = [w for w in _words(translation, ts, te) if _free(w, taken)]
    if not words or se <= ss:
        return None
    t0 = ts + (te - ts) * (a - ss) / (se - ss)
    t1 = ts + (te - ts) * (b - ss) / (se - ss)
    chosen = [w for w in words if t0 <= (w[0] + w[1]) / 2 <= t1]
    if not chosen:
        middle = (t0 + t1) / 2
        chosen = [min(words, key=lambda w: abs((w[0] + w[1]) / 2 - middle))]
    # Contiguous words only: a stretch never jumps over another's.
    first = words.index(chosen[0])
    run = [chosen[0]]
    for w in words[first + 1 :]:
        if w not in chosen or not _free((run[0][0], w[1]), taken):
            break
        run.append(w)
    start, end = run[0][0], run[-1][1]
    if not trailing_punct:
        while end > start + 1 and translation[end - 1] in _TRIM:
            end -= 1
    return start, end


def place_runs(
    runs: Sequence[tuple[str, Hashable]],
    source: str,
    translation: str,
    sentences: Sequence[tuple[int, int, int, int]] = (),
) -> Placed:
    """The pieces of ``translation`` in the styles of ``runs`` (see the module's rules).

    ``source`` is the paragraph's text as the reader made it (the segment's text); ``sentences`` the
    ``sentence_ranges`` of its segment. When the runs do not make that text, every marked stretch is
    flattened (the reader and the writer disagree on the paragraph: nothing is guessed).
    """
    joined, ranges = squashed_ranges([text for text, _ in runs])
    spans: list[list] = []  # [start, end, style], adjacent runs of one style merged
    for (_, style), where in zip(runs, ranges):
        if where is None:
            continue
        if spans and spans[-1][2] == style:
            spans[-1][1] = where[1]
        else:
            spans.append([where[0], where[1], style])
    if not spans:
        return Placed([(translation, runs[0][1] if runs else None)])
    weight: dict[Hashable, int] = {}
    for a, b, style in spans:
        weight[style] = weight.get(style, 0) + (b - a)
    base = max(weight, key=lambda s: (weight[s], -next(i for i, sp in enumerate(spans) if sp[2] == s)))
    marked = [sp for sp in spans if sp[2] != base]
    placed = Placed([])
    if not marked:
        placed.pieces = [(translation, base)]
        return placed
    if joined != source or not translation.strip():
        why = "the translation is empty" if not translation.strip() else "the paragraph's runs do not make its text"
        placed.flattened = [(style, joined[a:b], why) for a, b, style in marked]
        placed.pieces = [(translation, base)]
        return placed
    taken: list[tuple[int, int, Hashable]] = []
    for a, b, style in marked:
        text = joined[a:b]
        core = text.strip(_TRIM)
        expected = len(translation) * a / max(len(joined), 1)
        spots = [(x, y) for x, y, _ in taken]
        span, how = _exact(core, translation, expected, spots), "exact"
        if span is None:
            span, how = _whole_sentences(a, b, sentences), "sentence"
            if span is not None and not _free(span, spots):
                span = None
        if span is None:
            ends_punct = text.rstrip()[-1:] in _TRIM
            span, how = _by_position(a, b, len(joined), translation, sentences, spots, ends_punct), "position"
        if span is None or span[0] >= span[1]:
            placed.flattened.append((style, text, "no free words left in the translation"))
            continue
        taken.append((span[0], span[1], style))
        placed.kept.append((style, text, how))
    cursor = 0
    for start, end, style in sorted(taken, key=lambda t: t[0]):
        if start > cursor:
            placed.pieces.append((translation[cursor:start], base))
        placed.pieces.append((translation[start:end], style))
        cursor = end
    if cursor < len(translation):
        placed.pieces.append((translation[cursor:], base))
    return placed
