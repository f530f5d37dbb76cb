"""One pair of a many-to-many model: a light view of the loaded model with that pair's language tokens.

A :class:`LanguagePair` holds no weights: every pair of an NLLB, M2M100, mBART-50 or MADLAD-400 model shares the
one loaded model (``trpipe.models.pool``), so ``--to en --to de --to sw`` loads it once. Each view puts its own
tokens on the way in (the source language's token first, or MADLAD's ``<2xx>``) and forces its target's first
token on the way out; the batches of different targets are different calls, never mixed. Its ``decoding()``
names the tokens, so the translation memory keeps each pair's sentences under a key of their own, and its
``describe()`` says the route (family, codes) for the provenance.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from trpipe.models.registry import ModelSpec
from trpipe.translate.base import PairTokens, Translator


def pair_tokens(spec: ModelSpec) -> PairTokens:
    """The tokens a many-to-many ``spec`` (with its family and codes) puts around its texts."""
    if spec.family == "madlad":
        return PairTokens(text_prefix=f"{spec.target_token} ")
    return PairTokens(source=spec.source_token, target=spec.target_token)


class LanguagePair(Translator):
    """Translates one pair with a many-to-many model loaded once (``model``, a SubwordTranslator)."""

    def __init__(self, model: Translator, spec: ModelSpec):
        # No super().__init__: the settings are the loaded model's own (one decoding for every pair).
        self.model = model
        self.spec = spec
        self.settings = model.settings
        self.backend = model.backend
        self.tokens = pair_tokens(spec)
        self._check(spec)

    def _check(self, spec: ModelSpec) -> None:
        """The pair's tokens are in the model's vocabulary (a registry naming a model of another family fails here)."""
        from trpipe.errors import PairError

        tokenizer = getattr(self.model, "tokenizer", None)
        vocab_of = getattr(tokenizer, "get_vocab", None)
        known = vocab_of() if callable(vocab_of) else getattr(tokenizer, "encoder", None)
        if not isinstance(known, dict):
            return
        for token in (spec.source_token, spec.target_token):
            if token and token not in known and not (spec.family == "madlad" and _spm_has(tokenizer, token)):
                raise PairError(f"model {spec.model}: its vocabulary has no language token {token!r}")

    @property
    def max_input_tokens(self) -> int:
        return self.model.max_input_tokens

    @property
    def batch_tokens(self) -> int:
        return self.model.batch_tokens

    @property
    def concurrency(self) -> int:
        return self.model.concurrency

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.model.count_tokens(texts, self.tokens)  # type: ignore[call-arg]

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        return self.model.translate_batch(texts, self.tokens)  # type: ignore[call-arg]

    def translate_batch_scored(self, texts: Sequence[str]) -> list[tuple[str, float | None]]:
        return self.model.translate_batch_scored(texts, self.tokens)  # type: ignore[call-arg]

    def translate_batches_scored(self, batches: Sequence[Sequence[str]]) -> Iterator[list[tuple[str, float | None]]]:
        return self.model.translate_batches_scored(batches, self.tokens)  # type: ignore[call-arg]

    def alternatives(self, texts: Sequence[str], n: int) -> list[list[str]]:
        return self.model.alternatives(texts, n, self.tokens)  # type: ignore[call-arg]

    def decoding(self) -> dict[str, Any]:
        decoding = dict(self.model.decoding())
        decoding.pop("target_token", None)
        return {**decoding, "source_token": self.spec.source_token, "target_token": self.spec.target_token}

    def describe(self) -> dict[str, Any]:
        described = dict(self.model.describe())
        described.update(
            route="many-to-many",
            family=self.spec.family,
            pair=self.spec.key,
            source_token=self.spec.source_token,
            target_token=self.spec.target_token,
        )
        return described

    def close(self) -> None:
        """Nothing to release: the model is the pool's, shared by every pair."""


def _spm_has(tokenizer: Any, token: str) -> bool:
    backend = getattr(tokenizer, "backend", None)
    return backend is not None and backend.token_to_id(token) is not None
