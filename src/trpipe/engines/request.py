"""What ``trpipe translate`` is asked to do, as typed records (built by the CLI or by Python callers)."""

from __future__ import annotations

from dataclasses import dataclass, field

from trpipe.settings import Settings


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide ``--engine ray`` runs."""

    address: str | None = None
    actors: int = 1
    num_cpus: float | None = None
    num_gpus: float | None = None


@dataclass(frozen=True)
class RunRequest:
    """One run: its inputs, its settings, where the outputs go and how the run behaves."""

    inputs: tuple[str, ...]
    settings: Settings
    output: str | None = None
    fmt: str | None = None
    bilingual: bool = False  # documents written back: each paragraph followed by its translation
    models_file: str | None = None
    glossary: str | None = None
    strict: bool = False
    cache: bool = True
    cache_dir: str | None = None
    force: bool = False
    progress: bool = True
    engine: str = "local"
    ray: RayOptions = field(default_factory=RayOptions)
