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

Batching. ``summarise_documents`` runs the levels of all the articles of a group in step: at each
level the chunks of every article still being reduced share length-sorted batches (as sentences do
for translation), the attention that weak alignments need is asked for in shared batches too, and
the back-translation of all the group's summaries is one call per pair of languages. Progress: each
level's chunks are announced (``SUMMARY_CHUNK_STEPS`` steps each; later levels estimated, then
corrected) and so are the sentences to back-translate, before the work; the bar advances as it is done.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trpipe.progress import SUMMARY_CHUNK_STEPS, Progress
from trpipe.records import Document, SummarySentence
from trpipe.segment import split_long, split_sentences
from trpipe.summarise.align import MIN_LEXICAL_RECALL, align_many
from trpipe.summarise.models import UNIT_SEPARATOR, Summariser
from trpipe.translate.base import plan_batches

SUMMARY_KINDS = {"title", "heading", "paragraph", "list_item", "caption"}
MAX_LEVELS = 8
ALIGN_STEPS = 1  # of a chunk's SUMMARY_CHUNK_STEPS: aligning its sentences (the rest: generating its summary)


# A cite: a segment id of one article ("p3"), or an (article id, segment id) pair of a multi-document summary.
Cite = str | tuple[str, str]


@dataclass
class Unit:
    """A piece of text to summarise and the original segments it stands for."""

    text: str
    cites: tuple[Cite, ...]


@dataclass
class SummaryTrace:
    """How a summary was made, for provenance."""

    levels: int = 0
    chunks: list[int] = field(default_factory=list)
    alignment: dict[str, int] = field(default_factory=lambda: {"lexical": 0, "attention": 0})
    map_chunks: list[list[Cite]] = field(default_factory=list)  # the cites of each first-level chunk

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


@dataclass
class _Job:
    """One text's summary in progress through the levels."""

    units: list[Unit]
    max_sentences: int
    lang: str
    trace: SummaryTrace
    chunks: list[list[Unit]] = field(default_factory=list)
    final: bool = False
    expected: float = 0.0  # progress steps announced for the levels still to come
    result: list[SummarySentence] = field(default_factory=list)


def level_steps(chunks: int, level: int, map_tokens: int, budget: int) -> float:
    """Progress steps of ``chunks`` at ``level`` and of the levels they will probably need after it (each
    map-level summary of at most ``map_tokens`` tokens, chunks of ``budget`` tokens)."""
    steps = 0.0
    while True:
        steps += chunks * SUMMARY_CHUNK_STEPS
        if chunks <= 1 or level >= MAX_LEVELS:
            return steps
        chunks, level = max(1, math.ceil(chunks * map_tokens / budget)), level + 1


def estimate_steps(
    documents: Sequence[Document],
    counts: Sequence[int | None],
    languages: Sequence[Sequence[str]],
    max_input_tokens: int = 1024,
    max_summary_tokens: int = 142,
    chars_per_token: float = 4.0,
) -> float:
    """The progress steps ``summarise_documents`` will take for these documents, estimated before the
    summariser is loaded (about ``chars_per_token`` characters a token), so that a caller can announce the
    summaries before loading or converting their model (even before translating them: a segment's source
    text stands for its translation); pass the estimate as ``announced``."""
    budget = max_input_tokens - 2
    map_tokens = max(8, min(max_summary_tokens, budget // 4))
    steps = 0.0
    for document, count, langs in zip(documents, counts, languages):
        # before translation, the source text stands for its translation (about as long)
        texts = [seg.translation or seg.text for seg in document.segments if seg.kind in SUMMARY_KINDS]
        texts = [text for text in texts if text and text.strip()]
        if not texts:
            continue
        tokens = sum(len(text) for text in texts) / chars_per_token + len(texts)
        steps += level_steps(max(1, math.ceil(tokens / budget)), 1, map_tokens, budget)
        words = len(document.source.text.split())
        steps += (count or default_sentence_count(words)) * len(langs)
    return steps


class _Levels:
    """Map-reduce over several texts at once, level by level, their chunks in shared batches."""

    def __init__(self, summariser: Summariser, progress: Progress | None):
        self.summariser = summariser
        self.progress = progress
        self.budget = summariser.max_input_tokens - 2
        # A map-level summary must be much shorter than a chunk, or reducing would never end.
        self.map_tokens = max(8, min(summariser.max_summary_tokens, self.budget // 4))

    def estimate(self, chunks: int, level: int) -> float:
        """Steps of this level's ``chunks`` and of the levels they will probably need after it."""
        return level_steps(chunks, level, self.map_tokens, self.budget)

    def run(self, jobs: Sequence[_Job]) -> None:
        active = [job for job in jobs if job.units]
        for level in range(1, MAX_LEVELS + 1):
            if not active:
                return
            for job in active:
                self.chunk(job, level)
            self.step(active, level)
            active = [job for job in active if not job.final]

    def chunk(self, job: _Job, level: int) -> None:
        summariser = self.summariser
        job.units = fit_units(job.units, summariser, self.budget, job.lang)
        job.chunks = pack(job.units, summariser.count_tokens([u.text for u in job.units]), self.budget)
        job.trace.levels += 1
        job.trace.chunks.append(len(job.chunks))
        if level == 1:
            job.trace.map_chunks = [list(dict.fromkeys(c for u in chunk for c in u.cites)) for chunk in job.chunks]
        job.final = len(job.chunks) == 1 or level == MAX_LEVELS
        if self.progress is not None:  # this level's chunks are known now: correct the estimate
            estimate = self.estimate(len(job.chunks), level)
            self.progress.expect(estimate - job.expected)
            job.expected = estimate - len(job.chunks) * SUMMARY_CHUNK_STEPS

    def step(self, jobs: Sequence[_Job], level: int) -> None:
        """One level of every job: generate every chunk's summary, split, align, make the next units."""
        work = [(job, chunk) for job in jobs for chunk in job.chunks]
        if self.progress is not None:
            self.progress.stage(f"summarising: level {level}, {len(work)} chunk{'s' if len(work) != 1 else ''}")
        summaries = self.generate(work)
        items: list[tuple[str, Sequence[Unit], SummaryTrace]] = []
        owners: list[_Job] = []
        for (job, chunk), summary in zip(work, summaries):
            for sentence in summary_sentences(summary, job.lang, job.max_sentences if job.final else None):
                items.append((sentence, chunk, job.trace))
                owners.append(job)
        if self.progress is not None:
            self.progress.stage(f"aligning the summaries: level {level}")
        cites = align_many(items, self.summariser, self.attention_batches(items))
        if self.progress is not None:
            self.progress.advance(len(work) * ALIGN_STEPS)
        next_units: dict[int, list[Unit]] = {id(job): [] for job in jobs}
        for (sentence, _, _), job, found in zip(items, owners, cites):
            next_units[id(job)].append(Unit(sentence, tuple(found)))
        for job in jobs:
            units = next_units[id(job)]
            if job.final:
                job.result = [SummarySentence(u.text, list(u.cites)) for u in units[: job.max_sentences]]
            job.units = units
            if not units:  # the model gave no sentence: nothing more to reduce
                job.final = True

    def generate(self, work: Sequence[tuple[_Job, list[Unit]]]) -> list[str]:
        """Every chunk's summary; chunks with the same bound on new tokens share length-sorted batches."""
        summariser = self.summariser
        texts = [[u.text for u in chunk] for _, chunk in work]
        lengths = summariser.count_tokens([UNIT_SEPARATOR.join(t) for t in texts])
        summaries = [""] * len(work)
        groups: dict[int, list[int]] = {}
        for i, (job, _) in enumerate(work):
            groups.setdefault(summariser.max_summary_tokens if job.final else self.map_tokens, []).append(i)
        for new_tokens, members in groups.items():
            sizes = [lengths[i] + new_tokens for i in members]  # what a chunk's beams hold: its input and summary
            for batch in plan_batches(sizes, summariser.batch_tokens, summariser.max_batch):
                indices = [members[b] for b in batch]
                wanted = max(work[i][0].max_sentences for i in indices)
                outputs = summariser.summarise([texts[i] for i in indices], wanted, new_tokens)
                if len(outputs) != len(indices):
                    raise RuntimeError(f"summariser returned {len(outputs)} summaries for {len(indices)} chunks")
                for i, output in zip(indices, outputs):
                    summaries[i] = output
                if self.progress is not None:
                    self.progress.advance(len(indices) * (SUMMARY_CHUNK_STEPS - ALIGN_STEPS))
        return summaries

    def attention_batches(self, items: Sequence[tuple[str, Sequence[Unit], SummaryTrace]]):
        """Batches (by the summariser's token budget) of the items whose alignment needs attention."""
        summariser = self.summariser

        def batches(indices: list[int]) -> list[list[int]]:
            if not indices:
                return []
            lengths = summariser.count_tokens([UNIT_SEPARATOR.join(u.text for u in items[k][1]) for k in indices])
            planned = plan_batches(lengths, summariser.batch_tokens, summariser.max_batch)
            return [[indices[b] for b in batch] for batch in planned]

        return batches


def summarise_units(
    units: Sequence[Unit], summariser: Summariser, max_sentences: int, lang: str, trace: SummaryTrace | None = None
) -> list[SummarySentence]:
    """Map-reduce summary of ``units``; every sentence cites original segment ids."""
    job = _Job(list(units), max_sentences, lang, trace if trace is not None else SummaryTrace())
    _Levels(summariser, None).run([job])
    return job.result


def article_units(document: Document) -> list[Unit]:
    return [
        Unit(seg.translation, (seg.id,))
        for seg in document.segments
        if seg.kind in SUMMARY_KINDS and seg.translation and seg.translation.strip()
    ]


def segment_support(document: Document, segment_id: str) -> list[tuple[str, str]]:
    """``(text, lang)`` of a segment's source and translation: what a summary sentence citing it may rest on."""
    for seg in document.segments:
        if seg.id == segment_id:
            source_lang = seg.lang or document.source.lang or document.target_lang
            return [(seg.text, source_lang), (seg.translation or "", document.target_lang)]
    return []


def flag_sentences(
    sentences: Sequence[SummarySentence], lang: str, support: Callable[[Cite], list[tuple[str, str]]]
) -> None:
    """Fill ``unsupported``, ``support`` and ``weakly_supported`` of each sentence (in ``lang``) from what
    ``support(cite)`` gives for its cites (``(text, lang)`` pairs; see ``trpipe.checks.summary_flags``)."""
    from trpipe.checks import summary_flags

    for sentence in sentences:
        flags = summary_flags(sentence.text, lang, [pair for cite in sentence.cites for pair in support(cite)])
        sentence.unsupported = flags["unsupported"]
        sentence.support = flags["support"]
        sentence.weakly_supported = flags["weakly_supported"]


def flag_unsupported(
    sentences: Sequence[SummarySentence], document: Document, lang: str, citations: bool = False
) -> None:
    """``flag_sentences`` on the cited segments of ``document``, source and translation. ``citations``: first
    correct a citation that points at a segment which supports the sentence less than another does
    (trpipe.checks.claims.check_citation): the sentence then cites that one, keeps the cites it had in
    ``cited_as`` and says ``wrong_citation``."""
    if citations:
        from trpipe.checks.claims import check_citation

        source_lang = document.source.lang or lang
        versions = {
            seg.id: [(seg.text, seg.lang or source_lang), (seg.translation or "", document.target_lang)]
            for seg in document.segments
            if seg.kind in SUMMARY_KINDS and seg.translation and seg.translation.strip()
        }
        for sentence in sentences if versions else ():
            checked = check_citation(sentence.text, lang, sentence.cites, versions)
            if checked["wrong_citation"]:
                sentence.cited_as, sentence.cites = list(sentence.cites), checked["cites"]
                sentence.wrong_citation = True
    flag_sentences(sentences, lang, lambda cite: segment_support(document, cite))


def summarise_unit_sets(
    unit_sets: Sequence[Sequence[Unit]],
    summariser: Summariser,
    counts: Sequence[int],
    lang: str,
    progress: Progress | None = None,
) -> list[tuple[list[SummarySentence], SummaryTrace]]:
    """One map-reduce summary per set of units (a digest's stories: units citing ``(article, segment)``), the
    chunks of every set sharing batches at each level; each sentence cites the original units' cites."""
    jobs = [_Job(list(units), count, lang, SummaryTrace()) for units, count in zip(unit_sets, counts)]
    _Levels(summariser, progress).run(jobs)
    return [(job.result, job.trace) for job in jobs]


def summarise_documents(
    documents: Sequence[Document],
    summariser: Summariser,
    translate: Callable[[Sequence[str], str, str], list[str]],
    counts: Sequence[int | None],
    languages: Sequence[Sequence[str]],
    progress: Progress | None = None,
    announced: float = 0.0,
) -> list[SummaryTrace]:
    """Summarise several translated documents; set each ``document.summary``; return how each was made.

    ``counts[i]``: sentences wanted for document i (None: by its length). ``languages[i]``: the languages
    its summary is translated into from the main target (its source language first, then other targets).
    ``translate(texts, from_lang, to_lang)`` translates any-length texts; each pair of languages is one
    call for the whole group. The chunks of all the documents share batches at every level.
    ``announced``: steps the caller already told ``progress`` to expect for this (``estimate_steps``);
    they are replaced by the real counts as they become known.
    """
    jobs: list[_Job] = []
    for document, count in zip(documents, counts):
        words = len(document.source.text.split())
        jobs.append(
            _Job(article_units(document), count or default_sentence_count(words), document.target_lang, SummaryTrace())
        )
    back_expected = sum(job.max_sentences * len(langs) for job, langs in zip(jobs, languages) if job.units)
    if progress is not None:  # the back-translations, announced before the summaries start
        progress.expect(back_expected - announced)
    _Levels(summariser, progress).run(jobs)
    for document, job in zip(documents, jobs):
        flag_unsupported(job.result, document, document.target_lang, citations=True)
    jobs_by_pair: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (from, to) -> [(document, sentence)]
    for i, (document, langs) in enumerate(zip(documents, languages)):
        document.summary = {document.target_lang: jobs[i].result}
        for lang in langs:
            document.summary[lang] = []
            jobs_by_pair.setdefault((document.target_lang, lang), []).extend((i, j) for j in range(len(jobs[i].result)))
    wanted = sum(len(where) for where in jobs_by_pair.values())
    if progress is not None:
        progress.expect(wanted - back_expected)
    for (source_lang, lang), where in jobs_by_pair.items():
        if not where:
            continue
        if progress is not None:
            progress.stage(f"back-translating the summaries {source_lang}→{lang}")
        texts = translate([jobs[i].result[j].text for i, j in where], source_lang, lang)
        for (i, j), text in zip(where, texts):
            documents[i].summary[lang].append(SummarySentence(text, list(jobs[i].result[j].cites)))
        if progress is not None:
            progress.advance(len(where))
    for document in documents:
        for lang, sentences in document.summary.items():
            if lang != document.target_lang:
                flag_unsupported(sentences, document, lang)
    return [job.trace for job in jobs]
