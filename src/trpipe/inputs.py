"""Inputs → items: files, folders (searched recursively), JSONL files of records, or stdin.

Items are streamed (a folder of thousands of files or a large JSONL file is never held in memory at
once); a JSONL line that cannot be an article is an item that fails with its reason, never a stop.
Used by the Session (``translate_many``) and by the engines' plan.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trpipe import remote
from trpipe.errors import InputError, shown
from trpipe.paths import is_dir
from trpipe.read import STDIN, decode_text, read_source
from trpipe.read.fetch import is_url, url_stem, without_credentials
from trpipe.records import Source
from trpipe.settings import Settings

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")  # the text formats (see folder_suffixes)
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
    url: str | None = None  # a web page or document fetched over http(s)
    entry: Any = None  # a feed entry (trpipe.read.feeds.Entry)

    def load(self, settings: Settings | None = None, warn: Callable[[str], None] | None = None) -> Source:
        """The item's article, read and decoded (``warn`` reports bytes that had to be replaced)."""
        if self.error:
            raise InputError(self.name, self.error)
        settings = settings or Settings()
        if self.entry is not None:
            from trpipe.read.feeds import entry_source

            allow = bool(settings.extra.get("allow_private_urls"))
            return entry_source(self.entry, allow_private=allow, max_bytes=settings.max_bytes, warn=warn)
        if self.url is not None:
            from trpipe.read.fetch import fetch_source

            allow = bool(settings.extra.get("allow_private_urls"))
            return fetch_source(self.url, allow_private=allow, max_bytes=settings.max_bytes, warn=warn)
        if self.record_text is not None:
            source = decode_text(self.record_text, self.name)  # a record holding a web page is extracted too
            source.doc_id = self.doc_id
            return source
        path = self.path or self.name
        return read_source(path, settings.encoding, settings.max_bytes, settings.strict_encoding, warn)


def _file_item(path: Path, relative: Path) -> InputItem:
    # "the last suffix replaced": article-03.fr.txt -> article-03.fr + .json
    return InputItem(name=str(path), path=str(path), output_stem=relative.with_suffix(""))


def _lines(handle, limit: int | None) -> Iterator[bytes | None]:
    """The lines of ``handle``; None for a line longer than ``limit`` bytes (skipped to its end in a regular
    file; in a stream, such as a pipe or a device, reading stops there: it may never end)."""
    try:
        regular = stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # an object-storage file: it has an end
        regular = True
    while True:
        line = handle.readline(-1 if limit is None else limit + 1)
        if not line:
            return
        if limit is None or len(line) <= limit or (line.endswith(b"\n") and len(line) == limit + 1):
            yield line
            continue
        yield None
        if not regular:
            return
        while line and not line.endswith(b"\n"):
            line = handle.readline(1 << 20)


def _jsonl_items(path: Path, max_bytes: int | None = None) -> Iterator[InputItem]:
    """One item per record of a JSONL file; a bad line or record is an item that fails with its reason.

    A record (line) longer than ``max_bytes`` fails alone, as a file over the size limit does.
    """
    try:
        handle = remote.open_read(str(path)) if remote.is_remote(str(path)) else path.open("rb")
    except InputError as exc:
        yield InputItem(name=str(path), error=exc.reason)
        return
    except OSError as exc:
        yield InputItem(name=str(path), error=f"cannot be read ({exc.strerror or exc})")
        return
    with handle:
        seen: set[str] = set()
        number = 0
        try:
            for raw in _lines(handle, max_bytes):
                number += 1
                yield from _jsonl_record(path, number, raw, seen, max_bytes)
        except OSError as exc:
            yield InputItem(name=f"{path}:{number + 1}", error=f"cannot be read ({exc.strerror or exc})")


def _jsonl_record(path: Path, number: int, raw: bytes | None, seen: set[str], max_bytes: int | None):
    name = f"{path}:{number}"
    if raw is None:
        yield InputItem(name=name, error=f"is larger than the size limit of {max_bytes} bytes (--max-bytes)")
        return
    try:
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        yield InputItem(name=name, error=f"not UTF-8 at byte {exc.start} (JSON Lines must be UTF-8)")
        return
    if not line.strip():
        return
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        yield InputItem(name=name, error=f"not valid JSON ({getattr(exc, 'msg', 'nested too deeply')})")
        return
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        yield InputItem(name=name, error='a record needs a "text" string')
        return
    raw_id = record.get("id")
    if isinstance(raw_id, (dict, list)):
        yield InputItem(name=name, error='its "id" is not a string or a number')
        return
    doc_id = str(number) if raw_id is None or str(raw_id).strip() == "" else str(raw_id)
    if not _encodable(doc_id):
        yield InputItem(name=name, error="its id is not valid Unicode text (a lone surrogate)")
        return
    stem = _UNSAFE.sub("_", doc_id).strip("._") or f"record-{number}"
    if stem in seen:
        yield InputItem(name=name, error=f"duplicate id {shown(doc_id)!r}")
        return
    seen.add(stem)
    yield InputItem(name=f"{path}#{doc_id}", output_stem=Path(stem), record_text=record["text"], doc_id=doc_id)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def url_list(path: str) -> list[str]:
    """The URLs of a file (or ``-``: stdin), one a line; blank lines and ``#`` comments skipped."""
    import sys

    try:
        if path == STDIN:
            lines = sys.stdin.read().splitlines()
        else:
            from trpipe.read.decode import bom_encoding

            with open(path, "rb") as handle:
                data = handle.read()
            # UTF-8, or UTF-16/32 with a byte-order mark (as Windows tools write lists)
            lines = data.decode(bom_encoding(data) or "utf-8").lstrip("\ufeff").splitlines()
    except OSError as exc:
        raise InputError(path, f"cannot be read as a list of URLs ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start}); a list of URLs is UTF-8 text, one a line") from None
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not urls:
        raise InputError(path, "holds no URL (one a line)")
    return urls


def is_collection(inputs: Sequence[str]) -> bool:
    """Several inputs, a folder or a JSONL file: outputs go to a folder (or one stream), one per article."""
    if len(inputs) != 1:
        return True
    if remote.is_remote(inputs[0]):
        return inputs[0].lower().endswith(JSONL_SUFFIXES) or remote.is_folder(inputs[0])
    path = Path(inputs[0])
    return inputs[0] != STDIN and (is_dir(path) or path.suffix.lower() in JSONL_SUFFIXES)


def folder_suffixes() -> tuple[str, ...]:
    """The suffixes of the files a folder run reads: every reader's (text, Markdown, web pages, DOCX, ODT,
    PPTX, EPUB, PDF), JSON Lines apart (a stream in a folder is more likely an output than an input)."""
    from trpipe.read.registry import document_suffixes

    return tuple(s for s in document_suffixes() if s not in JSONL_SUFFIXES)


def skip_reason(file: Path) -> str:
    """Why a file of an input folder is not read: what its name says it is."""
    from trpipe.read.registry import refusal
    from trpipe.read.sniff import StreamInfo, extension_of

    suffix = extension_of(file.name)
    if suffix in JSONL_SUFFIXES:
        return "a JSON Lines file in a folder is not read (give it as an input of its own)"
    info = StreamInfo(name=str(file), extension=suffix)
    if info.named_kind:
        return refusal(info).removeprefix("is ")
    return f"no reader takes {suffix or 'files without a suffix'}"


def expand_inputs(
    inputs: Sequence[str],
    exclude: Path | None = None,
    max_bytes: int | None = None,
    on_skip: Callable[[str, str], None] | None = None,
) -> Iterator[InputItem]:
    """Files, folders (recursively: every document suffix, see ``folder_suffixes``), JSONL files of {id, text}
    records, or ``-``.

    ``exclude``: a folder whose files are never inputs (the output folder, when it lies in an input folder).
    ``max_bytes``: the size limit of one JSONL record (files are limited when they are read).
    ``on_skip(name, reason)``: told of every file of a folder that is not read (hidden files apart).
    """
    skip = exclude.resolve() if exclude is not None else None
    suffixes = folder_suffixes()
    for given in inputs:
        if given == STDIN:
            yield InputItem(name="<stdin>", path=STDIN, output_stem=Path("stdin"))
            continue
        if remote.is_remote(given):
            yield from _remote_items(given, max_bytes)
            continue
        if is_url(given):
            yield InputItem(name=without_credentials(given)[0], url=given, output_stem=Path(url_stem(given)))
            continue
        path = Path(given)
        if is_dir(path):
            found = skipped = 0
            for file in sorted(path.rglob("*")):
                if skip is not None and inside(file, skip):
                    continue
                if file.name.startswith(".") or not file.is_file():
                    continue
                if file.suffix.lower() in suffixes:
                    found += 1
                    yield _file_item(file, file.relative_to(path))
                else:
                    skipped += 1
                    if on_skip is not None:
                        on_skip(str(file), skip_reason(file))
            if not found:
                others = f" ({skipped} other file{'s' if skipped != 1 else ''} skipped)" if skipped else ""
                yield InputItem(name=given, error=f"is a folder with no {', '.join(suffixes)} files{others}")
        elif path.suffix.lower() in JSONL_SUFFIXES:
            yield from _jsonl_items(path, max_bytes)
        else:
            yield _file_item(path, Path(path.name))


def _remote_items(url: str, max_bytes: int | None) -> Iterator[InputItem]:
    """An object-storage input: a JSONL object's records, a prefix's articles (in key order), or one article."""
    if url.lower().endswith(JSONL_SUFFIXES):
        yield from _jsonl_items(url, max_bytes)  # type: ignore[arg-type]  (a URL, opened through fsspec)
        return
    if not remote.is_folder(url):
        yield InputItem(name=url, path=url, output_stem=Path(Path(url.rsplit("/", 1)[-1]).stem))
        return
    found = False
    try:
        for key, relative in remote.list_files(url, folder_suffixes()):
            found = True
            yield InputItem(name=key, path=key, output_stem=Path(relative).with_suffix(""))
    except InputError as exc:
        yield InputItem(name=url, error=exc.reason)
        return
    if not found:
        yield InputItem(name=url, error=f"is a folder with no {', '.join(folder_suffixes())} files")


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


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a name too long: as given
        return path.absolute()


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies in it (both resolved; never raises)."""
    if remote.is_remote(path) or remote.is_remote(folder):  # objects: by their URLs
        inner, outer = str(path).rstrip("/"), str(folder).rstrip("/")
        return inner == outer or inner.startswith(outer + "/")
    try:
        _resolved(path).relative_to(_resolved(folder))
    except ValueError:
        return False
    return True


def load_sources(
    inputs: Iterable[str | os.PathLike | Source | Mapping[str, Any]], settings: Settings
) -> Iterator[tuple[str, Source | None, InputError | None]]:
    """``(name, source or None, error or None)`` for Python callers' inputs, in order: paths (a folder or a
    JSONL file is expanded), ``Source`` objects, or ``{"id", "text"}`` mappings. Nothing is raised."""
    for given in inputs:
        if isinstance(given, Source):
            yield given.path, given, None
            continue
        if isinstance(given, Mapping):
            name = str(given.get("id") or "<record>")
            text = given.get("text")
            if not isinstance(text, str):
                yield name, None, InputError(name, 'a record needs a "text" string')
                continue
            try:
                source = decode_text(text, name)
            except InputError as exc:
                yield name, None, exc
                continue
            source.doc_id = None if given.get("id") is None else str(given["id"])
            yield name, source, None
            continue
        for item in expand_inputs([os.fspath(given)], max_bytes=settings.max_bytes):
            try:
                yield item.name, item.load(settings), None
            except InputError as exc:
                yield item.name, None, exc


def web_inputs(inputs: list[str], url_file: str | None, feeds, state_dir, since, limit, allow_private: bool):
    """``(inputs, settings extra)`` of ``trpipe translate``: the inputs with ``--urls FILE``'s lines added, and
    the feed and URL options (``--feed``, ``--state``, ``--since``, ``--limit``, ``--allow-private-urls``)."""
    from trpipe.errors import UsageError

    if url_file:
        inputs = [*inputs, *url_list(url_file)]
    extra: dict[str, Any] = {"allow_private_urls": allow_private}
    if feeds:
        from trpipe.read.feeds import FeedOptions

        extra["feeds"] = FeedOptions(sources=tuple(feeds), state_dir=state_dir, since=since, limit=limit)
    elif state_dir or since or limit:
        raise UsageError("--state, --since and --limit apply to --feed")
    if not inputs and not feeds:
        raise UsageError("no input: give a file, a folder, a URL, - for stdin, --urls FILE or --feed URL_OR_FILE")
    return inputs, extra
