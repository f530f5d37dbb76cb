"""Digests built in memory for the renderers' tests (tests/test_digest_render*.py), with the articles' JSON
documents and HTML reports written to a folder: several stories, two summary languages (one written right to
left), copies of one wire story, disagreements, flags (one name no renderer knows), a missing document, an
embedded one, an article without a report, and hostile strings everywhere."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from trpipe.records import Document, Segment, Source
from trpipe.render.html import render_html
from trpipe.render.json import json_document

HOSTILE = '<script>alert("x")</script>"\'&<img src=x onerror=alert(1)>\u202eevil\u2066 \x1b\x00 ' + "W" * 300
PARAGRAPHS = {
    "a1": ("fr", ["Renault supprime des emplois", "Le constructeur supprime 300 emplois à Flins, a-t-il dit lundi."]),
    "a2": ("fr", ["Renault supprime des emplois", "Le constructeur supprime 500 emplois à Flins, a-t-il dit lundi."]),
    "a3": ("ar", ["رينو تلغي وظائف", "ألغت الشركة 300 وظيفة في فلان يوم الاثنين."]),
    "a4": ("de", ["Wahl in Bayern", "Die Wahl findet am 3. März statt."]),
    "a5": ("de", ["Wahl in Bayern", "Die Wahl findet am 4. März statt."]),
}


def make_document(article_id: str) -> Document:
    lang, paragraphs = PARAGRAPHS[article_id]
    text = "\n\n".join(paragraphs)
    segments, at = [], 0
    for n, paragraph in enumerate(paragraphs, start=1):
        kind = "title" if n == 1 else "paragraph"
        segments.append(
            Segment(f"p{n}", kind, at, at + len(paragraph), 2 * n - 1, paragraph, translation=f"[en] {paragraph}")
        )
        at += len(paragraph) + 2
    sha = hashlib.sha256(text.encode()).hexdigest()
    source = Source(path=f"in/{article_id}.txt", text=text, encoding="utf-8", sha256=sha, lang=lang)
    return Document(source, "en", segments, {"trpipe": "test"})


def fact(article_id: str, needle: str, value: str) -> dict:
    """A fact whose span is ``needle`` in the article's second paragraph."""
    document = make_document(article_id)
    start = document.source.text.index(needle)
    return {
        "article": article_id,
        "segment": "p2",
        "start": start,
        "end": start + len(needle),
        "text": needle,
        "value": value,
    }


def build(folder: Path) -> dict:
    """The digest (paths relative to ``folder``), its documents and reports written there; a4 has no report,
    a5's document is missing, a3's document is embedded."""
    out = folder / "digest.articles"
    out.mkdir(parents=True, exist_ok=True)
    articles = []
    for article_id, (lang, paragraphs) in PARAGRAPHS.items():
        document = make_document(article_id)
        entry = {
            "id": article_id,
            "source": f"in/{article_id}.txt",
            "lang": lang,
            "title": paragraphs[0],
            "site": f"site-{article_id}.example",
            "date": f"2026-12-0{int(article_id[1])}T08:00:00Z",
            "url": f"https://site-{article_id}.example/news/{article_id}?a=1&b=2",
            "document": f"digest.articles/{article_id}.json",
            "report": f"digest.articles/{article_id}.html",
        }
        if article_id == "a3":
            entry["document"] = json_document(document)
        if article_id != "a5":
            (out / f"{article_id}.json").write_text(json.dumps(json_document(document)), encoding="utf-8")
        if article_id == "a4":
            entry["report"] = None
        else:
            (out / f"{article_id}.html").write_text(render_html(document), encoding="utf-8")
        articles.append(entry)
    articles[4]["date"] = None
    articles[1]["title"] = HOSTILE
    articles[1]["url"] = "javascript:alert(1)"
    cite = {"article": "a1", "segment": "p2"}
    story1 = {
        "id": "s1",
        "title": "Renault cuts jobs",
        "titles": {"fr": "Renault supprime des emplois", "ar": "رينو تلغي وظائف"},
        "articles": ["a1", "a2", "a3"],
        "duplicates": [["a1", "a2"]],
        "timeline": [
            {"date": "2026-12-01T08:00:00Z", "article": "a1"},
            {"date": "2026-12-02T08:00:00Z", "article": "a2"},
            {"date": "2026-12-03T08:00:00Z", "article": "a3"},
        ],
        "summary": {
            "en": [
                {
                    "text": "Renault is cutting 300 jobs at Flins.",
                    "cites": [cite, {"article": "a3", "segment": "p2"}],
                    "flags": [],
                    "support": 0.9,
                },
                {
                    "text": HOSTILE,
                    "cites": [{"article": "a2", "segment": "p2"}],
                    "flags": ["unsupported", "made_up_flag<b>"],
                    "unsupported": ["500"],
                    "support": 0.2,
                },
            ],
            "ar": [{"text": "تلغي رينو 300 وظيفة.", "cites": [cite], "flags": ["weakly_supported"]}],
        },
        "disagreements": [
            {
                "kind": "number",
                "about": "jobs",
                "a": fact("a1", "300 emplois", "300"),
                "b": fact("a2", "500 emplois", "500"),
                "duplicates": True,
            },
        ],
        "change": "new",
    }
    story2 = {
        "id": "s2",
        "title": HOSTILE,
        "articles": ["a4", "a5"],
        "duplicates": [],
        "timeline": [{"date": "2026-12-04T08:00:00Z", "article": "a4"}, {"date": None, "article": "a5"}],
        "summary": {
            "en": [
                {
                    "text": "The vote is in March.",
                    "cites": [{"article": "a4", "segment": "p2"}, {"article": "a5", "segment": "p2"}],
                    "flags": ["wrong_citation"],
                }
            ],
            "ar": [{"text": "التصويت في مارس.", "cites": [{"article": "a4", "segment": "p2"}], "flags": []}],
        },
        "disagreements": [
            {
                "kind": "date",
                "about": HOSTILE,
                "a": fact("a4", "3. März", "2026-03-03"),
                "b": fact("a5", "4. März", "2026-03-04"),
                "duplicates": False,
            },
        ],
        "change": "updated",
    }
    story3 = {"id": "s3", "title": "Nothing to say", "articles": [], "summary": {}, "change": None}
    return {
        "format": "trpipe-digest",
        "version": "1.0",
        "target": "en",
        "languages": ["en", "ar"],
        "stories": [story1, story2, story3],
        "articles": articles,
        "provenance": {"trpipe": "0.0-test", "created": "2026-12-05T06:00:00Z", "threshold": 0.5, "models": {}},
    }
