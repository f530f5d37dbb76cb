"""Resuming one output that holds many documents: a JSONL stream or a Parquet file.

A stream (``--format jsonl -o FILE.jsonl``) holds one line per document, each with its fingerprint in
``provenance.fingerprint``; a Parquet file (``-o FILE.parquet``) one row per document, with a
``fingerprint`` column. On a rerun, the previous file is indexed (fingerprint → where its document is);
an article whose fingerprint is there is not translated again, its document is copied into the new
output, which replaces the old file atomically at the end, in input order like any run.

A run that stops early (a signal, an error that stops the run) must not lose what it did, nor what the
previous file held: ``salvage`` copies every previous document not yet copied or redone after the new
ones, and the new file replaces the old one. A rerun then finds all of them. With ``--force`` the
previous file is indexed for that salvage only: nothing is skipped. A full disk stops the run with the
new file cut to its complete documents (``close_stopped`` says in the error how many it holds); where the
previous documents no longer fit beside them, the previous file is kept as it was instead.

A run killed outright (SIGKILL, a lost machine) cannot finish its file: its temporary file stays beside
the target, holding the complete lines it wrote. The next run takes them up: a JSONL stream's index also
reads the temporary files of dead runs of this machine (``sinks.stale_temporaries``), newest documents
first, and they are removed once the new file replaces the old one. (A Parquet file is only readable once
its footer is written: a killed Parquet run leaves the previous file as it was, and the rerun makes that
run's documents again.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def document_key(print_: str, doc: str | None) -> str:
    """How a previous document is found again: its fingerprint and its article (``doc``), since two articles
    with the same text (a syndicated story under two ids) have the same fingerprint."""
    return f"{print_}|{doc or ''}"


class PreviousOutput:
    """The documents of the previous output file, by ``document_key``; copied into a sink on demand."""

    def __init__(self, path: Path, force: bool = False):
        self.path = path
        self.force = force
        self.order: list[str | None] = []  # each previous document's key (None: it has no fingerprint)
        self.docs: list[str | None] = []  # and its ``doc`` (the article it is of)
        self.where: dict[str, int] = {}  # key → its first position in ``order``
        self.done: set[int] = set()  # positions copied into the new output
        self.written: set[str] = set()  # keys the new output holds (copied or made again)
        self.redone: set[str] = set()  # articles (``doc``) made again: their previous documents are stale
        self.kept: set[str] = set()  # articles (``doc``) whose previous document was copied

    @classmethod
    def open(cls, plan) -> PreviousOutput | None:
        """The plan's previous stream or Parquet file, if it has one, else None."""
        if plan.mode not in ("stream", "parquet") or not plan.output:
            return None
        from trpipe.engines.sinks import stale_temporaries
        from trpipe.paths import as_path

        path = as_path(plan.output)
        if plan.mode == "stream":
            files = [*reversed(stale_temporaries(path)), *([path] if path.is_file() else [])]
            return StreamIndex(files, plan.force) if files else None
        if not path.is_file():
            return None
        try:
            return ParquetIndex(path, plan.force)
        except Exception:  # unreadable, or not what trpipe writes: nothing to resume from (it is replaced)
            return None

    def _add(self, print_: str | None, doc: str | None) -> None:
        key = None if print_ is None else document_key(print_, doc)
        if key is not None:
            self.where.setdefault(key, len(self.order))
        self.order.append(key)
        self.docs.append(doc)

    def has(self, key: str) -> bool:
        """Whether the previous output holds a current document with this ``document_key`` (never with --force)."""
        return not self.force and key in self.where

    def copy(self, key: str, sink) -> bool:
        """Write the previous document with this ``document_key`` into ``sink``; False when there is none."""
        if not self.has(key):
            return False
        position = self.where[key]
        self._write(position, sink)
        self.done.add(position)
        self.written.add(key)
        if self.docs[position] is not None:
            self.kept.add(self.docs[position])
        return True

    def made(self, print_: str | None, doc: str | None) -> None:
        """A document of article ``doc`` with this fingerprint was made and written: the previous file's
        documents of that article are superseded."""
        if print_ is not None:
            self.written.add(document_key(print_, doc))
        if doc is not None:
            self.redone.add(doc)

    def salvage(self, sink) -> int:
        """Copy every previous document not yet in the new output (after the new ones); return how many."""
        copied = 0
        for position, key in enumerate(self.order):
            if position in self.done or (key is not None and key in self.written):
                continue
            doc = self.docs[position]
            if doc is not None and (doc in self.redone or doc in self.kept):
                continue  # the article was translated again in this run, or one of its documents copied
            if key is not None and self.where[key] != position:
                continue  # a second copy of the same document
            self._write(position, sink)
            self.done.add(position)
            if doc is not None:
                self.kept.add(doc)  # a killed run's newer document of the article comes first: the only one
            copied += 1
        return copied

    def __len__(self) -> int:
        """How many documents the previous file itself holds."""
        return len(self.order)

    def _write(self, position: int, sink) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def salvage(previous: PreviousOutput | None, sink, report) -> bool:
    """Whether a stream or Parquet file stopped early is kept: when it holds new documents, completed with
    the previous file's documents it does not hold yet (a rerun then resumes from all of them)."""
    from trpipe.engines.sinks import ParquetSink, StreamSink

    if not isinstance(sink, (StreamSink, ParquetSink)) or sink.target is None or not report.ok:
        return False
    try:
        if previous is not None:
            previous.salvage(sink)
    except Exception:  # the disk that stopped the run, say: the previous file stays as it was
        return False
    return True


def close_stopped(previous: PreviousOutput | None, sink, report, exc: BaseException) -> None:
    """Close the output of a run that ``exc`` stopped: kept when it holds new documents completed with the
    previous file's others (``salvage``), else the previous file stays as it was. When a write stopped the
    run (a full disk, a file too large), ``exc``'s message then says what the file holds, so that the user
    knows what a rerun resumes after."""
    from trpipe.engines.sinks import ParquetSink, StreamSink
    from trpipe.errors import OutputError, shown

    kept = salvage(previous, sink, report)
    try:
        if isinstance(sink, ParquetSink):  # its last rows reach the disk now: all of them, or keep the previous
            sink.close(keep=kept, stopped=True, whole=previous is not None)
        else:
            sink.close(keep=kept, stopped=True)
    except OutputError:
        sink.close(keep=False, stopped=True)
    kept = bool(getattr(sink, "replaced", False))
    write_error = isinstance(exc, OutputError) and getattr(exc, "errno", None) is not None
    if not (write_error and isinstance(sink, (StreamSink, ParquetSink))):
        return
    if sink.target is None:
        return
    name = shown(sink.target)
    if kept:
        exc.message += (
            f"; {name} holds the {sink.records} complete document(s) written before it stopped: free some space "
            "and run again to resume after them"
        )
    elif previous is not None and sink.target.exists():
        exc.message += (
            f"; {name} is kept as it was, with {len(previous)} document(s): free some space and run again to "
            "resume after them"
        )
    else:
        exc.message += f"; no complete document was written, so {name} was not made"


class StreamIndex(PreviousOutput):
    """Where each document's line is in the previous JSONL stream, and in the temporary files that killed
    runs left (given first, newest first: their documents are the newer ones)."""

    def __init__(self, paths: list[Path], force: bool = False):
        super().__init__(paths[-1], force)
        self.places: list[tuple[int, int, int]] = []  # (file, offset, size)
        self.handles: list[Any] = []
        self.in_target = 0  # documents in the previous file itself (the others are killed runs')
        try:
            for path in paths:
                try:
                    handle = path.open("rb")
                except OSError:  # gone meanwhile, or unreadable: nothing to take from it
                    continue
                self.handles.append(handle)
                offset = 0
                for line in handle:
                    if line.strip() and (line.endswith(b"\n") or _is_json(line)):  # not a cut last line
                        self._add(*_identity(line))
                        self.places.append((len(self.handles) - 1, offset, len(line)))
                        self.in_target += path == self.path
                    offset += len(line)
        except BaseException:
            self.close()
            raise

    def _write(self, position: int, sink) -> None:
        which, start, size = self.places[position]
        handle = self.handles[which]
        handle.seek(start)
        line = handle.read(size).decode("utf-8", "replace")
        sink.write(None, line if line.endswith("\n") else line + "\n")

    def __len__(self) -> int:
        return self.in_target

    def close(self) -> None:
        for handle in self.handles:
            handle.close()


class ParquetIndex(PreviousOutput):
    """Where each document's row is in the previous Parquet file (read one row group at a time)."""

    def __init__(self, path: Path, force: bool = False):
        from trpipe.render.parquet import import_pyarrow, parquet_schema

        super().__init__(path, force)
        from trpipe.remote import is_remote

        pa, pq = import_pyarrow()
        self.handle = path.open("rb") if is_remote(path) else None
        self.file = pq.ParquetFile(self.handle if self.handle is not None else str(path))
        schema, current = self.file.schema_arrow, parquet_schema(pa)
        # A file of an older contract (fewer columns or struct fields: before segment locations) still resumes:
        # its rows are read as documents and written in the current schema.
        self.upgrade = not schema.equals(current)
        if self.upgrade and not {"fingerprint", "doc", "source", "segments"} <= set(schema.names):
            raise ValueError(f"{path}: not the Parquet schema of this trpipe")
        self.rows: list[tuple[int, int]] = []  # (row group, row in it)
        for group in range(self.file.num_row_groups):
            table = self.file.read_row_group(group, columns=["fingerprint", "doc"])
            prints, docs = table.column(0).to_pylist(), table.column(1).to_pylist()
            for row, (value, doc) in enumerate(zip(prints, docs)):
                self._add(value if isinstance(value, str) else None, doc if isinstance(doc, str) else None)
                self.rows.append((group, row))
        self._cached: tuple[int, Any] | None = None

    def _write(self, position: int, sink) -> None:
        group, row = self.rows[position]
        if self._cached is None or self._cached[0] != group:
            self._cached = (group, self.file.read_row_group(group))
        values = self._cached[1].slice(row, 1).to_pylist()[0]
        if self.upgrade:
            from trpipe.render.parquet import parquet_document, parquet_row

            values = parquet_row(parquet_document(values))
        sink.write_row(values)

    def close(self) -> None:
        self._cached = None
        self.file.close()
        if self.handle is not None:
            self.handle.close()


def _identity(line: bytes) -> tuple[str | None, str | None]:
    """``(fingerprint, doc)`` of a JSONL line (None where it has none)."""
    if b'"fingerprint"' not in line:
        return None, None
    try:
        record = json.loads(line)
    except ValueError:
        return None, None
    if not isinstance(record, dict):
        return None, None
    provenance, doc = record.get("provenance"), record.get("doc")
    value = provenance.get("fingerprint") if isinstance(provenance, dict) else None
    return (value if isinstance(value, str) else None), (doc if isinstance(doc, str) else None)


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
