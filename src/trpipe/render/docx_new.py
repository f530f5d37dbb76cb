"""A new Word document from a document's segments: how a PDF (and any input that is not a Word file: a web
page, text, Markdown, a presentation or a book) is written with ``--format docx``.

python-docx writes it: each segment a paragraph in the style of its kind (Title, Heading 1, List Bullet,
Caption, Normal), a page break where a PDF's page changes, the translated title and the target language
in the document's properties. What a PDF cannot give back is not invented: its fonts, columns, images and
exact layout are not kept (the segments' locations, in the provenance part, still say where each came
from). With ``bilingual``, each source paragraph (grey) is followed by its translation(s).
"""

from __future__ import annotations

import io

from trpipe.records import Document
from trpipe.render.office import WriteReport, declare_part, languages, translation_of, write_package

_STYLES = {"title": "Title", "heading": "Heading 1", "list_item": "List Bullet", "caption": "Caption"}
_GREY = (0x59, 0x59, 0x59)


def new_docx(document: Document, bilingual: bool = False) -> bytes:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.shared import RGBColor

    from trpipe.render.common import printable, xml_text

    langs = languages(document, "Word document", bilingual)
    report = WriteReport("docx", bilingual)
    report.notes.append(f"a new document from the {document.source.format or 'text'} input's segments")
    out = docx.Document()
    page = None
    for segment in document.segments:
        where = segment.location or {}
        if where.get("format") == "pdf" and page is not None and where.get("page") not in (None, page):
            paragraphs = out.paragraphs
            (paragraphs[-1] if paragraphs else out.add_paragraph()).add_run().add_break(WD_BREAK.PAGE)
        page = where.get("page", page)
        style = _STYLES.get(segment.kind, "Normal")
        if bilingual:
            run = out.add_paragraph(style=style).add_run(xml_text(printable(segment.text)))
            run.font.color.rgb = RGBColor(*_GREY)
        for lang in langs:
            text = translation_of(document, segment, lang)
            out.add_paragraph(xml_text(printable(text if text is not None else segment.text)), style=style)
            report.paragraphs += 1
    title = next((s for s in document.segments if s.kind == "title"), None)
    properties = out.core_properties
    if title is not None:
        properties.title = xml_text(printable(translation_of(document, title) or title.text))[:255]
    properties.language = langs[0]
    properties.comments = f"Translated by trpipe from {document.source.path}"[:255]
    buffer = io.BytesIO()
    out.save(buffer)
    data = buffer.getvalue()
    import zipfile

    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    replaced = {"[Content_Types].xml": declare_part(types)}
    return write_package(document, data, replaced, report, copy_report=False)
