"""The C heap of a model-running process (trpipe.heap): two malloc arenas unless the user chose, and freed
memory given back after each group."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import trpipe.heap as heap

CODE = """
import ctranslate2, trpipe.heap as heap
from trpipe.translate.ct2 import import_ctranslate2
import_ctranslate2()
print(heap.limit_arenas(), heap._glibc() is not None)
heap.release()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_the_ctranslate2_backend_limits_the_arenas_unless_the_user_set_them():
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    limited, glibc = done.stdout.split()
    assert limited == glibc  # limited wherever the C library is glibc
    chosen = subprocess.run([sys.executable, "-c", CODE], env={**env, "MALLOC_ARENA_MAX": "4"},
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert chosen.stdout.split()[0] == "False"  # the user's choice stands


def test_release_is_harmless_anywhere(monkeypatch):
    heap.release()
    monkeypatch.setattr(heap, "_glibc", lambda: None)
    heap.release()
    assert heap.limit_arenas.__wrapped__() is False
