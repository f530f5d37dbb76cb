"""``trpipe serve``: the service's options (``TRPIPE_*`` and LibreTranslate's ``LT_*`` variables)."""

from __future__ import annotations

import click

from trpipe.commands.options import LOG_LEVELS, BackendType, DeviceType, setup_logging
from trpipe.commands.options import option as _option


def _lt(name: str, lt_name: str | None = None) -> list[str]:
    """A serve option's variables: TRPIPE_NAME, and LibreTranslate's LT_NAME where it means the same."""
    return [f"TRPIPE_{name}", *([f"LT_{lt_name}"] if lt_name else [])]


@click.command()
@_option("--host", env=_lt("HOST", "HOST"), default="127.0.0.1", show_default=True, help="Address to listen on.")
@_option("--port", env=_lt("PORT", "PORT"), type=click.IntRange(0, 65535), default=5000, show_default=True,
         help="Port (0: any free port, printed at start).")  # fmt: skip
@_option("--models", "models_file", env="TRPIPE_MODELS", type=click.Path(), help="Model registry file.")
@_option("--load", env=_lt("LOAD", "LOAD_ONLY"), multiple=True, metavar="PAIRS",
         help="Load at start: pairs (fr-en,en-fr) or languages (fr,en: the pairs between them).")  # fmt: skip
@_option("--backend", env="TRPIPE_BACKEND", type=BackendType(), default="auto", show_default=True, help="Backend.")
@_option("--device", env="TRPIPE_DEVICE", type=DeviceType(), help="Where models run (default: auto).")
@_option("--threads", env="TRPIPE_THREADS", type=click.IntRange(1), help="CPU threads per model (default: all).")
@_option("--cache-dir", env="TRPIPE_CACHE_DIR", type=click.Path(file_okay=False),
         help="Folder of the translation memory and converted models.")  # fmt: skip
@_option("--no-cache", env="TRPIPE_NO_CACHE", is_flag=True, help="Do not use the translation memory.")
@_option("--glossary", env="TRPIPE_GLOSSARY", type=click.Path(dir_okay=False), help="TSV of required terms.")
@_option("--state-dir", env="TRPIPE_STATE_DIR", type=click.Path(file_okay=False),
         help="Folder of the jobs, results and suggestions (SQLite).")  # fmt: skip
@_option("--keep", env="TRPIPE_KEEP", default="7d", show_default=True, metavar="DURATION",
         help="How long finished jobs and translated files are kept (7d, 12h, 30m).")  # fmt: skip
@_option("--api-keys", "api_keys_file", env=_lt("API_KEYS", "API_KEYS"), type=click.Path(dir_okay=False),
         metavar="FILE", help="Accepted API keys, one a line, roles may follow (suggest, admin).")  # fmt: skip
@_option("--require-key", env="TRPIPE_REQUIRE_KEY", is_flag=True, help="Refuse requests without a key.")
@_option("--cors-origin", "cors_origins", env="TRPIPE_CORS_ORIGIN", multiple=True, metavar="ORIGIN",
         help="Allow browsers on ORIGIN to call the API (repeatable; CORS is off without it; * for any).")  # fmt: skip
@_option("--char-limit", env=_lt("CHAR_LIMIT", "CHAR_LIMIT"), type=int, default=20_000, show_default=True,
         help="Characters of one text of /translate (-1: none).")  # fmt: skip
@_option("--batch-limit", env=_lt("BATCH_LIMIT", "BATCH_LIMIT"), type=int, default=1_000, show_default=True,
         help="Texts in one q list (-1: none).")  # fmt: skip
@_option("--document-limit", env="TRPIPE_DOCUMENT_LIMIT", type=int, default=1_000_000, show_default=True,
         help="Characters of a /v1 document or an uploaded file (-1: none).")  # fmt: skip
@_option("--body-limit", env="TRPIPE_BODY_LIMIT", type=int, default=10 * 1024 * 1024, show_default=True,
         help="Bytes of a request body (413 beyond).")  # fmt: skip
@_option("--upload-limit", env="TRPIPE_UPLOAD_LIMIT", type=int, default=10 * 1024 * 1024, show_default=True,
         help="Bytes of an uploaded file (413 beyond).")  # fmt: skip
@_option("--req-limit", env=_lt("REQ_LIMIT", "REQ_LIMIT"), type=int, default=0, show_default=True,
         help="Requests a minute per key, or per address without one (0 or -1: none).")  # fmt: skip
@_option("--alternatives-limit", env=_lt("ALTERNATIVES_LIMIT", "ALTERNATIVES_LIMIT"), type=click.IntRange(0),
         default=3, show_default=True, help="Most alternatives a request may ask for.")  # fmt: skip
@_option("--suggestions", env="TRPIPE_SUGGESTIONS", type=click.Choice(["off", "store", "apply"]), default="off",
         show_default=True, help="/suggest: off, stored, or applied (from keys of the suggest role).")  # fmt: skip
@_option("--log-text", env="TRPIPE_LOG_TEXT", is_flag=True, help="Put request text in the access log.")
@_option("--max-pending", env="TRPIPE_MAX_PENDING", type=click.IntRange(1), default=4096, show_default=True,
         help="Sentences waiting per model (503 beyond).")  # fmt: skip
@_option("--max-inflight", env="TRPIPE_MAX_INFLIGHT", type=click.IntRange(1), default=256, show_default=True,
         help="Requests translating at once (503 beyond).")  # fmt: skip
@_option("--max-jobs", env="TRPIPE_MAX_JOBS", type=click.IntRange(1), default=1000, show_default=True,
         help="Jobs waiting (503 beyond).")  # fmt: skip
@_option("--max-wait-ms", env="TRPIPE_MAX_WAIT_MS", type=click.FloatRange(0), default=50.0, show_default=True,
         help="Longest wait to fill a batch under load (never when the engine is idle).")  # fmt: skip
@_option("--max-engine-batch", env="TRPIPE_MAX_ENGINE_BATCH", type=click.IntRange(1), default=128, show_default=True,
         help="Sentences in one engine call (fewer: less memory under load, fewer sentences a second).")  # fmt: skip
@_option("--job-workers", env="TRPIPE_JOB_WORKERS", type=click.IntRange(1), default=1, show_default=True,
         help="Jobs run at once.")  # fmt: skip
@_option("--summary/--no-summary", env="TRPIPE_SUMMARY", default=True, help="/v1 and jobs summarise by default.")
@_option("--engine", env="TRPIPE_ENGINE", type=click.Choice(["local", "ray"]), default="local", show_default=True,
         help="local, or ray: Ray Serve replicas (pip install 'trpipe[ray]').")  # fmt: skip
@_option("--replicas", env="TRPIPE_REPLICAS", type=click.IntRange(1), default=1, show_default=True,
         help="Ray: translating replicas.")  # fmt: skip
@_option("--ray-address", env="TRPIPE_RAY_ADDRESS", metavar="ADDR", help="Ray cluster to join (default: a local Ray).")
@_option("--trust-forwarded-for", env="TRPIPE_TRUST_FORWARDED_FOR", is_flag=True,
         help="Take the client address from X-Forwarded-For (behind a proxy).")  # fmt: skip
@_option("--allow-private-urls", env="TRPIPE_ALLOW_PRIVATE_URLS", is_flag=True,
         help="/v1 url inputs: fetch private, loopback and link-local addresses too.")  # fmt: skip
@_option("-v", "--verbose", env="TRPIPE_VERBOSE", count=True, help="More messages (-v info, -vv debug).")
@_option("--log-level", env="TRPIPE_LOG_LEVEL", type=click.Choice(LOG_LEVELS), help="Messages shown.")
def serve(keep, no_cache, load, cors_origins, api_keys_file, verbose, log_level, **options) -> None:
    """Serve translation over HTTP: LibreTranslate's API, trpipe's /v1 (cited documents, jobs), a web page.

    Listens on 127.0.0.1:5000 by default (API page at /docs). SIGTERM stops it cleanly (exit 0).
    """
    from trpipe.serve import ServeSettings, parse_duration, run

    setup_logging(verbose, log_level, lambda line: click.echo(line, err=True))
    if api_keys_file and api_keys_file.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        if api_keys_file.strip().lower() in ("true", "1", "yes"):
            raise click.UsageError("API keys: give the keys file's path (--api-keys FILE, LT_API_KEYS=FILE)")
        api_keys_file = None
    settings = ServeSettings(
        keep_s=parse_duration(keep),
        cache=not no_cache,
        load=tuple(load),
        cors_origins=tuple(o for given in cors_origins for o in given.split()),
        api_keys_file=api_keys_file,
        **options,
    )
    status = run(settings, say=lambda line: click.echo(line, err=True))
    if status:
        raise click.exceptions.Exit(status)
