"""The translation step of a Session: every sentence of a group's documents into one target language, one
translate call per model (people's translations, then the translation memory answer first), and each
segment's translation joined from its sentences' with the source's whitespace between them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trpipe.models.pool import ModelPool
from trpipe.progress import Progress
from trpipe.records import Document, Segment, Sentence
from trpipe.runlog import counted
from trpipe.settings import Settings
from trpipe.translate.base import TranslationStats, translate_scored

log = logging.getLogger("trpipe")
# ``human(source_lang, target_lang, texts) -> {text: translation}``: people's translations of sentences.
HumanTranslations = Callable[[str, str, Sequence[str]], Mapping[str, str]]


def translate_documents(
    models: ModelPool,
    progress: Progress,
    documents: Sequence[Document],
    target: str,
    settings: Settings,
    human: HumanTranslations | None = None,
) -> TranslationStats:
    """Fill ``translations[target]`` of every sentence and segment, one translate call per model; return
    what the memory and the models did (a line per language pair in the info log). ``human`` (the service's
    applied suggestions) answers before any model; its sentences are marked ``origin="human"``."""
    jobs: dict[str, list[Segment]] = {}
    for document in documents:
        for seg in document.segments:
            lang = seg.lang or document.source.lang or ""
            if lang == target:  # already in the target language: kept as it is
                seg.kept = seg.kept or target == document.target_lang
                for sentence in seg.sentences:
                    sentence.translations[target] = sentence.text
                progress.advance(len(seg.sentences))
            else:
                jobs.setdefault(lang, []).append(seg)
    total = TranslationStats()
    for lang, segments in jobs.items():
        translator = models.translator_for(lang, target, settings)
        sentences = [s for seg in segments for s in seg.sentences]
        people = 0
        if human is not None:
            given = len(sentences)
            sentences = _human_translations(human, progress, sentences, lang, target)
            people = given - len(sentences)
        progress.stage(f"translating {lang}→{target}")
        stats, started = TranslationStats(), time.perf_counter()
        outputs = translate_scored(translator, [s.text for s in sentences], progress.advance, stats, f"{lang}→{target}")
        for sentence, (output, score) in zip(sentences, outputs):
            sentence.translations[target] = output
            if score is not None:
                sentence.scores[target] = score
        log.info(
            "translated %s %s→%s in %.2f s: %s%d from the translation memory, %d by the model in %s",
            counted(len(sentences) + people, "sentence"), lang, target, time.perf_counter() - started,
            f"{people} by people, " if people else "", stats.recalled, stats.translated,
            counted(stats.batches, "batch", "batches"),
        )  # fmt: skip
        total.add(stats)
    for document in documents:
        for seg in document.segments:
            seg.translations[target] = join_translations(document.source.text, seg, target)
    return total


def _human_translations(
    human: HumanTranslations, progress: Progress, sentences: list[Sentence], lang: str, target: str
) -> list[Sentence]:
    """Sentences that people translated get their translation (``Sentence.origin`` "human"); the others
    are returned for the model."""
    from trpipe.textnorm import normalize_for_model

    known = human(lang, target, [normalize_for_model(s.text) for s in sentences])
    rest = []
    for sentence in sentences:
        found = known.get(normalize_for_model(sentence.text)) if known else None
        if found is None:
            rest.append(sentence)
            continue
        sentence.translations[target] = found
        sentence.origin = "human"
        progress.advance(1)
    return rest


def human_sentences(document: Document) -> list[dict[str, Any]]:
    """The sentences people translated (for the provenance's ``human`` list)."""
    return [
        {"segment": seg.id, "start": s.start, "end": s.end}
        for seg in document.segments
        for s in seg.sentences
        if s.origin == "human"
    ]


def join_translations(text: str, segment: Segment, target: str | None = None) -> str:
    """A segment's translation: its sentences' translations with the source's whitespace between them."""
    parts: list[str] = []
    for i, sentence in enumerate(segment.sentences):
        if i:
            gap = text[segment.sentences[i - 1].end : sentence.start]
            parts.append(gap if gap else " ")
        parts.append((sentence.translations.get(target) if target else sentence.translation) or "")
    return "".join(parts)
