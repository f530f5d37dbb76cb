"""Resuming one output that holds many documents: a JSONL stream or a Parquet file.

A stream (``--format jsonl -o FILE.jsonl``) holds one line per document, each with its fingerprint in
``provenance.fingerprint``; a Parquet file (``-o FILE.parquet``) one row per document, with a
``fingerprint`` column. On a rerun, the previous file is indexed (fingerprint → where its document is);
an article whose fingerprint is there is not translated again, its document is copied into the new
output, which replaces the old file atomically at the end, in input order like any run.

A run that stops early (a signal, an error that stops the run) must not lose what it did, nor what the
previous file held: ``salvage`` copies every previous document not yet copied or redone after the new
ones, and the new file replaces the old one. A rerun then finds all of them. With ``--force`` the
previous file is indexed for that salvage only: nothing is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class PreviousOutput:
    """The documents of the previous output file, by fingerprint; copied into a sink on demand."""

    def __init__(self, path: Path, force: bool = False):
        self.path = path
        self.force = force
        self.order: list[str | None] = []  # each previous document's fingerprint (None: it has none)
        self.docs: list[str | None] = []  # and its ``doc`` (the article it is of)
        self.where: dict[str, int] = {}  # fingerprint → its first position in ``order``
        self.done: set[int] = set()  # positions copied into the new output
        self.written: set[str] = set()  # fingerprints the new output holds (copied or made again)
        self.redone: set[str] = set()  # articles (``doc``) made again: their previous documents are stale

    @classmethod
    def open(cls, plan) -> PreviousOutput | None:
        """The plan's previous stream or Parquet file, if it has one, else None."""
        if plan.mode not in ("stream", "parquet") or not plan.output:
            return None
        path = Path(plan.output)
        if not path.is_file():
            return None
        kind = ParquetIndex if plan.mode == "parquet" else StreamIndex
        try:
            return kind(path, plan.force)
        except Exception:  # unreadable, or not what trpipe writes: nothing to resume from (it is replaced)
            return None

    def _add(self, print_: str | None, doc: str | None) -> None:
        if print_ is not None:
            self.where.setdefault(print_, len(self.order))
        self.order.append(print_)
        self.docs.append(doc)

    def has(self, print_: str) -> bool:
        """Whether the previous output holds a current document with this fingerprint (never with --force)."""
        return not self.force and print_ in self.where

    def copy(self, print_: str, sink) -> bool:
        """Write the previous document with fingerprint ``print_`` into ``sink``; False when there is none."""
        if not self.has(print_):
            return False
        position = self.where[print_]
        self._write(position, sink)
        self.done.add(position)
        self.written.add(print_)
        return True

    def made(self, print_: str | None, doc: str | None) -> None:
        """A document of article ``doc`` with this fingerprint was made and written: the previous file's
        documents of that article are superseded."""
        if print_ is not None:
            self.written.add(print_)
        if doc is not None:
            self.redone.add(doc)

    def salvage(self, sink) -> int:
        """Copy every previous document not yet in the new output (after the new ones); return how many."""
        copied = 0
        for position, print_ in enumerate(self.order):
            if position in self.done or (print_ is not None and print_ in self.written):
                continue
            if self.docs[position] is not None and self.docs[position] in self.redone:
                continue  # the article was translated again in this run
            if print_ is not None and self.where[print_] != position:
                continue  # a second copy of the same document
            self._write(position, sink)
            self.done.add(position)
            copied += 1
        return copied

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


class StreamIndex(PreviousOutput):
    """Where each document's line is in the previous JSONL stream."""

    def __init__(self, path: Path, force: bool = False):
        super().__init__(path, force)
        self.places: list[tuple[int, int]] = []
        self.handle: Any = path.open("rb")
        offset = 0
        for line in self.handle:
            if line.strip() and (line.endswith(b"\n") or _is_json(line)):  # not a cut last line
                self._add(*_identity(line))
                self.places.append((offset, len(line)))
            offset += len(line)

    def _write(self, position: int, sink) -> None:
        start, size = self.places[position]
        self.handle.seek(start)
        line = self.handle.read(size).decode("utf-8", "replace")
        sink.write(None, line if line.endswith("\n") else line + "\n")

    def close(self) -> None:
        self.handle.close()


class ParquetIndex(PreviousOutput):
    """Where each document's row is in the previous Parquet file (read one row group at a time)."""

    def __init__(self, path: Path, force: bool = False):
        from trpipe.render.parquet import import_pyarrow, parquet_schema

        super().__init__(path, force)
        pa, pq = import_pyarrow()
        self.file = pq.ParquetFile(str(path))
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
