"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1), which feedparser 6 does not read: its items as
the entries feedparser would give for RSS or Atom, so a feed's entries are read the same way whatever the
format (``trpipe.read.feeds``)."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from trpipe.errors import InputError


def looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _time(value: Any):
    """A JSON Feed date (RFC 3339) as the UTC struct_time feedparser gives, None when absent or not a date."""
    if not isinstance(value, str):
        return None
    try:
        moment = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone(_dt.timezone.utc).timetuple()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_json_feed(data: bytes, given: str, base: str | None = None) -> Any:
    """The JSON Feed in ``data`` as a feedparser result (``entries`` of dicts with id, link, title, content,
    summary, dates); an InputError when it is JSON but not a JSON Feed, or not valid JSON."""
    from feedparser import FeedParserDict

    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(given, "is a JSON document that is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(given, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    version = feed.get("version") if isinstance(feed, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise InputError(given, "is a JSON document, not a feed (RSS, Atom or JSON Feed)")
    if not isinstance(feed.get("items"), list):
        raise InputError(given, "is a JSON Feed without an items list")
    entries = []
    for item in feed["items"]:
        if not isinstance(item, dict):
            continue
        entry = FeedParserDict(title=_text(item.get("title")), title_detail={"type": "text/plain"})
        if item.get("id") is not None:
            entry["id"] = str(item["id"])
        if _text(item.get("url")) or _text(item.get("external_url")):
            entry["link"] = _text(item.get("url")) or _text(item.get("external_url"))
        if _text(item.get("content_html")):
            entry["content"] = [{"value": item["content_html"], "type": "text/html"}]
        elif _text(item.get("content_text")):
            entry["content"] = [{"value": item["content_text"], "type": "text/plain"}]
        if _text(item.get("summary")):
            entry["summary"], entry["summary_detail"] = item["summary"], {"type": "text/plain"}
        for key, field in (("published_parsed", "date_published"), ("updated_parsed", "date_modified")):
            if _time(item.get(field)):
                entry[key] = _time(item.get(field))
        entries.append(entry)
    return FeedParserDict(entries=entries, version=f"json{version.rsplit('/', 1)[-1].replace('.', '')}",
                          bozo=False, feed={"title": _text(feed.get("title"))}, trpipe_base=base)  # fmt: skip
