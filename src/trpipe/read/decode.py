"""Decoding: bytes from a file or stdin to text, with the encoding detected and the BOM dropped.

Line endings are kept exactly as they are, because every offset in the output refers to this text.
"""

from __future__ import annotations

import codecs
import hashlib
import sys
import unicodedata
from pathlib import Path

from trpipe.errors import InputError
from trpipe.records import Source

STDIN = "-"
STDIN_NAME = "<stdin>"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte encodings that charset-normalizer confuses with each other on short Western European texts;
# for those we decide between Windows-1252 and Latin-1 ourselves.
_WESTERN = {
    "cp1250",
    "cp1252",
    "cp1254",
    "cp1257",
    "latin_1",
    "iso8859_2",
    "iso8859_9",
    "iso8859_15",
    "iso8859_16",
    "mac_roman",
    "mac_latin2",
    "cp850",
    "cp437",
    "ascii",
}
_TEXT_CONTROLS = {"\t", "\n", "\r", "\f", "\v"}


def _read_limited(handle, name: str, max_bytes: int | None) -> bytes:
    if max_bytes is None:
        return handle.read()
    data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(name, f"is larger than the size limit of {_size(max_bytes)} (--max-bytes to change it)")
    return data


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n} bytes"


def read_bytes(path: str, max_bytes: int | None = None) -> bytes:
    """Read raw bytes from ``path`` or stdin (``-``), turning OS errors into one-line InputErrors.

    Reading stops after ``max_bytes`` (an InputError): a huge file or an endless stream is refused.
    """
    if path == STDIN:
        return _read_limited(sys.stdin.buffer, STDIN_NAME, max_bytes)
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(path, "is a directory, not a file")
        with p.open("rb") as handle:
            return _read_limited(handle, path, max_bytes)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except MemoryError:
        raise InputError(path, "is too large to be read into memory") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte-order mark: NUL in every other byte of mostly-Latin text."""
    if len(data) < 4 or len(data) % 2:
        return None
    for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if zeros.count(0) > 0.6 * len(zeros):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return encoding, text
    return None


def detect_encoding(data: bytes, name: str) -> tuple[str, str]:
    """Return ``(encoding_name, text)`` for ``data``; raise InputError for binary or undecodable data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(
                    name, f"starts with a {encoding} byte-order mark but is not valid {encoding}"
                ) from None
            return encoding, text.lstrip("\ufeff")
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise InputError(name, "looks like a binary file (it contains NUL bytes), not text")
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(name, "looks like a binary file: no text encoding decodes it")
    encoding = best.encoding
    if encoding in _WESTERN:
        # Bytes 0x80-0x9F are printable in Windows-1252 and control codes in Latin-1.
        has_c1 = any(0x80 <= b <= 0x9F for b in data)
        try:
            return ("windows-1252" if has_c1 else "iso-8859-1"), data.decode("cp1252" if has_c1 else "latin-1")
        except UnicodeDecodeError:
            return "iso-8859-1", data.decode("latin-1")
    return encoding, str(best)


def decode_source(data: bytes, name: str, encoding: str | None = None, strict_encoding: bool = False) -> Source:
    """Decode ``data`` (read from ``name``) into a Source, checking that it is a non-empty text."""
    if not data:
        raise InputError(name, "is empty")
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(name, f"cannot be decoded as {encoding} ({exc})") from None
        text = text.lstrip("\ufeff")
    else:
        encoding, text = detect_encoding(data, name)
    if not text.strip():
        raise InputError(name, "contains only whitespace")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS)
    if controls > max(2, len(text) // 100):
        raise InputError(name, f"looks like a binary file ({controls} control characters), not text")
    return Source(
        path=name,
        text=text,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
    )
