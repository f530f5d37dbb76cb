"""LibreTranslate's routes, so that its clients work unchanged: /translate, /detect, /languages,
/translate_file (+ /download_file), /frontend/settings, /suggest, /health; and the listing and revocation of
suggestions (/v1/suggestions).

Fields are read wherever LibreTranslate reads them (JSON, form, query string); errors are
``{"error": "..."}`` with LibreTranslate's statuses and messages.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from trpipe.serve.codes import listed_code
from trpipe.serve.fields import admit, bad, int_field, read_fields, text_field
from trpipe.serve.files import DOCUMENT_TYPES, read_upload, translate_upload
from trpipe.serve.markup import visible_text
from trpipe.serve.work import run_in_worker

router = APIRouter()

FILE_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown", ".html": "text/html",
              ".htm": "text/html"}  # fmt: skip
AUTO = "auto"


def _service(request: Request):
    return request.app.state.service


def _code(value: str, service) -> str:
    """A language code as the service lists it (trpipe's tags, as the command line reads ``--to``), read as
    LibreTranslate's clients send codes (:mod:`trpipe.serve.codes`); 400 "xx is not supported" otherwise."""
    code = listed_code(value, (entry["code"] for entry in service.languages()))
    if code is None:
        raise bad(f"{value} is not supported")
    return code


def _pair(service, source: str, target: str) -> None:
    from trpipe.languages import language_name

    if source != target and not service.can_translate(source, target):
        raise bad(
            f"{language_name(target)} ({target}) is not available as a target language from "
            f"{language_name(source)} ({source})"
        )


def detect(service, texts: list[str]) -> list[dict[str, Any]]:
    """LibreTranslate's candidates: ``[{"confidence": 0-100, "language": code}]``, likeliest first, among the
    languages this server translates where it can tell."""
    from trpipe.languages import identify_ranked, letters

    text = "\n".join(texts)
    if letters(text) < 1:
        return [{"confidence": 0.0, "language": "en"}]
    known = [entry["code"] for entry in service.languages()]
    ranked = identify_ranked(text, 10)
    served: dict[str, float] = {}  # the identifier's languages as listed (ko as ko-Hang), each once
    for lang, prob in ranked:
        code = listed_code(lang, known)
        if code is not None and code not in served:
            served[code] = prob
    found = list(served.items()) or ranked[:1]
    return [{"confidence": round(prob * 100, 1), "language": lang} for lang, prob in found[:3]]


@router.post("/translate", tags=["LibreTranslate"])
async def translate(request: Request):
    """Translate ``q`` (a string or a list) from ``source`` (a code or ``auto``) into ``target``."""
    from trpipe.languages import letters

    service = _service(request)
    settings = request.app.state.settings
    fields = await read_fields(request)
    q = fields.get("q")
    if q is None or q == "" or q == []:
        raise bad("Invalid request: missing q parameter")
    batch = isinstance(q, list)
    texts = q if batch else [q]
    if not all(isinstance(t, str) for t in texts):
        raise bad("Invalid request: q must be a string or a list of strings")
    if not request.state.json_body:
        texts = ["\n".join(t.splitlines()) for t in texts]  # as LibreTranslate: LF line ends, counted alike
    source_field = text_field(fields, "source")
    target_field = text_field(fields, "target")
    alternatives = max(0, int_field(fields, "alternatives", 0))
    cap = settings.limit("alternatives_limit")
    if alternatives > cap:
        raise bad(f"Invalid request: alternatives parameter must be <= {cap}")
    limit = settings.limit("batch_limit")
    if batch and limit and len(texts) > limit:
        raise bad(f"Invalid request: request ({len(texts)}) exceeds text limit ({limit})")
    limit = settings.limit("char_limit")
    for text in texts:
        if limit and len(text) > limit:
            raise bad(f"Invalid request: request ({len(text)}) exceeds text limit ({limit})")
    await admit(request, cost=max(1, len(texts)))
    request.state.chars = sum(len(t) for t in texts)
    if settings.log_text:
        request.state.text = texts
    fmt = text_field(fields, "format", required=False) or "text"
    if fmt not in ("text", "html"):
        raise bad(f"{fmt} format is not supported")
    target = _code(target_field, service)
    detected = None
    if source_field.lower() == AUTO:
        sample = [visible_text(t) for t in texts] if fmt == "html" else texts
        detected = detect(service, sample)[0]
        source = detected["language"]
        if letters("\n".join(sample)) < 1:  # nothing to read (digits, emoji): back as it came, as LibreTranslate
            source = target
        elif not any(entry["code"] == source for entry in service.languages()):
            raise bad(f"{source} is not supported")
    else:
        source = _code(source_field, service)
    _pair(service, source, target)
    if source == target:
        translations, others = list(texts), [[] for _ in texts]
    else:
        translations, others = await run_in_worker(
            request, service.translate_texts, texts, source, target, fmt == "html", alternatives
        )
    result: dict[str, Any] = {"translatedText": translations if batch else translations[0]}
    if detected is not None:
        result["detectedLanguage"] = [detected] * len(texts) if batch else detected
    if alternatives > 0:
        result["alternatives"] = others if batch else others[0]
    return JSONResponse(result)


@router.post("/detect", tags=["LibreTranslate"])
async def detect_route(request: Request):
    """The languages ``q`` is likely in: ``[{"confidence", "language"}]``."""
    fields = await read_fields(request)
    q = fields.get("q")
    if not q:
        raise bad("Invalid request: missing q parameter")
    texts = q if isinstance(q, list) else [q]
    if not all(isinstance(t, str) for t in texts):
        raise bad("Invalid request: q must be a string or a list of strings")
    await admit(request)
    return JSONResponse(detect(_service(request), texts))


@router.api_route("/languages", methods=["GET", "POST"], tags=["LibreTranslate"])
async def languages(request: Request):
    """Every language with the targets it can be translated into (through English where there is no model)."""
    return JSONResponse(_service(request).languages())


@router.get("/spec", include_in_schema=False)
async def spec(request: Request):
    """The API description where LibreTranslate serves its own (trpipe's is OpenAPI 3, also at /openapi.json)."""
    return JSONResponse(request.app.openapi())


@router.get("/health", tags=["LibreTranslate"])
async def health():
    return {"status": "ok"}


@router.get("/frontend/settings", tags=["LibreTranslate"])
async def frontend_settings(request: Request):
    from trpipe.languages import language_name

    service = _service(request)
    settings = request.app.state.settings
    codes = [entry["code"] for entry in service.languages()]
    target = "en" if "en" in codes else (codes[0] if codes else "en")
    return {
        "charLimit": settings.char_limit if settings.limit("char_limit") else -1,
        "frontendTimeout": settings.frontend_timeout,
        "apiKeys": service.keys.enabled,
        "keyRequired": settings.require_key,
        "suggestions": settings.suggestions != "off",
        "filesTranslation": True,
        "supportedFilesFormat": sorted([*FILE_TYPES, *DOCUMENT_TYPES]),
        "language": {
            "source": {"code": AUTO, "name": "Auto Detect"},
            "target": {"code": target, "name": language_name(target)},
        },
    }


@router.post("/translate_file", tags=["LibreTranslate"])
async def translate_file(request: Request):
    """Translate an uploaded file into ``target``; answers ``translatedFileUrl``. Text, Markdown and HTML are
    translated as text; Word, OpenDocument, PowerPoint and EPUB files come back in their own format (a PDF
    as a Word document: ``trpipe.serve.files``)."""
    from starlette.datastructures import UploadFile

    service = _service(request)
    settings = request.app.state.settings
    fields = await read_fields(request)
    upload = fields.get("file")
    if not isinstance(upload, UploadFile):
        raise bad("Invalid request: missing file parameter")
    source_field = text_field(fields, "source")
    target_field = text_field(fields, "target")
    name = PurePath((upload.filename or "").replace("\\", "/")).name
    if not name:
        raise bad("Invalid request: empty file")
    suffix = PurePath(name).suffix.lower()
    if suffix not in FILE_TYPES and suffix not in DOCUMENT_TYPES:
        supported = ", ".join(sorted([*FILE_TYPES, *DOCUMENT_TYPES]))
        raise bad(f"Invalid request: file format not supported (supported: {supported})")
    limit = settings.limit("upload_limit")
    data = await upload.read(limit + 1 if limit else -1)
    if limit and len(data) > limit:
        raise bad(f"File too large: the limit is {limit} bytes", 413)
    caller = await admit(request, cost=max(1, len(data) // max(1, settings.limit("char_limit") or len(data) or 1)))
    if suffix in DOCUMENT_TYPES:
        return await _translate_document(request, caller, data, name, source_field, target_field)
    text = _decode_upload(data, name)
    char_limit = settings.limit("document_limit")
    if char_limit and len(text) > char_limit:
        raise bad(f"Invalid request: request ({len(text)}) exceeds text limit ({char_limit})")
    target = _code(target_field, service)
    is_html = suffix in (".html", ".htm")
    if source_field.lower() == AUTO:
        source = detect(service, [visible_text(text) if is_html else text])[0]["language"]
    else:
        source = _code(source_field, service)
    _pair(service, source, target)
    if source == target:
        translated = text
    else:
        (translated,), _ = await run_in_worker(request, service.translate_texts, [text], source, target, is_html)
    stem = PurePath(name).stem
    out_name = f"{stem}.{target}{suffix}"
    ident = service.state.put_file(caller.owner, out_name, FILE_TYPES[suffix], translated.encode("utf-8"))
    return JSONResponse({"translatedFileUrl": str(request.url_for("download_file", ident=ident))})


async def _translate_document(request: Request, caller, data: bytes, name: str, source_field: str, target_field: str):
    """A document upload: read, translated as one document and written back in its own format."""
    from trpipe.errors import TrpipeError

    service = _service(request)
    settings = request.app.state.settings
    try:
        source = read_upload(data, name, settings.limit("upload_limit") or None)
    except TrpipeError as exc:
        raise bad(f"Invalid request: {getattr(exc, 'reason', None) or exc}") from None
    char_limit = settings.limit("document_limit")
    if char_limit and len(source.text) > char_limit:
        raise bad(f"Invalid request: request ({len(source.text)}) exceeds text limit ({char_limit})")
    target = _code(target_field, service)
    source_lang = (
        detect(service, [source.text])[0]["language"] if source_field.lower() == AUTO else _code(source_field, service)
    )
    _pair(service, source_lang, target)
    try:
        translated, suffix = await run_in_worker(
            request, translate_upload, service.session, source, source_lang, target
        )
    except TrpipeError as exc:
        raise bad(str(exc), 500 if exc.exit_code in (4, 70) else 400) from None
    out_name = f"{PurePath(name).stem}.{target}{suffix}"
    media = next(m for s, m in DOCUMENT_TYPES.values() if s == suffix)
    ident = service.state.put_file(caller.owner, out_name, media, translated)
    return JSONResponse({"translatedFileUrl": str(request.url_for("download_file", ident=ident))})


def _decode_upload(data: bytes, name: str) -> str:
    from trpipe.errors import TrpipeError
    from trpipe.read.decode import decode_source

    try:
        return decode_source(data, name).text
    except TrpipeError as exc:
        raise bad(f"Invalid request: {getattr(exc, 'reason', None) or exc}") from None


@router.get("/download_file/{ident}", name="download_file", tags=["LibreTranslate"])
async def download_file(request: Request, ident: str):
    """A translated file (its unguessable id is the permission to read it, so that a browser link works)."""
    found = _service(request).state.file(ident)
    if found is None:
        raise bad("File not found (or expired)", 404)
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in found["name"])[:200] or "translated"
    headers = {"Content-Disposition": f'attachment; filename="{safe}"', "X-Content-Type-Options": "nosniff"}
    media = "text/plain" if found["media"] == "text/html" else found["media"]  # never rendered by the browser
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return Response(found["data"], media_type=media, headers=headers)


@router.post("/suggest", tags=["LibreTranslate"])
async def suggest(request: Request):
    """A better translation of ``q`` into ``target`` (``s``): stored with the key that sent it; applied by
    the translation memory from then on with ``--suggestions apply`` and a key of the ``suggest`` role."""
    from trpipe.textnorm import normalize_for_model

    service = _service(request)
    settings = request.app.state.settings
    if settings.suggestions == "off":
        raise bad("Suggestions are disabled on this server.", 403)
    fields = await read_fields(request)
    q = text_field(fields, "q")
    s = text_field(fields, "s")
    source = _code(text_field(fields, "source"), service)
    target = _code(text_field(fields, "target"), service)
    limit = settings.limit("char_limit")
    if limit and max(len(q), len(s)) > limit:
        raise bad(f"Invalid request: request ({max(len(q), len(s))}) exceeds text limit ({limit})")
    caller = await admit(request)
    applied = settings.suggestions == "apply" and caller.has_role("suggest")
    ident = service.state.add_suggestion(caller.owner, applied, source, target, q, s, normalize_for_model(q))
    if applied:
        service.suggestions.reload()
    return {"success": True, "id": ident, "applied": applied}


@router.get("/v1/suggestions", tags=["suggestions"])
async def list_suggestions(request: Request):
    """The caller's suggestions (every one for an ``admin`` key), newest first."""
    caller = await admit(request)
    if caller.key is None and _service(request).keys.enabled:
        raise bad("Listing suggestions needs an API key", 403)
    rows = _service(request).state.suggestions(None if caller.has_role("admin") else caller.owner)
    return [{k: v for k, v in row.items() if k != "owner"} | {"applied": bool(row["applied"])} for row in rows]


@router.delete("/v1/suggestions/{ident}", tags=["suggestions"])
async def revoke_suggestion(request: Request, ident: int):
    """Revoke a suggestion: the translation memory stops using it at once."""
    service = _service(request)
    caller = await admit(request)
    if caller.key is None and service.keys.enabled:
        raise bad("Revoking suggestions needs an API key", 403)
    if not service.state.revoke_suggestion(ident, None if caller.has_role("admin") else caller.owner):
        raise bad("Suggestion not found", 404)
    service.suggestions.reload()
    return {"success": True, "id": ident, "revoked": True}
