"""EPUB e-books: the chapters in reading order (the OPF spine), each chapter's text blocks (headings,
paragraphs, list items, table cells, captions, quotes) located by chapter file, spine position and the
element's XPath.

Read with ``zipfile`` and lxml, safely (``trpipe.read.package``): META-INF/container.xml names the package
document (OPF), whose spine orders the chapters. A book that fails validation still gives its text: a
missing container falls back to the first .opf, a missing spine to the manifest's XHTML files, a chapter
that is not well-formed XML is parsed as HTML, and a spine entry naming a missing file (or ``#fragment``
links) is skipped; the provenance lists each fallback.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import unquote

from trpipe.errors import InputError
from trpipe.read.blocks import build, paragraph_kind, squash
from trpipe.read.package import Package, numbered_entities, parse_xml

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "figcaption", "caption",
              "blockquote", "pre", "div", "section", "article", "aside", "header", "footer", "title"}  # fmt: skip
_SKIP = {"script", "style", "head", "nav", "svg", "math", "template", "rt", "rp"}  # rt, rp: ruby annotations
_KIND = {"h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading",
         "li": "list_item", "dt": "list_item", "figcaption": "caption", "caption": "caption"}  # fmt: skip


def local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def own_text(element) -> str:
    """An element's text without its nested blocks (a nested list in an item is a block of its own)."""
    parts = [element.text or ""]
    for child in element:
        name = local(child.tag)
        if name == "br":
            parts.append(" ")
        elif name and name not in BLOCK_TAGS and name not in _SKIP:
            parts.append(own_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def text_elements(root) -> list:
    """The chapter's block elements that hold text of their own, in document order."""
    found = []
    body = next((el for el in root.iter() if local(el.tag) == "body"), root)
    for el in body.iter():
        name = local(el.tag)
        if name not in BLOCK_TAGS or any(local(a.tag) in _SKIP for a in el.iterancestors()):
            continue
        if squash(own_text(el)):
            found.append(el)
    return found


def _container(package: Package) -> tuple[str, list[str]]:
    notes: list[str] = []
    if package.has("META-INF/container.xml"):
        try:
            root = package.xml("META-INF/container.xml", recover=True)
            for el in root.iter():
                if local(el.tag) == "rootfile" and el.get("full-path") and package.has(el.get("full-path")):
                    return el.get("full-path"), notes
        except InputError as exc:
            notes.append(f"container unreadable ({exc.reason})")
    opf = next((n for n in package.names if n.lower().endswith(".opf")), None)
    if opf is None:
        raise InputError(package.name, "is a damaged EPUB: it has no package document (.opf)")
    notes.append(f"no usable META-INF/container.xml: read {opf}")
    return opf, notes


def spine(package: Package) -> tuple[str, Any, list[str], list[str]]:
    """``(opf path, opf root, chapter files in reading order, fallbacks taken)``."""
    opf, notes = _container(package)
    root = package.xml(opf, recover=True)
    base = posixpath.dirname(opf)
    manifest = {}
    for item in root.iter(f"{{{OPF}}}item"):
        href = unquote((item.get("href") or "").split("#", 1)[0])
        manifest[item.get("id")] = (posixpath.normpath(posixpath.join(base, href)), item.get("media-type", ""))
    chapters = []
    for ref in root.iter(f"{{{OPF}}}itemref"):
        path, _media = manifest.get(ref.get("idref"), (None, ""))
        if path is None or not package.has(path):
            notes.append(f"spine entry {ref.get('idref')} names no file in the book: skipped")
            continue
        chapters.append(path)
    if not chapters:
        chapters = [p for p, media in manifest.values() if "html" in media and package.has(p)]
        notes.append("no usable spine: chapters taken from the manifest")
    return opf, root, list(dict.fromkeys(chapters)), notes


def chapter_root(package: Package, part: str, notes: list[str]):
    data = numbered_entities(package.read(part))
    try:
        return parse_xml(data, package.name, part)
    except InputError as exc:
        if "declares XML entities" in exc.reason:
            raise
        notes.append(f"{part} is not well-formed XHTML: parsed as HTML")
        return parse_xml(data, package.name, part, html=True)


_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}


def _encrypted(package: Package) -> set[str]:
    """The members META-INF/encryption.xml says are encrypted (DRM), font obfuscation aside."""
    if not package.has("META-INF/encryption.xml"):
        return set()
    found = set()
    for data in package.xml("META-INF/encryption.xml", recover=True).iter():
        if local(data.tag) != "encrypteddata":
            continue
        method = next((el.get("Algorithm") for el in data.iter() if local(el.tag) == "encryptionmethod"), None)
        for ref in data.iter():
            if local(ref.tag) == "cipherreference" and ref.get("URI") and method not in _FONT_OBFUSCATION:
                found.add(posixpath.normpath(unquote(ref.get("URI")).lstrip("/")))
    return found


def read_epub(data: bytes, name: str) -> tuple[Any, dict[str, Any]]:
    package = Package(data, name, "EPUB e-book")
    _opf, opf_root, chapters, notes = spine(package)
    locked = _encrypted(package).intersection(chapters)
    if locked:
        raise InputError(
            name,
            f"is a DRM-protected EPUB ({len(locked)} of {len(chapters)} chapters encrypted): trpipe cannot "
            f"read it; give it a DRM-free copy",
        )
    blocks: list[tuple] = []
    for number, part in enumerate(chapters, start=1):
        root = chapter_root(package, part, notes)
        tree = root.getroottree()
        for index, el in enumerate(text_elements(root), start=1):
            text = own_text(el)
            kind = _KIND.get(local(el.tag)) or paragraph_kind(squash(text))
            location = {"format": "epub", "part": part, "spine": number, "path": tree.getpath(el), "paragraph": index}
            blocks.append((text, kind, None, location))
    meta: dict[str, Any] = {"library": "zipfile, lxml", "chapters": len(chapters)}
    for el in opf_root.iter(f"{{{DC}}}title", f"{{{DC}}}creator", f"{{{DC}}}date", f"{{{DC}}}language"):
        key = {"title": "title", "creator": "author", "date": "date", "language": "language"}[local(el.tag)]
        if el.text and el.text.strip() and key not in meta:
            meta[key] = el.text.strip()
    if notes:
        meta["fallback"] = "; ".join(notes)
    extracted = build(blocks, meta)
    if not extracted.blocks:
        raise InputError(name, "is an EPUB with no text (only images?)")
    return extracted, meta
