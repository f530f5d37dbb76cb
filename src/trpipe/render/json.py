"""The JSON document (the output contract: see README)."""

from __future__ import annotations

import json

from trpipe.records import Document


def render_json(document: Document) -> str:
    return json.dumps(document.to_dict(), ensure_ascii=False, indent=2) + "\n"
