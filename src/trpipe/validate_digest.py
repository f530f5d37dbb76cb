"""The digest contract, checked (``trpipe validate digest.json``): the JSON Schema
(``trpipe/schemas/digest.schema.json``), then what a schema cannot say: every story's articles, duplicates
and timeline name articles of the digest; every summary cite names an existing segment of an existing
article (its JSON document read from the path given, relative to the digest's folder, or embedded); every
disagreement's spans match its article's source text; every segment ``provenance.chunks`` lists is one of its
story's; each article is in exactly one story; every article's document holds the contract itself."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from trpipe.schemas import schema, schema_problems


class Problem(NamedTuple):
    """Where, and what is wrong (``trpipe.validate`` makes its own Problems of them)."""

    where: str
    message: str


DIGEST_FORMAT = "trpipe-digest"


def is_digest(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("format") == DIGEST_FORMAT


def digest_schema() -> dict[str, Any]:
    return schema("digest")


def _schema_problems(doc: dict[str, Any]) -> list[Problem]:
    return [Problem(where, what) for where, what in schema_problems(doc, "digest")]


def _load(article: dict[str, Any], base: Path) -> tuple[dict[str, Any] | None, str | None]:
    document = article.get("document")
    if isinstance(document, dict):
        return document, None
    if not isinstance(document, str):
        return None, "no document"
    path = base / document
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"its document {document} cannot be read as JSON ({getattr(exc, 'strerror', None) or exc})"


def validate_digest(doc: Any, base: str | Path = ".", validate_document: Callable | None = None) -> list[Problem]:
    """Every way ``doc`` (a parsed digest) breaks the contract; ``base``: the digest file's folder.
    ``validate_document``: checks each article's document against the document contract (``trpipe.validate``'s)."""
    if not is_digest(doc):
        return [Problem("", 'not a trpipe digest (no "format": "trpipe-digest")')]
    problems = _schema_problems(doc)
    if problems:
        return problems
    base = Path(base)
    segments: dict[str, dict[str, str]] = {}  # article id -> segment id -> nothing; and the source text
    texts: dict[str, str] = {}
    for k, article in enumerate(doc["articles"]):
        where = f"articles[{k}] ({article['id']})"
        if article["id"] in segments:
            problems.append(Problem(where, "a second article with this id"))
            continue
        loaded, error = _load(article, base)
        if loaded is None:
            problems.append(Problem(where, error or "no document"))
            segments[article["id"]] = {}
            continue
        if validate_document is not None:
            for problem in validate_document(loaded):
                problems.append(Problem(f"{where}.document{('.' + problem.where) if problem.where else ''}",
                                        problem.message))  # fmt: skip
        segs = loaded.get("segments") if isinstance(loaded.get("segments"), list) else []
        segments[article["id"]] = {s.get("id"): s for s in segs if isinstance(s, dict)}
        source = loaded.get("source") if isinstance(loaded.get("source"), dict) else {}
        texts[article["id"]] = source.get("text") if isinstance(source.get("text"), str) else ""
        report = article.get("report")
        if isinstance(report, str) and not (base / report).is_file():
            problems.append(Problem(where, f"its report {report} is not a file"))
    seen_stories: set[str] = set()
    for k, story in enumerate(doc["stories"]):
        where = f"stories[{k}] ({story['id']})"
        if story["id"] in seen_stories:
            problems.append(Problem(where, "a second story with this id"))
        seen_stories.add(story["id"])
        members = set(story["articles"])
        for a in story["articles"]:
            if a not in segments:
                problems.append(Problem(f"{where}.articles", f"names {a}, which is not an article of the digest"))
        for n, group in enumerate(story["duplicates"]):
            if not set(group) <= members:
                problems.append(Problem(f"{where}.duplicates[{n}]", "names articles that are not the story's"))
        if {t["article"] for t in story["timeline"]} != members:
            problems.append(Problem(f"{where}.timeline", "does not list each of the story's articles"))
        for lang, sentences in story["summary"].items():
            for n, sentence in enumerate(sentences):
                for cite in sentence["cites"]:
                    a, s = cite["article"], cite["segment"]
                    if a not in members or a not in segments:
                        problems.append(
                            Problem(f"{where}.summary.{lang}[{n}]", f"cites {a}, not an article of the story")
                        )
                    elif s not in segments[a]:
                        problems.append(Problem(f"{where}.summary.{lang}[{n}]", f"cites {a} {s}: no such segment"))
        for n, item in enumerate(story["disagreements"]):
            for side in ("a", "b"):
                problems += _side(f"{where}.disagreements[{n}].{side}", item[side], members, segments, texts)
        for n, chunk in enumerate(doc["provenance"]["chunks"].get(story["id"], [])):
            for cite in chunk:
                a, s = cite["article"], cite["segment"]
                if a not in members or s not in segments.get(a, {}):
                    problems.append(
                        Problem(f"provenance.chunks.{story['id']}[{n}]", f"{a} {s}: not a segment of the story")
                    )
    for sid in set(doc["provenance"]["chunks"]) - seen_stories:
        problems.append(Problem(f"provenance.chunks.{sid}", "names a story the digest does not have"))
    placed = Counter(a for story in doc["stories"] for a in story["articles"])
    for a in segments:
        if placed[a] != 1:
            problems.append(Problem(f"articles ({a})", f"is in {placed[a]} stories (each article is in one)"))
    return problems


def _side(where: str, side: dict, members: set, segments: dict, texts: dict) -> list[Problem]:
    a, s = side["article"], side["segment"]
    if a not in members or a not in segments:
        return [Problem(where, f"names {a}, not an article of the story")]
    seg = segments[a].get(s)
    if seg is None:
        return [Problem(where, f"names {a} {s}: no such segment")]
    start, end = side["start"], side["end"]
    if not (seg.get("start", 0) <= start <= end <= seg.get("end", -1)):
        return [Problem(where, f"span {start}-{end} is not inside segment {s}")]
    if texts.get(a, "")[start:end] != side["text"]:
        return [Problem(where, f"text {side['text']!r} is not the source text at {start}-{end}")]
    return []
