"""The digest in Markdown: each story with its change, its summary in every language (each citation a
reference-style link, ``[site p2][3]``, to the article's report at the segment; the link definitions at the
end of the story), where its sources differ (both facts, their citations and the source text around their
spans), its articles (copies of one wire story grouped) and its timeline. Everything from the input goes
through ``text.md`` (Markdown and HTML characters escaped, one line)."""

from __future__ import annotations

from pathlib import Path

from trpipe.render.digest.links import (
    article_name,
    articles,
    cite_target,
    cites,
    file_href,
    flag_text,
    flags,
    grouped,
    items,
    languages,
    mapping,
    shown_date,
    stories,
    summary_sentences,
    timeline,
    web_url,
)
from trpipe.render.digest.sources import Documents
from trpipe.render.digest.stories import title_of
from trpipe.render.digest.text import language_label, md


class _Links:
    """A story's reference-style link definitions, numbered across the whole digest (one per address)."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.pending: list[str] = []

    def ref(self, text: str, href: str) -> str:
        if href not in self.numbers:
            self.numbers[href] = len(self.numbers) + 1
            self.pending.append(f"[{self.numbers[href]}]: <{href}>")
        return f"[{text}][{self.numbers[href]}]"

    def flush(self) -> list[str]:
        out, self.pending = self.pending, []
        return ["", *out] if out else []


def _cite(known: dict[str, dict], links: _Links, article_id: str, segment: object) -> str:
    article = known.get(article_id)
    label = md(article_name(article, article_id) + (f" {segment}" if segment is not None else ""))
    href, why = cite_target(article, segment)
    return links.ref(label, href) if href else f"{label} ({md(why)})"


def _article(known: dict[str, dict], links: _Links, article_id: str) -> str:
    article = known.get(article_id)
    if article is None:
        return f"{md(article_id)} (not in the digest)"
    title = md(article.get("title") or article.get("source") or article_id)
    url = web_url(article.get("url")) or web_url(article.get("source"))
    parts = [links.ref(title, url) if url else title, md(article.get("site") or article_id)]
    parts += [md(x) for x in (article.get("lang"), shown_date(article.get("date"))) if x]
    for key, label in (("report", "report"), ("document", "JSON")):
        href = file_href(article.get(key))
        if href:
            parts.append(links.ref(label, href))
    return " · ".join(parts)


def _fact(known: dict[str, dict], documents: Documents, links: _Links, fact: dict) -> str:
    article_id = fact.get("article") if isinstance(fact.get("article"), str) else "?"
    context = documents.context(fact)
    quoted = f"{md(context.before)} **{md(context.span)}** {md(context.after)}".strip()
    line = f"  - {_cite(known, links, article_id, fact.get('segment'))}: “{quoted}”"
    if fact.get("value") not in (None, ""):
        line += f" (value {md(fact['value'])})"
    return line + (f" *{md(context.note)}*" if context.note else "")


def _story(known: dict, documents: Documents, links: _Links, story: dict, n: int, langs: list[str]) -> list[str]:
    change = story.get("change")
    badge = f" *({md(change)})*" if isinstance(change, str) and change and change != "unchanged" else ""
    out = [f"## {n}\\. {md(title_of(story, n))}{badge}"]
    titles = [f"*{md(lang)}:* {md(title)}  " for lang, title in mapping(story.get("titles")).items()]
    out += ["", *titles] if titles else []
    for lang in langs:
        sentences = summary_sentences(story, lang)
        if not sentences:
            continue
        out += ["", f"### Summary in {md(language_label(lang))}", ""]
        for i, sentence in enumerate(sentences, start=1):
            line = f"{i}. {md(sentence.get('text'))}"
            refs = ", ".join(_cite(known, links, a, s) for a, s in cites(sentence))
            line += f" ({refs})" if refs else ""
            out.append(line + "".join(f" ⚠ *{md(flag_text(f, sentence))}*" for f in flags(sentence)))
    found = [d for d in items(story.get("disagreements")) if isinstance(d, dict)]
    if found:
        out += ["", f"### Where the sources differ ({len(found)})", ""]
        for item in found:
            about = f" about {md(item['about'])}" if item.get("about") else ""
            wire = " (between copies of one wire story)" if item.get("duplicates") is True else ""
            out.append(f"- **{md(item.get('kind') or 'fact')}**{about}{wire}")
            out += [_fact(known, documents, links, mapping(item.get(side))) for side in ("a", "b")]
    out += ["", f"### Articles ({sum(len(g) for g in grouped(story))})", ""]
    for group in grouped(story):
        if len(group) == 1:
            out.append(f"- {_article(known, links, group[0])}")
        else:
            out.append(f"- Same wire copy ({len(group)} articles):")
            out += [f"  - {_article(known, links, a)}" for a in group]
    entries = timeline(story)
    if entries:
        out += ["", "### Timeline", ""]
        for date, article_id in entries:
            title = (known.get(article_id) or {}).get("title") or article_id
            out.append(f"- {md(shown_date(date)) or '*undated*'}: {md(title)}")
    return [*out, *links.flush(), ""]


def digest_markdown(digest: dict, *, base: Path | None = None) -> str:
    """The digest as Markdown (``base``: the folder its paths are relative to, for the documents' text
    around disagreements; None: the current folder)."""
    digest = mapping(digest)
    found, langs, known = stories(digest), languages(digest), articles(digest)
    documents, links = Documents(known, base), _Links()
    prov = mapping(digest.get("provenance"))
    meta = [f"{len(found)} stories", f"{len(known)} articles"]
    if langs:
        meta.append("summaries in " + ", ".join(md(language_label(lang)) for lang in langs))
    if prov.get("trpipe"):
        meta.append(f"trpipe {md(prov['trpipe'])}")
    if prov.get("created"):
        meta.append(f"made {md(shown_date(prov['created']))}")
    out = ["# Digest", "", " · ".join(meta), ""]
    for n, story in enumerate(found, start=1):
        out += _story(known, documents, links, story, n, langs)
    return "\n".join(out).rstrip("\n") + "\n"
