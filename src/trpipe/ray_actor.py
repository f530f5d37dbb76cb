"""The Ray actor of ``--engine ray``: holds the models once and translates one group of articles per call.

See ``trpipe.ray_engine`` for the driver and docs in the README ("Beyond one machine: Ray").
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
from typing import Any

from trpipe.batch import fingerprint
from trpipe.errors import InputError, PairError, TrpipeError, UsageError
from trpipe.pipeline import Pipeline, Settings
from trpipe.read import decode_source, extract_article, read_bytes
from trpipe.records import Source
from trpipe.render import render


def read_article(kind: str, path: str, data: bytes) -> tuple[bytes, str]:
    """The bytes of a ``file`` row, read where the actor runs (records and stdin carry theirs), or why not."""
    if kind != "file":
        return data, ""
    try:
        return read_bytes(path), ""
    except InputError as exc:
        return b"", exc.reason


def _effective_device(requested: str | None) -> str | None:
    """``auto`` in an actor means the GPUs Ray gave it: Ray leaves every GPU visible to an actor without one."""
    if (requested or "auto").lower() != "auto":
        return requested
    import ray

    return "cuda" if ray.get_gpu_ids() else "cpu"


class TranslateBatch:
    """The Ray Data callable class: one Pipeline (models loaded once) per actor, one group per call."""

    def __init__(
        self,
        registry,
        settings: dict[str, Any],
        fmt: str,
        encoding: str | None,
        glossary,
        use_cache: bool,
        cache_dir: str | None,
        threads: int,
        version: str,
    ):
        from trpipe import __version__
        from trpipe.run import translator_factory
        from trpipe.summariser import HFSummariser

        self.fmt, self.encoding = fmt, encoding
        self.actor = f"{socket.gethostname()}:{os.getpid()}"  # which actor did a group (for benchmarks, tests)
        self.fatal: TrpipeError | None = None
        if version != __version__:
            self.fatal = UsageError(f"the Ray workers run trpipe {__version__} and the driver trpipe {version}")
        import torch

        torch.set_num_threads(max(1, threads))
        self.warnings: list[str] = []
        settings_ = Settings(**settings)
        device = _effective_device(settings_.device)
        loading = dataclasses.replace(settings_, device=device)  # the fingerprint keeps the user's choice
        self.pipeline = Pipeline(
            registry,
            settings_,
            translator_factory=translator_factory(loading, use_cache, cache_dir),
            summariser_factory=lambda spec: HFSummariser(spec, device=device),
            on_warning=self.warnings.append,
            glossary=glossary,
        )
        if self.fatal is None:
            self._preload()

    def _preload(self) -> None:
        """Load the models now when the source language is known (otherwise on the first article).

        A failure is not kept: the same load is tried again where the local engine tries it, and fails the
        same way there (a missing summary model is a warning per article, a missing translation model stops).
        """
        pipeline, settings = self.pipeline, self.pipeline.settings
        source = settings.source_lang
        if not source:
            return
        try:
            for target in settings.targets:
                if target != source:
                    pipeline.translator_for(source, target)
            if settings.summary:
                pipeline.summariser(pipeline.registry.summariser(settings.target_lang, settings.summary_model))
                pipeline.translator_for(settings.target_lang, source)
        except TrpipeError:
            pass

    def _source(self, kind: str, name: str, doc_id: str, data: bytes) -> Source:
        return _decode(kind, name, doc_id, data, self.encoding)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        rows = list(zip(*(batch[k].tolist() for k in ("index", "kind", "name", "path", "doc_id", "data"))))
        metas: list[dict[str, Any]] = [{} for _ in rows]
        texts = ["" for _ in rows]
        pipeline = self.pipeline
        hits_before = sum(getattr(t, "hits", 0) for t in pipeline.translators())
        try:
            if self.fatal is not None:
                raise self.fatal
            loaded: list[tuple[int, Source, str]] = []
            for i, (_index, kind, name, path, doc_id, given) in enumerate(rows):
                try:
                    data, read_error = read_article(kind, path, given)
                    if read_error:
                        raise InputError(name, read_error)
                    source = self._source(kind, name, doc_id, data)
                    print_ = fingerprint(source, pipeline.run_signature(pipeline.source_language(source), self.fmt))
                except (InputError, PairError) as exc:
                    metas[i] = _failure(exc)
                    continue
                loaded.append((i, source, print_))
            results = pipeline.run_group([source for _, source, _ in loaded])
            for (i, _source, print_), result in zip(loaded, results):
                if isinstance(result, TrpipeError):
                    if not isinstance(result, (InputError, PairError)):
                        raise result
                    metas[i] = _failure(result)
                    continue
                result.provenance["fingerprint"] = print_
                texts[i] = render(result, self.fmt)
                metas[i] = {
                    "ok": True,
                    "sentences": sum(len(seg.sentences) for seg in result.segments),
                    "flags": [flag["check"] for seg in result.segments for flag in seg.flags],
                    "doc": result.source.doc_id or result.source.path,
                    "source_lang": result.source.lang,
                }
        except TrpipeError as exc:  # stops the run, as it stops the local engine
            metas = [{"fatal": str(exc), "exit_code": exc.exit_code} for _ in rows]
            texts = ["" for _ in rows]
        if metas:
            metas[0]["cache_hits"] = sum(getattr(t, "hits", 0) for t in pipeline.translators()) - hits_before
            metas[0]["warnings"], self.warnings[:] = list(self.warnings), []
            metas[0]["actor"] = self.actor
        return {
            "index": np.array([row[0] for row in rows], dtype=np.int64),
            "text": np.array(texts, dtype=object),
            "meta": np.array([json.dumps(m, ensure_ascii=False) for m in metas], dtype=object),
        }

    def __del__(self):
        pipeline = getattr(self, "pipeline", None)
        if pipeline is not None:
            pipeline.close()


def _decode(kind: str, name: str, doc_id: str, data: bytes, encoding: str | None) -> Source:
    """An article's Source from its bytes, as ``InputItem.load`` makes it from a file, a record or stdin."""
    if kind == "record":  # a record is UTF-8 JSON text: --encoding does not apply
        source = decode_source(data, name)
        source.doc_id = doc_id or None
        return extract_article(source, sniff=True)
    return extract_article(decode_source(data, name, encoding), sniff=kind == "bytes")


def _failure(exc: InputError | PairError) -> dict[str, Any]:
    if isinstance(exc, InputError):
        return {"ok": False, "error": exc.reason, "error_kind": "input"}
    return {"ok": False, "error": str(exc), "error_kind": "pair"}


# ------------------------------------------------------------------------------------------------ driver
