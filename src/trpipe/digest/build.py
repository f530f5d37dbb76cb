"""From articles to the digest: stories, their summaries and disagreements, the JSON (docs/digest.md), the
articles' files beside it, the other formats, and the state for the next run."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from trpipe.digest.articles import Article
from trpipe.digest.compare import disagreements
from trpipe.digest.stories import THRESHOLD, Grouping, group_articles
from trpipe.digest.summary import StorySummary, sentence_record, summarise_stories
from trpipe.validate_digest import DIGEST_FORMAT

DIGEST_VERSION = "1.0"


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def central_order(story: Sequence[int], grouping: Grouping) -> list[int]:
    """The story's article indices, the one most similar to the others first (then input order)."""
    leader = {i: group[0] for group in grouping.duplicates for i in group}

    def centrality(i: int) -> float:
        a = leader.get(i, i)
        return sum(grouping.scores.get((min(a, leader.get(j, j)), max(a, leader.get(j, j))), 0.0) for j in story)

    return sorted(story, key=lambda i: (-round(centrality(i), 9), i))


def story_key(articles: Sequence[Article]) -> str:
    parts = sorted(f"{a.id}:{a.document.source.sha256}" for a in articles)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def relative_path(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


def write_article_files(articles: Sequence[Article], folder: Path, reports: bool) -> None:
    """Each article's JSON document (unless the translation step wrote it) and HTML report in ``folder``."""
    from trpipe.engines.sinks import write_atomic
    from trpipe.render import render

    used = {Path(a.path).name for a in articles if a.path}
    for article in articles:
        if article.path is None or Path(article.path).parent.resolve() != folder.resolve():
            name, n = f"{article.id}.json", 1
            while name in used:
                n += 1
                name = f"{article.id}-{n}.json"
            used.add(name)
            target = folder / name
            write_atomic(target, render(article.document, "json"))
            article.path = str(target)
        if reports:
            report = Path(article.path).with_suffix(".html")
            json_file = Path(article.path)
            if not report.exists() or report.stat().st_mtime < json_file.stat().st_mtime:
                write_atomic(report, render(article.document, "html"))
            article.report = str(report)


def article_record(article: Article, base: Path, embed: bool) -> dict[str, Any]:
    from trpipe.render.json import json_document

    return {
        "id": article.id,
        "source": article.source,
        "lang": article.lang,
        "title": article.title,
        "site": article.site,
        "date": article.date,
        "url": article.url,
        "document": json_document(article.document) if embed else relative_path(Path(article.path or ""), base),
        "report": relative_path(Path(article.report), base) if article.report else None,
    }


def _models(articles: Sequence[Article]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The translation models and decoding settings the articles were made with (each distinct one once)."""
    models: dict[str, Any] = {}
    decoding: dict[str, Any] = {}
    for article in articles:
        provenance = article.document.provenance or {}
        pair = f"{article.lang}-{article.target}"
        model = (provenance.get("models") or {}).get("translation")
        if model and pair not in models:
            models[pair] = model
            decoding[pair] = (provenance.get("decoding") or {}).get("translation")
    return {"translation": models}, {"translation": decoding}


def build_digest(
    articles: list[Article],
    session,
    settings,
    options,
    outputs: dict[str, Path],
    folder: Path,
    state,
    failed: list[tuple[str, str]],
    warn: Callable[[str], None],
) -> dict[str, Any]:
    from trpipe._version import __version__

    base = next(iter(outputs.values())).parent
    threshold = THRESHOLD if options.threshold is None else options.threshold
    articles.sort(key=lambda a: (int(a.id[1:]) if a.id[1:].isdigit() else 0, a.id))
    grouping = group_articles(articles, threshold)
    ids = [a.id for a in articles]
    ordered = [central_order(story, grouping) for story in grouping.stories]
    ordered.sort(key=lambda s: (-len(s), min(s)))
    assigned = state.story_ids([[ids[i] for i in story] for story in ordered])
    target = settings.target_lang
    # what a story's summary was asked with: a summary is reused only when this is the same
    summary_key = [target, sorted(options.also), settings.summary_model, settings.summary_sentences]
    to_summarise: list[int] = []
    summaries: list[StorySummary | None] = []
    changes: list[str | None] = []
    for k, (story, (_sid, old)) in enumerate(zip(ordered, assigned)):
        members = [articles[i] for i in story]
        key = story_key(members)
        if old is None:
            changes.append("new")
        elif old.get("key") == key:
            changes.append("unchanged")
        else:
            changes.append("updated")
        if not settings.summary:
            summaries.append(None)
        elif changes[-1] == "unchanged" and old and old.get("summary") and old.get("asked") == summary_key:
            summaries.append(
                StorySummary(old["summary"], [[tuple(c) for c in chunk] for chunk in old.get("chunks", [])])
            )
        else:
            summaries.append(None)
            to_summarise.append(k)
    made, summary_provenance = (
        summarise_stories([[articles[i] for i in ordered[k]] for k in to_summarise], session, settings, options.also,
                          warn)
        if settings.summary and to_summarise else ([], {"models": {}, "decoding": {}})
    )  # fmt: skip
    for k, summary in zip(to_summarise, made):
        summaries[k] = summary
    write_article_files(articles, folder, options.reports)
    dup_index = {i: group for group in grouping.duplicates for i in group}
    stories_out: list[dict[str, Any]] = []
    state_stories: dict[str, dict[str, Any]] = {}
    chunks_out: dict[str, Any] = {}
    languages: list[str] = [target]
    for story, (sid, _), change, summary in zip(ordered, assigned, changes, summaries):
        members = [articles[i] for i in story]
        dups = sorted({tuple(ids[j] for j in dup_index[i]) for i in story if i in dup_index})
        record_summary = _summary_record(summary)
        for lang in record_summary:
            if lang not in languages:
                languages.append(lang)
        lead = members[0]
        titles = {}
        for article in members:
            if article.lang != target and article.lang not in titles:
                titles[article.lang] = article.title
        timeline = sorted(members, key=lambda a: (a.date is None, a.date or "", int(a.id[1:]) if a.id[1:].isdigit()
                                                   else 0))  # fmt: skip
        stories_out.append({
            "id": sid,
            "title": lead.translated_title(),
            "titles": titles,
            "articles": [ids[i] for i in sorted(story)],
            "duplicates": [list(d) for d in dups],
            "timeline": [{"date": a.date, "article": a.id} for a in timeline],
            "summary": record_summary,
            "disagreements": disagreements(members, [list(d) for d in dups]),
            "change": change if state.enabled else None,
        })  # fmt: skip
        chunks_out[sid] = [[{"article": a, "segment": s} for a, s in chunk] for chunk in (summary.chunks if summary
                           else [])]  # fmt: skip
        state_stories[sid] = {
            "articles": [a.id for a in members],
            "key": story_key(members),
            "title": stories_out[-1]["title"],
            "summary": {
                lang: [_sentence_state(s) for s in sents]
                for lang, sents in (summary.sentences if summary else {}).items()
            },
            "chunks": [list(map(list, chunk)) for chunk in (summary.chunks if summary else [])],
            "asked": summary_key,
        }
    models, decoding = _models(articles)
    models.update(summary_provenance.get("models", {}))
    decoding.update(summary_provenance.get("decoding", {}))
    digest = {
        "format": DIGEST_FORMAT,
        "version": DIGEST_VERSION,
        "id": state.digest_id,
        "target": target,
        "languages": languages,
        "stories": stories_out,
        "articles": [article_record(a, base, options.embed) for a in articles],
        "provenance": {
            "trpipe": __version__,
            "created": now(),
            "threshold": threshold,
            "grouping": "minhash-lsh near-duplicates (word 4-shingles, Jaccard >= 0.5); tf-idf cosine + shared "
            "names and figures; average linkage",
            "models": models,
            "decoding": decoding,
            "chunks": chunks_out,
            **({"summary_error": summary_provenance["summary_error"]} if "summary_error" in summary_provenance else {}),
            **({"failed": [{"input": n, "reason": r} for n, r in failed]} if failed else {}),
        },
    }
    write_outputs(digest, outputs, options.base_url)
    if state.enabled:
        state.save(
            {
                a.source: {
                    "id": a.id,
                    "document": relative_path(Path(a.path or ""), base),
                    "sha256": a.document.source.sha256,
                }
                for a in articles
            },
            state_stories,
        )
    return digest


def _sentence_state(sentence) -> dict[str, Any]:
    if isinstance(sentence, dict):
        return sentence
    return {"text": sentence.text, "cites": [list(c) for c in sentence.cites],
            "unsupported": list(sentence.unsupported), "support": sentence.support,
            "weakly_supported": sentence.weakly_supported}  # fmt: skip


def _summary_record(summary: StorySummary | None) -> dict[str, list[dict[str, Any]]]:
    from trpipe.records import SummarySentence

    if summary is None:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for lang, sentences in summary.sentences.items():
        records = []
        for s in sentences:
            if isinstance(s, dict):  # from the state: a sentence of the last digest
                s = SummarySentence(s["text"], [tuple(c) for c in s["cites"]], list(s.get("unsupported") or []),
                                    s.get("support"), bool(s.get("weakly_supported")))  # fmt: skip
            records.append(sentence_record(s))
        out[lang] = records
    return out


def write_outputs(digest: dict[str, Any], outputs: dict[str, Path], base_url: str | None = None) -> None:
    """The digest in every format asked for (trpipe.render.digest for html, md and atom), each file written
    atomically; ``base_url``: where the HTML digest is published (the Atom feed's links)."""
    from trpipe.engines.sinks import write_atomic
    from trpipe.render.common import dumps

    for fmt, path in outputs.items():
        if fmt == "json":
            write_atomic(path, dumps(digest, indent=2) + "\n")
            continue
        from trpipe.render.digest import digest_atom, digest_html, digest_markdown

        if fmt == "html":
            write_atomic(path, digest_html(digest, base=path.parent))
        elif fmt == "md":
            write_atomic(path, digest_markdown(digest, base=path.parent))
        else:
            write_atomic(path, digest_atom(digest, base_url=base_url))
