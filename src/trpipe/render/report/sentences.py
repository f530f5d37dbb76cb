"""The sentence view of the article: the source split into the same sentences as the translation, each
sentence a focusable span that carries its source span and score, so that hovering or focusing one
highlights its counterparts and shows where it stands (``sentences.js``); the words each flag is about
marked in its sentence; the segment's offsets shown on demand, ready to copy.

Every sentence span, in the source and in each translation, has ``data-s`` (its index in the segment, from
0), ``data-start`` and ``data-end`` (its span in the source text) and, in a translation, ``data-score``.
The words a flag is about are ``<mark class="flag-word" data-flags="0 2">`` (indices of the segment's
flags): taken from the flag's evidence spans where the check records them, else from the items its detail
quotes (``"800 000€"``, ``'Glucksmann'``, ``« ... »``), found in the flagged sentence.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from trpipe.records import Document, Segment, Sentence
from trpipe.render.common import flag_sentence, flag_target, sentence_score, sentence_translation
from trpipe.render.report.escape import esc

# Items a flag's detail quotes: "...", “...”, « ... », and '...' standing apart (not an apostrophe in a word).
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|«\s*([^»]+?)\s*»|(?:(?<=[\s(])|^)\'([^\']+)\'(?=[\s:;,.)]|$)')
_SENTENCE_PREFIX = re.compile(r"^sentence \d+: ")
Ranges = list[tuple[int, int, int]]  # (start, end, flag index) in a sentence's text


def quoted_items(detail: str) -> list[str]:
    """The words a flag's detail quotes, each part of an elided quote (``"n … pas"``) on its own."""
    items = []
    for match in _QUOTED.finditer(_SENTENCE_PREFIX.sub("", detail)):
        quoted = next(group for group in match.groups() if group is not None)
        items += [part.strip() for part in re.split(r"\s*…\s*|\.\.\.", quoted) if len(part.strip()) > 1]
    return items


def _find(text: str, items: list[str], flag: int) -> Ranges:
    folded = text.casefold()
    found = []
    for item in items:
        needle, at = item.casefold(), 0
        while needle and (at := folded.find(needle, at)) >= 0:
            found.append((at, at + len(needle), flag))
            at += len(needle)
    return found


def _evidence(flag: dict[str, Any], side: str) -> dict[str, Any] | None:
    evidence = flag.get("evidence")
    span = evidence.get(side) if isinstance(evidence, dict) else None
    ok = isinstance(span, dict) and all(isinstance(span.get(k), int) for k in ("start", "end"))
    return span if ok else None


def flag_ranges(document: Document, segment: Segment, target: str | None) -> dict[int, Ranges]:
    """For each sentence index, the ranges of its text (the source's with ``target`` None, else its
    translation into ``target``) that the segment's flags are about."""
    out: dict[int, Ranges] = {}
    for index, flag in enumerate(segment.flags):
        at = flag_sentence(segment, flag)
        if target is not None and flag_target(document, flag) != target:
            continue
        for number in [at] if at is not None else range(len(segment.sentences)):
            sentence = segment.sentences[number]
            text = sentence.text if target is None else (sentence_translation(document, sentence, target) or "")
            span = _evidence(flag, "source" if target is None else "target")
            if span is not None and at is not None:
                shift = sentence.start if target is None else 0
                start, end = span["start"] - shift, span["end"] - shift
                if 0 <= start < end <= len(text):
                    out.setdefault(number, []).append((start, end, index))
                    continue
            out.setdefault(number, []).extend(_find(text, quoted_items(str(flag.get("detail", ""))), index))
    return out


def marked(text: str, ranges: Ranges) -> str:
    """``text`` escaped, the ranges wrapped in ``<mark class="flag-word" data-flags="...">`` (overlaps split
    into pieces, each naming every flag that covers it)."""
    if not ranges:
        return esc(text)
    cuts = sorted({0, len(text), *(r[0] for r in ranges), *(r[1] for r in ranges)})
    parts = []
    for start, end in itertools.pairwise(cuts):
        flags = " ".join(map(str, sorted({f for s, e, f in ranges if s <= start and end <= e})))
        piece = esc(text[start:end])
        parts.append(f'<mark class="flag-word" data-flags="{flags}">{piece}</mark>' if flags else piece)
    return "".join(parts)


def sentence_span(index: int, sentence: Sentence, inner: str, classes: str = "sent", score: float | None = None) -> str:
    """One focusable sentence: its index, source span and score as data attributes."""
    extra = f' data-score="{score:.4f}" title="model score {score:.2f}"' if score is not None else ""
    return (
        f'<span class="{classes}" tabindex="0" data-s="{index}" data-start="{sentence.start}" '
        f'data-end="{sentence.end}"{extra}>{inner}</span>'
    )


def source_cell(document: Document, segment: Segment) -> str:
    """The segment's source text, one span per sentence, the text between them as it is in the source."""
    if not segment.sentences:
        return esc(segment.text)
    source, cursor, parts = document.source.text, segment.start, []
    ranges = flag_ranges(document, segment, None)
    flagged = {flag_sentence(segment, f) for f in segment.flags}
    for i, sentence in enumerate(segment.sentences):
        parts.append(esc(source[cursor : sentence.start]))
        classes = "sent" + (" has-flag" if i in flagged else "")
        parts.append(sentence_span(i, sentence, marked(sentence.text, ranges.get(i, [])), classes))
        cursor = sentence.end
    parts.append(esc(source[cursor : segment.end]))
    return "".join(parts)


def target_sentence(document: Document, segment: Segment, index: int, target: str, classes: str) -> str:
    """The translation of sentence ``index`` into ``target`` as a sentence span (flag words marked)."""
    sentence = segment.sentences[index]
    ranges = flag_ranges(document, segment, target).get(index, []) if segment.flags else []
    text = sentence_translation(document, sentence, target) or ""
    return sentence_span(index, sentence, marked(text, ranges), classes, sentence_score(document, sentence, target))


def flag_sentence_label(segment: Segment, flag: dict[str, Any]) -> tuple[int | None, str]:
    """``(sentence index or None, label)`` naming the sentence a flag concerns (or the whole segment)."""
    at = flag_sentence(segment, flag)
    return at, (f"sentence {at + 1}" if at is not None else "whole segment")


def flag_detail(flag: dict[str, Any]) -> str:
    """A flag's detail without its ``sentence N:`` prefix (the report names the sentence itself)."""
    return _SENTENCE_PREFIX.sub("", str(flag.get("detail", "")))


def offsets(segment: Segment) -> str:
    """The segment's offsets, shown on demand with a button that copies them."""
    spans = " ".join(f"{s.start}-{s.end}" for s in segment.sentences)
    text = f"{segment.id} {segment.start}-{segment.end}" + (f" sentences {spans}" if spans else "")
    return (
        '<details class="offsets"><summary>offsets</summary>'
        f'<code class="span-text">{esc(text)}</code> '
        f'<button type="button" class="copy" data-copy="{esc(text)}">copy</button></details>'
    )
