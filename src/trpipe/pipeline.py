"""The stages in order: read → segment → translate → (summarise) → Document.

``Pipeline`` holds loaded models so that a run over many articles loads each model once.
``translate_document`` is the one-call entry point for Python users.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trpipe.errors import UsageError
from trpipe.language import detect_language
from trpipe.progress import Progress
from trpipe.read import read_source
from trpipe.records import Document, Source
from trpipe.registry import ModelSpec, Registry, load_registry
from trpipe.segment import segment_text, split_long_sentences
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
    ):
        self.registry = registry
        self.settings = settings
        settings.target_lang = _lang_code(settings.target_lang, "--to") or ""
        settings.source_lang = _lang_code(settings.source_lang, "--from")
        self.progress = progress or Progress(enabled=False)
        self._factory = translator_factory or (
            lambda spec: load_translator(spec, settings.backend, device=settings.device)
        )
        self._translators: dict[tuple[str, str | None], Translator] = {}

    def translator(self, spec: ModelSpec) -> Translator:
        """The loaded translator for ``spec`` (loaded on first use, then reused)."""
        key = (spec.model, spec.revision)
        if key not in self._translators:
            self._translators[key] = self._factory(spec)
        return self._translators[key]

    def translation_spec(self, source_lang: str, target_lang: str) -> ModelSpec:
        return self.registry.translation(source_lang, target_lang, self.settings.model)

    def run(self, source: Source) -> Document:
        """Translate one decoded article into a Document."""
        settings = self.settings
        lang = settings.source_lang or source.lang or detect_language(source.text, source.path)
        source.lang = lang
        spec = self.translation_spec(lang, settings.target_lang)
        translator = self.translator(spec)

        segments = segment_text(source.text, lang)
        split_long_sentences(
            source.text, segments, lambda t: translator.count_tokens([t])[0], translator.max_input_tokens
        )
        sentences = [s for seg in segments for s in seg.sentences]
        self.progress.add_sentences(len(sentences))
        translations = translate_texts(translator, [s.text for s in sentences], self.progress.sentences_done)
        for sentence, translation in zip(sentences, translations):
            sentence.translation = translation
        for seg in segments:
            seg.translation = join_translations(source.text, seg)

        document = Document(
            source=source,
            target_lang=settings.target_lang,
            segments=segments,
            provenance=self.provenance(translator),
        )
        self.progress.article_done(ok=True)
        return document

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
