"""Progress per call: the Session shares one Progress between every request and job; each call's steps go
to its own (a job's), set in a context variable."""

from __future__ import annotations

import contextvars

from trpipe.progress import Progress

current_progress: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("trpipe_progress", default=None)


class RoutedProgress(Progress):
    """The Session's progress, shared by every call: each call's steps go to the Progress of that call
    (a job's), set in ``current_progress``; calls without one count nowhere."""

    def __init__(self) -> None:
        super().__init__(enabled=False)

    def _target(self) -> Progress | None:
        return current_progress.get()

    def set_articles(self, articles):
        if (p := self._target()) is not None:
            p.set_articles(articles)

    def begin_group(self, articles, steps):
        if (p := self._target()) is not None:
            p.begin_group(articles, steps)

    def expect(self, steps):
        if (p := self._target()) is not None:
            p.expect(steps)

    def advance(self, steps=1):
        if (p := self._target()) is not None:
            p.advance(steps)

    def stage(self, name):
        if (p := self._target()) is not None:
            p.stage(name)

    def article_done(self, ok=True):
        if (p := self._target()) is not None:
            p.article_done(ok)
