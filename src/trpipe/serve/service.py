"""The service behind the routes: one Session (models loaded once, the translation memory), the batching
queues in front of its engines, the state (jobs, files, suggestions), keys and rate limits, and the job runner.

The routes only read requests and shape answers; every translation is a Session call run in a worker thread
(never on the event loop) inside a :class:`~trpipe.serve.batching.Call`, so that a client that goes away
takes its waiting sentences out of the queues.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trpipe.progress import Progress
from trpipe.serve.batching import Batcher, Call, current_call
from trpipe.serve.callprogress import RoutedProgress, current_progress
from trpipe.serve.config import ServeSettings, load_pairs
from trpipe.serve.limits import KeyRing, RateLimiter
from trpipe.serve.store import State

log = logging.getLogger("trpipe.serve")


class Suggestions:
    """People's translations of sentences, applied before any model when ``--suggestions apply``."""

    def __init__(self, state: State):
        self.state = state
        self._lock = threading.Lock()
        self._active: dict[tuple[str, str, str], tuple[int, str]] = {}
        self.reload()

    def reload(self) -> None:
        active = {(r["source"], r["target"], r["norm"]): (r["id"], r["s"]) for r in self.state.active_suggestions()}
        with self._lock:
            self._active = active

    def lookup(self, source: str, target: str, texts: Sequence[str]) -> Mapping[str, str]:
        active = self._active
        if not active:
            return {}
        return {t: active[(source, target, t)][1] for t in texts if (source, target, t) in active}


class Service:
    """What one running server holds (see the module's docstring)."""

    def __init__(self, settings: ServeSettings, session: Any = None, metrics: Any = None):
        from trpipe.serve.metrics import Metrics

        self.settings = settings
        self.metrics = metrics or Metrics()
        self.batcher = Batcher(
            max_pending=settings.max_pending,
            max_wait=settings.max_wait_ms / 1000.0,
            max_batch=settings.max_engine_batch,
            on_batch=self.metrics.batch,
        )
        self.engines: Any = None  # Ray Serve's deployments, with --engine ray
        self.session = session or self._session()
        self.keys = KeyRing.from_file(settings.api_keys_file)
        self.rates = RateLimiter(settings.limit("req_limit"))
        self.state = State(settings.state)
        self.suggestions = Suggestions(self.state)
        if settings.suggestions == "apply":
            self.session.human = self.suggestions.lookup
        self.inflight = 0
        self._languages: list[dict[str, Any]] | None = None
        self._inflight_lock = threading.Lock()
        self.ready = False
        self.stopping = False
        self.runner: Any = None
        self.metrics.bind(self)

    def _session(self):
        from trpipe.session import Session

        s = self.settings
        if s.engine == "ray":
            from trpipe.serve.ray_serve import RayEngines

            self.engines = RayEngines(s)
        return Session(
            s.models_file,
            cache=s.cache,
            cache_dir=s.cache_dir,
            glossary=s.glossary,
            progress=RoutedProgress(),
            threads=s.threads,
            wrap_engine=self.batcher.wrap,
            translator_factory=self.engines,
            backend=s.backend,
            device=s.device,
            summary=s.summary,
        )

    # ------------------------------------------------------------------------------------- lifetime

    def start(self) -> None:
        """Load the models of ``--load``, start the job runner and the expiry of old results."""
        from trpipe.serve.jobs import JobRunner

        started = time.monotonic()
        sources = set()
        for source, target in load_pairs(self.settings.load, self.session.registry.pairs()):
            settings = self.session.settings_for(target)
            self.session.models.translator_for(source, target, settings)
            sources.add(source)
        _warm(sources)
        self.state.expire(self.settings.keep_s)
        self.state.requeue_unfinished()
        self.runner = JobRunner(self)
        self.runner.start()
        self.ready = True
        self.metrics.ready_seconds = time.monotonic() - started

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work, let the running requests and the job being translated finish (a job cut short
        is queued again for the next start), then release the models."""
        self.stopping = True
        self.ready = False
        deadline = time.monotonic() + timeout
        while self.inflight and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.runner is not None:
            self.runner.stop(max(1.0, deadline - time.monotonic()))
        self.batcher.close(max(1.0, deadline - time.monotonic()))
        self.session.close()
        if self.engines is not None:
            self.engines.close()
        self.state.close()

    # ----------------------------------------------------------------------------------- languages

    def languages(self) -> list[dict[str, Any]]:
        """Every language of the registry with the targets it reaches (through English too)."""
        if self._languages is None:
            self._languages = self._list_languages()
        return self._languages

    def _list_languages(self) -> list[dict[str, Any]]:
        from trpipe.models.registry import PIVOT_LANGUAGE
        from trpipe.serve.codes import display_name

        registry = self.session.registry
        direct: dict[str, set[str]] = {}
        if "pair" in registry.prefer:
            for source, target in (p.split("-", 1) for p in registry.pairs()):
                direct.setdefault(source, set()).add(target)
                direct.setdefault(target, set())
        many = many_languages(registry) if "many" in registry.prefer else []
        for code in many:  # a many-to-many model: every pair of its languages
            direct.setdefault(code, set()).update(other for other in many if other != code)
        out = []
        for code in sorted(direct):
            targets = set(direct[code])
            if "pivot" in registry.prefer and code != PIVOT_LANGUAGE and PIVOT_LANGUAGE in direct[code]:
                targets |= {t for t in direct.get(PIVOT_LANGUAGE, ()) if t != code}
            out.append({"code": code, "name": display_name(code), "targets": sorted(targets)})
        return out

    def can_translate(self, source: str, target: str) -> bool:
        return any(entry["code"] == source and target in entry["targets"] for entry in self.languages())

    # ---------------------------------------------------------------------------------- translation

    def translate_texts(self, texts: Sequence[str], source: str, target: str, is_html: bool, alternatives: int = 0):
        """``(translations, alternatives)`` of plain texts or HTML fragments, placeholders and tags kept."""
        from trpipe.serve.markup import html_units, mask, restore

        masked_units: list[list[Any]] = []  # per text: Unit-like (keep, text) or Masked
        todo: list[str] = []
        for text in texts:
            units = html_units(text) if is_html else None
            parts: list[Any] = []
            for unit in units if units is not None else [None]:
                if unit is not None and unit.keep:
                    parts.append(unit.text)
                    continue
                masked = mask(unit.text if unit is not None else text, markup=True, is_html=is_html)
                if masked.translatable:
                    parts.append((masked, len(todo)))
                    todo.append(masked.text)
                else:
                    parts.append(unit.text if unit is not None else text)
            masked_units.append(parts)
        outputs = self.session.translate(todo, to=target, source_lang=source) if todo else []
        others: list[list[str]] = [[] for _ in todo]
        if alternatives > 0 and todo and not is_html:
            others = self.alternatives(todo, source, target, alternatives)
        translations, alts = [], []
        for parts in masked_units:
            out, extra = [], []
            for part in parts:
                if isinstance(part, str):
                    out.append(part)
                    continue
                masked, i = part
                out.append(restore(masked, outputs[i]))
                extra = [restore(masked, alt) for alt in others[i]]
            translations.append("".join(out))
            alts.append([a for a in dict.fromkeys(extra) if a != translations[-1]])
        return translations, alts

    def alternatives(self, texts: Sequence[str], source: str, target: str, n: int) -> list[list[str]]:
        """Other translations of each whole text (the texts are short: strings of an interface, sentences)."""
        from trpipe.textnorm import normalize_for_model

        settings = self.session.settings_for(target, source_lang=source, summary=False)
        translator = self.session.models.translator_for(source, target, settings)
        prepared = [normalize_for_model(t) for t in texts]
        counts = translator.count_tokens([p or " " for p in prepared])
        # a text longer than the model reads at once has no alternatives (only its sentences would)
        prepared = [p if k <= translator.max_input_tokens else "" for p, k in zip(prepared, counts)]
        found = translator.alternatives([p for p in prepared if p], n)
        it = iter(found)
        return [next(it) if p else [] for p in prepared]

    # ------------------------------------------------------------------------------------ requests

    def enter(self) -> bool:
        with self._inflight_lock:
            if self.inflight >= self.settings.max_inflight:
                return False
            self.inflight += 1
            return True

    def leave(self) -> None:
        with self._inflight_lock:
            self.inflight -= 1

    def run_call(self, call: Call, progress: Progress | None, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` (in a worker thread) inside ``call`` and with ``progress``."""
        current_call.set(call)
        current_progress.set(progress)
        return fn(*args)


def many_languages(registry: Any) -> list[str]:
    """The languages of the registry's many-to-many model (``many:``) as trpipe's tags (``fr``, ``sw``,
    ``zh-Hant``), read from the model's files on this machine; none when it names no such model or its files
    are not here (the service lists what it can translate now)."""
    from trpipe.errors import TrpipeError
    from trpipe.languages import normalize_tag
    from trpipe.models.families import family_of_spec
    from trpipe.serve.codes import plain_codes

    spec = registry.many_spec()
    if spec is None:
        return []
    try:
        family = family_of_spec(spec)
    except (TrpipeError, OSError, ValueError):
        return []
    if family is None or not family.many_to_many:
        return []
    tags = []
    for code in family.codes:
        given = family.tag_of(code)  # prs_Arab → prs-Arab
        try:
            tag = normalize_tag(given)  # → fa-AF (Dari)
        except TrpipeError:  # a code langcodes cannot read as a tag
            continue
        # listed as a code that reads back as the same tag (fa-AF would read as fa: Dari is listed as prs)
        tags.append(next((c for c in (tag, given.split("-")[0]) if _reads_as(c, tag)), tag))
    return plain_codes(set(tags))  # ko for ko-Hang: the codes clients know


def _reads_as(code: str, tag: str) -> bool:
    from trpipe.errors import TrpipeError
    from trpipe.languages import normalize_tag

    try:
        return normalize_tag(code) == tag
    except TrpipeError:
        return False


def _warm(sources: set[str]) -> None:
    """Load what every request needs before the server says it is ready (the language identifier and its
    tables, each source language's sentence splitter), so that the first request does not pay for it."""
    if not sources:
        return
    from trpipe.languages import detect, given_contradicted
    from trpipe.segment import segment_text

    sample = "Le ministre a présenté le budget mardi. Il entre en vigueur le 1er janvier 2027."
    try:
        detect(sample)
        for source in sorted(sources):
            given_contradicted(sample, source)
            segment_text(sample, source)
    except Exception:  # a warm-up only: the request that needs it will say what is wrong
        log.debug("warm-up failed", exc_info=True)
