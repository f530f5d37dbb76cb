"""PowerPoint presentations (.pptx): every slide's shapes in order (groups opened, tables cell by cell), each
paragraph a block located by slide, shape and paragraph; then the slide's speaker notes.

python-pptx reads the package (the package is checked first: ``trpipe.read.package``); a presentation it
cannot open is read from the raw slide parts (``ppt/slides/slideN.xml``, in the presentation's order when it
can be read, else by number), and the provenance says so. The writer (``trpipe.render.pptx``) finds each
paragraph again by the same walk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from trpipe.errors import InputError
from trpipe.read.blocks import build, paragraph_kind, squash
from trpipe.read.package import Package, library_refusal, library_version

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"


def a(tag: str) -> str:
    return f"{{{A}}}{tag}"


def p_(tag: str) -> str:
    return f"{{{P}}}{tag}"


def paragraph_text(paragraph) -> str:
    """An a:p's text: its runs, fields and line breaks (as spaces)."""
    out = []
    for el in paragraph.iter(a("t"), a("br")):
        out.append(" " if el.tag == a("br") else (el.text or ""))
    return "".join(out)


def shape_paragraphs(sp_tree) -> Iterator[tuple[Any, dict[str, Any]]]:
    """``(a:p element, where)`` for every paragraph of a shape tree in document order: text bodies of shapes,
    groups opened, tables cell by cell. ``where`` holds shape (id), shape_name and table/row/cell."""
    for shape in sp_tree:
        tag = shape.tag
        if tag == p_("grpSp"):
            yield from shape_paragraphs(shape)
            continue
        props = shape.find(f".//{p_('cNvPr')}")
        where: dict[str, Any] = {}
        if props is not None:
            where = {"shape": int(props.get("id", "0") or 0), "shape_name": props.get("name", "")}
        if tag in (p_("sp"), p_("cxnSp")):
            body = shape.find(p_("txBody"))
            if body is not None:
                for paragraph in body.iter(a("p")):
                    yield paragraph, dict(where)
        elif tag == p_("graphicFrame"):
            for t_index, table in enumerate(shape.iter(a("tbl")), start=1):
                for r_index, row in enumerate(table.iter(a("tr")), start=1):
                    for c_index, cell in enumerate(row.iter(a("tc")), start=1):
                        for paragraph in cell.iter(a("p")):
                            yield paragraph, {**where, "table": t_index, "row": r_index, "cell": c_index}


def _placeholder(paragraph) -> str:
    for ancestor in paragraph.iterancestors(p_("sp")):
        ph = ancestor.find(f".//{p_('ph')}")
        return ph.get("type", "body") if ph is not None else ""
    return ""


def slide_blocks(root, part: str, slide: int, notes: bool = False) -> list[tuple]:
    tree = root.find(f"{p_('cSld')}/{p_('spTree')}")
    if tree is None:
        return []
    found = []
    counters: dict[int, int] = {}
    for paragraph, where in shape_paragraphs(tree):
        key = (where.get("shape"), where.get("table"), where.get("row"), where.get("cell"))
        counters[key] = counters.get(key, 0) + 1
        text = paragraph_text(paragraph)
        placeholder = _placeholder(paragraph)
        if notes and placeholder in ("sldNum", "sldImg", "hdr", "ftr", "dt"):
            continue
        if not squash(text):
            continue
        location: dict[str, Any] = {"format": "pptx", "part": part, "slide": slide, **where, "paragraph": counters[key]}
        if notes:
            location["notes"] = True
        if placeholder in ("title", "ctrTitle") and not notes:
            kind = "title" if slide == 1 else "heading"
        elif paragraph.find(f"{a('pPr')}") is not None and (paragraph.find(a("pPr")).get("lvl") or "0") != "0":
            kind = "list_item"
        else:
            kind = paragraph_kind(text)
        found.append((text, kind, None, location))
    return found


def _slide_parts(package: Package) -> list[tuple[str, str | None]]:
    """``(slide part, notes part or None)`` in the presentation's order (raw XML; python-pptx's when it opens)."""
    from trpipe.read.docx import rels_target

    order: list[str] = []
    try:
        pres = package.xml("ppt/presentation.xml")
        rels = package.xml("ppt/_rels/presentation.xml.rels")
        targets = {r.get("Id"): rels_target("ppt/presentation.xml", r.get("Target", "")) for r in rels}
        rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        order = [targets.get(s.get(rid), "") for s in pres.iter(p_("sldId"))]
    except InputError:
        pass
    order = [o for o in order if package.has(o)]
    if not order:
        slides = [n for n in package.names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        order = sorted(slides, key=lambda n: int(re.findall(r"\d+", n)[-1]))
    out = []
    for part in order:
        notes = None
        rels_name = part.replace("slides/", "slides/_rels/") + ".rels"
        if package.has(rels_name):
            try:
                for rel in package.xml(rels_name):
                    if rel.get("Type", "").endswith("/notesSlide"):
                        target = rels_target(part, rel.get("Target", ""))
                        notes = target if package.has(target) else None
            except InputError:
                notes = None
        out.append((part, notes))
    return out


def read_pptx(data: bytes, name: str) -> tuple[Any, dict[str, Any]]:
    package = Package(data, name, "PowerPoint presentation (.pptx)")
    problem = library_refusal(data, "pptx", "Presentation", "python-pptx")
    slides = _slide_parts(package)
    if not slides:
        raise InputError(name, "is a PowerPoint presentation with no slides")
    blocks: list[tuple] = []
    for number, (part, notes) in enumerate(slides, start=1):
        blocks += slide_blocks(package.xml(part), part, number)
        if notes:
            blocks += slide_blocks(package.xml(notes), notes, number, notes=True)
    meta: dict[str, Any] = {
        "library": library_version("python-pptx") + " (package), lxml (shapes)",
        "slides": len(slides),
    }
    if problem:
        meta["fallback"] = f"{problem}: read from the raw XML parts"
    if package.has("docProps/core.xml"):
        from trpipe.read.docx import core_properties

        meta.update(core_properties(package.xml("docProps/core.xml")))
    extracted = build(blocks, meta)
    if not extracted.blocks:
        raise InputError(name, "is a PowerPoint presentation with no text (only pictures?)")
    return extracted, meta
