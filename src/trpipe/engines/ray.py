"""The Ray engine (``--engine ray``, extra ``trpipe[ray]``): the same plan on a Ray cluster.

driver (this process)
    builds the run's Plan exactly as the local engine does (names, refusals, collisions) and decides what
    to skip: an input whose output exists is read here and fingerprinted with the same
    ``Session.run_signature`` (a Session that never loads a model). The rest becomes a Ray Dataset of
    small rows (index, name, path; the text itself only for JSONL records and stdin), one block per group
    of articles: the local engine's groups. The driver then writes every output into the plan's sink as
    results stream back, in input order. Writing on the driver needs no shared filesystem for outputs,
    keeps the resume logic in one place, and costs only shipping the rendered text back.
Ray Data (``map_batches`` with the callable class ``ray_actor.TranslateBatch``, a fixed pool of actors)
    each actor holds one Session, so the models are loaded once per actor; a call translates one group.

The translation memory is shared by the actors of one node, not across nodes (SQLite in WAL mode is safe
for processes of one machine, unsafe on a network filesystem).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import logging
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trpipe.engines.plan import InputItem, Plan, failure_reason, fingerprint, grouped, protected_files
from trpipe.engines.ray_actor import TranslateBatch, decode_row
from trpipe.engines.report import RunReport
from trpipe.engines.request import RunRequest
from trpipe.engines.sinks import open_sink, remove_live_temporaries, stops_run
from trpipe.engines.stream import PreviousOutput, salvage
from trpipe.errors import InputError, MissingExtraError, OutputError, PairError, TrpipeError, UsageError, shown
from trpipe.paths import exists
from trpipe.progress import Progress
from trpipe.read import STDIN, read_bytes
from trpipe.session import GROUP_ARTICLES, GROUP_CHARS, Session, article_error

ACTORS_START_S = 900  # how long the actor pool may take to start (and load its models)
_TEXT_COLUMNS = ("kind", "doc_id")
_NAME_COLUMNS = ("name", "path")  # bytes (os.fsencode): a file name need not be valid UTF-8


class RayRunError(TrpipeError):
    """An error raised in an actor that stops the run (a model that cannot be loaded, a bad device, ...)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def import_ray():
    try:
        import ray
        import ray.data  # ray without the [data] extra fails here (no pyarrow)
    except ImportError:
        raise MissingExtraError("ray", "ray", "--engine ray") from None
    return ray


class _Work:
    """What the driver sends to Ray (rows) and what it needs to handle each result (names, outputs)."""

    def __init__(self):
        self.rows: list[dict[str, Any]] = []
        self.names: list[str] = []
        self.outputs: list[Path | None] = []
        self.prints: list[str | None] = []
        self.sizes: list[int] = []  # bytes, for grouping (the local engine counts characters)
        self.before: list[list[str]] = []  # a resumed stream: previous lines to copy before each row

    def add(self, item: InputItem, out: Path | None, kind: str, data: bytes, copies: list[str]) -> None:
        self.rows.append(
            {
                "index": len(self.names),
                "kind": kind,
                "name": os.fsencode(item.name),
                "path": os.fsencode(item.path or ""),
                "doc_id": (item.doc_id or "") if kind == "record" else "",
                "data": data,
            }
        )
        self.names.append(item.name)
        self.outputs.append(out)
        self.before.append(copies)
        size = len(data)
        if kind == "file":
            with contextlib.suppress(OSError):
                size = os.stat(item.path or item.name).st_size
        self.sizes.append(size)


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


def _cpus_per_actor(request: RunRequest) -> float:
    return 1.0 if request.ray.num_cpus is None else float(request.ray.num_cpus)


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
    warn = progress.interrupt(warn)
    # The driver's session only names models (fingerprints); it never loads one.
    driver = Session(request.models_file, settings, cache=False, glossary=request.glossary)
    if request.cache and not request.ray.address:  # a local Ray shares this machine's memory: check it now
        from trpipe.translate.memory import TranslationMemory, memory_path

        TranslationMemory(memory_path(request.cache_dir)).close()
    if not settings.targets:
        driver.settings_for()  # the usage error, before Ray starts
    previous = PreviousOutput.open(plan)

    def fail(name: str, reason: str) -> None:
        report.failed.append((name, reason))
        progress.article_done(ok=False)
        warn(f"error: {shown(name)}: {reason}")

    quiet = lambda message: None  # noqa: E731  (the actor reports what decoding replaced, once)

    work = _Work()
    copies: list[str] = []  # fingerprints of previous stream lines kept, in input order
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
                if plan.is_current(out, print_) or (previous is not None and previous.has(print_)):
                    copies += [print_] if previous is not None else []
                    report.skipped += 1
                    continue
        except (InputError, PairError) as exc:
            if plan.mode == "single":
                raise
            fail(item.name, failure_reason(exc))
            continue
        except TrpipeError:  # a usage, registry or model error concerns every article: the run stops
            raise
        except Exception as exc:  # a bug met on this input only
            failed = article_error(item.name, exc)
            if plan.mode == "single":
                raise failed from None
            fail(item.name, failed.reason)
            continue
        work.add(item, out, kind, data, copies)
        copies = []

    sink = open_sink(plan.mode, plan.output, echo)

    def handle(index: int, text: str, meta: dict[str, Any]) -> None:
        name, out = work.names[index], work.outputs[index]
        for print_ in work.before[index]:
            previous.copy(print_, sink)
        for message in meta.get("warnings", []):
            warn(f"warning: {message}")
        report.cache_hits += meta.get("cache_hits", 0)
        if "fatal" in meta:
            raise RayRunError(meta["fatal"], meta["exit_code"])
        if not meta["ok"]:
            if plan.mode == "single":  # one article: its error is the run's, as with the local engine
                kind = meta["error_kind"]
                raise InputError(name, meta["error"]) if kind == "input" else PairError(meta["error"])
            fail(name, meta["error"])
            return
        try:
            sink.write(out, base64.b64decode(text) if meta.get("binary") else text)
            if previous is not None:
                previous.made(meta.get("fingerprint"), meta.get("doc"))
            plan.done(name, out)  # a feed entry is remembered in its state folder
        except OutputError as exc:
            if plan.mode in ("single", "stream", "parquet") or stops_run(exc):
                raise
            fail(name, str(exc))
            return
        report.ok += 1
        report.sentences += meta["sentences"]
        report.flags.update(meta["flags"])
        progress.advance(meta["sentences"])
        progress.article_done()

    kept = started = False
    try:
        if work.rows:
            progress.set_articles(len(work.rows))
            progress.expect(len(work.rows))
            started = _start_ray(ray, request)
            with contextlib.closing(_execute(ray, work, request, driver, plan.fmt, __version__, warn)) as results:
                for index, text, meta in results:
                    handle(index, text, meta)
        for print_ in copies:  # previous lines after the last new one
            previous.copy(print_, sink)
        report.ignored = len(plan.skipped)
        report.skipped += len(plan.done_entries)
        kept = True
    except BaseException:  # stopped early: keep what was done, and what the previous file held
        kept = salvage(previous, sink, report)
        raise
    finally:
        progress.close()
        sink.close(keep=kept)
        remove_live_temporaries()
        if previous is not None:
            previous.close()
        driver.close()
        if started:
            ray.shutdown()
    return report.finish(request.strict, closing)


def _start_ray(ray, request: RunRequest) -> bool:
    """Join ``--ray-address`` or start a local Ray; True when this call started it (and must shut it down)."""
    if ray.is_initialized():
        return False
    common = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    address = request.ray.address
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


def _execute(ray, work: _Work, request: RunRequest, driver: Session, fmt: str, version: str, warn):
    """Translate the rows on a pool of actors; yield ``(index, text, meta)`` in input order as results arrive."""
    import pyarrow as pa
    from ray.data import ActorPoolStrategy, DataContext

    num_cpus = _cpus_per_actor(request)
    num_gpus = request.ray.num_gpus or None
    if request.cache and not request.cache_dir and not request.ray.address:
        from trpipe.cachedir import default_cache_dir

        cache_dir = str(default_cache_dir())  # a local Ray: the driver's memory, as with the local engine
    else:
        cache_dir = request.cache_dir  # a cluster: --cache-dir on every node, or each node's default
    # One Arrow block per group of articles, the local engine's groups: a model's output can depend on the
    # other sentences in its batch (padding), so the same groups give the same translations.
    columns = [(k, pa.string()) for k in _TEXT_COLUMNS] + [(k, pa.binary()) for k in (*_NAME_COLUMNS, "data")]
    schema = pa.schema([("index", pa.int64()), *columns])
    groups = grouped(zip(work.rows, work.sizes), GROUP_ARTICLES, GROUP_CHARS, lambda entry: entry[1])
    blocks = [pa.Table.from_pylist([row for row, _ in group], schema=schema) for group in groups]
    pool = min(request.ray.actors, len(blocks))  # no actor without a group to do
    _check_resources(ray, pool, num_cpus, num_gpus or 0, local=not request.ray.address, warn=warn)

    context = DataContext.get_current()
    saved = (
        context.enable_progress_bars,
        context.print_on_execution_start,
        context.execution_options.preserve_order,
        context.wait_for_min_actors_s,
    )
    ray_data_log = logging.getLogger("ray.data")
    saved_level = ray_data_log.level
    context.enable_progress_bars = False  # trpipe draws its own bar
    context.print_on_execution_start = False
    context.execution_options.preserve_order = True  # outputs, messages and JSONL in input order
    # Start the whole pool (models loaded) before the first group, so that groups spread over the actors,
    # and fail clearly where the cluster cannot hold it.
    context.wait_for_min_actors_s = ACTORS_START_S
    ray_data_log.setLevel(logging.ERROR)
    try:
        dataset = ray.data.from_arrow(blocks)
        dataset = dataset.map_batches(  # batch_size=None: every call gets one whole block, i.e. one group
            TranslateBatch,
            batch_format="numpy",
            batch_size=None,
            # A group goes to an idle actor, not behind another in a busy one.
            compute=ActorPoolStrategy(size=pool, max_tasks_in_flight_per_actor=1),
            num_cpus=num_cpus,
            num_gpus=num_gpus,
            fn_constructor_kwargs={
                "registry": driver.registry,
                "settings": driver.settings,
                "fmt": fmt,
                "glossary": driver.glossary,
                "use_cache": request.cache,
                "cache_dir": cache_dir,
                "threads": max(1, round(num_cpus)),
                "version": version,
            },
        )
        try:
            for row in dataset.iter_rows():
                yield int(row["index"]), row["text"], json.loads(row["meta"])
        except ray.exceptions.GetTimeoutError:
            each = f"{num_cpus:g} CPU" + (f" and {num_gpus:g} GPU" if num_gpus else "")
            raise RayRunError(
                f"Ray could not start {pool} actor(s) with {each} each "
                f"within {ACTORS_START_S} s: the cluster lacks the resources, or loading the models takes longer",
                UsageError.exit_code,
            ) from None
    finally:
        context.enable_progress_bars, context.print_on_execution_start = saved[0], saved[1]
        context.execution_options.preserve_order, context.wait_for_min_actors_s = saved[2], saved[3]
        ray_data_log.setLevel(saved_level)


def _check_resources(ray, actors: int, num_cpus: float, num_gpus: float, local: bool, warn) -> None:
    """A local Ray that cannot hold the pool is a usage error; a cluster may still grow (autoscaler)."""
    total = ray.cluster_resources()
    have_cpus, have_gpus = total.get("CPU", 0), total.get("GPU", 0)
    if actors * num_cpus <= have_cpus and actors * num_gpus <= have_gpus:
        return
    message = (
        f"{actors} actor(s) with {num_cpus:g} CPU and {num_gpus:g} GPU each need {actors * num_cpus:g} CPU and "
        f"{actors * num_gpus:g} GPU; the Ray {'instance' if local else 'cluster'} has {have_cpus:g} CPU and "
        f"{have_gpus:g} GPU"
    )
    if local:
        raise UsageError(f"--actors/--num-cpus/--num-gpus: {message}")
    warn(f"warning: {message}; waiting up to {ACTORS_START_S} s for it to grow")
