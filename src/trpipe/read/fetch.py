"""Fetching web pages (and documents) by URL, safely: ``fetch_url`` for the bytes, ``fetch_source`` for the
article read by its reader.

httpx with connect and read timeouts and an overall deadline, a size cap on what is decompressed (gzip,
brotli), a redirect cap with loop detection, an honest User-Agent, and a small conditional cache (ETag,
Last-Modified: a 304 answer reuses the cached body). Only http and https.

The SSRF guard lives here (the service calls ``fetch_url`` for ``url`` inputs): every hop's host is resolved
through ``resolver`` (injectable; ``socket.getaddrinfo`` by default), every address checked (private,
loopback, link-local, multicast, reserved and unspecified ones refused unless ``allow_private``), and the
connection goes to the checked address itself, with the host name kept for the Host header and TLS (SNI
and certificate check), so a DNS answer that changes between check and connection (rebinding) cannot
reach another address. Redirects are followed one hop at a time, each checked again.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import ipaddress
import json
import os
import re
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from trpipe.errors import InputError, shown
from trpipe.records import Source

Resolver = Callable[[str, int], Sequence[str]]
MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
DEADLINE = 60.0  # seconds for a whole fetch, however slowly the bytes drip
RETRIES = 2  # more tries after a transient failure: HTTP 429, 502, 503, 504, a connection reset or cut short
MAX_RETRY_WAIT = 5.0  # seconds waited before a try (a server's Retry-After included), within the deadline
_TRANSIENT = {429, 502, 503, 504}


class _Transient(InputError):
    """A failure worth another try, after ``wait`` seconds (a server's Retry-After) or a back-off."""

    def __init__(self, name: str, reason: str, wait: float | None = None):
        super().__init__(name, reason)
        self.wait = wait


def _retry_after(value: str | None) -> float | None:
    """A Retry-After header's seconds (a number of seconds, or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - _dt.datetime.now(_dt.timezone.utc)).total_seconds()) if moment.tzinfo else None


_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


def is_url(given: str) -> bool:
    """An input that names a URL (``scheme://``) rather than a file (a file of that name wins)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", given) is not None and not os.path.exists(given)


def url_stem(url: str) -> str:
    """An output name for a URL: host and path, made safe (``example.com_news_article-1``)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path.rsplit(".", 1)[0] if "." in parts.path.rsplit("/", 1)[-1] else parts.path
    stem = _UNSAFE.sub("_", f"{parts.hostname or 'url'}{path}{'_' + parts.query if parts.query else ''}")
    return stem.strip("._") or "url"


def user_agent() -> str:
    from trpipe._version import __version__

    return f"trpipe/{__version__} (article translation; +https://pypi.org/project/trpipe/)"


@dataclass
class Fetched:
    """What a fetch gave: the final URL, the body, what the server said, and how we got it."""

    url: str
    final_url: str
    status: int
    data: bytes
    content_type: str | None
    charset: str | None
    fetched_at: str
    redirects: list[str] = field(default_factory=list)
    from_cache: bool = False
    etag: str | None = None
    last_modified: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def default_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def forbidden(address: str) -> str | None:
    """Why a connection to ``address`` is refused without ``allow_private`` (None when it is public)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for test, what in (
        ("is_loopback", "a loopback"),
        ("is_private", "a private"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_reserved", "a reserved"),
        ("is_unspecified", "an unspecified"),
    ):
        if getattr(ip, test):
            return f"{what} address ({address})"
    return None


def without_credentials(url: str) -> tuple[str, str | None]:
    """``(url without user:password@, the Authorization header they make)``: credentials in a URL are sent
    (HTTP Basic, to that host only) but never recorded: not in the provenance, names or messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    import base64
    from urllib.parse import unquote

    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    return urlunsplit(parts._replace(netloc=hostport)), f"Basic {token}"


def _check_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL, or an InputError."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(url, f"the {scheme or 'missing'} scheme is not fetched: trpipe reads http and https URLs only")
    if not parts.hostname:
        raise InputError(url, "is not a URL with a host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise InputError(url, "has an invalid port") from None
    return scheme, parts.hostname, port


def _pinned(url: str, allow_private: bool, resolver: Resolver) -> tuple[str, str, str]:
    """``(url to connect to, Host header, host name)``: the host replaced by an address checked now."""
    scheme, host, port = _check_url(url)
    try:
        addresses = list(resolver(host, port))
    except (OSError, UnicodeError) as exc:
        raise InputError(url, f"host {host} not found ({getattr(exc, 'strerror', None) or exc})") from None
    if not addresses:
        raise InputError(url, f"host {host} not found")
    if not allow_private:
        for address in addresses:
            why = forbidden(address)
            if why:
                raise InputError(url, f"refused: {host} resolves to {why}; --allow-private-urls allows such addresses")
    address = addresses[0]
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{port}"
    default = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
    host_header = host if default else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if default else f"[{host}]:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")), host_header, host


class _Cache:
    """ETag / Last-Modified of fetched URLs and their bodies, in a folder (each entry written atomically)."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def _paths(self, url: str) -> tuple[Path, Path] | None:
        if self.folder is None:
            return None
        key = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder / f"{key}.json", self.folder / f"{key}.body"

    def get(self, url: str) -> dict[str, Any] | None:
        paths = self._paths(url)
        if paths is None or not paths[0].is_file() or not paths[1].is_file():
            return None
        try:
            entry = json.loads(paths[0].read_text(encoding="utf-8"))
            entry["data"] = paths[1].read_bytes()
        except (OSError, ValueError):
            return None
        return entry

    def put(self, url: str, fetched: Fetched) -> None:
        paths = self._paths(url)
        if paths is None or not (fetched.etag or fetched.last_modified):
            return
        entry = {k: getattr(fetched, k) for k in ("final_url", "content_type", "charset", "etag", "last_modified")}
        entry["redirects"] = fetched.redirects
        try:
            replace_file(paths[1], fetched.data)
            replace_file(paths[0], json.dumps(entry).encode())
        except OSError:
            pass  # a cache that cannot be written only costs a full fetch next time


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file beside it, renamed over it); OSError on failure."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def default_fetch_cache() -> Path:
    from trpipe.cachedir import default_cache_dir

    return Path(os.environ.get("TRPIPE_CACHE_DIR") or default_cache_dir()) / "fetch"


def fetch_url(
    url: str,
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
    max_bytes: int | None = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    deadline: float = DEADLINE,
    cache_dir: str | os.PathLike | bool | None = None,
    transport: Any = None,
) -> Fetched:
    """GET ``url`` (http or https), following redirects safely; see the module's docstring.

    ``cache_dir``: the conditional cache's folder (None: trpipe's cache folder; False: no cache).
    ``transport``: an httpx transport (tests). Every failure is an InputError with a one-line reason.
    """
    import httpx

    url, credentials = without_credentials(url)
    resolver = resolver or default_resolver
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    cache = _Cache(None if cache_dir is False else Path(cache_dir) if cache_dir else default_fetch_cache())
    cached = cache.get(url)
    started = time.monotonic()
    timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout)
    headers = {"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate, br", "Accept": "*/*"}

    def attempt() -> Fetched:
        current, seen, redirects = url, {url}, []
        with httpx.Client(timeout=timeout, follow_redirects=False, transport=transport, trust_env=False) as client:
            while True:
                target, host_header, host = _pinned(current, allow_private, resolver)
                request_headers = {**headers, "Host": host_header}
                if credentials and urlsplit(current)[:2] == urlsplit(url)[:2]:  # never sent to another host
                    request_headers["Authorization"] = credentials
                if cached and current == url:
                    if cached.get("etag"):
                        request_headers["If-None-Match"] = cached["etag"]
                    if cached.get("last_modified"):
                        request_headers["If-Modified-Since"] = cached["last_modified"]
                extensions = {"sni_hostname": host} if current.lower().startswith("https") else {}
                try:
                    with client.stream("GET", target, headers=request_headers, extensions=extensions) as response:
                        if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("location"):
                            following = urljoin(current, response.headers["location"])
                            if following in seen:
                                raise InputError(url, f"redirect loop at {shown(following)}")
                            if len(redirects) >= max_redirects:
                                last = shown(following)
                                raise InputError(url, f"more than {max_redirects} redirects (last to {last})")
                            redirects.append(following)
                            seen.add(following)
                            current = following
                            continue
                        if response.status_code == 304 and cached:
                            return _from_cache(url, cached)
                        if response.status_code >= 400:
                            reason = response.reason_phrase or ""
                            said = f"the server answered HTTP {response.status_code} {reason}".rstrip()
                            if response.status_code in _TRANSIENT:
                                raise _Transient(url, said, _retry_after(response.headers.get("retry-after")))
                            raise InputError(url, said)
                        data = _body(response, url, max_bytes, started, deadline)
                        fetched = _fetched(url, current, response, data, redirects)
                except httpx.ConnectTimeout:
                    raise InputError(url, f"did not answer: no connection within {connect_timeout:g} s") from None
                except httpx.ReadTimeout:
                    raise InputError(url, f"stopped answering: nothing for {read_timeout:g} s") from None
                except httpx.TimeoutException:
                    raise InputError(url, "timed out") from None
                except httpx.ConnectError as exc:
                    raise InputError(
                        url, f"cannot connect ({' '.join(str(exc).split()) or 'connection refused'})"
                    ) from None
                except httpx.DecodingError as exc:
                    raise InputError(url, f"sent a body that cannot be decompressed ({exc})") from None
                except (httpx.RemoteProtocolError, httpx.ReadError) as exc:  # reset, closed mid-body: once more
                    said = f"cannot be fetched ({type(exc).__name__}: {' '.join(str(exc).split())})"
                    raise _Transient(url, said) from None
                except (httpx.HTTPError, httpx.InvalidURL) as exc:
                    raise InputError(
                        url, f"cannot be fetched ({type(exc).__name__}: {' '.join(str(exc).split())})"
                    ) from None
                cache.put(url, fetched)
                return fetched

    for tries in range(1, RETRIES + 2):
        try:
            return attempt()
        except _Transient as exc:
            pause = exc.wait if exc.wait is not None else 0.5 * 2 ** (tries - 1)
            if pause > MAX_RETRY_WAIT:  # the server asks for more patience than a run has: said, not waited
                raise InputError(exc.path, f"{exc.reason} (it asks to come back in {pause:.0f} s)") from None
            if tries > RETRIES or time.monotonic() - started + pause > deadline:
                raise InputError(exc.path, exc.reason + (f" (tried {tries} times)" if tries > 1 else "")) from None
            time.sleep(pause)
    raise AssertionError("unreachable")


def _body(response, url: str, max_bytes: int, started: float, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes and not response.headers.get("content-encoding"):
        raise InputError(url, f"is larger than the size limit of {max_bytes} bytes ({declared} bytes announced)")
    chunks, total = [], 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise InputError(url, f"is larger than the size limit of {max_bytes} bytes (--max-bytes to change it)")
        if time.monotonic() - started > deadline:
            raise InputError(url, f"took more than {deadline:g} s to arrive: stopped")
        chunks.append(chunk)
    return b"".join(chunks)


def _fetched(url: str, final: str, response, data: bytes, redirects: list[str]) -> Fetched:
    content_type = response.headers.get("content-type")
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";", 1)[0].strip().strip("\"'") or None
    if charset is None:
        from trpipe.read.decode import page_charset

        charset = page_charset(data)
    return Fetched(
        url=url,
        final_url=final,
        status=response.status_code,
        data=data,
        content_type=content_type,
        charset=charset,
        fetched_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        redirects=list(redirects),
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
    )


def _from_cache(url: str, cached: dict[str, Any]) -> Fetched:
    return Fetched(
        url=url,
        final_url=cached.get("final_url") or url,
        status=304,
        data=cached["data"],
        content_type=cached.get("content_type"),
        charset=cached.get("charset"),
        fetched_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        redirects=list(cached.get("redirects") or []),
        from_cache=True,
        etag=cached.get("etag"),
        last_modified=cached.get("last_modified"),
    )


def source_from_fetched(fetched: Fetched, warn: Callable[[str], None] | None = None) -> Source:
    """The fetched body read by the reader registered for it; the provenance of the fetch in ``meta``."""
    from trpipe.read.registry import ReadOptions, read_data
    from trpipe.read.sniff import sniff

    info = sniff(
        fetched.data, fetched.url, mimetype=fetched.content_type, charset=fetched.charset, url=fetched.final_url
    )
    declared = (fetched.content_type or "").split(";", 1)[0].strip().lower()
    if info.kind is None and declared and not declared.startswith("text/") and "json" not in declared:
        raise InputError(fetched.url, f"is a {declared} response, not an article or a document trpipe reads")
    if not fetched.data.strip():
        raise InputError(fetched.url, "the server sent an empty page")
    source = read_data(fetched.data, info, ReadOptions(warn=warn))
    page = dict(source.meta)
    titles = [b for b in source.blocks or [] if b.kind == "title"]
    if titles and not page.get("title"):
        page["title"] = source.text[titles[0].start : titles[0].end]
    source.meta["fetch"] = {
        "url": fetched.url,
        "final_url": fetched.final_url,
        "canonical_url": page.get("url"),
        "title": page.get("title"),
        "author": page.get("author"),
        "date": page.get("date"),
        "fetched_at": fetched.fetched_at,
        "sha256": fetched.sha256,
        "content_type": fetched.content_type,
        "status": fetched.status,
        "redirects": fetched.redirects,
        "from_cache": fetched.from_cache,
    }
    return source


def fetch_source(
    url: str, *, allow_private: bool = False, max_bytes: int | None = None, warn=None, **options
) -> Source:
    """``url`` fetched and read as an article (see ``fetch_url`` for the options).

    A page with no article that sends the reader on with ``<meta http-equiv="refresh" content="0; url=...">``
    (link shorteners, moved pages) is followed like a redirect, checked the same way, at most 3 times."""
    fetched = fetch_url(url, allow_private=allow_private, max_bytes=max_bytes, **options)
    for _hop in range(3):
        try:
            return source_from_fetched(fetched, warn)
        except InputError as exc:
            following = _refresh_target(fetched)
            if following is None or "no article text" not in exc.reason:
                raise
        moved = fetch_url(following, allow_private=allow_private, max_bytes=max_bytes, **options)
        moved.url, moved.redirects = url, [*fetched.redirects, following, *moved.redirects]
        fetched = moved
    return source_from_fetched(fetched, warn)


_REFRESH = re.compile(
    rb"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*\d*\s*[;,]\s*url\s*=\s*['"]?([^"'>\s]+)""",
    re.I,
)


def _refresh_target(fetched: Fetched) -> str | None:
    """Where a page's ``<meta http-equiv="refresh">`` sends the reader (an absolute URL), None if nowhere new."""
    found = _REFRESH.search(fetched.data[:65536])
    if not found:
        return None
    import html

    target = urljoin(fetched.final_url, html.unescape(found.group(1).decode("ascii", "replace")))
    return None if target in (fetched.final_url, fetched.url, *fetched.redirects) else target
