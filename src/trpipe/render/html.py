"""One self-contained bilingual HTML page: no external assets, works offline from a file.

The header shows the translated title beside the source title, the flag count per check (each a link to
the first segment it flagged) and what the shading means. The bilingual summary comes next, each citation
a link to its segment; then the article, one row per segment with its id, kind and line, the source and
every translation side by side, its flags, and links from each flag to the previous and next segment
flagged by the same check (``n``/``p`` keys jump between flagged segments). A translated sentence whose
model score (mean log-probability per token) is low is shaded; that is the model's own confidence, shown
for reading, never a flag. Following a citation highlights the segment (CSS ``:target``, plus a few lines of
inline script that put a ``highlight`` class on it, so the state is visible in the DOM too). Provenance is
in the footer.

The page is inert whatever the input: every string from the input or a model goes through
``html.escape``, and a Content-Security-Policy meta tag allows only the page's own style and script (by
their SHA-256 hashes), no other script, no external resource, no form target, no base URL.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape

from trpipe.checks.text import severity as flag_severity
from trpipe.records import Document, Segment, SummarySentence
from trpipe.render.common import (
    evidence_text,
    flag_sentence,
    kept_for,
    model_label,
    printable,
    segment_translation,
    sentence_score,
    sentence_translation,
    targets,
)

# Shading thresholds on the model score (mean log-probability per token). -1.0 is a geometric-mean token
# probability of 37%, -2.0 one of 14%: translations that unsure are worth a second look. Reading aid only.
LOW_SCORE = -1.0
VERY_LOW_SCORE = -2.0

_CSS = """
:root { --fg: #1d232a; --muted: #5d6b78; --line: #d9dee3; --accent: #1f6feb; --warn: #b35900;
        --warn-bg: #fff4e5; --hl: #fff3b0; --low: #e8e3f6; --very-low: #cfc4ee; }
* { box-sizing: border-box; }
html { overflow-wrap: anywhere; word-break: break-word; }
body { margin: 0 auto; max-width: 82rem; padding: 1.5rem; color: var(--fg); background: #fff;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
.titles { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(20rem, 100%), 1fr)); gap: 1rem;
          align-items: baseline; }
.titles h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
.titles .source-title { font-size: 1.15rem; color: #3a4450; margin: 0; }
.titles .source-title::before { content: attr(data-label) ": "; color: var(--muted); font-size: .8rem; }
.meta, footer, .seg-meta, .cites, .legend { color: var(--muted); font-size: .85rem; }
code, pre { font-size: .85em; white-space: pre-wrap; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
.flag-overview { margin: .5rem 0; padding: .4rem .6rem; background: var(--warn-bg); border-radius: 4px;
                 font-size: .9rem; scroll-margin-top: 2rem; }
.flag-overview.none { background: #eef7ee; }
.flag-overview a { color: var(--warn); font-weight: 600; margin-right: .6rem; }
.legend .sent { padding: 0 .25rem; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(22rem, 100%), 1fr)); gap: 1.5rem; }
.summary h3 { font-size: 1rem; margin: 0 0 .25rem; text-transform: uppercase; color: var(--muted); }
.summary li { margin: .35rem 0; }
.summary li:target { background: var(--hl); }
a.cite { color: var(--accent); text-decoration: none; font-family: ui-monospace, Menlo, Consolas, monospace; }
a.cite:hover { text-decoration: underline; }
.unsupported { color: var(--warn); font-size: .85rem; }
.row { display: grid; grid-template-columns: 8.5rem repeat(COLS, minmax(0, 1fr)); gap: 1rem;
       padding: .6rem .5rem; border-bottom: 1px solid var(--line); scroll-margin-top: 2rem; }
.row > * { min-width: 0; }
.row.head { font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); }
.segment .src, .segment .tgt { white-space: pre-wrap; }
.segment .src { color: #3a4450; }
.kind-title .src, .kind-title .tgt { font-weight: 700; font-size: 1.15rem; }
.kind-heading .src, .kind-heading .tgt { font-weight: 700; }
.kind-list_item .src::before, .kind-list_item .tgt::before { content: "• "; }
.kind-byline, .kind-date, .kind-caption { font-style: italic; }
.seg-meta a.sid { font-weight: 700; color: var(--fg); text-decoration: none;
                  font-family: ui-monospace, Menlo, Consolas, monospace; }
.seg-meta span { display: block; }
.kept { color: var(--muted); font-size: .8rem; }
.sent.low { background: var(--low); border-radius: 2px; }
.sent.very-low { background: var(--very-low); border-radius: 2px; }
.sent.has-flag { text-decoration: underline dotted var(--warn); text-underline-offset: 3px; }
.flagged { background: var(--warn-bg); box-shadow: inset 4px 0 0 var(--warn); }
.flags { grid-column: 2 / -1; margin: 0; padding-left: 1.2rem; color: var(--warn); font-size: .85rem; }
.flags nav { display: inline; margin-left: .5rem; }
.flags .severity { font-size: .75rem; text-transform: uppercase; font-weight: 600; }
.flags .sev-warning, .flags .sev-note { color: var(--muted); }
.flags .evidence { display: block; color: var(--muted); font-size: .8rem; }
.flags nav a { color: var(--accent); text-decoration: none; margin-right: .3rem; }
.segment:target, .segment.highlight { background: var(--hl); outline: 2px solid #e0b400; }
.cited-by a { color: var(--accent); font-size: .8rem; text-decoration: none; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); padding-top: .5rem; }
footer pre { background: #f6f8fa; padding: .5rem; }
@media (max-width: 48rem) { .row { grid-template-columns: minmax(0, 1fr); } .flags { grid-column: 1; } }
"""

# Marks the segment named by the URL fragment with a "highlight" class (on load and on every hash change),
# and records the fragment on <body data-target>, so a DOM dump shows where a citation landed.
# The n and p keys go to the next and previous flagged segment.
_JS = """
(function () {
  function fragment() {
    try { return decodeURIComponent(location.hash.slice(1)); } catch (e) { return location.hash.slice(1); }
  }
  function mark() {
    var id = fragment();
    var old = document.querySelectorAll(".highlight");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("highlight");
    document.body.setAttribute("data-target", id);
    var el = id ? document.getElementById(id) : null;
    if (el && el.classList.contains("segment")) el.classList.add("highlight");
  }
  function jump(step) {
    var flagged = document.querySelectorAll("section.segment.flagged");
    var current = document.getElementById(fragment());
    var at = Array.prototype.indexOf.call(flagged, current);
    if (at < 0) {
      at = step > 0 ? -1 : flagged.length;
      for (var i = 0; i < flagged.length; i++) {
        var top = flagged[i].getBoundingClientRect().top;
        if (step > 0 && top <= 40) at = i;
        if (step < 0 && top >= 40 && at === flagged.length) at = i;
      }
    }
    var next = flagged[at + step];
    if (next) location.hash = "#" + encodeURIComponent(next.id);
  }
  window.addEventListener("hashchange", mark);
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || /input|textarea|select/i.test(e.target.tagName)) return;
    if (e.key === "n") jump(1);
    if (e.key === "p") jump(-1);
  });
  mark();
})();
"""


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _e(value: object) -> str:
    return escape(printable(value), quote=True)


def _lang_attr(lang: str | None) -> str:
    return f' lang="{_e(lang)}"' if lang else ""


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    """Only this page's own style and script (by hash); nothing loads, nothing else runs."""
    return (
        f"default-src 'none'; style-src {_hash(style)}; script-src {_hash(script)}; img-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def _summary_item(sentence: SummarySentence, anchor: str, known: set[str]) -> str:
    links = ", ".join(
        f'<a class="cite" href="#{_e(c)}">{_e(c)}</a>' if c in known else f'<span class="cite">{_e(c)}</span>'
        for c in sentence.cites
    )
    out = f'<li id="{_e(anchor)}">{_e(sentence.text)}'
    if links:
        out += f' <span class="cites">[{links}]</span>'
    if sentence.unsupported:
        unsupported = ", ".join(map(str, sentence.unsupported))
        out += f' <span class="unsupported">⚠ unsupported: {_e(unsupported)}</span>'
    if getattr(sentence, "weakly_supported", False):
        out += ' <span class="unsupported">⚠ weakly supported by its citations</span>'
    if getattr(sentence, "wrong_citation", False):
        was = ", ".join(map(str, getattr(sentence, "cited_as", [])))
        out += f' <span class="unsupported">⚠ citation corrected (the alignment cited {_e(was)})</span>'
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


def flag_chains(document: Document) -> dict[str, list[str]]:
    """For each check, in article order, the ids of the segments it flagged (each once)."""
    chains: dict[str, list[str]] = {}
    for segment in document.segments:
        for flag in segment.flags:
            chain = chains.setdefault(str(flag.get("check", "?")), [])
            if segment.id not in chain:
                chain.append(segment.id)
    return chains


def _score_class(score: float | None) -> str:
    if score is None:
        return ""
    return " very-low" if score < VERY_LOW_SCORE else " low" if score < LOW_SCORE else ""


def _translation_cell(document: Document, segment: Segment, target: str) -> str:
    """The translation into ``target``, one span per sentence (shaded by score, marked when flagged)."""
    if kept_for(document, segment, target):
        return f'{_e(segment.text)} <span class="kept">(already in {_e(target)}: kept)</span>'
    texts = [sentence_translation(document, s, target) for s in segment.sentences]
    if not segment.sentences or all(t is None for t in texts):
        return _e(segment_translation(document, segment, target) or "")
    flagged = {flag_sentence(segment, f) for f in segment.flags} if target == document.target_lang else set()
    parts, source = [], document.source.text
    for i, (sentence, text) in enumerate(zip(segment.sentences, texts)):
        if i:
            gap = source[segment.sentences[i - 1].end : sentence.start]
            parts.append(_e(gap if not gap or gap.isspace() else " "))  # the source's spacing ("" in CJK)
        score = sentence_score(document, sentence, target)
        classes = "sent" + _score_class(score) + (" has-flag" if i in flagged else "")
        title = f' title="model score {score:.2f}" data-score="{score:.4f}"' if score is not None else ""
        parts.append(f'<span class="{classes}"{title}>{_e(text or "")}</span>')
    return "".join(parts)


def _flag_item(flag: dict, segment_id: str, chains: dict[str, list[str]]) -> str:
    check = str(flag.get("check", "?"))
    chain = chains.get(check, [segment_id])
    at = chain.index(segment_id) if segment_id in chain else 0
    before = f"#{chain[at - 1]}" if at > 0 else "#flags"
    after = f"#{chain[at + 1]}" if at + 1 < len(chain) else "#flags"
    nav = (
        f'<nav><a class="flag-prev" href="{_e(before)}" title="previous segment flagged {_e(check)}">↑ prev</a>'
        f'<a class="flag-next" href="{_e(after)}" title="next segment flagged {_e(check)}">next ↓</a>'
        f"{at + 1}/{len(chain)}</nav>"
    )
    severity = flag_severity(flag)
    evidence = evidence_text(flag)
    shown = f' <span class="evidence">evidence: {_e(evidence)}</span>' if evidence else ""
    return (
        f'<li data-check="{_e(check)}" data-severity="{severity}" class="sev-{severity}">{_e(check)} '
        f'<span class="severity">{severity}</span>: {_e(flag.get("detail", ""))}{shown}{nav}</li>'
    )


def _segment(document: Document, segment: Segment, cited: list[tuple[str, str]], chains) -> str:
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
    title = f' title="{_e(segment.path)}"' if segment.path else ""
    src_lang = segment.lang or document.source.lang
    parts = [
        f'<section id="{_e(segment.id)}" class="{classes}" data-start="{segment.start}" data-end="{segment.end}">',
        f'<div class="seg-meta"{title}>{"".join(meta)}</div>',
        f'<div class="src"{_lang_attr(src_lang)}>{_e(segment.text)}</div>',
    ]
    for target in targets(document):
        cell = _translation_cell(document, segment, target)
        parts.append(f'<div class="tgt"{_lang_attr(target)}>{cell}</div>')
    if segment.flags:
        items = "".join(_flag_item(f, segment.id, chains) for f in segment.flags)
        parts.append(f'<ul class="flags">{items}</ul>')
    parts.append("</section>")
    return "".join(parts)


def _overview(document: Document, chains: dict[str, list[str]]) -> list[str]:
    """The flag count per check, each linking to the first segment it flagged; what the shading means."""
    out = []
    counts: dict[str, list[int]] = {}  # check -> [errors, warnings and notes]
    for segment in document.segments:
        for flag in segment.flags:
            count = counts.setdefault(str(flag.get("check", "?")), [0, 0])
            count[0 if flag_severity(flag) == "error" else 1] += 1
    if counts:
        links = "".join(
            f'<a class="flag-link" data-check="{_e(check)}" data-warnings="{w}" href="#{_e(chains[check][0])}">'
            f"{_e(check)} {n if n else f'({w} warning{_s(w)})'}</a>"
            for check, (n, w) in counts.items()
        )
        total = sum(n for n, _ in counts.values())
        others = sum(w for _, w in counts.values())
        segments = sum(1 for s in document.segments if s.flags)
        more = f" and {others} warning{_s(others)} or note{_s(others)}" if others else ""
        out.append(
            f'<nav id="flags" class="flag-overview">⚠ {total} error flag{_s(total)}{more} in {segments} '
            f'segment{_s(segments)}: {links}<span class="hint">(n / p: next / previous flagged '
            "segment)</span></nav>"
        )
    else:
        out.append('<nav id="flags" class="flag-overview none">No flags: every check passed.</nav>')
    scored = any(
        sentence_score(document, s, t) is not None
        for seg in document.segments
        for s in seg.sentences
        for t in targets(document)
    )
    if scored:
        out.append(
            '<p class="legend">Shading: <span class="sent low">the translation model was unsure</span> (mean '
            f'log-probability per token below {LOW_SCORE:g}) · <span class="sent very-low">very unsure</span> '
            f"(below {VERY_LOW_SCORE:g}). This is the model's own confidence, not a check: no flag is raised "
            "from it. Hover a sentence for its score.</p>"
        )
    return out


def _footer(document: Document) -> list[str]:
    prov = document.provenance or {}
    source = document.source
    scalars = " · ".join(f"{_e(k)}: {_e(v)}" for k, v in prov.items() if not isinstance(v, (dict, list)))
    nested = {k: v for k, v in prov.items() if isinstance(v, (dict, list))}
    source_id = f"id <code>{_e(source.doc_id)}</code>; " if source.doc_id else ""
    out = [
        "<footer>",
        f"<p>Source <code>{_e(source.path)}</code> ({source_id}{_e(source.lang or '?')}, {_e(source.encoding)}, "
        f"sha256 <code>{_e(source.sha256)}</code>). Offsets are code points in the source text.</p>",
    ]
    if scalars:
        out.append(f"<p>{scalars}</p>")
    if nested:
        dump = json.dumps(nested, indent=2, ensure_ascii=False, default=str)
        out.append(f"<details><summary>Provenance</summary><pre>{_e(dump)}</pre></details>")
    out.append("</footer>")
    return out


def _header(document: Document, chains: dict[str, list[str]]) -> list[str]:
    source, langs = document.source, targets(document)
    src_lang, tgt_lang = source.lang, document.target_lang
    title_seg = next((s for s in document.segments if s.kind == "title"), None)
    title = " ".join(((title_seg.translation or title_seg.text) if title_seg else source.path).split())
    out = ['<header><div class="titles">', f"<h1{_lang_attr(tgt_lang)}>{_e(title)}</h1>"]
    if title_seg is not None and title_seg.translation and title_seg.translation != title_seg.text:
        label = f"original title ({src_lang or '?'})"
        out.append(
            f'<p class="source-title" data-label="{_e(label)}"{_lang_attr(title_seg.lang or src_lang)}>'
            f"{_e(' '.join(title_seg.text.split()))}</p>"
        )
    out.append("</div>")
    models = [(f"{_e(t)}: " if len(langs) > 1 else "", model_label(document, t)) for t in langs]
    used = " · ".join(f"{lang}<code>{_e(m)}</code>" for lang, m in models if m)
    out.append(
        f'<p class="meta">{_e(source.path)} · {_e(src_lang or "?")} → {_e(", ".join(langs))} · '
        f"{len(document.segments)} segments" + (f" · model {used}" if used else "") + "</p>"
    )
    return [*out, *_overview(document, chains), "</header>"]


def render_html(document: Document) -> str:
    source, langs = document.source, targets(document)
    title_seg = next((s for s in document.segments if s.kind == "title"), None)
    title = " ".join(((title_seg.translation or title_seg.text) if title_seg else source.path).split())
    css = _CSS.replace("COLS", str(len(langs) + 1))
    cited_by: dict[str, list[tuple[str, str]]] = {}
    summary = _summary(document, cited_by)
    chains = flag_chains(document)
    heads = "".join(f"<div>translation ({_e(t)})</div>" for t in langs)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(document.target_lang)}">',
        '<head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(content_security_policy(css, _JS))}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_e(title)}</title>",
        f"<style>{css}</style></head>",
        "<body>",
        *_header(document, chains),
        *summary,
        '<h2 id="article">Article</h2>',
        '<main class="article">',
        f'<div class="row head"><div>segment</div><div>source ({_e(source.lang or "?")})</div>{heads}</div>',
        *(_segment(document, s, cited_by.get(s.id, []), chains) for s in document.segments),
        "</main>",
        *_footer(document),
        f"<script>{_JS}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"
