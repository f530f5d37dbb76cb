"""The C heap of a process that runs models (glibc's malloc): fewer arenas, and freed memory given back.

CTranslate2 allocates its tensors in its own threads (two replicas of one thread on two cores), and glibc
gives every thread that meets a busy heap an arena of its own, up to eight per core; memory freed in an
arena stays the process's. Measured on the benchmark's models of the real shapes (benchmarks/RESULTS-memory.md):
after the translators and the summariser are loaded (570 MB), two groups of 16 articles with summaries left
the process at 1.66 GB peak and 1.50 GB resident, of which ``malloc_trim`` gave 0.68 GB back at once.
With two arenas and the heap trimmed after each group, the peak stays about 1.1 GB however many groups
follow, at the same speed.

Both are no-ops where the C library is not glibc, and ``limit_arenas`` leaves a ``MALLOC_ARENA_MAX`` the
user set alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys

M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)
ARENAS = 2


@functools.lru_cache(maxsize=1)
def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018  (only glibc has it)
    except (OSError, AttributeError):
        return None
    return libc


@functools.lru_cache(maxsize=1)
def limit_arenas() -> bool:
    """At most ``ARENAS`` malloc arenas for this process (call it before the model threads start)."""
    libc = _glibc()
    if libc is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(libc.mallopt(M_ARENA_MAX, ARENAS))


def release() -> None:
    """Give the heap's free memory back to the system (after a group of articles: a few milliseconds)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
