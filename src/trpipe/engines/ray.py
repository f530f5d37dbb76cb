"""The Ray engine (``--engine ray``, extra ``trpipe[ray]``): the same plan on a Ray cluster.

driver (this process)
    builds the run's Plan exactly as the local engine does (names, refusals, collisions) and decides what
    to skip: an input whose output exists is read here and fingerprinted with the same
    ``Session.run_signature`` (a Session that never loads a model). A reader thread walks the inputs
    lazily (a folder, a JSONL file or a pipe of any length) and makes groups of small rows (index, name,
    path; the text itself only for JSONL records and stdin): the local engine's groups. The driver writes
    every output into the plan's sink as results come back, in input order. Writing on the driver needs no
    shared filesystem for outputs (and writes object storage through fsspec), keeps the resume logic in
    one place, and costs only shipping the rendered text back.
actors (``ray_actor.TranslateBatch``, a pool run by ``ray_pool.ActorPool``)
    each actor holds one Session, so the models are loaded once per actor; a call translates one group.
    The pool keeps a bounded number of groups under way (back-pressure on the reader), sends again the
    group of an actor that was lost with its node, and goes on with the actors it has.

The translation memory is shared by the actors of one node, not across nodes (SQLite in WAL mode is safe
for processes of one machine, unsafe on a network filesystem).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from trpipe.engines.plan import InputItem, Plan, failure_reason, fingerprint, protected_files
from trpipe.engines.ray_actor import TranslateBatch, decode_row
from trpipe.engines.ray_pool import END, ActorPool, Group, RayRunError
from trpipe.engines.report import RunReport
from trpipe.engines.request import RunRequest
from trpipe.engines.sinks import open_sink, remove_live_temporaries, stops_run
from trpipe.engines.stream import PreviousOutput, close_stopped, document_key
from trpipe.errors import InputError, MissingExtraError, OutputError, PairError, TrpipeError, UsageError, shown
from trpipe.models.licences import new_notices
from trpipe.paths import exists
from trpipe.progress import Progress
from trpipe.read import STDIN, read_bytes
from trpipe.session import GROUP_ARTICLES, GROUP_CHARS, Session, article_error

__all__ = ["RayRunError", "run_ray"]

ACTORS_START_S = 900  # how long the actor pool may take to start (and load its models)
ADDRESS_ENV = "RAY_ADDRESS"  # set by ``ray job submit`` (and KubeRay's RayJob) for the job's driver


def import_ray():
    try:
        import ray
    except ImportError:
        raise MissingExtraError("ray", "ray", "--engine ray") from None
    return ray


class _Row:
    """What the driver keeps of a row to handle its result: its name, output and stream copies."""

    __slots__ = ("before", "name", "out")

    def __init__(self, name: str, out, before: list[str]):
        self.name, self.out, self.before = name, out, before


def _row_input(item: InputItem, max_bytes: int) -> tuple[str, bytes]:
    """``(kind, data)``: files are read, URLs and feed entries' pages fetched by the actors; records, stdin,
    URLs and feed entries travel with the row."""
    if item.entry is not None:
        return "entry", json.dumps(dataclasses.asdict(item.entry)).encode("utf-8")
    if item.url is not None:
        return "url", item.url.encode("utf-8")
    if item.record_text is not None:
        return "record", item.record_text.encode("utf-8", "surrogatepass")
    if item.path == STDIN:
        return "bytes", read_bytes(STDIN, max_bytes)
    return "file", b""


def _row_size(item: InputItem, kind: str, data: bytes) -> int:
    """Bytes, for grouping (the local engine counts characters of the extracted text)."""
    if kind != "file":
        return len(data)
    try:
        return os.stat(item.path or item.name).st_size
    except (OSError, ValueError):
        return 0


def _cpus_per_actor(request: RunRequest) -> float:
    return 1.0 if request.ray.num_cpus is None else float(request.ray.num_cpus)


class Feed:
    """The plan walked by a reader thread, as events in input order: groups for the actors, and the
    failures and skips met on the way. At most ``depth`` groups wait in the queue (back-pressure)."""

    def __init__(self, events: Iterator[tuple[str, Any]], depth: int):
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.stopping = threading.Event()
        self.buffered: list[Group] = []
        self.ended = False
        self.tail: list[str] = []  # previous stream documents to copy after the last new one
        self.on_event: Callable[[str, Any], None] = lambda kind, value: None
        self.thread = threading.Thread(target=self._read, args=(events,), name="trpipe-ray-feed", daemon=True)
        self.thread.start()

    def _read(self, events: Iterator[tuple[str, Any]]) -> None:
        try:
            for event in events:
                while not self.stopping.is_set():
                    try:
                        self.queue.put(event, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self.stopping.is_set():
                    return
            self.queue.put(("end", None))
        except BaseException as exc:  # raised in the main thread, where the run stops
            self.queue.put(("error", exc))

    def get(self, timeout: float | None = 0):
        """The next group, None when there is none after ``timeout`` seconds (None: wait for it), or END;
        other events are handled on the way."""
        if self.buffered:
            return self.buffered.pop(0)
        return self._next(timeout)

    def _next(self, timeout: float | None):
        if self.ended:
            return END
        while True:
            try:
                kind, value = self.queue.get(timeout=timeout) if timeout != 0 else self.queue.get_nowait()
            except queue.Empty:
                return None
            if kind == "group":
                return value
            if kind == "end":
                self.ended = True
                return END
            if kind == "error":
                raise value
            if kind == "tail":
                self.tail = value
                continue
            self.on_event(kind, value)

    def ahead(self, count: int) -> int:
        """Wait until ``count`` groups are known or the input ends; how many there are (at most ``count``)."""
        while len(self.buffered) < count and not self.ended:
            got = self._next(timeout=None if not self.buffered else 1.0)
            if got is END:
                break
            if got is None:
                if self.buffered:  # a slow feed: start with what is there
                    break
                continue
            self.buffered.append(got)
        return len(self.buffered)

    def close(self) -> None:
        self.stopping.set()


def run_ray(
    request: RunRequest,
    echo: Callable[[str], None],
    warn: Callable[[str], None],
    closing: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> int:
    """Run ``trpipe translate`` on Ray; the same outputs, messages and exit status as the local engine."""
    ray = import_ray()
    from trpipe._version import __version__

    plan = Plan(
        request.inputs,
        request.output,
        request.fmt,
        request.force,
        protect=protected_files(request),
        max_bytes=request.settings.max_bytes,
        feeds=request.settings.extra.get("feeds"),
        allow_private=bool(request.settings.extra.get("allow_private_urls")),
        bilingual=request.bilingual,
        targets=request.settings.targets,
    )
    plan.prepare()
    settings = request.settings
    report = RunReport()
    progress = progress or Progress(enabled=None if request.progress else False, desc="trpipe (ray)")
    if plan.mode != "single":
        progress.set_articles(plan.count())
    warn = progress.interrupt(warn)
    # The driver's session only names models (fingerprints); it never loads one.
    driver = Session(request.models_file, settings, cache=False, glossary=request.glossary)
    address = request.ray.address or os.environ.get(ADDRESS_ENV) or None
    if request.cache and not address:  # a local Ray shares this machine's memory: check it now
        from trpipe.translate.memory import TranslationMemory, memory_path

        TranslationMemory(memory_path(request.cache_dir)).close()
    if not settings.targets:
        driver.settings_for()  # the usage error, before Ray starts
    previous = PreviousOutput.open(plan)

    def fail(name: str, reason: str) -> None:
        report.failed.append((name, reason))
        progress.article_done(ok=False)
        warn(f"error: {shown(name)}: {reason}")

    def on_event(kind: str, value: Any) -> None:
        if kind == "fail":
            fail(*value)
        elif kind == "skip":
            report.skipped += 1
            progress.article_done()

    size = max(1, request.ray.actors)
    feed = Feed(_events(plan, driver, previous), depth=size + 1)
    feed.on_event = on_event
    sink = open_sink(plan.mode, plan.output, echo)

    noted: set[str] = set()  # the non-commercial models whose notice was printed

    def handle(row: _Row, text: str, meta: dict[str, Any]) -> None:
        for key in row.before:
            previous.copy(key, sink)
        for message in meta.get("warnings", []):
            warn(f"warning: {message}")
        report.cache_hits += meta.get("cache_hits", 0)
        if "fatal" in meta:
            raise RayRunError(meta["fatal"], meta["exit_code"])
        if not meta["ok"]:
            if plan.mode == "single":  # one article: its error is the run's, as with the local engine
                kind = meta["error_kind"]
                raise InputError(row.name, meta["error"]) if kind == "input" else PairError(meta["error"])
            fail(row.name, meta["error"])
            return
        try:
            sink.write(row.out, text)  # text, or a document package's bytes
            if previous is not None:
                previous.made(meta.get("fingerprint"), meta.get("doc"))
            plan.done(row.name, row.out)  # a feed entry is remembered in its state folder
        except OutputError as exc:
            if plan.mode in ("single", "stream", "parquet") or stops_run(exc):
                raise
            fail(row.name, str(exc))
            return
        for line in new_notices(meta.get("licences"), noted):
            warn(f"note: {line}")
        report.ok += 1
        report.sentences += meta["sentences"]
        report.flags.update(meta["flags"])
        report.warnings += meta.get("flag_warnings", 0)
        progress.advance(meta["sentences"])
        progress.article_done()

    kept = started = False
    pool: ActorPool | None = None
    try:
        groups = feed.ahead(size)  # nothing to translate: no Ray at all
        if groups:
            started = _start_ray(ray, request, address)
            pool = _pool(ray, request, driver, plan.fmt, __version__, min(size, groups), warn, address)
            for group, results in pool.run(feed):
                progress.expect(len(group.rows))
                for (_index, text, meta), row in zip(results, group.local):
                    handle(row, text, meta)
        for key in feed.tail:  # previous documents after the last new one
            previous.copy(key, sink)
        report.ignored = len(plan.skipped)  # files of the input folders that no reader takes
        report.skipped += len(plan.done_entries)  # feed entries done by an earlier run
        sink.close(keep=True)  # a full disk at the very end stops the run as one before would
        kept = True
    except BaseException as exc:  # stopped early: keep what was done, and what the previous file held
        close_stopped(previous, sink, report, exc)
        raise
    finally:
        feed.close()
        progress.close()
        if pool is not None:
            pool.stop()
        sink.close(keep=kept)
        remove_live_temporaries()
        if previous is not None:
            previous.close()
        driver.close()
        if started:
            ray.shutdown()
    return report.finish(request.strict, closing)


def _events(plan: Plan, driver: Session, previous: PreviousOutput | None) -> Iterator[tuple[str, Any]]:
    """The plan's items as events, in input order: ``("group", Group)``, ``("fail", (name, reason))``,
    ``("skip", None)``, and last ``("tail", fingerprints)`` of the previous documents to copy at the end.
    Runs in the feed's thread: only reads inputs (and previous outputs), never writes."""
    settings = driver.settings
    quiet = lambda message: None  # noqa: E731  (the actor reports what decoding replaced, once)
    copies: list[str] = []  # keys of previous stream documents kept, in input order
    index = 0

    def rows() -> Iterator[tuple[str, Any]]:
        nonlocal copies, index
        for item, out, error in plan.items():
            try:
                if error is not None:
                    raise error
                if item.error:
                    raise InputError(item.name, item.error)
                kind, data = _row_input(item, settings.max_bytes)
                if plan.mode == "single" and kind == "file":
                    read_bytes(item.path or item.name, settings.max_bytes)  # exit 2 before Ray starts
                present = out is not None and exists(out)
                if (present or previous is not None) and not plan.force:
                    if data:
                        source = decode_row(kind, item.name, item.doc_id or "", data, settings, quiet)
                    else:
                        source = item.load(settings, quiet)
                    signature = driver.run_signature(driver.source_language(source, settings), settings, plan.fmt)
                    print_ = fingerprint(source, signature)
                    key = document_key(print_, source.doc_id or source.path)  # as render.common.doc_id
                    if plan.is_current(out, print_) or (previous is not None and previous.has(key)):
                        copies += [key] if previous is not None else []
                        yield "skip", None
                        continue
            except (InputError, PairError) as exc:
                if plan.mode == "single":
                    raise
                yield "fail", (item.name, failure_reason(exc))
                continue
            except TrpipeError:  # a usage, registry or model error concerns every article: the run stops
                raise
            except Exception as exc:  # a bug met on this input only
                failed = article_error(item.name, exc)
                if plan.mode == "single":
                    raise failed from None
                yield "fail", (item.name, failed.reason)
                continue
            row = {
                "index": index,
                "kind": kind,
                "name": item.name,
                "path": item.path or "",
                "doc_id": (item.doc_id or "") if kind == "record" else "",
                "data": data,
            }
            index += 1
            yield "row", (row, _Row(item.name, out, copies), _row_size(item, kind, data))
            copies = []

    def events() -> Iterator[tuple[str, Any]]:
        """Rows grouped as the local engine groups articles; the other events pass through at once."""
        pending: list[tuple[dict[str, Any], _Row, int]] = []
        chars = 0
        for kind, value in rows():
            if kind != "row":
                yield kind, value
                continue
            pending.append(value)
            chars += value[2]
            if len(pending) >= GROUP_ARTICLES or chars >= GROUP_CHARS:  # as ``inputs.grouped`` cuts them
                yield "group", Group([e[0] for e in pending], [e[1] for e in pending])
                pending, chars = [], 0
        if pending:
            yield "group", Group([e[0] for e in pending], [e[1] for e in pending])
        yield "tail", copies

    return events()


def _pool(ray, request: RunRequest, driver: Session, fmt: str, version: str, size: int, warn, address) -> ActorPool:
    """The actor pool of the run: ``size`` actors with the request's resources, checked against the cluster."""
    num_cpus = _cpus_per_actor(request)
    num_gpus = request.ray.num_gpus or None
    if request.cache and not request.cache_dir and not address:
        from trpipe.cachedir import default_cache_dir

        cache_dir = str(default_cache_dir())  # a local Ray: the driver's memory, as with the local engine
    else:
        cache_dir = request.cache_dir  # a cluster: --cache-dir on every node, or each node's default
    fits = _check_resources(ray, size, num_cpus, num_gpus or 0, local=not address, warn=warn)
    kwargs = {
        "registry": driver.registry,
        "settings": driver.settings,
        "fmt": fmt,
        "glossary": driver.glossary,
        "use_cache": request.cache,
        "cache_dir": cache_dir,
        "threads": max(1, round(num_cpus)),
        "version": version,
    }
    arguments = ray.put(kwargs)  # once in the object store, shared by every actor (and every replacement)
    # No restarts and no task retries, on purpose: the pool sends a lost actor's group to another actor
    # (ray_pool's docstring says why); SPREAD puts the actors on different nodes where it can.
    remote = ray.remote(TranslateBatch).options(
        num_cpus=num_cpus,
        num_gpus=num_gpus,
        max_restarts=0,
        max_task_retries=0,
        max_concurrency=1,
        scheduling_strategy="SPREAD",
    )

    def make():
        return remote.remote(**ray.get(arguments))

    describe = f"{num_cpus:g} CPU" + (f" and {num_gpus:g} GPU" if num_gpus else "")
    pool = ActorPool(ray, make, size, warn, ACTORS_START_S, describe)
    pool.start(fits)
    return pool


def _start_ray(ray, request: RunRequest, address: str | None) -> bool:
    """Join the cluster at ``address`` or start a local Ray; True when this call started it (and must shut it
    down)."""
    if ray.is_initialized():
        return False
    common = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address:
        try:
            ray.init(address=address, **common)
        except (ConnectionError, TimeoutError) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UsageError(f"--ray-address {address}: cannot join the Ray cluster ({reason})") from None
    else:
        wanted = math.ceil(request.ray.actors * _cpus_per_actor(request))
        # address="local": a new instance, even where `ray start` left a cluster (or its stale address file)
        ray.init(address="local", num_cpus=max(os.cpu_count() or 1, wanted), **common)
    return True


def _check_resources(ray, actors: int, num_cpus: float, num_gpus: float, local: bool, warn) -> int:
    """How many of the actors the Ray instance or cluster can hold. A local Ray that cannot hold them all is
    a usage error; a cluster may still grow (an autoscaler), so the run starts with those it holds."""
    total = ray.cluster_resources()
    have_cpus, have_gpus = total.get("CPU", 0), total.get("GPU", 0)
    if actors * num_cpus <= have_cpus and actors * num_gpus <= have_gpus:
        return actors
    message = (
        f"{actors} actor(s) with {num_cpus:g} CPU and {num_gpus:g} GPU each need {actors * num_cpus:g} CPU and "
        f"{actors * num_gpus:g} GPU; the Ray {'instance' if local else 'cluster'} has {have_cpus:g} CPU and "
        f"{have_gpus:g} GPU"
    )
    if local:
        raise UsageError(f"--actors/--num-cpus/--num-gpus: {message}")
    fits = [have_cpus // num_cpus if num_cpus else actors, have_gpus // num_gpus if num_gpus else actors]
    holds = int(max(0, min(actors, *fits)))
    warn(f"warning: {message}; the run starts with {max(holds, 1)} and the others join when the cluster grows")
    return holds
