"""Rendering a Document: text formats (md, json, the HTML report, tmx, xliff, jsonl) and documents written back
in their own format (docx, odt, pptx, epub as bytes; a web page as text). Writing them is
``trpipe.engines.sinks``; Parquet rows are ``trpipe.render.parquet``.

A format key may end in ``+bilingual`` (documents only: each paragraph followed by its translation), and
``same`` writes each document in its own format (``same_format``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

from trpipe.errors import InputError
from trpipe.records import Document
from trpipe.render.common import encodable

# format -> (module, function, file suffix); modules are imported when used (tmx/xliff need translate-toolkit)
RENDERERS: dict[str, tuple[str, str, str]] = {
    "md": ("trpipe.render.markdown", "render_markdown", ".md"),
    "json": ("trpipe.render.json", "render_json", ".json"),
    "html": ("trpipe.render.html", "render_html", ".html"),
    "tmx": ("trpipe.render.tmx", "render_tmx", ".tmx"),
    "xliff": ("trpipe.render.xliff", "render_xliff", ".xlf"),
    "jsonl": ("trpipe.render.jsonl", "render_jsonl", ".jsonl"),
    # Documents written back in their own format (their renderer takes ``bilingual``).
    "docx": ("trpipe.render.office_docx", "render_docx", ".docx"),
    "odt": ("trpipe.render.office_odt", "render_odt", ".odt"),
    "pptx": ("trpipe.render.office_pptx", "render_pptx", ".pptx"),
    "epub": ("trpipe.render.epub", "render_epub", ".epub"),
    "page": ("trpipe.render.page", "render_page", ".html"),  # a web page, its article translated
}
DOCUMENTS = ("docx", "odt", "pptx", "epub", "page")
BINARY = ("docx", "odt", "pptx", "epub")
SAME = "same"
BILINGUAL = "+bilingual"
# The format each reader's documents are written back in by ``--format same`` (a PDF as a Word document).
_SAME = {"docx": "docx", "odt": "odt", "pptx": "pptx", "epub": "epub", "html": "page", "pdf": "docx"}
_SAME_SUFFIX = {".docx": ".docx", ".docm": ".docx", ".odt": ".odt", ".pptx": ".pptx", ".pptm": ".pptx",
                ".epub": ".epub", ".html": ".html", ".htm": ".html", ".xhtml": ".html", ".pdf": ".docx"}  # fmt: skip
SUFFIXES = {fmt: suffix for fmt, (_, _, suffix) in RENDERERS.items()}
_EXTRA_SUFFIXES = {".markdown": "md", ".htm": "html", ".xliff": "xliff", ".ndjson": "jsonl"}
# One file of rows, not text: the JSON documents as nested columns (``trpipe.render.parquet``, extra [parquet]).
PARQUET_SUFFIX = ".parquet"
# Formats that can carry the run's fingerprint in a comment (JSON carries it in provenance).
_COMMENTED = {"md", "html", "tmx", "xliff", "page"}


def renderer(fmt: str) -> Callable[..., str | bytes]:
    module, function, _ = RENDERERS[fmt]
    return getattr(importlib.import_module(module), function)


def split_format(fmt: str) -> tuple[str, bool]:
    """``(format, bilingual)`` of a format key (``docx+bilingual`` → docx, True)."""
    return (fmt[: -len(BILINGUAL)], True) if fmt.endswith(BILINGUAL) else (fmt, False)


def same_format(document: Document) -> str:
    """The format ``--format same`` writes ``document`` in: its own (a PDF as DOCX), or an InputError."""
    fmt = _SAME.get(document.source.format or "")
    if fmt is None:
        raise InputError(
            document.source.path,
            f"--format same writes Word, OpenDocument, PowerPoint, EPUB, web page and PDF inputs back as "
            f"documents; this {document.source.format or 'text'} input has none (use --format md, html or json)",
        )
    return fmt


def same_suffix(name: str) -> str:
    """The suffix of ``name``'s output under ``--format same`` (from its own suffix; .html otherwise: a web
    page named by its URL)."""
    return _SAME_SUFFIX.get(Path(name.split("?", 1)[0].split("#", 1)[0]).suffix.lower(), ".html")


def render(document: Document, fmt: str, bilingual: bool = False) -> str | bytes:
    """``document`` in format ``fmt`` (a key of RENDERERS, ``same``, either with ``+bilingual``), ending with
    its fingerprint where it has one. Documents written back as packages are bytes (the fingerprint is
    the ZIP comment); every other format is text."""
    fmt, also = split_format(fmt)
    bilingual = bilingual or also
    if fmt == SAME:
        fmt = same_format(document)
    if fmt in DOCUMENTS:
        result = renderer(fmt)(document, bilingual)
        if isinstance(result, bytes):
            return result
        text = encodable(result)
    else:
        text = encodable(renderer(fmt)(document))  # lone surrogates (JSON escapes its own) cannot be written
    fingerprint = document.provenance.get("fingerprint")
    if fingerprint and fmt in _COMMENTED:
        text = text.rstrip("\n") + f"\n<!-- trpipe-fingerprint: {fingerprint} -->\n"
    return text


def suffix_formats() -> dict[str, str]:
    """Every suffix of a file trpipe writes → the format written there: each renderer's own suffix (a web
    page written back is not one: ``.html`` is the report, and a page comes back with ``--format same``),
    their aliases (``.htm``, ``.markdown``, ...), and ``.parquet`` (JSON documents as rows; format ``json``)."""
    formats = {suffix: fmt for fmt, suffix in SUFFIXES.items() if fmt != "page"}
    formats.update({suffix: fmt for suffix, fmt in _EXTRA_SUFFIXES.items() if fmt in RENDERERS})
    formats[PARQUET_SUFFIX] = "json"
    return formats


def written_suffixes() -> str:
    """The suffixes trpipe writes, for messages: ``.md, .json, ..., .docx, ...``."""
    return ", ".join(suffix_formats())


def format_for_path(path: str | os.PathLike, default: str | None = "md") -> str | None:
    """The format a file name asks for by its suffix (``out.json`` → json), ``default`` for any other."""
    return suffix_formats().get(Path(path).suffix.lower(), default)
