"""``trpipe serve``: one warm service for many clients.

LibreTranslate's API (its clients work unchanged), trpipe's own ``/v1`` (cited documents, jobs with
progress and events), dynamic batching of every request's sentences per model, limits, metrics, and a web
page. From Python::

    from trpipe.serve import ServeSettings, create_app, run

    app = create_app(ServeSettings(models_file="models.yaml"))   # an ASGI app, for any ASGI server
    run(ServeSettings(port=5000, load=("fr-en",)))                # uvicorn, until SIGTERM or Ctrl-C

Heavy imports (FastAPI, uvicorn, the models) happen inside these functions, never at import.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from typing import Any

from trpipe.serve.config import ServeSettings, check_listen, check_load, parse_duration

__all__ = ["ServeSettings", "create_app", "parse_duration", "run"]


def create_app(settings: ServeSettings | None = None, service: Any = None, session: Any = None, **hooks: Any):
    """The ASGI app (see ``trpipe.serve.app.create_app``)."""
    from trpipe.serve.app import create_app as make

    return make(settings, service=service, session=session, **hooks)


def run(settings: ServeSettings, say=None) -> int:
    """Serve until SIGTERM (or Ctrl-C): stop accepting, finish the running requests, queue the running job
    again, exit 0. ``say`` prints the service's lines (where it listens, when it is ready).

    Bad settings (a registry, a keys file, a state folder that cannot be used) raise before the port is
    bound; a model of ``--load`` that cannot be loaded stops the server and is raised.
    """
    check_listen(settings.host, settings.port)
    if settings.engine != "ray":
        return _run(settings, say)
    from trpipe.serve.ray_serve import start_ray, stop_ray

    started = start_ray(settings)
    try:
        return _run(settings, say)
    finally:
        stop_ray(started)


def _run(settings: ServeSettings, say=None) -> int:
    import uvicorn

    from trpipe.serve.service import Service

    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    started = time.monotonic()
    service = Service(settings)  # everything cheap to check is checked before the port is bound
    check_load(settings, service.session)
    access = logging.getLogger("trpipe.access")
    if not access.handlers:  # one JSON object a line on stderr, as it is (no "trpipe: info:" prefix)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.propagate = False
    if access.level == logging.NOTSET:
        access.setLevel(logging.INFO)
    holder: dict[str, Any] = {}

    def ready(seconds: float) -> None:
        say(f"trpipe: ready in {time.monotonic() - started:.2f} s (models loaded in {seconds:.2f} s)")

    def fatal(exc: Exception) -> None:
        holder["server"].should_exit = True

    app = create_app(settings, service=service, on_ready=ready, on_fatal=fatal)

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            # SIGTERM drains and ends the process with 0 (uvicorn would raise it again afterwards)
            if sig == signal.SIGTERM:
                self.should_exit = True
                return
            super().handle_exit(sig, frame)

        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.should_exit:
                return
            host, port = settings.host, settings.port
            for server in self.servers:
                for sock in server.sockets:
                    host, port = sock.getsockname()[:2]
            shown = f"[{host}]" if ":" in str(host) else host
            say(f"trpipe: serving on http://{shown}:{port} (API page: http://{shown}:{port}/docs)")

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,  # uvicorn's line shows the query string, which may hold text: ours does not
        log_level="warning",
        timeout_graceful_shutdown=30,
        lifespan="on",
        server_header=False,
    )
    server = holder["server"] = Server(config)
    try:
        server.run()
    except SystemExit:  # uvicorn could not start (exit 3, its own): trpipe's error and exit code instead
        server.started = False
    if app.state.fatal is not None:
        raise app.state.fatal
    if not server.started:
        from trpipe.errors import UsageError

        raise UsageError(
            f"cannot listen on {settings.host}:{settings.port} (in use, or not an address of this machine)"
        )
    return 0
