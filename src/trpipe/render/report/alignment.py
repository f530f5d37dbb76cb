"""The word alignment shown: in a segment's row, each aligned word of the source and of the main translation
is a focusable ``<span class="w" data-a="...">``; hovering or focusing a word highlights the words aligned
with it on the other side (report.js), as bergamot's translateLocally and some CAT tools do.

The links are the sentences' ``alignment`` (trpipe.checks.align: source spans into the source text, target
spans into the sentence's translation); ``data-a`` holds the ids of a word's links (``p3.1.4``: segment p3,
sentence 1, link 4), shared by the words of both sides.
"""

from __future__ import annotations

from trpipe.records import Segment
from trpipe.render.report.escape import esc


def marked(text: str, spans: dict[tuple[int, int], list[str]]) -> str:
    """``text`` escaped, each span of ``spans`` (start, end: offsets into ``text``) a focusable word with the
    ids of its links; overlapping or out-of-range spans are left plain."""
    out, cursor = [], 0
    for (start, end), ids in sorted(spans.items()):
        if start < cursor or end > len(text) or start >= end:
            continue
        out.append(esc(text[cursor:start]))
        out.append(f'<span class="w" tabindex="0" data-a="{esc(" ".join(ids))}">{esc(text[start:end])}</span>')
        cursor = end
    out.append(esc(text[cursor:]))
    return "".join(out)


def source_spans(segment: Segment) -> dict[tuple[int, int], list[str]]:
    """The aligned words of the segment's source text (offsets into ``segment.text``) and their link ids."""
    spans: dict[tuple[int, int], list[str]] = {}
    for n, sentence in enumerate(segment.sentences, start=1):
        for k, (a, b, _, _) in enumerate(sentence.alignment):
            spans.setdefault((a - segment.start, b - segment.start), []).append(f"{segment.id}.{n}.{k}")
    return spans


def target_spans(segment: Segment, index: int) -> dict[tuple[int, int], list[str]]:
    """The aligned words of sentence ``index``'s translation and their link ids."""
    spans: dict[tuple[int, int], list[str]] = {}
    for k, (_, _, c, d) in enumerate(segment.sentences[index].alignment):
        spans.setdefault((c, d), []).append(f"{segment.id}.{index + 1}.{k}")
    return spans
