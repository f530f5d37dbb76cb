"""The stages in order: read → segment → translate → (summarise) → Document.

``Pipeline`` holds loaded models so that a run over many articles loads each model once.
``translate_document`` is the one-call entry point for Python users.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from trpipe.errors import ModelError, PairError, TrpipeError, UsageError
from trpipe.language import detect_language
from trpipe.progress import Progress
from trpipe.read import read_source
from trpipe.records import Document, Source
from trpipe.registry import ModelSpec, Registry, load_registry
from trpipe.segment import segment_text, split_long_sentences
from trpipe.summariser import HFSummariser, Summariser
from trpipe.translate.base import Translator, load_translator, translate_texts


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


def _lang_code(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    code = value.strip().lower()
    if not code.isalpha() or not 2 <= len(code) <= 3:
        raise UsageError(f"{option} {value}: expected a language code such as fr, en, de")
    return code


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
        settings.source_lang = _lang_code(settings.source_lang, "--from")
        self.progress = progress or Progress(enabled=False)
        self._factory = translator_factory or (
            lambda spec: load_translator(spec, settings.backend, device=settings.device)
        )
        self._summariser_factory = summariser_factory or (lambda spec: HFSummariser(spec, device=settings.device))
        self._translators: dict[tuple[str, str | None], Translator] = {}
        self._summarisers: dict[tuple[str, str | None], Summariser] = {}
        self.on_warning = on_warning or _log_warning
        self.glossary = glossary

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

    def translation_spec(self, source_lang: str, target_lang: str) -> ModelSpec:
        return self.registry.translation(source_lang, target_lang, self.settings.model)

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

        def spec_dict(spec: ModelSpec) -> dict[str, Any]:
            return {
                "model": spec.model,
                "revision": spec.revision,
                "settings": spec.settings,
                "target_token": spec.target_token,
            }

        settings = self.settings
        parts: dict[str, Any] = {
            "trpipe": __version__,
            "format": fmt,
            "settings": {k: v for k, v in vars(settings).items()},
            "translation": spec_dict(self.translation_spec(source_lang, settings.target_lang)),
        }
        if settings.summary:
            try:
                parts["summary"] = spec_dict(self.registry.summariser(settings.target_lang, settings.summary_model))
                parts["back_translation"] = spec_dict(self.registry.translation(settings.target_lang, source_lang))
            except PairError as exc:
                parts["summary"] = str(exc)
        return json.dumps(parts, sort_keys=True, default=str)

    def prepare(self, source: Source) -> tuple[Document, Translator]:
        """Language, model and segments of one article: everything up to translation."""
        settings = self.settings
        lang = self.source_language(source)
        translator = self.translator(self.translation_spec(lang, settings.target_lang))
        segments = segment_text(source.text, lang)
        split_long_sentences(
            source.text, segments, lambda t: translator.count_tokens([t])[0], translator.max_input_tokens
        )
        document = Document(source=source, target_lang=settings.target_lang, segments=segments, provenance={})
        return document, translator

    def run_group(self, sources: Sequence[Source]) -> list[Document | TrpipeError]:
        """Translate several articles; sentences of all of them that share a model share batches.

        Returns one Document per source, or the TrpipeError that stopped that source (the others go on).
        """
        results: list[Document | TrpipeError] = []
        by_translator: dict[int, tuple[Translator, list[Document]]] = {}
        for source in sources:
            try:
                document, translator = self.prepare(source)
            except TrpipeError as exc:
                results.append(exc)
                self.progress.article_done(ok=False)
                continue
            results.append(document)
            by_translator.setdefault(id(translator), (translator, []))[1].append(document)
        for translator, documents in by_translator.values():
            sentences = [s for doc in documents for seg in doc.segments for s in seg.sentences]
            self.progress.add_sentences(len(sentences))
            translations = translate_texts(translator, [s.text for s in sentences], self.progress.sentences_done)
            for sentence, translation in zip(sentences, translations):
                sentence.translation = translation
            for document in documents:
                for seg in document.segments:
                    seg.translation = join_translations(document.source.text, seg)
                document.provenance = self.provenance(translator)
                self.check(document)
        for i, result in enumerate(results):
            if isinstance(result, Document):
                try:
                    if self.settings.summary:
                        self.summarise(result)
                except TrpipeError as exc:
                    results[i] = exc
                self.progress.article_done(ok=not isinstance(results[i], TrpipeError))
        return results

    def check(self, document: Document) -> None:
        """Flag every translated sentence that fails a model-free check (numbers, names, quotes, ...)."""
        from trpipe.checks import check_sentence

        source_lang, target_lang = document.source.lang or "", document.target_lang
        for seg in document.segments:
            for index, sentence in enumerate(seg.sentences):
                for flag in check_sentence(
                    sentence.text, sentence.translation or "", source_lang, target_lang, self.glossary
                ):
                    where = f"sentence {index + 1}: " if len(seg.sentences) > 1 else ""
                    seg.flags.append({"check": flag["check"], "detail": where + flag["detail"]})

    def summarise(self, document: Document) -> None:
        """Add the bilingual, cited summary; a missing summary model is a warning, not a lost translation."""
        from trpipe.summarise import summarise_document

        settings, source_lang = self.settings, document.source.lang or ""
        try:
            summariser = self.summariser(self.registry.summariser(settings.target_lang, settings.summary_model))
            reverse = self.translator(self.registry.translation(settings.target_lang, source_lang))
        except (ModelError, PairError) as exc:
            document.provenance["summary_error"] = str(exc)
            self.on_warning(f"{document.source.path}: summary skipped: {exc}")
            return
        count = settings.summary_sentences
        if count is None and settings.summary_ratio:
            sentences = sum(len(seg.sentences) for seg in document.segments)
            count = max(1, round(settings.summary_ratio * sentences))
        trace = summarise_document(document, summariser, lambda texts: translate_texts(reverse, texts), count)
        provenance = document.provenance
        provenance["models"]["summary"] = {**summariser.describe(), "backend": "transformers"}
        provenance["models"]["back_translation"] = reverse.describe()
        provenance["decoding"]["summary"] = summariser.decoding()
        provenance["decoding"]["back_translation"] = reverse.decoding()
        provenance["summary"] = trace.to_dict()

    def provenance(self, translator: Translator) -> dict[str, Any]:
        from trpipe import __version__

        model = translator.describe()
        decoding = translator.decoding()
        signature = "|".join(
            [
                f"trpipe:{__version__}",
                f"model:{model.get('model')}@{model.get('commit') or model.get('revision') or 'local'}",
                f"backend:{model.get('backend')}",
                *(f"{k}:{v}" for k, v in sorted(decoding.items())),
            ]
        )
        return {
            "trpipe": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "models": {"translation": model},
            "decoding": {"translation": decoding},
            "segmenter": "pysbd",
            "signature": signature,
        }

    def close(self) -> None:
        for translator in self._translators.values():
            translator.close()
        self._translators.clear()


def _log_warning(message: str) -> None:
    import logging

    logging.getLogger("trpipe").warning(message)


def join_translations(text: str, segment) -> str:
    """A segment's translation: its sentences' translations with the source's whitespace between them."""
    parts: list[str] = []
    for i, sentence in enumerate(segment.sentences):
        if i:
            gap = text[segment.sentences[i - 1].end : sentence.start]
            parts.append(gap if gap else " ")
        parts.append(sentence.translation or "")
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
