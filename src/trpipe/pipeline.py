"""The stages in order: read → segment → translate → check → summarise → Document.

``Pipeline`` holds loaded models so that a run over many articles loads each model once, and
translates the sentences of several articles in shared batches (``run_group``).
``translate_document`` is the one-call entry point for Python users.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trpipe.errors import ModelError, PairError, TrpipeError, UsageError
from trpipe.language import detect_language, identify
from trpipe.progress import Progress
from trpipe.read import read_source
from trpipe.records import Document, Segment, Source
from trpipe.registry import PIVOT_LANGUAGE, ModelSpec, Registry, load_registry
from trpipe.segment import segment_blocks, segment_text, split_long_sentences
from trpipe.summariser import HFSummariser, Summariser
from trpipe.translate.base import Translator, load_translator, translate_any_length, translate_texts

# A segment is taken to be in another language than its article only on firm evidence.
SEGMENT_LANG_MIN_LETTERS = 40
SEGMENT_LANG_MIN_PROB = 0.95


@dataclass
class Settings:
    """Everything the user chose for a run (the registry supplies the rest)."""

    target_lang: str
    source_lang: str | None = None
    model: str | None = None
    backend: str = "transformers"
    device: str | None = None
    summary: bool = True
    summary_model: str | None = None
    summary_sentences: int | None = None
    summary_ratio: float | None = None
    extra_targets: list[str] = field(default_factory=list)

    @property
    def targets(self) -> list[str]:
        return [self.target_lang, *(t for t in self.extra_targets if t != self.target_lang)]


def _lang_code(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    code = value.strip().lower()
    if not code.isalpha() or not 2 <= len(code) <= 3:
        raise UsageError(f"{option} {value}: expected a language code such as fr, en, de")
    return code


def _spec_dict(spec: ModelSpec) -> dict[str, Any]:
    """A model entry as it decides an output: id, revision, what its files are now, settings."""
    from trpipe.hub import model_identity

    return {
        "model": spec.model,
        "revision": spec.revision,
        "identity": model_identity(spec),
        "settings": spec.settings,
        "target_token": spec.target_token,
    }


class Pipeline:
    """Translate (and summarise) articles with models loaded once per run."""

    def __init__(
        self,
        registry: Registry,
        settings: Settings,
        progress: Progress | None = None,
        translator_factory: Callable[[ModelSpec], Translator] | None = None,
        summariser_factory: Callable[[ModelSpec], Summariser] | None = None,
        on_warning: Callable[[str], None] | None = None,
        glossary: Any = None,
    ):
        self.registry = registry
        self.settings = settings
        settings.target_lang = _lang_code(settings.target_lang, "--to") or ""
        settings.extra_targets = [_lang_code(t, "--to") or "" for t in settings.extra_targets]
        settings.source_lang = _lang_code(settings.source_lang, "--from")
        self.progress = progress or Progress(enabled=False)
        self._factory = translator_factory or (
            lambda spec: load_translator(spec, settings.backend, device=settings.device)
        )
        self._summariser_factory = summariser_factory or (lambda spec: HFSummariser(spec, device=settings.device))
        self._translators: dict[tuple[str, str | None], Translator] = {}
        self._by_pair: dict[tuple[str, str], Translator] = {}
        self._routes: dict[tuple[str, str], list[ModelSpec]] = {}
        self._summarisers: dict[tuple[str, str | None], Summariser] = {}
        self.on_warning = on_warning or _log_warning
        self.glossary = glossary

    # ---------------------------------------------------------------- models, loaded once per run

    def translator(self, spec: ModelSpec) -> Translator:
        """The loaded translator for ``spec`` (loaded on first use, then reused)."""
        key = (spec.model, spec.revision)
        if key not in self._translators:
            self._translators[key] = self._factory(spec)
        return self._translators[key]

    def translators(self) -> list[Translator]:
        return list(self._translators.values())

    def summariser(self, spec: ModelSpec) -> Summariser:
        """The loaded summariser for ``spec`` (loaded on first use, then reused)."""
        key = (spec.model, spec.revision)
        if key not in self._summarisers:
            self._summarisers[key] = self._summariser_factory(spec)
        return self._summarisers[key]

    def route(self, source_lang: str, target_lang: str) -> list[ModelSpec]:
        """The model(s) from ``source_lang`` to ``target_lang``: registry, opus-mt convention, or a pivot."""
        key = (source_lang, target_lang)
        if key not in self._routes:
            from trpipe.hub import model_available

            override = self.settings.model if target_lang == self.settings.target_lang else None
            if source_lang != (self.settings.source_lang or source_lang):
                override = None  # --model is for the article's own pair
            self._routes[key] = self.registry.route(source_lang, target_lang, override, available=model_available)
        return self._routes[key]

    def translator_for(self, source_lang: str, target_lang: str) -> Translator:
        """A translator from one language to another, pivoting through English where it must."""
        key = (source_lang, target_lang)
        if key not in self._by_pair:
            specs = self.route(source_lang, target_lang)
            if len(specs) == 1:
                self._by_pair[key] = self.translator(specs[0])
            else:
                from trpipe.translate.pivot import PivotTranslator

                first, second = (self.translator(spec) for spec in specs)
                self._by_pair[key] = PivotTranslator(first, second, PIVOT_LANGUAGE)
        return self._by_pair[key]

    # ---------------------------------------------------------------- one article, or a group

    def run(self, source: Source) -> Document:
        """Translate one decoded article into a Document (errors are raised)."""
        (result,) = self.run_group([source])
        if isinstance(result, TrpipeError):
            raise result
        return result

    def source_language(self, source: Source) -> str:
        """The article's language: --from, or detected (and remembered on the source)."""
        source.lang = self.settings.source_lang or source.lang or detect_language(source.text, source.path)
        return source.lang

    def run_signature(self, source_lang: str, fmt: str = "") -> str:
        """Every setting an output depends on (apart from the source bytes), as a stable string."""
        from trpipe import __version__

        settings = self.settings
        parts: dict[str, Any] = {
            "trpipe": __version__,
            "format": fmt,
            "settings": dict(vars(settings)),
            "glossary": getattr(self.glossary, "fingerprint", None) or repr(self.glossary),
            "routes": {t: [_spec_dict(s) for s in self.route(source_lang, t)] for t in settings.targets},
        }
        if settings.summary:
            try:
                parts["summary"] = _spec_dict(self.registry.summariser(settings.target_lang, settings.summary_model))
                parts["back"] = [_spec_dict(s) for s in self.route(settings.target_lang, source_lang)]
            except PairError as exc:
                parts["summary"] = str(exc)
        return json.dumps(parts, sort_keys=True, default=str)

    def prepare(self, source: Source) -> Document:
        """Language, models and segments of one article: everything up to translation."""
        lang = self.source_language(source)
        # An unknown pair fails here, for this article only; the first model also sets the sentence limit.
        translators = [self.translator_for(lang, target) for target in self.settings.targets if target != lang]
        if source.blocks is not None:
            segments = segment_blocks(source.text, source.blocks, lang)
        else:
            segments = segment_text(source.text, lang)
        if translators:
            first = translators[0]
            limit = min(t.max_input_tokens for t in translators)
            split_long_sentences(source.text, segments, lambda t: first.count_tokens([t])[0], limit)
        for seg in segments:
            seg.lang = self._segment_language(seg, lang)
        return Document(
            source=source,
            target_lang=self.settings.target_lang,
            segments=segments,
            provenance={},
            target_langs=self.settings.targets,
        )

    def _segment_language(self, segment: Segment, article_lang: str) -> str:
        """The article's language, unless the segment is firmly identified as one of the targets."""
        if sum(ch.isalpha() for ch in segment.text) < SEGMENT_LANG_MIN_LETTERS:
            return article_lang
        lang, prob = identify(segment.text)
        if lang != article_lang and lang in self.settings.targets and prob >= SEGMENT_LANG_MIN_PROB:
            return lang
        return article_lang

    def run_group(
        self,
        sources: Sequence[Source],
        on_result: Callable[[int, Document | TrpipeError], None] | None = None,
    ) -> list[Document | TrpipeError]:
        """Translate several articles; sentences of all of them that share a model share batches.

        Returns one Document per source, or the TrpipeError that stopped that source (the others go on);
        ``on_result(index, result)`` is called for each as soon as it is complete (after its summary).
        """
        results: list[Document | TrpipeError] = []
        for source in sources:
            try:
                results.append(self.prepare(source))
            except ModelError:
                raise  # every article would fail the same way: stop the run
            except TrpipeError as exc:
                results.append(exc)
        documents = [r for r in results if isinstance(r, Document)]
        for target in self.settings.targets:
            self._translate_to(documents, target)
        for document in documents:
            for seg in document.segments:
                for sentence in seg.sentences:
                    sentence.translation = sentence.translations[document.target_lang]
                seg.translation = seg.translations[document.target_lang]
            document.provenance = self.provenance(document)
            self.check(document)
        for i, result in enumerate(results):
            if isinstance(result, Document) and self.settings.summary:
                try:
                    self.summarise(result)
                except PairError as exc:
                    results[i] = exc
            self.progress.article_done(ok=not isinstance(results[i], TrpipeError))
            if on_result is not None:
                on_result(i, results[i])
        return results

    def _translate_to(self, documents: Sequence[Document], target: str) -> None:
        """Fill ``translations[target]`` of every sentence and segment, one translate call per model."""
        jobs: dict[str, list[Segment]] = {}
        for document in documents:
            for seg in document.segments:
                lang = seg.lang or document.source.lang or ""
                if lang == target:  # already in the target language: kept as it is
                    seg.kept = seg.kept or target == document.target_lang
                    for sentence in seg.sentences:
                        sentence.translations[target] = sentence.text
                else:
                    jobs.setdefault(lang, []).append(seg)
        for lang, segments in jobs.items():
            translator = self.translator_for(lang, target)
            sentences = [s for seg in segments for s in seg.sentences]
            self.progress.add_sentences(len(sentences))
            outputs = translate_texts(translator, [s.text for s in sentences], self.progress.sentences_done)
            for sentence, output in zip(sentences, outputs):
                sentence.translations[target] = output
        for document in documents:
            for seg in document.segments:
                seg.translations[target] = join_translations(document.source.text, seg, target)

    # ---------------------------------------------------------------- checks, summary, provenance

    def check(self, document: Document) -> None:
        """Flag every translated sentence that fails a model-free check (numbers, names, quotes, ...)."""
        from trpipe.checks import check_document

        check_document(document, self.glossary)

    def summarise(self, document: Document) -> None:
        """Add the cited summary in every target and the source language.

        A summary model that cannot be had is a warning, never a lost translation.
        """
        from trpipe.summarise import flag_unsupported, summarise_document

        settings, source_lang = self.settings, document.source.lang or ""
        try:
            summariser = self.summariser(self.registry.summariser(settings.target_lang, settings.summary_model))
            back = self.translator_for(settings.target_lang, source_lang)
            others = {t: self.translator_for(settings.target_lang, t) for t in settings.targets[1:] if t != source_lang}
        except (ModelError, PairError) as exc:
            document.provenance["summary_error"] = str(exc)
            self.on_warning(f"{document.source.path}: summary skipped: {exc}")
            return
        count = settings.summary_sentences
        if count is None and settings.summary_ratio:
            sentences = sum(len(seg.sentences) for seg in document.segments)
            count = max(1, round(settings.summary_ratio * sentences))
        trace = summarise_document(document, summariser, lambda texts: translate_any_length(back, texts), count)
        summary = document.summary or {}
        primary = summary.get(settings.target_lang, [])
        for target, translator in others.items():
            from trpipe.records import SummarySentence

            texts = translate_any_length(translator, [s.text for s in primary])
            summary[target] = [SummarySentence(text, list(s.cites)) for text, s in zip(texts, primary)]
            flag_unsupported(summary[target], document, target)
        provenance = document.provenance
        provenance["models"]["summary"] = {**summariser.describe(), "backend": "transformers"}
        provenance["models"]["back_translation"] = back.describe()
        provenance["decoding"]["summary"] = summariser.decoding()
        provenance["decoding"]["back_translation"] = back.decoding()
        provenance["summary"] = trace.to_dict()

    def provenance(self, document: Document) -> dict[str, Any]:
        from trpipe import __version__

        source_lang = document.source.lang or ""
        models, decoding = {}, {}
        for target in self.settings.targets:
            if target == source_lang:
                continue
            translator = self.translator_for(source_lang, target)
            models[target], decoding[target] = translator.describe(), translator.decoding()
        primary = self.settings.target_lang
        model, settings = models.get(primary, {}), decoding.get(primary, {})
        legs = model.get("legs", [model])
        signature = "|".join(
            [
                f"trpipe:{__version__}",
                "model:"
                + ">".join(f"{m.get('model')}@{m.get('commit') or m.get('revision') or 'local'}" for m in legs),
                f"backend:{legs[0].get('backend') if legs else None}",
                *(f"{k}:{v}" for k, v in sorted(settings.items()) if k != "legs"),
            ]
        )
        provenance: dict[str, Any] = {
            "trpipe": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "models": {"translation": model},
            "decoding": {"translation": settings},
            "segmenter": "pysbd",
            "signature": signature,
        }
        if len(models) > 1:
            provenance["models"]["translations"] = models
            provenance["decoding"]["translations"] = decoding
        if document.source.blocks is not None:
            provenance["extractor"] = {"name": "trafilatura/markdown-it-py", **document.source.meta}
        return provenance

    def close(self) -> None:
        for translator in self._translators.values():
            translator.close()
        self._translators.clear()
        self._by_pair.clear()


def _log_warning(message: str) -> None:
    import logging

    logging.getLogger("trpipe").warning(message)


def join_translations(text: str, segment: Segment, target: str | None = None) -> str:
    """A segment's translation: its sentences' translations with the source's whitespace between them."""
    parts: list[str] = []
    for i, sentence in enumerate(segment.sentences):
        if i:
            gap = text[segment.sentences[i - 1].end : sentence.start]
            parts.append(gap if gap else " ")
        parts.append((sentence.translations.get(target) if target else sentence.translation) or "")
    return "".join(parts)


def translate_document(
    article: str | os.PathLike | Source,
    target_lang: str,
    *,
    registry: Registry | str | os.PathLike | None = None,
    **options: Any,
) -> Document:
    """Read (if given a path), translate and return one article as a Document.

    ``options`` are the fields of ``Settings`` (source_lang, model, backend, device, summary, ...).
    """
    if not isinstance(registry, Registry):
        registry = load_registry(registry)
    source = article if isinstance(article, Source) else read_source(article)
    pipeline = Pipeline(registry, Settings(target_lang=target_lang, **options))
    try:
        return pipeline.run(source)
    finally:
        pipeline.close()
