"""Samples of every kind of input no reader takes (``trpipe.read.sniff.KNOWN_KINDS``), as raw bytes."""

from __future__ import annotations

import io
import zipfile


def _zip(members: dict[str, bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _odf(mimetype: str) -> bytes:
    return _zip({"mimetype": mimetype.encode(), "content.xml": b"<x/>", "META-INF/manifest.xml": b"<m/>"})


_PAD = b"\x00" * 64
SAMPLES: dict[str, bytes] = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _PAD,
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + _PAD,
    "gif": b"GIF89a\x01\x00\x01\x00" + _PAD,
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + _PAD,
    "tiff": b"II*\x00\x08\x00\x00\x00" + _PAD,
    "bmp": b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00" + _PAD,
    "ico": b"\x00\x00\x01\x00\x01\x00\x10\x10" + _PAD,
    "svg": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>Bonjour</text></svg>\n',
    "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + _PAD,
    "mp3": b"ID3\x03\x00\x00\x00\x00\x00\x00" + _PAD,
    "flac": b"fLaC\x00\x00\x00\x22" + _PAD,
    "ogg": b"OggS\x00\x02" + _PAD,
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + _PAD,
    "avi": b"RIFF\x24\x00\x00\x00AVI LIST" + _PAD,
    "mp4": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00" + _PAD,
    "matroska": b"\x1aE\xdf\xa3\x9fB\x86\x81\x01" + _PAD,
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + _PAD,
    "bzip2": b"BZh91AY&SY" + _PAD,
    "xz": b"\xfd7zXZ\x00\x00\x04" + _PAD,
    "zstd": b"\x28\xb5\x2f\xfd\x00\x58" + _PAD,
    "7z": b"7z\xbc\xaf\x27\x1c\x00\x04" + _PAD,
    "rar": b"Rar!\x1a\x07\x01\x00" + _PAD,
    "tar": b"article.txt".ljust(257, b"\x00") + b"ustar\x0000" + _PAD,
    "zip-damaged": b"PK\x03\x04" + b"\x14\x00" + _PAD,
    "zip": _zip({"article.txt": b"Le conseil a vote le budget.", "photo.jpg": b"\xff\xd8\xff"}),
    "xlsx": _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
    "ods": _odf("application/vnd.oasis.opendocument.spreadsheet"),
    "odp": _odf("application/vnd.oasis.opendocument.presentation"),
    "odf-other": _odf("application/vnd.oasis.opendocument.graphics"),
    "ole": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "WordDocument".encode("utf-16-le"),
    "encrypted-office": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "EncryptedPackage".encode("utf-16-le"),
    "rtf": b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Le conseil a vot\\'e9 le budget.}\n",
    "elf": b"\x7fELF\x02\x01\x01\x00" + _PAD,
    "exe": b"MZ\x90\x00\x03\x00\x00\x00" + _PAD,
    "macho": b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + _PAD,
    "java-class": b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + _PAD,
    "wasm": b"\x00asm\x01\x00\x00\x00" + _PAD,
    "sqlite": b"SQLite format 3\x00\x10\x00\x01\x01" + _PAD,
    "font": b"wOFF\x00\x01\x00\x00" + _PAD,
    "feed": b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Actu</title></channel></rss>\n',
    "xml": b'<?xml version="1.0"?>\n<catalogue><livre>Le conseil</livre></catalogue>\n',
    "odf-flat": b"<?xml version='1.0'?>\n<office:document xmlns:office='urn:oasis:names:tc:opendocument:"
    b"xmlns:office:1.0'><office:body/></office:document>\n",
    "mobi": b"\x00" * 60 + b"BOOKMOBI" + _PAD,
}
