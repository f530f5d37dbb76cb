"""The plan of a run, shared by every engine: inputs → items, output names, fingerprints, what to skip.

Inputs are streamed (a folder of thousands of files or a large JSONL file is never held in memory at
once). Each output is named after its input; names too long for the filesystem are shortened with a
stable hash. Before anything runs, the plan refuses outputs that would overwrite an input (a file, a
JSONL feed, a file of an input folder) or a path that is not a regular file (a device, a FIFO, a folder
where a file is meant). Every output carries a fingerprint of its source bytes and of every setting, so
a rerun skips what is complete and current.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from trpipe.errors import InputError, OutputError, PairError, UsageError, shown
from trpipe.paths import exists, is_dir, is_file
from trpipe.read import STDIN, decode_text, read_source
from trpipe.records import Source
from trpipe.render import SUFFIXES, format_for_path
from trpipe.settings import Settings

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIX = ".parquet"
_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)
NAME_MAX = 255  # bytes in one path component on common filesystems (ext4, xfs, btrfs, APFS, NTFS)


@dataclass
class InputItem:
    """One article to translate: a file, stdin, or a record of a JSONL file."""

    name: str
    path: str | None = None
    output_stem: Path | None = None  # output path relative to the output folder, without suffix
    record_text: str | None = None
    error: str | None = None  # known bad before reading (e.g. a malformed JSONL line)
    doc_id: str | None = None  # a JSONL record's id

    def load(self, settings: Settings | None = None, warn: Callable[[str], None] | None = None) -> Source:
        """The item's article, read and decoded (``warn`` reports bytes that had to be replaced)."""
        if self.error:
            raise InputError(self.name, self.error)
        settings = settings or Settings()
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
    regular = stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
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
        handle = path.open("rb")
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


def is_collection(inputs: Sequence[str]) -> bool:
    """Several inputs, a folder or a JSONL file: outputs go to a folder (or one stream), one per article."""
    if len(inputs) != 1:
        return True
    path = Path(inputs[0])
    return inputs[0] != STDIN and (is_dir(path) or path.suffix.lower() in JSONL_SUFFIXES)


def expand_inputs(
    inputs: Sequence[str], exclude: Path | None = None, max_bytes: int | None = None
) -> Iterator[InputItem]:
    """Files, folders (recursively: .txt, .md, .html), JSONL files of {id, text} records, or ``-``.

    ``exclude``: a folder whose files are never inputs (the output folder, when it lies in an input folder).
    ``max_bytes``: the size limit of one JSONL record (files are limited when they are read).
    """
    skip = exclude.resolve() if exclude is not None else None
    for given in inputs:
        if given == STDIN:
            yield InputItem(name="<stdin>", path=STDIN, output_stem=Path("stdin"))
            continue
        path = Path(given)
        if is_dir(path):
            found = False
            for file in sorted(path.rglob("*")):
                if skip is not None and _inside(file, skip):
                    continue
                if file.suffix.lower() in ARTICLE_SUFFIXES and file.is_file() and not file.name.startswith("."):
                    found = True
                    yield _file_item(file, file.relative_to(path))
            if not found:
                yield InputItem(name=given, error=f"is a folder with no {', '.join(ARTICLE_SUFFIXES)} files")
        elif path.suffix.lower() in JSONL_SUFFIXES:
            yield from _jsonl_items(path, max_bytes)
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


def fingerprint(source: Source, run_signature: str) -> str:
    """What an output depends on: the source bytes and every setting of the run."""
    return hashlib.sha256(f"{source.sha256}|{run_signature}".encode()).hexdigest()


def output_is_current(path: Path, print_: str) -> bool:
    """The output exists, is complete (written atomically) and carries this fingerprint."""
    try:
        if not is_file(path):
            return False
        if path.suffix.lower() == PARQUET_SUFFIX:
            return False
        with path.open(encoding="utf-8", errors="replace") as handle:
            return print_ in handle.read()
    except OSError:
        return False


def fit_name(name: str, limit: int = NAME_MAX) -> str:
    """``name`` shortened, when its UTF-8 form is longer than ``limit`` bytes, to a prefix, a hash of the
    whole name and its last suffix: stable across runs and engines, and unique for practical purposes."""
    if len(name.encode("utf-8", "surrogateescape")) <= limit:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    suffix = Path(name).suffix if len(Path(name).suffix) <= 16 else ""
    room = limit - len(digest) - len(suffix) - 1
    prefix = name.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return f"{prefix}~{digest}{suffix}"


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a name too long: as given
        return path.absolute()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return _resolved(a) == _resolved(b)


def _inside(path: Path, folder: Path) -> bool:
    try:
        _resolved(path).relative_to(_resolved(folder))
    except ValueError:
        return False
    return True


def _file_id(path: Path) -> tuple[int, int] | None:
    """``(device, inode)`` of an existing file (hard links and symbolic links share it), else None."""
    try:
        info = path.stat()
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def refuse_unsafe_output(path: Path, inputs: Sequence[Path], what: str = "-o") -> None:
    """Refuse (UsageError, exit 2) an output that is an input, or exists and is not a regular file."""
    for given in inputs:
        if exists(path) and exists(given) and _same_file(path, given):
            raise UsageError(f"{what} {shown(path)}: is the input {shown(given)}; trpipe never writes over its inputs")
    if exists(path) and not is_file(path):
        kind = "a folder" if is_dir(path) else "not a regular file (a device, FIFO or socket)"
        raise UsageError(f"{what} {shown(path)}: is {kind}; give the path of a file to write")


class Plan:
    """How a run's inputs map to outputs: the mode, the format, the names, and what is current.

    ``mode`` is ``single`` (one article: -o FILE or stdout), ``folder`` (one file per article),
    ``stream`` (one JSONL stream: -o FILE or stdout) or ``parquet`` (one Parquet file).
    ``protect``: more files that no output may replace (the model registry, the glossary);
    ``max_bytes``: the size limit of a JSONL record.
    """

    def __init__(
        self,
        inputs: Sequence[str],
        output: str | None,
        fmt: str | None,
        force: bool = False,
        parquet_ok: bool = True,
        *,
        protect: Iterable[str | os.PathLike | None] = (),
        max_bytes: int | None = None,
    ):
        self.inputs = list(inputs)
        self.output = output
        self.force = force
        self.protect = [Path(p).expanduser() for p in protect if p]
        self.max_bytes = max_bytes
        self.collection = is_collection(self.inputs)
        out = Path(output) if output else None
        if self.collection and out is not None and out.suffix.lower() == PARQUET_SUFFIX and not is_dir(out):
            if fmt not in (None, "json"):
                raise UsageError(f"-o {shown(output)}: a Parquet file holds the JSON documents, not --format {fmt}")
            if not parquet_ok:
                raise UsageError(f"-o {shown(output)}: Parquet output needs pyarrow: pip install 'trpipe[parquet]'")
            self.mode, self.fmt = "parquet", "json"
        elif not self.collection and output and (output.endswith(("/", os.sep)) or is_dir(output)):
            self.mode, self.fmt = "folder", fmt or "md"  # -o FOLDER/ with one input: a file in that folder
        elif not self.collection:
            self.mode = "single"
            self.fmt = fmt or (format_for_path(output) if output else "md")
        else:
            self.fmt = fmt or (format_for_path(output) if output and _is_stream_name(output) else "md")
            self.mode = "stream" if self.fmt == "jsonl" and not (out is not None and is_dir(out)) else "folder"
        self.suffix = SUFFIXES[self.fmt]
        self.folder: Path | None = None
        self.exclude: Path | None = None  # the output folder, when it lies inside an input folder
        self._used: dict[Path, str] = {}

    # ---------------------------------------------------------------------------------- checks

    def input_files(self) -> list[Path]:
        """Every file the run must not write over: the files the inputs name (files, JSONL feeds, the articles
        inside input folders, but not in the output folder) and the protected ones (registry, glossary)."""
        files: list[Path] = []
        skip = self.exclude
        for given in self.inputs:
            if given == STDIN:
                continue
            path = Path(given)
            if is_dir(path):
                files += [
                    f
                    for f in path.rglob("*")
                    if f.suffix.lower() in ARTICLE_SUFFIXES and not (skip is not None and _inside(f, skip))
                ]
            elif exists(path):
                files.append(path)
        return files + [p for p in self.protect if exists(p)]

    def prepare(self) -> None:
        """Refuse, before anything runs, outputs that would overwrite an input or a non-file; make the folder.

        In a folder: an output that is (or is a link to) an input file, and an output of an article format
        (.md, .html) inside an input folder, which the next run would read as an input, are refused.
        """
        if self.mode == "folder":
            self.folder = self._check_folder()
            inputs = [Path(g) for g in self.inputs if g != STDIN]
            if any(is_dir(p) and _inside(self.folder, p) and not _same_file(p, self.folder) for p in inputs):
                self.exclude = self.folder
            self._check_folder_outputs([p for p in inputs if is_dir(p)])
            self._used.clear()
        elif self.output:
            long = [part for part in Path(self.output).parts if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX]
            if long:
                raise UsageError(
                    f"-o {shown(self.output)}: a name longer than {NAME_MAX} bytes, which no filesystem takes"
                )
            refuse_unsafe_output(Path(self.output), self.input_files())
            if self.mode == "single":
                from trpipe.engines.sinks import check_writable

                check_writable(self.output)

    def _check_folder_outputs(self, input_folders: list[Path]) -> None:
        protected = {key for key in map(_file_id, self.input_files()) if key is not None}
        article_output = self.suffix.lower() in ARTICLE_SUFFIXES
        for item in expand_inputs(self.rereadable(), self.exclude, self.max_bytes):  # a stream is read once
            if item.error is not None:
                continue
            out = self.output_path(item)
            if _file_id(out) in protected:
                raise UsageError(
                    f"-o {shown(self.output)}: the output {shown(out)} of {shown(item.name)} would "
                    f"overwrite an input; trpipe never writes over its inputs (choose another folder)"
                )
            if article_output and not (self.exclude is not None and _inside(out, self.exclude)):
                within = next((folder for folder in input_folders if _inside(out, folder)), None)
                if within is not None:
                    raise UsageError(
                        f"-o {shown(self.output)}: the output {shown(out)} of {shown(item.name)} lies in the input "
                        f"folder {shown(within)}, where the next run would read it as an input; choose another "
                        f"folder (or another --format than {self.fmt})"
                    )

    def _check_folder(self) -> Path:
        output = self.output
        if output is None:
            raise UsageError("several inputs: -o must name the output folder (or use --format jsonl for one stream)")
        folder = Path(output)
        if exists(folder) and not is_dir(folder):
            raise UsageError(f"-o {shown(output)}: several inputs need a folder, and this is a file")
        if not exists(folder) and folder.suffix.lower() in {".md", ".json", ".html", ".tmx", ".xlf", ".xliff"}:
            raise UsageError(
                f"-o {shown(output)}: several inputs write one file each into a folder; name a folder "
                f"(and --format for the format), or use --format jsonl -o FILE.jsonl for one stream"
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{shown(output)}: cannot create the output folder ({exc.strerror or exc})") from None
        return folder

    # ---------------------------------------------------------------------------------- names

    def output_path(self, item: InputItem) -> Path:
        """Where ``item``'s output goes in the output folder (each component fitted to the filesystem)."""
        assert self.folder is not None or self.output is not None
        folder = self.folder if self.folder is not None else Path(self.output or ".")
        stem = item.output_stem or Path(Path(item.name).name)
        parts = [*stem.parts[:-1], stem.parts[-1] + self.suffix] if stem.parts else ["output" + self.suffix]
        return folder.joinpath(*(fit_name(part) for part in parts))

    def items(self) -> Iterator[tuple[InputItem, Path | None, InputError | None]]:
        """``(item, output path or None, error or None)`` for every input, in order."""
        if self.mode == "single":
            (item,) = list(expand_inputs(self.inputs, max_bytes=self.max_bytes))
            yield item, (Path(self.output) if self.output else None), None
            return
        for item in expand_inputs(self.inputs, self.exclude, self.max_bytes):
            error = InputError(item.name, item.error) if item.error else None
            out = None
            if self.mode == "folder" and error is None:
                out = self.output_path(item)
                if out in self._used:
                    error = InputError(item.name, f"its output {shown(out)} would overwrite that of {self._used[out]}")
                elif exists(out) and not is_file(out):
                    error = InputError(item.name, f"its output {shown(out)} exists and is not a regular file")
                else:
                    self._used[out] = item.name
            yield item, out, error

    def rereadable(self) -> list[str]:
        """The inputs that can be read twice: not stdin, not a JSONL feed that is a pipe or a device."""
        return [given for given in self.inputs if given != STDIN and not _stream_feed(given)]

    def count(self) -> int | None:
        """How many articles the inputs hold (None when counting would mean reading a stream)."""
        if len(self.rereadable()) != len(self.inputs):
            return None
        return sum(1 for _ in expand_inputs(self.inputs, self.exclude, self.max_bytes))

    # ---------------------------------------------------------------------------------- skipping

    def is_current(self, out: Path | None, print_: str) -> bool:
        """Whether the output at ``out`` is complete and current, so the article is skipped."""
        return out is not None and not self.force and output_is_current(out, print_)


def _stream_feed(given: str) -> bool:
    """A JSONL input that is not a regular file (a named pipe, a device): it can be read only once."""
    if Path(given).suffix.lower() not in JSONL_SUFFIXES:
        return False
    try:
        return not stat.S_ISREG(os.stat(given).st_mode) and not stat.S_ISDIR(os.stat(given).st_mode)
    except (OSError, ValueError):
        return False


def _is_stream_name(output: str) -> bool:
    return Path(output).suffix.lower() in JSONL_SUFFIXES


def protected_files(request) -> list[str]:
    """Files a run's request names besides its inputs, which no output may replace: the registry, the glossary."""
    from trpipe.registry import ENV_VAR

    return [p for p in (request.models_file or os.environ.get(ENV_VAR), request.glossary) if p]


def failure_reason(exc: InputError | PairError) -> str:
    return exc.reason if isinstance(exc, InputError) else str(exc)
