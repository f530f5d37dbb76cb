"""The command line: parse options, call the library, map errors to exit codes. Nothing else lives here."""

from __future__ import annotations

import os

import click

from trpipe import __version__
from trpipe.errors import TrpipeError

FORMATS = ("md", "json")


class TrpipeGroup(click.Group):
    """Turns user errors into one line on stderr and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TrpipeError as exc:
            click.echo(f"trpipe: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("trpipe: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug: one line, unless TRPIPE_DEBUG asks for the traceback
            if os.environ.get("TRPIPE_DEBUG"):
                raise
            click.echo(
                f"trpipe: internal error: {type(exc).__name__}: {exc} (TRPIPE_DEBUG=1 shows the traceback)", err=True
            )
            ctx.exit(70)


@click.group(cls=TrpipeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trpipe")
def cli() -> None:
    """Translate foreign-language news articles into cited, bilingual reading material."""


@cli.command()
@click.argument("article", metavar="ARTICLE")
@click.option("--to", "target_lang", required=True, metavar="LANG", help="Target language code, e.g. en.")
@click.option("--from", "source_lang", metavar="LANG", help="Source language code (detected when omitted).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from -o suffix, else md).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (atomically) instead of stdout.")
@click.option("--models", "models_file", type=click.Path(), help="Model registry file (default: $TRPIPE_MODELS).")
@click.option("--model", metavar="ID_OR_PATH", help="Translation model for this run (hub id or folder).")
@click.option("--backend", default="transformers", show_default=True, help="Translation backend.")
@click.option("--device", metavar="DEVICE", help="auto, cpu, cuda, cuda:N or mps (default: auto).")
@click.option("--encoding", metavar="NAME", help="Input encoding (detected when omitted).")
@click.option("--summary/--no-summary", default=True, help="Summarise the article (on by default).")
@click.option("--summary-model", metavar="ID_OR_PATH", help="Summarisation model for this run.")
@click.option("--summary-sentences", type=click.IntRange(1, 20), metavar="N", help="Sentences in the summary.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def translate(
    article,
    target_lang,
    source_lang,
    fmt,
    output,
    models_file,
    model,
    backend,
    device,
    encoding,
    summary,
    summary_model,
    summary_sentences,
    quiet,
) -> None:
    """Translate ARTICLE (a file, or - for stdin) into LANG, citing the source for every segment."""
    from trpipe.pipeline import Pipeline, Settings
    from trpipe.progress import Progress
    from trpipe.read import read_source
    from trpipe.registry import load_registry
    from trpipe.render import format_for_path, render, write_atomic

    fmt = fmt or (format_for_path(output) if output else "md")
    registry = load_registry(models_file)
    source = read_source(article, encoding)
    settings = Settings(
        target_lang=target_lang,
        source_lang=source_lang,
        model=model,
        backend=backend,
        device=device,
        summary=summary,
        summary_model=summary_model,
        summary_sentences=summary_sentences,
    )
    progress = Progress(enabled=None if not quiet else False)
    pipeline = Pipeline(registry, settings, progress)
    try:
        document = pipeline.run(source)
    finally:
        progress.close()
        pipeline.close()
    text = render(document, fmt)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


def main() -> None:
    """Console entry point."""
    cli(prog_name="trpipe")
