"""Talking to the Hugging Face hub: through huggingface_hub only, with every network wait bounded.

* Reachability, commits and file sizes come from ``HfApi.model_info``, downloads from
  ``snapshot_download``: ``HF_ENDPOINT``, proxies (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
  ``NO_PROXY``), tokens and ``HF_HUB_OFFLINE`` apply as huggingface_hub applies them. trpipe reads them
  when it calls, not when huggingface_hub was imported.
* Every wait on the network is bounded: each request huggingface_hub sends (its own internal calls
  included, some of which set no timeout) waits at most ``HF_HUB_ETAG_TIMEOUT`` or
  ``HF_HUB_DOWNLOAD_TIMEOUT`` seconds (10 by default), whichever is larger, for a connection or for
  data; trpipe's own probe waits ``HF_HUB_ETAG_TIMEOUT`` and is never retried. A hub that accepts
  connections and never answers is thus an error after about 10 seconds, not minutes.
* Only what a seq2seq model needs is fetched (``hub.wanted_files``: one copy of the weights); files
  already in the snapshot are kept, so an interrupted download resumes with the files it lacked.

Files stored with Xet are transferred by ``hf_xet``, which has its own timeouts;
``HF_HUB_DISABLE_XET=1`` sends every file through huggingface_hub's client instead.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from trpipe.models.hubcache import hub_cache_dir, hub_endpoint, hub_offline, repo_folder, wanted_files

log = logging.getLogger("trpipe.download")

DEFAULT_WAIT = 10.0  # huggingface_hub's own default for both timeouts
FAILURE_TTL = 300.0  # a failed probe is not repeated for this long (a run asks once per model, not per article)
_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
_PROXY_VARS += ("NO_PROXY", "no_proxy")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_LOCK = threading.Lock()
_SESSION: dict[str, Any] = {"key": None}
_REMOTE: dict[tuple[str, str, str], tuple[float, Remote | HubUnavailable]] = {}


class HubUnavailable(Exception):
    """The hub cannot give what was asked; the message is one line saying why.

    ``gone``: the hub answered that the revision (a commit, say) does not exist there.
    """

    def __init__(self, message: str, gone: bool = False):
        super().__init__(message)
        self.gone = gone


def waits() -> tuple[float, float]:
    """``(metadata, download)`` timeouts in seconds: HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT."""
    return _seconds("HF_HUB_ETAG_TIMEOUT"), _seconds("HF_HUB_DOWNLOAD_TIMEOUT")


def _seconds(var: str) -> float:
    try:
        value = float(os.environ.get(var, "") or DEFAULT_WAIT)
    except ValueError:
        return DEFAULT_WAIT
    return value if value > 0 else DEFAULT_WAIT


def _bound_waits(request: Any) -> None:
    """An httpx request hook: no wait (connect, read, write, pool) longer than trpipe's limit."""
    limit = max(waits())
    current = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        key: limit if current.get(key) is None else min(float(current[key]), limit)
        for key in ("connect", "read", "write", "pool")
    }


def prepare() -> None:
    """Make huggingface_hub follow the environment as it is now, with every wait bounded.

    huggingface_hub reads ``HF_HUB_OFFLINE`` at import and its HTTP client reads the proxies when it is
    made: trpipe sets the first from the environment on every call, and has the client made again when
    the proxy variables changed, then adds its request hook to it.
    """
    from huggingface_hub import close_session, constants, get_session

    constants.HF_HUB_OFFLINE = hub_offline()
    key = repr([os.environ.get(v) for v in _PROXY_VARS])
    with _LOCK:
        if _SESSION["key"] != key:
            close_session()
            _SESSION["key"] = key
        client = get_session()
        hooks = client.event_hooks
        if _bound_waits not in hooks.get("request", []):
            hooks["request"] = [*hooks.get("request", []), _bound_waits]
            client.event_hooks = hooks


# ------------------------------------------------------------------------------------- what the hub has


@dataclass
class Remote:
    """A model repo at one commit, as the hub describes it."""

    repo_id: str
    revision: str
    commit: str
    sizes: dict[str, int | None] = field(default_factory=dict)
    licence: str | None = None

    def wanted(self) -> list[str]:
        return wanted_files(list(self.sizes))

    def size(self, names: list[str]) -> int:
        return sum(self.sizes.get(n) or 0 for n in names)


def remote(repo_id: str, revision: str = "main", timeout: float | None = None) -> Remote:
    """What the hub has for ``repo_id`` at ``revision`` (asked once per process; a failure is kept a while).

    Raises HubUnavailable with the reason (offline, unreachable, silent, no such model, ...).
    """
    key = (hub_endpoint(), repo_id, revision)
    known = _REMOTE.get(key)
    if known is not None and (isinstance(known[1], Remote) or time.monotonic() - known[0] < FAILURE_TTL):
        if isinstance(known[1], HubUnavailable):
            raise known[1]
        return known[1]
    if hub_offline():
        raise HubUnavailable("HF_HUB_OFFLINE is set")
    prepare()
    from huggingface_hub import HfApi

    try:
        info = HfApi(endpoint=hub_endpoint()).model_info(
            repo_id, revision=revision, files_metadata=True, timeout=timeout or waits()[0]
        )
        if not info.sha:
            raise HubUnavailable(f"{hub_endpoint()} did not say which commit {repo_id}@{revision} is")
    except HubUnavailable as exc:
        _REMOTE[key] = (time.monotonic(), exc)
        raise
    except Exception as exc:  # huggingface_hub's and httpx's errors are many: one line says which
        error = HubUnavailable(reason(exc, repo_id, revision), gone="RevisionNotFoundError" in _names(_chain(exc)))
        if error.gone:  # what this process knew of the repo's branches may be stale too
            for known_key in [k for k in _REMOTE if k[:2] == key[:2]]:
                del _REMOTE[known_key]
        _REMOTE[key] = (time.monotonic(), error)
        raise error from None
    sizes = {s.rfilename: getattr(s, "size", None) for s in info.siblings or []}
    found = Remote(repo_id, revision, info.sha, sizes, card_licence(getattr(info, "card_data", None)))
    _REMOTE[key] = (time.monotonic(), found)
    return found


def remote_commit(repo_id: str, revision: str = "main", timeout: float | None = None) -> str | None:
    """The commit ``revision`` of ``repo_id`` is on the hub now; None when the hub cannot say."""
    try:
        return remote(repo_id, revision, timeout).commit
    except HubUnavailable:
        return None


def card_licence(card: Any) -> str | None:
    """The ``license`` of a model card's metadata (a list is joined), or None."""
    value = card.get("license") if hasattr(card, "get") else None
    if isinstance(value, (list, tuple)):
        value = " OR ".join(str(v) for v in value)
    return str(value) if value else None


# ------------------------------------------------------------------------------------------ download


def fetch(
    repo_id: str,
    revision: str = "main",
    *,
    commit: str | None = None,
    say: Callable[[str], None] | None = None,
    bar: bool | None = None,
) -> str:
    """Download (or complete) ``repo_id`` in the hub cache; return the commit now there.

    ``commit``: complete that commit's snapshot (an interrupted download) rather than ``revision``'s
    current one. ``say`` gets a line naming what is fetched and its size (default: a log record);
    ``bar`` shows a byte progress bar (default: when stderr is a terminal).
    """
    found = remote(repo_id, commit or revision)
    names = found.wanted()
    if not names:
        raise HubUnavailable(f"{repo_id}@{found.commit[:12]} has none of the files a model needs")
    folder = repo_folder(repo_id) / "snapshots" / found.commit
    here = [n for n in names if (folder / n).is_file()]
    todo = [n for n in names if n not in here]
    if todo:
        resuming = f", resuming ({len(here)} files already here)" if here else ""
        line = (
            f"trpipe: downloading {repo_id}@{revision} (commit {found.commit[:12]}): {len(todo)} of {len(names)} "
            f"files, {human_size(found.size(todo))}{resuming}"
        )
        (say or log.warning)(line)
    from huggingface_hub import snapshot_download

    prepare()
    try:
        snapshot_download(
            repo_id,
            revision=found.commit,
            allow_patterns=names,
            cache_dir=hub_cache_dir(),
            endpoint=hub_endpoint(),
            etag_timeout=waits()[0],
            tqdm_class=byte_bar(f"{repo_id}", bar),
            max_workers=4,
        )
    except Exception as exc:  # one line, whatever huggingface_hub raised
        raise HubUnavailable(reason(exc, repo_id, revision)) from None
    if not _COMMIT.match(revision):
        _write_ref(repo_folder(repo_id), revision, found.commit)
    return found.commit


def _write_ref(storage: Path, revision: str, commit: str) -> None:
    """``refs/<revision>`` → ``commit``, written atomically (as huggingface_hub does for a branch)."""
    ref = storage / "refs" / revision
    try:
        if ref.is_file() and ref.read_text(encoding="utf-8").strip() == commit:
            return
        ref.parent.mkdir(parents=True, exist_ok=True)
        temporary = ref.with_name(f".{ref.name}.{os.getpid()}.tmp")
        temporary.write_text(commit, encoding="utf-8")
        os.replace(temporary, ref)
    except OSError as exc:
        raise HubUnavailable(f"cannot write {ref} ({exc.strerror or exc})") from None


def human_size(size: int | float) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def byte_bar(label: str, enabled: bool | None) -> type:
    """A tqdm class for snapshot_download that shows one bar of bytes written, and nothing else."""
    import sys

    from tqdm.auto import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled

    class Bar(tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any):
            kwargs.pop("name", None)
            # huggingface_hub makes a bar of files, one of bytes received and one of bytes written: the
            # last is the one every transfer (plain HTTP or Xet) updates.
            mine = kwargs.get("unit") == "B" and "Downloading bytes" not in str(kwargs.get("desc", ""))
            if mine:
                kwargs.update(desc=label, bar_format=None, leave=False, file=sys.stderr)
            kwargs["disable"] = not (show and mine)
            super().__init__(*args, **kwargs)

        def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
            pass  # the bar keeps naming the model, not huggingface_hub's stages

        def set_description_str(self, desc: str | None = None, refresh: bool = True) -> None:
            pass

    return Bar


# --------------------------------------------------------------------------------------------- errors


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _names(chain: list[BaseException]) -> set[str]:
    return {cls.__name__ for e in chain for cls in type(e).__mro__}


def proxy_for(url: str) -> str | None:
    """The proxy the environment gives for ``url`` (credentials hidden), or None."""
    host = urlparse(url).hostname or ""
    import urllib.request  # 25 ms of imports (http, email, ssl) a run with local models never needs

    proxies = urllib.request.getproxies_environment()
    if not proxies or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    found = proxies.get(urlparse(url).scheme) or proxies.get("all")
    return re.sub(r"//[^/@]*@", "//***@", found) if found else None


def reason(exc: BaseException, repo_id: str = "", revision: str = "") -> str:
    """One line saying why talking to the hub failed."""
    chain = _chain(exc)
    names = _names(chain)
    endpoint = hub_endpoint()
    proxy = proxy_for(endpoint)
    via = f" through the proxy {proxy}" if proxy else ""
    detail = _detail(chain[-1])
    status = next((getattr(getattr(e, "response", None), "status_code", None) for e in chain), None)
    if "OfflineModeIsEnabled" in names:
        return "HF_HUB_OFFLINE is set"
    if "GatedRepoError" in names:
        return f"{repo_id} is gated on {endpoint}: accept its conditions there and log in (`hf auth login`)"
    if "RevisionNotFoundError" in names:
        return f"{endpoint} has no revision {revision!r} of {repo_id}"
    if "RepositoryNotFoundError" in names:
        return f"{endpoint} has no model {repo_id} (or it is private: log in with `hf auth login`)"
    if "ProxyError" in names:
        return f"the proxy {proxy or '(from the environment)'} failed for {endpoint} ({detail})"
    if any(n.endswith("Timeout") or n == "TimeoutException" for n in names):
        limit = max(waits())
        return (
            f"{endpoint} did not answer within {limit:g} s{via} "
            "(HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT set the limit)"
        )
    if names & {"ConnectError", "NetworkError", "ConnectionError", "RemoteProtocolError"}:
        return f"{endpoint} cannot be reached{via} ({detail})"
    if status is not None:
        return f"{endpoint} answered HTTP {status} for {repo_id}{via}"
    disk = next((e for e in chain if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)), None)
    if disk is not None or isinstance(exc, PermissionError):
        failed = disk or exc
        return f"cannot write the Hugging Face cache {hub_cache_dir()} ({getattr(failed, 'strerror', None) or detail})"
    return f"{type(exc).__name__}: {_detail(exc)}"


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
