"""The Session: one registry, the loaded models, the translation memory and default settings.

Everything that translates goes through a Session: the CLI (through the engines), Ray actors, Python users::

    from trpipe import Session

    with Session(to="en") as session:
        doc = session.translate_text("Le conseil régional a voté le budget mardi.", source_lang="fr")
        print(doc.translated_text())
        for result in session.translate_many(["a.fr.txt", "b.fr.txt"]):
            print(result.name, result.ok)

Models load on first use and stay until ``close()``; the translation memory is on by default. The stages
live in their own modules; this one puts them in order: read → segment → translate (memory first, a group's
sentences in shared batches) → check → summarise (batched across the group) → Document.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trpipe import idle
from trpipe.errors import ArticleError, InputError, ModelError, TrpipeError
from trpipe.languages import detect_language, given_contradicted, identify, noted
from trpipe.models.pool import ModelPool, TranslatorFactory
from trpipe.models.registry import ModelSpec, Registry, load_registry
from trpipe.progress import Progress
from trpipe.provenance import run_signature, translation_provenance
from trpipe.records import Document, Segment, Source
from trpipe.runlog import GroupClock
from trpipe.segment import segment_blocks, segment_text, split_long_sentences
from trpipe.settings import Settings
from trpipe.summary_step import SummaryStep
from trpipe.translate.base import TranslationStats
from trpipe.translate_step import human_sentences, translate_documents

log = logging.getLogger("trpipe")

# A segment is taken to be in another language than its article only on firm evidence.
SEGMENT_LANG_MIN_LETTERS = 40
SEGMENT_LANG_MIN_PROB = 0.95
# A detected source language routed to a many-to-many model must be at least this probable.
MANY_DETECT_MIN_PROB = 0.9
# Articles whose sentences share model batches (translate_many, and the engines' groups).
GROUP_ARTICLES = 16
GROUP_CHARS = 200_000


@dataclass
class Result:
    """One input of ``Session.translate_many``: its Document, or the error that stopped it."""

    name: str
    document: Document | None = None
    error: TrpipeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


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
        wrap_engine: Callable[[Any], Any] | None = None,
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
        self.memory = None
        if cache:  # opened now, so that an unusable memory fails before any model is loaded
            from trpipe.translate.memory import TranslationMemory, memory_path

            self.memory = TranslationMemory(memory_path(self.cache_dir))
        self.translated = TranslationStats()  # what the memory and the models did for the articles' sentences
        self.models = ModelPool(
            self.registry,
            self.memory,
            cache_dir=self.cache_dir,
            threads=threads,
            progress=self.progress,
            translator_factory=translator_factory,
            summariser_factory=summariser_factory,
            wrap_engine=wrap_engine,
        )
        # ``human(source_lang, target_lang, texts) -> {text: translation}``: people's translations of
        # sentences (the service's applied suggestions), used before any model and named in the provenance.
        self.human: Callable[[str, str, Sequence[str]], Mapping[str, str]] | None = None

    # ------------------------------------------------------------------------------- public calls

    def settings_for(self, to: str | Iterable[str] | None = None, **overrides: Any) -> Settings:
        """The session's settings with this call's changes; a target language is required."""
        settings = self.settings.replace(to=to, **overrides)
        if not settings.targets:
            from trpipe.errors import UsageError

            raise UsageError("no target language: give one with --to LANG (in Python: to=LANG)")
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
        from trpipe.inputs import grouped, load_sources

        settings = self.settings_for(to, source_lang=source_lang, **overrides)

        def size(entry) -> int:
            return len(entry[1].text) if entry[1] is not None else 0

        for group in grouped(load_sources(inputs, settings), GROUP_ARTICLES, GROUP_CHARS, size):
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

        Each text is segmented as an article (no summary, no checks); the sentences of all the texts share
        batches; line breaks and the space between paragraphs are kept.
        """
        overrides.setdefault("summary", False)
        texts = [text] if isinstance(text, str) else list(text)
        settings = self.settings_for(to, source_lang=source_lang, **overrides)
        from trpipe.read import decode_text

        documents = {
            i: self.prepare(decode_text(entry, "<text>", sniff=False), settings)
            for i, entry in enumerate(texts)
            if entry.strip()
        }
        self._translate_to(list(documents.values()), settings.target_lang, settings)
        out = [documents[i].translated_text(settings.target_lang) if i in documents else t for i, t in enumerate(texts)]
        return out[0] if isinstance(text, str) else out

    # --------------------------------------------------------------------------- one article, or a group

    def run(self, source: Source, settings: Settings | None = None) -> Document:
        """Translate one decoded article into a Document (errors are raised)."""
        (result,) = self.run_group([source], settings)
        if isinstance(result, TrpipeError):
            raise result
        return result

    def source_language(self, source: Source, settings: Settings | None = None) -> str:
        """The article's language: --from, or detected (remembered on the source with how sure it was); an
        InputError when trpipe is not sure enough to guess (see ``languages.detect_language``)."""
        settings = settings or self.settings
        if settings.source_lang:
            source.lang, source.detection = settings.source_lang, None
        elif not source.lang:
            source.detection = detect_language(source.text, source.path)
            source.lang = source.detection.lang
            try:  # a pair with no model, found now: its message says the language was detected
                for target in settings.targets:
                    self.route(source.lang, target, settings)
            except TrpipeError as exc:
                raise noted(exc, source) from None
        return source.lang

    def run_signature(self, source_lang: str, settings: Settings | None = None, fmt: str = "") -> str:
        """Every setting an output depends on apart from the source bytes (see ``provenance.run_signature``)."""
        return run_signature(self, source_lang, settings or self.settings, fmt)

    def prepare(self, source: Source, settings: Settings) -> Document:
        """Language, models and segments of one article: everything up to translation."""
        lang = self.source_language(source, settings)
        if source.detection is not None:
            self._check_guess(source, lang, settings)
        soon = self.models.translators_soon(lang, settings.targets, settings)
        self._check_language(source, settings)
        if source.blocks is not None:
            segments = segment_blocks(source.text, source.blocks, lang)
        else:
            segments = segment_text(source.text, lang)
        try:  # an unknown pair fails here, for this article only; the first model also sets the sentence limit
            translators = soon()  # loaded meanwhile
        except TrpipeError as exc:
            raise noted(exc, source) from None
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

    def _check_guess(self, source: Source, lang: str, settings: Settings) -> None:
        """A many-to-many model translates from whatever language it is told: a detected language must be a firm
        guess before one is chosen for it (an opus-mt pair would fail on a wrong guess; this would not)."""
        many = False
        for target in settings.targets:
            if target != lang:
                try:
                    found = self.models.plan(lang, target, settings)
                except TrpipeError:
                    return  # no route at all: translator_for says so
                many = many or (found is not None and found.kind == "many")
        if not many:
            return
        detection = source.detection
        if detection is not None and detection.confidence < MANY_DETECT_MIN_PROB:
            raise InputError(
                source.path,
                f"its language was {detection.describe()}, too unsure a guess to translate with a many-to-many "
                f"model (it reads the text as that language; {MANY_DETECT_MIN_PROB:.2f} needed); pass --from LANG",
            )

    def _check_language(self, source: Source, settings: Settings) -> None:
        """Warn of a --from that the text contradicts, and of an article already in every target language."""
        lang = source.lang or ""
        if settings.source_lang:
            other = given_contradicted(source.text, lang)
            if other is not None:
                self.on_warning(
                    f"{source.path}: --from {lang}, but the text reads as another language: {other.describe()}; "
                    f"translating it as {lang} all the same"
                )
        if all(target == lang for target in settings.targets):
            how = "--from" if source.detection is None else source.detection.describe()
            self.on_warning(f"{source.path}: already in {lang} ({how}), the target language: kept as it is")

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
        Errors that would stop every article (a model that cannot be loaded) are raised. An unexpected
        failure in the work the group shares (its batches, its summaries) runs the group again article by
        article, so that only the articles that cause it fail (each with its reason) and the others go on.
        """
        settings = settings or self.settings_for()
        delivered: dict[int, Document | TrpipeError] = {}

        def deliver(index: int, result: Document | TrpipeError) -> None:
            delivered[index] = result
            if on_result is not None:
                on_result(index, result)

        try:
            return self._run_group(sources, settings, deliver)
        except TrpipeError:
            raise
        except Exception as exc:
            if len(sources) == 1 and not delivered:
                failed = article_error(sources[0].path, exc)
                deliver(0, failed)
                return [failed]
        results: list[Document | TrpipeError] = []
        for index, source in enumerate(sources):
            if index not in delivered:
                try:
                    (result,) = self._run_group([source], settings)
                except TrpipeError:
                    raise
                except Exception as exc:  # this article breaks the shared work: it fails, the others go on
                    result = article_error(source.path, exc)
                deliver(index, result)
            results.append(delivered[index])
        return results

    def _run_group(
        self,
        sources: Sequence[Source],
        settings: Settings,
        on_result: Callable[[int, Document | TrpipeError], None] | None = None,
    ) -> list[Document | TrpipeError]:
        results: list[Document | TrpipeError] = []
        clock = GroupClock(len(sources))
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
        clock.segmented(documents, len(results) - len(documents))
        steps = sum(len(s.sentences) for d in documents for s in d.segments) * len(settings.targets)
        announced = self._summary_estimate(documents, settings) if settings.summary else 0.0
        self.progress.begin_group(len(sources), steps + announced)  # one ETA for the whole run
        checks_ready = idle.checks_data([d.source.lang or "" for d in documents], settings.targets)
        for target in settings.targets:
            self._translate_to(documents, target, settings)
        checks_ready()
        clock.lap()
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
        clock.checked(documents)
        if settings.summary and documents:
            self._summarise(documents, settings, announced)
        elif announced:
            self.progress.expect(-announced)
        for document in documents:  # the licence of every model that made it (CC BY-NC ones are noted)
            document.provenance["licences"] = self.models.licences.of_provenance(document.provenance)
        for i, result in enumerate(results):
            self.progress.article_done(ok=not isinstance(result, TrpipeError))
            clock.article(sources[i].path, result)
            if on_result is not None:
                on_result(i, result)
        return results

    def _translate_to(self, documents: Sequence[Document], target: str, settings: Settings) -> None:
        """Fill ``translations[target]`` of every sentence and segment (see ``translate_step``); people's
        translations (``self.human``) first."""
        stats = translate_documents(self.models, self.progress, documents, target, settings, human=self.human)
        self.translated.add(stats)

    # --------------------------------------------------------------------- checks, summary, provenance

    def check(self, document: Document) -> None:
        """Flag every translated sentence that fails a model-free check (numbers, names, quotes, ...)."""
        from trpipe.checks import check_document

        check_document(document, self.glossary)

    def _summarise(self, documents: Sequence[Document], settings: Settings, announced: float = 0.0) -> None:
        self._summary_step().run(documents, settings, announced)

    def _summary_estimate(self, documents: Sequence[Document], settings: Settings) -> float:
        return self._summary_step().estimate(documents, settings)

    def _summary_step(self) -> SummaryStep:
        return SummaryStep(self.models, self.registry, self.progress, self.on_warning)

    def provenance(self, document: Document, settings: Settings) -> dict[str, Any]:
        """What produced ``document``'s translations (see ``provenance.translation_provenance``)."""
        source_lang = document.source.lang or ""
        translators = {
            target: self.models.translator_for(source_lang, target, settings)
            for target in settings.targets
            if target != source_lang
        }
        routes = {}
        for target in translators:
            found = self.models.plan(source_lang, target, settings)
            if found is not None:
                routes[target] = found.describe()
        provenance = translation_provenance(document, settings, translators, routes)
        detection = document.source.detection
        provenance["source_language"] = {"lang": source_lang, "given": True} if detection is None else {
            "lang": source_lang, **detection.record()
        }  # fmt: skip
        human = human_sentences(document)
        if human:
            provenance["human"] = human  # sentences translated by people (applied suggestions), not by a model
        return provenance

    # ------------------------------------------------------------------------------------- lifetime

    def route(self, source_lang: str, target_lang: str, settings: Settings | None = None) -> list[ModelSpec]:
        """The models from one language to another: none (same language), one, or two through English."""
        return self.models.route(source_lang, target_lang, settings or self.settings)

    def cache_hits(self) -> int:
        """Sentence translations of articles that the translation memory answered in this session (never more
        than the sentences translated; the summaries' back-translations are not counted)."""
        return self.translated.recalled

    def close(self) -> None:
        """Release the models and the translation memory (the session can be used again: models reload)."""
        self.models.close()
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
