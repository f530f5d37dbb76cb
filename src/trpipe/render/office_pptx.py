"""PowerPoint presentations written back in their own format (``--format pptx``, ``-o slides.en.pptx``).

Each translated segment's location (slide part, shape id, table cell, paragraph: ``trpipe.read.pptx``)
finds its paragraph again by the reader's walk of the shape tree; the paragraph's runs are replaced by runs
of the translation in the same properties (bold, italic, colour, size, a click's link live in a run's
``a:rPr``: ``trpipe.render.runs``), their language set to the target. Shapes, their position and size,
placeholders, layouts, masters, pictures and media are untouched (copied byte for byte); slides and
speaker notes are translated. A translation longer than its source may overflow its box where the shape
does not shrink text on overflow (PowerPoint's autofit applies when the file is opened). With
``bilingual``, each paragraph is followed by its translation in the same text box.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any

from trpipe.read.package import Package
from trpipe.read.pptx import a, p_, shape_paragraphs
from trpipe.records import Document
from trpipe.render.office import (
    Writer,
    WriteReport,
    core_metadata,
    declare_part,
    place,
    require_format,
    write_package,
    write_parts,
)

_NOISE = ("lang", "altLang", "dirty", "err", "noProof", "smtClean", "smtId", "bmk")
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _key(location: dict[str, Any]) -> tuple | None:
    if location.get("format") != "pptx" or not location.get("part") or not isinstance(location.get("paragraph"), int):
        return None
    return (location["part"], *(location.get(k) for k in ("shape", "table", "row", "cell")), location["paragraph"])


def walk(root, part: str):
    """``(key, a:p)`` of a slide's (or notes page's) paragraphs, counted as the reader counts them."""
    tree = root.find(f"{p_('cSld')}/{p_('spTree')}")
    if tree is None:
        return
    counters: dict[tuple, int] = {}
    for paragraph, where in shape_paragraphs(tree):
        shape = tuple(where.get(k) for k in ("shape", "table", "row", "cell"))
        counters[shape] = counters.get(shape, 0) + 1
        yield (part, *shape, counters[shape]), paragraph


def _style(props) -> bytes:
    from lxml import etree

    if props is None:
        return b""
    shown = copy.deepcopy(props)
    for name in _NOISE:
        shown.attrib.pop(name, None)
    return etree.tostring(shown)


def _units(p) -> list[tuple[str, Any]]:
    return [(child.tag, child) for child in p if child.tag in (a("r"), a("br"), a("fld"))]


def _text(unit) -> str:
    if unit.tag == a("br"):
        return " "
    found = unit.find(a("t"))
    return (found.text or "") if found is not None else ""


def _describe(part: str):
    def describe(style: Hashable) -> str:
        from lxml import etree

        if isinstance(style, tuple) or not style:
            return "field" if isinstance(style, tuple) else "plain"
        props = etree.fromstring(style)
        words = [name for key, name in (("b", "bold"), ("i", "italic")) if props.get(key) in ("1", "true")]
        words += ["underline"] if props.get("u") not in (None, "none") else []
        words += ["link"] if props.find(a("hlinkClick")) is not None else []
        words += ["coloured"] if props.find(a("solidFill")) is not None else []
        return ", ".join(words) or "formatted"

    return describe


def _new_run(props, text: str, lang: str | None):
    from lxml import etree

    run = etree.Element(a("r"))
    if props is not None:
        props = copy.deepcopy(props)
        if lang and props.get("lang"):
            props.set("lang", lang)
        props.attrib.pop("dirty", None)
        props.attrib.pop("err", None)
        run.append(props)
    etree.SubElement(run, a("t")).text = text
    return run


def rewrite(p, entry, report: WriteReport, describe, lang: str | None) -> None:
    units = _units(p)
    if not units:
        return
    runs: list[tuple[str, Hashable]] = []
    templates: dict[Hashable, Any] = {}
    for n, (tag, unit) in enumerate(units):
        if tag == a("fld"):
            style: Hashable = ("field", n)
        else:
            style = _style(unit.find(a("rPr")))
        templates.setdefault(style, unit)
        runs.append((_text(unit), style))
    placed = place(entry, runs)
    how = {s: kind for s, _text, kind in placed.kept}
    anchor = units[0][1]
    for text, style in placed.pieces:
        if not text:
            continue
        template = templates.get(style)
        if isinstance(style, tuple):
            if how.get(style) == "exact" or len(placed.pieces) == 1:
                anchor.addprevious(copy.deepcopy(template))
                continue
            report.field_as_text(entry.location, _text(template))
        props = template.find(a("rPr")) if template is not None and template.tag != a("br") else None
        anchor.addprevious(_new_run(props, text, lang))
    for _tag, unit in units:
        p.remove(unit)
    report.placed(placed, entry.location, describe)
    report.paragraphs += 1


def _twin(p):
    """A new paragraph of the same properties and runs (its translation goes after ``p`` in the same box)."""
    from lxml import etree

    twin = etree.Element(a("p"))
    for child in p:
        if child.tag in (a("pPr"), a("r"), a("br"), a("fld"), a("endParaRPr")):
            twin.append(copy.deepcopy(child))
    return twin


def render_pptx(document: Document, bilingual: bool = False) -> bytes:
    source = document.source
    original = require_format(document, "pptx", "PowerPoint presentations")
    package = Package(original, source.path, "PowerPoint presentation (.pptx)")
    replaced, report = write_parts(
        document, package, Writer("pptx", _key, walk, rewrite, _twin, describe=_describe), bilingual
    )
    if not bilingual:
        replaced.update(core_metadata(document, package))
    replaced["[Content_Types].xml"] = declare_part(package.read("[Content_Types].xml"))
    return write_package(document, source.original, replaced, report)
