"""The licences of the models a run uses: a one-line notice on stderr the first time a model whose licence
forbids commercial use (CC BY-NC: NLLB-200, the mT5 XLSum summariser...) is loaded in a run, and each
document's ``provenance.licences`` (model → licence, where it was read, whether it is non-commercial).

A licence is read as ``trpipe models list`` reads it: the model card on this machine (its README.md metadata),
else the registry's ``licences:`` table (:func:`licence_of`).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Any

from trpipe.models import download
from trpipe.models.registry import ModelSpec, Registry

log = logging.getLogger("trpipe")
_NON_COMMERCIAL = re.compile(r"(^|[-_ ])nc([-_ ]|$)|non-?commercial|research[-_ ]only", re.I)


def non_commercial(licence: str | None) -> bool | None:
    """Whether a licence forbids commercial use (CC BY-NC-*, "non-commercial", ...); None when unknown."""
    if not licence:
        return None
    return bool(_NON_COMMERCIAL.search(licence))


def licence_label(licence: str | None) -> str:
    if not licence:
        return "licence unknown (see the model card)"
    return f"{licence} (non-commercial)" if non_commercial(licence) else licence


def registry_licences(registry: Registry) -> dict[str, str]:
    table = registry.tables.get("licences") or {}
    return {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}


def folder_licence(folder: Path) -> str | None:
    """The licence a model folder states: its card's ``license`` metadata, else a LICENSE file's first line."""
    readme = folder / "README.md"
    if readme.is_file():
        from huggingface_hub.repocard import metadata_load

        try:
            found = download.card_licence(metadata_load(readme) or {})
        except Exception:  # a card whose metadata does not parse says nothing
            found = None
        if found:
            return found
    for name in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
        if (folder / name).is_file():
            lines = (folder / name).read_text(encoding="utf-8", errors="replace").strip().splitlines()
            if lines:
                return lines[0].strip()
    return None


def licence_of(spec: ModelSpec, licences: dict[str, str], folder: Path | None = None) -> tuple[str | None, str]:
    """``(licence, where it comes from)``: the model card on this machine, else the registry's table."""
    if folder is not None:
        found = folder_licence(folder)
        if found:
            return found, "model card"
    if spec.model in licences:
        return licences[spec.model], "registry"
    return None, ""


class Licences:
    """The licence of each model loaded by one model pool (one run), read once per model."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._known: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        # Whether loading a non-commercial model logs its notice here. A Ray actor turns it off: the driver
        # prints each notice once, from the licences its documents' provenance records (``noted``).
        self.notify = True

    def loaded(self, spec: ModelSpec) -> dict[str, Any]:
        """Record the licence of a model just loaded; the notice when it forbids commercial use (once)."""
        with self._lock:
            if spec.model in self._known:
                return self._known[spec.model]
            found = self._known[spec.model] = self._read(spec)
        if found["non_commercial"] and self.notify:
            log.warning("trpipe: note: %s", notice(spec.model, found["licence"]))
        return found

    def _read(self, spec: ModelSpec) -> dict[str, Any]:
        from trpipe.models.files import model_files

        try:
            licence, source = licence_of(spec, registry_licences(self.registry), model_files(spec))
        except Exception:  # a card that cannot be read says nothing; the run goes on
            licence, source = None, ""
        return {"licence": licence, "source": source or None, "non_commercial": non_commercial(licence)}

    def of_provenance(self, provenance: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The licences of the models a document's provenance names (translation, its legs, each target's,
        summary, back-translation), those this pool loaded."""
        named: list[str] = []
        _model_ids(provenance.get("models"), named)
        return {model: dict(self._known[model]) for model in dict.fromkeys(named) if model in self._known}


def new_notices(licences: dict[str, dict[str, Any]] | None, seen: set[str]) -> list[str]:
    """The notices of the non-commercial models among ``licences`` (a document's ``provenance.licences``) not
    in ``seen`` yet, which they join: a run's driver says each once, however many workers loaded it."""
    out = []
    for model, found in (licences or {}).items():
        if isinstance(found, dict) and found.get("non_commercial") and model not in seen:
            seen.add(model)
            out.append(notice(model, found.get("licence")))
    return out


def notice(model: str, licence: str | None) -> str:
    return (
        f"{model} is licensed {licence}, which forbids commercial use: its output may not be used "
        "commercially (see the model card; provenance.licences records it)"
    )


def _model_ids(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        if isinstance(value.get("model"), str):
            out.append(value["model"])
        for item in value.values():
            if isinstance(item, (dict, list)):
                _model_ids(item, out)
    elif isinstance(value, list):
        for item in value:
            _model_ids(item, out)
