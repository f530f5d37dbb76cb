"""Word documents (.docx): every paragraph of the body, its tables and text boxes, the headers, footers,
footnotes and endnotes, each a block located by its part and paragraph index.

python-docx opens the package (it resolves the parts the document's relationships name); a package it
cannot open (a relationship to a part that is missing, a damaged content-types list) is read from its raw
XML parts instead, and the provenance says so. Paragraphs are walked with lxml in document order
(``part.iter(w:p)``), the order the writer (``trpipe.render.docx``) finds them again. Comments, deleted
text (tracked changes), field codes and the fallback copies of text boxes (``mc:Fallback``) are not body
text and are left out.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Iterator
from typing import Any

from trpipe.errors import InputError
from trpipe.read.blocks import build, paragraph_kind, squash
from trpipe.read.package import Package, library_refusal, library_version

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "wordprocessingml.document.main+xml"
_PART_KINDS = {  # content type suffix → where
    "wordprocessingml.header+xml": "header",
    "wordprocessingml.footer+xml": "footer",
    "wordprocessingml.footnotes+xml": "footnote",
    "wordprocessingml.endnotes+xml": "endnote",
}
_ORDER = {"body": 0, "header": 1, "footer": 2, "footnote": 3, "endnote": 4}


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _content_types(package: Package) -> dict[str, str]:
    """Part name (without the leading /) → content type, from [Content_Types].xml."""
    root = package.xml("[Content_Types].xml")
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "") for d in root.iter(f"{ns}Default")}
    types = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "") for o in root.iter(f"{ns}Override")}
    for name in package.names:
        if name not in types and "." in name:
            types[name] = defaults.get(name.rsplit(".", 1)[1].lower(), "")
    return types


def text_parts(package: Package, main_type: str, kinds: dict[str, str]) -> list[tuple[str, str]]:
    """``(part, where)`` of the parts holding text, the main part first: OOXML's content types say which."""
    try:
        types = _content_types(package)
    except InputError:
        types = {}
    main = [n for n, t in types.items() if t.endswith(main_type) and package.has(n)]
    if not main:
        main = [n for n in ("word/document.xml",) if package.has(n)]
    if not main:
        raise InputError(package.name, f"is a damaged {package.what}: it has no main document part")
    parts = [(main[0], "body")]
    for name, content_type in sorted(types.items()):
        for suffix, where in kinds.items():
            if content_type.endswith(suffix) and package.has(name):
                parts.append((name, where))
    return sorted(parts, key=lambda p: (_ORDER.get(p[1], 9), p[0]))


def _in_fallback(element) -> bool:
    return any(a.tag == f"{{{MC}}}Fallback" for a in element.iterancestors())


def own_paragraph(element, tag: str):
    """The nearest ancestor ``tag`` (a paragraph) of ``element``."""
    for ancestor in element.iterancestors():
        if ancestor.tag == tag:
            return ancestor
    return None


def paragraphs(root) -> list:
    """Every w:p of a part in document order, those of text boxes' fallback copies apart."""
    return [p for p in root.iter(w("p")) if not _in_fallback(p)]


TEXT_TAGS = (w("t"), w("tab"), w("br"), w("cr"), w("noBreakHyphen"), w("softHyphen"), w("sym"))


def text_of(el) -> str:
    """The text one of a run's ``TEXT_TAGS`` children stands for: tabs and breaks as spaces."""
    tag = el.tag
    if tag == w("t"):
        return el.text or ""
    if tag in (w("tab"), w("br"), w("cr")):
        return " "
    if tag == w("noBreakHyphen"):
        return "-"
    if tag == w("sym") and el.get(w("char")):
        with contextlib.suppress(ValueError):
            return chr(int(el.get(w("char")), 16))
    return ""


def in_ruby_reading(element) -> bool:
    """Inside a ruby's reading (``w:rt``: furigana printed above its base), which is not body text."""
    nearest = next(element.iterancestors(w("rt"), w("p")), None)  # the paragraph comes first outside a ruby
    return nearest is not None and nearest.tag == w("rt")


def paragraph_text(p) -> str:
    """The paragraph's own text: runs' text, tabs and breaks as spaces; nested paragraphs, deleted text,
    field codes and ruby readings left out."""
    return "".join(
        text_of(el)
        for el in p.iter(*TEXT_TAGS)
        if own_paragraph(el, w("p")) is p and not _in_fallback(el) and not in_ruby_reading(el)
    )


def _kind(p, text: str, where: str) -> str:
    ppr = p.find(w("pPr"))
    style = ""
    if ppr is not None:
        pstyle = ppr.find(w("pStyle"))
        style = (pstyle.get(w("val")) or "").lower() if pstyle is not None else ""
        if ppr.find(w("numPr")) is not None and where == "body":
            return "list_item"
    if style == "title":
        return "title"
    if style.startswith(("heading", "titre", "berschrift", "subtitle")):
        return "heading"
    if style.startswith("caption") or style.startswith("légende"):
        return "caption"
    if "list" in style and where == "body":
        return "list_item"
    return paragraph_kind(text)


def _table_cell(p, tables: dict) -> dict[str, int] | None:
    """table (in the part), row and cell (1-based) of a paragraph in a table cell, the innermost table."""
    cell = own_paragraph(p, w("tc"))
    if cell is None:
        return None
    row = cell.getparent()
    table = row.getparent()
    return {
        "table": tables[table],
        "row": [r for r in table if r.tag == w("tr")].index(row) + 1,
        "cell": [c for c in row if c.tag == w("tc")].index(cell) + 1,
    }


def blocks_of_part(root, part: str, where: str, fmt: str = "docx") -> Iterator[tuple[str, str, None, dict]]:
    """``(text, kind, None, location)`` for every paragraph with text of one part."""
    tables = {t: i for i, t in enumerate((t for t in root.iter(w("tbl")) if not _in_fallback(t)), start=1)}
    for index, p in enumerate(paragraphs(root), start=1):
        text = paragraph_text(p)
        if not squash(text):
            continue
        location: dict[str, Any] = {"format": fmt, "part": part, "where": where, "paragraph": index}
        note = own_paragraph(p, w("footnote")) if where == "footnote" else own_paragraph(p, w("endnote"))
        if where in ("footnote", "endnote") and note is not None:
            if note.get(w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            location["note"] = note.get(w("id"), "")
        cell = _table_cell(p, tables)
        if cell:
            location.update(cell)
        elif where == "body" and own_paragraph(p, w("txbxContent")) is not None:
            location["where"] = "textbox"
        yield text, _kind(p, text, where) if where == "body" else paragraph_kind(text), None, location


def read_docx(data: bytes, name: str) -> tuple[Any, dict[str, Any]]:
    """The document's text and blocks (``Extracted``) and what the reader did (for the provenance)."""
    package = Package(data, name, "Word document (.docx)")
    problem = library_refusal(data, "docx", "Document", "python-docx")
    parts = text_parts(package, _MAIN, _PART_KINDS)
    blocks: list[tuple] = []
    for part, where in parts:
        blocks.extend(blocks_of_part(package.xml(part), part, where))
    meta: dict[str, Any] = {"library": library_version("python-docx") + " (package), lxml (paragraphs)"}
    if problem:
        meta["fallback"] = f"{problem}: read from the raw XML parts"
    core = "docProps/core.xml"
    if package.has(core):
        meta.update(core_properties(package.xml(core)))
    extracted = build(blocks, meta)
    if not extracted.blocks:
        raise InputError(name, "is a Word document with no text (only images or empty paragraphs?)")
    return extracted, meta


def core_properties(root) -> dict[str, str]:
    """Title, author and date from an OOXML core-properties part."""
    found = {}
    for el in root:
        local = el.tag.rsplit("}", 1)[-1]
        key = {"title": "title", "creator": "author", "created": "date", "language": "language"}.get(local)
        if key and el.text and el.text.strip():
            found[key] = el.text.strip()
    return found


def rels_target(part: str, target: str) -> str:
    """A relationship target resolved against its source part (``word/document.xml`` + ``media/a.png``)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target)).lstrip("/")
