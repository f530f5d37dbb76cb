"""The source text around a disagreement's spans: each article's trpipe JSON document, read from its
``document`` path (relative to the digest's folder) or taken inline (``--embed``), once per render. When a
document cannot be read, or its text at the span's offsets is not the fact's text, the renderers show the
fact's text alone and say why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from trpipe.render.digest.links import items, mapping

CONTEXT_CHARS = 160  # at most this many characters of source text on each side of a span


@dataclass
class Context:
    """A span in its source text: ``before`` + ``span`` + ``after`` (``…`` where cut); or, when the source
    text is not at hand, the fact's text as ``span`` and ``note`` saying why."""

    span: str
    before: str = ""
    after: str = ""
    note: str | None = None


@dataclass
class Loaded:
    text: str | None
    segments: dict[str, tuple[int, int]]
    note: str | None = None


class Documents:
    """The articles' documents, read on first use (``base``: the digest's folder; None: the current one)."""

    def __init__(self, articles: dict[str, dict], base: Path | None):
        self.articles, self.base = articles, Path(base) if base is not None else Path()
        self.loaded: dict[str, Loaded] = {}

    def get(self, article_id: str) -> Loaded:
        if article_id not in self.loaded:
            self.loaded[article_id] = self._load(self.articles.get(article_id))
        return self.loaded[article_id]

    def _load(self, article: dict | None) -> Loaded:
        if article is None:
            return Loaded(None, {}, "the article is not in the digest")
        document = article.get("document")
        if isinstance(document, str) and document:
            path = self.base / document
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                return Loaded(None, {}, f"cannot read {document}: {getattr(exc, 'strerror', None) or exc}")
            except json.JSONDecodeError as exc:
                return Loaded(None, {}, f"{document} is not JSON: {exc.msg} (line {exc.lineno})")
        if not isinstance(document, dict):
            return Loaded(None, {}, "the article has no document")
        text = mapping(document.get("source")).get("text")
        if not isinstance(text, str):
            return Loaded(None, {}, "its document has no source text")
        segments = {
            str(s["id"]): (s["start"], s["end"])
            for s in items(document.get("segments"))
            if isinstance(s, dict) and isinstance(s.get("start"), int) and isinstance(s.get("end"), int)
        }
        return Loaded(text, segments)

    def context(self, fact: dict) -> Context:
        """The fact's span with the source text around it, within its segment."""
        shown = fact.get("text")
        shown = shown if isinstance(shown, str) else ""
        article_id = fact.get("article")
        loaded = self.get(article_id) if isinstance(article_id, str) else Loaded(None, {}, "no article named")
        if loaded.text is None:
            return Context(shown, note=f"source text not available: {loaded.note}")
        start, end, text = fact.get("start"), fact.get("end"), loaded.text
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
            return Context(shown, note="source text not available: the span's offsets are not in its document")
        if shown and text[start:end] != shown:
            return Context(shown, note="source text not shown: its document's text at the span is not the fact's")
        low, high = loaded.segments.get(str(fact.get("segment")), (0, len(text)))
        low, high = (low, high) if 0 <= low <= start and end <= high <= len(text) else (0, len(text))
        return Context(text[start:end], _before(text[low:start]), _after(text[end:high]))


def _before(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text.lstrip()
    cut = text[-CONTEXT_CHARS:]
    space = cut.find(" ")
    return "…" + (cut[space + 1 :] if 0 <= space < CONTEXT_CHARS // 3 else cut)


def _after(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text.rstrip()
    cut = text[:CONTEXT_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > CONTEXT_CHARS * 2 // 3 else cut) + "…"
