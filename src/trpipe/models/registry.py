"""The model registry: ``models.yaml`` maps language pairs to translation models and languages to summarisers.

Lookup order for the file: ``--models FILE``, then the ``TRPIPE_MODELS`` environment variable, then the
``models.yaml`` shipped with trpipe. Entries may be hub ids or local folders (relative to the file).
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trpipe.errors import PairError, RegistryError, UsageError, shown
from trpipe.paths import is_dir, looks_like_folder

ENV_VAR = "TRPIPE_MODELS"
ANY_LANGUAGE = "*"
PIVOT_LANGUAGE = "en"
CONVENTION = "Helsinki-NLP/opus-mt-{src}-{tgt}"
_TASKS = ("translation", "summarisation")


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry: which model, at which revision, with which decoding settings."""

    task: str
    key: str
    model: str
    revision: str | None = None
    settings: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    target_token: str | None = None

    @property
    def is_local(self) -> bool:
        return is_dir(self.model)


def default_registry_path() -> Path:
    """The models.yaml shipped in the wheel, or the one at the root of a source checkout."""
    packaged = Path(__file__).parent.with_name("models.yaml")  # trpipe/models.yaml, beside this package
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "models.yaml"


class Registry:
    """Parsed and validated models.yaml (see ``trpipe.models.schema`` for what is accepted)."""

    def __init__(self, data: Any, path: Path):
        from trpipe.models.schema import validate

        self.path = path
        valid = validate(data, path)
        self.defaults: dict[str, dict[str, Any]] = valid["defaults"]
        self.entries: dict[str, dict[str, dict[str, Any]]] = {task: valid[task] for task in _TASKS}

    def _spec(self, task: str, key: str, entry: dict[str, Any]) -> ModelSpec:
        settings = {**(self.defaults.get(task) or {}), **entry}
        model = str(settings.pop("model"))
        revision = settings.pop("revision", None)
        target_token = settings.pop("target_token", None)
        local = (self.path.parent / model).expanduser()
        if looks_like_folder(model) or is_dir(local):
            model = str(local.resolve())
            revision = None
        return ModelSpec(task, key, model, revision, settings, target_token)

    def pairs(self) -> list[str]:
        return sorted(self.entries["translation"])

    def translation(self, source_lang: str, target_lang: str, override: str | None = None) -> ModelSpec:
        """The translation model for a pair; ``override`` (a hub id or folder) replaces the model only."""
        key = f"{source_lang}-{target_lang}"
        override = _resolve_override(override, "--model")
        entry = self.entries["translation"].get(key)
        if entry is None and override is None:
            raise PairError(
                f"no translation model for {key} in {self.path}; pairs available: {', '.join(self.pairs())}"
            )
        entry = dict(entry or {"model": override})
        if override is not None:
            entry.update(model=override, revision=None)
        return self._spec("translation", key, entry)

    def has_pair(self, source_lang: str, target_lang: str) -> bool:
        return f"{source_lang}-{target_lang}" in self.entries["translation"]

    def convention(self, source_lang: str, target_lang: str) -> ModelSpec:
        """The opus-mt model that the naming convention gives for a pair missing from the registry."""
        model = CONVENTION.format(src=source_lang, tgt=target_lang)
        return self._spec("translation", f"{source_lang}-{target_lang}", {"model": model})

    def route(
        self,
        source_lang: str,
        target_lang: str,
        override: str | None = None,
        available: Callable[[ModelSpec], bool] | None = None,
    ) -> list[ModelSpec]:
        """The models that take ``source_lang`` to ``target_lang``: one, or two through English.

        Order: ``override``; the registry's entry; the opus-mt convention where ``available`` says the
        model exists (cached, or on a reachable hub); else a pivot src→en→tgt whose legs are found the
        same way. A PairError lists the registry's pairs when nothing works.
        """
        if override is not None or self.has_pair(source_lang, target_lang):
            return [self.translation(source_lang, target_lang, override)]
        direct = self._leg(source_lang, target_lang, available)
        if direct:
            return [direct]
        if PIVOT_LANGUAGE not in (source_lang, target_lang):
            first = self._leg(source_lang, PIVOT_LANGUAGE, available)
            second = self._leg(PIVOT_LANGUAGE, target_lang, available)
            if first and second:
                return [first, second]
        raise PairError(
            f"no translation model for {source_lang}-{target_lang} in {self.path}, neither "
            f"{CONVENTION.format(src=source_lang, tgt=target_lang)} nor a route through {PIVOT_LANGUAGE} "
            f"could be found; pairs available: {', '.join(self.pairs())}"
        )

    def _leg(self, source_lang: str, target_lang: str, available: Callable[[ModelSpec], bool] | None):
        if self.has_pair(source_lang, target_lang):
            return self.translation(source_lang, target_lang)
        spec = self.convention(source_lang, target_lang)
        return spec if available is not None and available(spec) else None

    def summariser(self, lang: str, override: str | None = None) -> ModelSpec:
        """The summariser for texts in ``lang`` (falling back to the '*' entry)."""
        table = self.entries["summarisation"]
        override = _resolve_override(override, "--summary-model")
        entry = table.get(lang) or table.get(ANY_LANGUAGE)
        if entry is None and override is None:
            raise PairError(f"no summarisation model for '{lang}' in {self.path}; languages: {', '.join(table)}")
        entry = dict(entry or {"model": override})
        if override is not None:
            entry.update(model=override, revision=None)
        return self._spec("summarisation", lang, entry)


def _resolve_override(override: str | None, option: str) -> str | None:
    """A model given on the command line: a folder relative to the working directory, or a hub id.

    Anything else (a folder that does not exist, a name the hub would refuse) is a UsageError naming ``option``.
    """
    if override is None:
        return None
    from trpipe.models.schema import model_problem

    problem = model_problem(override, Path.cwd())
    if problem:
        raise UsageError(f"{option} {shown(override)}: {problem}")
    folder = Path(override).expanduser()
    return str(folder.resolve()) if is_dir(folder) else override


REGISTRY_MAX_BYTES = 4 * 1024 * 1024  # a registry is a few kilobytes; anything this large is not one


def _read_registry(chosen: Path) -> str:
    try:
        if chosen.is_dir():
            raise RegistryError(f"{shown(chosen)}: is a folder, not a model registry file")
        with chosen.open("rb") as handle:
            data = handle.read(REGISTRY_MAX_BYTES + 1)
    except OSError as exc:
        raise RegistryError(f"{shown(chosen)}: cannot read the model registry ({exc.strerror or exc})") from None
    if len(data) > REGISTRY_MAX_BYTES:
        limit = REGISTRY_MAX_BYTES // 1024 // 1024
        raise RegistryError(f"{shown(chosen)}: larger than {limit} MB, so not a model registry")
    encoding = "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # YAML may be UTF-16 (Windows editors)
        encoding = "utf-16"
    elif b"\x00" in data:
        raise RegistryError(f"{shown(chosen)}: a binary file, not a model registry (YAML text)")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        label = encoding.removesuffix("-sig").upper()
        raise RegistryError(
            f"{shown(chosen)}: not {label} text (byte {exc.start}); a model registry is a YAML file in UTF-8"
        ) from None


def load_registry(path: str | os.PathLike | None = None) -> Registry:
    """Load and validate the registry from ``path``, ``$TRPIPE_MODELS`` or the shipped models.yaml."""
    chosen = Path(path or os.environ.get(ENV_VAR) or default_registry_path()).expanduser()
    text = _read_registry(chosen)
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{shown(chosen)}: not valid YAML ({' '.join(str(exc).split())})") from None
    except RecursionError:
        raise RegistryError(f"{shown(chosen)}: not valid YAML (nested too deeply)") from None
    return Registry(data, chosen.resolve())
