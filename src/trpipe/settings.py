"""What a user chooses for a translation, as one typed, immutable record.

``Settings`` travels from the command line (or a Python caller) through the engines into the Session
unchanged; every field that can change an output is part of the output's fingerprint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trpipe.languages import normalize_tag

BACKENDS = ("auto", "ctranslate2", "transformers")
DEVICES = ("auto", "cpu", "cuda", "mps")  # and cuda:N
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """The choices behind one translation: languages, models, backend, summary, reading.

    ``targets`` holds every target language, the first being the main one (``target_lang``).
    Language codes are checked and normalised on creation (``pt-BR`` → ``pt``; a script that is not the
    language's own is kept: ``zh-Hant``), so a bad one fails early.
    """

    targets: tuple[str, ...] = ()
    source_lang: str | None = None
    model: str | None = None
    backend: str = "auto"
    device: str | None = None
    summary: bool = True
    summary_model: str | None = None
    summary_sentences: int | None = None
    summary_ratio: float | None = None
    encoding: str | None = None
    strict_encoding: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        targets = self.targets
        if isinstance(targets, str):
            targets = (targets,)
        normal = tuple(dict.fromkeys(normalize_tag(t, "--to") for t in targets))
        object.__setattr__(self, "targets", normal)
        if self.source_lang is not None:
            object.__setattr__(self, "source_lang", normalize_tag(self.source_lang, "--from"))

    @property
    def target_lang(self) -> str:
        """The main target language (the first of ``targets``)."""
        return self.targets[0] if self.targets else ""

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (None keeps a field as it is); ``to`` stands for ``targets``."""
        if "to" in changes:
            to = changes.pop("to")
            if to is not None:
                changes["targets"] = (to,) if isinstance(to, str) else tuple(to)
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def signature(self) -> dict[str, Any]:
        """The fields that decide an output, for fingerprints (``extra`` is left out)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}


def targets_of(to: str | Iterable[str] | None) -> tuple[str, ...]:
    if to is None:
        return ()
    return (to,) if isinstance(to, str) else tuple(to)
