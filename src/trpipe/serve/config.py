"""The service's settings: one typed record, filled by ``trpipe serve``'s options (flags, ``TRPIPE_*`` and
LibreTranslate's ``LT_*`` variables) or by a Python caller."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from trpipe.errors import PairError, UsageError

SUGGESTION_MODES = ("off", "store", "apply")
# The limits where 0 or -1 (as LibreTranslate writes it) means none.
LIMITS = ("char_limit", "batch_limit", "document_limit", "body_limit", "upload_limit", "req_limit")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | float | int, option: str = "--keep") -> float:
    """Seconds from ``7d``, ``12h``, ``30m``, ``90s``, ``2w`` or a number of seconds."""
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(value).lower())
        if not match:
            raise UsageError(f"{option} {value!r}: expected a duration such as 7d, 12h, 30m or 90s")
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds <= 0:
        raise UsageError(f"{option} {value!r}: must be more than 0")
    return seconds


def default_state_dir() -> Path:
    """Where jobs, results and suggestions live: ``$TRPIPE_STATE_DIR``, else the user's state folder."""
    if os.environ.get("TRPIPE_STATE_DIR"):
        return Path(os.environ["TRPIPE_STATE_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir("trpipe")) / "serve"


@dataclass(frozen=True)
class ServeSettings:
    """Everything ``trpipe serve`` is told. Limits of 0 (or -1, as LibreTranslate writes it) mean none."""

    host: str = "127.0.0.1"
    port: int = 5000
    models_file: str | None = None
    load: tuple[str, ...] = ()  # pairs (fr-en) or languages (fr): loaded at start
    backend: str = "auto"
    device: str | None = None
    threads: int | None = None
    cache: bool = True
    cache_dir: str | None = None
    glossary: str | None = None
    state_dir: Path | None = None
    keep_s: float = 7 * 86400.0
    api_keys_file: str | None = None
    require_key: bool = False
    cors_origins: tuple[str, ...] = ()
    char_limit: int = 20_000  # characters of one text (a q item, a document)
    batch_limit: int = 1_000  # texts in one q list
    document_limit: int = 1_000_000  # characters of a document of /v1, a job or an uploaded file
    body_limit: int = 10 * 1024 * 1024  # bytes of a request body
    upload_limit: int = 10 * 1024 * 1024  # bytes of an uploaded file
    req_limit: int = 0  # requests per minute per key, or per address without a key
    alternatives_limit: int = 3
    suggestions: str = "off"
    log_text: bool = False
    max_pending: int = 4096  # sentences waiting per model queue
    max_inflight: int = 256  # requests translating at once
    max_jobs: int = 1_000  # jobs waiting
    max_wait_ms: float = 50.0  # longest wait to fill a batch (adaptive; none when the engine is idle)
    max_engine_batch: int = 128  # sentences in one engine call: bounds the engine's working memory
    job_workers: int = 1
    summary: bool = True  # /v1 and jobs: summarise unless the request says otherwise
    frontend_timeout: int = 500
    engine: str = "local"
    replicas: int = 1
    ray_address: str | None = None
    trust_forwarded_for: bool = False
    allow_private_urls: bool = False  # /v1 url inputs on private, loopback, link-local addresses
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.suggestions not in SUGGESTION_MODES:
            raise UsageError(f"--suggestions {self.suggestions}: expected one of {', '.join(SUGGESTION_MODES)}")
        if self.engine not in ("local", "ray"):
            raise UsageError(f"--engine {self.engine}: expected local or ray")
        if self.require_key and not self.api_keys_file:
            raise UsageError("--require-key needs --api-keys FILE (the keys that are accepted)")
        if not 0 < self.port < 65536 and self.port != 0:
            raise UsageError(f"--port {self.port}: expected 1 to 65535")
        for name in LIMITS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < -1:
                option = "--" + name.replace("_", "-")
                raise UsageError(f"{option} {value}: expected a whole number, or 0 (or -1) for no limit")
        load_pairs(self.load, [])  # a bad code is refused before the server starts

    @property
    def state(self) -> Path:
        return Path(self.state_dir).expanduser() if self.state_dir else default_state_dir()

    def limit(self, name: str) -> int:
        """A limit with LibreTranslate's -1 (none) read as 0."""
        value = int(getattr(self, name))
        return 0 if value < 0 else value


def load_pairs(load: tuple[str, ...], pairs: list[str]) -> list[tuple[str, str]]:
    """The pairs that ``--load`` names: ``fr-en`` as it is, a language (``fr``, as LT_LOAD_ONLY names them)
    as every registry pair between the languages named. A code that is not a language tag is refused
    (UsageError), never silently skipped."""
    from trpipe.languages import normalize_code

    wanted: list[tuple[str, str]] = []
    languages: set[str] = set()
    for item in (x.strip() for given in load for x in re.split(r"[,\s]+", given)):
        if not item:
            continue
        if "-" in item and item.count("-") == 1 and len(item) <= 12:
            source, target = item.split("-")
            option = f"--load {item}:"
            wanted.append((normalize_code(source, option), normalize_code(target, option)))
        else:
            languages.add(normalize_code(item, "--load"))
    if languages:
        for pair in pairs:
            source, target = pair.split("-", 1)
            if source in languages and target in languages:
                wanted.append((source, target))
    return list(dict.fromkeys(wanted))


def check_load(settings: ServeSettings, session) -> list[tuple[str, str]]:
    """The pairs of ``--load``, each with a route (a registry pair, a cached or hub model, a pivot), checked
    before the port is bound: a pair no model serves, or languages between which the registry has no pair,
    is a one-line error before the server says it is listening (PairError, UsageError)."""
    pairs = session.registry.pairs()
    wanted = load_pairs(settings.load, pairs)
    if not wanted and any(item.strip(" ,") for item in settings.load):
        raise UsageError(
            f"--load {' '.join(settings.load)}: the registry has no pair between these languages; "
            f"pairs available: {', '.join(pairs)}"
        )
    for source, target in wanted:
        try:
            session.route(source, target)
        except PairError as exc:
            raise PairError(f"--load {source}-{target}: {exc}") from None
    return wanted


def check_listen(host: str, port: int) -> None:
    """Refuse, before anything loads, an address this machine cannot listen on: a host name that does not
    resolve, an address not of this machine, a port in use or not allowed (UsageError naming the option)."""
    import errno
    import socket

    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"--host {host}: cannot listen there ({reason})") from None
    for family, kind, proto, _, address in found:
        try:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"--port {port}: already in use on {host} (choose another, or 0 for any)") from None
            if exc.errno == errno.EAFNOSUPPORT:  # an IPv6 address on a machine without IPv6: uvicorn skips it too
                continue
            raise UsageError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None
