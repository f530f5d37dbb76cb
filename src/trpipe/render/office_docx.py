"""Word documents written back in their own format (``--format docx``, ``-o note.en.docx``).

Each translated segment's location (part and paragraph index, ``trpipe.read.docx``) finds its paragraph
again by the reader's own walk; the paragraph's text runs are replaced by runs of the translation in the
same styles (``trpipe.render.runs``: bold, italic, underline, colour, character styles, links), and what
is not text stays where it was: images, text boxes, footnote references, bookmarks, comments' anchors.
Fields (page numbers, dates, references) are kept as fields where the translation holds their result,
else written as text and listed. Body, tables, text boxes (and their fallback copy), headers, footers,
footnotes and endnotes are translated; every other part is copied byte for byte. Tracked deletions in a
translated paragraph are dropped (they are the source's text). With ``bilingual``, each
paragraph is followed by its translation (a copy of the paragraph's properties and text runs only: no
second image, note reference or section break).

Documents of other formats (a PDF, a web page, text) are written as a new Word document from their
segments instead (``trpipe.render.docx_new``).
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Hashable
from typing import Any

from trpipe.read.docx import MC, TEXT_TAGS, R, in_ruby_reading, own_paragraph, paragraphs, text_of, w
from trpipe.read.package import Package
from trpipe.records import Document
from trpipe.render.office import (
    Writer,
    WriteReport,
    core_metadata,
    declare_part,
    place,
    write_package,
    write_parts,
)

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_TEXT = set(TEXT_TAGS)
_WRAPPERS = {w("hyperlink"), w("smartTag"), w("customXml"), w("ins"), w("moveTo"), w("dir"), w("bdo")}
_NOISE = {w("lang"), w("noProof"), w("rtl")}  # run properties that are no visible style
_SHOWN = {"b": "bold", "bCs": "bold", "i": "italic", "iCs": "italic", "u": "underline", "strike": "struck through",
          "color": "coloured", "highlight": "highlighted", "rStyle": "character style", "sz": "sized",
          "vertAlign": "raised or lowered", "caps": "capitals", "smallCaps": "small capitals"}  # fmt: skip


def _key(location: dict[str, Any]) -> tuple[str, int] | None:
    if location.get("format") != "docx" or not location.get("part") or not isinstance(location.get("paragraph"), int):
        return None
    return location["part"], location["paragraph"]


def run_text(run) -> str:
    """A run's text as the reader reads it (``trpipe.read.docx.paragraph_text``)."""
    return "".join(text_of(el) for el in run if el.tag in _TEXT)


def _has_text(run) -> bool:
    return any(child.tag in _TEXT for child in run)


def _under(el, p, tag: str):
    """The nearest ancestor ``tag`` of ``el`` inside the paragraph ``p``, or None."""
    for ancestor in el.iterancestors():
        if ancestor is p:
            return None
        if ancestor.tag == tag:
            return ancestor
    return None


def _link(run, p) -> tuple | None:
    link = _under(run, p, w("hyperlink"))
    return None if link is None else tuple(sorted(link.attrib.items()))


def units(p) -> list[tuple[str, Any]]:
    """The paragraph's text in order: ``("run", w:r)`` or ``("field", [elements])`` (a simple field, or the
    runs from a complex field's begin to its end)."""
    found: list[tuple[str, Any]] = []
    group: list | None = None
    depth = 0
    for el in p.iter(w("r"), w("fldSimple")):
        if own_paragraph(el, w("p")) is not p or _under(el, p, f"{{{MC}}}Fallback") is not None:
            continue
        if in_ruby_reading(el):
            continue  # a ruby's reading: not read, kept as it is
        if _under(el, p, w("fldSimple")) is not None:
            continue  # inside a simple field: the field is one unit
        if el.tag == w("fldSimple"):
            found.append(("field", [el]))
            continue
        chars = [c.get(w("fldCharType")) for c in el.iter(w("fldChar"))]
        if depth or "begin" in chars:
            group = group if depth else []
            group.append(el)
            depth += chars.count("begin") - chars.count("end")
            if depth <= 0:
                found.append(("field", group))
                depth, group = 0, None
            continue
        if _has_text(el):
            found.append(("run", el))
    if group:
        found.append(("field", group))
    return found


def _field_text(elements) -> str:
    return "".join(run_text(r) for el in elements for r in ([el] if el.tag == w("r") else el.iter(w("r"))))


def _style_key(run, p) -> tuple:
    from lxml import etree

    props = run.find(w("rPr"))
    if props is None:
        return (b"", _link(run, p))
    shown = copy.deepcopy(props)
    for child in list(shown):
        if child.tag in _NOISE or child.tag == w("rFonts"):
            shown.remove(child)
    return (etree.tostring(shown), _link(run, p))


class _Paragraph:
    """One paragraph's units as ``(text, style)`` runs, with what rebuilds each style."""

    def __init__(self, p):
        self.p = p
        self.units = units(p)
        self.runs: list[tuple[str, Hashable]] = []
        self.templates: dict[Hashable, Any] = {}
        for n, (kind, item) in enumerate(self.units):
            if kind == "run":
                style = _style_key(item, p)
                self.templates.setdefault(style, item)
                self.runs.append((run_text(item), style))
            else:
                style = ("field", n)
                self.templates[style] = item
                self.runs.append((_field_text(item), style))


def _describe(rels: dict[str, str]):
    def describe(style: Hashable) -> str:
        from lxml import etree

        if isinstance(style, tuple) and style and style[0] == "field":
            return "field"
        props, link = style if isinstance(style, tuple) else (b"", None)
        words = []
        for child in etree.fromstring(props) if props else ():
            name = etree.QName(child).localname
            on = (child.get(w("val")) or "true").lower() not in ("0", "false", "off", "none")
            if on and name in _SHOWN:
                words.append(_SHOWN[name])
        if link:
            attrs = dict(link)
            target = rels.get(attrs.get(f"{{{R}}}id", ""), "") or ("#" + attrs.get(w("anchor"), ""))
            words.append(f"link {target}".strip())
        return ", ".join(dict.fromkeys(words)) or "formatted"

    return describe


def _new_run(template, text: str, lang: str | None):
    from lxml import etree

    run = etree.Element(w("r"))
    props = template.find(w("rPr")) if template is not None else None
    if props is not None:
        props = copy.deepcopy(props)
        found = props.find(w("lang"))
        if found is not None and lang and found.get(w("val")):
            found.set(w("val"), lang)
        run.append(props)
    t = etree.SubElement(run, w("t"))
    t.text = text
    t.set(XML_SPACE, "preserve")
    return run


def _anchor(first, p):
    """Where the new runs go: before the first text unit, outside the links and wrappers it sits in."""
    node = first
    while node.getparent() is not None and node.getparent() is not p and node.getparent().tag in _WRAPPERS:
        node = node.getparent()
    return node


def rewrite(p, entry, report: WriteReport, describe, lang: str | None) -> None:
    """Replace ``p``'s text by ``entry``'s translation, in its runs' styles."""
    from lxml import etree

    para = _Paragraph(p)
    if not para.units:
        return
    placed = place(entry, para.runs)
    how = {style: kind for style, _text, kind in placed.kept}
    anchor = _anchor(para.units[0][1] if para.units[0][0] == "run" else para.units[0][1][0], p)
    new: list = []
    for text, style in placed.pieces:
        if not text:
            continue
        template = para.templates.get(style)
        if isinstance(style, tuple) and style[0] == "field":
            if how.get(style) == "exact" or len(placed.pieces) == 1:
                new += [copy.deepcopy(el) for el in template]
                continue
            first_run = next((r for el in template for r in ([el] if el.tag == w("r") else el.iter(w("r")))), None)
            report.field_as_text(entry.location, _field_text(template))
            new.append(_new_run(first_run, text, lang))
            continue
        run = _new_run(template, text, lang)
        link = style[1] if isinstance(style, tuple) else None
        if link:
            if new and new[-1].tag == w("hyperlink") and tuple(sorted(new[-1].attrib.items())) == link:
                new[-1].append(run)
                continue
            wrapper = etree.Element(w("hyperlink"), dict(link))
            wrapper.append(run)
            run = wrapper
        new.append(run)
    for element in new:
        anchor.addprevious(element)
    for kind, item in para.units:
        for el in [item] if kind == "run" else item:
            _remove_text(el)
    for deleted in [d for d in p.iter(w("del"), w("moveFrom")) if own_paragraph(d, w("p")) is p]:
        deleted.getparent().remove(deleted)  # tracked deletions of the source's text: not the translation's
    _drop_empty_wrappers(p)
    report.placed(placed, entry.location, describe)
    report.paragraphs += 1


def _remove_text(el) -> None:
    """A text unit's element removed; a run that also holds something else (a drawing, a note reference)
    loses its text only."""
    if el.getparent() is None:
        return
    if el.tag == w("r") and any(child.tag not in _TEXT and child.tag != w("rPr") for child in el):
        for child in [c for c in el if c.tag in _TEXT]:
            el.remove(child)
        return
    el.getparent().remove(el)


def _drop_empty_wrappers(p) -> None:
    for wrapper in [el for el in p.iter(*_WRAPPERS, w("fldSimple"))]:
        if not any(child.tag != w("rPr") for child in wrapper) and wrapper.getparent() is not None:
            wrapper.getparent().remove(wrapper)


def _twin(p):
    """A new paragraph after ``p`` holding copies of its properties and text units only."""
    from lxml import etree

    twin = etree.Element(w("p"))
    props = p.find(w("pPr"))
    if props is not None:
        props = copy.deepcopy(props)
        for section in props.findall(w("sectPr")):
            props.remove(section)
        twin.append(props)
    for kind, item in units(p):
        for el in [item] if kind == "run" else item:
            clone = copy.deepcopy(el)
            link = _link(el, p) if el.tag == w("r") else None
            if link:
                wrapper = etree.SubElement(twin, w("hyperlink"), dict(link))
                wrapper.append(clone)
            else:
                twin.append(clone)
    return twin


def _fallback_twin(p):
    """The fallback copy of a text box's paragraph (``mc:Fallback``), matched by its index, or None."""
    choice = next((a for a in p.iterancestors() if a.tag == f"{{{MC}}}Choice"), None)
    if choice is None:
        return None
    alternate = choice.getparent()
    fallback = alternate.find(f"{{{MC}}}Fallback") if alternate is not None else None
    if fallback is None:
        return None
    mine = list(choice.iter(w("p")))
    theirs = list(fallback.iter(w("p")))
    return theirs[mine.index(p)] if len(mine) == len(theirs) and p in mine else None


def _rels(package: Package, part: str) -> dict[str, str]:
    name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if not package.has(name):
        return {}
    return {r.get("Id", ""): r.get("Target", "") for r in package.xml(name)}


def render_docx(document: Document, bilingual: bool = False) -> bytes:
    """The translated Word document (bytes); other formats get a new document from their segments."""
    source = document.source
    if source.format != "docx" or not source.original:
        from trpipe.render.docx_new import new_docx

        return new_docx(document, bilingual)
    package = Package(source.original, source.path, "Word document (.docx)")

    def walk(root, part):
        return (((part, i), p) for i, p in enumerate(paragraphs(root), start=1))

    def targets(p):
        return [p] + [t for t in [_fallback_twin(p)] if t is not None]

    def describe(part):
        return _describe(_rels(package, part))

    replaced, report = write_parts(
        document, package, Writer("docx", _key, walk, rewrite, _twin, targets, describe), bilingual
    )
    if not bilingual:
        replaced.update(core_metadata(document, package))
    replaced["[Content_Types].xml"] = declare_part(package.read("[Content_Types].xml"))
    return write_package(document, source.original, replaced, report)
