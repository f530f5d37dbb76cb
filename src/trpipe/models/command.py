"""``trpipe models``: what the registry offers, what is on this machine, fetching models, what a model is.

``list`` and ``info`` read the files of the Hugging Face cache or of a model folder (``info`` asks the hub
about a model that is not here, when it can be reached); ``pull`` downloads through huggingface_hub
(``trpipe.models.download``). Each model shows its licence, from its card (``README.md`` metadata) or, before it
is downloaded, from the registry's ``licences`` table; non-commercial licences are marked.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trpipe.errors import ModelError, PairError, UsageError, shown
from trpipe.languages import normalize_tag
from trpipe.models import download
from trpipe.models.hub import DEMO_COMMAND, pull_command, shown_name
from trpipe.models.hubcache import hub_offline, model_folder, snapshot
from trpipe.models.licences import licence_label, licence_of, non_commercial, registry_licences
from trpipe.models.registry import ModelSpec, Registry
from trpipe.models.schema import hub_id_problem

_PAIR = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?-[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$")
DEFAULT_JOB = {"from": "fr", "to": ["en"]}  # the README's first run, when the registry names no job


# -------------------------------------------------------------------------------------------- list


@dataclass
class ModelRow:
    task: str
    key: str
    model: str
    revision: str | None
    cached: bool  # complete on this machine (a folder, or a complete cache snapshot)
    where: str | None
    state: str = "missing"  # folder, complete, incomplete, missing
    missing: list[str] = field(default_factory=list)
    licence: str | None = None
    licence_source: str = ""
    non_commercial: bool | None = None


def row_for(task: str, key: str, spec: ModelSpec, licences: dict[str, str]) -> ModelRow:
    row = ModelRow(task, key, spec.model, spec.revision, False, None)
    folder: Path | None = None
    if spec.is_local:
        folder = Path(spec.model)
        row.cached, row.where, row.state = (folder / "config.json").is_file(), str(folder), "folder"
    else:
        found = snapshot(spec.model, spec.revision or "main")
        if found is not None:
            folder = found.folder
            row.where, row.missing = str(found.folder), list(found.missing)
            row.cached, row.state = found.complete, "complete" if found.complete else "incomplete"
    row.licence, row.licence_source = licence_of(spec, licences, folder)
    row.non_commercial = non_commercial(row.licence)
    return row


def list_models(registry: Registry) -> list[ModelRow]:
    """Every registry entry: whether its files are complete on this machine, and its licence."""
    licences = registry_licences(registry)
    rows = []
    for task in ("translation", "summarisation"):
        for key in sorted(registry.entries[task]):
            spec = registry.translation(*split_pair(key)) if task == "translation" else registry.summariser(key)
            rows.append(row_for(task, key, spec, licences))
    many = registry.many_spec()
    if many is not None:
        rows.append(row_for("many-to-many", "*", many, licences))
    return rows


def split_pair(key: str) -> tuple[str, str]:
    """``fr-en`` → (fr, en); ``zh-Hant-en`` → (zh-Hant, en): cut where both sides are language tags."""
    from trpipe.models.schema import _pair

    normal = _pair(key)
    if normal is None:
        raise UsageError(f"{key}: not a language pair; expected src-tgt codes such as fr-en")
    parts = normal.split("-")
    for cut in range(1, len(parts)):
        left, right = "-".join(parts[:cut]), "-".join(parts[cut:])
        if _pair(f"{left}-{right}") == normal and not right[:1].isupper():
            return left, right
    return parts[0], "-".join(parts[1:])


def route_info(registry: Registry, name: str, model: str | None = None) -> dict[str, Any]:
    """How the pair ``name`` (``fr-sw``) is translated and why: the route's kind, reason and models."""
    from trpipe.models.families import family_of_spec
    from trpipe.models.hub import model_available

    source, target = split_pair(name)
    route = registry.plan(source, target, model, available=model_available, family_of=family_of_spec)
    info: dict[str, Any] = {"pair": f"{source}-{target}", "route": route.kind, "why": route.reason}
    info["models"] = " > ".join(spec.model for spec in route.specs)
    tokens = [f"{s.source_token or '-'} → {s.target_token}" for s in route.specs if s.family]
    if tokens:
        info["language_tokens"] = ", ".join(tokens)
    info["order"] = ", ".join(registry.prefer)
    return info


def format_rows(rows: list[ModelRow]) -> list[str]:
    """The table of ``trpipe models list``: mark, task, key, model@revision, licence."""
    names = [f"{r.model}@{r.revision}" if r.revision else r.model for r in rows]
    width = max((len(n) for n in names), default=0)
    marks = {"complete": "*", "folder": "*", "incomplete": "!"}
    lines = []
    for row, name in zip(rows, names):
        mark = marks.get(row.state, " ") if row.cached or row.state == "incomplete" else " "
        lines.append(f"{mark} {row.task:<13} {row.key:<7} {name:<{width}}  {licence_label(row.licence)}".rstrip())
    return lines


# -------------------------------------------------------------------------------------------- names


def resolve_name(registry: Registry, name: str) -> ModelSpec:
    """A pair (``fr-en``: the registry's model or the opus-mt convention), ``summary:LANG``, a hub id
    (``org/name`` or ``org/name@revision``) or a model folder."""
    if _PAIR.match(name):
        from trpipe.models.families import family_of_spec
        from trpipe.models.hub import model_available

        src, tgt = split_pair(name)
        if registry.has_pair(src, tgt):
            return registry.translation(src, tgt)
        try:
            return registry.plan(src, tgt, available=model_available, family_of=family_of_spec).specs[0]
        except PairError:
            return registry.convention(src, tgt)
    if name.startswith("summary:"):
        return registry.summariser(normalize_tag(name.split(":", 1)[1], "summary:LANG"))
    local = Path(name).expanduser()
    if local.is_dir():
        return ModelSpec("translation", name, str(local.resolve()), None)
    repo, _, revision = name.partition("@")
    if hub_id_problem(repo) or (revision and not re.fullmatch(r"[\w./-]+", revision)):
        raise UsageError(
            f"{shown(name)}: neither a language pair (fr-en), summary:LANG, a hub id (org/name) nor a model folder"
        )
    return ModelSpec("translation", repo, repo, revision or "main")


def job_models(
    registry: Registry,
    source_lang: str | None = None,
    targets: tuple[str, ...] = (),
    summary: bool = True,
    model: str | None = None,
    summary_model: str | None = None,
) -> list[tuple[str, ModelSpec]]:
    """``(purpose, spec)`` for every model ``trpipe translate --from SRC --to TGT...`` uses, in order.

    The translation model of each target (both legs of a pivot), and with a summary the summariser
    of the main target and the models that translate the summary back (and into the other targets).
    Without ``source_lang``/``targets``, the registry's ``job`` table or fr → en (the README's run).
    """
    from trpipe.models.pool import ModelPool
    from trpipe.settings import Settings

    job = registry.tables.get("job") or DEFAULT_JOB
    source = source_lang or str(job.get("from") or DEFAULT_JOB["from"])
    wanted = targets or tuple(job.get("to") or DEFAULT_JOB["to"])
    settings = Settings(targets=tuple(wanted), source_lang=source, model=model, summary_model=summary_model)
    pool = ModelPool(registry)
    found: list[tuple[str, ModelSpec]] = []

    def add(purpose: str, specs: list[ModelSpec]) -> None:
        for spec in specs:
            if all((s.model, s.revision) != (spec.model, spec.revision) for _, s in found):
                found.append((purpose, spec))

    for target in settings.targets:
        if target != source:
            add(f"translation {source}-{target}", pool.route(source, target, settings))
    if summary:
        main = settings.target_lang
        with contextlib.suppress(PairError):
            add(f"summary {main}", [registry.summariser(main, summary_model)])
        for lang in dict.fromkeys([source, *settings.targets[1:]]):
            if lang != main:
                add(f"summary translation {main}-{lang}", pool.route(main, lang, settings))
    return found


# -------------------------------------------------------------------------------------------- pull


@dataclass
class Pulled:
    spec: ModelSpec
    folder: Path
    commit: str | None
    note: str = ""


def pull(spec: ModelSpec, say: Callable[[str], None] | None = None, bar: bool | None = None) -> Pulled:
    """Make ``spec`` complete in the Hugging Face cache at its revision's current commit.

    Files already there are kept (an interrupted download resumes). Without the hub, a complete
    snapshot is kept as it is (noted); anything else is a ModelError naming the reason.
    """
    if spec.is_local:
        return Pulled(spec, Path(spec.model), None, "a local folder")
    revision = spec.revision or "main"
    here = snapshot(spec.model, revision)
    try:
        if hub_offline():
            raise download.HubUnavailable("HF_HUB_OFFLINE is set")
        commit = download.fetch(spec.model, revision, say=say, bar=bar)
    except download.HubUnavailable as exc:
        if here is not None and here.complete:
            return Pulled(spec, here.folder, here.commit, f"kept the cached commit: {exc}")
        state = here.describe() if here else "not in the Hugging Face cache"
        raise ModelError(f"cannot download {shown_name(spec)} ({state}): {exc}") from None
    done = snapshot(spec.model, commit)
    if done is None or not done.complete:
        raise ModelError(f"{spec.model}@{commit}: downloaded, but {done.describe() if done else 'not in the cache'}")
    note = "already complete" if here is not None and here.complete and here.commit == commit else "downloaded"
    return Pulled(spec, done.folder, commit, note)


def pull_all(
    registry: Registry,
    wanted: list[tuple[str, ModelSpec]],
    say: Callable[[str], None],
    bar: bool | None = None,
) -> Iterator[str]:
    """Pull every ``(purpose, spec)``, yielding a line for each (model, commit, size, licence, folder) as it is
    ready; notes (a non-commercial licence, a cached commit kept) and the total go to ``say``."""
    from trpipe.models.download import human_size

    licences, total = registry_licences(registry), 0
    for purpose, spec in wanted:
        done = pull(spec, say=say, bar=bar)
        size = folder_bytes(done.folder)
        total += size
        licence, _ = licence_of(spec, licences, done.folder)
        name = shown_name(spec) if not spec.is_local else spec.model
        commit = f" (commit {done.commit[:12]})" if done.commit else ""
        yield f"{purpose}: {name}{commit}, {human_size(size)}, {licence_label(licence)} -> {done.folder}"
        if done.note.startswith("kept"):
            say(f"trpipe: {name}: {done.note}")
        if non_commercial(licence):
            say(f"trpipe: note: {spec.model} is licensed {licence}: not for commercial use")
    say(f"trpipe: {len(wanted)} model(s) ready, {human_size(total)} on disk")


def folder_bytes(folder: Path) -> int:
    """The size of the files a snapshot (or model folder) holds, links followed."""
    total = 0
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            total += path.stat().st_size if path.is_file() else 0
    return total


def plan_line(purpose: str, spec: ModelSpec) -> tuple[str, bool]:
    """What pulling ``spec`` would fetch: files and bytes not yet here (asks the hub); and whether that is
    known (False: a hub model not complete here, and the hub could not be asked)."""
    name = f"{spec.model}@{spec.revision}" if spec.revision else spec.model
    if spec.is_local:
        return f"{purpose}: {name}: a local folder", True
    here = snapshot(spec.model, spec.revision or "main")
    try:
        found = download.remote(spec.model, spec.revision or "main")
    except download.HubUnavailable as exc:
        complete = bool(here and here.complete)
        state = "complete here" if complete else here.describe() if here else "not here"
        return f"{purpose}: {name}: {state}; the hub cannot tell more ({exc})", complete
    names = found.wanted()
    folder = here.folder.parent / found.commit if here else None
    todo = [n for n in names if folder is None or not (folder / n).is_file()]
    line = (
        f"{purpose}: {name} (commit {found.commit[:12]}): {len(todo)} of {len(names)} files to download, "
        f"{download.human_size(found.size(todo))} of {download.human_size(found.size(names))}"
    )
    return line, True


def dry_run(wanted: list[tuple[str, ModelSpec]], echo: Callable[[str], None]) -> None:
    """``models pull --dry-run``: a line per model (``plan_line``); a ModelError (exit 4) when the size of
    a model that is not complete here could not be learnt (the hub unreachable or offline)."""
    unknown = []
    for purpose, spec in wanted:
        line, known = plan_line(purpose, spec)
        echo(line)
        if not known:
            unknown.append(spec.model)
    if unknown:
        raise ModelError(
            f"--dry-run: the hub could not be asked about {len(unknown)} of {len(wanted)} models that are not "
            f"complete here ({', '.join(unknown)}); nothing is known of what they need: retry where the hub can "
            f"be reached (HF_ENDPOINT, HTTPS_PROXY, HF_HUB_OFFLINE unset), or try trpipe offline: `{DEMO_COMMAND}`"
        )


# -------------------------------------------------------------------------------------------- info


def _safetensors_parameters(path: Path) -> int:
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    total = 0
    for name, tensor in header.items():
        if name != "__metadata__":
            count = 1
            for dim in tensor["shape"]:
                count *= dim
            total += count
    return total


def model_info(spec: ModelSpec, registry: Registry | None = None) -> dict[str, Any]:
    """Architecture, size, input limit and licence of a model, from its files on this machine.

    A hub model that is not here is described by the hub (commit, files, size, licence) when it can be
    reached; otherwise a ModelError says how to get it.
    """
    licences = registry_licences(registry) if registry is not None else {}
    folder = model_folder(spec)
    if folder is None or not (folder / "config.json").is_file():
        return _remote_info(spec, licences)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    tokenizer_config = {}
    if (folder / "tokenizer_config.json").is_file():
        tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("pytorch_model*.bin"))
    limits = [config.get("max_position_embeddings"), tokenizer_config.get("model_max_length")]
    limits = [int(x) for x in limits if isinstance(x, (int, float)) and 0 < x < 1_000_000]
    layers = config.get("encoder_layers", config.get("num_layers"))
    found = None if spec.is_local else snapshot(spec.model, spec.revision or "main")
    licence, source = licence_of(spec, licences, folder)
    return {
        "model": spec.model,
        "revision": spec.revision,
        "commit": None if spec.is_local else folder.name,
        "folder": str(folder),
        "complete": True if found is None else found.complete,
        "missing": ", ".join(found.missing) if found is not None and found.missing else None,
        "architecture": (config.get("architectures") or [config.get("model_type")])[0],
        "model_type": config.get("model_type"),
        "layers": f"{layers} encoder, {config.get('decoder_layers', config.get('num_decoder_layers', layers))} decoder",
        "d_model": config.get("d_model"),
        "attention_heads": config.get("encoder_attention_heads", config.get("num_heads")),
        "vocabulary": config.get("vocab_size"),
        "input_limit_tokens": min(limits) if limits else None,
        "parameters": sum(_safetensors_parameters(w) for w in weights if w.suffix == ".safetensors") or None,
        "size_bytes": sum(w.stat().st_size for w in weights),
        "licence": licence,
        "licence_source": source or None,
        "non_commercial": non_commercial(licence),
    }


def _remote_info(spec: ModelSpec, licences: dict[str, str]) -> dict[str, Any]:
    revision = spec.revision or "main"
    fix = f"run `{pull_command(spec)}` first"
    if spec.is_local:
        what = "this folder holds no model (no config.json)" if Path(spec.model).is_dir() else "no such model folder"
        raise ModelError(f"{shown(spec.model)}: {what}")
    if hub_offline():
        raise ModelError(f"{spec.model} is not on this machine: {fix}")
    try:
        found = download.remote(spec.model, revision)
    except download.HubUnavailable as exc:
        raise ModelError(
            f"{spec.model} is not on this machine and the hub cannot tell about it ({exc}): {fix}"
        ) from None
    names = found.wanted()
    licence = found.licence or licences.get(spec.model)
    return {
        "model": spec.model,
        "revision": revision,
        "commit": found.commit,
        "on_this_machine": f"no ({fix})",
        "files": ", ".join(names),
        "download_bytes": found.size(names),
        "licence": licence,
        "licence_source": ("model card" if found.licence else "registry" if licence else None),
        "non_commercial": non_commercial(licence),
    }
