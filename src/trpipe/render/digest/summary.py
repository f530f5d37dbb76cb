"""A story's summary in HTML: one numbered list per language (side by side, or one at a time with the page's
language switch), each sentence with its citations (links to the article's own report at the cited segment,
or to its JSON document when it has no report) and its flags (known names explained, others shown as-is)."""

from __future__ import annotations

from typing import Any

from trpipe.render.digest.links import anchor, article_name, cite_target, cites, flag_text, flags, summary_sentences
from trpipe.render.digest.text import esc, lang_attrs, language_label


def cite_link(articles: dict[str, dict], article_id: str, segment: Any) -> str:
    """A citation: ``site segment`` linking to the report's segment; plain text (said why) without a link."""
    article = articles.get(article_id)
    href, kind = cite_target(article, segment)
    label = article_name(article, article_id) + (f" {segment}" if segment is not None else "")
    title = (article or {}).get("title")
    described = f"{article_id}: {title}" if isinstance(title, str) and title else article_id
    if href is None:
        return f'<span class="cite missing" title="{esc(kind)}"><bdi>{esc(label)}</bdi> ({esc(kind)})</span>'
    where = f"segment {segment} of {described}" if kind == "report" else f"{described} (JSON document: no report)"
    return (
        f'<a class="cite {kind}" href="{esc(href)}" title="{esc(where)}" data-article="{esc(article_id)}">'
        f"<bdi>{esc(label)}</bdi></a>"
    )


def sentence_item(articles: dict[str, dict], sentence: dict, item_id: str) -> str:
    names = flags(sentence)
    out = f'<li id="{item_id}"' + (' class="flagged"' if names else "") + f">{esc(sentence.get('text'))}"
    links = ", ".join(cite_link(articles, a, s) for a, s in cites(sentence))
    if links:
        out += f' <span class="cites" lang="en" dir="ltr">[{links}]</span>'
    for name in names:
        out += (
            f' <span class="flag" lang="en" dir="ltr" data-flag="{esc(name)}">⚠ {esc(flag_text(name, sentence))}</span>'
        )
    support = sentence.get("support")
    if isinstance(support, (int, float)) and not isinstance(support, bool):
        out += f' <span class="support" lang="en" dir="ltr">support {support:.2f}</span>'
    return out + "</li>"


def summary(articles: dict[str, dict], story: dict, sid: str, langs: list[str]) -> list[str]:
    """The story's summary section (a line saying so when it has none)."""
    head = f'<section class="summary" aria-labelledby="{sid}-summary"><h3 id="{sid}-summary">Summary</h3>'
    present = [lang for lang in langs if summary_sentences(story, lang)]
    if not present:
        return [head, '<p class="none">No summary.</p>', "</section>"]
    out = [head, '<div class="langs">']
    for lang in langs:
        sentences = summary_sentences(story, lang)
        out.append(f'<section class="summary-lang" data-lang="{esc(lang)}">')
        out.append(f"<h4>{esc(language_label(lang))}</h4>")
        if not sentences:
            out.append('<p class="none">No summary in this language.</p></section>')
            continue
        out.append(f"<ol{lang_attrs(lang)}>")
        for n, sentence in enumerate(sentences, start=1):
            out.append(sentence_item(articles, sentence, anchor(sid, lang, n)))
        out.append("</ol></section>")
    return [*out, "</div>", "</section>"]
