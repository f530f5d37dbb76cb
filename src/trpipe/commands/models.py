"""``trpipe models``: list, pull, info and demo over the registry (the work is in ``trpipe.models.command``)."""

from __future__ import annotations

import click

from trpipe.commands.options import option as _option


@click.group()
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
    from trpipe.languages import split_codes
    from trpipe.models.command import dry_run as show_plan
    from trpipe.models.command import job_models, pull_all, resolve_name
    from trpipe.models.registry import load_registry

    registry = load_registry(models_file)
    if names:
        wanted = [(name, resolve_name(registry, name)) for name in names]
    else:
        targets = tuple(split_codes(targets))
        wanted = job_models(registry, source_lang, targets, summary, model, summary_model)
    if dry_run:
        show_plan(wanted, click.echo)
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
