"""Reading a request as LibreTranslate does: fields from a JSON body, a form (urlencoded or multipart) or the
query string (popular clients send POST requests with their fields in the URL); the caller's key and limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from trpipe.serve.limits import Key

MAX_FIELDS = 10_000


def bad(message: str, status: int = 400, retry_after: int | None = None) -> HTTPException:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return HTTPException(status, message, headers=headers)


async def read_fields(request: Request) -> dict[str, Any]:
    """Every field of the request: the body's (JSON object or form) over the query string's. A field given
    several times in a form or the query string is a list."""
    cached = getattr(request.state, "fields", None)
    if cached is not None:
        return cached
    fields: dict[str, Any] = {}
    for name in request.query_params:
        values = request.query_params.getlist(name)
        fields[name] = values if len(values) > 1 else values[0]
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    request.state.json_body = False
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if kind == "application/json" or kind.endswith("+json"):
            body = await request.body()
            if body.strip():
                try:
                    data = json.loads(body)
                except (ValueError, RecursionError):
                    raise bad("Invalid JSON format") from None
                if not isinstance(data, dict):
                    raise bad("Invalid JSON format")
                fields.update(data)
                request.state.json_body = True
        elif kind != "multipart/form-data" and (data := _json_object(body := await request.body())) is not None:
            # a JSON object sent as text/plain (fetch() without a Content-Type: the browsers' "simple
            # request"), as a form (axios posting a JSON string) or with no type at all: read as JSON
            fields.update(data)
            request.state.json_body = True
        elif kind == "application/x-www-form-urlencoded":
            # UTF-8 whether percent-encoded or not (Starlette would read raw bytes as Latin-1)
            from urllib.parse import parse_qsl

            body = body.decode("utf-8", "replace")
            try:
                pairs = parse_qsl(body, keep_blank_values=True, encoding="utf-8", max_num_fields=MAX_FIELDS)
            except ValueError as exc:
                raise bad(f"Invalid form body: {exc}") from None
            form: dict[str, list[str]] = {}
            for name, value in pairs:
                form.setdefault(name, []).append(value)
            fields.update({name: values if len(values) > 1 else values[0] for name, values in form.items()})
        elif kind == "multipart/form-data":
            try:
                multipart = await request.form(max_files=16, max_fields=MAX_FIELDS)
            except HTTPException:
                raise
            except Exception as exc:
                raise bad(f"Invalid form body: {exc}") from None
            for name in multipart:
                values = multipart.getlist(name)
                fields[name] = values if len(values) > 1 else values[0]
    request.state.fields = fields
    return fields


def _json_object(body: bytes) -> dict[str, Any] | None:
    """``body`` as a JSON object when it is one (whatever its declared type; a UTF-8 byte order mark
    before it, as Windows tools write it, allowed), else None."""
    if body.lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()[:1] != b"{":
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def text_field(fields: dict[str, Any], name: str, required: bool = True) -> str | None:
    """A field that must be one string (LibreTranslate's message when it is missing)."""
    value = fields.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or value == "":
        if required:
            raise bad(f"Invalid request: missing {name} parameter")
        return None
    if not isinstance(value, str):
        raise bad(f"Invalid request: {name} must be a string")
    return value


def int_field(fields: dict[str, Any], name: str, default: int = 0) -> int:
    value = fields.get(name, default)
    if isinstance(value, list):
        value = value[0] if value else default
    if isinstance(value, bool):
        raise bad(f"Invalid request: {name} parameter is not a number")
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise bad(f"Invalid request: {name} parameter is not a number") from None


def bool_field(fields: dict[str, Any], name: str, default: bool) -> bool:
    value = fields.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise bad(f"Invalid request: {name} must be true or false")


@dataclass(frozen=True)
class Caller:
    """Who sent a request: their key (None without one), the owner id of what they create, the rate identity."""

    key: Key | None
    owner: str
    identity: str

    def has_role(self, role: str) -> bool:
        return self.key is not None and role in self.key.roles


def client_address(request: Request) -> str:
    settings = request.app.state.settings
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "-"


async def admit(request: Request, cost: int = 1) -> Caller:
    """The caller, after the key check (403) and the rate limit (429 with Retry-After)."""
    service = request.app.state.service
    settings = request.app.state.settings
    fields = await read_fields(request)
    given = fields.get("api_key") or fields.get("apiKey")  # apiKey: the npm libretranslate client's name
    if isinstance(given, list):
        given = given[0] if given else None
    if not given:
        auth = request.headers.get("authorization", "")
        given = auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("x-api-key")
    key = None
    if service.keys.enabled and given:
        key = service.keys.lookup(str(given))
        if key is None:
            raise bad("Invalid API key", 403)
    if key is None and settings.require_key:
        raise bad("This server requires an API key (api_key)", 403)
    request.state.key_id = key.id if key else None
    identity = f"key:{key.id}" if key else f"addr:{client_address(request)}"
    wait = service.rates.check(identity, cost)
    if wait:
        raise bad(f"Slowdown: too many requests (at most {settings.req_limit} a minute)", 429, retry_after=wait)
    return Caller(key, key.id if key else "", identity)
