"""The deterministic ``test-echo`` backend, registered on import (by conftest, and by child processes that
import this module without conftest's environment changes)."""

from __future__ import annotations

from collections.abc import Sequence

from trpipe.translate.base import Translator, register_backend


@register_backend("test-echo")
class EchoTranslator(Translator):
    """Deterministic backend: the translation of ``x`` is ``⟨x⟩``; one token per word plus one.

    It records every batch it receives so that tests can check ordering and batching.
    """

    def __init__(self, spec, device=None):
        super().__init__(spec)
        self.batches: list[list[str]] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        self.batches.append(list(texts))
        return [f"⟨{t}⟩" for t in texts]
