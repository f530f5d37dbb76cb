"""The ``test-hold`` backend for the service's tests: counts engine calls, records every batch, and can be held
(``HoldTranslator.gate``) so that a test decides when a batch finishes; ``TRPIPE_TEST_DELAY`` (seconds per
batch) makes it slow in child processes, ``TRPIPE_TEST_BUSY_DIR`` shows which processes are in a batch, and a
sentence holding FAULT makes its batch fail.
Registered on import."""

from __future__ import annotations

import os
import threading
import time
import typing
from collections.abc import Sequence
from pathlib import Path

from trpipe.translate.base import Translator, register_backend


@register_backend("test-hold")
class HoldTranslator(Translator):
    """``x`` → ``[x]``; one token per word plus one. Class-wide controls, since the model pool makes the instances."""

    gate = threading.Event()
    gate.set()
    entered = threading.Event()  # set when a batch reaches the engine
    batches: typing.ClassVar[list[list[str]]] = []
    lock = threading.Lock()

    def __init__(self, spec, device=None):
        super().__init__(spec)

    @classmethod
    def reset(cls) -> None:
        with cls.lock:
            cls.batches.clear()
        cls.entered.clear()
        cls.gate.set()

    @classmethod
    def seen(cls) -> list[str]:
        with cls.lock:
            return [t for batch in cls.batches for t in batch]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        with self.lock:
            self.batches.append(list(texts))
        self.entered.set()
        if any("FAULT" in t for t in texts):
            raise RuntimeError("test-hold: a fault in the engine")
        delay = float(os.environ.get("TRPIPE_TEST_DELAY") or 0)
        busy = os.environ.get("TRPIPE_TEST_BUSY_DIR")  # a file named after this process while a batch runs
        marker = Path(busy, str(os.getpid())) if busy else None
        if marker is not None:
            marker.touch()
        if delay:
            time.sleep(delay)
        if marker is not None:
            marker.unlink(missing_ok=True)
        if not self.gate.wait(30):
            raise RuntimeError("test-hold: the gate stayed closed")
        return [f"[{t}]" for t in texts]

    def alternatives(self, texts: Sequence[str], n: int) -> list[list[str]]:
        with self.lock:
            self.batches.append(list(texts))
        return [[f"[{t}] ({i})" for i in range(1, n + 1)] for t in texts]
