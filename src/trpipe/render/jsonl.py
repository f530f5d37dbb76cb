"""JSON Lines for data pipelines: one object per segment, the document id and languages first.

With several inputs, the CLI concatenates the renderings into one stream (each ends with a newline).
"""

from __future__ import annotations

import json

from trpipe.records import Document


def doc_id(document: Document) -> str:
    """The id a row carries: ``source.doc_id`` when the input gave one, else the source path."""
    return document.source.doc_id or document.source.path


def render_jsonl(document: Document) -> str:
    head = {"doc": doc_id(document), "source_lang": document.source.lang, "target_lang": document.target_lang}
    lines = [json.dumps({**head, **segment.to_dict()}, ensure_ascii=False) for segment in document.segments]
    return "".join(line + "\n" for line in lines)
