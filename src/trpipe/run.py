"""The ``translate`` command as a library call: one article or many, outputs, exit status.

``cli.py`` only turns options into a RunOptions and calls ``run_translate``; Python users can do
the same without Click.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trpipe.batch import (
    InputItem,
    RunReport,
    check_output_folder,
    expand_inputs,
    fingerprint,
    is_collection,
    output_is_current,
    remove_stale_temporaries,
    run_articles,
)
from trpipe.errors import OutputError
from trpipe.pipeline import Pipeline, Settings
from trpipe.progress import Progress
from trpipe.records import Document
from trpipe.registry import ModelSpec, load_registry
from trpipe.render import SUFFIXES, check_writable, file_mode, format_for_path, render, write_atomic
from trpipe.translate.base import Translator, load_translator

EXIT_OK, EXIT_SOME_FAILED, EXIT_FLAGGED = 0, 1, 3


@dataclass
class RunOptions:
    """Everything ``trpipe translate`` was asked to do."""

    inputs: list[str]
    settings: dict[str, Any]
    output: str | None = None
    fmt: str | None = None
    models_file: str | None = None
    encoding: str | None = None
    glossary: str | None = None
    strict: bool = False
    cache_dir: str | None = None
    use_cache: bool = True
    force: bool = False
    progress: bool = True
    engine: str = "local"
    ray: dict[str, Any] = field(default_factory=dict)  # address, actors, num_cpus, num_gpus


@dataclass
class RunResult:
    report: RunReport
    flags: Counter = field(default_factory=Counter)


def translator_factory(settings: Settings, use_cache: bool, cache_dir: str | None) -> Callable[[ModelSpec], Translator]:
    """Loads a backend for a spec, wrapped by the translation memory unless it is bypassed.

    The memory is opened before the model is loaded, so that a broken cache fails at once.
    ``--cache-dir`` also moves the CTranslate2 conversions of hub models.
    """

    def make(spec: ModelSpec) -> Translator:
        memory = None
        if use_cache:
            from trpipe.translate.memory import CachedTranslator, TranslationMemory, memory_path

            memory = TranslationMemory(memory_path(cache_dir))
        options: dict[str, Any] = {"device": settings.device}
        if settings.backend == "ctranslate2" and cache_dir:
            options["cache_dir"] = cache_dir
        try:
            translator = load_translator(spec, settings.backend, **options)
        except BaseException:
            if memory is not None:
                memory.close()
            raise
        return CachedTranslator(translator, memory) if memory is not None else translator

    return make


def choose_format(options: RunOptions, collection: bool) -> str:
    if options.fmt:
        return options.fmt
    if options.output and (not collection or Path(options.output).suffix.lower() in (".jsonl", ".ndjson")):
        return format_for_path(options.output)
    return "md"


class OutputStream:
    """One output stream for many documents (JSONL): stdout, or a file replaced atomically at the end."""

    def __init__(self, output: str | None, echo: Callable[[str], None]):
        self.output, self.echo, self.handle, self.tmp = output, echo, None, None
        if output:
            target = Path(output)
            check_writable(target)
            try:
                fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            except OSError as exc:
                raise OutputError(f"{output}: cannot be written ({exc.strerror or exc})") from None
            self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def write(self, text: str) -> None:
        if self.handle:
            self.handle.write(text)
        else:
            self.echo(text)

    def close(self, keep: bool) -> None:
        if self.handle:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            if keep:
                os.chmod(self.tmp, file_mode())
                os.replace(self.tmp, self.output)
            else:
                Path(self.tmp).unlink(missing_ok=True)


def run_translate(
    options: RunOptions,
    echo: Callable[[str], None],
    warn: Callable[[str], None],
    closing: Callable[[str], None] | None = None,
) -> int:
    """Run ``trpipe translate``; return the exit status (errors that stop the run are raised)."""
    if options.engine == "ray":
        from trpipe.ray_engine import run_ray

        return run_ray(options, echo, warn, closing)
    registry = load_registry(options.models_file)
    settings = Settings(**options.settings)
    glossary = None
    if options.glossary:
        from trpipe.checks import load_glossary

        glossary = load_glossary(options.glossary)
    collection = is_collection(options.inputs)
    fmt = choose_format(options, collection)
    progress = Progress(enabled=None if options.progress else False)
    warn = progress.interrupt(warn)
    pipeline = Pipeline(
        registry,
        settings,
        progress,
        translator_factory=translator_factory(settings, options.use_cache, options.cache_dir),
        on_warning=lambda message: warn(f"warning: {message}"),
        glossary=glossary,
    )
    result = RunResult(RunReport())

    def count(document: Document) -> None:
        result.flags.update(flag["check"] for seg in document.segments for flag in seg.flags)

    try:
        if not collection:
            _run_one(options, pipeline, fmt, echo, result, count)
        elif fmt == "jsonl" and not (options.output and Path(options.output).is_dir()):
            stream = OutputStream(options.output, echo)
            kept = False
            try:
                run_articles(
                    expand_inputs(options.inputs),
                    pipeline,
                    lambda item, doc, out: (count(doc), stream.write(render(doc, fmt))),
                    result.report,
                    fmt=fmt,
                    encoding=options.encoding,
                    on_failure=lambda n, r: warn(f"error: {n}: {r}"),
                )
                kept = True
            finally:
                stream.close(keep=kept)
        else:
            folder = check_output_folder(options.output)

            def emit(item: InputItem, document: Document, out: Path | None) -> None:
                count(document)
                write_atomic(out, render(document, fmt))

            run_articles(
                expand_inputs(options.inputs),
                pipeline,
                emit,
                result.report,
                folder=folder,
                suffix=SUFFIXES[fmt],
                fmt=fmt,
                force=options.force,
                encoding=options.encoding,
                on_failure=lambda n, r: warn(f"error: {n}: {r}"),
            )
    finally:
        progress.close()
        result.report.cache_hits = sum(getattr(t, "hits", 0) for t in pipeline.translators())
        pipeline.close()
    return finish_run(result, options, closing)


def finish_run(result: RunResult, options: RunOptions, closing: Callable[[str], None] | None) -> int:
    """The closing lines (counts, flags by check, failed articles) and the exit status of a run."""
    report = result.report
    if closing:
        closing(report.closing_line())
        if result.flags:
            closing("flags: " + ", ".join(f"{check} {n}" for check, n in sorted(result.flags.items())))
        if report.failed:
            closing("failed: " + "; ".join(f"{name} ({reason})" for name, reason in report.failed))
    if report.failed:
        return EXIT_SOME_FAILED
    if options.strict and result.flags:
        return EXIT_FLAGGED
    return EXIT_OK


def _run_one(options: RunOptions, pipeline: Pipeline, fmt: str, echo, result: RunResult, count) -> None:
    """A single article: errors are raised (exit 2 for bad input), output to -o or stdout.

    With ``-o``, an output that is complete and current (same source and settings) is not redone.
    """
    if options.output:
        check_writable(options.output)
    (item,) = list(expand_inputs(options.inputs))
    source = item.load(options.encoding)
    print_ = fingerprint(source, pipeline.run_signature(pipeline.source_language(source), fmt))
    if options.output and not options.force and output_is_current(Path(options.output), print_):
        result.report.skipped = 1
        return
    document = pipeline.run(source)
    document.provenance["fingerprint"] = print_
    count(document)
    text = render(document, fmt)
    if options.output:
        remove_stale_temporaries(Path(options.output))
        write_atomic(options.output, text)
    else:
        echo(text)
    result.report.ok = 1
    result.report.sentences = sum(len(seg.sentences) for seg in document.segments)
