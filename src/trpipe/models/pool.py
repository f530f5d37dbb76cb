"""The models a Session holds: loaded on first use, kept until ``close()``, behind the translation memory.

A model is keyed by what decides it (model id, revision, backend, device), so a call with other choices
loads another model and a repeated call reuses the loaded one. A many-to-many model is loaded once whatever the
number of pairs it serves: each pair is a light view of it (``trpipe.translate.pairs``) with its own language
tokens and its own translation-memory key.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from trpipe.devices import check_device
from trpipe.errors import PairError
from trpipe.models.licences import Licences
from trpipe.models.registry import PIVOT_LANGUAGE, ModelSpec, Registry, Route
from trpipe.progress import Progress
from trpipe.settings import Settings
from trpipe.translate.base import Translator, load_translator

TranslatorFactory = Callable[[ModelSpec, Settings], Translator]
log = logging.getLogger("trpipe")
EngineWrapper = Callable[[Translator], Translator]


class ModelPool:
    """Translators, summarisers and routes of one Session (safe to share between threads: a model is loaded
    once even when several threads ask for it at the same time).

    ``wrap_engine`` (optional) wraps each translator, below the translation memory: the service puts its
    batching queue there, so that the memory answers first and only its misses meet in the queue. For a
    many-to-many model it wraps each pair's view, so that one batch never mixes target languages.
    """

    def __init__(
        self,
        registry: Registry,
        memory: Any = None,
        *,
        cache_dir: str | os.PathLike | None = None,
        threads: int | None = None,
        progress: Progress | None = None,
        translator_factory: TranslatorFactory | None = None,
        summariser_factory: Callable[[ModelSpec, Settings], Any] | None = None,
        wrap_engine: EngineWrapper | None = None,
    ):
        self.registry = registry
        self.wrap_engine = wrap_engine
        self._lock = threading.RLock()
        self.memory = memory
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else None
        self.threads = threads
        self.progress = progress or Progress(enabled=False)
        self._translator_factory = translator_factory
        self._summariser_factory = summariser_factory
        self._models: dict[tuple, Translator] = {}  # loaded models, without the memory
        self._translators: dict[tuple, Translator] = {}  # what translates: a model or a pair's view, with the memory
        self._summarisers: dict[tuple, Any] = {}
        self._routes: dict[tuple, Route] = {}
        self._by_pair: dict[tuple, Translator] = {}
        self.licences = Licences(registry)  # of the models loaded; a notice for a non-commercial one
        self.loads = 0  # models loaded (translators and summarisers)

    def translator(self, spec: ModelSpec, settings: Settings) -> Translator:
        """The loaded translator for ``spec`` (loaded on first use, then reused), behind the memory.

        A many-to-many ``spec`` (with its languages' tokens) is a view of its model for that pair."""
        with self._lock:
            if spec.many_to_many:
                return self._pair_view(spec, settings)
            key = (spec.model, spec.revision, settings.backend, settings.device)
            if key not in self._translators:
                self._translators[key] = self._remembered(self._wrapped(self.model(spec, settings)))
            return self._translators[key]

    def model(self, spec: ModelSpec, settings: Settings) -> Translator:
        """The model of ``spec`` as loaded (no memory, no queue), loaded once for every pair it serves."""
        key = (spec.model, spec.revision, settings.backend, settings.device)
        with self._lock:
            if key not in self._models:
                bare = (
                    replace(spec, key="*", target_token=None, source_token=None, family=None)
                    if spec.family is not None
                    else spec
                )
                self._models[key] = self._load_translator(bare, settings)
                self.loads += 1
            return self._models[key]

    def _pair_view(self, spec: ModelSpec, settings: Settings) -> Translator:
        key = (spec.model, spec.revision, settings.backend, settings.device, spec.source_token, spec.target_token)
        if key not in self._translators:
            from trpipe.translate.pairs import LanguagePair

            view = LanguagePair(self.model(spec, settings), spec)
            self._translators[key] = self._remembered(self._wrapped(view))
        return self._translators[key]

    def _load_translator(self, spec: ModelSpec, settings: Settings) -> Translator:
        from trpipe.models.files import loading

        check_device(settings.device)
        self.progress.stage(f"loading {spec.model}")
        started = time.perf_counter()
        with loading(spec, None if self._translator_factory else settings.backend):  # failures: ModelError
            if self._translator_factory is not None:
                translator = self._translator_factory(spec, settings)
            else:
                translator = load_translator(spec, settings.backend, **self._model_options(settings))
        _loaded("translation", spec, translator, settings, time.perf_counter() - started)
        self.licences.loaded(spec)
        return translator

    def _wrapped(self, translator: Translator) -> Translator:
        return translator if self.wrap_engine is None else self.wrap_engine(translator)

    def _remembered(self, translator: Translator) -> Translator:
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

    def summariser(self, spec: ModelSpec, settings: Settings) -> Any:
        """The loaded summariser for ``spec`` (loaded on first use, then reused)."""
        key = (spec.model, spec.revision, settings.backend, settings.device)
        with self._lock:
            return self._summariser(key, spec, settings)

    def _summariser(self, key: tuple, spec: ModelSpec, settings: Settings) -> Any:
        if key not in self._summarisers:
            from trpipe.models.files import loading

            check_device(settings.device)
            self.progress.stage(f"loading {spec.model}")
            started = time.perf_counter()
            with loading(spec, None if self._summariser_factory else settings.backend):  # failures: ModelError
                if self._summariser_factory is not None:
                    self._summarisers[key] = self._summariser_factory(spec, settings)
                else:
                    from trpipe.summarise.models import load_summariser

                    options = self._model_options(settings)
                    self._summarisers[key] = load_summariser(spec, settings.backend, **options)
            _loaded("summary", spec, self._summarisers[key], settings, time.perf_counter() - started)
            self.licences.loaded(spec)
            self.loads += 1
        return self._summarisers[key]

    def plan(self, source_lang: str, target_lang: str, settings: Settings) -> Route | None:
        """The route from one language to another (None for the same language), and why (see ``Registry.plan``)."""
        if source_lang == target_lang:
            return None
        # --model is for the article's own pair: from --from (or any detected language) into the main target
        own_pair = target_lang == settings.target_lang and source_lang == (settings.source_lang or source_lang)
        override = settings.model if own_pair else None
        key = (source_lang, target_lang, override)
        if key in self._routes:
            return self._routes[key]
        with self._lock:
            if key not in self._routes:
                from trpipe.models.families import family_of_spec
                from trpipe.models.hub import model_available

                found = self.registry.plan(
                    source_lang, target_lang, override, available=model_available, family_of=family_of_spec
                )
                self._routes[key] = found
                legs = " then ".join(spec.model for spec in found.specs)
                pivot = f" (through {PIVOT_LANGUAGE})" if len(found.specs) > 1 else ""
                log.info("route %s→%s: %s%s", source_lang, target_lang, legs, pivot)
                log.debug("route %s→%s is a %s route: %s", source_lang, target_lang, found.kind, found.reason)
            return self._routes[key]

    def route(self, source_lang: str, target_lang: str, settings: Settings) -> list[ModelSpec]:
        """The models from one language to another: none (same language), one, or two through English."""
        found = self.plan(source_lang, target_lang, settings)
        return list(found.specs) if found else []

    def translators_soon(
        self, source_lang: str, targets: Sequence[str], settings: Settings
    ) -> Callable[[], list[Translator]]:
        """The translators from ``source_lang`` to each target, as a call that gives them (or raises what
        ``translator_for`` raises). In a process that has loaded no translator yet, they load in a thread
        meanwhile: CTranslate2 loads without holding the GIL, so an article's language check and segmentation
        run beside the first load instead of before it (0.1-0.2 s of a one-article run)."""

        def load() -> list[Translator]:
            return [self.translator_for(source_lang, t, settings) for t in targets if t != source_lang]

        if self._by_pair or self.loads:
            return load
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["translators"] = load()
            except BaseException as exc:  # given to the caller, in its thread
                box["error"] = exc

        thread = threading.Thread(target=run, name="trpipe-load", daemon=True)
        thread.start()

        def result() -> list[Translator]:
            thread.join()
            if "error" in box:
                raise box["error"]
            return box["translators"]

        return result

    def translator_for(self, source_lang: str, target_lang: str, settings: Settings) -> Translator:
        """A translator from one language to another, pivoting through English where it must."""
        specs = self.route(source_lang, target_lang, settings)
        key = (
            *tuple((s.model, s.revision, s.source_token, s.target_token) for s in specs),
            settings.backend,
            settings.device,
        )
        found = self._by_pair.get(key)  # loaded already: no lock to wait for while another model loads
        if found is not None:
            return found
        with self._lock:
            return self._pair_translator(key, specs, source_lang, target_lang, settings)

    def _pair_translator(self, key: tuple, specs: list[ModelSpec], source_lang: str, target_lang: str, settings):
        if key not in self._by_pair:
            if not specs:
                raise PairError(f"no translation needed from {source_lang} to {target_lang}")
            legs = (
                [(source_lang, target_lang)]
                if len(specs) == 1
                else [(source_lang, PIVOT_LANGUAGE), (PIVOT_LANGUAGE, target_lang)]
            )
            translators = [
                self.translator(self._resolved(spec, *leg, settings), settings) for spec, leg in zip(specs, legs)
            ]
            if len(translators) == 1:
                self._by_pair[key] = translators[0]
            else:
                from trpipe.translate.pivot import PivotTranslator

                self._by_pair[key] = PivotTranslator(translators[0], translators[1], PIVOT_LANGUAGE)
        return self._by_pair[key]

    def _resolved(self, spec: ModelSpec, source_lang: str, target_lang: str, settings: Settings) -> ModelSpec:
        """A many-to-many spec whose codes could not be read before its model was here: load it, then map the
        languages to its codes (a PairError names the nearest codes when it has none)."""
        if spec.family != "":
            return spec
        from trpipe.models.families import family_of_spec

        self.model(spec, settings)
        family = family_of_spec(spec)
        if family is None or not family.many_to_many:
            label = family.label if family is not None else "unknown"
            raise PairError(f"many.model: {spec.model} is a {label} model, not a many-to-many one")
        return Registry._with_codes(spec, family, source_lang, target_lang)

    def close(self) -> None:
        """Release every model (they load again on next use)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        for model in [*self._translators.values(), *self._models.values(), *self._summarisers.values()]:
            model.close()
        self._models.clear()
        self._translators.clear()
        self._summarisers.clear()
        self._by_pair.clear()


def _loaded(task: str, spec: ModelSpec, model: Any, settings: Settings, seconds: float) -> None:
    """The info line of a model loaded: what, on which backend and device, in how long."""
    described = model.describe() if hasattr(model, "describe") else {}
    backend = described.get("backend") or getattr(model, "backend", None) or settings.backend
    device = described.get("device") or settings.device or "auto"
    log.info("loaded the %s model %s (%s, %s) in %.2f s", task, spec.model, backend, device, seconds)
