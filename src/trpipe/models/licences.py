"""The licences of the models a run uses: a one-line notice on stderr the first time a model whose licence
forbids commercial use (CC BY-NC: NLLB-200, the mT5 XLSum summariser...) is loaded in a run, and each
document's ``provenance.licences`` (model → licence, where it was read, whether it is non-commercial).

A licence is read as ``trpipe models list`` reads it: the model card on this machine (its README.md metadata),
else the registry's ``licences:`` table (see ``trpipe.models.command.licence_of``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from trpipe.models.registry import ModelSpec, Registry

log = logging.getLogger("trpipe")


class Licences:
    """The licence of each model loaded by one model pool (one run), read once per model."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._known: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def loaded(self, spec: ModelSpec) -> dict[str, Any]:
        """Record the licence of a model just loaded; the notice when it forbids commercial use (once)."""
        with self._lock:
            if spec.model in self._known:
                return self._known[spec.model]
            found = self._known[spec.model] = self._read(spec)
        if found["non_commercial"]:
            log.warning("trpipe: note: %s", notice(spec.model, found["licence"]))
        return found

    def _read(self, spec: ModelSpec) -> dict[str, Any]:
        from trpipe.models.command import licence_of, non_commercial, registry_licences
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
