"""The whole page: the header (titles, languages, models, the flag overview), the summary, the article,
the footer (the source and provenance), in the skeleton ``page.html`` with the inline style and script."""

from __future__ import annotations

import json

from trpipe.records import Document
from trpipe.render.common import model_label, targets, translator_label
from trpipe.render.report import assets
from trpipe.render.report.direction import lang_dir_attrs
from trpipe.render.report.escape import esc
from trpipe.render.report.nav import flag_chains, overview
from trpipe.render.report.segments import segment_row
from trpipe.render.report.summary import summary


def _title_segment(document: Document):
    return next((s for s in document.segments if s.kind == "title"), None)


def page_title(document: Document) -> str:
    """The translated title (the source's when untranslated, the file's path without a title), on one line."""
    title_seg = _title_segment(document)
    return " ".join(((title_seg.translation or title_seg.text) if title_seg else document.source.path).split())


def header(document: Document, chains: dict[str, list[str]]) -> list[str]:
    source, langs = document.source, targets(document)
    src_lang, tgt_lang = source.lang, document.target_lang
    title_seg = _title_segment(document)
    out = ['<header><div class="titles">', f"<h1{lang_dir_attrs(tgt_lang)}>{esc(page_title(document))}</h1>"]
    if title_seg is not None and title_seg.translation and title_seg.translation != title_seg.text:
        label = f"original title ({src_lang or '?'})"
        out.append(
            f'<p class="source-title" data-label="{esc(label)}"{lang_dir_attrs(title_seg.lang or src_lang)}>'
            f"{esc(' '.join(title_seg.text.split()))}</p>"
        )
    out.append("</div>")
    models = " · ".join((f"{esc(t)}: " if len(langs) > 1 else "") + _translator(document, t) for t in langs)
    out.append(
        f'<p class="meta">{esc(source.path)} · {esc(src_lang or "?")} → {esc(", ".join(langs))} · '
        f"{len(document.segments)} segments · {models}</p>"
    )
    return [*out, *overview(document, chains), "</header>"]


def _translator(document: Document, target: str) -> str:
    """``model <code>NAME</code>``, or why no model translated into ``target``."""
    label = model_label(document, target)
    return f"model <code>{esc(label)}</code>" if label else esc(translator_label(document, target))


def footer(document: Document) -> list[str]:
    prov = document.provenance or {}
    source = document.source
    scalars = " · ".join(f"{esc(k)}: {esc(v)}" for k, v in prov.items() if not isinstance(v, (dict, list)))
    nested = {k: v for k, v in prov.items() if isinstance(v, (dict, list))}
    source_id = f"id <code>{esc(source.doc_id)}</code>; " if source.doc_id else ""
    out = [
        "<footer>",
        f"<p>Source <code>{esc(source.path)}</code> ({source_id}{esc(source.lang or '?')}, {esc(source.encoding)}, "
        f"sha256 <code>{esc(source.sha256)}</code>). Offsets are code points in the source text.</p>",
    ]
    if scalars:
        out.append(f"<p>{scalars}</p>")
    if nested:
        dump = json.dumps(nested, indent=2, ensure_ascii=False, default=str)
        out.append(f"<details><summary>Provenance</summary><pre>{esc(dump)}</pre></details>")
    out.append("</footer>")
    return out


def _lines(lines) -> str:
    """``lines`` each ending with a newline (nothing for none), for a placeholder at the start of a line."""
    return "".join(f"{line}\n" for line in lines)


def render_html(document: Document) -> str:
    langs = targets(document)
    style, script = assets.style(len(langs) + 1), assets.script()
    cited_by: dict[str, list[tuple[str, str]]] = {}
    summary_lines = summary(document, cited_by)
    chains = flag_chains(document)
    return assets.page(
        lang=esc(document.target_lang),
        policy=esc(assets.content_security_policy(style, script)),
        title=esc(page_title(document)),
        style=style,
        header="\n".join(header(document, chains)),
        summary=_lines(summary_lines),
        source_lang=esc(document.source.lang or "?"),
        heads="".join(f"<div>translation ({esc(t)})</div>" for t in langs),
        segments=_lines(segment_row(document, s, cited_by.get(s.id, []), chains) for s in document.segments),
        footer="\n".join(footer(document)),
        script=script,
    )
