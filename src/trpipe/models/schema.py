"""The schema of ``models.yaml``, checked in one pass (pydantic) before anything uses the registry.

A malformed registry is a RegistryError (exit 2) naming the file, the key path and what was expected::

    models.yaml: translation.fr-en.num_beams: expected a whole number greater than 0 (got 0)

Accepted: ``version`` (1), ``defaults`` (``translation`` and ``summarisation`` decoding settings),
``translation`` / ``summarisation`` tables, ``many`` (one many-to-many model, such as NLLB-200, that serves
every pair of its languages), ``prefer`` (the order routes are tried in: ``pair``, ``many``, ``convention``,
``pivot``), ``job`` (the languages ``trpipe models pull`` fetches models for) and ``licences`` (model id →
licence, shown before a model is downloaded). A translation key is a language pair ``src-tgt`` (BCP 47
codes: ``pt-BR-en`` is ``pt-en``; a script that is not the language's own is kept: ``zh-Hant-en``), a
summarisation key a language code or ``*``.
An entry is a model (a hub id or a folder, relative to the file) or a mapping with ``model`` and settings;
unknown keys are refused, so that a misspelt setting never goes unnoticed.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import reprlib
from pathlib import Path
from typing import Any

from trpipe.errors import RegistryError, UsageError, shown
from trpipe.languages import normalize_tag
from trpipe.paths import exists, is_dir, looks_like_folder

ANY_LANGUAGE = "*"
_TASKS = ("translation", "summarisation")
_TABLES = ("licences", "job")  # top-level tables the Registry keeps as written (models/licences.py, command.py)


def _expected(error: dict[str, Any]) -> str:
    """What a pydantic error says was expected, in a registry author's words."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing (it is required)"
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        whole = isinstance(error.get("input"), int) and not isinstance(bound, float)
        return f"expected a {'whole ' if whole else ''}number {'greater than' if 'gt' in ctx else 'at least'} {bound}"
    if kind.startswith("int_"):
        return "expected a whole number"
    if kind.startswith("float_") or kind == "finite_number":
        return "expected a finite number"
    if kind.startswith("string_"):
        return "expected a non-empty string" if kind == "string_too_short" else "expected a string (quote it)"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "expected a mapping"
    if kind == "literal_error":
        return f"expected {ctx.get('expected', 'another value')}"
    return str(error.get("msg", kind)).lower()


def _known_keys(loc: tuple) -> list[str]:
    """The keys accepted where an unknown key ``loc`` was found."""
    from trpipe.models.schema_types import Decoding, Defaults, Entry, RegistryFile

    depth = len(loc)
    if depth == 1:
        return list(RegistryFile.model_fields)
    if loc[0] == "defaults":
        return list(Defaults.model_fields) if depth == 2 else list(Decoding.model_fields)
    if loc[0] == "many":
        return list(Entry.model_fields)
    return list(Entry.model_fields)


def _message(path: Path, error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    where = ".".join(str(part) for part in loc) or "(top level)"
    text = _expected(error)
    if error["type"] == "extra_forbidden":
        text += f"; expected one of: {', '.join(_known_keys(loc))}"
    elif error["type"] != "missing":
        text += f" (got {_brief(error.get('input'))})"
    return f"{shown(path)}: {where}: {text}"


def _brief(value: Any, limit: int = 80) -> str:
    """A value as a message quotes it: ``reprlib``'s short form, cut at ``limit`` characters (a nested alias
    bomb would otherwise make a line of megabytes)."""
    brief = reprlib.Repr()  # attributes, not keywords: Python 3.10 and 3.11 take none
    brief.maxlevel, brief.maxlist, brief.maxdict, brief.maxstring, brief.maxother = 2, 4, 4, limit, limit
    text = shown(brief.repr(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pair(key: str) -> str | None:
    """``src-tgt`` with both sides language codes, normalised (``pt-BR-en`` → ``pt-en``); None otherwise.

    A key with regions or scripts is cut where both sides are registered BCP 47 tags (``pt-BR`` + ``en``,
    not ``pt`` + ``BR-en``).
    """
    parts = key.strip().replace("_", "-").split("-")
    cuts = [("-".join(parts[:cut]), "-".join(parts[cut:])) for cut in range(1, len(parts))]
    if len(cuts) > 1:
        import langcodes

        cuts = [c for c in cuts if langcodes.tag_is_valid(c[0]) and langcodes.tag_is_valid(c[1])][:1]
    for src, tgt in cuts:
        try:
            return f"{normalize_tag(src)}-{normalize_tag(tgt)}"
        except UsageError:
            return None
    return None


MISSING_FOLDER = "no such model folder"


def model_problem(model: str, base: Path) -> str | None:
    """Why ``model`` is neither an existing folder (relative to ``base``) nor a valid hub id; None when fine."""
    local = (base / model).expanduser()
    if is_dir(local):
        return None
    if exists(local):
        return f"{shown(local)} is a file, not a model folder"
    if looks_like_folder(model):
        return f"{MISSING_FOLDER} ({shown(local)})"
    reason = hub_id_problem(model)
    return f"neither a model folder nor a valid hub id ({reason})" if reason else None


def hub_id_problem(model: str) -> str | None:
    """Why ``model`` is not a valid Hugging Face hub id (``org/name``), or None when it is one."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    rule = ("a hub id is org/name: ASCII letters, digits, '-', '_' and '.', neither starting nor ending with '-' "
            "or '.', no '--' or '..', at most 96 characters")  # fmt: skip
    if not model.isascii():
        return rule
    try:
        validate_repo_id(model)
    except HFValidationError:  # its message quotes the library's rule and the value: ours is one plain line
        return rule
    return None


def validate(data: Any, path: Path, text: str | None = None) -> dict[str, Any]:
    """The registry ``data`` (parsed YAML) checked against the schema, its keys normalised.

    Returns ``{"defaults": {task: settings}, "translation": {pair: entry}, "summarisation": {lang: entry}}``
    with only the keys each entry sets. Raises RegistryError on the first problem (and says how many more).
    """
    if data is None:
        raise RegistryError(f"{shown(path)}: the model registry is empty; expected translation: and summarisation:")
    if not isinstance(data, dict):
        raise RegistryError(
            f"{shown(path)}: the model registry must be a YAML mapping (translation:, summarisation:), "
            f"not a {type(data).__name__}"
        )
    return _normalised(_checked(data, path, text), path)


def validate_known(text: str, path: Path) -> dict[str, Any] | None:
    """:func:`validate`'s answer for a registry whose text passed the schema before (kept between processes),
    without parsing its YAML (PyYAML's import and parse are 20-30 ms of a short run); None when the text is
    new, or failed (what fails is never kept)."""
    checked = _memo().peek(_text_key(text))
    return None if checked is None else _normalised(copy.deepcopy(checked), path)


def _normalised(checked: dict[str, Any], path: Path) -> dict[str, Any]:
    """The schema's plain values with their keys normalised and the local models' folders checked."""
    result: dict[str, Any] = {"defaults": checked["defaults"]}
    for task in _TASKS:
        table: dict[str, dict[str, Any]] = {}
        for key, values in checked[task]:
            where = f"{shown(path)}: {task}.{shown(key)}"
            if task == "translation":
                normal = _pair(key)
                if normal is None:
                    raise RegistryError(f"{where}: not a language pair; expected src-tgt codes such as fr-en")
            elif key.strip() == ANY_LANGUAGE:
                normal = ANY_LANGUAGE
            else:
                try:
                    normal = normalize_tag(key)
                except UsageError:
                    raise RegistryError(f"{where}: not a language code; expected one such as en, fr, or *") from None
            if normal in table:
                raise RegistryError(f"{where}: the same {'pair' if task == 'translation' else 'language'} twice")
            problem = model_problem(values["model"], path.parent)
            if problem and not problem.startswith(MISSING_FOLDER):  # a missing folder: exit 4 if a run needs it
                raise RegistryError(f"{where}.model: {shown(values['model'])}: {problem}")
            table[normal] = values
        result[task] = table
    result["many"] = values = checked["many"]
    if values is not None:
        problem = model_problem(values["model"], path.parent)
        if problem:
            raise RegistryError(f"{shown(path)}: many.model: {shown(values['model'])}: {problem}")
    result["prefer"] = checked["prefer"]
    result["tables"] = checked.get("tables", {})
    _check_lengths(result, path)
    return result


def _checked(data: Any, path: Path, text: str | None) -> dict[str, Any]:
    """:func:`_parsed`'s answer; for a registry read from ``text``, kept between processes by a hash of the
    text, so that a run with an unchanged models.yaml does not import pydantic and build the schema
    (0.1-0.2 s of a short run). What fails is never kept: it is checked, and fails, every time."""
    if text is None:
        return _parsed(data, path)
    return copy.deepcopy(_memo().get(_text_key(text), lambda: _parsed(data, path)))


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=1)
def _memo() -> Any:
    from trpipe.tablecache import Memo

    return Memo("registry-schema", __name__, limit=256)


def _parsed(data: Any, path: Path) -> dict[str, Any]:
    """``data`` checked by the pydantic models, as plain values: ``defaults`` (task → settings), the
    ``translation`` and ``summarisation`` tables as ``[(key, settings)]`` (keys as written), ``many`` and
    ``prefer``; only the keys each entry sets. Raises RegistryError on the first problem."""
    from pydantic import ValidationError

    from trpipe.models.schema_types import ROUTES, Decoding, Defaults, RegistryFile

    try:
        parsed = RegistryFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise RegistryError(_message(path, errors[0]) + more) from None
    defaults = parsed.defaults or Defaults()
    checked: dict[str, Any] = {
        "defaults": {task: (getattr(defaults, task) or Decoding()).model_dump(exclude_unset=True) for task in _TASKS}
    }
    for task in _TASKS:
        table = getattr(parsed, task) or {}
        checked[task] = [(key, entry.model_dump(exclude_unset=True)) for key, entry in table.items()]
    checked["many"] = parsed.many.model_dump(exclude_unset=True) if parsed.many is not None else None
    checked["prefer"] = tuple(parsed.prefer) if parsed.prefer else ROUTES
    checked["tables"] = {name: data[name] for name in _TABLES if data.get(name) is not None}  # as written
    return checked


def _check_lengths(result: dict[str, Any], path: Path) -> None:
    """Settings that contradict each other once defaults apply (a minimum above the maximum)."""
    for task in _TASKS:
        for key, entry in result[task].items():
            merged = {**result["defaults"][task], **entry}
            low, high = merged.get("min_length"), merged.get("max_length")
            if low is not None and high is not None and low > high:
                raise RegistryError(f"{shown(path)}: {task}.{shown(key)}: min_length {low} is above max_length {high}")
