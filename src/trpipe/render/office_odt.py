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

from trpipe.read.odf import DC, DRAW, OFFICE, PARAGRAPH_TAGS, paragraphs, t
from trpipe.read.package import Package
from trpipe.records import Document
from trpipe.render.office import (
    PROVENANCE_NAME,
    Writer,
    WriteReport,
    place,
    title_translation,
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


def _attrs(element) -> tuple:
    return tuple(sorted(element.attrib.items()))


class _Paragraph:
    """A paragraph's text as ``(text, style)`` runs (style: the span and link elements around the text, or
    ``("field", n)``), and the elements kept apart from the text (with the characters before each)."""

    def __init__(self, p):
        self.runs: list[tuple[str, Hashable]] = []
        self.fields: dict[Hashable, Any] = {}
        self.kept: list[tuple[int, Any]] = []
        self._length = 0
        self._walk(p, ())

    def _add(self, text: str | None, style: Hashable) -> None:
        if text:
            self.runs.append((text, style))
            self._length += len(text.strip())

    def _walk(self, element, chain: tuple) -> None:
        self._add(element.text, chain)
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                pass  # a comment or processing instruction: dropped with the old text
            elif tag in _SPACES:
                self._add(" " * int(child.get(t("c"), "1") or 1) if tag == t("s") else " ", chain)
            elif tag in _STYLED:
                self._walk(child, (*chain, (tag, _attrs(child))))
            elif tag in _KEEP or not "".join(child.itertext()).strip():
                self.kept.append((self._length, child))
            else:  # a field (page number, date, reference): its text, kept as one element
                style = ("field", len(self.fields))
                self.fields[style] = (child, chain)
                from trpipe.read.odf import paragraph_text

                self._add(paragraph_text(child), style)
            self._add(child.tail, chain)


def _append_text(p, text: str) -> None:
    if len(p):
        last = p[-1]
        last.tail = (last.tail or "") + text
    else:
        p.text = (p.text or "") + text


def _styled(chain: tuple, text: str):
    """Nested copies of the span/link elements of ``chain`` around ``text`` (the outermost returned)."""
    from lxml import etree

    outer = inner = None
    for tag, attrs in chain:
        element = etree.Element(tag, dict(attrs))
        if inner is None:
            outer = element
        else:
            inner.append(element)
        inner = element
    if inner is not None:
        inner.text = text
    return outer


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
    placed = place(entry, para.runs)
    how = {style: kind for style, _text, kind in placed.kept}
    for _before, element in para.kept:  # the text around them is written anew
        element.tail = None
        if element.getparent() is not None:
            element.getparent().remove(element)
    for child in list(p):
        p.remove(child)
    p.text = None
    leading = [element for before, element in para.kept if before == 0]
    for element in leading:
        p.append(element)
    for text, style in placed.pieces:
        if not text:
            continue
        if isinstance(style, tuple) and style and style[0] == "field":
            field, chain = para.fields[style]
            if how.get(style) == "exact" or len(placed.pieces) == 1:
                field = copy.deepcopy(field)
                field.tail = None
                holder = _styled(chain, "") if chain else None
                if holder is not None:
                    innermost = holder
                    while len(innermost):
                        innermost = innermost[-1]
                    innermost.text = None
                    innermost.append(field)
                    p.append(holder)
                else:
                    p.append(field)
                continue
            report.flattened.append(
                {"where": _label(entry), "text": "".join(field.itertext()), "style": "field", "why": "written as text"}
            )
            style = chain
        element = _styled(style, text) if style else None
        if element is None:
            _append_text(p, text)
        else:
            p.append(element)
    for before, element in para.kept:
        if before > 0:
            p.append(element)
    report.placed(placed, entry.location, describe)
    report.paragraphs += 1


def _label(entry) -> str:
    from trpipe.locations import label

    return label(entry.location)


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
    from trpipe.errors import InputError

    source = document.source
    if source.format != "odt" or not source.original:
        raise InputError(
            source.path,
            f"--format odt writes OpenDocument texts back; this is a {source.format or 'text'} input "
            f"(use --format docx for a new document, or --format same)",
        )
    package = Package(source.original, source.path, "OpenDocument text (.odt)")

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
    from lxml import etree

    title = root.find(f".//{{{DC}}}title")
    translated = title_translation(document, title.text if title is not None else None)
    if translated:
        title.text = translated
    language = root.find(f".//{{{DC}}}language")
    if language is None:
        holder = root.find(f"{{{OFFICE}}}meta")
        if holder is not None:
            language = etree.SubElement(holder, f"{{{DC}}}language")
    if language is not None:
        language.text = document.target_lang
    return xml_bytes(root)


def _manifest(root) -> bytes:
    from lxml import etree

    path = f"{{{MANIFEST}}}full-path"
    if not any(entry.get(path) == PROVENANCE_NAME for entry in root):
        entry = etree.SubElement(root, f"{{{MANIFEST}}}file-entry")
        entry.set(path, PROVENANCE_NAME)
        entry.set(f"{{{MANIFEST}}}media-type", "application/json")
    return xml_bytes(root)
