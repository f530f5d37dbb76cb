"""Resuming a JSONL stream: the documents of the previous stream that are still current are copied over.

A stream (``--format jsonl -o FILE.jsonl``) holds one line per document, each with its fingerprint in
``provenance.fingerprint``. On a rerun, the previous file is indexed (fingerprint → where its line is);
an article whose fingerprint is there is not translated again, its line is copied into the new stream,
which replaces the old file atomically at the end, in input order like any run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class StreamIndex:
    """Where each fingerprint's line is in the previous stream file."""

    def __init__(self, path: Path):
        self.path = path
        self.where: dict[str, tuple[int, int]] = {}
        self.handle: Any = path.open("rb")
        offset = 0
        for line in self.handle:
            found = _fingerprint(line)
            if found and line.endswith(b"\n"):
                self.where.setdefault(found, (offset, len(line)))
            offset += len(line)

    @classmethod
    def open(cls, plan) -> StreamIndex | None:
        """The index of the plan's previous stream, if it has one to resume from (not with --force)."""
        if plan.force or not plan.output:
            return None
        path = Path(plan.output)
        if not path.is_file():
            return None
        try:
            return cls(path)
        except OSError:
            return None

    def has(self, print_: str) -> bool:
        return print_ in self.where

    def copy(self, print_: str, sink) -> bool:
        """Write the previous line with fingerprint ``print_`` into ``sink``; False when there is none."""
        place = self.where.get(print_)
        if place is None:
            return False
        self.handle.seek(place[0])
        sink.write(None, self.handle.read(place[1]).decode("utf-8", "replace"))
        return True

    def close(self) -> None:
        self.handle.close()


def _fingerprint(line: bytes) -> str | None:
    if b'"fingerprint"' not in line:
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    provenance = record.get("provenance") if isinstance(record, dict) else None
    value = provenance.get("fingerprint") if isinstance(provenance, dict) else None
    return value if isinstance(value, str) else None
