"""``trpipe serve --engine ray --replicas N``: the same API, the translation models on Ray Serve replicas.

The ingress is trpipe's own app in the driver process: it alone owns the jobs API and the SQLite state, the
translation memory, the suggestions and the batching queues. Each translation model is a Serve deployment
of N replicas, each holding the model; the model's batching queue (one in the ingress) sends every batch to
a replica (Serve picks the less loaded of two), with as many batches at once as the replicas run at full
speed. A replica that dies mid-batch (killed, out of memory, its node gone) costs nothing accepted: the batch
is sent again to another replica (Serve restarts the dead one); only when no replica answers after a few
tries does the request get a 503 with ``Retry-After``, for the client to retry. Summarisers stay in the
ingress.

``TRPIPE_BACKEND_MODULES`` (comma-separated module names) are imported in the replicas, so that backends
registered by plugins (``@register_backend``) exist there too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from trpipe.errors import MissingExtraError
from trpipe.models.registry import ModelSpec
from trpipe.serve.batching import EngineUnavailable
from trpipe.serve.config import ServeSettings
from trpipe.settings import Settings
from trpipe.translate.base import Translator

log = logging.getLogger("trpipe.serve")

TRIES = 4
CALL_TIMEOUT_S = 600.0
MODULES_ENV = "TRPIPE_BACKEND_MODULES"


def import_serve() -> Any:
    try:
        from ray import serve
    except ImportError:
        raise MissingExtraError("ray[serve]", "ray", "trpipe serve --engine ray") from None
    return serve


def _replica_class():
    serve = import_serve()

    @serve.deployment(max_ongoing_requests=8)
    class TranslatorReplica:
        """One copy of a translation model, answering sentence batches."""

        def __init__(self, spec: ModelSpec, backend: str, device: str | None, threads: int | None, modules: list):
            import importlib

            from trpipe.translate.base import load_translator

            for name in modules:
                importlib.import_module(name)
            options = {"device": device, **({"threads": threads} if threads else {})}
            self.translator = load_translator(spec, backend, **options)

        def info(self) -> dict[str, Any]:
            t = self.translator
            return {
                "backend": t.backend,
                "describe": t.describe(),
                "decoding": t.decoding(),
                "settings": dict(t.settings),
                "max_input_tokens": t.max_input_tokens,
                "batch_tokens": t.batch_tokens,
                "concurrency": t.concurrency,
            }

        # ``tokens``: a many-to-many pair's language tokens (PairTokens), passed only when given
        def translate(self, texts: list[str], tokens: Any = None) -> list[tuple[str, float | None]]:
            return self.translator.translate_batch_scored(texts, *_given(tokens))

        def alternatives(self, texts: list[str], n: int, tokens: Any = None) -> list[list[str]]:
            return self.translator.alternatives(texts, n, *_given(tokens))

        def count_tokens(self, texts: list[str], tokens: Any = None) -> list[int]:
            return self.translator.count_tokens(texts, *_given(tokens))

        def pid(self) -> int:
            return os.getpid()

    return TranslatorReplica


def _given(tokens: Any) -> tuple[Any, ...]:
    """A many-to-many pair's tokens as an extra argument, or none (a one-pair model's methods take none)."""
    return () if tokens is None else (tokens,)


class RayTranslator(Translator):
    """A model on Serve replicas, seen as a Translator: its description and decoding are the model's own
    (so that the translation memory's keys are those of a local run)."""

    def __init__(self, spec: ModelSpec, handle: Any, info: dict[str, Any], replicas: int):
        super().__init__(spec)
        self.handle = handle
        self.info = info
        self.replicas = replicas
        self.backend = str(info["backend"])
        self.settings = dict(info["settings"])
        self._counts: OrderedDict[tuple[Any, str], int] = OrderedDict()
        self.lost = 0  # calls sent again because the replica that had them was lost

    @property
    def max_input_tokens(self) -> int:
        return int(self.info["max_input_tokens"])

    @property
    def batch_tokens(self) -> int:
        return int(self.info["batch_tokens"])

    @property
    def concurrency(self) -> int:
        return max(1, self.replicas * int(self.info["concurrency"]))

    def _call(self, method: str, *args: Any) -> Any:
        """``method(*args)`` on a replica; sent again to another replica when the one that had it died."""
        from ray import exceptions as ray_errors
        from ray.serve import exceptions as serve_errors

        lost = (ray_errors.RayActorError, ray_errors.ActorUnavailableError, serve_errors.BackPressureError,
                serve_errors.DeploymentUnavailableError, serve_errors.ReplicaUnavailableError)  # fmt: skip
        last: BaseException | None = None
        for attempt in range(TRIES):
            try:
                return getattr(self.handle, method).remote(*args).result(timeout_s=CALL_TIMEOUT_S)
            except lost as exc:
                last = exc
            except ray_errors.RayTaskError as exc:  # a failure inside the replica: the replica died in it?
                if not isinstance(getattr(exc, "cause", None), lost):
                    raise
                last = exc
            self.lost += 1
            log.info("a replica of %s was lost (%s); sending the batch again", self.spec.model, type(last).__name__)
            time.sleep(0.2 * (attempt + 1))
        raise EngineUnavailable(f"no replica of {self.spec.model} answers ({type(last).__name__})", retry_after=5)

    def count_tokens(self, texts: Sequence[str], tokens: Any = None) -> list[int]:
        missing = [t for t in dict.fromkeys(texts) if (tokens, t) not in self._counts]
        if missing:
            for text, count in zip(missing, self._call("count_tokens", missing, *_given(tokens))):
                self._counts[(tokens, text)] = int(count)
            while len(self._counts) > 50_000:
                self._counts.popitem(last=False)
        return [self._counts[(tokens, t)] for t in texts]

    def translate_batch(self, texts: Sequence[str], tokens: Any = None) -> list[str]:
        return [text for text, _ in self.translate_batch_scored(texts, tokens)]

    def translate_batch_scored(self, texts: Sequence[str], tokens: Any = None) -> list[tuple[str, float | None]]:
        return [(text, score) for text, score in self._call("translate", list(texts), *_given(tokens))]

    def translate_batches_scored(self, batches: Sequence[Sequence[str]], tokens: Any = None):
        for batch in batches:
            yield self.translate_batch_scored(batch, tokens)

    def alternatives(self, texts: Sequence[str], n: int, tokens: Any = None) -> list[list[str]]:
        return self._call("alternatives", list(texts), n, *_given(tokens))

    def describe(self) -> dict[str, Any]:
        return dict(self.info["describe"])

    def decoding(self) -> dict[str, Any]:
        return dict(self.info["decoding"])

    def pids(self, tries: int = 50) -> set[int]:
        """The process ids of the replicas (for tests and diagnostics)."""
        return {self._call("pid") for _ in range(tries)}


class RayEngines:
    """The model pool's translator factory on Ray Serve: one deployment of ``replicas`` per model."""

    def __init__(self, settings: ServeSettings):
        self.replicas = settings.replicas
        self.threads = settings.threads
        self.modules = [m.strip() for m in os.environ.get(MODULES_ENV, "").split(",") if m.strip()]
        self.names: list[str] = []

    def __call__(self, spec: ModelSpec, settings: Settings) -> RayTranslator:
        serve = import_serve()
        digest = hashlib.sha256(f"{spec.model}|{spec.revision}|{settings.backend}|{settings.device}".encode())
        name = f"trpipe-{spec.key or 'model'}-{digest.hexdigest()[:10]}"
        replica = _replica_class().options(
            name="translator",
            num_replicas=self.replicas,
            ray_actor_options={"num_cpus": float(self.threads or 1)},
        )
        app = replica.bind(spec, settings.backend, settings.device, self.threads, self.modules)
        handle = serve.run(app, name=name, route_prefix=None, blocking=False)
        self.names.append(name)
        info = handle.info.remote().result(timeout_s=CALL_TIMEOUT_S)
        return RayTranslator(spec, handle, info, self.replicas)

    def close(self) -> None:
        serve = import_serve()
        for name in self.names:
            try:
                serve.delete(name)
            except Exception as exc:  # Ray going away already
                log.debug("could not delete %s: %s", name, exc)


def start_ray(settings: ServeSettings) -> bool:
    """Join ``--ray-address`` or start a local Ray, and Serve without its HTTP proxy (trpipe's app is the
    ingress); True when this call started Ray."""
    from trpipe.errors import UsageError

    serve = import_serve()
    import ray

    started = False
    if not ray.is_initialized():
        common = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
        if settings.ray_address:
            try:
                ray.init(address=settings.ray_address, **common)
            except (ConnectionError, TimeoutError) as exc:
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise UsageError(
                    f"--ray-address {settings.ray_address}: cannot join the Ray cluster ({reason})"
                ) from None
        else:
            ray.init(address="local", **common)
        started = True
    from ray.serve.config import ProxyLocation

    serve.start(proxy_location=ProxyLocation.Disabled)
    return started


def stop_ray(started: bool) -> None:
    serve = import_serve()
    import ray

    try:
        serve.shutdown()
    finally:
        if started:
            ray.shutdown()
