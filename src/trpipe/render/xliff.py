"""An XLIFF 1.2 file of the sentence pairs for CAT tools (OmegaT, Trados), written with lxml.

One ``<file>`` per ``--to`` language (XLIFF 1.2 has one target language per file), each with the same
units: one ``<trans-unit>`` per sentence, ``id`` = ``p3.2`` (segment p3, sentence 2), ``resname`` = the
segment id, the machine translation as a ``<target state="needs-review-translation"
state-qualifier="mt-suggestion">``. Notes: ``<note from="trpipe">`` with the segment, sentence, kind and
source offsets (``segment p3 sentence 2 kind paragraph source 120-184``); where the segment sits in the
original document (``location docx: table 1, row 2, cell 3 (part=word/document.xml, ...)``); the model's score
(``<note from="trpipe" annotates="target">model score -0.4123 ...``) when the backend gave one; and each
flag of that sentence, in the file of the language it concerns, as ``<note from="trpipe-check"
annotates="target" priority="1">flag numbers: ...``. A sentence already in the file's target language
is a ``translate="no"`` unit whose target is the source (``state="final"``). The header names trpipe
(``<tool>``) and the model. Every string passes ``xml_text`` first, so any input gives well-formed XML.
"""

from __future__ import annotations

from lxml import etree

from trpipe.locations import describe
from trpipe.records import Document
from trpipe.render import common
from trpipe.render.tmx import XML_DECLARATION, XML_LANG, add_element, flag_note, trpipe_version, unit_flags

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"


def _add(parent: etree._Element, tag: str, text: object = None, **attrs: object) -> etree._Element:
    return add_element(parent, f"{{{XLIFF_NS}}}{tag}", text, **attrs)


def _file(root: etree._Element, document: Document, target: str) -> etree._Element:
    src = document.source.lang or "und"
    created = (document.provenance or {}).get("created")
    attrs = {"original": common.doc_id(document), "source_language": src, "target_language": target}
    attrs.update(datatype="plaintext", tool_id="trpipe")
    if created:
        attrs["date"] = created
    file = _add(root, "file", **attrs)
    header = _add(file, "header")
    _add(header, "tool", tool_id="trpipe", tool_name="trpipe", tool_version=trpipe_version(document))
    label = common.model_label(document, target)
    about = f"machine translation {src} → {target}" + (f" with {label}" if label else "")
    _add(header, "note", f"{about}; source {document.source.path} sha256 {document.source.sha256}", from_="trpipe")
    body = _add(file, "body")
    several = len(common.targets(document)) > 1
    for segment in document.segments:
        seg_lang = segment.lang or src
        kept = common.kept_for(document, segment, target)
        per_sentence, pending = unit_flags(document, segment)
        for n, sentence in enumerate(segment.sentences, start=1):
            unit = _add(body, "trans-unit", id=f"{segment.id}.{n}", resname=segment.id)
            source = _add(unit, "source", sentence.text)
            if seg_lang != src:
                source.set(XML_LANG, common.xml_text(seg_lang))
            translation = sentence.text if kept else common.sentence_translation(document, sentence, target)
            if kept:
                unit.set("translate", "no")
                _add(unit, "target", translation, state="final")
            elif translation is not None:
                unit.set("approved", "no")
                _add(unit, "target", translation, state="needs-review-translation", state_qualifier="mt-suggestion")
            where = f"segment {segment.id} sentence {n} kind {segment.kind} source {sentence.start}-{sentence.end}"
            _add(unit, "note", where + (f" (kept: already in {seg_lang})" if kept else ""), from_="trpipe")
            if segment.location:
                _add(unit, "note", "location " + describe(segment.location), from_="trpipe")
            score = None if kept else common.sentence_score(document, sentence, target)
            if score is not None:
                note = f"model score {score:.4f} (mean log-probability per token)"
                _add(unit, "note", note, from_="trpipe", annotates="target")
            for flag in [*pending, *per_sentence[n - 1]]:
                if common.flag_target(document, flag) == target:
                    note = flag_note(document, flag, several)
                    _add(unit, "note", note, from_="trpipe-check", annotates="target", priority=1)
            pending = []
    return file


def render_xliff(document: Document) -> str:
    root = etree.Element(f"{{{XLIFF_NS}}}xliff", nsmap={None: XLIFF_NS})
    root.set("version", "1.2")
    for target in common.targets(document):
        _file(root, document, target)
    return XML_DECLARATION + etree.tostring(root, encoding="unicode", pretty_print=True)
