"""Rendering a Document to text formats, and writing files atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from trpipe.records import Document
from trpipe.render.json import render_json
from trpipe.render.markdown import render_markdown

RENDERERS: dict[str, Callable[[Document], str]] = {"md": render_markdown, "json": render_json}
SUFFIXES = {"md": ".md", "json": ".json"}


def render(document: Document, fmt: str) -> str:
    """``document`` in format ``fmt`` (one of RENDERERS)."""
    return RENDERERS[fmt](document)


def format_for_path(path: str | os.PathLike, default: str = "md") -> str:
    """The format a file name asks for by its suffix (``out.json`` → json)."""
    suffix = Path(path).suffix.lower()
    for fmt, known in SUFFIXES.items():
        if suffix == known:
            return fmt
    return default


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the whole new one, never a part."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
