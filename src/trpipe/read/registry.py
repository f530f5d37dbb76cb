"""The readers and the one dispatcher: an input's bytes → the reader registered for what they are → a Source.

Each reader answers ``accepts(info)`` (a :class:`~trpipe.read.sniff.StreamInfo`, built from the content
first and the name second) and then ``read(data, info, options)``; readers are tried by ``priority``
(lower first), so a specific format wins over plain text. What no reader takes (an image, an archive, a
legacy Office file, an encrypted document, a program...) is refused with a one-line message naming what it
is and what to do instead: nothing binary is ever translated as text. Plugins add readers with
``register_reader``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trpipe.errors import InputError
from trpipe.read import builtin
from trpipe.read.base import PRIORITY_MARKUP, PRIORITY_SPECIFIC, PRIORITY_TEXT, Reader, ReadOptions
from trpipe.read.sniff import KNOWN_KINDS, StreamInfo, extension_of
from trpipe.records import Source

_READERS: list[Reader] = []
_BUILTIN_LOADED = False


def register_reader(reader: Reader) -> Reader:
    """Add ``reader`` (replacing one of the same name); readers are tried by priority, then in order added."""
    _READERS[:] = [r for r in _READERS if r.name != reader.name]
    _READERS.append(reader)
    return reader


def readers() -> list[Reader]:
    """Every registered reader, in the order the dispatcher tries them."""
    global _BUILTIN_LOADED
    if not _BUILTIN_LOADED:
        _BUILTIN_LOADED = True
        for reader in builtin.READERS:
            if not any(r.name == reader.name for r in _READERS):
                _READERS.append(reader)
    return sorted(_READERS, key=lambda r: r.priority)


def reader_named(name: str) -> Reader | None:
    return next((r for r in readers() if r.name == name), None)


def document_suffixes() -> tuple[str, ...]:
    """Every file suffix some reader takes (what a folder run picks up)."""
    return tuple(dict.fromkeys(s for r in readers() for s in r.suffixes))


def refusal(info: StreamInfo) -> str:
    """Why no reader takes ``info``, and what to do instead (one line)."""
    kind = info.kind or info.named_kind
    if kind == "zip-damaged" and info.named_kind in ("docx", "odt", "pptx", "epub"):
        what = KNOWN_KINDS[info.named_kind][0].removeprefix("a ").removeprefix("an ")
        return f"is a damaged or truncated {what} (not a complete ZIP package): copy or download it again"
    what, advice = KNOWN_KINDS.get(kind or "", ("", ""))
    if not what:
        return "is not a document trpipe reads"
    return f"is {what}, which trpipe does not read" + (f"; {advice}" if advice else "")


def _renamed(info: StreamInfo) -> str | None:
    """The reason to refuse a file whose name promises a document format its content is not."""
    named = info.named_kind
    if named in (None, "text", "markdown", "html", "jsonl") or info.kind == named:
        return None
    if named in ("pdf", "docx", "odt", "pptx", "epub") and info.kind is None:
        return (
            f"is named {info.extension} but is not {KNOWN_KINDS[named][0]}: its content is text "
            f"(rename it .txt to translate it as text)"
        )
    return None


def choose_reader(info: StreamInfo, warn: Callable[[str], None] | None = None) -> Reader:
    """The reader for ``info``, or an InputError saying what the input is and what to do instead."""
    renamed = _renamed(info)
    if renamed:
        raise InputError(info.name, renamed)
    for reader in readers():
        if reader.accepts(info):
            named = info.named_kind
            if warn and named and info.kind and named != info.kind and named in KNOWN_KINDS and info.url is None:
                warn(f"{info.name}: is named {info.extension} but is {KNOWN_KINDS[info.kind][0]}: read as such")
            return reader
    raise InputError(info.name, refusal(info))


def read_data(data: bytes, info: StreamInfo, options: ReadOptions | None = None) -> Source:
    """``data`` read by the reader registered for it (``info`` from ``sniff``): a Source with its blocks."""
    options = options or ReadOptions()
    reader = choose_reader(info, options.warn)
    source = reader.read(data, info, options)
    source.format = source.format or reader.name
    return source


def describe_readers() -> list[dict[str, Any]]:
    """One row per reader: name, what it reads, suffixes, library and licence (for docs and ``trpipe read``)."""
    return [
        {
            "name": r.name,
            "description": r.description,
            "suffixes": list(r.suffixes),
            "library": r.library,
            "licence": r.licence,
            "writes_back": r.writes_back,
        }
        for r in readers()
    ]


__all__ = [
    "PRIORITY_MARKUP",
    "PRIORITY_SPECIFIC",
    "PRIORITY_TEXT",
    "ReadOptions",
    "Reader",
    "choose_reader",
    "describe_readers",
    "document_suffixes",
    "extension_of",
    "read_data",
    "reader_named",
    "readers",
    "refusal",
    "register_reader",
]
