"""The local engine: the plan's articles through one Session in this process, into the plan's sink.

Articles are translated in groups (their sentences share model batches, their summaries too) and each is
written as soon as its group is done, so a killed run loses at most one group; the rerun resumes. A stream
or Parquet file stopped early is kept with the new documents and the previous file's others (``stream.close_stopped``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from trpipe.devices import check_device
from trpipe.engines.plan import Plan, failure_reason, fingerprint, grouped, protected_files
from trpipe.engines.report import RunReport
from trpipe.engines.request import RunRequest
from trpipe.engines.sinks import Sink, open_sink, remove_live_temporaries, stops_run
from trpipe.engines.stream import PreviousOutput, close_stopped, document_key
from trpipe.errors import InputError, OutputError, PairError, TrpipeError, shown
from trpipe.heap import release
from trpipe.progress import Progress
from trpipe.records import Document, Source
from trpipe.render import render
from trpipe.render.common import doc_id
from trpipe.render.json import json_document
from trpipe.session import GROUP_ARTICLES, GROUP_CHARS, Session, article_error

log = logging.getLogger("trpipe")


def run_local(
    request: RunRequest,
    echo: Callable[[str], None],
    warn: Callable[[str], None],
    closing: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> int:
    """Run ``trpipe translate`` in this process; return the exit status (errors that stop the run are raised)."""
    from trpipe.render.parquet import parquet_available

    check_device(request.settings.device)  # before any work: no model library is imported to learn it
    plan = Plan(
        request.inputs,
        request.output,
        request.fmt,
        request.force,
        parquet_ok=not str(request.output or "").lower().endswith(".parquet") or parquet_available(),  # 0.5 s import
        protect=protected_files(request),
        max_bytes=request.settings.max_bytes,
        feeds=request.settings.extra.get("feeds"),
        allow_private=bool(request.settings.extra.get("allow_private_urls")),
        bilingual=request.bilingual,
        targets=request.settings.targets,
    )
    plan.prepare()
    progress = progress or Progress(enabled=None if request.progress else False)
    if plan.mode != "single":
        progress.set_articles(plan.count())
    warn = progress.interrupt(warn)
    report = RunReport()
    session = Session(
        request.models_file,
        request.settings,
        cache=request.cache,
        cache_dir=request.cache_dir,
        glossary=request.glossary,
        progress=progress,
        on_warning=_warning(warn),
    )
    previous = PreviousOutput.open(plan)
    try:
        sink = open_sink(plan.mode, plan.output, echo)
        kept = False
        try:
            if plan.mode == "single":
                run_single(plan, session, sink, report, warn)
            else:
                run_many(plan, session, sink, report, warn, previous)
            sink.close(keep=True)  # a full disk at the very end stops the run as one before would
            kept = True
        except BaseException as exc:  # stopped early: keep what was done, and what the previous file held
            close_stopped(previous, sink, report, exc)
            raise
        finally:
            sink.close(keep=kept)
    finally:
        if previous is not None:
            previous.close()
        remove_live_temporaries()
        progress.close()
        report.cache_hits = session.cache_hits()
        session.close()
    return report.finish(request.strict, closing)


def run_single(plan: Plan, session: Session, sink: Sink, report: RunReport, warn: Callable[[str], None]) -> None:
    """One article: its errors are the run's (exit 2 for bad input); -o FILE or stdout.

    With ``-o``, an output that is complete and current (same source and settings) is not redone.
    """
    settings = session.settings_for()
    ((item, out, _),) = list(plan.items())
    source = item.load(settings, _warning(warn))
    print_ = fingerprint(source, session.run_signature(session.source_language(source, settings), settings, plan.fmt))
    if plan.is_current(out, print_):
        report.skipped = 1
        skipped(item.name, out)
        return
    document = session.run(source, settings)
    document.provenance["fingerprint"] = print_
    sink.write(out, render(document, plan.fmt))
    report.count(document)


def skipped(name: str, out: object) -> None:
    """The info line (-v) of an article not redone: its output is complete and current."""
    log.info("skipped %s: its output in %s is current (--force redoes it)", shown(name), shown(out or "-"))


def _warning(warn: Callable[[str], None]) -> Callable[[str], None]:
    return lambda message: warn(f"warning: {message}")


def run_many(
    plan: Plan,
    session: Session,
    sink: Sink,
    report: RunReport,
    warn: Callable[[str], None],
    previous: PreviousOutput | None = None,
    on_article: Callable[[str, Path | None, Document | None], None] | None = None,
) -> None:
    """Every article of the plan, in groups; a failing article is reported and the run goes on.

    ``on_article(name, out, document)`` is told of every article written (its Document) and of every one
    skipped because its output is current (``document`` None: the output holds it); the digest uses it.
    """
    settings = session.settings_for()

    def fail(name: str, reason: str, early: bool = False) -> None:
        report.failed.append((name, reason))
        if early:  # failed before its group: the group's progress does not count it
            session.progress.article_done(ok=False)
        warn(f"error: {shown(name)}: {reason}")

    held: list[str] = []  # keys of previous documents to copy before the next new one

    def pending() -> Iterator[tuple[str, Source, Path | None, str, list[str]]]:
        for item, out, error in plan.items():
            if error is not None:
                fail(item.name, error.reason, early=True)
                continue
            try:
                source = item.load(settings, _warning(warn))
                lang = session.source_language(source, settings)
                print_ = fingerprint(source, session.run_signature(lang, settings, plan.fmt))
            except (InputError, PairError) as exc:
                fail(item.name, failure_reason(exc), early=True)
                continue
            except TrpipeError:  # a usage, registry or model error concerns every article: the run stops
                raise
            except Exception as exc:  # a bug met on this input only
                fail(item.name, article_error(item.name, exc).reason, early=True)
                continue
            key = document_key(print_, source.doc_id or source.path)  # as render.common.doc_id
            if plan.is_current(out, print_) or (previous is not None and previous.has(key)):
                if previous is not None and previous.has(key):
                    held.append(key)  # copied when the articles before it are written: input order
                skipped(item.name, out or plan.output)
                if on_article is not None:
                    on_article(item.name, out, None)
                report.skipped += 1
                session.progress.article_done()
                continue
            before = held[:]
            held.clear()
            yield item.name, source, out, print_, before

    for group in grouped(pending(), GROUP_ARTICLES, GROUP_CHARS, lambda entry: len(entry[1].text)):

        def finished(index: int, result: Document | TrpipeError, group=group) -> None:
            name, _source, out, print_, before = group[index]
            for copied in before:
                previous.copy(copied, sink)
            if isinstance(result, TrpipeError):
                if not isinstance(result, (InputError, PairError)) and result.exit_code != 70:
                    raise result
                fail(name, getattr(result, "reason", None) or str(result))
                return
            result.provenance["fingerprint"] = print_
            try:
                if plan.mode == "parquet":  # a row of the JSON document itself, never rendered to text first
                    sink.write(out, "", json_document(result))
                else:
                    sink.write(out, render(result, plan.fmt))
                if previous is not None:
                    previous.made(print_, doc_id(result))
                plan.done(name, out)
            except OutputError as exc:
                if stops_run(exc) or plan.mode in ("stream", "parquet"):  # one stream: it cannot go on
                    raise
                fail(name, str(exc))
                return
            except Exception as exc:  # a renderer's bug on this article only
                fail(name, article_error(name, exc).reason)
                return
            report.count(result)
            if on_article is not None:
                on_article(name, out, result)

        session.run_group([entry[1] for entry in group], settings, on_result=finished)
        release()  # the group's buffers back to the system: the peak does not creep up group after group
    for copied in held:  # previous documents after the last new one
        previous.copy(copied, sink)
    report.ignored = len(plan.skipped)
    report.skipped += len(plan.done_entries)
