"""trpipe's own API: ``/v1/translate`` answers the document of ``trpipe translate --format json`` (or another
rendering), ``/v1/jobs`` runs long work in the background with its progress and events; plus the service's
own routes (``/healthz``, ``/readyz``, ``/metrics``)."""

from __future__ import annotations

import asyncio
import json
from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from trpipe.serve.documents import MEDIA, options, output_format
from trpipe.serve.fields import admit, bad, read_fields
from trpipe.serve.work import run_in_worker

router = APIRouter()
READABLE = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html"}
EVENT_POLL_S = 0.1


def _service(request: Request):
    return request.app.state.service


def _inputs(fields: dict[str, Any], settings) -> list[tuple[str, str, str]]:
    """``(name, kind, text)`` of each document: ``documents`` [{text|html|url, name}], ``text``, ``html``,
    ``url`` (an http(s) page or document, fetched when translated), or uploaded files (txt, md, html)."""
    from starlette.datastructures import UploadFile

    found: list[tuple[str, str, str]] = []
    docs = fields.get("documents")
    if isinstance(docs, str):
        try:
            docs = json.loads(docs)
        except ValueError:
            raise bad("Invalid request: documents must be a JSON list") from None
    if docs is not None:
        if not isinstance(docs, list):
            raise bad("Invalid request: documents must be a list of {text|html, name}")
        for i, doc in enumerate(docs, 1):
            kind = next((k for k in ("text", "html", "url") if isinstance(doc, dict) and k in doc), None)
            if kind is None or not isinstance(doc[kind], str):
                raise bad(f'Invalid request: document {i}: expected {{"text": ...}}, {{"html": ...}} or {{"url": ...}}')
            found.append((str(doc.get("name") or (doc[kind] if kind == "url" else f"document-{i}")), kind, doc[kind]))
    for kind in ("text", "html", "url"):
        values = fields.get(kind)
        for value in values if isinstance(values, list) else [values] if values is not None else []:
            if not isinstance(value, str):
                raise bad(f"Invalid request: {kind} must be a string")
            found.append((value if kind == "url" else f"<{kind}>", kind, value))
    for name in ("file", "files"):
        values = fields.get(name)
        for upload in values if isinstance(values, list) else [values] if values is not None else []:
            if not isinstance(upload, UploadFile):
                raise bad(f"Invalid request: {name} must be an uploaded file")
            found.append(_upload(upload, settings))
    if not found:
        raise bad("Invalid request: missing text, html, url, documents or file")
    for name, kind, value in found:
        if kind == "url" and not value.strip().lower().startswith(("http://", "https://")):
            raise bad(f"Invalid request: {name}: only http and https URLs are fetched")
    limit = settings.limit("document_limit")
    for name, _, text in found:
        if not text.strip():
            raise bad(f"Invalid request: {name} is empty")
        if limit and len(text) > limit:
            raise bad(f"Invalid request: {name} ({len(text)} characters) exceeds the limit ({limit})")
    return found


def _upload(upload, settings) -> tuple[str, str, str]:
    from trpipe.errors import TrpipeError
    from trpipe.read.decode import decode_source

    name = PurePath((upload.filename or "upload").replace("\\", "/")).name or "upload"
    suffix = PurePath(name).suffix.lower()
    if suffix not in READABLE:
        raise bad(f"Invalid request: {name}: file format not supported (supported: {', '.join(sorted(READABLE))})")
    limit = settings.limit("upload_limit")
    upload.file.seek(0)
    data = upload.file.read(limit + 1 if limit else -1)
    if limit and len(data) > limit:
        raise bad(f"File too large: {name} is over the limit of {limit} bytes", 413)
    try:
        text = decode_source(data, name).text
    except TrpipeError as exc:
        raise bad(f"Invalid request: {exc}") from None
    return name, READABLE[suffix], text


# ------------------------------------------------------------------------------------------ translate


@router.post("/v1/translate", tags=["trpipe"])
async def translate(request: Request):
    """One document (``text`` or ``html``) into ``to`` (one or several): the JSON document of
    ``trpipe translate --format json`` (spans, cites, flags, provenance), or ``format=`` html, md, xliff,
    tmx, jsonl (or the Accept header)."""
    from trpipe.errors import TrpipeError
    from trpipe.serve.documents import make_source, render, translate_document

    service = _service(request)
    fields = await read_fields(request)
    fmt = output_format(fields.get("format"), request.headers.get("accept", ""))
    inputs = _inputs(fields, request.app.state.settings)
    if len(inputs) != 1:
        raise bad("Invalid request: /v1/translate takes one document; send several to /v1/jobs")
    opts = options(fields, request.app.state.settings.summary)
    await admit(request)
    name, kind, text = inputs[0]
    request.state.chars = len(text)

    def work() -> str:
        source = make_source(text, kind, name, request.app.state.settings)
        document = translate_document(service.session, source, opts)
        return render(document, fmt)

    try:
        rendered = await run_in_worker(request, work)
    except TrpipeError as exc:
        raise bad(str(exc), 500 if exc.exit_code in (4, 70) else 400) from None
    return Response(rendered, media_type=f"{MEDIA[fmt]}; charset=utf-8", headers=_safe_headers(fmt, rendered))


def _safe_headers(fmt: str, text: str = "") -> dict[str, str]:
    """nosniff everywhere; for the HTML report, its own policy (its style and script by hash, nothing else)
    as a header too."""
    import html
    import re

    headers = {"X-Content-Type-Options": "nosniff"}
    if fmt == "html":
        found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
        headers["Content-Security-Policy"] = html.unescape(found.group(1)) if found else "default-src 'none'"
    return headers


# ----------------------------------------------------------------------------------------------- jobs


def _job_view(request: Request, job: dict[str, Any], documents: list[dict[str, Any]]) -> dict[str, Any]:
    base = str(request.url_for("job", ident=job["id"]))
    return {
        "id": job["id"],
        "state": job["state"],
        "created": job["created"],
        "updated": job["updated"],
        "finished": job["finished"],
        "total": job["total"],
        "done": job["done"],
        "failed": job["failed"],
        "stage": job["stage"],
        "progress": round(job["progress"], 4),
        "stages": [{k: v for k, v in s.items() if k != "steps_at_start"} for s in job["stages"]],
        "options": {k: v for k, v in job["options"].items() if k != "glossary"},
        "error": job["error"],
        "events": f"{base}/events",
        "documents": [
            {
                "index": d["idx"],
                "name": d["name"],
                "state": d["state"],
                "error": d["error"],
                "url": f"{base}/documents/{d['idx']}" if d["state"] == "done" else None,
            }
            for d in documents
        ],
    }


async def _own_job(request: Request, ident: str) -> dict[str, Any]:
    caller = await admit(request)
    job = _service(request).state.job(ident, caller.owner)
    if job is None:  # another key's job is not found either: nothing tells it exists
        raise bad("Job not found", 404)
    return job


@router.post("/v1/jobs", status_code=202, tags=["trpipe"])
async def create_job(request: Request):
    """Queue one or many documents (JSON ``documents``/``text``/``html``, or multipart files); answers 202
    with the job's unguessable id and where to follow it."""
    service = _service(request)
    settings = request.app.state.settings
    fields = await read_fields(request)
    inputs = _inputs(fields, settings)
    opts = options(fields, settings.summary)
    caller = await admit(request, cost=len(inputs))
    if service.stopping:
        raise bad("The server is stopping; retry later", 503, retry_after=5)
    if settings.limit("max_jobs") and service.state.queued() >= settings.max_jobs:
        raise bad("Too many jobs waiting; retry later", 503, retry_after=30)
    request.state.chars = sum(len(t) for _, _, t in inputs)
    ident = service.state.create_job(caller.owner, opts, inputs)
    service.runner.wake()
    job = service.state.job(ident)
    view = _job_view(request, job, service.state.documents(ident))
    return JSONResponse(view, status_code=202, headers={"Location": str(request.url_for("job", ident=ident))})


@router.get("/v1/jobs/{ident}", name="job", tags=["trpipe"])
async def get_job(request: Request, ident: str):
    """A job's state, per-stage progress, documents done/total and each document's error."""
    job = await _own_job(request, ident)
    return _job_view(request, job, _service(request).state.documents(ident))


@router.get("/v1/jobs/{ident}/documents/{index}", tags=["trpipe"])
async def job_document(request: Request, ident: str, index: int):
    """One document's result: JSON (default), or ``format=`` html, md, xliff, tmx, jsonl (or Accept)."""
    import anyio

    from trpipe.serve.documents import document_from_dict, render

    await _own_job(request, ident)
    fields = await read_fields(request)
    fmt = output_format(fields.get("format"), request.headers.get("accept", ""))
    found = _service(request).state.result(ident, index)
    if found is None:
        raise bad("Document not found", 404)
    if found["state"] == "failed":
        raise bad(f"Document {index} failed: {found['error']}", 422)
    if found["state"] != "done":
        raise bad(f"Document {index} is not translated yet", 409, retry_after=2)
    if fmt == "json":
        text = json.dumps(json.loads(found["result"]), ensure_ascii=False, indent=2) + "\n"
    else:
        document = document_from_dict(json.loads(found["result"]))
        text = await anyio.to_thread.run_sync(render, document, fmt)
    headers = _safe_headers(fmt, text)
    if fields.get("download"):
        suffix = {"md": "md", "xliff": "xlf", "jsonl": "jsonl"}.get(fmt, fmt)
        headers["Content-Disposition"] = f'attachment; filename="trpipe-{ident[:8]}-{index}.{suffix}"'
    return Response(text, media_type=f"{MEDIA[fmt]}; charset=utf-8", headers=headers)


@router.delete("/v1/jobs/{ident}", status_code=204, tags=["trpipe"])
async def delete_job(request: Request, ident: str):
    """The job's texts and results removed at once (overwritten in the state file)."""
    service = _service(request)
    caller = await admit(request)
    if not service.state.delete_job(ident, caller.owner):
        raise bad("Job not found", 404)
    service.runner.forget(ident)
    return Response(status_code=204)


@router.get("/v1/jobs/{ident}/events", tags=["trpipe"])
async def job_events(request: Request, ident: str):
    """Server-sent events: ``stage`` (each stage as it starts), ``progress``, ``document`` (each finished
    document), then ``end`` (the job's final state)."""
    await _own_job(request, ident)
    state = _service(request).state

    async def stream():
        seen_stages, seen_docs, last = 0, set(), None
        idle = 0.0
        while True:
            job = state.job(ident)
            if job is None:
                yield _event("end", {"id": ident, "state": "deleted"})
                return
            for stage in job["stages"][seen_stages:]:
                yield _event("stage", {"name": stage["name"], "kind": stage["kind"], "started": stage["started"]})
            seen_stages = len(job["stages"])
            for doc in state.documents(ident):
                if doc["state"] != "queued" and doc["idx"] not in seen_docs:
                    seen_docs.add(doc["idx"])
                    yield _event("document", {"index": doc["idx"], "name": doc["name"], "state": doc["state"],
                                              "error": doc["error"]})  # fmt: skip
            now = (job["state"], job["stage"], round(job["progress"], 3), job["done"], job["failed"])
            if now != last:
                last, idle = now, 0.0
                counts = {"done": job["done"], "failed": job["failed"], "total": job["total"]}
                yield _event("progress", {"state": job["state"], "stage": job["stage"], "progress": now[2], **counts})
            if job["state"] in ("done", "failed"):
                yield _event("end", {"id": ident, "state": job["state"], "done": job["done"], "failed": job["failed"]})
                return
            await asyncio.sleep(EVENT_POLL_S)
            idle += EVENT_POLL_S
            if idle >= 15:
                idle = 0.0
                yield ": keep-alive\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


# -------------------------------------------------------------------------------------------- service


@router.get("/healthz", tags=["service"])
async def healthz():
    """Alive (answers at once, whatever the engines are doing)."""
    return {"status": "ok"}


@router.get("/readyz", tags=["service"])
async def readyz(request: Request):
    """200 once the models of ``--load`` are loaded and the service takes work; 503 before and while stopping."""
    service = getattr(request.app.state, "service", None)
    if service is None or not service.ready:
        return JSONResponse({"ready": False}, status_code=503, headers={"Retry-After": "1"})
    models = [t.describe().get("model") for t in service.session.models.translators()]
    return {"ready": True, "models": models, "ready_seconds": round(service.metrics.ready_seconds, 3)}


@router.get("/metrics", tags=["service"])
async def metrics(request: Request):
    """Prometheus' text format."""
    body, media = _service(request).metrics.render()
    return Response(body, media_type=media)
