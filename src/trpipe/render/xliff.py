"""An XLIFF 1.2 file of the sentence pairs for CAT tools (OmegaT, Trados), written with translate-toolkit.

One ``<trans-unit>`` per sentence: ``id`` = ``p3.2`` (segment p3, sentence 2), ``resname`` = the segment id,
the machine translation as a ``<target state="needs-review-translation" state-qualifier="mt-suggestion">``,
and a ``<note from="trpipe">`` with the segment, sentence, kind and source offsets
(``segment p3 sentence 2 kind paragraph source 120-184``); flags are further notes.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from lxml import etree

from trpipe.records import Document
from trpipe.render.jsonl import doc_id
from trpipe.render.tmx import xml_text

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"


def _skeleton(original: str, src: str, tgt: str) -> bytes:
    # translate-toolkit starts new files as XLIFF 1.1; starting from a 1.2 skeleton makes it write 1.2.
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xliff version="1.2" xmlns="{XLIFF_NS}">\n'
        f"<file original={quoteattr(original)} source-language={quoteattr(src)} "
        f'target-language={quoteattr(tgt)} datatype="plaintext"><body/></file>\n</xliff>\n'
    ).encode()


def render_xliff(document: Document) -> str:
    from translate.storage.xliff import xlifffile

    src, tgt, name = document.source.lang or "und", document.target_lang, xml_text(doc_id(document))
    store = xlifffile.parsestring(_skeleton(name, src, tgt))
    for segment in document.segments:
        for n, sentence in enumerate(segment.sentences, start=1):
            unit = store.addsourceunit(sentence.text, filename=name)
            unit.setid(f"{segment.id}.{n}")
            unit.xmlelement.set("resname", segment.id)
            if sentence.translation:
                unit.settarget(sentence.translation, lang=tgt)
                unit.xmlelement.set("approved", "no")
                target = unit.xmlelement.find(unit.namespaced("target"))
                target.set("state", "needs-review-translation")
                target.set("state-qualifier", "mt-suggestion")
            unit.addnote(
                f"segment {segment.id} sentence {n} kind {segment.kind} source {sentence.start}-{sentence.end}",
                origin="trpipe",
            )
            for flag in segment.flags:
                unit.addnote(xml_text(f"flag {flag.get('check')}: {flag.get('detail')}"), origin="trpipe-check")
    etree.cleanup_namespaces(store.document)
    return bytes(store).decode("utf-8")
