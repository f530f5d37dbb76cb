"""The summary step of a Session: cited summaries of a group's translated documents, in shared batches,
translated back into the source language (and the other targets); a summariser that cannot be had is a
warning on each document, never a lost translation."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from trpipe.errors import ModelError, PairError, TrpipeError
from trpipe.languages import noted
from trpipe.models.pool import ModelPool
from trpipe.models.registry import Registry
from trpipe.progress import Progress
from trpipe.records import Document
from trpipe.runlog import counted
from trpipe.settings import Settings
from trpipe.translate.base import translate_any_length

log = logging.getLogger("trpipe")


class SummaryStep:
    """Summarise documents with the models of a Session's pool."""

    def __init__(self, models: ModelPool, registry: Registry, progress: Progress, on_warning: Callable[[str], None]):
        self.models = models
        self.registry = registry
        self.progress = progress
        self.on_warning = on_warning

    def run(self, documents: Sequence[Document], settings: Settings, announced: float = 0.0) -> None:
        """Cited summaries of the group's documents in every target and source language, in shared batches.

        A summary model (or back-translation model) that cannot be had is a warning, never a lost translation.
        ``announced``: the progress steps expected for them so far (replaced by the real ones).
        """
        from trpipe.summarise import summarise_documents

        try:
            spec = self.registry.summariser(settings.target_lang, settings.summary_model)
            summariser = self.models.summariser(spec, settings)
        except (ModelError, PairError) as exc:
            for document in documents:
                self.skipped(document, exc)
            self.progress.expect(-announced)
            return
        ready: list[Document] = []
        for document in documents:
            try:  # every language the summary is translated into must be reachable
                for lang in self.languages(document, settings):
                    self.models.translator_for(settings.target_lang, lang, settings)
            except (ModelError, PairError) as exc:
                self.skipped(document, exc)
                continue
            ready.append(document)
        if not ready:
            self.progress.expect(-announced)
            return

        translating = [0.0]

        def translate(texts: Sequence[str], source_lang: str, target_lang: str) -> list[str]:
            translator = self.models.translator_for(source_lang, target_lang, settings)
            started = time.perf_counter()
            out = translate_any_length(translator, texts)
            seconds = time.perf_counter() - started
            translating[0] += seconds
            log.info("translated %s %s→%s in %.2f s", counted(len(texts), "summary sentence"), source_lang,
                     target_lang, seconds)  # fmt: skip
            return out

        counts = [self.count(document, settings) for document in ready]
        started = time.perf_counter()
        traces = summarise_documents(
            ready,
            summariser,
            translate,
            counts,
            languages=[self.languages(d, settings) for d in ready],
            progress=self.progress,
            announced=announced,
        )
        chunks = sum(sum(trace.chunks) for trace in traces)
        sentences = sum(len(d.summary.get(settings.target_lang) or []) for d in ready if d.summary)
        log.info(
            "summarised %s in %.2f s: %s, %s in %s",
            counted(len(ready), "article"), time.perf_counter() - started - translating[0],
            counted(chunks, "chunk"), counted(sentences, "summary sentence"), settings.target_lang,
        )  # fmt: skip
        for document, trace in zip(ready, traces):
            provenance = document.provenance
            provenance["models"]["summary"] = summariser.describe()
            provenance["decoding"]["summary"] = summariser.decoding()
            source_lang = document.source.lang or ""
            if source_lang != settings.target_lang:
                back = self.models.translator_for(settings.target_lang, source_lang, settings)
                provenance["models"]["back_translation"] = back.describe()
                provenance["decoding"]["back_translation"] = back.decoding()
            provenance["summary"] = trace.to_dict()

    def estimate(self, documents: Sequence[Document], settings: Settings) -> float:
        """The progress steps the group's summaries will probably take (known before any model is loaded)."""
        from trpipe.summarise import estimate_steps

        counts = [self.count(document, settings) for document in documents]
        return estimate_steps(documents, counts, [self.languages(d, settings) for d in documents])

    def languages(self, document: Document, settings: Settings) -> list[str]:
        """The languages a summary is translated into from the main target: the source, then other targets."""
        source_lang = document.source.lang or ""
        wanted = [source_lang, *settings.targets[1:]]
        return [lang for lang in dict.fromkeys(wanted) if lang and lang != settings.target_lang]

    def skipped(self, document: Document, exc: TrpipeError) -> None:
        exc = noted(exc, document.source)  # says so when the language that has no model was detected
        document.provenance["summary_error"] = str(exc)
        self.on_warning(f"{document.source.path}: summary skipped: {exc}")

    @staticmethod
    def count(document: Document, settings: Settings) -> int | None:
        if settings.summary_sentences is not None:
            return settings.summary_sentences
        if settings.summary_ratio:
            sentences = sum(len(seg.sentences) for seg in document.segments)
            return max(1, round(settings.summary_ratio * sentences))
        return None
