"""A TMX 1.4 translation memory of the aligned sentence pairs (written with lxml).

One ``<tu>`` per translated sentence (``tuid`` = ``p3.2``: segment p3, sentence 2) holding a ``<tuv>`` for
the source and one for each ``--to`` language, so that several targets make one multilingual memory.
Properties trace a unit back to the source: ``x-doc``, ``x-segment``, ``x-sentence``, ``x-start``,
``x-end`` (code-point offsets into ``source.text``), ``x-kind``, and where the segment sits in the original
document: ``x-location`` (the segment's location as JSON) and ``x-place`` ("p. 3", "slide 2"); a target
``<tuv>`` carries the model's ``x-score`` (mean log-probability per token) when the backend gave one. A flag
is a ``<note>`` of the unit
of the sentence it concerns (``flag numbers: ...``; a flag about the whole segment goes on its first unit).
A segment already in a target language has no ``<tuv>`` for it (it was not translated); a sentence with no
translation at all is left out. The header names trpipe (``creationtool``, ``creationtoolversion``), the
document and, per target, the model (``x-model:en``). Every string passes ``xml_text`` first, so any input
gives well-formed XML.
"""

from __future__ import annotations

import datetime as _dt

from lxml import etree

from trpipe.locations import label
from trpipe.records import Document, Segment
from trpipe.render.common import (
    doc_id,
    dumps,
    flag_sentence,
    flag_target,
    kept_for,
    model_label,
    sentence_score,
    sentence_translation,
    targets,
    xml_text,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def trpipe_version(document: Document) -> str:
    """The trpipe version that produced the document (its provenance, else this one)."""
    version = (document.provenance or {}).get("trpipe")
    if not version:
        from trpipe import __version__ as version
    return str(version)


def _tmx_date(created: object) -> str | None:
    """An ISO timestamp as TMX wants it (``YYYYMMDDThhmmssZ``, UTC), None when it is not one."""
    try:
        moment = _dt.datetime.fromisoformat(str(created))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def add_element(parent: etree._Element, tag: str, text: object = None, **attrs: object) -> etree._Element:
    """A child element; ``attrs`` spelt as Python names (``lang`` is ``xml:lang``, ``o_tmf`` is ``o-tmf``,
    ``from_`` is ``from``), every value and the text made XML-safe."""
    element = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        element.set(XML_LANG if key == "lang" else key.rstrip("_").replace("_", "-"), xml_text(value))
    if text is not None:
        element.text = xml_text(text)
    return element


_add = add_element


def unit_flags(document: Document, segment: Segment) -> tuple[list[list[dict]], list[dict]]:
    """The flags of each sentence of ``segment`` and those about the segment as a whole."""
    per_sentence: list[list[dict]] = [[] for _ in segment.sentences]
    whole: list[dict] = []
    for flag in segment.flags:
        index = flag_sentence(segment, flag)
        (whole if index is None else per_sentence[index]).append(flag)
    return per_sentence, whole


def flag_note(document: Document, flag: dict, several: bool) -> str:
    """``flag CHECK: DETAIL``, naming the target language when the document has several."""
    where = f" ({flag_target(document, flag)})" if several else ""
    return f"flag {flag.get('check', '?')}{where}: {flag.get('detail', '')}"


def _header(root: etree._Element, document: Document, src: str) -> None:
    header = _add(
        root,
        "header",
        creationtool="trpipe",
        creationtoolversion=trpipe_version(document),
        datatype="plaintext",
        segtype="sentence",
        adminlang="en",
        srclang=src,
        o_tmf="trpipe",
    )
    created = _tmx_date((document.provenance or {}).get("created"))
    if created:
        header.set("creationdate", created)
    _add(header, "prop", doc_id(document), type="x-doc")
    _add(header, "prop", document.source.sha256, type="x-source-sha256")
    for target in targets(document):
        label = model_label(document, target)
        if label:
            _add(header, "prop", label, type=f"x-model:{target}")


def render_tmx(document: Document) -> str:
    src = document.source.lang or "und"
    langs, name = targets(document), doc_id(document)
    root = etree.Element("tmx", version="1.4")
    _header(root, document, src)
    body = etree.SubElement(root, "body")
    for segment in document.segments:
        seg_lang = segment.lang or src
        per_sentence, pending = unit_flags(document, segment)
        for n, sentence in enumerate(segment.sentences, start=1):
            pairs = [
                (t, text, sentence_score(document, sentence, t))
                for t in langs
                if not kept_for(document, segment, t) and (text := sentence_translation(document, sentence, t))
            ]
            if not pairs:
                continue  # a translation memory holds pairs only
            tu = _add(body, "tu", tuid=f"{segment.id}.{n}")
            if seg_lang != src:
                tu.set("srclang", xml_text(seg_lang))
            for flag in [*pending, *per_sentence[n - 1]]:
                _add(tu, "note", flag_note(document, flag, len(langs) > 1))
            pending = []
            props = (("x-doc", name), ("x-segment", segment.id), ("x-sentence", n))
            props += (("x-start", sentence.start), ("x-end", sentence.end), ("x-kind", segment.kind))
            if segment.location:
                props += (("x-location", dumps(segment.location)), ("x-place", label(segment.location)))
            for kind, value in props:
                _add(tu, "prop", value, type=kind)
            _add(_add(tu, "tuv", lang=seg_lang), "seg", sentence.text)
            for target, text, score in pairs:
                tuv = _add(tu, "tuv", lang=target)
                if score is not None:
                    _add(tuv, "prop", f"{score:.4f}", type="x-score")
                _add(tuv, "seg", text)
    return XML_DECLARATION + etree.tostring(root, encoding="unicode", pretty_print=True)
