"""Where rendered documents go: atomic files, one stream (stdout or a file), or one Parquet file.

Every file is written atomically: to a temporary file beside it, then renamed over it, so a reader (or
a rerun) sees the old file or the whole new one, never a part. A temporary file's name identifies its run
(``.trpipe-<name hash>-<pid>-<host>-<random>.tmp``): a run removes only its own, and stale ones only when
the process that made them is gone, so two runs into one folder never delete each other's work. A write
that fails (disk full, permissions) removes its temporary file and raises a one-line OutputError; outputs
already written stay.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trpipe import remote
from trpipe.errors import OutputError, shown
from trpipe.paths import as_path

_RUN = {"pid": -1, "token": ""}
_LIVE: set[Path] = set()  # this process's temporary files not yet renamed or removed


def _run_token() -> str:
    """``<pid>-<host>-<random>``: unique to this process (recomputed after a fork)."""
    if _RUN["pid"] != os.getpid():
        host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
        _RUN.update(pid=os.getpid(), token=f"{os.getpid()}-{host}-{secrets.token_hex(4)}")
    return str(_RUN["token"])


def _name_hash(target: Path) -> str:
    return hashlib.sha256(target.name.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def temporary_path(target: Path) -> Path:
    """A temporary file name beside ``target`` that names this run (and fits any filesystem)."""
    return target.parent / f".trpipe-{_name_hash(target)}-{_run_token()}-{secrets.token_hex(2)}.tmp"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def stale_temporaries(target: Path) -> list[Path]:
    """Temporary files for ``target`` left by runs of this machine whose process is gone (a run killed
    with SIGKILL, a machine that lost power), oldest first. Object storage has none: an unfinished upload
    is never seen."""
    if remote.is_remote(target):
        return []
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    found = []
    for stale in target.parent.glob(f".trpipe-{_name_hash(target)}-*.tmp"):
        parts = stale.name.split("-")
        if len(parts) < 5 or not parts[2].isdigit():
            continue
        pid, their_host = int(parts[2]), parts[3]
        if their_host == host and pid != os.getpid() and not _alive(pid):
            with contextlib.suppress(OSError):
                found.append((stale.stat().st_mtime_ns, stale))
    return [path for _, path in sorted(found)]


def remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files for ``target`` left by runs of this machine whose process is gone."""
    for stale in stale_temporaries(target):
        with contextlib.suppress(OSError):
            stale.unlink()


def file_mode() -> int:
    """The permissions a new file gets from the umask (temporary files are created private: 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


# Errors that every later write would meet too: they stop a run instead of failing one article. (EFBIG, a file
# too large for the filesystem or the process's limit, concerns one output: that article fails alone.)
STOPPING_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def _errno(exc: OSError) -> int | None:
    """The error number of ``exc``; libraries such as pyarrow only say it in the message (``[Errno 28]``)."""
    if exc.errno is not None:
        return exc.errno
    found = re.search(r"\[Errno (\d+)\]", str(exc), re.IGNORECASE)
    return int(found.group(1)) if found else None


def _error(target: Path, exc: OSError) -> OutputError:
    number = _errno(exc)
    reason = exc.strerror or (os.strerror(number) if number is not None else str(exc))
    error = OutputError(f"{shown(target)}: cannot be written ({' '.join(str(reason).split())})")
    error.errno = number  # type: ignore[attr-defined]  (ENOSPC stops a run; other errors fail one article)
    return error


def stops_run(exc: OutputError) -> bool:
    """Whether a write error concerns every later output too (disk full, quota, read-only filesystem, an
    object store that refuses)."""
    return getattr(exc, "stops", False) or getattr(exc, "errno", None) in STOPPING_ERRNOS


def _create(tmp: Path) -> int:
    """Create the temporary file ``tmp`` (private: 0600), remembered until it is renamed or removed."""
    _LIVE.add(tmp)
    try:
        return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except BaseException:  # also a signal that arrives once the file exists: the name is this run's alone
        _discard(tmp)
        raise


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()
    _LIVE.discard(tmp)


def remove_live_temporaries() -> None:
    """Remove every temporary file this process still has (a run stopped by a signal or an error)."""
    for tmp in list(_LIVE):
        _discard(tmp)


def write_atomic(path: str | os.PathLike, text: str | bytes) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the whole new one, never a part."""
    if remote.is_remote(path):  # one PUT: the old object or the whole new one
        remote.write_bytes(path, text.encode("utf-8", "replace") if isinstance(text, str) else text)
        return
    target = Path(path)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        tmp = temporary_path(target)
        fd = _create(tmp)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8", "replace") if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
        _LIVE.discard(tmp)
    except OSError as exc:
        if tmp is not None:
            _discard(tmp)
        raise _error(target, exc) from None
    except BaseException:
        if tmp is not None:
            _discard(tmp)
        raise


def check_writable(path: str | os.PathLike) -> None:
    """Fail before any work when ``path``'s folder cannot take a new file."""
    if remote.is_remote(path):  # known at the first write (a missing bucket, a denied permission stop the run)
        return
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{shown(path)}: cannot be written ({exc.strerror or exc})") from None
    if Path(path).is_dir():
        raise OutputError(f"{shown(path)}: is a folder; give a file name for a single input")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{shown(path)}: cannot be written (permission denied)")


class Sink:
    """Takes each article's rendered output (``write``) and finishes the run's outputs (``close``)."""

    def write(self, out: Path | None, text: str, document: dict[str, Any] | None = None) -> None:
        raise NotImplementedError

    def close(self, keep: bool, stopped: bool = False) -> None:
        """Finish (``keep``) or throw away what is not written yet. ``stopped``: the run stopped early (a
        full disk, a signal): keep what is complete, leave out what no longer fits. Closing again does nothing."""


class FileSink(Sink):
    """One file per article (``out``), each written atomically; without ``out``, the text is echoed."""

    def __init__(self, echo: Callable[[str], None]):
        self.echo = echo

    def write(self, out: Path | None, text: str | bytes, document: dict[str, Any] | None = None) -> None:
        if out is None:
            assert isinstance(text, str), "a binary document needs -o (the plan refuses stdout)"
            self.echo(text)
        else:
            write_atomic(out, text)


class StreamSink(Sink):
    """One stream for many documents (JSONL): stdout, or a file replaced atomically when the run ends.

    Each document reaches the temporary file whole (one write, no buffer in this process), so the file
    holds complete lines only, up to the last one being written: a write that fails (a full disk) is cut
    back to the last complete document, and after SIGKILL the next run takes up the complete lines of
    this run's temporary file (``stream.PreviousOutput``). Stale temporary files of the target are
    removed once the new file replaces it.
    """

    def __init__(self, output: str | None, echo: Callable[[str], None]):
        self.echo, self.fd, self.tmp, self.upload = echo, None, None, None
        self.target = as_path(output) if output else None
        self.records = 0  # complete documents in the temporary file
        self.complete = 0  # its size up to the end of the last complete document
        self.replaced = False  # the file replaced the target
        if output and remote.is_remote(output):  # an upload, seen only once complete
            self.upload = remote.open_write(output)
        elif self.target is not None:
            check_writable(self.target)
            self.tmp = temporary_path(self.target)
            try:
                self.fd = _create(self.tmp)
            except OSError as exc:
                raise _error(self.target, exc) from None

    def write(self, out: Path | None, text: str, document: dict[str, Any] | None = None) -> None:
        if self.upload is not None:
            try:
                self.upload.write(text.encode("utf-8", "replace"))
            except Exception as exc:
                raise remote.error(str(self.target), exc) from None
            self.records += 1
            return
        if self.fd is None:
            self.echo(text)
            return
        # A name that is not valid Unicode (a file name's undecodable bytes) is written as U+FFFD or '?'.
        data = memoryview(text.encode("utf-8", "replace"))
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError as exc:
            with contextlib.suppress(OSError):  # no cut line: back to the last complete document
                os.ftruncate(self.fd, self.complete)
                os.lseek(self.fd, self.complete, os.SEEK_SET)
            assert self.target is not None
            raise _error(self.target, exc) from None
        self.complete = os.lseek(self.fd, 0, os.SEEK_CUR)
        self.records += 1

    def close(self, keep: bool, stopped: bool = False) -> None:
        if self.upload is not None:
            upload, self.upload = self.upload, None
            _finish_upload(upload, keep, str(self.target))
            self.replaced = keep
            return
        if self.fd is None or self.tmp is None or self.target is None:
            return
        fd, self.fd = self.fd, None
        try:
            if keep:
                os.fsync(fd)
            os.close(fd)
            fd = None
            if keep:
                os.chmod(self.tmp, file_mode())
                os.replace(self.tmp, self.target)
                self.replaced = True
                remove_stale_temporaries(self.target)  # taken up by this run (see ``stream.PreviousOutput``)
        except OSError as exc:
            if keep:
                raise _error(self.target, exc) from None
        finally:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
            _discard(self.tmp)


class ParquetSink(Sink):
    """One Parquet file, a row per article (see ``trpipe.render.parquet``), replaced atomically at the end.

    Rows are written in row groups of ``batch_rows``. Before each row group, the free space is checked
    against the group's size (serialized once in memory) and room for the file's footer: a row group that
    would not fit is not begun, so a full disk leaves a file that closes with complete row groups only
    (a stopped run writes as many of its last rows as still fit).
    """

    def __init__(self, output: str, batch_rows: int = 256):
        from trpipe.render.parquet import import_pyarrow, parquet_row, parquet_schema

        pa, pq = import_pyarrow()
        self.pa, self.pq, self.row, self.batch_rows = pa, pq, parquet_row, batch_rows
        self.schema = parquet_schema(pa)
        self.target = as_path(output)
        self.records = 0  # rows in complete row groups
        self.replaced = False  # the file replaced the target
        self.upload = None
        if remote.is_remote(output):  # written as an upload, seen only once complete
            self.tmp = None
            self.upload = remote.open_write(output)
            self.writer = pq.ParquetWriter(self.upload, self.schema)
        else:
            check_writable(self.target)
            self.tmp = temporary_path(self.target)
            _LIVE.add(self.tmp)
            try:
                self.writer = pq.ParquetWriter(str(self.tmp), self.schema)
            except OSError as exc:
                _discard(self.tmp)
                raise _error(self.target, exc) from None
        self.pending: list[dict[str, Any]] = []
        self.handed = 0  # rows given to the sink
        self.groups = 0
        self.broken = False  # a row group failed half-way: the file cannot be closed whole
        self.closed = False

    def write(self, out: Path | None, text: str, document: dict[str, Any] | None = None) -> None:
        import json

        row = self.row(document if document is not None else json.loads(text))
        # A name that is not valid Unicode (a file name's undecodable bytes) is stored with '?' for them.
        self.write_row({key: valid_text(value) for key, value in row.items()})

    def write_row(self, row: dict[str, Any]) -> None:
        """A row as it is (one read back from a previous file of the same schema)."""
        self.handed += 1
        self.pending.append(row)
        if len(self.pending) >= self.batch_rows:
            self.flush()

    def flush(self, fit: bool = False) -> None:
        """Write the pending rows as a row group. ``fit``: as many of them as the free space holds (a
        stopped run), the others left out."""
        if not self.pending:
            return
        rows = self.pending
        table = self.pa.Table.from_pylist(rows, schema=self.schema)
        try:
            self._room_for(table)
        except OSError as exc:
            table = self._fitting(table) if fit else None
            if table is None:  # kept pending: a stopped run's close writes those that fit
                raise _error(self.target, exc) from None
        try:
            self.writer.write_table(table)
        except OSError as exc:  # failed half-way (the disk filled meanwhile): the file cannot be closed whole
            self.pending, self.broken = [], True
            raise _error(self.target, exc) from None
        self.records += table.num_rows
        self.groups += 1
        self.pending = []
        if table.num_rows < len(rows):
            raise _error(self.target, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))

    def _fitting(self, table):
        """The longest first part of ``table`` that fits on the disk (None when not one row does)."""
        low, high = 0, table.num_rows - 1  # high rows do not fit
        while low < high:
            middle = (low + high + 1) // 2
            try:
                self._room_for(table.slice(0, middle))
                low = middle
            except OSError:
                high = middle - 1
        return table.slice(0, low) if low else None

    def _room_for(self, table) -> None:
        """Raise ENOSPC, before anything is written, when the row group and the footer would not fit."""
        if self.tmp is None:  # object storage: no disk to fill
            return
        buffer = self.pa.BufferOutputStream()
        self.pq.write_table(table, buffer)
        data = buffer.getvalue()
        # ``data`` holds this group with a footer of its own; the file's footer grows by as much per group
        footer = self.pq.read_metadata(self.pa.BufferReader(data)).serialized_size
        needed = len(data) + footer * self.groups + 16 * 1024
        try:
            stats = os.statvfs(self.tmp.parent)
        except OSError:
            return
        if stats.f_bavail * stats.f_frsize < needed:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self, keep: bool, stopped: bool = False, whole: bool = False) -> None:
        """``whole``: keep the file only if every row given to the sink is in it (a stopped run that
        completes a previous file must not replace it with fewer of its documents)."""
        if self.closed:
            return
        if keep and not stopped:
            self.flush()  # a full disk here stops the run: it closes again, stopped (its rows are kept pending)
        self.closed = True
        error: OutputError | None = None
        try:
            if keep and stopped:
                with contextlib.suppress(OutputError):  # the complete row groups are kept, without the rest
                    self.flush(fit=True)
            keep = keep and not self.broken and not (whole and self.records < self.handed)
            keep = keep and (self.records > 0 or not stopped)  # a stopped run with no whole row: nothing to keep
            try:
                self.writer.close()  # the footer
            except OSError as exc:
                if keep:
                    error, keep = _error(self.target, exc), False
            if self.upload is not None:
                _finish_upload(self.upload, keep, str(self.target))
                self.replaced = keep
            elif keep:
                try:
                    os.chmod(self.tmp, file_mode())
                    os.replace(self.tmp, self.target)
                except OSError as exc:
                    error = _error(self.target, exc)
                else:
                    self.replaced = True
                    remove_stale_temporaries(self.target)
        finally:
            if self.tmp is not None:
                _discard(self.tmp)
        if error is not None:
            raise error


def _finish_upload(upload, keep: bool, url: str) -> None:
    """Complete an object-storage upload (``keep``), or throw it away."""
    if not keep:
        remote.discard(upload)
        return
    try:
        upload.close()
    except Exception as exc:
        raise remote.error(url, exc) from None


def valid_text(value: Any) -> Any:
    """``value``, with what UTF-8 cannot encode (lone surrogates from undecodable file names) as '?'."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8")
    return value


def open_sink(mode: str, output: str | None, echo: Callable[[str], None]) -> Sink:
    """The sink for a plan's mode: ``single``/``folder`` files, a ``stream``, or ``parquet``."""
    if mode == "stream":
        return StreamSink(output, echo)
    if mode == "parquet":
        assert output is not None
        return ParquetSink(output)
    return FileSink(echo)
