"""The digest as an Atom 1.0 feed (RFC 4287) for feed readers: one entry per story, its id stable across
incremental runs (the digest's identity and the story's id), its title, when it last changed (its newest
article's date; the digest's date otherwise), its change as a category, its summary in the target language
(plain text in ``summary``; HTML with the citations as links in ``content``), and links to its articles.

Built with ``xml.etree`` (never by joining strings); text goes through ``common.xml_text`` so characters XML
cannot hold are dropped. ``base_url`` is where the HTML digest is published: relative links (reports,
documents) are resolved against it and each entry links to its story there; without it, only the articles'
own web addresses are linked."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from html import escape
from urllib.parse import urljoin

from trpipe.render.common import xml_text
from trpipe.render.digest.links import (
    anchor,
    article_name,
    articles,
    cite_target,
    cites,
    flag_text,
    flags,
    items,
    languages,
    mapping,
    parse_date,
    stories,
    summary_sentences,
    web_url,
)
from trpipe.render.digest.page import unique_ids
from trpipe.render.digest.stories import title_of
from trpipe.render.digest.text import clean

ATOM = "http://www.w3.org/2005/Atom"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _text(value: object) -> str:
    return xml_text(clean(value))


def _el(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k.replace("xml_", "xml:"): _text(v) for k, v in attrs.items()})
    if text is not None:
        node.text = _text(text)
    return node


def identity(digest: dict, base_url: str | None) -> str:
    """The feed's id: ``urn:trpipe:digest:<hash>`` of the digest's ``id`` (or its state folder, or
    ``base_url``, or its target language and languages), so that it is the same on every run."""
    prov = mapping(digest.get("provenance"))
    key = digest.get("id") or prov.get("state") or base_url
    if not isinstance(key, str) or not key:
        key = "trpipe-digest:" + str(digest.get("target")) + ":" + ",".join(map(str, items(digest.get("languages"))))
    return "urn:trpipe:digest:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(href: str | None, base_url: str | None) -> str | None:
    """An absolute address for ``href`` (None when it stays relative for want of ``base_url``)."""
    if href is None:
        return None
    if web_url(href):
        return href
    return web_url(urljoin(base_url, href)) if base_url else None


def _content(known: dict[str, dict], story: dict, lang: str, base_url: str | None) -> tuple[str, str]:
    """The story's summary in ``lang``: as plain text, and as HTML with citations linked."""
    plain, html = [], []
    for sentence in summary_sentences(story, lang):
        text = clean(sentence.get("text"))
        refs = []
        for article_id, segment in cites(sentence):
            label = escape(clean(article_name(known.get(article_id), article_id) + (f" {segment}" if segment else "")))
            href = _link(cite_target(known.get(article_id), segment)[0], base_url)
            refs.append(f'<a href="{escape(href)}">{label}</a>' if href else label)
        marks = "".join(f" <em>⚠ {escape(clean(flag_text(f, sentence)))}</em>" for f in flags(sentence))
        plain.append(text)
        html.append(f"<li>{escape(text)}" + (f" [{', '.join(refs)}]" if refs else "") + f"{marks}</li>")
    return " ".join(plain), (f"<ol>{''.join(html)}</ol>" if html else "")


def _article_url(article: dict) -> str | None:
    return web_url(article.get("url")) or web_url(article.get("source"))


def _updated(known: dict[str, dict], story: dict, fallback: datetime) -> datetime:
    dates = [parse_date((known.get(a) or {}).get("date")) for a in items(story.get("articles")) if isinstance(a, str)]
    dates += [parse_date(e.get("date")) for e in items(story.get("timeline")) if isinstance(e, dict)]
    found = [d for d in dates if d is not None]
    return max(found) if found else fallback


def digest_atom(digest: dict, *, base_url: str | None = None) -> bytes:
    """The digest's stories as an Atom 1.0 feed (UTF-8 XML bytes)."""
    digest = mapping(digest)
    found, known, langs = stories(digest), articles(digest), languages(digest)
    prov = mapping(digest.get("provenance"))
    target = digest.get("target") if isinstance(digest.get("target"), str) else None
    feed_id = identity(digest, base_url)
    page = web_url(base_url)
    created = parse_date(prov.get("created"))
    entries = [(story, sid, _updated(known, story, created or _EPOCH)) for story, sid in zip(found, unique_ids(found))]
    updated = created or max((e[2] for e in entries), default=_EPOCH)

    feed = ET.Element("feed", {"xmlns": ATOM})  # the Atom namespace, as the default one: every element in it
    if target:
        feed.set("xml:lang", _text(target))
    _el(feed, "id", feed_id)
    _el(feed, "title", f"Digest ({target})" if target else "Digest")
    _el(feed, "updated", _stamp(updated))
    _el(_el(feed, "author"), "name", "trpipe")
    _el(feed, "generator", "trpipe", version=str(prov.get("trpipe") or ""))
    if page:
        _el(feed, "link", rel="alternate", type="text/html", href=page)
    for n, (story, sid, when) in enumerate(entries, start=1):
        entry = _el(feed, "entry")
        _el(entry, "id", f"{feed_id}:story:{anchor(story.get('id', n))}")
        _el(entry, "title", title_of(story, n), type="text")
        _el(entry, "updated", _stamp(when))
        if isinstance(story.get("change"), str) and story["change"]:
            _el(entry, "category", term=story["change"], label=f"story {story['change']}")
        related = [(known.get(a) or {}, a) for a in items(story.get("articles")) if isinstance(a, str)]
        related = [(article, a, _article_url(article)) for article, a in related]
        related = [(article, a, href) for article, a, href in related if href]
        if page:
            _el(entry, "link", rel="alternate", type="text/html", href=f"{page.split('#')[0]}#{sid}")
        elif related:  # no digest page to link to: its first article's own page
            _el(entry, "link", rel="alternate", href=related[0][2])
        for article, article_id, href in related:
            title = article.get("title") or article_name(article, article_id)
            _el(entry, "link", rel="related", href=href, title=str(title), hreflang=str(article.get("lang") or ""))
        # The summary in the target language; in the first other language that has one when it has none.
        lang = next((x for x in [target, *langs] if x and summary_sentences(story, x)), None)
        plain, html = _content(known, story, lang, base_url) if lang else ("", "")
        if plain:
            _el(entry, "summary", plain, type="text", xml_lang=lang)
        content = _el(entry, "content", html or "No summary.", type="html" if html else "text")
        if lang and lang != target:
            content.set("xml:lang", _text(lang))
    for node in feed.iter("link"):
        if not node.get("hreflang"):
            node.attrib.pop("hreflang", None)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
