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

from trpipe.errors import OutputError, shown

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


def remove_stale_temporaries(target: Path) -> None:
    """Temporary files for ``target`` left by runs of this machine whose process is gone."""
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    for stale in target.parent.glob(f".trpipe-{_name_hash(target)}-*.tmp"):
        parts = stale.name.split("-")
        if len(parts) < 5 or not parts[2].isdigit():
            continue
        pid, their_host = int(parts[2]), parts[3]
        if their_host == host and pid != os.getpid() and not _alive(pid):
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
    """Whether a write error concerns every later output too (disk full, quota, read-only filesystem)."""
    return getattr(exc, "errno", None) in STOPPING_ERRNOS


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

    def close(self, keep: bool) -> None:
        """Finish (``keep``) or throw away what is not written yet."""


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
    """One stream for many documents (JSONL): stdout, or a file replaced atomically when the run ends."""

    def __init__(self, output: str | None, echo: Callable[[str], None]):
        self.echo, self.handle, self.tmp = echo, None, None
        self.target = Path(output) if output else None
        if self.target is not None:
            check_writable(self.target)
            remove_stale_temporaries(self.target)
            self.tmp = temporary_path(self.target)
            try:
                fd = _create(self.tmp)
            except OSError as exc:
                raise _error(self.target, exc) from None
            # A name that is not valid Unicode (a file name's undecodable bytes) is written as U+FFFD or '?'.
            self.handle = os.fdopen(fd, "w", encoding="utf-8", errors="replace", newline="")

    def write(self, out: Path | None, text: str, document: dict[str, Any] | None = None) -> None:
        if self.handle is None:
            self.echo(text)
            return
        try:
            self.handle.write(text)
        except OSError as exc:
            assert self.target is not None
            raise _error(self.target, exc) from None

    def close(self, keep: bool) -> None:
        if self.handle is None or self.tmp is None or self.target is None:
            return
        handle, self.handle = self.handle, None
        try:
            if keep:
                handle.flush()
                os.fsync(handle.fileno())
            handle.close()
            if keep:
                os.chmod(self.tmp, file_mode())
                os.replace(self.tmp, self.target)
        except OSError as exc:
            if keep:
                raise _error(self.target, exc) from None
        finally:
            with contextlib.suppress(OSError):
                handle.close()
            _discard(self.tmp)


class ParquetSink(Sink):
    """One Parquet file, a row per article (see ``trpipe.render.parquet``), replaced atomically at the end."""

    def __init__(self, output: str, batch_rows: int = 256):
        from trpipe.render.parquet import import_pyarrow, parquet_row, parquet_schema

        pa, pq = import_pyarrow()
        self.pa, self.row, self.batch_rows = pa, parquet_row, batch_rows
        self.schema = parquet_schema(pa)
        self.target = Path(output)
        check_writable(self.target)
        remove_stale_temporaries(self.target)
        self.tmp = temporary_path(self.target)
        _LIVE.add(self.tmp)
        try:
            self.writer = pq.ParquetWriter(str(self.tmp), self.schema)
        except OSError as exc:
            _discard(self.tmp)
            raise _error(self.target, exc) from None
        self.pending: list[dict[str, Any]] = []

    def write(self, out: Path | None, text: str, document: dict[str, Any] | None = None) -> None:
        import json

        row = self.row(document if document is not None else json.loads(text))
        # A name that is not valid Unicode (a file name's undecodable bytes) is stored with '?' for them.
        self.write_row({key: valid_text(value) for key, value in row.items()})

    def write_row(self, row: dict[str, Any]) -> None:
        """A row as it is (one read back from a previous file of the same schema)."""
        self.pending.append(row)
        if len(self.pending) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            try:
                self.writer.write_table(self.pa.Table.from_pylist(self.pending, schema=self.schema))
            except OSError as exc:
                raise _error(self.target, exc) from None
            self.pending = []

    def close(self, keep: bool) -> None:
        try:
            if keep:
                self.flush()
            self.writer.close()
            if keep:
                os.chmod(self.tmp, file_mode())
                os.replace(self.tmp, self.target)
        except OSError as exc:
            if keep:
                raise _error(self.target, exc) from None
        finally:
            _discard(self.tmp)


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
