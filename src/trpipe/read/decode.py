"""Decoding: bytes from a file or stdin to text, with the encoding detected and the BOM dropped.

Line endings are kept exactly as they are, because every offset in the output refers to this text.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trpipe.errors import InputError, UsageError, shown
from trpipe.records import Source

STDIN = "-"
STDIN_NAME = "<stdin>"
log = logging.getLogger("trpipe")

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
# Of those, the ones a text is read in when Windows-1252 reads it clearly worse (see _regional), most used
# first: Central European, Turkish.
_REGIONAL = ("cp1250", "iso8859_2", "cp1254")
# Control characters (Unicode category Cc) other than tab, line feed, vertical tab, form feed, carriage return.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


_CHUNK = 1 << 20


def _read_limited(handle, name: str, max_bytes: int | None) -> bytes:
    """Everything ``handle`` gives, in chunks (memory grows with what arrives, never with the limit), up to
    ``max_bytes``: one byte more is an InputError, so an endless stream ends there."""
    chunks: list[bytes] = []
    total = 0
    while True:
        want = _CHUNK if max_bytes is None else min(_CHUNK, max_bytes + 1 - total)
        chunk = handle.read(want)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if max_bytes is not None and total > max_bytes:
            raise InputError(name, _too_large(max_bytes))


def _too_large(max_bytes: int) -> str:
    return f"is larger than the size limit of {_size(max_bytes)} (--max-bytes to change it)"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n} bytes"


def read_bytes(path: str, max_bytes: int | None = None) -> bytes:
    """Read raw bytes from ``path`` or stdin (``-``), turning OS errors into one-line InputErrors.

    Reading stops after ``max_bytes`` (an InputError): a huge file or an endless stream is refused.
    """
    if path == STDIN:
        return _read_limited(sys.stdin.buffer, STDIN_NAME, max_bytes)
    from trpipe import remote

    if remote.is_remote(path):  # s3://... and the other object-storage URLs
        try:
            return remote.read_bytes(path, max_bytes)
        except OverflowError:
            raise InputError(path, _too_large(max_bytes or 0)) from None
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(path, "is a directory, not a file")
        with p.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if max_bytes is not None and stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
                raise InputError(path, _too_large(max_bytes))  # without reading it
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


@dataclass(frozen=True)
class Damage:
    """Invalid byte sequences met while decoding: how many, and the byte offset of the first."""

    count: int
    first: int

    def describe(self, encoding: str) -> str:
        plural = "s" if self.count != 1 else ""
        return f"{self.count} invalid {encoding} byte sequence{plural}, the first at byte {self.first}"


def _decode_replacing(data: bytes, encoding: str) -> tuple[str, Damage | None]:
    """``data`` decoded with undecodable sequences replaced by U+FFFD, and what was replaced."""
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as exc:
        first = exc.start
    text = data.decode(encoding, "replace")
    # Each maximal invalid sequence becomes one U+FFFD; U+FFFD already in the input is not counted.
    already = data.count("\ufffd".encode(encoding)) if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else 0
    return text, Damage(max(1, text.count("\ufffd") - already), first)


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _mostly_utf8(data: bytes) -> tuple[str, Damage] | None:
    """Text that is UTF-8 apart from a few bad bytes: more valid multi-byte characters than invalid sequences.

    A file in a legacy code page has (almost) no valid UTF-8 multi-byte sequence: each accented letter is
    one byte followed by ASCII, invalid in UTF-8. Such a file is left to the code-page detection.
    """
    text, damage = _decode_replacing(data, "utf-8")
    if damage is None:
        return None
    valid = _non_ascii(text) - text.count("\ufffd")
    if valid > 0 and valid >= damage.count:
        return text, damage
    return None


def bom_encoding(data: bytes) -> str | None:
    """The encoding ``data``'s byte-order mark names (UTF-8, -16 or -32), None without one."""
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


def detect_encoding(data: bytes, name: str) -> tuple[str, str]:
    """Return ``(encoding_name, text)`` for ``data``; raise InputError for binary or undecodable data.

    Text that is UTF-8 apart from a few invalid bytes is not handled here: see ``decode_source``.
    """
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
    regional = _regional(data) if encoding in _WESTERN else None
    if regional is not None:
        return regional, data.decode(regional)
    if encoding in _WESTERN:
        # Bytes 0x80-0x9F are printable in Windows-1252 and control codes in Latin-1.
        has_c1 = any(0x80 <= b <= 0x9F for b in data)
        try:
            return ("windows-1252" if has_c1 else "iso-8859-1"), data.decode("cp1252" if has_c1 else "latin-1")
        except UnicodeDecodeError:
            return "iso-8859-1", data.decode("latin-1")
    return encoding, str(best)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")


def page_charset(data: bytes) -> str | None:
    """The charset a page or XML document declares in its first 4 KB (``<meta charset>``, the XML
    declaration's ``encoding``), as written; None when it declares none."""
    found = _XML_ENCODING.match(data[:200]) or _META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def declared_encoding(data: bytes, *declared: str | None) -> str | None:
    """The first of the ``declared`` charsets (a server's, then the document's own) that the bytes bear out,
    as a codec name; None when none does (the encoding is then detected).

    A declaration is borne out when Python knows it and ``data`` decodes under it without error. Bytes that
    are valid UTF-8 and hold non-ASCII characters are UTF-8 whatever is declared (a server's default
    charset over a UTF-8 page: legacy text is practically never valid UTF-8). ISO-8859-1 and ASCII are read
    as Windows-1252 when the bytes use 0x80-0x9F, as browsers do (the WHATWG Encoding standard).
    """
    if not any(declared):
        return None
    try:
        data.decode("utf-8")
        if not data.isascii():
            return "utf-8"
    except UnicodeDecodeError:
        pass
    for charset in declared:
        try:
            codec = codecs.lookup(charset.strip()).name if charset else None
        except LookupError:
            continue
        if codec in ("latin-1", "iso8859-1", "ascii") and any(0x80 <= b <= 0x9F for b in data):
            codec = "cp1252"
        if codec is None or (codec in ("utf-16", "utf-32") and not bom_encoding(data)):
            continue  # UTF-16/32 of no stated byte order, without a byte-order mark: detection decides
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def _regional(data: bytes) -> str | None:
    """A Central European or Turkish code page when charset-normalizer reads ``data`` clearly better in it
    than in Windows-1252: Windows-1252 rejected (Polish ``przyjê³a``), or its reading more chaotic
    (symbols inside words) or clearly less like a language (Turkish). A tie stays Western: short French or
    German texts decode alike in several code pages. None when Western it is."""
    from charset_normalizer import from_bytes

    matches = {match.encoding: match for match in from_bytes(data, cp_isolation=["cp1252", *_REGIONAL])}
    others = [matches[name] for name in _REGIONAL if name in matches]
    if not others:
        return None
    best = min(others, key=lambda match: (match.chaos, -match.coherence))  # the first of equals: most used
    western = matches.get("cp1252")
    if western is None or western.chaos > best.chaos + 0.01 or western.coherence + 0.05 < best.coherence:
        return best.encoding
    return None


def _warn(message: str) -> None:
    log.warning("%s", message)


def decode_source(
    data: bytes,
    name: str,
    encoding: str | None = None,
    strict_encoding: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Source:
    """Decode ``data`` (read from ``name``) into a Source, checking that it is a non-empty text.

    Undecodable bytes (a UTF-8 file with a few bad bytes, or bytes invalid in ``encoding``) are replaced by
    U+FFFD and reported in one warning (``warn``, else the ``trpipe`` logger) with their count and the first
    position; with ``strict_encoding`` they are refused instead (an InputError).
    """
    if not data:
        raise InputError(name, "is empty")
    damage = None
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"--encoding {shown(encoding)}: not an encoding Python knows") from None
        text, damage = _decode_replacing(data, encoding)
        text = text.lstrip("\ufeff")
    else:
        mostly = None if b"\x00" in data or data.startswith(tuple(b for b, _ in _BOMS)) else _mostly_utf8(data)
        if mostly is not None:
            encoding, (text, damage) = "utf-8", mostly
        else:
            encoding, text = detect_encoding(data, name)
    if damage is not None:
        if strict_encoding:
            raise InputError(name, f"is not valid {encoding}: {damage.describe(encoding)} (--strict-encoding)")
        (warn or _warn)(
            f"{shown(name)}: read as {encoding} with {damage.describe(encoding)} replaced by U+FFFD "
            f"(--strict-encoding refuses such input)"
        )
    if not text.strip():
        raise InputError(name, "contains only whitespace")
    controls = len(_CONTROLS.findall(text))
    if controls > max(2, len(text) // 100):
        raise InputError(name, f"looks like a binary file ({controls} control characters), not text")
    return Source(
        path=name,
        text=text,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
    )
