"""Zip packages (DOCX, ODT, PPTX, EPUB) opened safely: bounded decompression, XML never resolving entities.

Every package is checked before any library sees it: a damaged or truncated zip, an encrypted member, too
many members, or a member whose declared size or compression ratio is that of a zip bomb is refused with
a one-line reason; reads are bounded by the declared sizes (``zipfile`` stops there). XML parts are parsed
by lxml with entities unresolved, no DTD loaded, no network, and a part that declares entities (the
vehicle of external-entity and entity-expansion attacks) is refused rather than parsed.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from trpipe.errors import InputError

MAX_MEMBERS = 20_000
MAX_TOTAL = 512 * 1024 * 1024  # bytes unpacked, all members together
MAX_MEMBER = 256 * 1024 * 1024
MAX_RATIO = 200  # unpacked / packed, for members larger than RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024
_ENTITY = re.compile(rb"<!ENTITY", re.I)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[|>)", re.I)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


class Package:
    """A zip package whose members can be read within bounds and whose XML parts parse safely."""

    def __init__(self, data: bytes, name: str, what: str):
        self.name, self.what = name, what
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(name, f"is a damaged or truncated {what} (not a complete ZIP package: {exc})") from None
        if len(infos) > MAX_MEMBERS:
            raise InputError(name, f"is a {what} of {len(infos)} parts, more than {MAX_MEMBERS}: refused")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise InputError(
                    name, f"is an encrypted {what} (its part {info.filename} needs a password): remove the password"
                )
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_MEMBER or (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
                raise InputError(
                    name,
                    f"is a zip bomb: its part {info.filename} would unpack to {_size(info.file_size)} from "
                    f"{_size(info.compress_size)} (ratio {ratio:.0f}); refused",
                )
        if total > MAX_TOTAL:
            raise InputError(name, f"is a zip bomb: it would unpack to {_size(total)}, more than {_size(MAX_TOTAL)}")
        self.names = [info.filename for info in infos]
        self._set = set(self.names)

    def has(self, member: str) -> bool:
        return member in self._set

    def read(self, member: str) -> bytes:
        """A member's bytes (at most its declared size; a damaged member is an InputError)."""
        try:
            return self.zip.read(member)
        except KeyError:
            raise InputError(self.name, f"is a damaged {self.what}: its part {member} is missing") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise InputError(self.name, f"is a damaged or truncated {self.what}: its part {member} ({exc})") from None

    def xml(self, member: str, *, recover: bool = False) -> Any:
        """A member parsed as XML (lxml root element), safely; see ``parse_xml``."""
        return parse_xml(self.read(member), self.name, member, recover=recover)


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


_NAMED = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_OWN = {b"amp", b"lt", b"gt", b"quot", b"apos"}


def numbered_entities(data: bytes) -> bytes:
    """HTML's named entities (``&nbsp;``, ``&eacute;``: XHTML 1.1 books and many feeds use them, defined by a
    DTD no parser here loads) as character references, so they are text rather than dropped or an error."""
    from html.entities import name2codepoint

    def number(found: re.Match) -> bytes:
        name = found.group(1)
        code = name2codepoint.get(name.decode("ascii"))
        return found.group(0) if code is None or name in _XML_OWN else b"&#%d;" % code

    return _NAMED.sub(number, data) if b"&" in data else data


def parse_xml(data: bytes, name: str, member: str, *, recover: bool = False, html: bool = False) -> Any:
    """XML bytes → lxml root element, with entities never resolved, no DTD or network access, bounded depth.

    A document that declares entities (``<!ENTITY``) is refused: no trpipe format needs them, and they are
    how external-entity (XXE) and entity-expansion ("billion laughs") attacks are carried.
    """
    from lxml import etree

    doctype = _DOCTYPE.search(data[: 1 << 16])
    if doctype and _ENTITY.search(data, doctype.start(), 1 << 20):
        raise InputError(
            name,
            f"its part {member} declares XML entities (external entities or entity expansion, an attack "
            f"vector); trpipe never resolves them and refuses the document",
        )
    if html:
        from lxml import html as lxml_html

        from trpipe.read.decode import declared_encoding, detect_encoding, page_charset

        # decoded here: lxml reads bytes that declare no charset as Latin-1 (EPUB's default is UTF-8)
        encoding = declared_encoding(data, page_charset(data), "utf-8")  # its own charset, else UTF-8
        text = data.decode(encoding) if encoding else detect_encoding(data, f"{name}: {member}")[1]
        parser = lxml_html.HTMLParser(no_network=True, remove_comments=False)
        try:
            return lxml_html.document_fromstring(_XML_DECLARATION.sub("", text.lstrip("\ufeff"), 1), parser=parser)
        except (etree.ParserError, ValueError) as exc:
            raise InputError(name, f"its part {member} is not readable HTML ({exc})") from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, recover=recover
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(name, f"its part {member} is not well-formed XML ({' '.join(str(exc).split())})") from None
    if root is None:
        raise InputError(name, f"its part {member} is empty or not XML")
    return root


def library_version(module: str) -> str:
    """``name version`` of an installed library, for provenance."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{module} {version(module)}"
    except PackageNotFoundError:
        return module


def library_refusal(data: bytes, module: str, opener: str, distribution: str) -> str | None:
    """None when the library ``module`` (pip ``distribution``) opens the package with ``module.<opener>``, else why
    not: the reader then reads the raw parts itself, and says so in the provenance."""
    import importlib
    import io

    try:
        library = importlib.import_module(module)
    except ImportError:
        return f"{distribution} is not installed"
    try:
        getattr(library, opener)(io.BytesIO(data))
    except Exception as exc:  # a library's failure on a damaged package: we read the raw parts
        return f"{distribution} could not open it ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"
    return None
