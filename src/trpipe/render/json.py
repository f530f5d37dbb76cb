"""The JSON document (the output contract: see docs/how-it-works.md)."""

from __future__ import annotations

from typing import Any

from trpipe.records import Document
from trpipe.render.common import dumps, finite


def json_document(document: Document) -> dict[str, Any]:
    """``document.to_dict()`` as it is written: NaN or infinite scores (a degenerate model) become null."""
    return finite(document.to_dict())


def render_json(document: Document) -> str:
    return dumps(json_document(document), indent=2) + "\n"
