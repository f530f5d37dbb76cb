"""The command line: parse options, call the library, map errors to exit codes. Nothing else lives here.

Every option can also be set by an environment variable (shown in ``--help``): ``TRPIPE_TO=en``,
``TRPIPE_BACKEND=transformers``, ...; the command line wins over the environment.
"""

from __future__ import annotations

import logging
import os
import signal

import click

from trpipe._version import __version__
from trpipe.commands.digest import digest
from trpipe.commands.models import models
from trpipe.commands.options import BACKENDS, FORMATS, LOG_LEVELS, BackendType, DeviceType, setup_logging
from trpipe.commands.options import option as _option
from trpipe.commands.serve import serve
from trpipe.errors import TrpipeError

__all__ = ["BACKENDS", "FORMATS", "Terminated", "cli", "main"]


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: temporary files removed, a message, exit 128 + signal."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame) -> None:
    raise Terminated(signum)


def _click_error(exc: click.ClickException):
    """Click's error (a bad option, a missing argument, an unknown command) as one line, exit 2."""
    where = getattr(exc, "ctx", None)
    hint = f" (see {where.command_path} --help)" if isinstance(exc, click.UsageError) and where else ""
    click.echo(" ".join(f"trpipe: error: {exc.format_message().rstrip('.')}{hint}".split()), err=True)
    raise click.exceptions.Exit(exc.exit_code)


class TrpipeGroup(click.Group):
    """Turns user errors into one line on stderr and an exit code, never a traceback."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:  # trpipe's own options (trpipe --bogus)
            _click_error(exc)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TrpipeError as exc:
            click.echo(" ".join(f"trpipe: error: {exc}".split()), err=True)
            ctx.exit(exc.exit_code)
        except click.ClickException as exc:  # a bad option or argument: one line too, not Click's usage block
            _click_error(exc)
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Terminated as exc:
            name = signal.Signals(exc.signum).name
            click.echo(f"trpipe: stopped by {name}; outputs written so far are kept, rerun to resume", err=True)
            ctx.exit(128 + exc.signum)
        except KeyboardInterrupt:
            click.echo("trpipe: interrupted; outputs written so far are kept, rerun to resume", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            ctx.exit(141)
        except Exception as exc:  # a bug: one line, unless TRPIPE_DEBUG asks for the traceback
            if os.environ.get("TRPIPE_DEBUG"):
                raise
            detail = " ".join(str(exc).split())
            click.echo(
                f"trpipe: internal error: {type(exc).__name__}: {detail} (TRPIPE_DEBUG=1 shows the traceback)", err=True
            )
            ctx.exit(70)


@click.group(cls=TrpipeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trpipe")
def cli() -> None:
    """Translate foreign-language news articles into cited, bilingual reading material.

    Shell completion: eval "$(_TRPIPE_COMPLETE=bash_source trpipe)" (zsh_source, fish_source for other shells).
    """


@cli.command()
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@_option("--to", "targets", env="TRPIPE_TO", required=True, multiple=True, metavar="LANG",
         help="Target language code, e.g. en (repeatable; several in the variable: 'en de').")  # fmt: skip
@_option("--from", "source_lang", env="TRPIPE_FROM", metavar="LANG", help="Source language (detected when omitted).")
@_option("--format", "fmt", env="TRPIPE_FORMAT", type=click.Choice(FORMATS),
         help="Output format (default: from the -o suffix, else md). docx, odt, pptx, epub: the document "
              "written back in its own format; same: each input in its own (docs/documents.md).")  # fmt: skip
@_option("--bilingual", env="TRPIPE_BILINGUAL", is_flag=True,
         help="Documents written back: each paragraph followed by its translation.")  # fmt: skip
@_option("-o", "--output", env="TRPIPE_OUTPUT", type=click.Path(), help="Output file, or folder with several inputs.")
@_option("--models", "models_file", env="TRPIPE_MODELS", type=click.Path(), help="Model registry file.")
@_option("--model", env="TRPIPE_MODEL", metavar="ID_OR_PATH", help="Translation model for this run (hub id or folder).")
@_option("--backend", env="TRPIPE_BACKEND", type=BackendType(), default="auto", show_default=True,
         help="auto: CTranslate2 for every model it can convert, transformers otherwise.")  # fmt: skip
@_option("--device", env="TRPIPE_DEVICE", type=DeviceType(), help="Where models run (default: auto).")
@_option("--encoding", env="TRPIPE_ENCODING", metavar="NAME", help="Input encoding (detected when omitted).")
@_option("--strict-encoding", env="TRPIPE_STRICT_ENCODING", is_flag=True,
         help="Refuse input with undecodable bytes instead of replacing them.")  # fmt: skip
@_option("--max-bytes", env="TRPIPE_MAX_BYTES", type=click.IntRange(1), default=50 * 1024 * 1024, show_default=True,
         help="Largest input read (bytes); a larger one, or an endless stream, is refused.")  # fmt: skip
@_option("--summary/--no-summary", env="TRPIPE_SUMMARY", default=True, help="Summarise the article (on by default).")
@_option("--summary-model", env="TRPIPE_SUMMARY_MODEL", metavar="ID_OR_PATH", help="Summarisation model for this run.")
@_option("--summary-sentences", env="TRPIPE_SUMMARY_SENTENCES", type=click.IntRange(1, 20), metavar="N",
         help="Sentences in the summary.")  # fmt: skip
@_option("--summary-ratio", env="TRPIPE_SUMMARY_RATIO", type=click.FloatRange(0, 1, min_open=True), metavar="R",
         help="Summary length as a share of the article's sentences (default: 3-5 sentences by length).")  # fmt: skip
@_option("--glossary", env="TRPIPE_GLOSSARY", type=click.Path(dir_okay=False),
         help="TSV of terms: source, required translation.")  # fmt: skip
@_option(
    "--strict", env="TRPIPE_STRICT", is_flag=True, help="Exit 3 on an error flag of a check (outputs are written)."
)
@_option("--cache-dir", env="TRPIPE_CACHE_DIR", type=click.Path(file_okay=False),
         help="Folder of the translation memory and converted models.")  # fmt: skip
@_option("--no-cache", env="TRPIPE_NO_CACHE", is_flag=True, help="Do not use the translation memory.")
@_option("--force", env="TRPIPE_FORCE", is_flag=True, help="Redo outputs that are already complete and current.")
@_option("--engine", env="TRPIPE_ENGINE", type=click.Choice(["local", "ray"]), default="local", show_default=True,
         help="local, or ray (pip install 'trpipe[ray]') to run on a Ray cluster.")  # fmt: skip
@_option("--ray-address", env="TRPIPE_RAY_ADDRESS", metavar="ADDR", help="Ray cluster to join (default: a local Ray).")
@_option("--actors", env="TRPIPE_ACTORS", type=click.IntRange(1), default=1, show_default=True,
         help="Ray: model-holding actors.")  # fmt: skip
@_option("--num-cpus", env="TRPIPE_NUM_CPUS", type=click.FloatRange(0), help="Ray: CPUs per actor.")
@_option("--num-gpus", env="TRPIPE_NUM_GPUS", type=click.FloatRange(0), help="Ray: GPUs per actor.")
@_option("--urls", "url_file", env="TRPIPE_URLS", metavar="FILE",
         help="A file of URLs, one a line (- for stdin): a batch like a folder, with resume.")  # fmt: skip
@_option("--allow-private-urls", env="TRPIPE_ALLOW_PRIVATE_URLS", is_flag=True,
         help="Fetch URLs on private, loopback and link-local addresses (refused by default).")  # fmt: skip
@_option("--feed", "feeds", env="TRPIPE_FEED", multiple=True, metavar="URL_OR_FILE",
         help="An RSS or Atom feed: each entry is an article (repeatable).")  # fmt: skip
@_option("--state", "state_dir", env="TRPIPE_STATE", type=click.Path(file_okay=False), metavar="DIR",
         help="Feeds: a folder remembering the entries done, so the next run does only new ones.")  # fmt: skip
@_option("--since", env="TRPIPE_SINCE", metavar="DATE", help="Feeds: only entries published on or after DATE.")
@_option("--limit", env="TRPIPE_LIMIT", type=click.IntRange(1), metavar="N", help="Feeds: at most N entries.")
@_option("-q", "--quiet", env="TRPIPE_QUIET", is_flag=True, help="No progress bar and no closing line.")
@_option("-v", "--verbose", env="TRPIPE_VERBOSE", count=True, help="More messages (-v info, -vv debug).")
@_option(
    "--log-level", env="TRPIPE_LOG_LEVEL", type=click.Choice(LOG_LEVELS), help="Messages shown (default: warning)."
)
def translate(inputs, output, fmt, bilingual, models_file, glossary, strict, cache_dir, no_cache, force, quiet, verbose,
              log_level, engine, ray_address, actors, num_cpus, num_gpus, targets, url_file, allow_private_urls,
              feeds, state_dir, since, limit, **choices) -> None:  # fmt: skip
    """Translate articles into LANG, citing the source for every segment.

    INPUT is a file (text, Markdown, HTML, DOCX, ODT, PPTX, EPUB, PDF: told by its content), - for stdin, an
    http(s) URL, a folder (searched recursively for those files) or a JSONL file of {"id", "text"} records.
    With several articles, -o names a folder and each output is named after its input (article-03.fr.txt
    gives article-03.fr.json).
    """
    from trpipe.engines import RayOptions, RunRequest, run_translate
    from trpipe.inputs import web_inputs
    from trpipe.languages import split_codes
    from trpipe.progress import Progress
    from trpipe.settings import Settings

    targets = split_codes(targets)
    inputs, extra = web_inputs(list(inputs), url_file, feeds, state_dir, since, limit, allow_private_urls)
    request = RunRequest(
        inputs=tuple(inputs),
        settings=Settings(targets=tuple(targets), extra=extra, **choices),
        output=output,
        fmt=fmt,
        bilingual=bilingual,
        models_file=models_file,
        glossary=glossary,
        strict=strict,
        cache=not no_cache,
        cache_dir=cache_dir,
        force=force,
        progress=not quiet,
        engine=engine,
        ray=RayOptions(address=ray_address, actors=actors, num_cpus=num_cpus, num_gpus=num_gpus),
    )
    progress = Progress(enabled=None if not quiet else False, desc="trpipe" if engine == "local" else "trpipe (ray)")
    handler = setup_logging(verbose, log_level, lambda line: click.echo(line, err=True))
    handler.progress = progress
    try:
        status = run_translate(
            request,
            echo=lambda text: click.echo(text, nl=False),
            warn=lambda message: click.echo(" ".join(f"trpipe: {message}".split()), err=True),
            closing=None if quiet else lambda line: click.echo(f"trpipe: {line}", err=True),
            progress=progress,
        )
    finally:
        logging.getLogger().removeHandler(handler)
    if status:
        raise click.exceptions.Exit(status)


@cli.command("read")
@click.argument("given", metavar="FILE_OR_URL")
@_option("-o", "--output", env="TRPIPE_OUTPUT", type=click.Path(dir_okay=False), help="Write the JSON here.")
@_option("--from", "source_lang", env="TRPIPE_FROM", metavar="LANG", help="Source language (identified when omitted).")
@_option("--encoding", env="TRPIPE_ENCODING", metavar="NAME", help="Input encoding (detected when omitted).")
@_option("--strict-encoding", env="TRPIPE_STRICT_ENCODING", is_flag=True, help="Refuse undecodable bytes.")
@_option("--max-bytes", env="TRPIPE_MAX_BYTES", type=click.IntRange(1), default=50 * 1024 * 1024, show_default=True,
         help="Largest input read (bytes).")  # fmt: skip
@_option("--allow-private-urls", env="TRPIPE_ALLOW_PRIVATE_URLS", is_flag=True,
         help="Fetch URLs on private, loopback and link-local addresses.")  # fmt: skip
def read_command(given, output, source_lang, encoding, strict_encoding, max_bytes, allow_private_urls) -> None:
    """Show a document as trpipe will translate it: its text, segments, spans, kinds and locations.

    No model is loaded and nothing is translated. FILE_OR_URL is any input translate takes (text, Markdown,
    HTML, DOCX, ODT, PPTX, EPUB, PDF, - for stdin, an http(s) URL).
    """
    from trpipe.engines.plan import check_output
    from trpipe.engines.sinks import write_atomic
    from trpipe.read.show import show

    if output:
        check_output(output, [given])  # before reading: never over the input, never into a folder
    warn = lambda message: click.echo(f"trpipe: warning: {message}", err=True)  # noqa: E731
    text = show(given, source_lang, encoding=encoding, strict_encoding=strict_encoding, max_bytes=max_bytes,
                allow_private=allow_private_urls, warn=warn)  # fmt: skip
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


cli.add_command(serve)
cli.add_command(models)
cli.add_command(digest)


@cli.command()
@click.argument("documents", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="DOC.json...")
@click.option("--summary", is_flag=True, help="Also require a summary in every target language and the source's.")
@click.option("--min-segments", type=click.IntRange(0), default=1, show_default=True, metavar="N",
              help="Least number of segments a document must have.")  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, no line for a valid document.")
def validate(documents, summary, min_segments, quiet) -> None:
    """Check trpipe JSON documents (or JSONL streams of them) against the output contract.

    Spans (source.text[start:end] == text), coverage of every non-space character, segment ids, kinds and
    lines, sentences, translations, summary cites and provenance. Each problem is printed as
    DOC: WHERE: WHAT. Exit 0: every document holds; 1: a document breaks the contract; 2: a file cannot
    be read or is not JSON.
    """
    from trpipe.validate import check_file

    status = 0
    for name in documents:
        try:
            report = check_file(name, summary=summary, min_segments=min_segments)
        except TrpipeError as exc:
            click.echo(" ".join(f"trpipe: error: {exc}".split()), err=True)
            status = max(status, exc.exit_code)
            continue
        for problem in report.problems:
            click.echo(" ".join(f"{name}: {problem}".split()))
        if report.problems:
            status = max(status, 1)
        elif not quiet and report.stories is not None:
            click.echo(f"{name}: ok: a digest of {report.stories} stories, every cite and span resolved")
        elif not quiet:
            documents_ = f"{report.documents} documents, " if report.documents > 1 else ""
            click.echo(f"{name}: ok: {documents_}{report.segments} segments, {report.characters} characters covered")
    if status:
        raise click.exceptions.Exit(status)


def main() -> None:
    """Console entry point: SIGTERM and SIGHUP stop a run like Ctrl-C does."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)
    try:
        cli(prog_name="trpipe")
    except SystemExit as exc:  # the command is done: leave without freeing what it made, when safe
        from trpipe.quickexit import leave

        leave(exc.code)
