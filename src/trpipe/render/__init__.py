"""Rendering a Document to text formats (writing them is ``trpipe.engines.sinks``; Parquet rows are
``trpipe.render.parquet``)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

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
}
SUFFIXES = {fmt: suffix for fmt, (_, _, suffix) in RENDERERS.items()}
_EXTRA_SUFFIXES = {".markdown": "md", ".htm": "html", ".xliff": "xliff", ".ndjson": "jsonl"}
# One file of rows, not text: the JSON documents as nested columns (``trpipe.render.parquet``, extra [parquet]).
PARQUET_SUFFIX = ".parquet"
# Formats that can carry the run's fingerprint in a comment (JSON carries it in provenance).
_COMMENTED = {"md", "html", "tmx", "xliff"}


def renderer(fmt: str) -> Callable[[Document], str]:
    module, function, _ = RENDERERS[fmt]
    return getattr(importlib.import_module(module), function)


def render(document: Document, fmt: str) -> str:
    """``document`` in format ``fmt`` (a key of RENDERERS), ending with its fingerprint where it has one."""
    text = encodable(renderer(fmt)(document))  # lone surrogates (JSON escapes its own) cannot be written
    fingerprint = document.provenance.get("fingerprint")
    if fingerprint and fmt in _COMMENTED:
        text = text.rstrip("\n") + f"\n<!-- trpipe-fingerprint: {fingerprint} -->\n"
    return text


def suffix_formats() -> dict[str, str]:
    """Every suffix of a file trpipe writes → the format written there: each renderer's own suffix, their
    aliases (``.htm``, ``.markdown``, ...), and ``.parquet`` (JSON documents as rows; format ``json``)."""
    formats = {suffix: fmt for fmt, suffix in SUFFIXES.items()}
    formats.update({suffix: fmt for suffix, fmt in _EXTRA_SUFFIXES.items() if fmt in RENDERERS})
    formats[PARQUET_SUFFIX] = "json"
    return formats


def written_suffixes() -> str:
    """The suffixes trpipe writes, for messages: ``.md, .markdown, .json, ...``."""
    return ", ".join(suffix_formats())


def format_for_path(path: str | os.PathLike, default: str | None = "md") -> str | None:
    """The format a file name asks for by its suffix (``out.json`` → json), ``default`` for any other."""
    return suffix_formats().get(Path(path).suffix.lower(), default)
