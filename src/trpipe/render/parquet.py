"""Parquet rows: one per article, for ``-o FILE.parquet`` (pyarrow, extra ``trpipe[parquet]``).

The columns mirror the JSON document as nested Parquet types, so pandas, pyarrow, duckdb or Spark read
them without parsing JSON:

    doc           string   source.id (a JSONL record's id) or source.path
    source        struct   path, id, lang, encoding, sha256, text, format
    target_lang   string
    target_langs  list<string>      every target, the main one first (also with a single --to)
    segments      list<struct>      id, kind, start, end, line, text, translation, translations map,
                                    sentences list<struct start, end, text, translation, score,
                                    translations map, scores map, alignment list<list<int>>>,
                                    flags list<struct check, detail,
                                    severity, sentence, evidence struct<source, target: struct<start,
                                    end, text>, expected, found, measure, value, threshold>>,
                                    path, lang, kept, location struct<format, path, line, part, where,
                                    paragraph, table, row, cell, note, slide, shape, shape_name, notes,
                                    spine, page, boxes list<struct page, bbox list<double>>>
    summary       map<lang, list<struct text, cites list, unsupported list, weakly_supported, support,
                                    wrong_citation, cited_as list>>
    provenance    struct   trpipe, created, fingerprint, signature, segmenter,
                           models struct<translation, summary, back_translation: model, translations:
                                         map<lang, model>>  (model: model, revision, commit, architecture,
                                         device, dtype, backend, compute_type, ctranslate2, pivot, legs; a
                                         many-to-many pair's route, family, pair, source/target_token)
                           decoding struct<same roles: num_beams, max_input_tokens, max_length, ...>
                           summary struct<method, levels, chunks_per_level, alignment, aligned_by>,
                           summary_error, source_language struct<lang, given, detected, confidence,
                           characters, identifier>, routes map<lang, struct<kind, reason, models list>>,
                           checks struct<ran list, not_run map<check, reason>>,
                           licences map<model, struct<licence, source, non_commercial>>
    fingerprint   string   provenance.fingerprint, for a quick look-up
    contract_version string  the JSON contract's version (null in files written before 1.1)
    extra         string   JSON text of top-level keys the schema does not know (null when none)

Every struct also has an ``extra`` string: the JSON text of the keys the schema does not name (free-form
parts such as the extractor's page metadata in ``provenance.extra``; a value of an unexpected type, and
an optional key given as null, land there too), null when there are none. Strings are UTF-8: a lone
surrogate (which no input should carry) becomes U+FFFD. ``parquet_document(row)`` turns a row back into
the JSON document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trpipe.errors import MissingExtraError
from trpipe.render.common import dumps, encodable, finite

STRING, INT, FLOAT, BOOL = "string", "int", "float", "bool"
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class ListOf:
    item: Any


@dataclass(frozen=True)
class MapOf:
    """String keys (languages, roles) to ``value``; written as a Parquet map, key order kept."""

    value: Any


@dataclass(frozen=True)
class Struct:
    """A JSON object: ``fields`` are ``(name, type, always)``; ``always`` keys are in every JSON object
    (kept as null when null), the others only when they have a value. Other keys go to ``extra``."""

    fields: tuple[tuple[str, Any, bool], ...]


def _fields(always: str, optional: str, kind: Any = STRING) -> tuple[tuple[str, Any, bool], ...]:
    return tuple((n, kind, True) for n in always.split()) + tuple((n, kind, False) for n in optional.split())


_MODEL_KEYS = (
    "model revision commit architecture device dtype backend compute_type ctranslate2 pivot "
    "route family pair source_token target_token"  # a many-to-many model's pair (trpipe.translate.pairs)
)
MODEL_LEG = Struct(_fields("", _MODEL_KEYS))
MODEL = Struct((*MODEL_LEG.fields, ("legs", ListOf(MODEL_LEG), False)))
DECODING_LEG = Struct(
    (
        *_fields("", "num_beams max_input_tokens max_length min_length max_new_tokens_offset", INT),
        *_fields("", "no_repeat_ngram_size", INT),
        *_fields("", "max_new_tokens_ratio length_penalty", FLOAT),
        ("target_token", STRING, False),
        ("source_token", STRING, False),
    )
)
DECODING = Struct((*DECODING_LEG.fields, ("legs", ListOf(DECODING_LEG), False)))


def _roles(kind: Struct) -> Struct:
    roles = tuple((role, kind, False) for role in ("translation", "summary", "back_translation"))
    return Struct((*roles, ("translations", MapOf(kind), False)))


SUMMARY_TRACE = Struct(
    (
        ("method", STRING, False),
        ("levels", INT, False),
        ("chunks_per_level", ListOf(INT), False),
        ("alignment", STRING, False),
        ("aligned_by", MapOf(INT), False),
    )
)
ROUTE = Struct((*_fields("", "kind reason"), ("models", ListOf(STRING), False)))
CHECKS_RAN = Struct((("ran", ListOf(STRING), False), ("not_run", MapOf(STRING), False)))
LICENCE = Struct((*_fields("", "licence source"), ("non_commercial", BOOL, False)))
# How the source language was found: given (--from), or detected with a confidence from so many characters.
SOURCE_LANGUAGE = Struct(
    (
        ("lang", STRING, False),
        ("given", BOOL, False),
        ("detected", BOOL, False),
        ("confidence", FLOAT, False),
        ("characters", INT, False),
        ("identifier", STRING, False),
    )
)
PROVENANCE = Struct(
    (
        *_fields("", "trpipe created fingerprint signature segmenter"),
        ("source_language", SOURCE_LANGUAGE, False),
        ("models", _roles(MODEL), False),
        ("decoding", _roles(DECODING), False),
        ("summary", SUMMARY_TRACE, False),
        ("summary_error", STRING, False),
        ("routes", MapOf(ROUTE), False),
        ("checks", CHECKS_RAN, False),
        ("licences", MapOf(LICENCE), False),
    )
)
SOURCE = Struct(_fields("path lang encoding sha256 text", "id format"))
BOX = Struct((("page", INT, True), ("bbox", ListOf(FLOAT), True)))
# A segment's location (trpipe.locations): one struct for every format, the keys a format lacks null.
LOCATION = Struct(
    (
        *_fields("format", "path part where note shape_name"),
        *_fields("", "line paragraph table row cell slide shape spine page", INT),
        ("notes", BOOL, False),
        ("boxes", ListOf(BOX), False),
    )
)
SPAN = Struct((*_fields("", "start end", INT), ("text", STRING, False)))
EVIDENCE = Struct(
    (
        ("source", SPAN, False),
        ("target", SPAN, False),
        *_fields("", "expected found measure"),
        *_fields("", "value threshold", FLOAT),
    )
)
FLAG = Struct((*_fields("check detail", "target severity"), ("sentence", INT, False), ("evidence", EVIDENCE, False)))
SENTENCE = Struct(
    (
        *_fields("start end", "", INT),
        *_fields("text translation", ""),
        ("score", FLOAT, False),
        ("translations", MapOf(STRING), False),
        ("scores", MapOf(FLOAT), False),
        ("alignment", ListOf(ListOf(INT)), False),
    )
)
SEGMENT = Struct(
    (
        *_fields("id kind", ""),
        *_fields("start end line", "", INT),
        *_fields("text translation", ""),
        ("sentences", ListOf(SENTENCE), True),
        ("flags", ListOf(FLAG), True),
        *_fields("", "path lang"),
        ("location", LOCATION, False),
        ("kept", BOOL, False),
        ("translations", MapOf(STRING), False),
    )
)
SUMMARY_SENTENCE = Struct(
    (
        ("text", STRING, True),
        ("cites", ListOf(STRING), True),
        ("unsupported", ListOf(STRING), False),
        ("weakly_supported", BOOL, False),
        ("support", FLOAT, False),
        ("wrong_citation", BOOL, False),
        ("cited_as", ListOf(STRING), False),
    )
)
DOCUMENT = Struct(
    (
        ("source", SOURCE, True),
        ("target_lang", STRING, True),
        ("target_langs", ListOf(STRING), False),
        ("segments", ListOf(SEGMENT), True),
        ("summary", MapOf(ListOf(SUMMARY_SENTENCE)), True),
        ("provenance", PROVENANCE, True),
        ("contract_version", STRING, False),
    )
)


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


def arrow_type(pa: Any, kind: Any) -> Any:
    """The Arrow type of a schema node."""
    if isinstance(kind, Struct):
        fields = [pa.field(name, arrow_type(pa, sub)) for name, sub, _ in kind.fields]
        return pa.struct([*fields, pa.field("extra", pa.string())])
    if isinstance(kind, ListOf):
        return pa.list_(arrow_type(pa, kind.item))
    if isinstance(kind, MapOf):
        return pa.map_(pa.string(), arrow_type(pa, kind.value))
    return {STRING: pa.string(), INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_()}[kind]


def parquet_schema(pa: Any) -> Any:
    columns = [pa.field("doc", pa.string())]
    columns += [pa.field(name, arrow_type(pa, kind)) for name, kind, _ in DOCUMENT.fields]
    columns += [pa.field("fingerprint", pa.string()), pa.field("extra", pa.string())]
    return pa.schema(columns)


class _Mismatch(Exception):
    """A JSON value that does not fit its schema node (it is kept in the enclosing ``extra``)."""


def _to_row(value: Any, kind: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, Struct):
        if not isinstance(value, dict):
            raise _Mismatch
        return _struct_row(value, kind)
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            raise _Mismatch
        return [_to_row(item, kind.item) for item in value]
    if isinstance(kind, MapOf):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise _Mismatch
        return [(encodable(k), _to_row(v, kind.value)) for k, v in value.items()]
    if kind == STRING and isinstance(value, str):
        return encodable(value)  # Parquet strings are UTF-8: a lone surrogate becomes U+FFFD
    if kind == BOOL and isinstance(value, bool):
        return value
    if kind == INT and isinstance(value, int) and not isinstance(value, bool) and _INT64[0] <= value <= _INT64[1]:
        return value
    if kind == FLOAT and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise _Mismatch


def _struct_row(value: dict[str, Any], kind: Struct) -> dict[str, Any]:
    out: dict[str, Any] = {}
    extra = {k: v for k, v in value.items() if k not in {name for name, _, _ in kind.fields}}
    for name, sub, always in kind.fields:
        if name in value and value[name] is None and not always:
            extra[name] = None  # an optional key present as null: extra says so, the column is null
        if name in value:
            try:
                out[name] = _to_row(value[name], sub)
            except _Mismatch:
                extra[name] = value[name]
                out[name] = None
        else:
            out[name] = None
    out["extra"] = dumps(extra) if extra else None
    return out


def _from_row(value: Any, kind: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, Struct):
        return _struct_document(value, kind)
    if isinstance(kind, ListOf):
        return [_from_row(item, kind.item) for item in value]
    if isinstance(kind, MapOf):
        pairs = value.items() if isinstance(value, dict) else value
        return {k: _from_row(v, kind.value) for k, v in pairs}
    return value


def _struct_document(value: dict[str, Any], kind: Struct) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sub, always in kind.fields:
        item = value.get(name)
        if item is not None or always:
            out[name] = _from_row(item, sub)
    if value.get("extra"):
        out.update(json.loads(value["extra"]))
    return out


def parquet_row(document: dict[str, Any]) -> dict[str, Any]:
    """A row of the Parquet file from a JSON document (``Document.to_dict()``)."""
    document = finite(document)
    row = _struct_row(document, DOCUMENT)
    source, provenance = row["source"] or {}, row["provenance"] or {}
    row["doc"] = source.get("id") or source.get("path")
    if not row["target_langs"] and row["target_lang"] is not None:
        row["target_langs"] = [row["target_lang"]]
    row["fingerprint"] = provenance.get("fingerprint")
    return row


def parquet_document(row: dict[str, Any]) -> dict[str, Any]:
    """The JSON document a Parquet row holds (``row`` from ``pyarrow.Table.to_pylist()``): the inverse of
    ``parquet_row``, equal to the ``--format json`` output of the same run."""
    document = _struct_document(row, DOCUMENT)
    langs = document.get("target_langs")
    if isinstance(langs, list) and len(langs) <= 1:
        del document["target_langs"]  # written for every row, in the JSON only with several targets
    return document
