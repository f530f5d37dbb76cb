"""One sample builder per reader name: ``BUILDERS[name](folder) -> (path, strings written)``.

The dispatcher's tests iterate over the registered readers and look their builder up here, so a reader
added without a sample fails the suite.
"""

from __future__ import annotations

from documents import books, office, pdfs, text

BUILDERS = {
    "text": text.text,
    "markdown": text.markdown,
    "html": text.html,
    "jsonl": text.jsonl,
    "docx": office.docx,
    "odt": office.odt,
    "pptx": office.pptx,
    "epub": books.epub,
    "pdf": pdfs.pdf,
}
