"""One story in HTML: its title (the ``change`` badge when the digest was made with a state folder, the
other languages' titles below), its summary, where its sources differ, its articles (site, date, a link to
the original, to the article's report and JSON document; copies of one wire story grouped as "same wire
copy") and its timeline by date."""

from __future__ import annotations

from trpipe.render.digest.disagreements import disagreements
from trpipe.render.digest.links import (
    anchor,
    file_href,
    grouped,
    items,
    mapping,
    parse_date,
    shown_date,
    timeline,
    web_url,
)
from trpipe.render.digest.sources import Documents
from trpipe.render.digest.summary import summary
from trpipe.render.digest.text import esc, lang_attrs

CHANGES = ("new", "updated", "unchanged")


def title_of(story: dict, n: int) -> str:
    title = story.get("title")
    return title if isinstance(title, str) and title.strip() else f"Story {n}"


def change_badge(story: dict) -> str:
    change = story.get("change")
    if not isinstance(change, str) or not change or change == "unchanged":
        return ""
    kind = change if change in CHANGES else "other"
    return f' <span class="badge change-{kind}">{esc(change)}</span>'


def _time(value: object) -> str:
    when = parse_date(value)
    if when is None:
        return f'<span class="undated">{esc(value) if value else "undated"}</span>'
    return f'<time datetime="{esc(when.isoformat())}">{esc(shown_date(value))}</time>'


def article_item(articles: dict[str, dict], article_id: str, sid: str) -> str:
    item_id = anchor(sid, "article", article_id)
    article = articles.get(article_id)
    if article is None:
        return f'<li id="{item_id}"><bdi>{esc(article_id)}</bdi> <span class="note">(not in the digest)</span></li>'
    title = article.get("title") or article.get("source") or article_id
    url = web_url(article.get("url")) or web_url(article.get("source"))
    attrs = lang_attrs(article.get("lang"))
    if url:
        head = f'<a class="a-title" href="{esc(url)}" rel="noreferrer"{attrs}>{esc(title)}</a>'
    else:
        head = f'<span class="a-title"{attrs}>{esc(title)}</span>'
    meta = [f"<bdi>{esc(article.get('site') or article_id)}</bdi>"]
    if article.get("lang"):
        meta.append(esc(article["lang"]))
    meta.append(_time(article.get("date")))
    source = article.get("source")
    if source and not web_url(source) and source != title:
        meta.append(f"<code>{esc(source)}</code>")
    for key, label in (("report", "report"), ("document", "JSON")):
        href = file_href(article.get(key))
        if href:
            meta.append(f'<a href="{esc(href)}" aria-label="{label} of {esc(title)}">{label}</a>')
    return f'<li id="{item_id}">{head} <span class="a-meta">{" · ".join(meta)}</span></li>'


def article_list(articles: dict[str, dict], story: dict, sid: str) -> list[str]:
    groups = grouped(story)
    count = sum(len(g) for g in groups)
    out = [f'<section class="articles" aria-labelledby="{sid}-articles">',
           f'<h3 id="{sid}-articles">Articles ({count})</h3>', "<ul>"]  # fmt: skip
    for group in groups:
        if len(group) == 1:
            out.append(article_item(articles, group[0], sid))
            continue
        out.append(f'<li class="wire"><span class="wire-label">Same wire copy ({len(group)} articles)</span><ul>')
        out += [article_item(articles, a, sid) for a in group]
        out.append("</ul></li>")
    return [*out, "</ul>", "</section>"]


def timeline_list(articles: dict[str, dict], story: dict, sid: str) -> list[str]:
    entries = timeline(story)
    if not entries:
        return []
    out = [f'<section class="timeline" aria-labelledby="{sid}-timeline">',
           f'<h3 id="{sid}-timeline">Timeline</h3>', "<ol>"]  # fmt: skip
    for date, article_id in entries:
        article = articles.get(article_id) or {}
        title = article.get("title") or article_id
        out.append(
            f'<li>{_time(date)} <a href="#{anchor(sid, "article", article_id)}"{lang_attrs(article.get("lang"))}>'
            f"{esc(title)}</a></li>"
        )
    return [*out, "</ol>", "</section>"]


def story_section(
    articles: dict[str, dict], documents: Documents, story: dict, n: int, sid: str, langs: list[str], target: str
) -> list[str]:
    out = [
        f'<article class="story" id="{sid}" aria-labelledby="{sid}-title">',
        f'<h2 id="{sid}-title"><span{lang_attrs(target)}>{esc(title_of(story, n))}</span>{change_badge(story)}</h2>',
    ]
    others = {k: v for k, v in mapping(story.get("titles")).items() if isinstance(v, str) and k != target}
    for lang, title in others.items():
        out.append(f'<p class="other-title"><span class="lang">{esc(lang)}</span> <span{lang_attrs(lang)}>'
                   f"{esc(title)}</span></p>")  # fmt: skip
    out += summary(articles, story, sid, langs)
    out += disagreements(articles, documents, story, sid, target)
    out += article_list(articles, story, sid)
    out += timeline_list(articles, story, sid)
    return [*out, "</article>"]


def contents(stories: list[dict], sids: list[str], target: str | None) -> list[str]:
    """The list of stories at the top of the page, each a link to its section."""
    out = ['<nav class="contents" aria-label="Stories"><ol>']
    for n, (story, sid) in enumerate(zip(stories, sids, strict=True), start=1):
        count = len([a for a in items(story.get("articles")) if isinstance(a, str)])
        differ = len(items(story.get("disagreements")))
        extra = f" · {differ} disagreement{'s' * (differ != 1)}" if differ else ""
        out.append(
            f'<li><a href="#{sid}"{lang_attrs(target)}>{esc(title_of(story, n))}</a>{change_badge(story)} '
            f'<span class="count">{count} article{"s" * (count != 1)}{extra}</span></li>'
        )
    return [*out, "</ol></nav>"]
