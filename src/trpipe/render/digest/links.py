"""Reading a digest (the dict of docs/digest.md, "digest 1.0") for the renderers: its articles by id, the
link of a citation (the article's own report at the segment's anchor; its JSON document when it has no
report), an article's web address (http and https only: nothing else becomes a link), dates, and the
page's own anchors. Every field may be missing or of the wrong type: the renderers show what is there."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import PureWindowsPath
from typing import Any
from urllib.parse import quote, urlsplit

_URL_SAFE = "/:?#[]@!$&'()*+,;=%~-._"


def items(value: Any) -> list:
    """``value`` when it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def mapping(value: Any) -> dict:
    """``value`` when it is a dict, else an empty dict."""
    return value if isinstance(value, dict) else {}


def stories(digest: dict) -> list[dict]:
    return [s for s in items(digest.get("stories")) if isinstance(s, dict)]


def articles(digest: dict) -> dict[str, dict]:
    """The digest's articles by id (the first of two with one id)."""
    out: dict[str, dict] = {}
    for article in items(digest.get("articles")):
        if isinstance(article, dict) and isinstance(article.get("id"), str):
            out.setdefault(article["id"], article)
    return out


def languages(digest: dict) -> list[str]:
    """The summaries' languages: ``languages`` (the target first), then any other a story has."""
    langs = [x for x in items(digest.get("languages")) if isinstance(x, str)]
    target = digest.get("target")
    if isinstance(target, str) and target not in langs:
        langs.insert(0, target)
    for story in stories(digest):
        langs += [x for x in mapping(story.get("summary")) if isinstance(x, str) and x not in langs]
    return langs


def anchor(*parts: object) -> str:
    """An id for this page (and the fragment that names it): the parts joined by ``-``, each percent-encoded
    beyond letters, digits and ``-._~`` so that the id and the link are one plain token."""
    return "-".join(quote(str(p), safe="-._~") for p in parts)


def web_url(value: Any) -> str | None:
    """An http(s) address, percent-encoded where it must be; ``None`` for anything else (no ``javascript:``)."""
    if not isinstance(value, str) or any(c < " " for c in value):
        return None
    try:
        scheme = urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return None
    return quote(value.strip(), safe=_URL_SAFE) if scheme in ("http", "https") else None


def file_href(value: Any) -> str | None:
    """A link to a file the digest names (a path relative to the digest's folder, or absolute), or to an
    http(s) address; ``None`` when there is none. A relative path stays relative; no scheme can come from it."""
    if not isinstance(value, str) or not value.strip():
        return None
    url = web_url(value)
    if url:
        return url
    path = value.replace("\\", "/")
    if path.startswith("//"):  # a network share (or a scheme-relative URL): never a link from a digest
        return None
    if path.startswith("/") or PureWindowsPath(value).drive:
        return "file://" + ("" if path.startswith("/") else "/") + quote(path, safe="/:-._~")
    return quote(path, safe="/-._~")


def cite_target(article: dict | None, segment: Any) -> tuple[str | None, str]:
    """Where a citation links and what it links to: (``report#segment``, "report"), (the JSON document,
    "document") when the article has no report, or (None, why not)."""
    if article is None:
        return None, "unknown article"
    report = file_href(article.get("report"))
    if report:
        return f"{report}#{quote(str(segment), safe='-._~')}" if segment is not None else report, "report"
    document = file_href(article.get("document"))
    if document:
        return document, "document"
    return None, "no report or document file"


def parse_date(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time (UTC when it has no zone), ``None`` when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def shown_date(value: Any) -> str:
    """A date for reading: ``2026-12-01 08:00 UTC`` (the value as given when it is not a date)."""
    when = parse_date(value)
    if when is None:
        return str(value) if value else ""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def article_name(article: dict | None, article_id: str) -> str:
    """How a citation names its article: the site, else the id."""
    site = (article or {}).get("site")
    return site if isinstance(site, str) and site.strip() else article_id


def grouped(story: dict) -> list[list[str]]:
    """The story's articles in order, near-duplicates together: each item a list of ids (one, or a group of
    copies of one wire story, placed where its first member stands)."""
    ids = [a for a in items(story.get("articles")) if isinstance(a, str)]
    group_of: dict[str, list[str]] = {}
    for group in items(story.get("duplicates")):
        members = [a for a in items(group) if isinstance(a, str) and a not in group_of]
        if len(members) >= 2:
            for member in members:
                group_of[member] = members
    out: list[list[str]] = []
    placed: set[str] = set()
    for article_id in ids + [a for a in group_of if a not in ids]:
        if article_id in placed:
            continue
        group = group_of.get(article_id, [article_id])
        placed.update(group)
        out.append(group)
    return out


def timeline(story: dict) -> list[tuple[Any, str]]:
    """The story's (date, article id) pairs by date, undated last (the order given when no timeline is)."""
    entries = [
        (e.get("date"), e["article"])
        for e in items(story.get("timeline"))
        if isinstance(e, dict) and isinstance(e.get("article"), str)
    ]
    if not entries:
        entries = [(None, a) for a in items(story.get("articles")) if isinstance(a, str)]
    far = datetime.max.replace(tzinfo=timezone.utc)
    return sorted(entries, key=lambda e: parse_date(e[0]) or far)


def summary_sentences(story: dict, lang: str) -> list[dict]:
    return [s for s in items(mapping(story.get("summary")).get(lang)) if isinstance(s, dict)]


def cites(sentence: dict) -> list[tuple[str, Any]]:
    """A sentence's (article, segment) citations."""
    return [
        (c["article"], c.get("segment"))
        for c in items(sentence.get("cites"))
        if isinstance(c, dict) and isinstance(c.get("article"), str)
    ]


def flags(sentence: dict) -> list[str]:
    """A sentence's flag names (``weakly_supported: true`` counts as the flag of that name)."""
    out = [str(f) for f in items(sentence.get("flags")) if isinstance(f, (str, int, float))]
    if sentence.get("weakly_supported") is True and "weakly_supported" not in out:
        out.append("weakly_supported")
    if items(sentence.get("unsupported")) and "unsupported" not in out:
        out.append("unsupported")
    return out


# What a flag on a summary sentence means (the single-article summary's names); any other name is shown as-is.
FLAG_TEXT = {
    "unsupported": "unsupported",
    "weakly_supported": "weakly supported by its citations",
    "wrong_citation": "a citation does not support it",
}


def flag_text(name: str, sentence: dict) -> str:
    """What the flag ``name`` of ``sentence`` says (with the unsupported words for ``unsupported``)."""
    text = FLAG_TEXT.get(name, name)
    words = [str(w) for w in items(sentence.get("unsupported"))]
    return f"{text}: {', '.join(words)}" if name == "unsupported" and words else text
