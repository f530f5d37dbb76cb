"""The JSON Schemas of trpipe's outputs (``document.schema.json``, ``digest.schema.json``) and what they find."""

from __future__ import annotations

import json
from functools import cache
from typing import Any


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``trpipe/schemas/<name>.schema.json`` (a fresh copy)."""
    from importlib.resources import files

    return json.loads((files("trpipe") / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))


def schema_problems(doc: Any, name: str) -> list[tuple[str, str]]:
    """``(where, what)`` for each way ``doc`` breaks the schema ``name``, placed like ``a.b[2].c``."""
    problems = []
    for error in sorted(_validator(name).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        problems.append((where, f"{' '.join(error.message.split())[:200]} (schema)"))
    return problems
