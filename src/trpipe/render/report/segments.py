"""The article: one row per segment with its id, kind, line, place in the original and offsets, the source and
every translation side by side (one span per sentence, shaded by score, marked when flagged: see ``sentences``;
aligned words focusable: see ``alignment``), its flags (each naming its sentence), and what cites it."""

from __future__ import annotations

from trpipe.records import Document, Segment
from trpipe.render.common import (
    flag_sentence,
    kept_for,
    segment_translation,
    sentence_score,
    sentence_translation,
    targets,
)
from trpipe.render.report.direction import lang_dir_attrs
from trpipe.render.report.escape import esc
from trpipe.render.report.nav import flag_item
from trpipe.render.report.places import place_meta
from trpipe.render.report.sentences import (
    flag_detail,
    flag_sentence_label,
    offsets,
    source_cell,
    target_sentence,
)
from trpipe.render.report.shading import score_class


def translation_cell(document: Document, segment: Segment, target: str) -> str:
    """The translation into ``target``, one span per sentence (shaded by score, marked when flagged)."""
    if kept_for(document, segment, target):
        return f'{esc(segment.text)} <span class="kept">(already in {esc(target)}: kept)</span>'
    texts = [sentence_translation(document, s, target) for s in segment.sentences]
    if not segment.sentences or all(t is None for t in texts):
        return esc(segment_translation(document, segment, target) or "")
    flagged = {flag_sentence(segment, f) for f in segment.flags} if target == document.target_lang else set()
    parts, source = [], document.source.text
    for i, sentence in enumerate(segment.sentences):
        if i:
            gap = source[segment.sentences[i - 1].end : sentence.start]
            parts.append(esc(gap if not gap or gap.isspace() else " "))  # the source's spacing ("" in CJK)
        score = sentence_score(document, sentence, target)
        classes = "sent" + score_class(score) + (" has-flag" if i in flagged else "")
        parts.append(target_sentence(document, segment, i, target, classes))
    return "".join(parts)


def flag_list(segment: Segment, chains) -> str:
    """The segment's flags, each naming its sentence (a button that shows it) and marking its words."""
    items = []
    for index, flag in enumerate(segment.flags):
        at, label = flag_sentence_label(segment, flag)
        which = f' data-s="{at}"' if at is not None else ""
        button = f'<button type="button" class="flag-sentence" data-flag="{index}"{which}>{esc(label)}</button> '
        items.append(flag_item({**flag, "detail": flag_detail(flag)}, segment.id, chains, button, index))
    return f'<ul class="flags">{"".join(items)}</ul>'


def segment_row(document: Document, segment: Segment, cited: list[tuple[str, str]], chains) -> str:
    """The row of ``segment``; ``cited``: the (anchor, label) of each summary sentence citing it."""
    classes = f"row segment kind-{esc(segment.kind)}" + (" flagged" if segment.flags else "")
    meta = [
        f'<a class="sid" href="#{esc(segment.id)}">{esc(segment.id)}</a>',
        f'<span class="kind">{esc(segment.kind)}</span>',
        f'<span class="line">line {esc(segment.line)}</span>',
    ]
    where = place_meta(document, segment)
    if where:
        meta.append(where)
    if segment.flags:
        count = len(segment.flags)
        meta.append(f'<span class="flag-count">⚠ {count} flag{"s" if count > 1 else ""}</span>')
    if cited:
        links = " ".join(f'<a href="#{esc(anchor)}">{esc(label)}</a>' for anchor, label in cited)
        meta.append(f'<span class="cited-by">cited: {links}</span>')
    meta.append(offsets(segment))
    title = f' title="{esc(segment.path)}"' if segment.path else ""
    src_lang = segment.lang or document.source.lang
    parts = [
        f'<section id="{esc(segment.id)}" class="{classes}" data-start="{segment.start}" data-end="{segment.end}">',
        f'<div class="seg-meta"{title}>{"".join(meta)}</div>',
        f'<div class="src"{lang_dir_attrs(src_lang)}>{source_cell(document, segment)}</div>',
    ]
    for target in targets(document):
        cell = translation_cell(document, segment, target)
        parts.append(f'<div class="tgt"{lang_dir_attrs(target)}>{cell}</div>')
    if segment.sentences:
        parts.append('<p class="sent-info" aria-live="polite" hidden></p>')
    if segment.flags:
        parts.append(flag_list(segment, chains))
    parts.append("</section>")
    return "".join(parts)
