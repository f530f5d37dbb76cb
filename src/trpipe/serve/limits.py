"""Keys, request rates and sizes: who may call, how often, with how much.

API keys come from a file (``--api-keys FILE``): one key a line, optionally followed by its roles
(``suggest`` lets a key's suggestions be applied, ``admin`` lets it list and revoke everyone's), ``#`` starts a
comment. A key is compared with every known key in constant time (``hmac.compare_digest`` of digests), and
only a digest of it is kept and logged, never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from trpipe.errors import UsageError, shown

KEYS_MAX_BYTES = 4 * 1024 * 1024
ROLES = ("suggest", "admin")


def key_id(key: str) -> str:
    """What identifies a key in the state and the logs: a digest, never the key itself."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Key:
    """A known key: its id (digest) and roles."""

    id: str
    roles: frozenset[str]


class KeyRing:
    """The accepted API keys (none: keys are not used, and every request is anonymous)."""

    def __init__(self, keys: dict[str, frozenset[str]] | None = None):
        self._digests = [
            (hashlib.sha256(k.encode("utf-8")).digest(), key_id(k), roles) for k, roles in (keys or {}).items()
        ]

    @classmethod
    def from_file(cls, path: str | None) -> KeyRing:
        if not path:
            return cls()
        file = Path(path).expanduser()
        try:
            with file.open("rb") as handle:
                data = handle.read(KEYS_MAX_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"{shown(file)}: cannot read the API keys file ({exc.strerror or exc})") from None
        if len(data) > KEYS_MAX_BYTES:
            raise UsageError(f"{shown(file)}: larger than 4 MB, so not an API keys file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{shown(file)}: not UTF-8 text (byte {exc.start}); one API key a line") from None
        keys: dict[str, frozenset[str]] = {}
        for number, line in enumerate(text.splitlines(), 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            key, roles = words[0], frozenset(r.lower() for r in words[1:])
            unknown = roles - set(ROLES)
            if unknown:
                raise UsageError(
                    f"{shown(file)}: line {number}: unknown role {sorted(unknown)[0]!r}; roles: {', '.join(ROLES)}"
                )
            if len(key) < 8:
                raise UsageError(f"{shown(file)}: line {number}: a key must have at least 8 characters")
            keys[key] = roles
        if not keys:
            raise UsageError(f"{shown(file)}: holds no API key (one a line, optionally followed by its roles)")
        return cls(keys)

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def lookup(self, key: str | None) -> Key | None:
        """The known key equal to ``key``, compared with every key in constant time; None if unknown."""
        if not key or not self._digests:
            return None
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
        found: Key | None = None
        for known, ident, roles in self._digests:  # no early exit: the time does not tell which key matched
            if hmac.compare_digest(known, digest):
                found = Key(ident, roles)
        return found


class RateLimiter:
    """At most ``per_minute`` requests in any 60 seconds per identity (a key's id, or a client address)."""

    def __init__(self, per_minute: int, window: float = 60.0, max_identities: int = 100_000):
        self.per_minute = per_minute
        self.window = window
        self.max_identities = max_identities
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, identity: str, cost: int = 1) -> int:
        """0 when the request may go on (and it is counted), else the seconds to wait."""
        if self.per_minute <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            hits = self._hits.get(identity)
            if hits is None:
                if len(self._hits) >= self.max_identities:
                    self._purge(now)
                hits = self._hits[identity] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) + cost > self.per_minute:
                return max(1, math.ceil(hits[0] + self.window - now)) if hits else int(self.window)
            hits.extend([now] * cost)
            return 0

    def _purge(self, now: float) -> None:
        for identity in [i for i, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[identity]


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413, whether it says its length or not."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await _too_large(send, self.limit)
                    return
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:  # the app's error handlers answer 413
                    from starlette.exceptions import HTTPException

                    raise HTTPException(413, f"Request body too large: the limit is {self.limit} bytes")
            return message

        await self.app(scope, counted_receive, send)


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"error": f"Request body too large: the limit is {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
