"""The readers trpipe ships, registered in this order (the dispatcher sorts them by priority).

Each is small: what it takes (content kinds, suffixes), what it reads with, and a ``read`` that imports its
format module only when used, so ``trpipe --help`` never loads a document library.
"""

from __future__ import annotations

from trpipe.errors import InputError
from trpipe.read.base import PRIORITY_MARKUP, PRIORITY_SPECIFIC, PRIORITY_TEXT, Reader, ReadOptions
from trpipe.read.sniff import StreamInfo
from trpipe.records import Source


def decoded(data: bytes, info: StreamInfo, options: ReadOptions, page: bool = False) -> Source:
    """``data`` decoded as text: ``--encoding`` if given, else the server's charset, else (``page``) the
    page's own ``<meta charset>`` or XML declaration, each only when the bytes bear it out
    (``decode.declared_encoding``), else detected."""
    from trpipe.read.decode import declared_encoding, decode_source, page_charset

    encoding = options.encoding or declared_encoding(data, info.charset, page_charset(data) if page else None)
    return decode_source(data, info.name, encoding, options.strict_encoding, options.warn)


class TextReader(Reader):
    name = "text"
    description = "plain text (any encoding; segments are paragraphs and lines)"
    suffixes = (".txt", ".text")
    priority = PRIORITY_TEXT
    library = "charset-normalizer (encoding detection)"
    licence = "MIT"

    def accepts(self, info: StreamInfo) -> bool:
        return info.kind is None  # text by its content, whatever its name says

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        source = decoded(data, info, options)
        source.format = "text"
        return source


class MarkdownReader(Reader):
    name = "markdown"
    description = "Markdown rendered to plain text (front matter, headings, lists, tables)"
    suffixes = (".md", ".markdown", ".mdown", ".mkd")
    priority = PRIORITY_MARKUP
    library = "markdown-it-py"
    licence = "MIT"

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        from trpipe.read.extract import extract

        source = decoded(data, info, options)
        extracted = extract(source.text, info.name, "markdown")
        assert extracted is not None
        source.text, source.blocks, source.meta = extracted.text, extracted.blocks, dict(extracted.meta)
        source.format = "markdown"
        return source


class HtmlReader(Reader):
    name = "html"
    description = "web pages: the article, without navigation and boilerplate"
    kinds = ("html",)
    suffixes = (".html", ".htm", ".xhtml")
    priority = PRIORITY_MARKUP
    library = "trafilatura (article extraction), lxml"
    licence = "Apache-2.0 (trafilatura), BSD-3-Clause (lxml)"
    writes_back = True

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        from trpipe.read.extract import extract

        source = decoded(data, info, options, page=True)
        extracted = extract(source.text, info.name, "html")
        assert extracted is not None
        source.text, source.blocks, source.meta = extracted.text, extracted.blocks, dict(extracted.meta)
        source.format = "html"
        source.original = data
        return source


class JsonlReader(Reader):
    """A JSON Lines file is a collection: its records are articles (``trpipe.inputs`` expands it)."""

    name = "jsonl"
    description = 'JSON Lines of {"id", "text"} records, one article each (the text may be a web page)'
    kinds = ("jsonl",)
    suffixes = (".jsonl", ".ndjson")
    priority = PRIORITY_MARKUP
    library = "json (standard library)"
    licence = "PSF"
    collection = True

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        raise InputError(info.name, "is a JSON Lines file of several articles: give it to trpipe translate")


def packaged(extracted, meta: dict, data: bytes, info: StreamInfo, fmt: str) -> Source:
    """A Source of a document read from a package: its text and blocks, the original kept for write-back."""
    import hashlib

    source = Source(path=info.name, text=extracted.text, encoding="utf-8", sha256=hashlib.sha256(data).hexdigest())
    source.blocks, source.meta, source.format, source.original = extracted.blocks, dict(meta), fmt, data
    return source


class DocxReader(Reader):
    name = "docx"
    description = "Word documents: body, tables, text boxes, headers, footers, footnotes, endnotes"
    kinds = ("docx",)
    suffixes = (".docx", ".docm")
    library = "python-docx (package), lxml (paragraphs)"
    licence = "MIT (python-docx), BSD-3-Clause (lxml)"
    writes_back = True

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        from trpipe.read.docx import read_docx

        return packaged(*read_docx(data, info.name), data, info, self.name)


class OdtReader(Reader):
    name = "odt"
    description = "OpenDocument texts: body, tables, frames, headers, footers, footnotes, endnotes"
    kinds = ("odt",)
    suffixes = (".odt",)
    library = "lxml (OpenDocument XML); odfpy builds the test documents"
    licence = "BSD-3-Clause (lxml); odfpy: Apache-2.0/GPL-2.0/LGPL-2.1"
    writes_back = True

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        from trpipe.read.odf import read_odt

        return packaged(*read_odt(data, info.name), data, info, self.name)


class PptxReader(Reader):
    name = "pptx"
    description = "PowerPoint presentations: slides' shapes, groups, tables and speaker notes"
    kinds = ("pptx",)
    suffixes = (".pptx", ".pptm")
    library = "python-pptx (package), lxml (shapes)"
    licence = "MIT (python-pptx), BSD-3-Clause (lxml)"
    writes_back = True

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        from trpipe.read.pptx import read_pptx

        return packaged(*read_pptx(data, info.name), data, info, self.name)


class EpubReader(Reader):
    name = "epub"
    description = "EPUB e-books: chapters in reading order (the spine), their text blocks"
    kinds = ("epub",)
    suffixes = (".epub",)
    library = "zipfile (standard library), lxml"
    licence = "PSF, BSD-3-Clause"
    writes_back = True

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        from trpipe.read.epub import read_epub

        return packaged(*read_epub(data, info.name), data, info, self.name)


class PdfReader(Reader):
    name = "pdf"
    description = "PDF text layers: pages in reading order, each line's box (no OCR)"
    kinds = ("pdf",)
    suffixes = (".pdf",)
    library = "pdfminer.six (text and boxes), pypdf (encryption, structure)"
    licence = "MIT (pdfminer.six), BSD-3-Clause (pypdf)"

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        from trpipe.read.pdf import read_pdf

        return packaged(*read_pdf(data, info.name), data, info, self.name)


READERS: list[Reader] = [
    TextReader(),
    MarkdownReader(),
    HtmlReader(),
    JsonlReader(),
    DocxReader(),
    OdtReader(),
    PptxReader(),
    EpubReader(),
    PdfReader(),
]


__all__ = ["PRIORITY_SPECIFIC", "READERS", "decoded"]
