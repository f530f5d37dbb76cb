"""The model registry: ``models.yaml`` maps language pairs to translation models and languages to summarisers.

Lookup order for the file: ``--models FILE``, then the ``TRPIPE_MODELS`` environment variable, then the
``models.yaml`` shipped with trpipe. Entries may be hub ids or local folders (relative to the file).

A pair is routed (:meth:`Registry.plan`) by the first of these that serves it, in the order of ``prefer:``
(default ``pair, many, convention, pivot``): the registry's own pair; the ``many:`` many-to-many model (NLLB-200,
M2M100, MADLAD-400, mBART-50) when it has codes for both languages; the opus-mt naming convention when that model
exists; two legs through English. The :class:`Route` says which, and why.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from trpipe.errors import PairError, RegistryError, UsageError, shown
from trpipe.languages import base_language
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
    # A many-to-many model's route: its family ("" until its files are read) and the source language's token
    # (the target's is target_token).
    source_token: str | None = None
    family: str | None = None

    @property
    def is_local(self) -> bool:
        return is_dir(self.model)

    @property
    def many_to_many(self) -> bool:
        return self.family is not None


@dataclass(frozen=True)
class Route:
    """How a pair is translated: ``kind`` (pair, many, convention, pivot, model), the models in order (two for a
    pivot) and why this route was taken."""

    kind: str
    specs: tuple[ModelSpec, ...]
    reason: str

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason, "models": [s.model for s in self.specs]}


def default_registry_path() -> Path:
    """The models.yaml shipped in the wheel, or the one at the root of a source checkout."""
    packaged = Path(__file__).parent.with_name("models.yaml")  # trpipe/models.yaml, beside this package
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "models.yaml"


class Registry:
    """Parsed and validated models.yaml (see ``trpipe.models.schema`` for what is accepted)."""

    def __init__(self, data: Any, path: Path, text: str | None = None, *, valid: dict[str, Any] | None = None):
        """``data`` parsed from ``path``; ``text``, the file's text, lets a check already made be reused;
        ``valid``, the schema's answer already known (:meth:`known`)."""
        from trpipe.models.schema import validate

        self.path = path
        if valid is None:
            valid = validate(data, path, text)
        self.defaults: dict[str, dict[str, Any]] = valid["defaults"]
        self.entries: dict[str, dict[str, dict[str, Any]]] = {task: valid[task] for task in _TASKS}
        self.many: dict[str, Any] | None = valid["many"]
        self.prefer: tuple[str, ...] = valid["prefer"]
        self.tables: dict[str, Any] = valid["tables"]  # the file's licences: and job: tables, as written

    @classmethod
    def known(cls, path: Path, text: str) -> Registry | None:
        """The registry of a text that passed the schema before, without parsing its YAML; None if it is new."""
        from trpipe.models.schema import validate_known

        valid = validate_known(text, path)
        return None if valid is None else cls(None, path, text, valid=valid)

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

    def _key(self, source_lang: str, target_lang: str) -> str | None:
        """The registry's key for a pair: the pair itself, else its languages without script or region
        (``zh-Hant-en`` is served by ``zh-en``); None when neither is there."""
        table = self.entries["translation"]
        for key in (f"{source_lang}-{target_lang}", f"{base_language(source_lang)}-{base_language(target_lang)}"):
            if key in table:
                return key
        return None

    def translation(self, source_lang: str, target_lang: str, override: str | None = None) -> ModelSpec:
        """The translation model for a pair; ``override`` (a hub id or folder) replaces the model only."""
        key = self._key(source_lang, target_lang) or f"{source_lang}-{target_lang}"
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
        return self._key(source_lang, target_lang) is not None

    def convention(self, source_lang: str, target_lang: str) -> ModelSpec:
        """The opus-mt model that the naming convention gives for a pair missing from the registry."""
        src, tgt = base_language(source_lang), base_language(target_lang)
        model = CONVENTION.format(src=src, tgt=tgt)
        return self._spec("translation", f"{src}-{tgt}", {"model": model})

    def many_spec(self, override: str | None = None) -> ModelSpec | None:
        """The ``many:`` entry (or the ``--model`` override, with the entry's settings) before its languages
        are chosen; None when the registry names none."""
        if self.many is None and override is None:
            return None
        entry = dict(self.many or {})
        if override is not None:
            entry.update(model=_resolve_override(override, "--model"), revision=None)
        return self._spec("translation", "*", entry)

    def route(
        self,
        source_lang: str,
        target_lang: str,
        override: str | None = None,
        available: Callable[[ModelSpec], bool] | None = None,
        family_of: Callable[[ModelSpec], Any] | None = None,
    ) -> list[ModelSpec]:
        """The models that take ``source_lang`` to ``target_lang``: one, or two through English (see ``plan``)."""
        return list(self.plan(source_lang, target_lang, override, available, family_of).specs)

    def plan(
        self,
        source_lang: str,
        target_lang: str,
        override: str | None = None,
        available: Callable[[ModelSpec], bool] | None = None,
        family_of: Callable[[ModelSpec], Any] | None = None,
    ) -> Route:
        """The route from ``source_lang`` to ``target_lang`` and why it was chosen.

        ``override`` (``--model``) is taken as it is; a many-to-many model given so gets its language codes.
        Otherwise the kinds of ``prefer`` are tried in order. ``available(spec)`` says whether a model not in
        the registry can be had (cached, or on a reachable hub); ``family_of(spec)`` reads a model's family from
        its files (None when they are not on this machine yet). A PairError says what each kind lacked.
        """
        if override is not None:
            spec = self.translation(source_lang, target_lang, override)
            family = family_of(spec) if family_of is not None else None
            if family is not None and family.many_to_many:
                spec = self._with_codes(spec, family, source_lang, target_lang)
                reason = f"--model {override}: a many-to-many {family.label} model ({_codes(spec)})"
                return Route("many", (spec,), reason)
            return Route("model", (spec,), f"--model {override}")
        lacking: list[str] = []
        for kind in self.prefer:
            route = self._try(kind, source_lang, target_lang, available, family_of, lacking)
            if route is not None:
                return route
        raise PairError(
            f"no translation model for {source_lang}-{target_lang} in {self.path}: {'; '.join(lacking)}; "
            f"pairs available: {', '.join(self.pairs())}"
        )

    def _try(self, kind, source_lang, target_lang, available, family_of, lacking) -> Route | None:
        pair = f"{source_lang}-{target_lang}"
        if kind == "pair":
            key = self._key(source_lang, target_lang)
            if key is None:
                lacking.append(f"no registry pair {pair}")
                return None
            note = f" ({pair} read as {key})" if key != pair else ""
            return Route("pair", (self.translation(source_lang, target_lang),), f"registry pair {key}{note}")
        if kind == "many":
            return self._many(source_lang, target_lang, available, family_of, lacking)
        if kind == "convention":
            spec = self.convention(source_lang, target_lang)
            if available is not None and available(spec):
                return Route("convention", (spec,), f"opus-mt naming convention: {spec.model} exists")
            lacking.append(f"{spec.model} was not found")
            return None
        if PIVOT_LANGUAGE in (base_language(source_lang), base_language(target_lang)):
            return None
        legs = []
        for src, tgt in ((source_lang, PIVOT_LANGUAGE), (PIVOT_LANGUAGE, target_lang)):
            leg = self._leg(src, tgt, available, family_of)
            if leg is None:
                lacking.append(f"no route {src}-{tgt} to pivot through {PIVOT_LANGUAGE}")
                return None
            legs.append(leg)
        reason = f"through {PIVOT_LANGUAGE}: {legs[0].reason}, then {legs[1].reason}"
        return Route("pivot", (legs[0].specs[0], legs[1].specs[0]), reason)

    def _leg(self, source_lang, target_lang, available, family_of) -> Route | None:
        """A pivot's leg: the first kind of ``prefer`` but pivot that serves it."""
        for kind in self.prefer:
            if kind != "pivot":
                route = self._try(kind, source_lang, target_lang, available, family_of, [])
                if route is not None:
                    return route
        return None

    def _many(self, source_lang, target_lang, available, family_of, lacking) -> Route | None:
        spec = self.many_spec()
        if spec is None:
            lacking.append("no many-to-many model (many:)")
            return None
        family = family_of(spec) if family_of is not None else None
        if family is None:
            if available is not None and not available(spec):
                lacking.append(f"the many-to-many model {spec.model} is not on this machine nor on a reachable hub")
                return None
            reason = f"many-to-many {spec.model} (its language codes are checked once it is downloaded)"
            return Route("many", (replace(spec, key=f"{source_lang}-{target_lang}", family=""),), reason)
        if not family.many_to_many:
            raise RegistryError(
                f"{shown(self.path)}: many.model: {spec.model} is a {family.label} model, not a many-to-many one"
            )
        try:
            spec = self._with_codes(spec, family, source_lang, target_lang)
        except PairError as exc:
            lacking.append(str(exc))
            return None
        return Route("many", (spec,), f"many-to-many {spec.model} ({family.label}: {_codes(spec)})")

    @staticmethod
    def _with_codes(spec: ModelSpec, family: Any, source_lang: str, target_lang: str) -> ModelSpec:
        """``spec`` for one pair of a many-to-many model: its family and the two languages' tokens."""
        source = family.code_for(source_lang, "source", spec.model)
        target = family.code_for(target_lang, "target", spec.model)
        return replace(
            spec,
            key=f"{source_lang}-{target_lang}",
            family=family.name,
            source_token=family.token(source) if family.source_token_first else None,
            target_token=family.token(target),
        )

    def summariser(self, lang: str, override: str | None = None) -> ModelSpec:
        """The summariser for texts in ``lang`` (falling back to the '*' entry)."""
        table = self.entries["summarisation"]
        override = _resolve_override(override, "--summary-model")
        entry = table.get(lang) or table.get(base_language(lang)) or table.get(ANY_LANGUAGE)
        if entry is None and override is None:
            raise PairError(f"no summarisation model for '{lang}' in {self.path}; languages: {', '.join(table)}")
        entry = dict(entry or {"model": override})
        if override is not None:
            entry.update(model=override, revision=None)
        return self._spec("summarisation", lang, entry)


def _codes(spec: ModelSpec) -> str:
    return f"{spec.source_token or 'any'} → {spec.target_token}"


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
    known = Registry.known(chosen.resolve(), text)
    if known is not None:
        return known
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{shown(chosen)}: not valid YAML ({_yaml_reason(exc)})") from None
    except RecursionError:
        raise RegistryError(f"{shown(chosen)}: not valid YAML (nested too deeply)") from None
    return Registry(data, chosen.resolve(), text)


def _yaml_reason(exc) -> str:
    """Where and why PyYAML could not parse a file, in one line: ``line 2, column 1: expected ...``."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    if mark is None or not problem:
        return " ".join(str(exc).split())
    return f"line {mark.line + 1}, column {mark.column + 1}: {' '.join(str(problem).split())}"
