"""The pydantic models of ``models.yaml`` (see :mod:`trpipe.models.schema`, which checks a registry with
them and turns their errors into one-line messages). Imported only when a registry is checked."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from trpipe.languages import normalize_tag

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

Positive = Annotated[int, Field(gt=0)]
NonNegative = Annotated[int, Field(ge=0)]
Text = Annotated[str, Field(min_length=1)]


class Decoding(BaseModel):
    """Settings of one entry (or of ``defaults``): decoding, input limits, batching, revision."""

    model_config = _STRICT

    revision: Text | None = None
    target_token: Text | None = None
    num_beams: Positive | None = None
    max_input_tokens: Positive | None = None
    max_length: Positive | None = None
    min_length: NonNegative | None = None
    max_new_tokens_ratio: Annotated[float, Field(ge=0)] | None = None  # 0: the offset alone bounds new tokens
    max_new_tokens_offset: NonNegative | None = None
    batch_tokens: Positive | None = None
    cpu_batch_tokens: Positive | None = None  # transformers on CPU: batch budget cap
    ct2_batch_tokens: Positive | None = None  # CTranslate2: trpipe's batch budget (default: per replica)
    ct2_max_batch_tokens: Positive | None = None  # CTranslate2: its own sub-batches
    ct2_inter_threads: Positive | None = None  # CTranslate2 on CPU: replicas
    ct2_intra_threads: Positive | None = None  # CTranslate2 on CPU: threads per replica
    no_repeat_ngram_size: NonNegative | None = None
    length_penalty: float | None = None
    prefix: str | None = None
    ct2_compute_type: Text | None = None


class Entry(Decoding):
    """A registry entry: a model and its settings."""

    model: Text


class Defaults(BaseModel):
    model_config = _STRICT

    translation: Decoding | None = None
    summarisation: Decoding | None = None


class Job(BaseModel):
    """The job ``trpipe models pull`` (with no argument) fetches the models of: ``{from: fr, to: [en]}``."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    source: str | None = Field(default=None, alias="from")
    to: list[str] | None = None

    @field_validator("source")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else normalize_tag(value, "job.from")

    @field_validator("to", mode="before")
    @classmethod
    def _languages(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [normalize_tag(v, "job.to") for v in value]
        return value


ROUTES = ("pair", "many", "convention", "pivot")
Route = Literal["pair", "many", "convention", "pivot"]


class RegistryFile(BaseModel):
    model_config = _STRICT

    version: Literal[1] | None = None
    many: Entry | None = None  # a many-to-many model serving every pair of its languages
    prefer: list[Route] | None = None
    job: Job | None = None
    licences: dict[str, str] | None = None  # model id → licence, for models not downloaded yet
    defaults: Defaults | None = None
    translation: dict[str, Entry] | None = None
    summarisation: dict[str, Entry] | None = None

    @field_validator("many", mode="before")
    @classmethod
    def _many_shorthand(cls, value: Any) -> Any:
        return {"model": value} if isinstance(value, str) else value

    @field_validator("prefer", mode="before")
    @classmethod
    def _prefer(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and len({str(v) for v in value}) != len(value):
            raise ValueError("a route named twice")
        return value

    @field_validator("translation", "summarisation", mode="before")
    @classmethod
    def _shorthand(cls, table: Any) -> Any:
        """``fr-en: org/model`` stands for ``fr-en: {model: org/model}``."""
        if isinstance(table, dict):
            return {key: {"model": value} if isinstance(value, str) else value for key, value in table.items()}
        return table
