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
import logging
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from trpipe import remote
from trpipe.errors import InputError, MissingExtraError, OutputError, PairError, UsageError, shown
from trpipe.inputs import (
    ARTICLE_SUFFIXES,
    JSONL_SUFFIXES,
    InputItem,
    _resolved,
    expand_inputs,
    folder_suffixes,
    grouped,
    inside,
    is_collection,
)
from trpipe.paths import as_path, exists, is_dir, is_file
from trpipe.read import STDIN
from trpipe.records import Source
from trpipe.render import (
    BILINGUAL,
    BINARY,
    DOCUMENTS,
    SAME,
    SUFFIXES,
    same_suffix,
    suffix_formats,
    written_suffixes,
)

__all__ = ["ARTICLE_SUFFIXES", "InputItem", "Plan", "expand_inputs", "fingerprint", "grouped", "is_collection"]


log = logging.getLogger("trpipe")
PARQUET_SUFFIX = ".parquet"
NAME_MAX = 255  # bytes in one path component on common filesystems (ext4, xfs, btrfs, APFS, NTFS)


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


def _same_file(a: Path, b: Path) -> bool:
    if remote.is_remote(a) or remote.is_remote(b):  # objects: the same URL
        return str(a).rstrip("/") == str(b).rstrip("/")
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return _resolved(a) == _resolved(b)


def _file_id(path: Path) -> tuple[int, int] | None:
    """``(device, inode)`` of an existing file (hard links and symbolic links share it), else None."""
    if remote.is_remote(path):
        return None
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


def check_output(output: str, inputs: Sequence[str]) -> None:
    """Before anything is read: refuse an output that is one of ``inputs`` (or a link to it), a folder or a
    device (UsageError), or whose folder cannot take a file (OutputError). ``-`` and URLs are no files."""
    from trpipe.engines.sinks import check_writable
    from trpipe.read.show import is_url

    refuse_unsafe_output(Path(output), [Path(given) for given in inputs if given != STDIN and not is_url(given)])
    check_writable(output)


class Plan:
    """How a run's inputs map to outputs: the mode, the format, the names, and what is current.

    ``mode`` is ``single`` (one article: -o FILE or stdout), ``folder`` (one file per article),
    ``stream`` (one JSONL stream: -o FILE or stdout) or ``parquet`` (one Parquet file).
    ``protect``: more files that no output may replace (the model registry, the glossary);
    ``max_bytes``: the size limit of a JSONL record; ``parquet_ok``: whether pyarrow is here (None: look).

    An ``-o`` file whose suffix no writer takes, or whose suffix and ``--format`` disagree, is refused by
    ``prepare``, before anything is read or loaded (see ``_named_format``).
    """

    def __init__(
        self,
        inputs: Sequence[str],
        output: str | None,
        fmt: str | None,
        force: bool = False,
        parquet_ok: bool | None = None,
        *,
        protect: Iterable[str | os.PathLike | None] = (),
        max_bytes: int | None = None,
        feeds: Any = None,
        allow_private: bool = False,
        bilingual: bool = False,
        targets: Sequence[str] = (),
    ):
        self.inputs = list(inputs)
        self.feeds = feeds  # trpipe.read.feeds.FeedOptions: each entry is an article
        self.allow_private = allow_private
        self._entries: dict[str, Any] = {}  # item name → (feed entry, its feed's state), until done
        self.done_entries: list[str] = []  # entries skipped: done by an earlier run (the state folder)
        self.output = output
        self.force = force
        self.protect = [Path(p).expanduser() for p in protect if p]
        self.max_bytes = max_bytes
        self.collection = is_collection(self.inputs) or bool(feeds)
        out = as_path(output) if output else None
        folder = out is not None and (is_dir(out) or str(output).endswith(("/", os.sep)))
        self.refusal: UsageError | None = None  # raised by prepare(), after the refusals that matter more
        try:
            named = None if out is None or folder else _named_format(str(output), fmt, self.collection)
        except UsageError as exc:
            named, self.refusal = None, exc
        if named is not None and out is not None and out.suffix.lower() == PARQUET_SUFFIX:  # one article too
            if parquet_ok is None:
                from trpipe.render.parquet import parquet_available

                parquet_ok = parquet_available()
            if not parquet_ok:
                raise MissingExtraError("pyarrow", "parquet", f"-o {shown(output)}: Parquet output")
            self.mode, self.fmt = "parquet", "json"
        elif not self.collection and folder:
            self.mode, self.fmt = "folder", fmt or "md"  # -o FOLDER/ with one input: a file in that folder
        elif not self.collection:
            self.mode = "single"
            self.fmt = fmt or named or "md"
        else:
            self.fmt = fmt or named or "md"
            self.mode = "stream" if self.fmt == "jsonl" and not folder else "folder"
        self._document_options(bilingual, targets)
        self.suffix = SUFFIXES.get(self.fmt, "")
        if bilingual:
            self.fmt += BILINGUAL  # the key every engine renders and fingerprints with
        self.folder: Path | None = None
        self.exclude: Path | None = None  # the output folder, when it lies inside an input folder
        self._used: dict[Path, str] = {}
        self.skipped: list[tuple[str, str]] = []  # files of input folders that no reader takes, with why

    def _document_options(self, bilingual: bool, targets: Sequence[str]) -> None:
        """Refuse what documents written back cannot do: stdout, one stream, several languages in one."""
        if self.refusal is not None:  # the -o name is refused first (prepare)
            return
        document = self.fmt in DOCUMENTS or self.fmt == SAME
        if bilingual and not document:
            raise UsageError(
                f"--bilingual applies to documents written back (--format docx, odt, pptx, epub or same); "
                f"--format {self.fmt} is bilingual already or holds no paragraphs"
            )
        if not document:
            return
        if self.mode in ("stream", "parquet"):
            raise UsageError(f"--format {self.fmt} writes one file per document: -o must name a file or a folder")
        if self.mode == "single" and not self.output and (self.fmt in BINARY or self.fmt == SAME):
            raise UsageError(f"--format {self.fmt} writes a file: give -o (a file such as note.en.docx, or a folder)")
        if len(set(targets)) > 1 and not bilingual:
            raise UsageError(
                f"--format {self.fmt}: a document written back holds one language; give one --to, or "
                f"--bilingual to interleave every translation after its source paragraph"
            )

    def _skip(self, name: str, reason: str) -> None:
        self.skipped.append((name, reason))
        log.info("skipped %s: %s", shown(name), reason)

    # ---------------------------------------------------------------------------------- checks

    def input_files(self) -> list[Path]:
        """Every file the run must not write over: the files the inputs name (files, JSONL feeds, the articles
        inside input folders, but not in the output folder) and the protected ones (registry, glossary)."""
        files: list[Path] = []
        skip = self.exclude
        suffixes = folder_suffixes()
        for given in self.inputs:
            if given == STDIN:
                continue
            if remote.is_remote(given):  # an object is written over only by its own URL (see _same_file)
                files.append(as_path(given))
                continue
            path = Path(given)
            if is_dir(path):
                files += [
                    f
                    for f in path.rglob("*")
                    if f.suffix.lower() in suffixes and not (skip is not None and inside(f, skip))
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
            if self.refusal is not None:  # before the folder is made
                raise self.refusal
            self.folder = self._check_folder()
            inputs = [as_path(g) for g in self.inputs if g != STDIN]
            if any(is_dir(p) and inside(self.folder, p) and not _same_file(p, self.folder) for p in inputs):
                self.exclude = self.folder
            self._check_folder_outputs([p for p in inputs if is_dir(p)])
            self._used.clear()
        elif self.output:
            parts = () if remote.is_remote(self.output) else Path(self.output).parts  # object keys: 1,024 bytes
            long = [part for part in parts if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX]
            if long:
                raise UsageError(
                    f"-o {shown(self.output)}: a name longer than {NAME_MAX} bytes, which no filesystem takes"
                )
            refuse_unsafe_output(as_path(self.output), self.input_files())
            if self.refusal is not None:
                raise self.refusal
            if self.mode == "single":
                from trpipe.engines.sinks import check_writable

                check_writable(self.output)

    def _check_folder_outputs(self, input_folders: list[Path]) -> None:
        protected = {key for key in map(_file_id, self.input_files()) if key is not None}
        article_output = (self.suffix or same_suffix(self.output or "")).lower() in folder_suffixes()
        for item in expand_inputs(self.rereadable(), self.exclude, self.max_bytes):  # a stream is read once
            if item.error is not None:
                continue
            out = self.output_path(item)
            if _file_id(out) in protected:
                raise UsageError(
                    f"-o {shown(self.output)}: the output {shown(out)} of {shown(item.name)} would "
                    f"overwrite an input; trpipe never writes over its inputs (choose another folder)"
                )
            if article_output and not (self.exclude is not None and inside(out, self.exclude)):
                within = next((folder for folder in input_folders if inside(out, folder)), None)
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
        folder = as_path(output)
        if remote.is_remote(output):  # a prefix: nothing to make, and no object may have its name
            if is_file(folder):
                raise UsageError(f"-o {shown(output)}: several inputs need a folder (a prefix), and this is an object")
            return folder
        if exists(folder) and not is_dir(folder):
            raise UsageError(f"-o {shown(output)}: several inputs need a folder, and this is a file")
        if not exists(folder) and _names_a_file(folder):
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
        folder = self.folder if self.folder is not None else as_path(self.output or ".")
        stem = item.output_stem or Path(Path(item.name).name)
        suffix = self.suffix or same_suffix(item.name)
        parts = [*stem.parts[:-1], stem.parts[-1] + suffix] if stem.parts else ["output" + suffix]
        return folder.joinpath(*(fit_name(part) for part in parts))

    def items(self) -> Iterator[tuple[InputItem, Path | None, InputError | None]]:
        """``(item, output path or None, error or None)`` for every input, in order."""
        if self.mode == "single":
            (item,) = list(expand_inputs(self.inputs, max_bytes=self.max_bytes))
            yield item, (as_path(self.output) if self.output else None), None
            return
        self.skipped.clear()
        for item in self._all_items():
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

    def _all_items(self) -> Iterator[InputItem]:
        yield from expand_inputs(self.inputs, self.exclude, self.max_bytes, self._skip)
        if self.feeds:
            from trpipe.read.feeds import entries, entry_stem

            try:
                for entry, state in entries(self.feeds, self.max_bytes, self.allow_private, self.done_entries):
                    self._entries[entry.name] = (entry, state)
                    yield InputItem(name=entry.name, output_stem=Path(entry_stem(entry)), entry=entry)
            except InputError as exc:  # a feed that cannot be read: one failure, the other inputs go on
                yield InputItem(name=exc.path, error=exc.reason)

    def done(self, name: str, out: Path | None) -> None:
        """An article was written: a feed entry is remembered in its state folder."""
        found = self._entries.pop(name, None)
        if found is not None:
            entry, state = found
            state.done(entry, None if out is None else str(out))

    def rereadable(self) -> list[str]:
        """The inputs that can be read twice: not stdin, not a JSONL feed that is a pipe or a device."""
        return [given for given in self.inputs if given != STDIN and not _stream_feed(given)]

    def count(self) -> int | None:
        """How many articles the inputs hold (None when counting would mean reading a stream, a feed, or
        object storage twice)."""
        if len(self.rereadable()) != len(self.inputs) or self.feeds or any(remote.is_remote(g) for g in self.inputs):
            return None
        return sum(1 for _ in expand_inputs(self.inputs, self.exclude, self.max_bytes))

    # ---------------------------------------------------------------------------------- skipping

    def is_current(self, out: Path | None, print_: str) -> bool:
        """Whether the output at ``out`` is complete and current, so the article is skipped."""
        return out is not None and not self.force and output_is_current(out, print_)


def _stream_feed(given: str) -> bool:
    """A JSONL input that is not a regular file (a named pipe, a device): it can be read only once."""
    if Path(given).suffix.lower() not in JSONL_SUFFIXES or remote.is_remote(given):
        return False
    try:
        return not stat.S_ISREG(os.stat(given).st_mode) and not stat.S_ISDIR(os.stat(given).st_mode)
    except (OSError, ValueError):
        return False


def _named_format(output: str, fmt: str | None, collection: bool) -> str | None:
    """The format the suffix of the ``-o`` file asks for (None without a suffix); a suffix no writer takes,
    and one that disagrees with ``--format``, are UsageErrors (exit 2) naming the suffixes trpipe writes.
    With ``--format``, a suffix that is no file type's (``note.en``) is only a name.

    With several inputs, only a stream's or a Parquet file's suffix names a file: another name is the output
    folder (refused in ``_check_folder`` when it names a file).
    """
    suffix = Path(output).suffix.lower()
    formats = suffix_formats()
    if collection and formats.get(suffix) != "jsonl" and suffix != PARQUET_SUFFIX:
        return None
    if not suffix:
        return None
    named = formats.get(suffix)
    if named is None and fmt is not None and not _names_a_file(Path(output)):
        return None  # --format chose, and the name is no other file type's (note.en, out.2024)
    if named is None:
        raise UsageError(
            f"-o {shown(output)}: trpipe does not write {shown(Path(output).suffix)} files; it writes "
            f"{written_suffixes()} (the suffix chooses the format; see trpipe translate --help)"
        )
    if fmt == SAME and named in (*BINARY, "html"):  # each document in its own format: a document's suffix
        return named
    if fmt is not None and fmt != named:
        kind = "a Parquet file, which holds the JSON documents" if suffix == PARQUET_SUFFIX else f"--format {named}"
        rename = (
            f"name the file {shown(Path(output).stem + SUFFIXES[fmt])}"
            if fmt in SUFFIXES
            else "name the file with its document's own suffix (.docx, .odt, .pptx, .epub, .html)"
        )
        raise UsageError(
            f"-o {shown(output)}: --format {fmt} disagrees with the suffix {shown(suffix)} ({kind}); "
            f"drop --format, or {rename}"
        )
    return named


def _names_a_file(path: Path) -> bool:
    """Whether a name is a file's rather than a folder's: a suffix trpipe writes, or one of a known file type
    (``mimetypes``: .docx, .pdf, .txt, ...), not a dotted folder name such as ``out.2024``."""
    import mimetypes

    suffix = path.suffix.lower()
    return bool(suffix) and (suffix in suffix_formats() or mimetypes.guess_type(f"x{suffix}")[0] is not None)


def protected_files(request) -> list[str]:
    """Files a run's request names besides its inputs, which no output may replace: the registry, the glossary."""
    from trpipe.models.registry import ENV_VAR

    return [p for p in (request.models_file or os.environ.get(ENV_VAR), request.glossary) if p]


def failure_reason(exc: InputError | PairError) -> str:
    return exc.reason if isinstance(exc, InputError) else str(exc)
