"""Reading JSON files a user gives trpipe (documents, JSONL streams of them): one plain InputError for a file
that cannot be read, is binary, endless or too large, is not UTF-8, is not JSON or nests too deeply."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from trpipe.errors import InputError

MAX_READ_BYTES = 1 << 30  # a JSON file or JSONL stream larger than this (or endless: /dev/zero) is refused


def json_kind(value: Any) -> str:
    """What a JSON value is, in JSON's words (an array, a string, null), for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def _read_text(name: str) -> str:
    """The UTF-8 text of a JSON file (a BOM is allowed); InputError for a file that cannot be read, a
    binary one (JSON never holds a NUL byte: /dev/zero stops at once), one over MAX_READ_BYTES, or bytes
    that are not UTF-8."""
    chunks: list[bytes] = []
    size = 0
    try:
        with open(name, "rb") as handle:
            while chunk := handle.read(1 << 20):
                if b"\0" in chunk:
                    raise InputError(name, "looks like a binary file (it contains NUL bytes), not JSON")
                size += len(chunk)
                if size > MAX_READ_BYTES:
                    raise InputError(name, f"is larger than {MAX_READ_BYTES >> 20} MiB, more than a JSON document")
                chunks.append(chunk)
    except OSError as exc:
        raise InputError(name, f"cannot read it ({exc.strerror or exc})") from None
    data = b"".join(chunks)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(name, f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); JSON is UTF-8") from None


def _loads(name: str, text: str, where: str = "") -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(name, f"{where}nested too deeply to be a trpipe document") from None


def read_documents(path: str | os.PathLike) -> Iterator[tuple[str, Any]]:
    """``(label, document)`` for a JSON file (one document) or a JSONL stream (one document a line)."""
    name = os.fspath(path)
    text = _read_text(name)
    try:
        yield "", _loads(name, text)
        return
    except json.JSONDecodeError as whole:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if len(lines) < 2:
            raise InputError(name, f"not JSON ({whole.msg} at line {whole.lineno} column {whole.colno})") from None
    for number, line in lines:
        try:
            yield f"line {number}", _loads(name, line, f"line {number}: ")
        except json.JSONDecodeError as exc:
            raise InputError(name, f"line {number} is not JSON ({exc.msg} at column {exc.colno})") from None
