"""EPUB e-books written back in their own format (``--format epub``, ``-o book.en.epub``).

Each translated segment's location (chapter file and block index, ``trpipe.read.epub``) finds its element
again by the reader's walk; the element's own text is replaced by the translation, its inline elements
(``b``, ``i``, ``em``, ``strong``, ``a`` links, ``span`` classes...) rebuilt around the words they stand on
(``trpipe.render.runs``); nested blocks (a list inside an item), images and line breaks' neighbours are
kept. The book's structure is untouched: the container, the package document's manifest and spine, the
navigation (its entries translated where a heading's text is theirs), stylesheets, fonts and images (copied
byte for byte). The package document gets the target language and the translated title; each chapter's
``lang``/``xml:lang`` says the target language. With ``bilingual``, each block is followed by a copy of it
holding its translation (``class="trpipe-translation"``, ``lang`` the target), ids dropped.
"""

from __future__ import annotations

from typing import Any

from trpipe.read.blocks import squash
from trpipe.read.epub import OPF, chapter_root, local, spine, text_elements
from trpipe.read.package import Package
from trpipe.records import Document
from trpipe.render.markup import describe_markup, rewrite, twin
from trpipe.render.office import (
    Writer,
    WriteReport,
    languages,
    require_format,
    retitle,
    translation_of,
    write_package,
    write_parts,
    xml_bytes,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PROVENANCE_MEMBER = "META-INF/trpipe-provenance.json"


def _key(location: dict[str, Any]) -> tuple[str, int] | None:
    if location.get("format") != "epub" or not location.get("part") or not isinstance(location.get("paragraph"), int):
        return None
    return location["part"], location["paragraph"]


def render_epub(document: Document, bilingual: bool = False) -> bytes:
    source = document.source
    package = Package(require_format(document, "epub", "EPUB books"), source.path, "EPUB e-book")
    opf, opf_root, chapters, notes = spine(package)

    class _Book:  # the package as write_parts sees it: chapters parsed as the reader parses them
        def has(self, part: str) -> bool:
            return part in chapters

        def xml(self, part: str):
            return chapter_root(package, part, [])

    def walk(root, part):
        return (((part, i), el) for i, el in enumerate(text_elements(root), start=1))

    langs = languages(document, "EPUB", bilingual)
    writer = Writer("epub", _key, walk, rewrite, twin, describe=describe_markup)
    lookup = _headings(document, langs[0])
    replaced, report = _write_chapters(document, _Book(), writer, bilingual, lookup)
    if notes:
        report.notes.append("the book did not validate: " + "; ".join(notes))
    replaced[opf] = _package_document(document, opf_root, bilingual)
    for part in _navigation(opf, opf_root, package):
        if part not in replaced:
            replaced[part] = _relabel(package.xml(part, recover=True), lookup)
    return write_package(document, source.original, replaced, report, PROVENANCE_MEMBER)


def _write_chapters(document, book, writer, bilingual, lookup) -> tuple[dict[str, bytes], WriteReport]:
    replaced, report = write_parts(document, book, writer, bilingual)
    for part in list(replaced):
        replaced[part] = _chapter_bytes(replaced[part], document, bilingual, lookup)
    return replaced, report


def _chapter_bytes(data: bytes, document: Document, bilingual: bool, lookup: dict[str, str]) -> bytes:
    """The chapter with the target language declared and its head's title translated (not when bilingual:
    each translation says its own). A chapter that was not well-formed (read as HTML) is written well-formed."""
    from lxml import etree

    if bilingual:
        return data
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    for title in (el for el in root.iter() if local(el.tag) == "title" and len(el) == 0):
        title.text = lookup.get(squash(title.text or ""), title.text)
    root.set("lang", document.target_lang)
    if root.get(XML_LANG) is not None or root.nsmap.get(None) == "http://www.w3.org/1999/xhtml":
        root.set(XML_LANG, document.target_lang)
    return xml_bytes(root)


def _headings(document: Document, lang: str) -> dict[str, str]:
    out = {}
    for segment in document.segments:
        if segment.kind in ("title", "heading"):
            text = translation_of(document, segment, lang)
            if text:
                out[segment.text] = text
    return out


def _package_document(document: Document, root, bilingual: bool) -> bytes:
    metadata = root.find(f"{{{OPF}}}metadata")
    if metadata is not None and not bilingual:
        retitle(document, metadata)
    return xml_bytes(root)


def _navigation(opf: str, root, package: Package) -> list[str]:
    """The navigation document (EPUB 3) and the NCX (EPUB 2) of the book, as package members."""
    import posixpath

    base = posixpath.dirname(opf)
    out = []
    for item in root.iter(f"{{{OPF}}}item"):
        nav = "nav" in (item.get("properties") or "").split()
        if nav or item.get("media-type") == "application/x-dtbncx+xml":
            path = posixpath.normpath(posixpath.join(base, (item.get("href") or "").split("#", 1)[0]))
            if package.has(path):
                out.append(path)
    return out


def _relabel(root, lookup: dict[str, str]) -> bytes:
    """Navigation entries whose text is a translated heading's, translated."""
    for element in root.iter():
        if not isinstance(element.tag, str) or local(element.tag) not in ("a", "span", "text"):
            continue
        if len(element) == 0 and element.text and squash(element.text) in lookup:
            element.text = lookup[squash(element.text)]
    return xml_bytes(root)
