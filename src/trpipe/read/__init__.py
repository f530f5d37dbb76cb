"""Reading: bytes → decoded text (``decode``), web pages and Markdown reduced to article text (``extract``).

Every offset in trpipe's outputs refers to the text these functions return.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from trpipe.errors import InputError
from trpipe.read.decode import STDIN, STDIN_NAME, decode_source, detect_encoding, read_bytes
from trpipe.records import Source

__all__ = [
    "STDIN",
    "STDIN_NAME",
    "decode_source",
    "decode_text",
    "detect_encoding",
    "extract_article",
    "read_bytes",
    "read_bytes_as",
    "read_source",
]


def extract_article(source: Source, sniff: bool = False) -> Source:
    """Reduce a web page or Markdown file to its article text (offsets then refer to that text).

    The format follows the file name's suffix; with ``sniff`` (stdin, JSONL records) only the text decides.
    """
    from trpipe.read.extract import extract

    extracted = extract(source.text, "" if sniff else source.path)
    if extracted is not None:
        source.text, source.blocks, source.meta = extracted.text, extracted.blocks, dict(extracted.meta)
    return source


def read_source(
    path: str | os.PathLike,
    encoding: str | None = None,
    max_bytes: int | None = None,
    strict_encoding: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Source:
    """Read one document from a path or ``-`` (stdin) with the reader registered for what its bytes are
    (``trpipe.read.registry``): text, Markdown, a web page, DOCX, ODT, PPTX, EPUB, PDF.

    ``max_bytes`` bounds what is read (a larger input is refused); ``strict_encoding`` refuses text
    with undecodable bytes instead of replacing them (which ``warn`` reports, else the ``trpipe`` logger).
    What no reader takes (an image, an archive...) is an InputError naming it and what to do instead.
    """
    path = os.fspath(path)
    name = STDIN_NAME if path == STDIN else path
    return read_bytes_as(read_bytes(path, max_bytes), name, encoding, strict_encoding, warn, max_bytes)


def read_bytes_as(
    data: bytes,
    name: str,
    encoding: str | None = None,
    strict_encoding: bool = False,
    warn: Callable[[str], None] | None = None,
    max_bytes: int | None = None,
) -> Source:
    """A document's bytes (read from ``name``) through the reader registered for what they are."""
    from trpipe.read.registry import ReadOptions, read_data
    from trpipe.read.sniff import sniff

    return read_data(data, sniff(data, name), ReadOptions(encoding, strict_encoding, warn, max_bytes))


def decode_text(text: str, name: str, sniff: bool = True) -> Source:
    """A Source from text already decoded (a Python string, a JSONL record's text).

    With ``sniff``, a web page (recognised by its doctype) is extracted. The sha256 is that of the
    text's UTF-8 bytes; text that cannot be encoded (lone surrogates) is refused with ``name``.
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(name, f"holds a character that is not valid Unicode text at position {exc.start}") from None
    if sniff:
        from trpipe.read.registry import ReadOptions, read_data
        from trpipe.read.sniff import StreamInfo, content_kind

        kind = "html" if content_kind(data) == "html" else None  # a string is text, or a page
        return read_data(data, StreamInfo(name=name, kind=kind), ReadOptions(encoding="utf-8"))
    source = decode_source(data, name, "utf-8")
    source.format = "text"
    return source
