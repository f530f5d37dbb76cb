"""Where a story's sources differ, in HTML: each disagreement's two facts side by side, each with its
citation, its value and its span highlighted in the source text around it (or the fact's text alone, and
why, when the article's document cannot be read); marked when the two are copies of one wire story."""

from __future__ import annotations

from trpipe.render.digest.links import anchor, items, mapping, shown_date
from trpipe.render.digest.sources import Documents
from trpipe.render.digest.summary import cite_link
from trpipe.render.digest.text import esc, lang_attrs

KINDS = {"number": "Number", "date": "Date", "name": "Name", "negation": "Negation"}


def _fact(articles: dict[str, dict], documents: Documents, fact: dict, side: str) -> str:
    article_id = fact.get("article") if isinstance(fact.get("article"), str) else "?"
    article = articles.get(article_id) or {}
    context = documents.context(fact)
    value = fact.get("value")
    out = [
        f'<figure class="fact fact-{side}">',
        "<figcaption>"
        + " · ".join(
            [cite_link(articles, article_id, fact.get("segment"))]
            + ([esc(shown_date(article["date"]))] if article.get("date") else [])
            + ([f'value <bdi class="value">{esc(value)}</bdi>'] if value not in (None, "") else [])
        )
        + "</figcaption>",
        f"<blockquote{lang_attrs(article.get('lang'))}>{esc(context.before)}"
        f"<mark>{esc(context.span)}</mark>{esc(context.after)}</blockquote>",
    ]
    if context.note:
        out.append(f'<p class="note">{esc(context.note)}</p>')
    return "\n".join([*out, "</figure>"])


def disagreements(articles: dict[str, dict], documents: Documents, story: dict, sid: str, target: str) -> list[str]:
    """The story's disagreements section (nothing when its sources agree)."""
    found = [d for d in items(story.get("disagreements")) if isinstance(d, dict)]
    if not found:
        return []
    out = [
        f'<section class="disagreements" aria-labelledby="{sid}-differ">',
        f'<h3 id="{sid}-differ">Where the sources differ ({len(found)})</h3>',
    ]
    for n, item in enumerate(found, start=1):
        kind = str(item.get("kind") or "fact")
        about = item.get("about")
        head = f"<strong>{esc(KINDS.get(kind, kind))}</strong>"
        if about:
            head += f" · about <bdi{lang_attrs(target)}>{esc(about)}</bdi>"
        if item.get("duplicates") is True:
            head += ' <span class="badge wire">between copies of one wire story</span>'
        out += [
            f'<div class="disagreement" id="{anchor(sid, "differ", n)}" role="group" '
            f'aria-label="{esc(KINDS.get(kind, kind))} disagreement {n}">',
            f'<p class="d-head">{head}</p>',
            '<div class="facts">',
            _fact(articles, documents, mapping(item.get("a")), "a"),
            '<div class="versus" aria-hidden="true">≠</div>',
            _fact(articles, documents, mapping(item.get("b")), "b"),
            "</div></div>",
        ]
    return [*out, "</section>"]
