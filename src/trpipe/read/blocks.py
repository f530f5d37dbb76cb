"""Blocks: the extracted text of a document and where each block of it came from.

Every reader that is not plain text builds its text here: blocks joined by blank lines, one line per block,
whitespace inside a block squashed to single spaces. A block carries its ``kind`` (title, heading, paragraph,
list_item, ...) and its ``location`` in the original (a paragraph of a Word file, a line box of a PDF page,
an XPath into a web page: see ``trpipe.locations``). Every block is non-empty and stripped, and every
non-whitespace character of the text lies in exactly one block, which ``segment_blocks`` turns into one
segment each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trpipe.segment import classify

SEP = "\n\n"


@dataclass
class Block:
    """``Extracted.text[start:end]`` is one block of kind ``kind``; ``location`` points back into the input
    (``path`` is its XPath or ``md:L12`` for web pages and Markdown, kept for older callers)."""

    start: int
    end: int
    kind: str
    path: str | None = None
    location: dict[str, Any] | None = None


@dataclass
class Extracted:
    """Plain document text and its blocks; ``meta`` holds what the document says about itself (author, date...)."""

    text: str
    blocks: list[Block]
    meta: dict[str, Any] = field(default_factory=dict)


def squash(text: str) -> str:
    """Whitespace runs (line breaks, tabs, no-break spaces) as one space, ends stripped."""
    return " ".join(text.split())


def paragraph_kind(text: str) -> str:
    """``paragraph``, or ``byline``/``date``/``caption`` when the text says so (``Par X``, ``12 mars 2021``)."""
    kind = classify(text, 1)
    return kind if kind in ("byline", "date", "caption") else "paragraph"


def build(parts: Iterable[tuple], meta: dict[str, Any] | None = None) -> Extracted:
    """Join ``(text, kind, path[, location])`` parts into one text, one line per block, dropping empty ones."""
    chunks: list[str] = []
    blocks: list[Block] = []
    offset = 0
    for part in parts:
        raw, kind, path = part[0], part[1], part[2]
        location = part[3] if len(part) > 3 else None
        text = squash(raw)
        if not text:
            continue
        if chunks:
            chunks.append(SEP)
            offset += len(SEP)
        chunks.append(text)
        blocks.append(Block(offset, offset + len(text), kind, path, location))
        offset += len(text)
    return Extracted("".join(chunks) + ("\n" if chunks else ""), blocks, dict(meta or {}))
