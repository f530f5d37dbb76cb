"""Readable bilingual Markdown: the summary first, then every segment with its id, kind and line."""

from __future__ import annotations

import re

from trpipe.records import Document, Segment, SummarySentence

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def escape(text: str) -> str:
    """Article text shown literally (no accidental emphasis, links or headings)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _quote(text: str) -> str:
    return "\n".join("> " + escape(line) if line.strip() else ">" for line in text.splitlines())


def _cite_links(cites: list[str]) -> str:
    return ", ".join(f"[{c}](#{c})" for c in cites)


def _summary_sentence(sentence: SummarySentence) -> str:
    line = f"- {escape(sentence.text)} ({_cite_links(sentence.cites)})"
    if sentence.unsupported:
        line += f" ⚠ *unsupported: {escape(', '.join(sentence.unsupported))}*"
    return line


def _segment(segment: Segment) -> str:
    head = f'<a id="{segment.id}"></a>**{segment.id}** · {segment.kind} · line {segment.line}'
    body = f"{_quote(segment.text)}\n\n{escape(segment.translation or '')}\n"
    if segment.flags:
        head += f" · ⚠ {len(segment.flags)} flag{'s' if len(segment.flags) > 1 else ''}"
        body += "\n" + "\n".join(f"- ⚠ **{f['check']}**: {escape(f['detail'])}" for f in segment.flags) + "\n"
    return f"{head}\n\n{body}"


def render_markdown(document: Document) -> str:
    source = document.source
    src, tgt = source.lang or "?", document.target_lang
    models = document.provenance.get("models", {})
    model = models.get("translation", {})
    title = next((s for s in document.segments if s.kind == "title"), None)
    lines = [f"# {escape(title.translation or title.text) if title else escape(source.path)}", ""]
    lines.append(
        f"*Source:* `{source.path}` ({src}, {source.encoding}, sha256 `{source.sha256[:12]}`) · "
        f"*translated {src} → {tgt} with* `{model.get('model', '?')}` · trpipe {document.provenance.get('trpipe')}"
    )
    lines.append("")
    if document.summary:
        lines += ["## Summary", ""]
        for lang, sentences in document.summary.items():
            lines += [f"### {lang}", ""]
            lines += [_summary_sentence(s) for s in sentences]
            lines.append("")
    lines += ["## Article", ""]
    lines += [_segment(s) for s in document.segments]
    return "\n".join(lines).rstrip() + "\n"
