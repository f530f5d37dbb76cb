"""Inline markup (XHTML chapters, web pages) rewritten around a translation: an element's own text is replaced
by the translation, its inline elements (``b``, ``i``, ``em``, ``strong``, ``a`` links, ``span`` classes...)
rebuilt around the words they stand on (``trpipe.render.runs``); nested blocks (a list inside an item),
images and other elements without text are kept, after the text unless they stood before it. An id is
written once. Used by ``trpipe.render.epub`` and ``trpipe.render.page``.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any

from trpipe.read.epub import _SKIP, BLOCK_TAGS, local
from trpipe.render.office import WriteReport, place

TWIN_CLASS = "trpipe-translation"


class _Element:
    """An element's own text as ``(text, style)`` runs (style: the inline elements around the text) and the
    children kept apart (nested blocks, images), with the characters before each."""

    def __init__(self, element):
        self.runs: list[tuple[str, Hashable]] = []
        self.kept: list[tuple[int, Any]] = []
        self._length = 0
        self._walk(element, ())

    def _add(self, text: str | None, style: Hashable) -> None:
        if text:
            self.runs.append((text, style))
            self._length += len(text.strip())

    def _walk(self, element, chain: tuple) -> None:
        self._add(element.text, chain)
        for child in element:
            name = local(child.tag)
            if not name:
                pass  # a comment or processing instruction
            elif name == "br":
                self._add(" ", chain)
            elif name in BLOCK_TAGS or name in _SKIP or not "".join(child.itertext()).strip():
                self.kept.append((self._length, child))
            else:
                self._walk(child, (*chain, (child.tag, tuple(sorted(child.attrib.items())))))
            self._add(child.tail, chain)


def _styled(chain: tuple, text: str, ids: set[str]):
    outer = inner = None
    for tag, attrs in chain:
        found = dict(attrs)
        if found.get("id") in ids:
            found.pop("id")  # an id is written once
        elif "id" in found:
            ids.add(found["id"])
        element = _make(tag, found)
        if inner is None:
            outer = element
        else:
            inner.append(element)
        inner = element
    if inner is not None:
        inner.text = text
    return outer


def _make(tag, attrs):
    from lxml import etree

    return etree.Element(tag, attrs)


def _append_text(element, text: str) -> None:
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def describe_markup(part: str):
    def describe(style: Hashable) -> str:
        words = []
        for tag, attrs in style or ():
            found = dict(attrs)
            name = local(tag)
            words.append(f"link {found['href']}" if name == "a" and found.get("href") else name)
        return ", ".join(words) or "plain"

    return describe


def rewrite(element, entry, report: WriteReport, describe, lang: str | None) -> None:
    own = _Element(element)
    if not own.runs:
        return
    if lang and TWIN_CLASS in (element.get("class") or "").split():
        element.set("lang", lang)
    placed = place(entry, own.runs)
    for _before, child in own.kept:
        child.tail = None
        if child.getparent() is not None:
            child.getparent().remove(child)
    for child in list(element):
        element.remove(child)
    element.text = None
    for before, child in own.kept:
        if before == 0:
            element.append(child)
    ids: set[str] = set()
    for text, style in placed.pieces:
        if not text:
            continue
        made = _styled(style, text, ids) if style else None
        if made is None:
            _append_text(element, text)
        else:
            element.append(made)
    for before, child in own.kept:
        if before > 0:
            element.append(child)
    report.placed(placed, entry.location, describe)
    report.paragraphs += 1


def twin(element):
    """A copy of a block for its translation (bilingual): its nested blocks and every id dropped."""
    made = copy.deepcopy(element)
    for child in [c for c in made if local(c.tag) in BLOCK_TAGS or local(c.tag) in _SKIP]:
        made.remove(child)
    for node in made.iter():
        if isinstance(node.tag, str):
            node.attrib.pop("id", None)
    made.set("class", " ".join(filter(None, [made.get("class"), TWIN_CLASS])))
    made.tail = element.tail
    return made
