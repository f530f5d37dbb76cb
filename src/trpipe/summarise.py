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

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from trpipe.records import Document, SummarySentence
from trpipe.segment import split_long, split_sentences
from trpipe.summariser import Summariser

SUMMARY_KINDS = {"title", "heading", "paragraph", "list_item", "caption"}
MIN_LEXICAL_RECALL = 0.34
MAX_CITES = 3
MAX_LEVELS = 8
CHUNKS_PER_BATCH = 4  # chunks summarised in one generate call
_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = set(
    """a an the and or but of to in on at for from by with as is are was were be been being it its this that these
    those he she they we you i his her their our your has have had not no will would can could should may might than
    then there here which who whom whose what when where why how also into over under about after before between
    le la les un une des du de d l et ou mais à au aux en dans sur par pour avec sans est sont était été être il elle
    ils elles nous vous je son sa ses leur leurs ce cet cette ces qui que quoi dont où ne pas plus se s qu c n y
    der die das und oder ein eine von zu mit im ist sind el los las y o del con por para es son il lo gli e di da
    """.split()
)


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


def _segment_order(segment_id: str) -> int:
    return int(segment_id[1:]) if segment_id[1:].isdigit() else 0


def content_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w for w in _WORD.findall(folded) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]


def lexical_scores(sentence: str, units: Sequence[str]) -> tuple[list[float], list[set[str]]]:
    """For each unit: 0.7 x ROUGE-1 recall + 0.3 x ROUGE-2 recall of the sentence, and the words it covers."""
    words = content_words(sentence)
    unigrams, bigrams = set(words), set(pairwise(words))
    scores, covered = [], []
    for unit in units:
        unit_words = content_words(unit)
        common = unigrams & set(unit_words)
        r1 = len(common) / len(unigrams) if unigrams else 0.0
        r2 = len(bigrams & set(pairwise(unit_words))) / len(bigrams) if bigrams else 0.0
        scores.append(0.7 * r1 + 0.3 * r2)
        covered.append(common)
    return scores, covered


def align(sentence: str, units: Sequence[Unit], summariser: Summariser, trace: SummaryTrace) -> list[str]:
    """Original segment ids that ``sentence`` draws on, among ``units`` (see the module docstring)."""
    texts = [u.text for u in units]
    scores, covered = lexical_scores(sentence, texts)
    best = max(range(len(units)), key=lambda i: scores[i])
    chosen = [best]
    if scores[best] >= MIN_LEXICAL_RECALL:
        trace.alignment["lexical"] += 1
        have = set(covered[best])
        for i in sorted(range(len(units)), key=lambda i: -scores[i]):
            if len(chosen) >= MAX_CITES:
                break
            if i not in chosen and len(covered[i] - have) >= 2:
                chosen.append(i)
                have |= covered[i]
    else:
        shares = summariser.attention(texts, sentence)
        if shares:
            trace.alignment["attention"] += 1
            chosen = [max(range(len(units)), key=lambda i: shares[i])]
        else:
            trace.alignment["lexical"] += 1
    cites = {c for i in chosen for c in units[i].cites}
    return sorted(cites, key=_segment_order)


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


def summarise_document(
    document: Document,
    summariser: Summariser,
    back_translate: Any,
    max_sentences: int | None = None,
) -> SummaryTrace:
    """Set ``document.summary`` to ``{target: [...], source: [...]}``; return how it was made.

    ``back_translate(texts) -> translations`` turns target-language sentences into the source language.
    """
    target, source = document.target_lang, document.source.lang or "src"
    words = len(document.source.text.split())
    count = max_sentences or default_sentence_count(words)
    trace = SummaryTrace()
    units = article_units(document)
    sentences = summarise_units(units, summariser, count, target, trace) if units else []
    flag_unsupported(sentences, document, target)
    back = back_translate([s.text for s in sentences]) if sentences else []
    source_sentences = [SummarySentence(text, list(s.cites)) for text, s in zip(back, sentences)]
    flag_unsupported(source_sentences, document, source)
    document.summary = {target: sentences, source: source_sentences}
    return trace
