"""Engines: ways to run one plan (``plan``) through Sessions into sinks (``sinks``).

``local`` runs in this process; ``ray`` on a Ray cluster (extra ``trpipe[ray]``). Neither imports the
other: both use the same plan, sessions, sinks and report.
"""

from __future__ import annotations

from collections.abc import Callable

from trpipe.engines.request import RayOptions, RunRequest

ENGINES = ("local", "ray")

__all__ = ["ENGINES", "RayOptions", "RunRequest", "run_translate"]


def run_translate(
    request: RunRequest,
    echo: Callable[[str], None],
    warn: Callable[[str], None],
    closing: Callable[[str], None] | None = None,
    progress=None,
) -> int:
    """Run ``trpipe translate`` on the engine the request names; return the exit status."""
    if request.engine == "ray":
        from trpipe.engines.ray import run_ray

        return run_ray(request, echo, warn, closing, progress)
    from trpipe.engines.local import run_local

    return run_local(request, echo, warn, closing, progress)
