"""``trpipe translate --engine ray``: the same run on a Ray cluster (``pip install 'trpipe[ray]'``).

The work is split like this:

driver (this process)
    expands the inputs (streamed, as with the local engine), refuses colliding output names, and decides
    what to skip: an input whose output exists is read here and fingerprinted with the same
    ``Pipeline.run_signature`` as the local engine (a Pipeline that holds the registry but never loads a
    model). The rest becomes a Ray Dataset of small rows (index, name, path; the text itself only for
    JSONL records and stdin), one block per group of articles: the local engine's groups. The driver
    then writes every output as results stream back, in input order: files atomically with their
    fingerprint, one JSONL stream, or one Parquet file. Writing on the driver needs no shared filesystem
    for outputs, keeps the resume logic in one place, and costs only shipping the rendered text back
    (kilobytes per article, next to seconds of translation).
Ray Data (``map_batches`` with the callable class ``TranslateBatch``, a fixed pool of actors)
    each actor builds one Pipeline, so the translation and summary models are loaded once per actor. A
    call gets one group: the actor reads its files (a file that cannot be read is a failed article with
    the local engine's message, not a failed job), runs ``Pipeline.run_group`` (the articles' sentences
    share model batches) and returns each article rendered, with what the report needs.

The translation memory is shared by the actors of one node and not across nodes: every actor opens the
SQLite memory at the same path, which is safe for several processes on one machine (WAL) and unsafe on a
network filesystem, so on a cluster each node keeps its own memory on its local disk. The memory only
saves model time; resuming a run rests on the output fingerprints, which do not depend on it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from trpipe.batch import (
    InputItem,
    RunReport,
    check_output_folder,
    expand_inputs,
    fingerprint,
    grouped,
    is_collection,
    output_is_current,
    remove_stale_temporaries,
)
from trpipe.errors import InputError, MissingExtraError, OutputError, PairError, TrpipeError, UsageError
from trpipe.pipeline import Pipeline, Settings
from trpipe.progress import Progress
from trpipe.ray_actor import TranslateBatch, _decode
from trpipe.read import STDIN, read_bytes
from trpipe.registry import load_registry
from trpipe.render import SUFFIXES, check_writable, file_mode, write_atomic
from trpipe.run import OutputStream, RunOptions, RunResult, choose_format, finish_run

# Articles per map_batches call (one Pipeline.run_group): the defaults of batch.run_articles.
BATCH_ARTICLES = 16
GROUP_CHARS = 200_000
ACTORS_START_S = 900  # how long the actor pool may take to start (and load its models)
_TEXT_COLUMNS = ("kind", "name", "path", "doc_id")
PARQUET_SUFFIX = ".parquet"


class RayRunError(TrpipeError):
    """An error raised in an actor that stops the run (a model that cannot be loaded, a bad device, ...)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def _import_ray():
    try:
        import ray
        import ray.data  # ray without the [data] extra fails here (no pyarrow)
    except ImportError:
        raise MissingExtraError("ray", "ray", "--engine ray") from None
    return ray


# ------------------------------------------------------------------------------------- in the actors


def _no_models(spec):
    raise RuntimeError(f"the Ray driver never loads models (asked for {spec.model})")


class _Plan:
    """What the driver sends to Ray (rows) and what it needs to handle each result (items, outputs)."""

    def __init__(self):
        self.rows: list[dict[str, Any]] = []
        self.items: list[InputItem] = []
        self.outputs: list[Path | None] = []
        self.sizes: list[int] = []  # bytes, for grouping (the local engine counts characters)

    def add(self, item: InputItem, out: Path | None, kind: str, data: bytes = b"") -> None:
        self.rows.append(
            {
                "index": len(self.items),
                "kind": kind,
                "name": item.name,
                "path": item.path or "",
                "doc_id": item.doc_id or "" if kind == "record" else "",
                "data": data,
            }
        )
        self.items.append(item)
        self.outputs.append(out)
        size = len(data)
        if kind == "file":
            with contextlib.suppress(OSError):
                size = os.stat(item.path or item.name).st_size
        self.sizes.append(size)


def _input(item: InputItem) -> tuple[str, bytes]:
    """``(kind, data)``: files are read by the actors; records and stdin travel with the row."""
    if item.record_text is not None:
        return "record", item.record_text.encode("utf-8")
    if item.path == STDIN:
        return "bytes", read_bytes(STDIN)
    return "file", b""


def _current(item: InputItem, kind: str, data: bytes, out: Path, driver: Pipeline, fmt: str, encoding) -> bool:
    """Whether ``out`` is complete and current for ``item``: read and fingerprinted here, as the local engine does."""
    if not out.exists():
        return False
    source = _decode(kind, item.name, "", data, encoding) if kind == "bytes" else item.load(encoding)  # stdin: once
    return output_is_current(out, fingerprint(source, driver.run_signature(driver.source_language(source), fmt)))


def _plan(
    items: Iterator[InputItem],
    driver: Pipeline,
    fmt: str,
    options: RunOptions,
    folder: Path | None,
    fail: Callable[[str, str], None],
    report: RunReport,
) -> _Plan:
    """Decide, as ``batch.run_articles`` does, which inputs fail at once, which are current, which to run."""
    plan = _Plan()
    used: dict[Path, str] = {}
    for item in items:
        out = item.output_path(folder, SUFFIXES[fmt]) if folder is not None else None
        try:
            if out is not None:
                if out in used:
                    raise InputError(item.name, f"its output {out} would overwrite that of {used[out]}")
                used[out] = item.name
            if item.error:
                raise InputError(item.name, item.error)
            kind, data = _input(item)
            if out is not None and not options.force and _current(item, kind, data, out, driver, fmt, options.encoding):
                report.skipped += 1
                continue
        except (InputError, PairError) as exc:
            fail(item.name, exc.reason if isinstance(exc, InputError) else str(exc))
            continue
        plan.add(item, out, kind, data)
    return plan


def _plan_one(driver: Pipeline, fmt: str, options: RunOptions, report: RunReport) -> _Plan:
    """A single article, as ``run._run_one``: errors are raised (exit 2), a current ``-o`` is not redone."""
    if options.output:
        check_writable(options.output)
    (item,) = list(expand_inputs(options.inputs))
    kind, data = _input(item)
    if kind == "file":
        read_bytes(item.path or item.name)  # a missing or unreadable file is exit 2 before Ray starts
    out = Path(options.output) if options.output else None
    plan = _Plan()
    if out is not None and not options.force and _current(item, kind, data, out, driver, fmt, options.encoding):
        report.skipped = 1
    else:
        plan.add(item, out, kind, data)
    return plan


class _ParquetSink:
    """One Parquet file (a row per article: ids, languages, fingerprint, the JSON document), replaced atomically."""

    def __init__(self, output: str):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa, self.output = pa, Path(output)
        self.schema = pa.schema(
            [(name, pa.string()) for name in ("doc", "source_path", "source_lang", "target_lang", "fingerprint")]
            + [("document", pa.string())]
        )
        check_writable(self.output)
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.output.name}.", suffix=".tmp", dir=self.output.parent)
        except OSError as exc:
            raise OutputError(f"{output}: cannot be written ({exc.strerror or exc})") from None
        os.close(fd)
        self.writer = pq.ParquetWriter(self.tmp, self.schema)
        self.pending: list[dict[str, str]] = []

    def write(self, text: str, doc: str) -> None:
        document = json.loads(text)
        self.pending.append(
            {
                "doc": doc,
                "source_path": document["source"]["path"],
                "source_lang": document["source"]["lang"],
                "target_lang": document["target_lang"],
                "fingerprint": document["provenance"].get("fingerprint"),
                "document": text,
            }
        )
        if len(self.pending) >= 256:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.writer.write_table(self.pa.Table.from_pylist(self.pending, schema=self.schema))
            self.pending = []

    def close(self, keep: bool) -> None:
        try:
            if keep:
                self.flush()
            self.writer.close()
            if keep:
                os.chmod(self.tmp, file_mode())
                os.replace(self.tmp, self.output)
        finally:
            Path(self.tmp).unlink(missing_ok=True)


def _cpus_per_actor(options: RunOptions) -> float:
    given = options.ray.get("num_cpus")
    return 1.0 if given is None else float(given)


def _start_ray(ray, options: RunOptions) -> bool:
    """Join ``--ray-address`` or start a local Ray; True when this call started it (and must shut it down)."""
    if ray.is_initialized():
        return False
    common = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    address = options.ray.get("address")
    if address:
        try:
            ray.init(address=address, **common)
        except (ConnectionError, TimeoutError) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UsageError(f"--ray-address {address}: cannot join the Ray cluster ({reason})") from None
    else:
        actors = int(options.ray.get("actors") or 1)
        wanted = math.ceil(actors * _cpus_per_actor(options))
        # address="local": a new instance, even where `ray start` left a cluster (or its stale address file)
        ray.init(address="local", num_cpus=max(os.cpu_count() or 1, wanted), **common)
    return True


def run_ray(
    options: RunOptions,
    echo: Callable[[str], None],
    warn: Callable[[str], None],
    closing: Callable[[str], None] | None = None,
) -> int:
    """Run ``trpipe translate`` on Ray; the same outputs, messages and exit status as the local engine."""
    ray = _import_ray()
    from trpipe import __version__

    result = RunResult(RunReport())
    report = result.report
    registry = load_registry(options.models_file)
    glossary = None
    if options.glossary:
        from trpipe.checks import load_glossary

        glossary = load_glossary(options.glossary)
    collection = is_collection(options.inputs)
    parquet = collection and bool(options.output) and Path(options.output).suffix.lower() == PARQUET_SUFFIX
    if parquet:
        if options.fmt not in (None, "json"):
            raise UsageError(f"-o {options.output}: a Parquet dataset holds JSON documents, not --format {options.fmt}")
        fmt = "json"
    else:
        fmt = choose_format(options, collection)
    driver = Pipeline(
        registry,
        Settings(**dict(options.settings)),
        translator_factory=_no_models,
        summariser_factory=_no_models,
        glossary=glossary,
    )
    progress = Progress(enabled=None if options.progress else False, desc="translating (ray)")
    warn = progress.interrupt(warn)

    def fail(name: str, reason: str) -> None:
        report.failed.append((name, reason))
        warn(f"error: {name}: {reason}")

    try:
        if not collection:
            mode, plan = "single", _plan_one(driver, fmt, options, report)
        else:
            stream = fmt == "jsonl" and not (options.output and Path(options.output).is_dir())
            mode = "parquet" if parquet else "stream" if stream else "folder"
            folder = check_output_folder(options.output) if mode == "folder" else None
            plan = _plan(expand_inputs(options.inputs), driver, fmt, options, folder, fail, report)
        sink: Any = None
        if mode == "stream":
            sink = OutputStream(options.output, echo)
        elif mode == "parquet":
            sink = _ParquetSink(options.output)
    except BaseException:
        progress.close()
        raise

    def handle(index: int, text: str, meta: dict[str, Any]) -> None:
        item, out = plan.items[index], plan.outputs[index]
        for message in meta.get("warnings", []):
            warn(f"warning: {message}")
        report.cache_hits += meta.get("cache_hits", 0)
        if "fatal" in meta:
            raise RayRunError(meta["fatal"], meta["exit_code"])
        if not meta["ok"]:
            if mode == "single":  # one article: its error is the run's, as with the local engine
                raise (
                    InputError(item.name, meta["error"]) if meta["error_kind"] == "input" else PairError(meta["error"])
                )
            fail(item.name, meta["error"])
            progress.article_done(ok=False)
            return
        result.flags.update(meta["flags"])
        report.sentences += meta["sentences"]
        if out is not None:  # a folder's file, or the single article's -o
            remove_stale_temporaries(out)
            write_atomic(out, text)
        elif mode == "single":
            echo(text)
        elif mode == "stream":
            sink.write(text)
        else:
            sink.write(text, meta["doc"])
        report.ok += 1
        progress.add_sentences(meta["sentences"])
        progress.sentences_done(meta["sentences"])
        progress.article_done()

    kept = started = False
    try:
        if plan.rows:
            started = _start_ray(ray, options)
            with contextlib.closing(
                _execute(ray, plan.rows, plan.sizes, options, registry, glossary, fmt, __version__, warn)
            ) as results:
                for index, text, meta in results:
                    handle(index, text, meta)
        kept = True
    finally:
        progress.close()
        if sink is not None:
            sink.close(keep=kept)
        if started:
            ray.shutdown()
    return finish_run(result, options, closing)


def _execute(ray, rows, sizes, options: RunOptions, registry, glossary, fmt: str, version: str, warn):
    """Translate ``rows`` on a pool of actors; yield ``(index, text, meta)`` in input order as results arrive."""
    import pyarrow as pa
    from ray.data import ActorPoolStrategy, DataContext

    actors = int(options.ray.get("actors") or 1)
    num_cpus = _cpus_per_actor(options)
    num_gpus = options.ray.get("num_gpus") or None
    if options.use_cache and not options.cache_dir and not options.ray.get("address"):
        from trpipe.translate.memory import default_cache_dir

        cache_dir = str(default_cache_dir())  # a local Ray: the driver's memory, as with the local engine
    else:
        cache_dir = options.cache_dir  # a cluster: --cache-dir on every node, or each node's default
    # One Arrow block per group of articles, the local engine's groups: a model's output can depend on the
    # other sentences in its batch (padding), so the same groups give the same translations.
    schema = pa.schema([("index", pa.int64())] + [(k, pa.string()) for k in _TEXT_COLUMNS] + [("data", pa.binary())])
    groups = grouped(zip(rows, sizes), BATCH_ARTICLES, GROUP_CHARS, lambda entry: entry[1])
    blocks = [pa.Table.from_pylist([row for row, _ in group], schema=schema) for group in groups]
    pool = min(actors, len(blocks))  # no actor without a group to do
    _check_resources(ray, pool, num_cpus, num_gpus or 0, local=not options.ray.get("address"), warn=warn)

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
                "registry": registry,
                "settings": dict(options.settings),
                "fmt": fmt,
                "encoding": options.encoding,
                "glossary": glossary,
                "use_cache": options.use_cache,
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
