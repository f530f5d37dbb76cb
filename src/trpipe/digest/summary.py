"""One cited summary per story: a single map-reduce over the story's deduplicated segments.

The units are the translated segments (titles, headings, paragraphs, list items, captions) of every article
of the story, the most central article first, each citing ``(article, segment)``; a segment whose source text
an earlier unit already holds (the paragraphs that copies of one wire story share) is left out, so copies are
summarised once and the summary never repeats them. The stories' units go through ``summarise.mapreduce`` in
shared batches (``summarise_unit_sets``: chunks under the summariser's budget, map, reduce, each sentence
aligned to the units it rests on), so a sentence cites ``(article, segment)`` pairs that exist; the first-level
chunks are recorded for the provenance. Each sentence gets the single-article summaries' support flags
(``unsupported``, ``weakly_supported``) from its cited segments, source and translation, and is translated
back into the story's other languages (``also``, else its main source language) with the reverse models, one
call per pair of languages for all the stories.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trpipe.checks.text import fold
from trpipe.digest.articles import Article
from trpipe.errors import ModelError, PairError
from trpipe.records import SummarySentence

log = logging.getLogger("trpipe")


@dataclass
class StorySummary:
    """A story's summary sentences by language, and the cites of each first-level chunk."""

    sentences: dict[str, list[SummarySentence]] = field(default_factory=dict)
    chunks: list[list[tuple[str, str]]] = field(default_factory=list)


def story_units(articles: Sequence[Article]) -> list:
    """The translated segments of ``articles`` (in that order) as units citing ``(article, segment)``, each
    source text once."""
    from trpipe.summarise.mapreduce import SUMMARY_KINDS, Unit

    seen: set[str] = set()
    units = []
    for article in articles:
        for seg in article.document.segments:
            if seg.kind not in SUMMARY_KINDS or not (seg.translation or "").strip():
                continue
            key = " ".join(fold(seg.text).split())
            if key in seen:
                continue
            seen.add(key)
            units.append(Unit(seg.translation or "", ((article.id, seg.id),)))
    return units


def main_language(articles: Sequence[Article]) -> str:
    """The language most of the story's articles are written in (the first one's on a tie)."""
    counts = Counter(a.lang for a in articles)
    return max(counts, key=lambda lang: (counts[lang], -[a.lang for a in articles].index(lang)))


def story_languages(articles: Sequence[Article], target: str, also: Sequence[str]) -> list[str]:
    """The languages a story's summary is translated into from the target: ``also``, else its main source
    language (none when that is the target)."""
    wanted = list(also) if also else [main_language(articles)]
    return [lang for lang in dict.fromkeys(wanted) if lang and lang != target]


def sentence_record(sentence: SummarySentence) -> dict[str, Any]:
    """A summary sentence as the digest writes it: cites as ``{"article", "segment"}``, flags by name."""
    flags = (["unsupported"] if sentence.unsupported else []) + (
        ["weakly_supported"] if sentence.weakly_supported else []
    )
    out: dict[str, Any] = {
        "text": sentence.text,
        "cites": [{"article": a, "segment": s} for a, s in sentence.cites],
        "flags": flags,
    }
    if sentence.unsupported:
        out["unsupported"] = list(sentence.unsupported)
    if sentence.support is not None:
        out["support"] = round(sentence.support, 3)
    return out


def summarise_stories(
    stories: Sequence[Sequence[Article]],
    session,
    settings,
    also: Sequence[str] = (),
    warn: Callable[[str], None] | None = None,
) -> tuple[list[StorySummary], dict[str, Any]]:
    """Every story's summary (``stories``: their articles, the most central first) through the session's
    summariser and back-translation models; returns the summaries and what made them (provenance)."""
    from trpipe.summarise.mapreduce import default_sentence_count, flag_sentences, segment_support, summarise_unit_sets
    from trpipe.translate.base import translate_any_length

    warn = warn or session.on_warning
    target = settings.target_lang
    out = [StorySummary() for _ in stories]
    provenance: dict[str, Any] = {"models": {}, "decoding": {}}
    if not stories:
        return out, provenance
    try:
        spec = session.registry.summariser(target, settings.summary_model)
        summariser = session.models.summariser(spec, settings)
    except (ModelError, PairError) as exc:
        warn(f"digest: summaries skipped: {exc}")
        provenance["summary_error"] = str(exc)
        return out, provenance
    unit_sets = [story_units(articles) for articles in stories]
    counts = []
    for units in unit_sets:
        words = sum(len(u.text.split()) for u in units)
        counts.append(settings.summary_sentences or default_sentence_count(words))
    results = summarise_unit_sets(unit_sets, summariser, counts, target, session.progress)
    by_id = {a.id: a for articles in stories for a in articles}

    def support(cite) -> list[tuple[str, str]]:
        article = by_id.get(cite[0])
        return segment_support(article.document, cite[1]) if article is not None else []

    wanted: dict[str, list[tuple[int, int]]] = {}  # language -> [(story, sentence)]
    asked: dict[str, list[int]] = {}  # language -> the stories whose summary it is asked for
    for k, ((sentences, trace), articles) in enumerate(zip(results, stories)):
        flag_sentences(sentences, target, support)
        out[k].sentences[target] = sentences
        out[k].chunks = [list(chunk) for chunk in trace.map_chunks]
        for lang in story_languages(articles, target, also):
            out[k].sentences[lang] = []
            asked.setdefault(lang, []).append(k)
            wanted.setdefault(lang, []).extend((k, j) for j in range(len(sentences)))
    provenance["models"]["summary"] = summariser.describe()
    provenance["decoding"]["summary"] = summariser.decoding()
    for lang, where in wanted.items():
        try:
            translator = session.models.translator_for(target, lang, settings)
        except (ModelError, PairError) as exc:
            warn(f"digest: summaries in {lang} skipped: {exc}")
            for k in asked[lang]:  # the stories without a sentence too: no language, not an empty list
                out[k].sentences.pop(lang, None)
            continue
        provenance["models"][f"back_translation_{lang}"] = translator.describe()
        provenance["decoding"][f"back_translation_{lang}"] = translator.decoding()
        texts = translate_any_length(translator, [out[k].sentences[target][j].text for k, j in where]) if where else []
        for (k, j), text in zip(where, texts):
            out[k].sentences[lang].append(SummarySentence(text, list(out[k].sentences[target][j].cites)))
        for k in {k for k, _ in where}:
            flag_sentences(out[k].sentences[lang], lang, support)
    return out, provenance
