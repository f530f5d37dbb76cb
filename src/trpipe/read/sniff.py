"""What an input is, from its content first (magic bytes, the members of a zip) and its name second.

``sniff`` returns a :class:`StreamInfo` (markitdown's shape: mimetype, extension, charset, url, plus the
``kind`` found in the bytes). The readers' ``accepts`` look at it; what no reader takes is named by
``KNOWN_KINDS`` (an image, an archive, a legacy Office file, an encrypted document...) with what to do
instead, so that nothing binary is ever translated as text.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

HEAD = 8192  # bytes looked at for magic numbers and markup

# kind -> (what it is, in words; what to do instead). Kinds a reader takes have no advice.
KNOWN_KINDS: dict[str, tuple[str, str]] = {
    "png": ("a PNG image", "trpipe reads text, not images: run OCR (e.g. tesseract) and give it the text"),
    "jpeg": ("a JPEG image", "trpipe reads text, not images: run OCR (e.g. tesseract) and give it the text"),
    "gif": ("a GIF image", "trpipe reads text, not images: run OCR (e.g. tesseract) and give it the text"),
    "webp": ("a WebP image", "trpipe reads text, not images: run OCR (e.g. tesseract) and give it the text"),
    "tiff": ("a TIFF image", "trpipe reads text, not images: run OCR (e.g. tesseract) and give it the text"),
    "bmp": ("a BMP image", "trpipe reads text, not images: run OCR (e.g. tesseract) and give it the text"),
    "ico": ("an icon image", "trpipe reads text, not images"),
    "svg": ("an SVG image", "trpipe reads articles, not drawings: give it the article's text or web page"),
    "heic": ("a HEIF/HEIC image", "trpipe reads text, not images: run OCR (e.g. tesseract) and give it the text"),
    "mp3": ("an MP3 audio file", "trpipe reads text: transcribe the audio first (e.g. whisper)"),
    "flac": ("a FLAC audio file", "trpipe reads text: transcribe the audio first (e.g. whisper)"),
    "ogg": ("an Ogg audio/video file", "trpipe reads text: transcribe it first (e.g. whisper)"),
    "wav": ("a WAV audio file", "trpipe reads text: transcribe the audio first (e.g. whisper)"),
    "avi": ("an AVI video", "trpipe reads text: transcribe the video first (e.g. whisper)"),
    "mp4": ("an MP4/QuickTime video or audio file", "trpipe reads text: transcribe it first (e.g. whisper)"),
    "matroska": ("a Matroska/WebM video", "trpipe reads text: transcribe the video first (e.g. whisper)"),
    "gzip": ("a gzip-compressed file", "decompress it (gunzip) and give trpipe the file inside"),
    "bzip2": ("a bzip2-compressed file", "decompress it (bunzip2) and give trpipe the file inside"),
    "xz": ("an xz-compressed file", "decompress it (unxz) and give trpipe the file inside"),
    "zstd": ("a Zstandard-compressed file", "decompress it (unzstd) and give trpipe the file inside"),
    "7z": ("a 7-Zip archive", "unpack it and give trpipe the files inside (or their folder)"),
    "rar": ("a RAR archive", "unpack it and give trpipe the files inside (or their folder)"),
    "tar": ("a tar archive", "unpack it (tar -xf) and give trpipe the folder"),
    "zip": ("a ZIP archive", "unpack it and give trpipe the files inside (or their folder)"),
    "zip-damaged": ("a damaged or truncated ZIP file", "copy or download it again"),
    "xlsx": ("an Excel spreadsheet (.xlsx)", "trpipe translates articles, not spreadsheets: export the text"),
    "ods": ("an OpenDocument spreadsheet", "trpipe translates articles, not spreadsheets: export the text"),
    "odp": ("an OpenDocument presentation", "save it as .pptx (LibreOffice: File > Save As) and give trpipe that"),
    "odf-other": ("an OpenDocument file that is not a text document", "save it as .odt or .docx"),
    "ole": (
        "a legacy Microsoft Office file (.doc, .xls or .ppt, 97-2003)",
        "save it as .docx or .pptx (Word/LibreOffice: Save As) and give trpipe that",
    ),
    "encrypted-office": (
        "a password-protected Office document",
        "remove the password (Word: File > Info > Protect Document) and save it again",
    ),
    "rtf": ("a Rich Text Format (RTF) file", "save it as .docx or .txt and give trpipe that"),
    "elf": ("an executable program (ELF)", "trpipe reads documents, not programs"),
    "exe": ("a Windows executable or DLL", "trpipe reads documents, not programs"),
    "macho": ("a macOS executable", "trpipe reads documents, not programs"),
    "java-class": ("a compiled Java class or Mach-O binary", "trpipe reads documents, not programs"),
    "wasm": ("a WebAssembly module", "trpipe reads documents, not programs"),
    "sqlite": ("an SQLite database", "export the articles as text or JSON Lines ({id, text} records)"),
    "font": ("a font file", "trpipe reads documents, not fonts"),
    "feed": ("an RSS or Atom feed", "pass it with --feed FILE_OR_URL: each entry becomes an article"),
    "odf-flat": ("a flat OpenDocument file (.fodt, .fods, .fodp)", "save it as .odt or .docx and give trpipe that"),
    "xml": ("a generic XML file (no web page, feed or document format)", "give trpipe the article's text or page"),
    "mobi": ("a Kindle/Mobipocket e-book", "convert it to EPUB (e.g. Calibre) and give trpipe that"),
    "pdf": ("a PDF document", ""),
    "docx": ("a Word document (.docx)", ""),
    "odt": ("an OpenDocument text (.odt)", ""),
    "pptx": ("a PowerPoint presentation (.pptx)", ""),
    "epub": ("an EPUB e-book", ""),
    "html": ("a web page", ""),
    "markdown": ("a Markdown file", ""),
    "text": ("a text file", ""),
    "jsonl": ("a JSON Lines file", ""),
}

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "epub": "application/epub+zip",
    "html": "text/html",
    "markdown": "text/markdown",
    "text": "text/plain",
    "jsonl": "application/jsonl",
    "rtf": "application/rtf",
    "zip": "application/zip",
    "feed": "application/rss+xml",
}
_MIME_KINDS = {mime: kind for kind, mime in MIMETYPES.items()}
_MIME_KINDS.update(
    {
        "application/xhtml+xml": "html",
        "application/atom+xml": "feed",
        "application/rdf+xml": "feed",
        "application/x-pdf": "pdf",
        "text/rtf": "rtf",
        "application/msword": "ole",
        "application/vnd.ms-powerpoint": "ole",
        "application/vnd.ms-excel": "ole",
        "application/x-ndjson": "jsonl",
        "application/x-gzip": "gzip",
        "application/gzip": "gzip",
    }
)

# Name suffixes, for what the content cannot tell (text formats) and for folder runs.
SUFFIX_KINDS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".mkd": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".pdf": "pdf",
    ".docx": "docx",
    ".docm": "docx",
    ".odt": "odt",
    ".pptx": "pptx",
    ".pptm": "pptx",
    ".epub": "epub",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".gif": "gif",
    ".webp": "webp",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".bmp": "bmp",
    ".svg": "svg",
    ".heic": "heic",
    ".mp3": "mp3",
    ".wav": "wav",
    ".flac": "flac",
    ".ogg": "ogg",
    ".mp4": "mp4",
    ".mov": "mp4",
    ".mkv": "matroska",
    ".webm": "matroska",
    ".avi": "avi",
    ".zip": "zip",
    ".gz": "gzip",
    ".tgz": "gzip",
    ".bz2": "bzip2",
    ".xz": "xz",
    ".zst": "zstd",
    ".7z": "7z",
    ".rar": "rar",
    ".tar": "tar",
    ".xlsx": "xlsx",
    ".ods": "ods",
    ".odp": "odp",
    ".doc": "ole",
    ".xls": "ole",
    ".ppt": "ole",
    ".rtf": "rtf",
    ".exe": "exe",
    ".dll": "exe",
    ".so": "elf",
    ".class": "java-class",
    ".wasm": "wasm",
    ".sqlite": "sqlite",
    ".db": "sqlite",
    ".ttf": "font",
    ".otf": "font",
    ".woff": "font",
    ".woff2": "font",
    ".rss": "feed",
    ".atom": "feed",
    ".mobi": "mobi",
    ".azw3": "mobi",
}

_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "pdf"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"GIF87a", "gif"),
    (0, b"GIF89a", "gif"),
    (0, b"II*\x00", "tiff"),
    (0, b"MM\x00*", "tiff"),
    (0, b"\x00\x00\x01\x00", "ico"),
    (0, b"ID3", "mp3"),
    (0, b"\xff\xfb", "mp3"),
    (0, b"\xff\xf3", "mp3"),
    (0, b"fLaC", "flac"),
    (0, b"OggS", "ogg"),
    (0, b"\x1aE\xdf\xa3", "matroska"),
    (0, b"\x1f\x8b", "gzip"),
    (0, b"BZh", "bzip2"),
    (0, b"\xfd7zXZ\x00", "xz"),
    (0, b"\x28\xb5\x2f\xfd", "zstd"),
    (0, b"7z\xbc\xaf\x27\x1c", "7z"),
    (0, b"Rar!\x1a\x07", "rar"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (0, b"{\\rtf", "rtf"),
    (0, b"\x7fELF", "elf"),
    (0, b"\xcf\xfa\xed\xfe", "macho"),
    (0, b"\xce\xfa\xed\xfe", "macho"),
    (0, b"\xfe\xed\xfa\xcf", "macho"),
    (0, b"\xca\xfe\xba\xbe", "java-class"),
    (0, b"\x00asm", "wasm"),
    (0, b"SQLite format 3\x00", "sqlite"),
    (0, b"wOFF", "font"),
    (0, b"wOF2", "font"),
    (0, b"OTTO", "font"),
    (0, b"\x00\x01\x00\x00\x00", "font"),
    (60, b"BOOKMOBI", "mobi"),
    (257, b"ustar", "tar"),
)
_PDF_LATE = re.compile(rb"%PDF-\d")  # some writers put a few bytes (a BOM, junk) before the header
_FEED = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
_HTML = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.S | re.I)
_SVG = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s+svg[^>]*>\s*)?<svg\b", re.S | re.I)
_XML = re.compile(rb"^\s*<\?xml\b")
_FLAT_ODF = re.compile(rb"<office:document[\s>]")


@dataclass(frozen=True)
class StreamInfo:
    """What is known of one input: its name, and what its content and name say it is.

    ``kind`` is what the bytes show (``pdf``, ``docx``, ``zip``, ``png``...; ``None`` for text, whose format
    the name or the markup tells); ``extension`` comes from the name (or the URL's path), ``mimetype`` from
    the content, else the server, else the name; ``charset`` what a server declared; ``url`` the address a
    page was fetched from.
    """

    name: str
    kind: str | None = None
    extension: str = ""
    mimetype: str | None = None
    charset: str | None = None
    url: str | None = None

    @property
    def named_kind(self) -> str | None:
        """The kind the name's suffix suggests."""
        return SUFFIX_KINDS.get(self.extension)

    def describe(self) -> str:
        """``a PNG image``: what the input is, in words."""
        kind = self.kind or self.named_kind or "text"
        return KNOWN_KINDS.get(kind, (f"a {kind} file", ""))[0]

    def with_(self, **changes) -> StreamInfo:
        return replace(self, **changes)


def _zip_kind(data: bytes) -> str:
    """docx, pptx, xlsx, odt, epub... from the members of a zip (``zip`` for another archive)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 200:
                    mimetype = archive.read("mimetype").strip()
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError, EOFError):
        return "zip-damaged"
    if mimetype == b"application/epub+zip" or (
        not mimetype and "META-INF/container.xml" in names and any(n.endswith(".opf") for n in names)
    ):
        return "epub"
    if mimetype.startswith(b"application/vnd.oasis.opendocument."):
        sub = mimetype.rsplit(b".", 1)[-1]
        return {b"text": "odt", b"presentation": "odp", b"spreadsheet": "ods"}.get(sub, "odf-other")
    if "[Content_Types].xml" in names or any(n.startswith(("word/", "ppt/", "xl/")) for n in names):
        if "word/document.xml" in names or any(n.startswith("word/") for n in names):
            return "docx"
        if "ppt/presentation.xml" in names or any(n.startswith("ppt/") for n in names):
            return "pptx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    if "content.xml" in names and "META-INF/manifest.xml" in names:
        return "odt"
    return "zip"


def content_kind(data: bytes) -> str | None:
    """The kind the bytes show by their magic numbers or markup; None for (apparently) plain text."""
    head = data[:HEAD]
    for offset, magic, kind in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if kind == "ole" and "EncryptedPackage".encode("utf-16-le") in data:
                return "encrypted-office"
            if kind == "font" and magic == b"\x00\x01\x00\x00\x00" and b"\x00" not in head[5:12]:
                continue
            if kind == "ico" and len(head) > 6 and head[4] == 0 and head[5] == 0:
                continue  # an icon holds at least one image
            return kind
    if head[:2] == b"MZ" and b"\x00" in head[2:64]:
        return "exe"
    if head[:4] == b"PK\x03\x04" or head[:4] == b"PK\x05\x06":
        return _zip_kind(data)
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}.get(head[8:12])
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "heic" if brand in (b"heic", b"heix", b"mif1", b"msf1") else "mp4"
    if head[:2] == b"BM" and len(head) > 14 and head[6:10] == b"\x00\x00\x00\x00":
        return "bmp"
    if _PDF_LATE.search(head[:1024]):
        return "pdf"
    text_head = _ascii_view(head)
    if _FEED.match(text_head):
        return "feed"
    if _HTML.match(text_head):
        return "html"
    if _SVG.match(text_head):
        return "svg"
    if _XML.match(text_head):
        return "odf-flat" if _FLAT_ODF.search(text_head) else "xml"
    return None


def _ascii_view(head: bytes) -> bytes:
    """The head as single bytes: UTF-16 text (with or without its BOM) reduced to its ASCII, the BOM dropped."""
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) > 3 and (head[1] == 0) != (head[0] == 0)):
        try:
            bom = head[:2] in (b"\xff\xfe", b"\xfe\xff")
            encoding = "utf-16" if bom else ("utf-16-le" if head[1] == 0 else "utf-16-be")
            return head[: len(head) // 2 * 2].decode(encoding, "ignore").encode("ascii", "ignore")
        except (UnicodeDecodeError, LookupError):
            return head
    return head


def extension_of(name: str) -> str:
    """The lower-case suffix of a file name or a URL's path (``.docx``), ``""`` when it has none."""
    path = name.split("?", 1)[0].split("#", 1)[0]
    return PurePosixPath(path.replace("\\", "/")).suffix.lower()


def sniff(
    data: bytes, name: str, *, mimetype: str | None = None, charset: str | None = None, url: str | None = None
) -> StreamInfo:
    """What ``data`` (read from ``name``; ``mimetype``/``charset`` as a server declared them) is."""
    kind = content_kind(data)
    declared = (mimetype or "").split(";", 1)[0].strip().lower() or None
    guessed = MIMETYPES.get(kind or "") or declared or MIMETYPES.get(SUFFIX_KINDS.get(extension_of(url or name), ""))
    if kind is None and declared in _MIME_KINDS and _MIME_KINDS[declared] not in ("text", "jsonl"):
        kind = _MIME_KINDS[declared] if _MIME_KINDS[declared] in ("html", "markdown", "feed") else None
    return StreamInfo(
        name=name,
        kind=kind,
        extension=extension_of(url if url and not extension_of(name) else name),
        mimetype=guessed,
        charset=charset,
        url=url,
    )


def kind_of_name(name: str) -> str | None:
    """The kind a file name's suffix suggests (``report.pdf`` → pdf), for folder runs."""
    return SUFFIX_KINDS.get(extension_of(name))


def is_xml(data: bytes) -> bool:
    return bool(_XML.match(_ascii_view(data[:HEAD])))
