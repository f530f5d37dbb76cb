"""Rendering a Document to text formats, and writing files atomically."""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from trpipe.errors import OutputError
from trpipe.records import Document

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
# Formats that can carry the run's fingerprint in a comment (JSON carries it in provenance).
_COMMENTED = {"md", "html", "tmx", "xliff"}


def renderer(fmt: str) -> Callable[[Document], str]:
    module, function, _ = RENDERERS[fmt]
    return getattr(importlib.import_module(module), function)


def render(document: Document, fmt: str) -> str:
    """``document`` in format ``fmt`` (a key of RENDERERS), ending with its fingerprint where it has one."""
    text = renderer(fmt)(document)
    fingerprint = document.provenance.get("fingerprint")
    if fingerprint and fmt in _COMMENTED:
        text = text.rstrip("\n") + f"\n<!-- trpipe-fingerprint: {fingerprint} -->\n"
    return text


def format_for_path(path: str | os.PathLike, default: str = "md") -> str:
    """The format a file name asks for by its suffix (``out.json`` → json)."""
    suffix = Path(path).suffix.lower()
    for fmt, known in SUFFIXES.items():
        if suffix == known:
            return fmt
    return _EXTRA_SUFFIXES.get(suffix, default)


def file_mode() -> int:
    """The permissions a new file gets from the umask (mkstemp's files are private: 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the whole new one, never a part."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(path: str | os.PathLike) -> None:
    """Fail before any work when ``path``'s folder cannot take a new file."""
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    if Path(path).is_dir():
        raise OutputError(f"{path}: is a folder; give a file name for a single input")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot be written (permission denied)")
