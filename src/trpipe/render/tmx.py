"""A TMX 1.4 translation memory of the aligned sentence pairs, written with translate-toolkit.

One ``<tu>`` per translated sentence (``tuid`` = ``p3.2``: segment p3, sentence 2), with properties that
trace it back to the source: ``x-doc``, ``x-segment``, ``x-sentence``, ``x-start``, ``x-end`` (code-point
offsets into ``source.text``), ``x-kind``; the segment's flags become ``<note>``s.
"""

from __future__ import annotations

import re

from lxml import etree

from trpipe.records import Document
from trpipe.render.jsonl import doc_id

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text that XML 1.0 can hold (control characters other than tab and newlines dropped)."""
    return _NOT_XML.sub("", str(value))


def _add_prop(unit, kind: str, value: object) -> None:
    prop = etree.Element(unit.namespaced("prop"))
    prop.set("type", kind)
    prop.text = xml_text(value)
    first_tuv = unit.xmlelement.find(unit.namespaced(unit.languageNode))
    if first_tuv is None:
        unit.xmlelement.append(prop)
    else:  # the DTD order is note*, prop*, tuv+
        first_tuv.addprevious(prop)


def render_tmx(document: Document) -> str:
    from translate.storage.tmx import tmxfile

    src, tgt = document.source.lang or "und", document.target_lang
    store = tmxfile(sourcelanguage=src, targetlanguage=tgt)
    for segment in document.segments:
        for n, sentence in enumerate(segment.sentences, start=1):
            if not sentence.translation:
                continue  # a translation memory holds pairs only
            unit = store.addsourceunit(sentence.text, src)
            unit.settarget(sentence.translation, tgt, append=True)
            unit.xmlelement.set("tuid", f"{segment.id}.{n}")
            for flag in segment.flags:
                unit.addnote(xml_text(f"flag {flag.get('check')}: {flag.get('detail')}"))
            for kind, value in (
                ("x-doc", doc_id(document)),
                ("x-segment", segment.id),
                ("x-sentence", n),
                ("x-start", sentence.start),
                ("x-end", sentence.end),
                ("x-kind", segment.kind),
            ):
                _add_prop(unit, kind, value)
    return bytes(store).decode("utf-8")
