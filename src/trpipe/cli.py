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
from trpipe.errors import TrpipeError

FORMATS = ("md", "json", "html", "tmx", "xliff", "jsonl")
BACKENDS = ("auto", "ctranslate2", "transformers")
LOG_LEVELS = ("error", "warning", "info", "debug")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: temporary files removed, a message, exit 128 + signal."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame) -> None:
    raise Terminated(signum)


class DeviceType(click.ParamType):
    """auto, cpu, cuda, cuda:N or mps (completion offers the fixed ones)."""

    name = "device"

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        if text in ("auto", "cpu", "cuda", "mps") or (text.startswith("cuda:") and text[5:].isdigit()):
            return text
        self.fail(f"{value!r}: expected auto, cpu, cuda, cuda:N or mps", param, ctx)

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        return [CompletionItem(c) for c in ("auto", "cpu", "cuda", "mps") if c.startswith(incomplete)]

    def get_metavar(self, param, ctx=None) -> str:
        return "[auto|cpu|cuda|cuda:N|mps]"


class BackendType(click.Choice):
    """auto, ctranslate2 or transformers, or a backend registered by a plugin (``@register_backend``)."""

    def __init__(self):
        super().__init__(BACKENDS)

    def convert(self, value, param, ctx):
        from trpipe.translate.base import available_backends

        if value in available_backends() or value in BACKENDS:
            return value
        return super().convert(value, param, ctx)


class TrpipeGroup(click.Group):
    """Turns user errors into one line on stderr and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TrpipeError as exc:
            click.echo(" ".join(f"trpipe: error: {exc}".split()), err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
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


def _option(*names, env: str, **kwargs):
    """A click option whose default comes from the environment variable ``env`` (shown in --help)."""
    return click.option(*names, envvar=env, show_envvar=True, **kwargs)


def setup_logging(verbose: int, level: str | None, say) -> logging.Handler:
    """trpipe's and the libraries' log records on stderr, one line each (above the progress bar)."""
    from trpipe.progress import LogHandler

    chosen = (level or ("debug" if verbose > 1 else "info" if verbose == 1 else "warning")).upper()
    handler = LogHandler(say)
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, LogHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # libraries: warnings and errors only, unless debugging
    logging.getLogger("trpipe").setLevel(chosen)
    if chosen == "DEBUG":
        root.setLevel(logging.DEBUG)
    logging.captureWarnings(True)
    return handler


@click.group(cls=TrpipeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trpipe")
def cli() -> None:
    """Translate foreign-language news articles into cited, bilingual reading material.

    Shell completion: eval "$(_TRPIPE_COMPLETE=bash_source trpipe)" (zsh_source, fish_source for other shells).
    """


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@_option("--to", "targets", env="TRPIPE_TO", required=True, multiple=True, metavar="LANG",
         help="Target language code, e.g. en (repeatable; several in the variable: 'en de').")  # fmt: skip
@_option("--from", "source_lang", env="TRPIPE_FROM", metavar="LANG", help="Source language (detected when omitted).")
@_option("--format", "fmt", env="TRPIPE_FORMAT", type=click.Choice(FORMATS),
         help="Output format (default: from the -o suffix, else md).")  # fmt: skip
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
    "--strict", env="TRPIPE_STRICT", is_flag=True, help="Exit 3 when a check flags a sentence (outputs are written)."
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
@_option("-q", "--quiet", env="TRPIPE_QUIET", is_flag=True, help="No progress bar and no closing line.")
@_option("-v", "--verbose", env="TRPIPE_VERBOSE", count=True, help="More messages (-v info, -vv debug).")
@_option(
    "--log-level", env="TRPIPE_LOG_LEVEL", type=click.Choice(LOG_LEVELS), help="Messages shown (default: warning)."
)
def translate(inputs, output, fmt, models_file, glossary, strict, cache_dir, no_cache, force, quiet, verbose,
              log_level, engine, ray_address, actors, num_cpus, num_gpus, targets, **choices) -> None:  # fmt: skip
    """Translate articles into LANG, citing the source for every segment.

    INPUT is a file, - for stdin, a folder (searched recursively for .txt, .md and .html files) or a
    JSONL file of {"id", "text"} records. With several articles, -o names a folder and each output is
    named after its input (article-03.fr.txt gives article-03.fr.json).
    """
    from trpipe.engines import RayOptions, RunRequest, run_translate
    from trpipe.progress import Progress
    from trpipe.settings import Settings

    targets = [t for given in targets for t in given.split()]
    request = RunRequest(
        inputs=tuple(inputs),
        settings=Settings(targets=tuple(targets), **choices),
        output=output,
        fmt=fmt,
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


@cli.group()
def models() -> None:
    """The model registry: list, pull and inspect models; demo models for a try-out without network."""


_models_option = _option("--models", "models_file", env="TRPIPE_MODELS", type=click.Path(), help="Model registry file.")


@models.command("list")
@_models_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per model instead of a table.")
def models_list(models_file, as_json) -> None:
    """The registry's pairs and summarisers with their licences.

    * marks models complete on this machine (cache or folder), ! a download to complete with
    `trpipe models pull`.
    """
    import dataclasses
    import json

    from trpipe.models.command import format_rows, list_models
    from trpipe.models.registry import load_registry

    registry = load_registry(models_file)
    rows = list_models(registry)
    if as_json:
        for row in rows:
            click.echo(json.dumps(dataclasses.asdict(row), ensure_ascii=False))
        return
    click.echo(f"# {registry.path}")
    for line in format_rows(rows):
        click.echo(line)
    click.echo(f"# routes, in order: {', '.join(registry.prefer)} (trpipe models info SRC-TGT says which a pair takes)")


@models.command("pull")
@click.argument("names", nargs=-1, metavar="[PAIR_OR_ID...]")
@_models_option
@_option("--from", "source_lang", env="TRPIPE_FROM", metavar="LANG", help="Source language of the job to prepare.")
@_option("--to", "targets", env="TRPIPE_TO", multiple=True, metavar="LANG",
         help="Target language(s) of the job (repeatable).")  # fmt: skip
@_option("--summary/--no-summary", env="TRPIPE_SUMMARY", default=True,
         help="Include the summariser and the back-translation.")  # fmt: skip
@_option("--model", env="TRPIPE_MODEL", metavar="ID_OR_PATH", help="Translation model of the job (as translate).")
@_option("--summary-model", env="TRPIPE_SUMMARY_MODEL", metavar="ID_OR_PATH",
         help="Summariser of the job (as translate).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Say what would be downloaded, and its size; download nothing.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def models_pull(names, models_file, source_lang, targets, summary, model, summary_model, dry_run, quiet) -> None:
    """Download models into the Hugging Face cache for offline use (only missing files are fetched).

    PAIR_OR_ID is a pair (fr-en), summary:LANG, a hub id (org/name or org/name@revision) or a folder.
    Without one, everything the translate job needs: its translation models, summariser and
    back-translation models, for --from/--to (default: the registry's job, fr to en). The options
    read translate's environment variables, so a run's environment prepares exactly its models.
    """
    from trpipe.models.command import job_models, plan_line, pull_all, resolve_name
    from trpipe.models.registry import load_registry

    registry = load_registry(models_file)
    if names:
        wanted = [(name, resolve_name(registry, name)) for name in names]
    else:
        targets = tuple(t for given in targets for t in given.split())
        wanted = job_models(registry, source_lang, targets, summary, model, summary_model)
    if dry_run:
        for purpose, spec in wanted:
            click.echo(plan_line(purpose, spec))
        return
    for line in pull_all(registry, wanted, say=lambda text: click.echo(text, err=True), bar=False if quiet else None):
        click.echo(line)


@models.command("info")
@click.argument("name", metavar="PAIR_OR_ID")
@_models_option
def models_info(name, models_file) -> None:
    """Architecture, size, input limit and licence of a model, read from its files on this machine.

    A hub model that is not here is described by the hub (commit, files, download size, licence).
    """
    from trpipe.models.command import _PAIR, licence_label, model_info, resolve_name, route_info
    from trpipe.models.registry import load_registry

    registry = load_registry(models_file)
    if _PAIR.match(name):
        for key, value in route_info(registry, name).items():
            click.echo(f"{key}: {value}")
    info = model_info(resolve_name(registry, name), registry)
    for key, value in info.items():
        if key == "non_commercial":
            value = {True: "yes: the licence forbids commercial use", False: "no", None: "unknown"}[value]
        click.echo(f"{key}: {value if value is not None else '-'}")
    if info.get("non_commercial"):
        click.echo(f"trpipe: note: {licence_label(info.get('licence'))}", err=True)


@models.command("demo")
@click.argument("folder", type=click.Path(file_okay=False), metavar="DIR")
def models_demo(folder) -> None:
    """Build tiny random-weight models, their registry and the sample article in DIR (no network needed).

    The whole flow runs on them (segments, translation, checks, cited summary, back-translation, every
    format), but their output is junk: the weights are random.
    """
    from trpipe.models.demo import build_demo

    click.echo(f"trpipe: building the demo models in {folder} (random weights: their output is junk)", err=True)
    demo = build_demo(folder)
    for name, path in demo.models.items():
        click.echo(f"{name}\t{path}")
    click.echo(f"registry\t{demo.registry}")
    click.echo(f"sample\t{demo.sample}")
    click.echo(f"trpipe: try it: {demo.command()}", err=True)
    click.echo(f"trpipe: a many-to-many route (the tiny NLLB-200 model): {demo.command('sw')}", err=True)


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
    cli(prog_name="trpipe")
