"""Feeds (RSS 0.9x-2.0, RSS 1.0, Atom; feedparser): each entry an article, the ones done remembered.

An entry's article is its linked page, fetched and extracted like any URL; when the page cannot be had, the
entry's own content (or summary) is used, and the provenance says which and why. Entries are streamed in
feed order (``--since DATE`` and ``--limit N`` filter them); the state folder (``--state DIR``) remembers
each entry done by its key (id, else link) and the hash of its content, so a daily run does only what is
new or changed.

The state folder holds one JSON file per feed, ``<sha256 of the feed's URL or path, 16 hex>.json``::

    {"format": "trpipe-feed-state", "version": 1, "feed": "https://…/rss",
     "entries": {"<entry key>": {"sha256": "<entry content hash>", "done": "<ISO time>", "output": "<path>"}}}

It is replaced atomically after each entry written; a file that cannot be parsed is reported (exit 2),
never silently reset. The digest reuses this format.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trpipe.errors import InputError, UsageError, shown
from trpipe.records import Source

STATE_FORMAT = "trpipe-feed-state"
STATE_VERSION = 1
FORGET_AFTER_DAYS = 90  # an entry the feed no longer lists is forgotten this long after it was done


@dataclass(frozen=True)
class FeedOptions:
    """The ``--feed`` options of a run."""

    sources: tuple[str, ...]
    state_dir: str | None = None
    since: str | None = None
    limit: int | None = None

    def since_date(self) -> _dt.datetime | None:
        if not self.since:
            return None
        try:
            moment = _dt.datetime.fromisoformat(self.since)
        except ValueError:
            raise UsageError(f"--since {shown(self.since)}: not a date (YYYY-MM-DD, or an ISO 8601 time)") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


@dataclass
class Entry:
    """One feed entry: its key (id, else link), link, title, date, own content, and content hash."""

    feed: str
    key: str
    link: str | None
    title: str
    published: str | None
    content: str
    content_type: str
    sha256: str

    @property
    def name(self) -> str:
        return f"{self.feed}#{self.key}"


class FeedState:
    """The entries of one feed already done (see the module's docstring for the file's format)."""

    def __init__(self, folder: str | None, feed: str):
        from trpipe.read.fetch import without_credentials

        self.feed = without_credentials(feed)[0]  # what is written: a URL's password never is
        self.path = None
        self.entries: dict[str, dict[str, Any]] = {}
        if folder is None:
            return
        digest = hashlib.sha256(self.feed.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.path = Path(folder) / f"{digest}.json"
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != STATE_FORMAT or not isinstance(data.get("entries"), dict):
                raise ValueError("not a trpipe feed state")
        except (OSError, ValueError, AttributeError) as exc:
            raise InputError(
                str(self.path), f"is a corrupt feed state file ({exc}); fix or remove it (nothing was reset)"
            ) from None
        self.entries = data["entries"]

    def forget_gone(self, keys: set[str]) -> None:
        """Forget the entries done more than FORGET_AFTER_DAYS ago that the feed no longer lists (kept in the
        file until the next entry is written), so a state file read daily for years stays the feed's size."""
        cutoff = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(days=FORGET_AFTER_DAYS)
        for key in [k for k in self.entries if k not in keys]:
            try:
                done = _dt.datetime.fromisoformat(str(self.entries[key].get("done")))
            except (ValueError, AttributeError):
                continue
            if (done if done.tzinfo else done.replace(tzinfo=_dt.timezone.utc)) < cutoff:
                del self.entries[key]

    def is_done(self, entry: Entry) -> bool:
        known = self.entries.get(entry.key)
        return bool(known) and known.get("sha256") == entry.sha256

    def done(self, entry: Entry, output: str | None) -> None:
        if self.path is None:
            return
        from trpipe.errors import OutputError
        from trpipe.read.fetch import replace_file

        stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.entries[entry.key] = {"sha256": entry.sha256, "done": stamp, "output": output}
        body = {"format": STATE_FORMAT, "version": STATE_VERSION, "feed": self.feed, "entries": self.entries}
        try:
            replace_file(self.path, json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"))
        except OSError as exc:
            raise OutputError(f"{shown(self.path)}: the feed state cannot be written ({exc.strerror or exc})") from None


def _feed_bytes(given: str, max_bytes: int | None, allow_private: bool) -> tuple[bytes, str | None, str | None]:
    """``(bytes, the server's content type, the URL relative links resolve against)`` of a feed."""
    from trpipe.read.fetch import is_url

    if is_url(given):
        from trpipe.read.fetch import fetch_url

        fetched = fetch_url(given, allow_private=allow_private, max_bytes=max_bytes)
        return fetched.data, fetched.content_type, fetched.final_url
    from trpipe.read.decode import read_bytes

    return read_bytes(given, max_bytes), None, None


_DECLARATION = re.compile(r"""^\s*<\?xml[^>]*?\?>""")
_ENCODING_ATTRIBUTE = re.compile(r"""\s+encoding\s*=\s*(["'])[^"']*\1""")


def _as_utf8(data: bytes, given: str, content_type: str | None) -> bytes:
    """The feed as UTF-8 that says so, decoded by what its bytes bear out: a byte-order mark, else the
    server's charset or the XML declaration when the bytes are valid in it, else detection (UTF-16
    without a mark, a legacy encoding undeclared or declared wrongly)."""
    from trpipe.read.decode import declared_encoding, detect_encoding, page_charset

    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";", 1)[0].strip().strip("\"'")
    encoding = declared_encoding(data, charset, page_charset(data))
    text = data.decode(encoding) if encoding else detect_encoding(data, given)[1]
    text = text.lstrip("\ufeff")
    declaration = _DECLARATION.match(text)
    if declaration:  # the declaration now says UTF-8 (the bytes feedparser gets)
        said = _ENCODING_ATTRIBUTE.sub("", declaration.group(0)).strip().rstrip("?> \t\r\n")
        text = f'{said} encoding="utf-8"?>' + text[declaration.end() :]
    else:  # one on the first line (feedparser would add its own on a line of its own: places one line off)
        text = '<?xml version="1.0" encoding="utf-8"?>' + text
    from trpipe.read.package import numbered_entities

    return numbered_entities(text.encode("utf-8", "surrogatepass"))


def parse_feed(given: str, max_bytes: int | None = None, allow_private: bool = False) -> Any:
    """The feed at ``given`` (a URL or a file) parsed by feedparser (a JSON Feed by ``read.jsonfeed``), or an
    InputError saying what it is.

    ``parsed["trpipe_base"]``: the feed's final URL (after redirects), which relative entry links resolve
    against (unless the feed sets ``xml:base``); None for a file."""
    import feedparser

    from trpipe.read.sniff import content_kind

    data, content_type, base = _feed_bytes(given, max_bytes, allow_private)
    from trpipe.read.fetch import without_credentials

    given = without_credentials(given)[0]  # named in messages without a password
    from trpipe.read.jsonfeed import looks_like_json, parse_json_feed

    if looks_like_json(data):
        return parse_json_feed(data, given, base)
    kind = content_kind(data)
    if kind == "html":
        raise InputError(given, "is a web page, not an RSS or Atom feed (give the feed's own URL)")
    if kind not in ("feed", "xml", None):
        from trpipe.read.sniff import KNOWN_KINDS

        raise InputError(given, f"is {KNOWN_KINDS.get(kind, (kind, ''))[0]}, not an RSS or Atom feed")
    headers = {"content-type": content_type.split(";", 1)[0].strip() + "; charset=utf-8"} if content_type else None
    parsed = feedparser.parse(_as_utf8(data, given, content_type), response_headers=headers)
    parsed["trpipe_base"] = base
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = _expat_place(parsed.get("bozo_exception", "no entries"))
        raise InputError(given, f"is not a readable RSS or Atom feed ({reason})")
    damage = parsed.get("bozo_exception")
    if parsed.bozo and damage is not None and type(damage).__name__ == "SAXParseException":
        import logging

        logging.getLogger("trpipe").warning(
            "%s: the feed is not well-formed XML (%s): read leniently, %d entries",
            shown(given),
            _expat_place(damage),
            len(parsed.entries),
        )
    return parsed


def _expat_place(problem: Any) -> str:
    """A parser's complaint on one line, expat's ``<unknown>:3:7:`` as ``line 3, column 7:``."""
    return re.sub(r"^<unknown>:(\d+):(\d+): ", r"line \1, column \2: ", " ".join(str(problem).split()))[:120]


def _web_link(link: Any) -> str | None:
    """``link`` when it is an absolute http(s) URL (one that can be fetched), else None."""
    return link if isinstance(link, str) and re.match(r"^https?://[^/?#\s]", link, re.I) else None


def _entry(feed: str, raw: Any, base: str | None = None) -> Entry:
    link = raw.get("link")
    if raw.get("guidislink") and not _web_link(raw.get("id")):
        link = None  # an RSS <guid> that is no URL is the entry's id, not a page to fetch
    elif link and base:
        from urllib.parse import urljoin

        link = urljoin(base, link)  # a relative link (/2021/article.html) in a feed fetched from a URL
    key = raw.get("id") or link or hashlib.sha256(repr(raw.get("title")).encode()).hexdigest()[:16]
    contents = raw.get("content") or []
    content, content_type = "", "text/plain"
    if contents:
        content, content_type = contents[0].get("value", ""), contents[0].get("type", "text/html")
    elif raw.get("summary"):
        content = raw.get("summary", "")
        content_type = (raw.get("summary_detail") or {}).get("type", "text/html")
    title = raw.get("title", "")
    if "html" in (raw.get("title_detail") or {}).get("type", "") and "<" in title:
        title = _plain(title)  # an Atom title of type="html" (feedparser keeps its markup)
    published = None
    stamp = raw.get("published_parsed") or raw.get("updated_parsed")
    if stamp:
        published = _dt.datetime(*stamp[:6], tzinfo=_dt.timezone.utc).isoformat()
    digest = hashlib.sha256(f"{title}\n{link}\n{content}".encode("utf-8", "surrogatepass")).hexdigest()
    return Entry(feed, str(key), link, title, published, content, content_type, digest)


def entries(options: FeedOptions, max_bytes: int | None = None, allow_private: bool = False,
            skipped: list | None = None) -> Iterator[tuple[Entry, FeedState]]:  # fmt: skip
    """``(entry, its feed's state)`` for every entry to do, feed by feed, in feed order; entries done
    (and unchanged), older than ``--since`` or past ``--limit`` are not yielded (the done ones are appended
    to ``skipped``)."""
    since = options.since_date()
    count = 0
    for given in options.sources:
        state = FeedState(options.state_dir, given)
        parsed = parse_feed(given, max_bytes, allow_private)
        found = [_entry(state.feed, raw, parsed.get("trpipe_base")) for raw in parsed.entries]
        state.forget_gone({entry.key for entry in found})
        for entry in found:
            if since and entry.published and _dt.datetime.fromisoformat(entry.published) < since:
                continue
            if state.is_done(entry):
                if skipped is not None:
                    skipped.append(entry.name)
                continue
            if options.limit is not None and count >= options.limit:
                return
            count += 1
            yield entry, state


def entry_source(entry: Entry, *, allow_private: bool = False, max_bytes: int | None = None, warn=None) -> Source:
    """The entry's article: its linked page, else its own content (the provenance says which, and why)."""
    from trpipe.read import decode_text

    reason = "the entry has no link"
    if entry.link and not _web_link(entry.link):
        reason = f"the entry's link {shown(entry.link)} is not an absolute http(s) URL"
    elif entry.link:
        try:
            from trpipe.read.fetch import fetch_source

            source = fetch_source(entry.link, allow_private=allow_private, max_bytes=max_bytes, warn=warn)
            source.meta["feed"] = _feed_meta(entry, "linked page")
            source.path = entry.name
            return source
        except InputError as exc:
            reason = f"the linked page could not be had: {exc.reason}"
    if not entry.content.strip() and not entry.title.strip():
        raise InputError(entry.name, f"has no content of its own and {reason}")
    body = entry.content
    if "html" in entry.content_type:
        title = f"<h1>{_escape(entry.title)}</h1>" if entry.title else ""
        body = f"<!DOCTYPE html><html><body><article>{title}{body}</article></body></html>"
    elif entry.title:
        body = f"{entry.title}\n\n{body}"
    source = decode_text(body, entry.name)
    source.meta["feed"] = _feed_meta(entry, f"entry content ({reason})")
    return source


def _plain(markup: str) -> str:
    """The text of an HTML fragment, its spaces collapsed."""
    from lxml import html as lxml_html

    try:
        return " ".join(lxml_html.fragment_fromstring(markup, create_parent="div").text_content().split())
    except (ValueError, TypeError):  # lxml.etree.ParserError is a ValueError
        return " ".join(markup.split())


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _feed_meta(entry: Entry, used: str) -> dict[str, Any]:
    return {"feed": entry.feed, "entry": entry.key, "link": entry.link, "title": entry.title,
            "published": entry.published, "entry_sha256": entry.sha256, "article": used}  # fmt: skip


def entry_stem(entry: Entry) -> str:
    from trpipe.read.fetch import url_stem

    base = url_stem(entry.link) if entry.link else re.sub(r"[^\w.-]+", "_", entry.key).strip("._")
    return f"{base or 'entry'}-{entry.sha256[:8]}"
