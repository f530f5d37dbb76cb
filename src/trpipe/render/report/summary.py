"""The bilingual summary: one numbered list per language, each citation a link to its segment (with the
segment's place in the original: ``places``), and what each segment is cited by (for the links back from the
article)."""

from __future__ import annotations

from trpipe.records import Document, Segment, SummarySentence
from trpipe.render.report.direction import lang_dir_attrs
from trpipe.render.report.escape import esc
from trpipe.render.report.places import cite_link


def summary_item(sentence: SummarySentence, anchor: str, known: dict[str, Segment]) -> str:
    """A summary sentence with its citations, each a link to its segment with the segment's place."""
    links = ", ".join(cite_link(c, known.get(c)) for c in sentence.cites)
    out = f'<li id="{esc(anchor)}">{esc(sentence.text)}'
    if links:
        out += f' <span class="cites">[{links}]</span>'
    if sentence.unsupported:
        unsupported = ", ".join(map(str, sentence.unsupported))
        out += f' <span class="unsupported">⚠ unsupported: {esc(unsupported)}</span>'
    if getattr(sentence, "weakly_supported", False):
        out += ' <span class="unsupported">⚠ weakly supported by its citations</span>'
    if getattr(sentence, "wrong_citation", False):
        was = ", ".join(map(str, getattr(sentence, "cited_as", [])))
        out += f' <span class="unsupported">⚠ citation corrected (the alignment cited {esc(was)})</span>'
    return out + "</li>"


def summary(document: Document, cited_by: dict[str, list[tuple[str, str]]]) -> list[str]:
    """The summary's lines (none without a summary); adds to ``cited_by`` each segment id's citing
    (anchor, label) pairs."""
    if not document.summary:
        return []
    known = {s.id: s for s in document.segments}
    out = ['<h2 id="summary">Summary</h2>', '<div class="summary">']
    for lang, sentences in document.summary.items():
        out.append(f'<section class="summary-lang"{lang_dir_attrs(lang)}><h3>{esc(lang)}</h3><ol>')
        for n, sentence in enumerate(sentences, start=1):
            anchor = f"s-{lang}-{n}"
            for cite in sentence.cites:
                cited_by.setdefault(cite, []).append((anchor, f"{lang} {n}"))
            out.append(summary_item(sentence, anchor, known))
        out.append("</ol></section>")
    out.append("</div>")
    return out
