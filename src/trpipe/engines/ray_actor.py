"""The Ray actor of ``--engine ray``: one Session (models loaded once) per actor, one group of articles per call.

See ``trpipe.engines.ray`` for the driver, ``trpipe.engines.ray_pool`` for how groups reach the actors, and
docs/ray.md.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
from collections.abc import Callable
from typing import Any

from trpipe.checks.text import WARNING, is_error, severity
from trpipe.engines.plan import fingerprint
from trpipe.errors import InputError, PairError, TrpipeError, UsageError
from trpipe.heap import release
from trpipe.read import decode_text, read_bytes, read_bytes_as
from trpipe.records import Source
from trpipe.render import render
from trpipe.session import Session, article_error
from trpipe.settings import Settings


def read_article(kind: str, path: str, data: bytes, max_bytes: int | None) -> tuple[bytes, str]:
    """The bytes of a ``file`` row, read where the actor runs (records and stdin carry theirs), or why not."""
    if kind != "file":
        return data, ""
    try:
        return read_bytes(path, max_bytes), ""
    except InputError as exc:
        return b"", exc.reason


def decode_row(
    kind: str, name: str, doc_id: str, data: bytes, settings: Settings, warn: Callable[[str], None] | None = None
) -> Source:
    """An article's Source from a row's bytes, as ``InputItem.load`` makes it from a file, a record or stdin."""
    if kind == "record":  # a record is JSON text: --encoding does not apply
        source = decode_text(data.decode("utf-8", "surrogatepass"), name)
        source.doc_id = doc_id or None
        return source
    allow = bool(settings.extra.get("allow_private_urls"))
    if kind == "url":  # fetched where the actor runs, as the local engine fetches it
        from trpipe.read.fetch import fetch_source

        return fetch_source(data.decode("utf-8"), allow_private=allow, max_bytes=settings.max_bytes, warn=warn)
    if kind == "entry":
        from trpipe.read.feeds import Entry, entry_source

        entry = Entry(**json.loads(data.decode("utf-8")))
        return entry_source(entry, allow_private=allow, max_bytes=settings.max_bytes, warn=warn)
    return read_bytes_as(data, name, settings.encoding, settings.strict_encoding, warn)


def _effective_device(requested: str | None) -> str | None:
    """``auto`` in an actor means the GPUs Ray gave it: Ray leaves every GPU visible to an actor without one."""
    if (requested or "auto").lower() != "auto":
        return requested
    import ray

    return "cuda" if ray.get_gpu_ids() else "cpu"


class TranslateBatch:
    """The actor's class (made a Ray actor by the driver): one Session per actor, one group of articles per call."""

    def __init__(
        self,
        registry,
        settings: Settings,
        fmt: str,
        glossary,
        use_cache: bool,
        cache_dir: str | None,
        threads: int,
        version: str,
    ):
        from trpipe._version import __version__

        self.fmt = fmt
        self.actor = f"{socket.gethostname()}:{os.getpid()}"  # which actor did a group (for benchmarks, tests)
        self.fatal: TrpipeError | None = None
        if version != __version__:
            self.fatal = UsageError(f"the Ray workers run trpipe {__version__} and the driver trpipe {version}")
        self.warnings: list[str] = []
        self.settings = settings  # the user's choices: what the fingerprints say
        # Models load on the device Ray gave this actor; the fingerprints keep the user's choice.
        loading = dataclasses.replace(settings, device=_effective_device(settings.device))
        options = {"cache_dir": cache_dir, "glossary": glossary, "on_warning": self.warnings.append, "threads": threads}
        try:
            self.session = Session(registry, loading, cache=use_cache, **options)
        except TrpipeError as exc:  # an unusable translation memory on this node: every call reports it
            self.fatal = self.fatal or exc
            self.session = Session(registry, loading, cache=False, **options)
        self.session.models.licences.notify = False  # the driver notes each licence once (``new_notices``)
        if self.fatal is None:
            self._preload()

    def _preload(self) -> None:
        """Load the models now when the source language is known (otherwise on the first article).

        A failure is not kept: the same load is tried again where the local engine tries it, and fails the
        same way there (a missing summary model is a warning per article, a missing translation model stops).
        """
        session, settings = self.session, self.session.settings
        source = settings.source_lang
        if not source or not settings.targets:
            return
        try:
            for target in settings.targets:
                if target != source:
                    session.models.translator_for(source, target, settings)
            if settings.summary:
                session.models.summariser(
                    session.registry.summariser(settings.target_lang, settings.summary_model), settings
                )
                if settings.target_lang != source:
                    session.models.translator_for(settings.target_lang, source, settings)
        except TrpipeError:
            pass

    def ready(self) -> dict[str, str]:
        """Where this actor runs, once its models are loaded (the driver waits for this before sending work)."""
        import ray

        return {"actor": self.actor, "node": ray.get_runtime_context().get_node_id(), "host": socket.gethostname()}

    def run(self, rows: list[dict[str, Any]]) -> list[tuple[int, str | bytes, dict[str, Any]]]:
        """Translate one group of articles: ``(index, rendered text, meta)`` for each row, in order.

        A row is ``{index, kind, name, path, doc_id, data}`` (``kind``: ``file`` read here, ``record`` or
        ``bytes`` carried in ``data``). The meta says ``ok``, or why not (``error``, ``error_kind``), or
        ``fatal`` with an exit code when an error stops the run; the first row's meta also carries the
        group's warnings, translation-memory hits and the actor's name.
        """
        metas: list[dict[str, Any]] = [{} for _ in rows]
        texts = ["" for _ in rows]
        session, settings = self.session, self.session.settings
        hits_before = session.cache_hits()
        try:
            if self.fatal is not None:
                raise self.fatal
            loaded: list[tuple[int, Source, str]] = []
            for i, row in enumerate(rows):
                name = row["name"]
                try:
                    data, read_error = read_article(row["kind"], row["path"], row["data"], settings.max_bytes)
                    if read_error:
                        raise InputError(name, read_error)
                    source = decode_row(row["kind"], name, row["doc_id"], data, settings, self.warnings.append)
                    lang = session.source_language(source, self.settings)
                    print_ = fingerprint(source, session.run_signature(lang, self.settings, self.fmt))
                except (InputError, PairError) as exc:
                    metas[i] = _failure(exc)
                    continue
                except TrpipeError:
                    raise
                except Exception as exc:  # a bug met on this input only
                    metas[i] = _failure(article_error(name, exc))
                    continue
                loaded.append((i, source, print_))
            results = session.run_group([source for _, source, _ in loaded], settings)
            for (i, _source, print_), result in zip(loaded, results):
                if isinstance(result, TrpipeError):
                    if not isinstance(result, (InputError, PairError)) and result.exit_code != 70:
                        raise result
                    metas[i] = _failure(result)
                    continue
                result.provenance["fingerprint"] = print_
                try:
                    texts[i] = render(result, self.fmt)  # text, or a document package's bytes
                except Exception as exc:  # a renderer's bug on this article only
                    metas[i] = _failure(article_error(result.source.path, exc))
                    continue
                metas[i] = {
                    "ok": True,
                    "sentences": sum(len(seg.sentences) for seg in result.segments),
                    "flags": [flag["check"] for seg in result.segments for flag in seg.flags if is_error(flag)],
                    "flag_warnings": sum(
                        1 for seg in result.segments for flag in seg.flags if severity(flag) == WARNING
                    ),
                    "doc": result.source.doc_id or result.source.path,  # as render.common.doc_id
                    "fingerprint": print_,
                    "source_lang": result.source.lang,
                    "licences": result.provenance.get("licences") or {},
                }
        except TrpipeError as exc:  # stops the run, as it stops the local engine
            metas = [{"fatal": str(exc), "exit_code": exc.exit_code} for _ in rows]
            texts = ["" for _ in rows]
        release()  # the group's buffers back to the system (trpipe.heap)
        if metas:
            metas[0]["cache_hits"] = session.cache_hits() - hits_before
            metas[0]["warnings"], self.warnings[:] = list(self.warnings), []
            metas[0]["actor"] = self.actor
        return [(row["index"], text, meta) for row, text, meta in zip(rows, texts, metas)]

    def __del__(self):
        session = getattr(self, "session", None)
        if session is not None:
            session.close()


def _failure(exc: TrpipeError) -> dict[str, Any]:
    if isinstance(exc, InputError):
        return {"ok": False, "error": exc.reason, "error_kind": "input"}
    return {"ok": False, "error": getattr(exc, "reason", None) or str(exc), "error_kind": "pair"}
