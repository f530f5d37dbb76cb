"""Bilingual, cited summaries: chunking, map-reduce, citation alignment, back-translation, flags.

Method
------
1. **Units.** Each translated segment (title, headings, paragraphs, list items, captions) is a unit
   citing its own id. A unit longer than the summariser's input is cut into sentence pieces that
   each cite the same segment, so nothing is ever truncated.
2. **Map-reduce.** Units are packed, in order, into chunks of whole units under the model's token
   budget. One chunk: it is summarised directly. Several: each chunk is summarised (map), every
   summary sentence becomes a unit citing the *original* segments it was aligned to, and those
   units are summarised again (reduce), level after level until one chunk remains.
3. **Alignment.** A summary sentence is aligned to the units of its chunk by lexical overlap:
   ROUGE-1 and ROUGE-2 recall of the sentence's content words (lower-cased, accents folded,
   stop-words dropped) in each unit; the best unit is cited, and further units are added greedily
   while they cover words of the sentence that the chosen ones do not. When the best overlap is
   weak (below MIN_LEXICAL_RECALL), the model's cross-attention over the chunk decides instead:
   the unit that received the largest share of attention while the sentence was generated. Cites
   of a unit are original segment ids, so they carry through every reduce level unchanged.
4. **Bilingual.** The target-language summary is translated back sentence by sentence with the
   reverse pair's model; each sentence keeps its cites.
5. **Faithfulness.** A number or capitalised name in a summary sentence that none of its cited
   segments holds (in source or translation) is listed in ``unsupported``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trpipe.progress import Progress
from trpipe.records import Document, SummarySentence
from trpipe.segment import split_long, split_sentences
from trpipe.summarise.align import MIN_LEXICAL_RECALL, align
from trpipe.summarise.models import Summariser

SUMMARY_KINDS = {"title", "heading", "paragraph", "list_item", "caption"}
MAX_LEVELS = 8
CHUNKS_PER_BATCH = 4  # chunks summarised in one generate call


@dataclass
class Unit:
    """A piece of text to summarise and the original segment ids it stands for."""

    text: str
    cites: tuple[str, ...]


@dataclass
class SummaryTrace:
    """How a summary was made, for provenance."""

    levels: int = 0
    chunks: list[int] = field(default_factory=list)
    alignment: dict[str, int] = field(default_factory=lambda: {"lexical": 0, "attention": 0})

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "map-reduce" if self.levels > 1 else "single-pass",
            "levels": self.levels,
            "chunks_per_level": list(self.chunks),
            "alignment": f"rouge-1/2 recall of content words; cross-attention when recall < {MIN_LEXICAL_RECALL}",
            "aligned_by": dict(self.alignment),
        }


def default_sentence_count(words: int) -> int:
    """3 sentences for a short article, 4 for a medium one, 5 for a long one."""
    return 3 if words < 300 else 4 if words < 900 else 5


def fit_units(units: Sequence[Unit], summariser: Summariser, budget: int, lang: str) -> list[Unit]:
    """Units cut into sentence pieces wherever one is longer than ``budget`` tokens (never truncated)."""
    counts = summariser.count_tokens([u.text for u in units])
    fitted: list[Unit] = []
    for unit, count in zip(units, counts):
        if count <= budget:
            fitted.append(unit)
            continue
        for sentence in split_sentences(unit.text, 0, len(unit.text), lang):
            for piece in split_long(unit.text, sentence, lambda t: summariser.count_tokens([t])[0], budget):
                fitted.append(Unit(piece.text, unit.cites))
    return fitted


def pack(units: Sequence[Unit], counts: Sequence[int], budget: int) -> list[list[Unit]]:
    """Consecutive units grouped into chunks whose tokens (plus one per separator) stay within ``budget``."""
    chunks: list[list[Unit]] = []
    current: list[Unit] = []
    used = 0
    for unit, count in zip(units, counts):
        if current and used + count + 1 > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(unit)
        used += count + 1
    if current:
        chunks.append(current)
    return chunks


def summary_sentences(text: str, lang: str, limit: int | None) -> list[str]:
    sentences = [s.text for s in split_sentences(text, 0, len(text), lang)]
    return [" ".join(s.split()) for s in sentences if s.strip()][:limit]


def summarise_units(
    units: Sequence[Unit], summariser: Summariser, max_sentences: int, lang: str, trace: SummaryTrace | None = None
) -> list[SummarySentence]:
    """Map-reduce summary of ``units``; every sentence cites original segment ids."""
    trace = trace if trace is not None else SummaryTrace()
    budget = summariser.max_input_tokens - 2
    # A map-level summary must be much shorter than a chunk, or reducing would never end.
    map_tokens = max(8, min(summariser.max_summary_tokens, budget // 4))
    level_units = list(units)
    for _level in range(MAX_LEVELS):
        level_units = fit_units(level_units, summariser, budget, lang)
        chunks = pack(level_units, summariser.count_tokens([u.text for u in level_units]), budget)
        trace.levels += 1
        trace.chunks.append(len(chunks))
        final = len(chunks) == 1 or _level == MAX_LEVELS - 1
        new_tokens = summariser.max_summary_tokens if final else map_tokens
        next_units: list[Unit] = []
        summaries: list[str] = []
        for i in range(0, len(chunks), CHUNKS_PER_BATCH):
            batch = [[u.text for u in chunk] for chunk in chunks[i : i + CHUNKS_PER_BATCH]]
            summaries += summariser.summarise(batch, max_sentences, new_tokens)
        for chunk, summary in zip(chunks, summaries):
            for sentence in summary_sentences(summary, lang, max_sentences if final else None):
                next_units.append(Unit(sentence, tuple(align(sentence, chunk, summariser, trace))))
        if final:
            return [SummarySentence(u.text, list(u.cites)) for u in next_units[:max_sentences]]
        level_units = next_units
    raise AssertionError("unreachable")


def article_units(document: Document) -> list[Unit]:
    return [
        Unit(seg.translation, (seg.id,))
        for seg in document.segments
        if seg.kind in SUMMARY_KINDS and seg.translation and seg.translation.strip()
    ]


def flag_unsupported(sentences: Sequence[SummarySentence], document: Document, lang: str) -> None:
    """Fill ``unsupported`` of each sentence (in ``lang``) from its cited segments, source and translation."""
    from trpipe.checks import unsupported_items

    by_id = {s.id: s for s in document.segments}
    source_lang = document.source.lang or lang
    for sentence in sentences:
        support = []
        for cite in sentence.cites:
            if cite in by_id:
                seg = by_id[cite]
                support += [(seg.text, seg.lang or source_lang), (seg.translation or "", document.target_lang)]
        sentence.unsupported = unsupported_items(sentence.text, lang, support)


def summarise_documents(
    documents: Sequence[Document],
    summariser: Summariser,
    translate: Callable[[Sequence[str], str, str], list[str]],
    counts: Sequence[int | None],
    languages: Sequence[Sequence[str]],
    progress: Progress | None = None,
) -> list[SummaryTrace]:
    """Summarise several translated documents; set each ``document.summary``; return how each was made.

    ``counts[i]``: sentences wanted for document i (None: by its length). ``languages[i]``: the languages
    its summary is translated into from the main target (its source language first, then other targets).
    ``translate(texts, from_lang, to_lang)`` translates any-length texts; each pair of languages is one
    call for the whole group.
    """
    traces: list[SummaryTrace] = []
    primaries: list[list[SummarySentence]] = []
    for document, count in zip(documents, counts):
        target = document.target_lang
        words = len(document.source.text.split())
        trace = SummaryTrace()
        units = article_units(document)
        if progress is not None:
            progress.stage("summarising")
        sentences = summarise_units(units, summariser, count or default_sentence_count(words), target, trace)
        flag_unsupported(sentences, document, target)
        traces.append(trace)
        primaries.append(sentences if units else [])
    jobs: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (from, to) -> [(document, sentence)]
    for i, (document, langs) in enumerate(zip(documents, languages)):
        document.summary = {document.target_lang: primaries[i]}
        for lang in langs:
            document.summary[lang] = []
            jobs.setdefault((document.target_lang, lang), []).extend((i, j) for j in range(len(primaries[i])))
    for (source_lang, lang), where in jobs.items():
        if progress is not None:
            progress.stage(f"translating the summaries {source_lang}→{lang}")
        texts = translate([primaries[i][j].text for i, j in where], source_lang, lang) if where else []
        for (i, j), text in zip(where, texts):
            documents[i].summary[lang].append(SummarySentence(text, list(primaries[i][j].cites)))
    for document in documents:
        for lang, sentences in document.summary.items():
            if lang != document.target_lang:
                flag_unsupported(sentences, document, lang)
    return traces
