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


class Inline:
    """A block's own text as ``(text, style)`` runs (style: the inline elements around the text, as
    ``(tag, attributes)`` pairs) and the children kept apart (with the characters of text before each).
    ``kind(child)`` says what a child is: ``styled`` (walked into), ``space`` (its ``space(child)`` text),
    ``kept``, ``field`` (``field(child, chain)``) or ``skip``."""

    def __init__(self, element):
        self.runs: list[tuple[str, Hashable]] = []
        self.kept: list[tuple[int, Any]] = []
        self._length = 0
        self._walk(element, ())

    def kind(self, child) -> str:
        raise NotImplementedError

    def space(self, child) -> str:
        return " "

    def field(self, child, chain: tuple) -> None:
        self.kept.append((self._length, child))

    def add(self, text: str | None, style: Hashable) -> None:
        if text:
            self.runs.append((text, style))
            self._length += len(text.strip())

    def _walk(self, element, chain: tuple) -> None:
        self.add(element.text, chain)
        for child in element:
            kind = self.kind(child) if isinstance(child.tag, str) else "skip"  # comments: dropped
            if kind == "space":
                self.add(self.space(child), chain)
            elif kind == "styled":
                self._walk(child, (*chain, (child.tag, tuple(sorted(child.attrib.items())))))
            elif kind == "kept":
                self.kept.append((self._length, child))
            elif kind == "field":
                self.field(child, chain)
            self.add(child.tail, chain)


class _Element(Inline):
    """An XHTML block: ``br`` a space, nested blocks, images and empty elements kept, the rest styled."""

    def kind(self, child) -> str:
        name = local(child.tag)
        if name == "br":
            return "space"
        if name in BLOCK_TAGS or name in _SKIP or not "".join(child.itertext()).strip():
            return "kept"
        return "styled"


def styled(chain: tuple, text: str, ids: set[str] | None = None):
    """Nested copies of the elements of ``chain`` (``(tag, attributes)`` pairs) around ``text``, the outermost
    returned; an id already in ``ids`` is left out (an id is written once)."""
    ids = set() if ids is None else ids
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


def append_text(element, text: str) -> None:
    """``text`` added at the end of ``element``'s content (its last child's tail, or its text)."""
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


def rebuild(element, own: Inline, entry, report: WriteReport, describe, piece=None) -> None:
    """Replace ``element``'s own text (``own``, its ``Inline`` walk) by ``entry``'s translation, the styles
    placed on it (``trpipe.render.runs``); the kept children go before the text when they stood before it,
    else after it. ``piece(element, text, style, how)`` may write a piece itself (a field) and return True."""
    placed = place(entry, own.runs)
    how = {style: kind for style, _text, kind in placed.kept}
    for _before, child in own.kept:  # the text around them is written anew
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
        if not text or (piece is not None and piece(element, text, style, how.get(style))):
            continue
        made = styled(style, text, ids) if style else None
        if made is None:
            append_text(element, text)
        else:
            element.append(made)
    for before, child in own.kept:
        if before > 0:
            element.append(child)
    report.placed(placed, entry.location, describe)
    report.paragraphs += 1


def rewrite(element, entry, report: WriteReport, describe, lang: str | None) -> None:
    own = _Element(element)
    if not own.runs:
        return
    if lang and TWIN_CLASS in (element.get("class") or "").split():
        element.set("lang", lang)
    rebuild(element, own, entry, report, describe)


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
