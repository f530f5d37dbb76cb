"""Work done on the CPU a run leaves unused: a daemon thread at the lowest priority.

While CTranslate2 translates, its worker threads do not hold the GIL, and they leave part of the cores idle
(an article on two cores: 4.9 CPU-seconds in 2.85 s, about a seventh of the machine). Reading the checks' data
(0.15-0.2 s of CPU: their modules, CLDR tables, patterns, the lemmatiser) fits there, instead of before the
translation where it delayed its start. At the lowest priority (nice 19; on Linux the nice value is a
thread's own) the thread takes only CPU that nothing else of the run wants; where a thread's priority cannot
be lowered it runs all the same, as one more thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence

log = logging.getLogger("trpipe")

_started: dict[Hashable, threading.Thread] = {}  # the work of this process, by key: each done once
_lock = threading.Lock()


def soon(key: Hashable, work: Callable[[], object]) -> Callable[[], None]:
    """Run ``work()`` in a low-priority daemon thread, once per ``key`` in this process; the call returned
    waits for it. Its errors are logged, not raised: such work only prepares what is done again when needed."""
    with _lock:
        thread = _started.get(key)
        if thread is None:
            thread = threading.Thread(target=_run, args=(work,), name="trpipe-idle", daemon=True)
            _started[key] = thread
            thread.start()
    return thread.join


def _run(work: Callable[[], object]) -> None:
    _lower_priority()
    try:
        work()
    except Exception as exc:  # what it prepares is prepared again when it is needed
        log.debug("background work failed: %s", exc)


def _lower_priority() -> None:
    if sys.platform.startswith("linux"):  # elsewhere the nice value belongs to the whole process
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def checks_data(langs: Iterable[str], targets: Sequence[str]) -> Callable[[], None]:
    """The checks' data for these source languages into ``targets``, read in a low-priority thread while the
    run translates (once per process); the call returned waits for it, before the first checks."""

    def warm(lang: str) -> None:
        import trpipe.checks

        trpipe.checks.warm(lang, targets)

    waits = [soon(("checks", lang, tuple(targets)), lambda lang=lang: warm(lang)) for lang in dict.fromkeys(langs)]

    def ready() -> None:
        for wait in waits:
            wait()

    return ready
