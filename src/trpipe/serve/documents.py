"""The documents of ``/v1``: inputs (text or HTML) as Sources, the request's options as Settings, and stored
JSON results back as Documents for their other renderings."""

from __future__ import annotations

from typing import Any

from trpipe.records import Document, Source, document_from_dict  # noqa: F401 (re-exported: v1 uses it)
from trpipe.serve.fields import bad, bool_field

# media types of the renderings, and the format each Accept type asks for
MEDIA = {
    "json": "application/json",
    "html": "text/html",
    "md": "text/markdown",
    "xliff": "application/xliff+xml",
    "tmx": "application/x-tmx+xml",
    "jsonl": "application/x-ndjson",
}
ACCEPT = {
    "application/json": "json",
    "text/html": "html",
    "text/markdown": "md",
    "application/xliff+xml": "xliff",
    "application/x-xliff+xml": "xliff",
    "application/x-tmx+xml": "tmx",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}
ALIASES = {"markdown": "md", "xlf": "xliff", "ndjson": "jsonl"}


def output_format(requested: Any, accept: str) -> str:
    """``format=`` (json, html, md, xliff, tmx, jsonl) or else the Accept header's first known type; JSON by default."""
    if requested:
        fmt = ALIASES.get(str(requested).lower(), str(requested).lower())
        if fmt not in MEDIA:
            raise bad(f"Invalid request: format {requested!r} is not one of {', '.join(MEDIA)}")
        return fmt
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ACCEPT:
            return ACCEPT[media]
    return "json"


def options(fields: dict[str, Any], default_summary: bool) -> dict[str, Any]:
    """A job's or a /v1/translate request's choices: ``to`` (one or several), ``from``, ``summary``,
    ``checks``, ``glossary`` (TSV text, or a list of [term, translation] pairs)."""
    from trpipe.errors import UsageError
    from trpipe.languages import normalize_code

    to = fields.get("to")
    if to is None or to == "" or to == []:
        raise bad("Invalid request: missing to parameter")
    targets = [to] if isinstance(to, str) else to
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise bad("Invalid request: to must be a language code or a list of them")
    targets = [t for given in targets for t in given.replace(",", " ").split()]
    source = fields.get("from") or None
    try:
        targets = [normalize_code(t, "to") for t in targets]
        source = normalize_code(source, "from") if source and source != "auto" else None
    except UsageError as exc:
        raise bad(f"Invalid request: {exc}") from None
    glossary = fields.get("glossary")
    if glossary not in (None, "", []):
        glossary_entries(glossary)  # refused now, not when the job runs
    return {
        "to": targets,
        "from": source,
        "summary": bool_field(fields, "summary", default_summary),
        "checks": bool_field(fields, "checks", True),
        "glossary": glossary if glossary not in (None, "", []) else None,
    }


def glossary_entries(value: Any):
    """A Glossary from TSV text or ``[[term, translation], [term], ...]``."""
    from trpipe.checks.glossary import Glossary, GlossaryEntry

    rows: list[list[str]] = []
    if isinstance(value, str):
        rows = [line.split("\t") for line in value.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    elif isinstance(value, list):
        rows = [[row] if isinstance(row, str) else row for row in value]
    else:
        raise bad("Invalid request: glossary must be TSV text or a list of [term, translation] pairs")
    entries = []
    for number, row in enumerate(rows, 1):
        if (
            not isinstance(row, list)
            or not 1 <= len(row) <= 2
            or not all(isinstance(x, str) and x.strip() for x in row)
        ):
            raise bad(f"Invalid request: glossary entry {number}: expected [term, translation] or [term]")
        entries.append(GlossaryEntry(row[0].strip(), row[1].strip() if len(row) == 2 else None))
    if not entries:
        raise bad("Invalid request: the glossary has no entries")
    return Glossary(entries, "<request>")


def make_source(text: str, kind: str, name: str, settings: Any = None) -> Source:
    """A Source from a request's text (``kind`` "text"), HTML page or fragment (``kind`` "html"), or a URL
    (``kind`` "url": fetched as ``trpipe translate URL`` fetches it, private, loopback and link-local
    addresses refused, also after redirects and DNS rebinding, unless ``settings.allow_private_urls``)."""
    from trpipe.read import decode_text
    from trpipe.read.extract import extract

    if kind == "url":
        from trpipe.read.fetch import fetch_source

        allow = bool(getattr(settings, "allow_private_urls", False))
        limit = settings.limit("upload_limit") if settings is not None else 0
        return fetch_source(text, allow_private=allow, max_bytes=limit or None)

    source = decode_text(text, name, sniff=kind != "html")
    if kind == "html":
        extracted = extract(source.text, name, fmt="html")
        if extracted is not None:
            source.text, source.blocks, source.meta = extracted.text, extracted.blocks, dict(extracted.meta)
    return source


def translate_document(session: Any, source: Source, opts: dict[str, Any]) -> Document:
    """One document through the Session, with the request's choices."""
    settings = session.settings_for(opts["to"], source_lang=opts.get("from"), summary=opts.get("summary"))
    (result,) = session.run_group([source], settings)
    if isinstance(result, Exception):
        raise result
    finish(result, opts)
    return result


def finish(document: Document, opts: dict[str, Any]) -> None:
    """The request's own glossary checked (instead of the server's), or the flags dropped with ``checks``
    false."""
    if opts.get("glossary") is not None:
        from trpipe.checks import check_document

        for segment in document.segments:
            segment.flags = []
        check_document(document, glossary_entries(opts["glossary"]))
    if not opts.get("checks", True):
        for segment in document.segments:
            segment.flags = []


def render(document: Document, fmt: str) -> str:
    from trpipe.render import render as render_format

    return render_format(document, fmt)
