"""JSON Lines: one line per document, for data pipelines and one stream over many inputs.

A line is ``{"doc": <id>, ...the JSON document...}``: the document's id (``source.id`` of a JSONL record,
else ``source.path``) first, then every key of ``--format json`` (source, target_lang, segments with their
sentences and flags, summary, provenance with its fingerprint), on one line. With several inputs the
engines concatenate the lines into one stream, and resume it by each line's ``provenance.fingerprint``
(``trpipe.engines.stream``).

Every line break a reader might split on is escaped inside the strings (JSON escapes the C0 controls;
U+0085, U+2028 and U+2029 are escaped here), so ``str.splitlines()`` and ``for line in file`` agree.
"""

from __future__ import annotations

from trpipe.records import Document
from trpipe.render.common import doc_id, dumps
from trpipe.render.json import json_document

# Line separators that json.dumps(ensure_ascii=False) leaves as they are; they only occur inside strings.
_SEPARATORS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def jsonl_record(document: Document) -> dict:
    """The object of a document's line: ``doc`` then the JSON document."""
    return {"doc": doc_id(document), **json_document(document)}


def render_jsonl(document: Document) -> str:
    line = dumps(jsonl_record(document))
    for char, escaped in _SEPARATORS.items():
        line = line.replace(char, escaped)
    return line + "\n"
