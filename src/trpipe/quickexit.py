"""Leave the process without Python's teardown, once the command's work is done and flushed.

At exit, Python frees every object a run made, module by module: after a translation that is the model's
vocabularies, the checks' tables, the compiled patterns, tens of thousands of small objects, about 0.15 s
of a short command's life (measured on the sample article), for memory the operating system takes back
at once anyway. Instagram's servers skip it the same way (``os._exit`` after the exit handlers). Skipped
only when nothing can be lost: the exit handlers run first (logging's flush, Ray's shutdown), standard
output and error are flushed, and no other non-daemon thread is alive; otherwise, and with
``TRPIPE_FULL_EXIT=1``, Python exits as usual.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

FULL_EXIT_ENV = "TRPIPE_FULL_EXIT"


def _status(code: object) -> int | None:
    """The exit status Python would give ``SystemExit(code)``; None when it would print ``code`` first."""
    if code is None:
        return 0
    if isinstance(code, bool):
        return int(code)
    if isinstance(code, int):
        return code & 0xFF
    return None


def leave(code: object) -> None:
    """Exit with ``code`` as ``SystemExit(code)`` would, skipping the teardown when that is safe."""
    status = _status(code)
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if status is None or others or os.environ.get(FULL_EXIT_ENV, "") not in ("", "0"):
        raise SystemExit(code)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: Python's own exit says so as it always has
        raise SystemExit(code) from None
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        pass
    os._exit(status)
