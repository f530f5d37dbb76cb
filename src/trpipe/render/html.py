"""One self-contained bilingual HTML page: no external assets, works offline from a file.

The bilingual summary comes first, each citation a link to its segment; then the article, one row per
segment with its id, kind and line, the source and the translation side by side, and its flags. Following
a citation highlights the segment (CSS ``:target``, plus a few lines of inline script that put a
``highlight`` class on the target, so the state is visible in the DOM too). Provenance is in the footer.
All article text goes through ``html.escape``.
"""

from __future__ import annotations

import json
from html import escape

from trpipe.records import Document, Segment, SummarySentence

_CSS = """
:root { --fg: #1d232a; --muted: #5d6b78; --line: #d9dee3; --accent: #1f6feb; --warn: #b35900;
        --warn-bg: #fff4e5; --hl: #fff3b0; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 78rem; padding: 1.5rem; color: var(--fg); background: #fff;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
header h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
.meta, footer, .seg-meta, .cites, .langs { color: var(--muted); font-size: .85rem; }
code { font-size: .85em; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1.5rem; }
.summary h3 { font-size: 1rem; margin: 0 0 .25rem; text-transform: uppercase; color: var(--muted); }
.summary li { margin: .35rem 0; }
.summary li:target { background: var(--hl); }
a.cite { color: var(--accent); text-decoration: none; font-family: ui-monospace, Menlo, Consolas, monospace; }
a.cite:hover { text-decoration: underline; }
.unsupported { color: var(--warn); font-size: .85rem; }
.row { display: grid; grid-template-columns: 8.5rem 1fr 1fr; gap: 1rem; padding: .6rem .5rem;
       border-bottom: 1px solid var(--line); scroll-margin-top: 2rem; }
.row.head { font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); }
.segment .src, .segment .tgt { white-space: pre-wrap; overflow-wrap: anywhere; }
.segment .src { color: #3a4450; }
.kind-title .src, .kind-title .tgt { font-weight: 700; font-size: 1.15rem; }
.kind-heading .src, .kind-heading .tgt { font-weight: 700; }
.kind-list_item .src::before, .kind-list_item .tgt::before { content: "• "; }
.kind-byline, .kind-date, .kind-caption { font-style: italic; }
.seg-meta a.sid { font-weight: 700; color: var(--fg); text-decoration: none;
                  font-family: ui-monospace, Menlo, Consolas, monospace; }
.seg-meta span { display: block; }
.flagged { background: var(--warn-bg); box-shadow: inset 4px 0 0 var(--warn); }
.flags { grid-column: 2 / 4; margin: 0; padding-left: 1.2rem; color: var(--warn); font-size: .85rem; }
.segment:target, .segment.highlight { background: var(--hl); outline: 2px solid #e0b400; }
.cited-by a { color: var(--accent); font-size: .8rem; text-decoration: none; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); padding-top: .5rem; }
footer pre { white-space: pre-wrap; font-size: .8rem; background: #f6f8fa; padding: .5rem; }
@media (max-width: 48rem) { .row { grid-template-columns: 1fr; } .flags { grid-column: 1; } }
"""

# Marks the segment named by the URL fragment with a "highlight" class (on load and on every hash change),
# and records the fragment on <body data-target>, so a DOM dump shows where a citation landed.
_JS = """
(function () {
  function mark() {
    var id = decodeURIComponent(location.hash.slice(1));
    var old = document.querySelectorAll(".highlight");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("highlight");
    document.body.setAttribute("data-target", id);
    var el = id ? document.getElementById(id) : null;
    if (el && el.classList.contains("segment")) el.classList.add("highlight");
  }
  window.addEventListener("hashchange", mark);
  mark();
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _lang_attr(lang: str | None) -> str:
    return f' lang="{_e(lang)}"' if lang else ""


def _summary_item(sentence: SummarySentence, anchor: str, known: set[str]) -> str:
    links = ", ".join(
        f'<a class="cite" href="#{_e(c)}">{_e(c)}</a>' if c in known else f'<span class="cite">{_e(c)}</span>'
        for c in sentence.cites
    )
    out = f'<li id="{_e(anchor)}">{_e(sentence.text)}'
    if links:
        out += f' <span class="cites">[{links}]</span>'
    if sentence.unsupported:
        out += f' <span class="unsupported">⚠ unsupported: {_e(", ".join(sentence.unsupported))}</span>'
    return out + "</li>"


def _summary(document: Document, cited_by: dict[str, list[tuple[str, str]]]) -> list[str]:
    if not document.summary:
        return []
    known = {s.id for s in document.segments}
    out = ['<h2 id="summary">Summary</h2>', '<div class="summary">']
    for lang, sentences in document.summary.items():
        out.append(f'<section class="summary-lang"{_lang_attr(lang)}><h3>{_e(lang)}</h3><ol>')
        for n, sentence in enumerate(sentences, start=1):
            anchor = f"s-{lang}-{n}"
            for cite in sentence.cites:
                cited_by.setdefault(cite, []).append((anchor, f"{lang} {n}"))
            out.append(_summary_item(sentence, anchor, known))
        out.append("</ol></section>")
    out.append("</div>")
    return out


def _segment(segment: Segment, src_lang: str | None, tgt_lang: str, cited: list[tuple[str, str]]) -> str:
    classes = f"row segment kind-{_e(segment.kind)}" + (" flagged" if segment.flags else "")
    meta = [
        f'<a class="sid" href="#{_e(segment.id)}">{_e(segment.id)}</a>',
        f'<span class="kind">{_e(segment.kind)}</span>',
        f'<span class="line">line {_e(segment.line)}</span>',
    ]
    if segment.flags:
        count = len(segment.flags)
        meta.append(f'<span class="flag-count">⚠ {count} flag{"s" if count > 1 else ""}</span>')
    if cited:
        links = " ".join(f'<a href="#{_e(anchor)}">{_e(label)}</a>' for anchor, label in cited)
        meta.append(f'<span class="cited-by">cited: {links}</span>')
    path = getattr(segment, "path", None)
    title = f' title="{_e(path)}"' if path else ""
    parts = [
        f'<section id="{_e(segment.id)}" class="{classes}" data-start="{segment.start}" data-end="{segment.end}">',
        f'<div class="seg-meta"{title}>{"".join(meta)}</div>',
        f'<div class="src"{_lang_attr(src_lang)}>{_e(segment.text)}</div>',
        f'<div class="tgt"{_lang_attr(tgt_lang)}>{_e(segment.translation or "")}</div>',
    ]
    if segment.flags:
        items = "".join(f"<li>{_e(f.get('check', '?'))}: {_e(f.get('detail', ''))}</li>" for f in segment.flags)
        parts.append(f'<ul class="flags">{items}</ul>')
    parts.append("</section>")
    return "".join(parts)


def _footer(document: Document) -> list[str]:
    prov = document.provenance or {}
    source = document.source
    scalars = " · ".join(f"{_e(k)}: {_e(v)}" for k, v in prov.items() if not isinstance(v, (dict, list)))
    nested = {k: v for k, v in prov.items() if isinstance(v, (dict, list))}
    out = [
        "<footer>",
        f"<p>Source <code>{_e(source.path)}</code> ({_e(source.lang or '?')}, {_e(source.encoding)}, sha256 "
        f"<code>{_e(source.sha256)}</code>). Offsets are code points in the source text.</p>",
    ]
    if scalars:
        out.append(f"<p>{scalars}</p>")
    if nested:
        dump = json.dumps(nested, indent=2, ensure_ascii=False, default=str)
        out.append(f"<details><summary>Provenance</summary><pre>{_e(dump)}</pre></details>")
    out.append("</footer>")
    return out


def render_html(document: Document) -> str:
    source = document.source
    src_lang, tgt_lang = source.lang, document.target_lang
    title_seg = next((s for s in document.segments if s.kind == "title"), None)
    title = (title_seg.translation or title_seg.text) if title_seg else source.path
    model = (document.provenance or {}).get("models", {}).get("translation", {}) or {}
    cited_by: dict[str, list[tuple[str, str]]] = {}
    summary = _summary(document, cited_by)
    flagged = sum(1 for s in document.segments if s.flags)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(tgt_lang)}">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(' '.join(title.split()))}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
        "<header>",
        f"<h1{_lang_attr(tgt_lang)}>{_e(' '.join(title.split()))}</h1>",
        f'<p class="meta">{_e(source.path)} · {_e(src_lang or "?")} → {_e(tgt_lang)} · '
        f"{len(document.segments)} segments"
        + (f' · <span class="unsupported">{flagged} flagged</span>' if flagged else "")
        + (f" · model <code>{_e(model.get('model'))}</code>" if model.get("model") else "")
        + "</p>",
        "</header>",
        *summary,
        '<h2 id="article">Article</h2>',
        '<main class="article">',
        f'<div class="row head"><div>segment</div><div>source ({_e(src_lang or "?")})</div>'
        f"<div>translation ({_e(tgt_lang)})</div></div>",
        *(_segment(s, src_lang, tgt_lang, cited_by.get(s.id, [])) for s in document.segments),
        "</main>",
        *_footer(document),
        f"<script>{_JS}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"
