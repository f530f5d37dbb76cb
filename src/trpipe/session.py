"""The Session: one registry, the loaded models, the translation memory and default settings.

Everything that translates goes through a Session: the command line (through the engines), each Ray
actor, and Python users::

    from trpipe import Session

    with Session(to="en") as session:
        doc = session.translate_text("Le conseil régional a voté le budget mardi.", source_lang="fr")
        print(doc.translated_text())
        for result in session.translate_many(["a.fr.txt", "b.fr.txt"]):
            print(result.name, result.ok)

Models are loaded on first use and kept until ``close()``, so later calls reuse them; the translation
memory is on by default. The stages themselves live in their own modules (read, segment, translate,
checks, summarise); this module only puts them in order: read → segment → translate (memory first,
sentences of a whole group of articles in shared batches) → check → summarise (batched across the
group) → Document.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trpipe.errors import ArticleError, InputError, ModelError, PairError, TrpipeError
from trpipe.languages import detect_language, identify
from trpipe.progress import Progress
from trpipe.records import Document, Segment, Source
from trpipe.registry import PIVOT_LANGUAGE, ModelSpec, Registry, load_registry
from trpipe.segment import segment_blocks, segment_text, split_long_sentences
from trpipe.settings import Settings
from trpipe.translate.base import Translator, load_translator, translate_any_length, translate_scored

log = logging.getLogger("trpipe")

# A segment is taken to be in another language than its article only on firm evidence.
SEGMENT_LANG_MIN_LETTERS = 40
SEGMENT_LANG_MIN_PROB = 0.95
# Articles whose sentences share model batches (translate_many, and the engines' groups).
GROUP_ARTICLES = 16
GROUP_CHARS = 200_000

TranslatorFactory = Callable[[ModelSpec, Settings], Translator]


@dataclass
class Result:
    """One input of ``Session.translate_many``: its Document, or the error that stopped it."""

    name: str
    document: Document | None = None
    error: TrpipeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _spec_identity(spec: ModelSpec) -> dict[str, Any]:
    """A model entry as it decides an output: id, revision, what its files are now, settings."""
    from trpipe.hub import model_identity

    return {
        "model": spec.model,
        "revision": spec.revision,
        "identity": model_identity(spec),
        "settings": spec.settings,
        "target_token": spec.target_token,
    }


class Session:
    """Translate (and summarise) articles with models loaded once and kept between calls.

    ``registry``: a Registry, a models.yaml path, or None for ``$TRPIPE_MODELS`` / the shipped file.
    ``settings`` (or keyword choices such as ``to="en"``, ``backend="ctranslate2"``): the defaults of
    every call; each call may override them. ``cache=False`` bypasses the translation memory,
    ``cache_dir`` moves it (and the CTranslate2 conversions). ``glossary``: a path or a loaded glossary.
    ``threads``: CPU threads each model may use (default: every CPU this process may run on).
    """

    def __init__(
        self,
        registry: Registry | str | os.PathLike | None = None,
        settings: Settings | None = None,
        *,
        cache: bool = True,
        cache_dir: str | os.PathLike | None = None,
        glossary: Any = None,
        progress: Progress | None = None,
        on_warning: Callable[[str], None] | None = None,
        translator_factory: TranslatorFactory | None = None,
        summariser_factory: Callable[[ModelSpec, Settings], Any] | None = None,
        threads: int | None = None,
        **choices: Any,
    ):
        self.registry = registry if isinstance(registry, Registry) else load_registry(registry)
        self.settings = (settings or Settings()).replace(**choices) if choices else (settings or Settings())
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else None
        if isinstance(glossary, (str, os.PathLike)):
            from trpipe.checks import load_glossary

            glossary = load_glossary(glossary)
        self.glossary = glossary
        self.progress = progress or Progress(enabled=False)
        self.on_warning = on_warning or (lambda message: log.warning("%s", message))
        self.threads = threads  # CPU threads per model (default: the CPUs this process may use)
        self._translator_factory = translator_factory
        self._summariser_factory = summariser_factory
        self.memory = None
        if cache:  # opened now, so that an unusable memory fails before any model is loaded
            from trpipe.translate.memory import TranslationMemory, memory_path

            self.memory = TranslationMemory(memory_path(self.cache_dir))
        self._translators: dict[tuple, Translator] = {}
        self._summarisers: dict[tuple, Any] = {}
        self._routes: dict[tuple, list[ModelSpec]] = {}
        self._by_pair: dict[tuple, Translator] = {}
        self.loads = 0  # models loaded by this session (translators and summarisers)

    # ------------------------------------------------------------------------------- public calls

    def settings_for(self, to: str | Iterable[str] | None = None, **overrides: Any) -> Settings:
        """The session's settings with this call's changes; a target language is required."""
        settings = self.settings.replace(to=to, **overrides)
        if not settings.targets:
            from trpipe.errors import UsageError

            raise UsageError("no target language: pass to='en' (or --to en)")
        return settings

    def translate_text(
        self,
        text: str,
        to: str | Iterable[str] | None = None,
        source_lang: str | None = None,
        *,
        name: str = "<text>",
        **overrides: Any,
    ) -> Document:
        """Translate an article given as a string (plain text; HTML is recognised by its doctype)."""
        from trpipe.read import decode_text

        settings = self.settings_for(to, source_lang=source_lang, **overrides)
        return self.run(decode_text(text, name), settings)

    def translate_file(
        self,
        path: str | os.PathLike,
        to: str | Iterable[str] | None = None,
        source_lang: str | None = None,
        **overrides,
    ) -> Document:
        """Read (text, web page, Markdown; ``-`` for stdin) and translate one article."""
        from trpipe.read import read_source

        settings = self.settings_for(to, source_lang=source_lang, **overrides)
        return self.run(read_source(path, settings.encoding, settings.max_bytes, settings.strict_encoding), settings)

    def translate_many(
        self,
        inputs: Iterable[str | os.PathLike | Source | Mapping[str, str]],
        to: str | Iterable[str] | None = None,
        source_lang: str | None = None,
        **overrides: Any,
    ) -> Iterator[Result]:
        """Translate many articles, in input order, groups of them sharing model batches.

        An input is a path (a file; a folder or JSONL file is expanded), a ``Source``, or a mapping
        ``{"id": ..., "text": ...}``. A failure is a Result with ``error`` set; the others go on.
        Errors that concern every article (a model that cannot be loaded) are raised.
        """
        from trpipe.engines.plan import expand_inputs, grouped

        settings = self.settings_for(to, source_lang=source_lang, **overrides)

        def loaded() -> Iterator[tuple[str, Source | None, TrpipeError | None]]:
            for given in inputs:
                if isinstance(given, Source):
                    yield given.path, given, None
                    continue
                if isinstance(given, Mapping):
                    from trpipe.read import decode_text

                    name = str(given.get("id") or "<record>")
                    try:
                        source = decode_text(str(given["text"]), name)
                        source.doc_id = given.get("id")
                        yield name, source, None
                    except (KeyError, TrpipeError) as exc:
                        yield name, None, exc if isinstance(exc, TrpipeError) else InputError(name, "no 'text'")
                    continue
                for item in expand_inputs([os.fspath(given)]):
                    try:
                        yield item.name, item.load(settings), None
                    except InputError as exc:
                        yield item.name, None, exc

        def size(entry) -> int:
            return len(entry[1].text) if entry[1] is not None else 0

        for group in grouped(loaded(), GROUP_ARTICLES, GROUP_CHARS, size):
            sources = [source for _, source, _ in group if source is not None]
            results = iter(self.run_group(sources, settings))
            for name, source, error in group:
                if source is None:
                    yield Result(name, error=error)
                    continue
                outcome = next(results)
                if isinstance(outcome, TrpipeError):
                    yield Result(name, error=outcome)
                else:
                    yield Result(name, document=outcome)

    def translate(
        self, text: str | Sequence[str], to: str | None = None, source_lang: str | None = None, **overrides: Any
    ) -> str | list[str]:
        """Plain translation, EasyNMT-style: a string (or a list of strings) in, translated text out.

        Each text is segmented and translated as an article (no summary); line breaks and the space
        between paragraphs are kept.
        """
        overrides.setdefault("summary", False)
        texts = [text] if isinstance(text, str) else list(text)
        settings = self.settings_for(to, source_lang=source_lang, **overrides)
        from trpipe.read import decode_text

        out = []
        for entry in texts:
            if not entry.strip():
                out.append(entry)
                continue
            out.append(self.run(decode_text(entry, "<text>", sniff=False), settings).translated_text())
        return out[0] if isinstance(text, str) else out

    # ----------------------------------------------------------------------------------- models

    def translator(self, spec: ModelSpec, settings: Settings | None = None) -> Translator:
        """The loaded translator for ``spec`` (loaded on first use, then reused), behind the memory."""
        settings = settings or self.settings
        key = (spec.model, spec.revision, settings.backend, settings.device)
        if key not in self._translators:
            self._translators[key] = self._load_translator(spec, settings)
            self.loads += 1
        return self._translators[key]

    def _load_translator(self, spec: ModelSpec, settings: Settings) -> Translator:
        from trpipe.modelfiles import loading

        with loading(spec, None if self._translator_factory else settings.backend):  # failures: ModelError
            if self._translator_factory is not None:
                translator = self._translator_factory(spec, settings)
            else:
                translator = load_translator(spec, settings.backend, **self._model_options(settings))
        if self.memory is None:
            return translator
        from trpipe.translate.memory import CachedTranslator

        return CachedTranslator(translator, self.memory, owns_memory=False)

    def _model_options(self, settings: Settings) -> dict[str, Any]:
        """What every backend may take when it loads a model (each takes those it knows)."""
        options: dict[str, Any] = {"device": settings.device, "progress": self.progress}
        if self.cache_dir:
            options["cache_dir"] = self.cache_dir
        if self.threads:
            options["threads"] = self.threads
        return options

    def translators(self) -> list[Translator]:
        return list(self._translators.values())

    def summariser(self, spec: ModelSpec, settings: Settings | None = None) -> Any:
        """The loaded summariser for ``spec`` (loaded on first use, then reused)."""
        settings = settings or self.settings
        key = (spec.model, spec.revision, settings.backend, settings.device)
        if key not in self._summarisers:
            from trpipe.modelfiles import loading

            with loading(spec, None if self._summariser_factory else "transformers"):  # failures: ModelError
                if self._summariser_factory is not None:
                    self._summarisers[key] = self._summariser_factory(spec, settings)
                else:
                    from trpipe.summarise.models import load_summariser

                    options = self._model_options(settings)
                    self._summarisers[key] = load_summariser(spec, settings.backend, **options)
            self.loads += 1
        return self._summarisers[key]

    def route(self, source_lang: str, target_lang: str, settings: Settings | None = None) -> list[ModelSpec]:
        """The models from one language to another: none (same language), one, or two through English."""
        settings = settings or self.settings
        if source_lang == target_lang:
            return []
        # --model is for the article's own pair: from --from (or any detected language) into the main target
        own_pair = target_lang == settings.target_lang and source_lang == (settings.source_lang or source_lang)
        override = settings.model if own_pair else None
        key = (source_lang, target_lang, override)
        if key not in self._routes:
            from trpipe.hub import model_available

            self._routes[key] = self.registry.route(source_lang, target_lang, override, available=model_available)
        return self._routes[key]

    def translator_for(self, source_lang: str, target_lang: str, settings: Settings | None = None) -> Translator:
        """A translator from one language to another, pivoting through English where it must."""
        settings = settings or self.settings
        specs = self.route(source_lang, target_lang, settings)
        key = (*tuple((s.model, s.revision) for s in specs), settings.backend, settings.device)
        if key not in self._by_pair:
            if not specs:
                raise PairError(f"no translation needed from {source_lang} to {target_lang}")
            if len(specs) == 1:
                self._by_pair[key] = self.translator(specs[0], settings)
            else:
                from trpipe.translate.pivot import PivotTranslator

                first, second = (self.translator(spec, settings) for spec in specs)
                self._by_pair[key] = PivotTranslator(first, second, PIVOT_LANGUAGE)
        return self._by_pair[key]

    # --------------------------------------------------------------------------- one article, or a group

    def run(self, source: Source, settings: Settings | None = None) -> Document:
        """Translate one decoded article into a Document (errors are raised)."""
        (result,) = self.run_group([source], settings)
        if isinstance(result, TrpipeError):
            raise result
        return result

    def source_language(self, source: Source, settings: Settings | None = None) -> str:
        """The article's language: --from, or detected (and remembered on the source)."""
        settings = settings or self.settings
        source.lang = settings.source_lang or source.lang or detect_language(source.text, source.path)
        return source.lang

    def run_signature(self, source_lang: str, settings: Settings | None = None, fmt: str = "") -> str:
        """Every setting an output depends on (apart from the source bytes), as a stable string.

        Model-free: it names the models' files (a folder's contents, a hub model's commit) without
        loading them, so that a driver can decide what to skip.
        """
        from trpipe import __version__

        settings = settings or self.settings
        parts: dict[str, Any] = {
            "trpipe": __version__,
            "format": fmt,
            "settings": settings.signature(),
            "glossary": getattr(self.glossary, "fingerprint", None) or repr(self.glossary),
            "routes": {t: [_spec_identity(s) for s in self.route(source_lang, t, settings)] for t in settings.targets},
        }
        if settings.summary:
            try:
                spec = self.registry.summariser(settings.target_lang, settings.summary_model)
                parts["summary"] = _spec_identity(spec)
                parts["back"] = [_spec_identity(s) for s in self.route(settings.target_lang, source_lang, settings)]
            except PairError as exc:
                parts["summary"] = str(exc)
        return json.dumps(parts, sort_keys=True, default=str)

    def prepare(self, source: Source, settings: Settings) -> Document:
        """Language, models and segments of one article: everything up to translation."""
        lang = self.source_language(source, settings)
        # An unknown pair fails here, for this article only; the first model also sets the sentence limit.
        translators = [self.translator_for(lang, t, settings) for t in settings.targets if t != lang]
        if source.blocks is not None:
            segments = segment_blocks(source.text, source.blocks, lang)
        else:
            segments = segment_text(source.text, lang)
        if translators:
            first = translators[0]
            limit = min(t.max_input_tokens for t in translators)
            split_long_sentences(source.text, segments, lambda t: first.count_tokens([t])[0], limit)
        for seg in segments:
            seg.lang = self._segment_language(seg, lang, settings)
        return Document(
            source=source,
            target_lang=settings.target_lang,
            segments=segments,
            provenance={},
            target_langs=list(settings.targets),
        )

    def _segment_language(self, segment: Segment, article_lang: str, settings: Settings) -> str:
        """The article's language, unless the segment is firmly identified as one of the targets."""
        if sum(ch.isalpha() for ch in segment.text) < SEGMENT_LANG_MIN_LETTERS:
            return article_lang
        lang, prob = identify(segment.text)
        if lang != article_lang and lang in settings.targets and prob >= SEGMENT_LANG_MIN_PROB:
            return lang
        return article_lang

    def run_group(
        self,
        sources: Sequence[Source],
        settings: Settings | None = None,
        on_result: Callable[[int, Document | TrpipeError], None] | None = None,
    ) -> list[Document | TrpipeError]:
        """Translate several articles; the sentences of all of them share batches, and so do their summaries.

        Returns one Document per source, or the TrpipeError that stopped that source (the others go on);
        ``on_result(index, result)`` is called for each, in order, once it is complete.
        Errors that would stop every article (a model that cannot be loaded) are raised.
        """
        settings = settings or self.settings_for()
        results: list[Document | TrpipeError] = []
        for source in sources:
            try:
                results.append(self.prepare(source, settings))
            except ModelError:
                raise
            except TrpipeError as exc:
                results.append(exc)
            except Exception as exc:  # a bug met on this article only: it fails, the others go on
                results.append(article_error(source.path, exc))
        documents = [r for r in results if isinstance(r, Document)]
        self.progress.begin_group(len(sources), sum(len(s.sentences) for d in documents for s in d.segments))
        for target in settings.targets:
            self._translate_to(documents, target, settings)
        for i, document in enumerate(results):
            if not isinstance(document, Document):
                continue
            for seg in document.segments:
                for sentence in seg.sentences:
                    sentence.translation = sentence.translations[document.target_lang]
                    sentence.score = sentence.scores.get(document.target_lang)
                seg.translation = seg.translations[document.target_lang]
            document.provenance = self.provenance(document, settings)
            try:
                self.check(document)
            except Exception as exc:
                results[i] = article_error(document.source.path, exc)
        documents = [r for r in results if isinstance(r, Document)]
        if settings.summary and documents:
            self._summarise(documents, settings)
        for i, result in enumerate(results):
            self.progress.article_done(ok=not isinstance(result, TrpipeError))
            if on_result is not None:
                on_result(i, result)
        return results

    def _translate_to(self, documents: Sequence[Document], target: str, settings: Settings) -> None:
        """Fill ``translations[target]`` of every sentence and segment, one translate call per model."""
        jobs: dict[str, list[Segment]] = {}
        for document in documents:
            for seg in document.segments:
                lang = seg.lang or document.source.lang or ""
                if lang == target:  # already in the target language: kept as it is
                    seg.kept = seg.kept or target == document.target_lang
                    for sentence in seg.sentences:
                        sentence.translations[target] = sentence.text
                    self.progress.advance(len(seg.sentences))
                else:
                    jobs.setdefault(lang, []).append(seg)
        for lang, segments in jobs.items():
            translator = self.translator_for(lang, target, settings)
            sentences = [s for seg in segments for s in seg.sentences]
            self.progress.stage(f"translating {lang}→{target}")
            outputs = translate_scored(translator, [s.text for s in sentences], self.progress.advance)
            for sentence, (output, score) in zip(sentences, outputs):
                sentence.translations[target] = output
                if score is not None:
                    sentence.scores[target] = score
        for document in documents:
            for seg in document.segments:
                seg.translations[target] = join_translations(document.source.text, seg, target)

    # --------------------------------------------------------------------- checks, summary, provenance

    def check(self, document: Document) -> None:
        """Flag every translated sentence that fails a model-free check (numbers, names, quotes, ...)."""
        from trpipe.checks import check_document

        check_document(document, self.glossary)

    def _summarise(self, documents: Sequence[Document], settings: Settings) -> None:
        """Cited summaries of the group's documents in every target and source language, in shared batches.

        A summary model (or back-translation model) that cannot be had is a warning, never a lost translation.
        """
        from trpipe.summarise import summarise_documents

        try:
            spec = self.registry.summariser(settings.target_lang, settings.summary_model)
            summariser = self.summariser(spec, settings)
        except (ModelError, PairError) as exc:
            for document in documents:
                self._summary_skipped(document, exc)
            return
        ready: list[Document] = []
        for document in documents:
            try:  # every language the summary is translated into must be reachable
                for lang in self._summary_languages(document, settings):
                    self.translator_for(settings.target_lang, lang, settings)
            except (ModelError, PairError) as exc:
                self._summary_skipped(document, exc)
                continue
            ready.append(document)
        if not ready:
            return

        def translate(texts: Sequence[str], source_lang: str, target_lang: str) -> list[str]:
            return translate_any_length(self.translator_for(source_lang, target_lang, settings), texts)

        counts = [self._summary_count(document, settings) for document in ready]
        traces = summarise_documents(
            ready,
            summariser,
            translate,
            counts,
            languages=[self._summary_languages(d, settings) for d in ready],
            progress=self.progress,
        )
        for document, trace in zip(ready, traces):
            provenance = document.provenance
            provenance["models"]["summary"] = summariser.describe()
            provenance["decoding"]["summary"] = summariser.decoding()
            source_lang = document.source.lang or ""
            if source_lang != settings.target_lang:
                back = self.translator_for(settings.target_lang, source_lang, settings)
                provenance["models"]["back_translation"] = back.describe()
                provenance["decoding"]["back_translation"] = back.decoding()
            provenance["summary"] = trace.to_dict()

    def _summary_languages(self, document: Document, settings: Settings) -> list[str]:
        """The languages a summary is translated into from the main target: the source, then other targets."""
        source_lang = document.source.lang or ""
        wanted = [source_lang, *settings.targets[1:]]
        return [lang for lang in dict.fromkeys(wanted) if lang and lang != settings.target_lang]

    def _summary_skipped(self, document: Document, exc: TrpipeError) -> None:
        document.provenance["summary_error"] = str(exc)
        self.on_warning(f"{document.source.path}: summary skipped: {exc}")

    @staticmethod
    def _summary_count(document: Document, settings: Settings) -> int | None:
        if settings.summary_sentences is not None:
            return settings.summary_sentences
        if settings.summary_ratio:
            sentences = sum(len(seg.sentences) for seg in document.segments)
            return max(1, round(settings.summary_ratio * sentences))
        return None

    def provenance(self, document: Document, settings: Settings) -> dict[str, Any]:
        from trpipe import __version__

        source_lang = document.source.lang or ""
        models, decoding = {}, {}
        for target in settings.targets:
            if target == source_lang:
                continue
            translator = self.translator_for(source_lang, target, settings)
            models[target], decoding[target] = translator.describe(), translator.decoding()
        primary = settings.target_lang
        model, decode = models.get(primary, {}), decoding.get(primary, {})
        legs = model.get("legs", [model]) if model else []
        signature = "|".join(
            [
                f"trpipe:{__version__}",
                "model:"
                + (
                    ">".join(f"{m.get('model')}@{m.get('commit') or m.get('revision') or 'local'}" for m in legs)
                    or "none"
                ),
                f"backend:{legs[0].get('backend') if legs else None}",
                *(f"{k}:{v}" for k, v in sorted(decode.items()) if k != "legs"),
            ]
        )
        provenance: dict[str, Any] = {
            "trpipe": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "models": {"translation": model},
            "decoding": {"translation": decode},
            "segmenter": "pysbd",
            "signature": signature,
        }
        if len(models) > 1:
            provenance["models"]["translations"] = models
            provenance["decoding"]["translations"] = decoding
        if document.source.blocks is not None:
            provenance["extractor"] = {"name": "trafilatura/markdown-it-py", **document.source.meta}
        return provenance

    # ------------------------------------------------------------------------------------- lifetime

    def cache_hits(self) -> int:
        return sum(getattr(t, "hits", 0) for t in self._translators.values())

    def close(self) -> None:
        """Release the models and the translation memory (the session can be used again: models reload)."""
        for model in [*self._translators.values(), *self._summarisers.values()]:
            model.close()
        self._translators.clear()
        self._summarisers.clear()
        self._by_pair.clear()
        if self.memory is not None:
            self.memory.close()
            self.memory = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Session(registry={str(self.registry.path)!r}, settings={self.settings!r})"


def article_error(name: str, exc: Exception) -> ArticleError:
    """The failure of one article on an unexpected exception (re-raised with TRPIPE_DEBUG, to debug it)."""
    if os.environ.get("TRPIPE_DEBUG"):
        raise exc
    log.debug("article %s failed", name, exc_info=exc)
    return ArticleError(name, exc)


def join_translations(text: str, segment: Segment, target: str | None = None) -> str:
    """A segment's translation: its sentences' translations with the source's whitespace between them."""
    parts: list[str] = []
    for i, sentence in enumerate(segment.sentences):
        if i:
            gap = text[segment.sentences[i - 1].end : sentence.start]
            parts.append(gap if gap else " ")
        parts.append((sentence.translations.get(target) if target else sentence.translation) or "")
    return "".join(parts)


def translate_text(text: str, to: str | Iterable[str], source_lang: str | None = None, **options: Any) -> Document:
    """One article from a string, with a Session of its own (models loaded for this call only)."""
    registry = options.pop("registry", None)
    with Session(registry, **_session_options(options)) as session:
        return session.translate_text(text, to, source_lang, **options)


def translate_file(
    path: str | os.PathLike, to: str | Iterable[str], source_lang: str | None = None, **options: Any
) -> Document:
    """One article from a file, with a Session of its own (models loaded for this call only)."""
    registry = options.pop("registry", None)
    with Session(registry, **_session_options(options)) as session:
        return session.translate_file(path, to, source_lang, **options)


def _session_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: options.pop(k) for k in ("cache", "cache_dir", "glossary") if k in options}
