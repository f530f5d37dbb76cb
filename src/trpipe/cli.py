"""The command line: parse options, call the library, map errors to exit codes. Nothing else lives here."""

from __future__ import annotations

import os

import click

from trpipe import __version__
from trpipe.errors import TrpipeError

FORMATS = ("md", "json", "html", "tmx", "xliff", "jsonl")


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
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            ctx.exit(141)
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
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--to", "targets", required=True, multiple=True, metavar="LANG", help="Target language code, e.g. en (repeatable)."
)
@click.option("--from", "source_lang", metavar="LANG", help="Source language code (detected when omitted).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from -o suffix, else md).")
@click.option("-o", "--output", type=click.Path(), help="Output file, or folder with several inputs.")
@click.option("--models", "models_file", type=click.Path(), help="Model registry file (default: $TRPIPE_MODELS).")
@click.option("--model", metavar="ID_OR_PATH", help="Translation model for this run (hub id or folder).")
@click.option(
    "--backend",
    default="transformers",
    show_default=True,
    help="transformers, or ctranslate2 (pip install 'trpipe[ct2]').",
)
@click.option("--device", metavar="DEVICE", help="auto, cpu, cuda, cuda:N or mps (default: auto).")
@click.option("--encoding", metavar="NAME", help="Input encoding (detected when omitted).")
@click.option("--summary/--no-summary", default=True, help="Summarise the article (on by default).")
@click.option("--summary-model", metavar="ID_OR_PATH", help="Summarisation model for this run.")
@click.option("--summary-sentences", type=click.IntRange(1, 20), metavar="N", help="Sentences in the summary.")
@click.option(
    "--summary-ratio",
    type=click.FloatRange(0, 1, min_open=True),
    metavar="R",
    help="Summary length as a share of the article's sentences (default: 3 to 5 sentences by length).",
)
@click.option("--glossary", type=click.Path(dir_okay=False), help="TSV of terms: source, required translation.")
@click.option("--strict", is_flag=True, help="Exit 3 when any check flags a sentence (outputs are written).")
@click.option(
    "--cache-dir", type=click.Path(file_okay=False), help="Folder of the translation memory and converted models."
)
@click.option("--no-cache", is_flag=True, help="Do not use the translation memory.")
@click.option("--force", is_flag=True, help="Redo outputs that are already complete and current.")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local, or ray (pip install 'trpipe[ray]') to run on a Ray cluster.",
)
@click.option("--ray-address", metavar="ADDR", help="Ray cluster to join (default: start a local Ray).")
@click.option("--actors", type=click.IntRange(1), default=1, show_default=True, help="Ray: model-holding actors.")
@click.option("--num-cpus", type=click.FloatRange(0), help="Ray: CPUs per actor.")
@click.option("--num-gpus", type=click.FloatRange(0), help="Ray: GPUs per actor.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no closing line.")
def translate(
    inputs,
    output,
    fmt,
    models_file,
    encoding,
    glossary,
    strict,
    cache_dir,
    no_cache,
    force,
    quiet,
    engine,
    ray_address,
    actors,
    num_cpus,
    num_gpus,
    **options,
) -> None:
    """Translate articles into LANG, citing the source for every segment.

    INPUT is a file, - for stdin, a folder (searched recursively for .txt, .md and .html files) or a
    JSONL file of {"id", "text"} records. With several articles, -o names a folder and each output is
    named after its input (article-03.fr.txt gives article-03.fr.json).
    """
    from trpipe.run import RunOptions, run_translate

    targets = options.pop("targets")
    options.update(target_lang=targets[0], extra_targets=list(targets[1:]))
    result = run_translate(
        RunOptions(
            inputs=list(inputs),
            output=output,
            fmt=fmt,
            models_file=models_file,
            encoding=encoding,
            glossary=glossary,
            strict=strict,
            cache_dir=cache_dir,
            engine=engine,
            ray={"address": ray_address, "actors": actors, "num_cpus": num_cpus, "num_gpus": num_gpus},
            use_cache=not no_cache,
            force=force,
            progress=not quiet,
            settings=options,
        ),
        echo=lambda text: click.echo(text, nl=False),
        warn=lambda message: click.echo(f"trpipe: {message}", err=True),
        closing=None if quiet else lambda line: click.echo(f"trpipe: {line}", err=True),
    )
    if result:
        raise click.exceptions.Exit(result)


@cli.group()
def models() -> None:
    """The model registry: list, pull and inspect models."""


_models_option = click.option("--models", "models_file", type=click.Path(), help="Model registry file.")


@models.command("list")
@_models_option
def models_list(models_file) -> None:
    """The registry's pairs and summarisers; * marks those on this machine (cache or folder)."""
    from trpipe.models import list_models
    from trpipe.registry import load_registry

    registry = load_registry(models_file)
    click.echo(f"# {registry.path}")
    for row in list_models(registry):
        mark = "*" if row.cached else " "
        revision = f"@{row.revision}" if row.revision else ""
        click.echo(f"{mark} {row.task:<13} {row.key:<7} {row.model}{revision}")


@models.command("pull")
@click.argument("names", nargs=-1, required=True, metavar="PAIR_OR_ID...")
@_models_option
def models_pull(names, models_file) -> None:
    """Download models (fr-en, summary:en, or a hub id) into the Hugging Face cache for offline use."""
    from trpipe.models import pull, resolve_name
    from trpipe.registry import load_registry

    registry = load_registry(models_file)
    for name in names:
        spec = resolve_name(registry, name)
        click.echo(f"{name}: {spec.model} -> {pull(spec)}")


@models.command("info")
@click.argument("name", metavar="PAIR_OR_ID")
@_models_option
def models_info(name, models_file) -> None:
    """Architecture, size, input limit and licence of a model, read from its files on this machine."""
    from trpipe.models import model_info, resolve_name
    from trpipe.registry import load_registry

    for key, value in model_info(resolve_name(load_registry(models_file), name)).items():
        click.echo(f"{key}: {value if value is not None else '-'}")


def main() -> None:
    """Console entry point."""
    cli(prog_name="trpipe")
