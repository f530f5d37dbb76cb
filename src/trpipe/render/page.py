"""A web page written back with its article translated (``--format same`` on a web page; ``-o x.html`` and
``--format html`` stay the bilingual report).

The page is parsed as the reader parsed it (trafilatura's ``load_html``), and each translated segment's
location (the XPath of its element) finds its element again; the element's text is replaced by the
translation with its inline elements (bold, italic, links) rebuilt around their words
(``trpipe.render.markup``). Everything else of the page is kept as it was: navigation, images, scripts,
styles (comments and processing instructions, which the parser drops, are not). A title found at a
``<meta content>`` is translated in its attribute, the ``<title>`` where a segment holds its text. The
page declares the target language (``<html lang>``) and UTF-8, and carries its provenance in
``<script type="application/json" id="trpipe-provenance">``.
Segments without a path back into the page (text the extractor assembled) stay in the source language,
listed in ``provenance.writer.not_found``.
"""

from __future__ import annotations

import re
from typing import Any

from trpipe.errors import InputError
from trpipe.records import Document
from trpipe.render.common import dumps
from trpipe.render.markup import describe_markup, rewrite, twin
from trpipe.render.office import WriteReport, by_place, languages, title_translation


def _key(location: dict[str, Any]) -> str | None:
    if location.get("format") != "html" or not location.get("path"):
        return None
    return str(location["path"])


def _page(document: Document):
    from trafilatura.utils import load_html

    source = document.source
    try:
        html = source.original.decode(source.encoding or "utf-8", errors="replace")
    except LookupError:
        html = source.original.decode("utf-8", errors="replace")
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    root = load_html(html)
    if root is None:
        raise InputError(source.path, "cannot be written back: the page no longer parses as HTML")
    return root


def _declare(root, document: Document, bilingual: bool) -> None:
    """``<html lang>`` (the target; not when bilingual) and a UTF-8 charset."""
    from lxml import etree

    if not bilingual:
        root.set("lang", document.target_lang)
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    for meta in head.iter("meta"):
        if meta.get("charset") is not None:
            meta.set("charset", "utf-8")
        elif (meta.get("http-equiv") or "").lower() == "content-type":
            meta.set("content", "text/html; charset=utf-8")
    if not any(m.get("charset") or (m.get("http-equiv") or "").lower() == "content-type" for m in head.iter("meta")):
        head.insert(0, etree.Element("meta", charset="utf-8"))


def render_page(document: Document, bilingual: bool = False) -> str:
    from lxml import etree
    from lxml import html as lxml_html

    source = document.source
    if source.format != "html" or not source.original:
        raise InputError(
            source.path,
            f"--format same writes a web page back from a web page; this is a {source.format or 'text'} input",
        )
    langs = languages(document, "web page", bilingual)
    root = _page(document)
    tree = root.getroottree()
    report = WriteReport("page", bilingual)
    places = {lang: by_place(document, _key, lang) for lang in langs}
    describe = describe_markup("")
    for path, entry in places[langs[0]].items():
        attribute = path.endswith("/@content")
        try:
            found = tree.xpath(path[: -len("/@content")] if attribute else path)
        except etree.XPathError:
            found = []
        if len(found) != 1 or not isinstance(found[0].tag, str):
            report.not_found.append(entry.segments[0].id)
            continue
        element = found[0]
        if attribute or any(a.tag == "head" for a in element.iterancestors()):
            if not bilingual:  # the page's title and description: one language
                if attribute:
                    element.set("content", entry.translation)
                else:
                    rewrite(element, entry, report, describe, langs[0])
            continue
        if not bilingual:
            rewrite(element, entry, report, describe, langs[0])
            continue
        after = element
        for lang in langs:
            other = places[lang].get(path)
            if other is None:
                continue
            copy = twin(element)
            after.addnext(copy)
            rewrite(copy, other, report, describe, lang)
            after = copy
    _declare(root, document, bilingual)
    title = root.find("head/title")
    if title is not None and not bilingual and not len(title):
        title.text = title_translation(document, title.text) or title.text
    provenance = dict(document.provenance or {})
    provenance["writer"] = document.provenance["writer"] = report.to_dict()
    script = etree.SubElement(root.find("head"), "script", type="application/json", id="trpipe-provenance")
    script.text = dumps({"source": source.path, "provenance": provenance}).replace("<", "\\u003c")
    doctype = tree.docinfo.doctype or "<!DOCTYPE html>"
    return lxml_html.tostring(root, encoding="unicode", doctype=doctype) + "\n"
