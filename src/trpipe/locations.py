"""Where a segment sits in the original document: the ``location`` object of a segment, and its label.

A location is a JSON object whose ``format`` names the reader; the other keys depend on it (every index
is 1-based, as a reader would count them):

    text       line
    markdown   path ("md:L12"), line
    html       path (the element's XPath in the page)
    docx, odt  part (the package member), where (body, table, header, footer, footnote, endnote, textbox,
               comment), paragraph (the paragraph's index among the part's paragraphs, in document order),
               table, row, cell (in a table), note (a footnote's or endnote's id)
    pptx       part, slide, shape (the shape's id), shape_name, paragraph (in the shape), notes (true for
               the speaker notes)
    epub       part (the chapter's file), spine (its place in the reading order), path (the element's
               XPath in the chapter), paragraph (its index among the chapter's text blocks)
    pdf        page (the first), boxes: [{page, bbox: [x0, y0, x1, y1]}] one per line, in PDF points from
               the page's lower-left corner

``label`` turns one into words for people ("p. 3", "slide 2", "table 1, row 2, cell 3").
"""

from __future__ import annotations

from typing import Any

FORMATS = ("text", "markdown", "html", "docx", "odt", "pptx", "epub", "pdf")


def label(location: dict[str, Any] | None) -> str:
    """A short human label of ``location`` ("p. 3", "slide 2, Title 1", "footnote 2"); "" when unknown."""
    if not isinstance(location, dict):
        return ""
    fmt = location.get("format")
    if fmt == "pdf":
        pages = sorted({b.get("page") for b in location.get("boxes") or [] if isinstance(b, dict)} - {None})
        if len(pages) > 1:
            return f"pp. {pages[0]}–{pages[-1]}"
        return f"p. {location.get('page')}" if location.get("page") is not None else ""
    if fmt == "pptx":
        parts = [f"slide {location.get('slide')}"]
        if location.get("notes"):
            parts.append("notes")
        elif location.get("shape_name"):
            parts.append(str(location["shape_name"]))
        return ", ".join(parts)
    if fmt in ("docx", "odt"):
        return _office_label(location)
    if fmt == "epub":
        spine = location.get("spine")
        return f"chapter {spine}" if spine is not None else str(location.get("part") or "")
    if fmt in ("text", "markdown"):
        return f"line {location['line']}" if location.get("line") is not None else ""
    if fmt == "html":
        return str(location.get("path") or "")
    return ""


def _office_label(location: dict[str, Any]) -> str:
    where = location.get("where") or "body"
    if location.get("table") is not None:
        return f"table {location['table']}, row {location.get('row')}, cell {location.get('cell')}"
    if where in ("footnote", "endnote"):
        return f"{where} {location.get('note', '')}".strip()
    if where in ("header", "footer", "textbox", "comment"):
        return f"{where} ({location.get('part')})" if where in ("header", "footer") else where
    return f"paragraph {location.get('paragraph')}"


def describe(location: dict[str, Any] | None) -> str:
    """A one-line description for notes (XLIFF, TMX): the label and the precise keys."""
    if not isinstance(location, dict):
        return ""
    keys = ", ".join(f"{k}={v}" for k, v in location.items() if k not in ("format", "boxes"))
    boxes = location.get("boxes") or []
    if boxes:
        keys += ", boxes=" + "; ".join(
            f"p{b.get('page')} [{', '.join(f'{v:g}' for v in b.get('bbox', []))}]" for b in boxes if isinstance(b, dict)
        )
    return f"{location.get('format')}: {label(location)} ({keys})"
