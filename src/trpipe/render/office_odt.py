"""OpenDocument texts written back in their own format (``--format odt``, ``-o note.en.odt``).

Each translated segment's location (part and paragraph index among ``text:p``/``text:h``,
``trpipe.read.odf``) finds its paragraph again by the reader's walk; the paragraph's text is replaced by the
translation in the styles of its stretches (``text:span`` styles, ``text:a`` links: ``trpipe.render.runs``).
What is not text is kept: notes (whose own paragraphs are translated in place), frames and images,
comments, bookmarks; such an element that stood inside the text goes after the translation. Fields (page
numbers, dates) are kept where the translation holds their value, else written as text and listed.
``content.xml`` and ``styles.xml`` (headers, footers) are rewritten, ``meta.xml`` gets the translated title
and the target language, the provenance is declared in the manifest; every other member is copied byte
for byte.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any

from trpipe.read.odf import DRAW, OFFICE, PARAGRAPH_TAGS, paragraph_text, paragraphs, t
from trpipe.read.package import Package
from trpipe.records import Document
from trpipe.render.markup import Inline, append_text, rebuild, styled
from trpipe.render.office import (
    PROVENANCE_NAME,
    Writer,
    WriteReport,
    require_format,
    retitle,
    write_package,
    write_parts,
    xml_bytes,
)

_STYLED = {t("span"), t("a")}
_SPACES = {t("s"), t("tab"), t("line-break")}
# Elements kept as they are, never part of the text: notes, frames, comments, marks.
_KEEP = {t("note"), f"{{{DRAW}}}frame", f"{{{OFFICE}}}annotation", f"{{{OFFICE}}}annotation-end",
         t("bookmark"), t("bookmark-start"), t("bookmark-end"), t("reference-mark"), t("reference-mark-start"),
         t("reference-mark-end"), t("soft-page-break"), t("tracked-changes"), t("change"), t("change-start"),
         t("change-end"), t("toc-mark"), t("alphabetical-index-mark"), *PARAGRAPH_TAGS}  # fmt: skip
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


def _key(location: dict[str, Any]) -> tuple[str, int] | None:
    if location.get("format") != "odt" or not location.get("part") or not isinstance(location.get("paragraph"), int):
        return None
    return location["part"], location["paragraph"]


class _Paragraph(Inline):
    """A paragraph's text as ``(text, style)`` runs (style: the span and link elements around the text, or
    ``("field", n)``), and the elements kept apart from the text (with the characters before each)."""

    def __init__(self, p):
        self.fields: dict[Hashable, Any] = {}
        super().__init__(p)

    def kind(self, child) -> str:
        tag = child.tag
        if tag in _SPACES:
            return "space"
        if tag in _STYLED:
            return "styled"
        if tag in _KEEP or not "".join(child.itertext()).strip():
            return "kept"
        return "field"  # a page number, a date, a reference: its text, kept as one element

    def space(self, child) -> str:
        return " " * int(child.get(t("c"), "1") or 1) if child.tag == t("s") else " "

    def field(self, child, chain: tuple) -> None:
        style = ("field", len(self.fields))
        self.fields[style] = (child, chain)
        self.add(paragraph_text(child), style)


def _describe(part: str):
    def describe(style: Hashable) -> str:
        if isinstance(style, tuple) and style and style[0] == "field":
            return "field"
        words = []
        for tag, attrs in style or ():
            found = dict(attrs)
            if tag == t("a"):
                words.append(f"link {found.get('{http://www.w3.org/1999/xlink}href', '')}".strip())
            else:
                words.append(f"style {found.get(t('style-name'), '')}".strip())
        return ", ".join(words) or "plain"

    return describe


def rewrite(p, entry, report: WriteReport, describe, lang: str | None) -> None:
    para = _Paragraph(p)
    if not para.runs:
        return

    def field(element, text: str, style, how: str | None) -> bool:
        """A field kept as it is where the translation holds its value, else written as text (listed)."""
        if not (isinstance(style, tuple) and style and style[0] == "field"):
            return False
        found, chain = para.fields[style]
        if how != "exact" and len(para.runs) > 1:
            report.field_as_text(entry.location, "".join(found.itertext()))
            made = styled(chain, text) if chain else None
            element.append(made) if made is not None else append_text(element, text)
            return True
        found = copy.deepcopy(found)
        found.tail = None
        holder = styled(chain, "") if chain else None
        if holder is None:
            element.append(found)
            return True
        innermost = holder
        while len(innermost):
            innermost = innermost[-1]
        innermost.text = None
        innermost.append(found)
        element.append(holder)
        return True

    rebuild(p, para, entry, report, describe, field)


def _twin(p):
    """A copy of ``p`` for its translation: the same element and style, without notes, frames, comments."""
    twin = copy.deepcopy(p)
    for element in [el for el in twin.iterdescendants() if el.tag in _KEEP]:
        if element.getparent() is None:
            continue
        tail, parent = element.tail, element.getparent()
        previous = element.getprevious()
        parent.remove(element)
        if tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
    return twin


def render_odt(document: Document, bilingual: bool = False) -> bytes:
    source = document.source
    original = require_format(document, "odt", "OpenDocument texts")
    package = Package(original, source.path, "OpenDocument text (.odt)")

    def walk(root, part):
        return (((part, i), p) for i, p in enumerate(paragraphs(root), start=1))

    replaced, report = write_parts(
        document, package, Writer("odt", _key, walk, rewrite, _twin, describe=_describe), bilingual
    )
    if not bilingual and package.has("meta.xml"):
        replaced["meta.xml"] = _meta(document, package.xml("meta.xml"))
    if package.has("META-INF/manifest.xml"):
        replaced["META-INF/manifest.xml"] = _manifest(package.xml("META-INF/manifest.xml"))
    return write_package(document, source.original, replaced, report)


def _meta(document: Document, root) -> bytes:
    holder = root.find(f"{{{OFFICE}}}meta")
    if holder is not None:
        retitle(document, holder)
    return xml_bytes(root)


def _manifest(root) -> bytes:
    from lxml import etree

    path = f"{{{MANIFEST}}}full-path"
    if not any(entry.get(path) == PROVENANCE_NAME for entry in root):
        entry = etree.SubElement(root, f"{{{MANIFEST}}}file-entry")
        entry.set(path, PROVENANCE_NAME)
        entry.set(f"{{{MANIFEST}}}media-type", "application/json")
    return xml_bytes(root)
