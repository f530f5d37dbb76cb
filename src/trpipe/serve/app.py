"""The ASGI app: FastAPI on Starlette, served by uvicorn.

Why FastAPI: it is Starlette (the ASGI toolkit: routing, middleware, streaming, form and multipart parsing)
with pydantic, which trpipe already depends on, and it writes the OpenAPI description and its page at
``/docs`` from the routes themselves. The LibreTranslate routes read their fields by hand (a JSON body, a form
or the query string, as LibreTranslate does), so the framework's validation only serves the ``/v1`` routes.

``create_app(settings)`` builds the app; its lifespan starts the :class:`~trpipe.serve.service.Service`
(models of ``--load`` loaded once, the job runner) and stops it (running work finished or re-queued).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from trpipe._version import __version__
from trpipe.serve.config import ServeSettings

log = logging.getLogger("trpipe.serve")
access_log = logging.getLogger("trpipe.access")


def create_app(
    settings: ServeSettings | None = None,
    service: Any = None,
    session: Any = None,
    on_ready: Any = None,
    on_fatal: Any = None,
):
    """The app for ``settings`` (a Service is made at start-up unless one is given; ``session``: a Session
    of the caller's, which the service uses instead of making its own).

    The server answers at once (``/healthz``; ``/readyz`` 503) while the models of ``--load`` load in the
    background; then ``on_ready(seconds)`` is called, or ``on_fatal(error)`` if they cannot be loaded.
    """
    import asyncio
    from contextlib import asynccontextmanager

    import anyio
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    from trpipe.serve import lt_api, page, v1
    from trpipe.serve.limits import BodyLimit

    settings = settings or ServeSettings()

    @asynccontextmanager
    async def lifespan(app):
        nonlocal service
        if service is None:
            from trpipe.serve.service import Service

            service = await anyio.to_thread.run_sync(lambda: Service(settings, session=session))
        app.state.service = service
        app.state.limiter = anyio.CapacityLimiter(settings.max_inflight + settings.job_workers + 8)

        async def start() -> None:
            from trpipe.errors import TrpipeError

            try:
                await anyio.to_thread.run_sync(service.start)
            except TrpipeError as exc:
                app.state.fatal = exc
                if on_fatal is not None:
                    on_fatal(exc)
                return
            if on_ready is not None:
                on_ready(service.metrics.ready_seconds)

        starting = asyncio.ensure_future(start())
        try:
            yield
        finally:
            if not starting.done():
                await starting
            await anyio.to_thread.run_sync(service.stop)

    app = FastAPI(
        title="trpipe",
        version=__version__,
        description="Translation with cited sources: LibreTranslate-compatible routes, and trpipe's own /v1.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.fatal = None
    app.include_router(lt_api.router)
    app.include_router(v1.router)
    app.include_router(page.router)

    @app.exception_handler(HTTPException)
    async def http_error(request, exc: HTTPException):
        from fastapi.responses import JSONResponse

        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError):
        from fastapi.responses import JSONResponse

        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return JSONResponse({"error": f"Invalid request: {where}: {first.get('msg', 'invalid')}"}, status_code=400)

    @app.exception_handler(Exception)
    async def fault(request, exc: Exception):
        from fastapi.responses import JSONResponse

        log.error("internal error on %s: %s: %s", request.url.path, type(exc).__name__, exc, exc_info=exc)
        return JSONResponse({"error": f"Internal error: {type(exc).__name__}"}, status_code=500)

    app.add_middleware(BodyLimit, limit=settings.limit("body_limit"))
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "Authorization", "X-API-Key"],
            expose_headers=["Retry-After", "Location"],
            max_age=600,
        )
    app.add_middleware(AccessLog, log_text=settings.log_text)
    app.add_middleware(HeadAsGet)
    app.add_middleware(CleanPath)
    return app


class HeadAsGet:
    """ASGI middleware: HEAD is answered as GET without the body, as Flask (and so LibreTranslate) answers it
    on every GET route (uptime monitors, ``wget --spider``, ``curl -I``)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def sending(message):
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, sending)


class CleanPath:
    """ASGI middleware: a path with doubled or trailing slashes is the path without them (``//translate``
    and ``/translate/`` are ``/translate``), as LibreTranslate's Flask merges slashes: clients join a base
    URL that ends with ``/`` and ``/translate`` (Mastodon, Discourse), and a redirect would lose a POST's
    body with some of them."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope["path"]
            if "//" in path or (len(path) > 1 and path.endswith("/")):
                scope = {**scope, "path": _clean(path)}
                if scope.get("raw_path"):
                    scope["raw_path"] = _clean(scope["raw_path"].decode("latin-1")).encode("latin-1")
        await self.app(scope, receive, send)


def _clean(path: str) -> str:
    return "/" + "/".join(part for part in path.split("/") if part)


class AccessLog:
    """ASGI middleware: one JSON line per request on the ``trpipe.access`` logger (method, route, status,
    time, client, key id; no text, no query string unless ``--log-text``), and the request metrics."""

    def __init__(self, app, log_text: bool = False):
        self.app = app
        self.log_text = log_text

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 500
        size = 0

        async def sending(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.monotonic() - started
            route = getattr(scope.get("route"), "path", None) or "other"
            state = scope.get("state") or {}
            service = getattr(scope.get("app"), "state", None)
            metrics = getattr(getattr(service, "service", None), "metrics", None) if service else None
            if metrics is not None:
                metrics.request(route, scope["method"], status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                record: dict[str, Any] = {
                    "ts": round(time.time(), 3),
                    "method": scope["method"],
                    "route": route,
                    "path": scope["path"] if route != "other" else "-",
                    "status": status,
                    "ms": round(seconds * 1000, 1),
                    "bytes": size,
                    "client": (scope.get("client") or ("-",))[0],
                    "key": state.get("key_id") or "-",
                }
                if "chars" in state:
                    record["chars"] = state["chars"]
                if self.log_text:
                    record["query"] = scope.get("query_string", b"").decode("latin-1")
                    if "text" in state:
                        record["text"] = state["text"]
                access_log.info("%s", json.dumps(record, ensure_ascii=False))
