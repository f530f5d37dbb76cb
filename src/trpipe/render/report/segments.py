"""The article: one row per segment with its id, kind and line, the source and every translation side by
side (one span per sentence, shaded by score, marked when flagged), its flags, and what cites it."""

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
    for i, (sentence, text) in enumerate(zip(segment.sentences, texts)):
        if i:
            gap = source[segment.sentences[i - 1].end : sentence.start]
            parts.append(esc(gap if not gap or gap.isspace() else " "))  # the source's spacing ("" in CJK)
        score = sentence_score(document, sentence, target)
        classes = "sent" + score_class(score) + (" has-flag" if i in flagged else "")
        title = f' title="model score {score:.2f}" data-score="{score:.4f}"' if score is not None else ""
        parts.append(f'<span class="{classes}"{title}>{esc(text or "")}</span>')
    return "".join(parts)


def segment_row(document: Document, segment: Segment, cited: list[tuple[str, str]], chains) -> str:
    """The row of ``segment``; ``cited``: the (anchor, label) of each summary sentence citing it."""
    classes = f"row segment kind-{esc(segment.kind)}" + (" flagged" if segment.flags else "")
    meta = [
        f'<a class="sid" href="#{esc(segment.id)}">{esc(segment.id)}</a>',
        f'<span class="kind">{esc(segment.kind)}</span>',
        f'<span class="line">line {esc(segment.line)}</span>',
    ]
    if segment.flags:
        count = len(segment.flags)
        meta.append(f'<span class="flag-count">⚠ {count} flag{"s" if count > 1 else ""}</span>')
    if cited:
        links = " ".join(f'<a href="#{esc(anchor)}">{esc(label)}</a>' for anchor, label in cited)
        meta.append(f'<span class="cited-by">cited: {links}</span>')
    title = f' title="{esc(segment.path)}"' if segment.path else ""
    src_lang = segment.lang or document.source.lang
    parts = [
        f'<section id="{esc(segment.id)}" class="{classes}" data-start="{segment.start}" data-end="{segment.end}">',
        f'<div class="seg-meta"{title}>{"".join(meta)}</div>',
        f'<div class="src"{lang_dir_attrs(src_lang)}>{esc(segment.text)}</div>',
    ]
    for target in targets(document):
        cell = translation_cell(document, segment, target)
        parts.append(f'<div class="tgt"{lang_dir_attrs(target)}>{cell}</div>')
    if segment.flags:
        items = "".join(flag_item(f, segment.id, chains) for f in segment.flags)
        parts.append(f'<ul class="flags">{items}</ul>')
    parts.append("</section>")
    return "".join(parts)
