"""Readable bilingual Markdown: the summary first, then every segment with its id, kind, line and offsets
(``characters 120–245``: its span in the source text).

Everything that comes from the input or a model (text, file names, ids, flags, model names, languages) goes
through ``escape``: HTML's ``<``, ``>`` and ``&`` become entities, Markdown's control characters are
backslash-escaped, and a line cannot start a list, heading, quote or rule. So no Markdown renderer, even one
that passes raw HTML through, turns a ``<script>`` or ``<img onerror=...>`` of the input into markup.
The only raw HTML in the output is trpipe's own ``<a id="p3"></a>`` anchors (and the fingerprint comment).
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from trpipe.records import Document, Segment, SummarySentence
from trpipe.render.common import encodable, printable, segment_translation, targets, translator_label

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~$^])")
# What would start a block at the beginning of a line: a list item, a setext underline, an ordered item.
_LINE_START = re.compile(r"^(?:([-+=])|(\d{1,9})([.)])(?=\s|$))")


def escape(text: object) -> str:
    """``text`` shown literally on one line: no markup, link, heading, list or HTML from it."""
    flat = " ".join(printable(text).split())
    out = _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))
    return _LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", out)


def _quote(text: str) -> str:
    return "\n".join("> " + escape(line) if line.strip() else ">" for line in text.splitlines())


def anchor(segment_id: str) -> str:
    """A segment's anchor name: its id, percent-encoded beyond letters, digits and ``-._~`` (so that the
    ``<a id>`` and the ``(#...)`` links of citations are the same plain token)."""
    return quote(encodable(str(segment_id)), safe="-._~")


def _cite_links(cites: list[str]) -> str:
    return ", ".join(f"[{escape(c)}](#{anchor(c)})" for c in cites)


def _summary_sentence(sentence: SummarySentence) -> str:
    line = f"- {escape(sentence.text)}"
    if sentence.cites:
        line += f" ({_cite_links(sentence.cites)})"
    if sentence.unsupported:
        line += f" ⚠ *unsupported: {escape(', '.join(map(str, sentence.unsupported)))}*"
    if getattr(sentence, "weakly_supported", False):
        line += " ⚠ *weakly supported by its citations*"
    return line


def _segment(document: Document, segment: Segment, langs: list[str]) -> str:
    head = f'<a id="{anchor(segment.id)}"></a>**{escape(segment.id)}** · {escape(segment.kind)}'
    head += f" · line {escape(segment.line)} · characters {escape(segment.start)}–{escape(segment.end)}"
    parts = [_quote(segment.text)]
    for lang in langs:
        translation = escape(segment_translation(document, segment, lang) or "")
        parts.append(f"*{escape(lang)}:* {translation}" if len(langs) > 1 else translation)
    body = "\n\n".join(parts) + "\n"
    if segment.flags:
        head += f" · ⚠ {len(segment.flags)} flag{'s' if len(segment.flags) > 1 else ''}"
        flags = (f"- ⚠ **{escape(f.get('check', '?'))}**: {escape(f.get('detail', ''))}" for f in segment.flags)
        body += "\n" + "\n".join(flags) + "\n"
    return f"{head}\n\n{body}"


def _source_line(document: Document, langs: list[str]) -> str:
    source = document.source
    src = escape(source.lang or "?")
    models = "; ".join(f"{escape(lang)}: {escape(translator_label(document, lang))}" for lang in langs)
    if len(langs) == 1:
        models = escape(translator_label(document, langs[0]))
    record = f"id {escape(source.doc_id)}; " if source.doc_id else ""
    return (
        f"*Source:* {escape(source.path)} ({record}{src}, {escape(source.encoding)}, "
        f"sha256 {escape(source.sha256[:12])}) · "
        f"*translated {src} → {', '.join(map(escape, langs))} with* {models} · "
        f"trpipe {escape(document.provenance.get('trpipe', '?'))}"
    )


def render_markdown(document: Document) -> str:
    langs = targets(document)
    title = next((s for s in document.segments if s.kind == "title"), None)
    if title is not None:
        lines = [f"# {escape(title.translation or title.text)}", ""]
        if title.translation and title.translation != title.text:
            lines += [f"*Original title ({escape(document.source.lang or '?')}):* {escape(title.text)}", ""]
    else:
        lines = [f"# {escape(document.source.path)}", ""]
    lines += [_source_line(document, langs), ""]
    if document.summary:
        lines += ["## Summary", ""]
        for lang, sentences in document.summary.items():
            lines += [f"### {escape(lang)}", ""]
            lines += [_summary_sentence(s) for s in sentences]
            lines.append("")
    lines += ["## Article", ""]
    lines += [_segment(document, s, langs) for s in document.segments]
    return "\n".join(lines).rstrip() + "\n"
