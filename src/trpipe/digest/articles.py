"""The articles of a digest: each a translated Document with what a reader wants to know of it (site, date,
URL, title), read from what the reader or the fetcher recorded (a feed entry, a fetched page, Markdown front
matter), else from the document itself."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from trpipe.records import Document

TITLE_KINDS = ("title", "heading")
TITLE_CHARS = 120


@dataclass
class Article:
    """One article of a digest: its id (``a1``...), what it was given as, its Document and its metadata."""

    id: str
    source: str  # the path or URL it was given as
    document: Document
    title: str = ""  # in the source language
    site: str | None = None
    date: str | None = None  # ISO 8601, UTC when the time is known
    url: str | None = None
    path: str | None = None  # its JSON document (as written or read; the digest records it relative to its folder)
    report: str | None = None  # its HTML report (likewise)

    @property
    def lang(self) -> str:
        return self.document.source.lang or ""

    @property
    def target(self) -> str:
        return self.document.target_lang

    def translated_title(self) -> str:
        """The title in the target language (its title segment's translation), else the source title."""
        seg = title_segment(self.document)
        if seg is not None and seg.translation:
            return short(seg.translation)
        return self.title


def title_segment(document: Document):
    """The segment that titles the article: its first title or heading, else its first segment."""
    for kind in TITLE_KINDS:
        for seg in document.segments:
            if seg.kind == kind and seg.text.strip():
                return seg
    return document.segments[0] if document.segments else None


def short(text: str, limit: int = TITLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def iso_date(value: str | None) -> str | None:
    """``value`` (ISO 8601, RFC 822 as feeds write it, or a bare date) as ISO 8601; None when unreadable."""
    if not value:
        return None
    moment: _dt.datetime | None = None
    try:
        moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.timezone.utc)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    if len(value.strip()) <= 10:  # a bare date
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds")


def article_meta(document: Document) -> dict[str, str | None]:
    """``{"title", "site", "date", "url"}`` of a document, from its provenance's extractor record (feed entry,
    fetched page, front matter), else its title segment and its path."""
    extractor = document.provenance.get("extractor") or {}
    feed = extractor.get("feed") or {}
    fetch = extractor.get("fetch") or {}
    path = document.source.path
    url = _first(
        feed.get("link"), fetch.get("canonical_url"), fetch.get("final_url"), fetch.get("url"), extractor.get("url")
    )
    if url is None and path.startswith(("http://", "https://")):
        url = path
    seg = title_segment(document)
    title = _first(fetch.get("title"), feed.get("title"), extractor.get("title"), seg.text if seg else None) or path
    site = _first(extractor.get("site"), extractor.get("sitename"), extractor.get("hostname"))
    if site is None and url:
        site = urlsplit(url).hostname
    date = iso_date(_first(feed.get("published"), fetch.get("date"), extractor.get("date")))
    return {"title": short(title), "site": site, "date": date, "url": url}


def make_article(article_id: str, given: str, document: Document) -> Article:
    meta = article_meta(document)
    return Article(article_id, given, document, meta["title"] or "", meta["site"], meta["date"], meta["url"])
