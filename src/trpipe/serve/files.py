"""Documents uploaded to ``/translate_file`` and given back in their own format (issue 21): Word,
OpenDocument, PowerPoint and EPUB files are read by trpipe's readers, translated as one document (each
paragraph's place kept) and written back by the writers of ``trpipe.render`` (styles, runs, tables, notes,
slides, chapters and untouched parts kept); a PDF comes back as a Word document. Text, Markdown and web pages
keep LibreTranslate's text route (``trpipe.serve.lt_api``).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

# suffix → (suffix of the translated file, its media type)
DOCUMENT_TYPES = {
    ".docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".odt": (".odt", "application/vnd.oasis.opendocument.text"),
    ".pptx": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".epub": (".epub", "application/epub+zip"),
    ".pdf": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def read_upload(data: bytes, name: str, max_bytes: int | None):
    """The uploaded document as a Source (an InputError says what is wrong with it)."""
    from trpipe.read import read_bytes_as

    return read_bytes_as(data, name, max_bytes=max_bytes)


def translate_upload(session: Any, source, source_lang: str | None, target: str) -> tuple[bytes, str]:
    """``(the translated document's bytes, its suffix)``: the document written back in its own format."""
    from trpipe.render import render
    from trpipe.serve.documents import translate_document

    opts = {"to": [target], "from": source_lang, "summary": False, "checks": True, "glossary": None}
    document = translate_document(session, source, opts)
    data = render(document, "same")
    suffix = DOCUMENT_TYPES.get(PurePath(source.path).suffix.lower(), (".docx", ""))[0]
    return (data if isinstance(data, bytes) else data.encode("utf-8")), suffix
