"""Inputs → items: files, folders (searched recursively), JSONL files of records, or stdin.

Items are streamed (a folder of thousands of files or a large JSONL file is never held in memory at
once); a JSONL line that cannot be an article is an item that fails with its reason, never a stop.
Used by the Session (``translate_many``) and by the engines' plan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from trpipe.errors import InputError, shown
from trpipe.read import STDIN, decode_text, read_source
from trpipe.records import Source
from trpipe.settings import Settings

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


@dataclass
class InputItem:
    """One article to translate: a file, stdin, or a record of a JSONL file."""

    name: str
    path: str | None = None
    output_stem: Path | None = None  # output path relative to the output folder, without suffix
    record_text: str | None = None
    error: str | None = None  # known bad before reading (e.g. a malformed JSONL line)
    doc_id: str | None = None  # a JSONL record's id

    def load(self, settings: Settings | None = None) -> Source:
        if self.error:
            raise InputError(self.name, self.error)
        settings = settings or Settings()
        if self.record_text is not None:
            source = decode_text(self.record_text, self.name)  # a record holding a web page is extracted too
            source.doc_id = self.doc_id
            return source
        return read_source(self.path or self.name, settings.encoding, settings.max_bytes, settings.strict_encoding)


def _file_item(path: Path, relative: Path) -> InputItem:
    # "the last suffix replaced": article-03.fr.txt -> article-03.fr + .json
    return InputItem(name=str(path), path=str(path), output_stem=relative.with_suffix(""))


def _jsonl_items(path: Path) -> Iterator[InputItem]:
    """One item per record of a JSONL file; a bad line or record is an item that fails with its reason."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield InputItem(name=str(path), error=f"cannot be read ({exc.strerror or exc})")
        return
    with handle:
        seen: set[str] = set()
        for number, raw in enumerate(handle, 1):
            name = f"{path}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield InputItem(name=name, error="not UTF-8 (JSON Lines must be UTF-8)")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                yield InputItem(name=name, error=f"not valid JSON ({getattr(exc, 'msg', 'nested too deeply')})")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                yield InputItem(name=name, error='a record needs a "text" string')
                continue
            raw_id = record.get("id")
            doc_id = str(number) if raw_id is None or str(raw_id).strip() == "" else str(raw_id)
            if not _encodable(doc_id):
                yield InputItem(name=name, error="its id is not valid Unicode text (a lone surrogate)")
                continue
            stem = _UNSAFE.sub("_", doc_id).strip("._") or f"record-{number}"
            if stem in seen:
                yield InputItem(name=name, error=f"duplicate id {shown(doc_id)!r}")
                continue
            seen.add(stem)
            yield InputItem(name=f"{path}#{doc_id}", output_stem=Path(stem), record_text=record["text"], doc_id=doc_id)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_collection(inputs: Sequence[str]) -> bool:
    """Several inputs, a folder or a JSONL file: outputs go to a folder (or one stream), one per article."""
    if len(inputs) != 1:
        return True
    path = Path(inputs[0])
    return inputs[0] != STDIN and (path.is_dir() or path.suffix.lower() in JSONL_SUFFIXES)


def expand_inputs(inputs: Sequence[str], exclude: Path | None = None) -> Iterator[InputItem]:
    """Files, folders (recursively: .txt, .md, .html), JSONL files of {id, text} records, or ``-``.

    ``exclude``: a folder whose files are never inputs (the output folder, when it lies in an input folder).
    """
    skip = exclude.resolve() if exclude is not None else None
    for given in inputs:
        if given == STDIN:
            yield InputItem(name="<stdin>", path=STDIN, output_stem=Path("stdin"))
            continue
        path = Path(given)
        if path.is_dir():
            found = False
            for file in sorted(path.rglob("*")):
                if skip is not None and inside(file, skip):
                    continue
                if file.suffix.lower() in ARTICLE_SUFFIXES and file.is_file() and not file.name.startswith("."):
                    found = True
                    yield _file_item(file, file.relative_to(path))
            if not found:
                yield InputItem(name=given, error=f"is a folder with no {', '.join(ARTICLE_SUFFIXES)} files")
        elif path.suffix.lower() in JSONL_SUFFIXES:
            yield from _jsonl_items(path)
        else:
            yield _file_item(path, Path(path.name))


def grouped(items: Iterable, max_articles: int, max_chars: int, size: Callable) -> Iterator[list]:
    """Consecutive groups of at most ``max_articles`` items and about ``max_chars`` characters."""
    group: list = []
    chars = 0
    for item in items:
        group.append(item)
        chars += size(item)
        if len(group) >= max_articles or chars >= max_chars:
            yield group
            group, chars = [], 0
    if group:
        yield group


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies in it (both resolved)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
