"""OpenDocument text (.odt): the body's paragraphs and headings, tables, frames and text boxes, footnotes and
endnotes, and the master pages' headers and footers, each a block located by its part and paragraph index.

The package is read with lxml (``content.xml``, ``styles.xml``), safely (``trpipe.read.package``); paragraphs
are ``text:p`` and ``text:h`` in document order, the order the writer (``trpipe.render.odt``) finds them
again. Annotations (comments), tracked deletions and a note's citation mark are not body text.
"""

from __future__ import annotations

from typing import Any

from trpipe.errors import InputError
from trpipe.read.blocks import build, paragraph_kind, squash
from trpipe.read.package import Package

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
DC = "http://purl.org/dc/elements/1.1/"
META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"


def t(tag: str) -> str:
    return f"{{{TEXT}}}{tag}"


PARAGRAPH_TAGS = (t("p"), t("h"))
_SKIP = {f"{{{OFFICE}}}annotation", f"{{{OFFICE}}}annotation-end", t("tracked-changes"), t("note-citation")}
_SKIP_SUBTREE = {
    f"{{{OFFICE}}}annotation",
    t("tracked-changes"),
    t("note-citation"),
    t("note-body"),
    t("ruby-text"),
}  # fmt: skip  (ruby-text: a reading printed above its base, not text)


def _skipped(element) -> bool:
    return any(a.tag in _SKIP for a in element.iterancestors())


def paragraphs(root) -> list:
    """Every text:p / text:h of a part in document order, those inside annotations and deletions apart."""
    return [p for p in root.iter(*PARAGRAPH_TAGS) if not _skipped(p)]


def paragraph_text(p) -> str:
    """A paragraph's own text: spans, links, spaces (text:s), tabs and line breaks; nested paragraphs (frames,
    notes) and annotations left out."""
    out: list[str] = []

    def walk(element) -> None:
        if element.text:
            out.append(element.text)
        for child in element:
            tag = child.tag
            if tag in PARAGRAPH_TAGS or tag in _SKIP_SUBTREE or tag == f"{{{DRAW}}}frame" or not isinstance(tag, str):
                pass
            elif tag == t("s"):
                out.append(" " * int(child.get(t("c"), "1") or 1))
            elif tag in (t("tab"), t("line-break")):
                out.append(" ")
            elif tag == t("note"):
                pass
            else:
                walk(child)
            if child.tail:
                out.append(child.tail)

    walk(p)
    return "".join(out)


def _where(p, part: str) -> tuple[str, dict[str, Any]]:
    extra: dict[str, Any] = {}
    for ancestor in p.iterancestors():
        tag = ancestor.tag
        if tag == t("note"):
            kind = ancestor.get(t("note-class"), "footnote")
            extra["note"] = ancestor.get(f"{{{TEXT}}}id") or ancestor.get(
                "{http://www.w3.org/XML/1998/namespace}id", ""
            )
            return ("endnote" if kind == "endnote" else "footnote"), extra
        if tag in (f"{{{STYLE}}}header", f"{{{STYLE}}}header-first", f"{{{STYLE}}}header-left"):
            return "header", extra
        if tag in (f"{{{STYLE}}}footer", f"{{{STYLE}}}footer-first", f"{{{STYLE}}}footer-left"):
            return "footer", extra
        if tag == f"{{{DRAW}}}text-box":
            return "textbox", extra
    return "body", extra


def _table_cell(p, tables: dict) -> dict[str, int] | None:
    cell = next((a for a in p.iterancestors() if a.tag == f"{{{TABLE}}}table-cell"), None)
    if cell is None:
        return None
    row = cell.getparent()
    table = next(a for a in row.iterancestors() if a.tag == f"{{{TABLE}}}table")
    rows = [r for r in table.iter(f"{{{TABLE}}}table-row") if next(r.iterancestors(f"{{{TABLE}}}table")) is table]
    return {
        "table": tables[table],
        "row": rows.index(row) + 1,
        "cell": [c for c in row if c.tag == f"{{{TABLE}}}table-cell"].index(cell) + 1,
    }


def _kind(p, text: str, where: str) -> str:
    if where != "body":
        return paragraph_kind(text)
    if p.tag == t("h"):
        return (
            "title"
            if (p.get(t("outline-level")) or "1") == "1" and "title" in (p.get(t("style-name")) or "").lower()
            else "heading"
        )
    style = (p.get(t("style-name")) or "").lower()
    if style == "title":
        return "title"
    if style.startswith(("heading", "subtitle")):
        return "heading"
    if any(a.tag == t("list-item") for a in p.iterancestors()):
        return "list_item"
    return paragraph_kind(text)


def blocks_of_part(root, part: str) -> list[tuple[str, str, None, dict]]:
    tables = {tb: i for i, tb in enumerate(root.iter(f"{{{TABLE}}}table"), start=1)}
    found = []
    for index, p in enumerate(paragraphs(root), start=1):
        text = paragraph_text(p)
        if not squash(text):
            continue
        where, extra = _where(p, part)
        location: dict[str, Any] = {"format": "odt", "part": part, "where": where, "paragraph": index, **extra}
        cell = _table_cell(p, tables)
        if cell:
            location.update(cell)
        found.append((text, _kind(p, text, where), None, location))
    return found


def read_odt(data: bytes, name: str) -> tuple[Any, dict[str, Any]]:
    package = Package(data, name, "OpenDocument text (.odt)")
    if not package.has("content.xml"):
        raise InputError(name, "is a damaged OpenDocument text: it has no content.xml")
    content = package.xml("content.xml")
    blocks = [b for b in blocks_of_part(content, "content.xml") if b[3]["where"] not in ("footnote", "endnote")]
    notes = [b for b in blocks_of_part(content, "content.xml") if b[3]["where"] in ("footnote", "endnote")]
    if package.has("styles.xml"):
        styles = package.xml("styles.xml")
        masters = styles.find(f"{{{OFFICE}}}master-styles")
        if masters is not None:
            blocks += [b for b in blocks_of_part(styles, "styles.xml") if b[3]["where"] in ("header", "footer")]
    blocks += notes
    meta: dict[str, Any] = {"library": "lxml (OpenDocument XML)"}
    if package.has("meta.xml"):
        for el in package.xml("meta.xml").iter(
            f"{{{DC}}}title", f"{{{DC}}}creator", f"{{{DC}}}date", f"{{{DC}}}language"
        ):
            key = {"title": "title", "creator": "author", "date": "date", "language": "language"}[
                el.tag.rsplit("}", 1)[1]
            ]
            if el.text and el.text.strip():
                meta[key] = el.text.strip()
    extracted = build(blocks, meta)
    if not extracted.blocks:
        raise InputError(name, "is an OpenDocument text with no text (only images or empty paragraphs?)")
    return extracted, meta
