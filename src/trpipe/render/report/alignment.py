"""The word alignment shown: in a segment's row, each aligned word of the source and of the main translation
is a focusable ``<span class="w" tabindex="-1" data-a="...">`` inside its sentence's span (see ``sentences``);
hovering or focusing a word highlights the words aligned with it on the other side (report.js), as bergamot's
translateLocally and some CAT tools do. Words stay out of the Tab order (Tab goes from sentence to sentence):
from a focused sentence or word, the Left and Right arrow keys move to the previous or next word.

The links are the sentences' ``alignment`` (trpipe.checks.align: source spans into the source text, target
spans into the sentence's translation); ``data-a`` holds the ids of a word's links (``p3.1.4``: segment p3,
sentence 1, link 4), shared by the words of both sides.
"""

from __future__ import annotations

from collections.abc import Callable

from trpipe.records import Segment
from trpipe.render.report.escape import esc

Spans = dict[tuple[int, int], list[str]]  # (start, end) in a text -> the ids of the word's links


def words(text: str, spans: Spans, piece: Callable[[int, int], str] | None = None) -> str:
    """``text`` with each span of ``spans`` a focusable word carrying the ids of its links; ``piece(start,
    end)`` renders the text of a range (escaped, by default); overlapping or out-of-range spans are left
    plain."""
    piece = piece or (lambda start, end: esc(text[start:end]))
    out, cursor = [], 0
    for (start, end), ids in sorted(spans.items()):
        if start < cursor or end > len(text) or start >= end:
            continue
        out.append(piece(cursor, start))
        out.append(f'<span class="w" tabindex="-1" data-a="{esc(" ".join(ids))}">{piece(start, end)}</span>')
        cursor = end
    out.append(piece(cursor, len(text)))
    return "".join(out)


def source_spans(segment: Segment, index: int) -> Spans:
    """The aligned words of sentence ``index``'s source text (offsets into the sentence) and their link ids."""
    sentence = segment.sentences[index]
    spans: Spans = {}
    for k, (a, b, _, _) in enumerate(sentence.alignment):
        spans.setdefault((a - sentence.start, b - sentence.start), []).append(f"{segment.id}.{index + 1}.{k}")
    return spans


def target_spans(segment: Segment, index: int) -> Spans:
    """The aligned words of sentence ``index``'s translation and their link ids."""
    spans: Spans = {}
    for k, (_, _, c, d) in enumerate(segment.sentences[index].alignment):
        spans.setdefault((c, d), []).append(f"{segment.id}.{index + 1}.{k}")
    return spans
