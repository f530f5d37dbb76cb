"""Parquet rows: one per article, for ``-o FILE.parquet`` (pyarrow, extra ``trpipe[parquet]``)."""

from __future__ import annotations

import json
from typing import Any

from trpipe.errors import MissingExtraError

_COLUMNS = ("doc", "source_path", "source_lang", "target_lang", "fingerprint")


def import_pyarrow() -> tuple[Any, Any]:
    """``(pyarrow, pyarrow.parquet)``, or an error naming the extra to install."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("pyarrow", "parquet", "Parquet output") from None
    return pa, pq


def parquet_available() -> bool:
    try:
        import_pyarrow()
    except MissingExtraError:
        return False
    return True


def parquet_schema(pa: Any) -> Any:
    return pa.schema([(name, pa.string()) for name in _COLUMNS] + [("document", pa.string())])


def parquet_row(document: dict[str, Any]) -> dict[str, Any]:
    """A row of the Parquet file from a JSON document (``Document.to_dict()``)."""
    return {
        "doc": document["source"].get("id") or document["source"]["path"],
        "source_path": document["source"]["path"],
        "source_lang": document["source"]["lang"],
        "target_lang": document["target_lang"],
        "fingerprint": document["provenance"].get("fingerprint"),
        "document": json.dumps(document, ensure_ascii=False),
    }
