"""trpipe: translate foreign-language news articles into cited, bilingual reading material.

    from trpipe import Session

    with Session(to="en") as session:
        doc = session.translate_text("Le conseil régional a voté le budget.", source_lang="fr")

Importing this package is cheap: its names load on first use, and torch, transformers and ctranslate2
only when a model is loaded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trpipe._version import __version__

_EXPORTS = {
    "Document": "trpipe.records",
    "Segment": "trpipe.records",
    "Sentence": "trpipe.records",
    "Source": "trpipe.records",
    "SummarySentence": "trpipe.records",
    "InputError": "trpipe.errors",
    "ModelError": "trpipe.errors",
    "OutputError": "trpipe.errors",
    "PairError": "trpipe.errors",
    "TrpipeError": "trpipe.errors",
    "UsageError": "trpipe.errors",
    "Registry": "trpipe.models.registry",
    "load_registry": "trpipe.models.registry",
    "read_source": "trpipe.read",
    "Result": "trpipe.session",
    "Session": "trpipe.session",
    "translate_file": "trpipe.session",
    "translate_text": "trpipe.session",
    "Settings": "trpipe.settings",
}

__all__ = [
    "Document",
    "InputError",
    "ModelError",
    "OutputError",
    "PairError",
    "Registry",
    "Result",
    "Segment",
    "Sentence",
    "Session",
    "Settings",
    "Source",
    "SummarySentence",
    "TrpipeError",
    "UsageError",
    "__version__",
    "load_registry",
    "read_source",
    "translate_file",
    "translate_text",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'trpipe' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from trpipe.errors import InputError, ModelError, OutputError, PairError, TrpipeError, UsageError
    from trpipe.models.registry import Registry, load_registry
    from trpipe.read import read_source
    from trpipe.records import Document, Segment, Sentence, Source, SummarySentence
    from trpipe.session import Result, Session, translate_file, translate_text
    from trpipe.settings import Settings
