"""One progress bar for a run (tqdm on stderr when it is a terminal; silent otherwise or with -q).

The bar counts *steps* of model work across every stage, so that it never sits at 100 % while work goes
on and its ETA is the run's: a translated sentence is one step, a summary chunk ``SUMMARY_CHUNK_STEPS``
(generating a summary of a chunk costs about as much as translating that many sentences), a
back-translated sentence one. Stages announce what they will do (``expect``) before doing it
(``advance``); the bar's description names the stage (loading or converting a model, translating,
summarising level 2, back-translating). With a known number of articles, the steps of the articles not
yet started are projected from those started, so the total (and the ETA) covers the whole run.

Log records and trpipe's messages are printed above the bar (``interrupt``, ``LogHandler``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

SUMMARY_CHUNK_STEPS = 8


class Progress:
    """A run's progress: steps expected and done, the current stage, articles done."""

    def __init__(self, enabled: bool | None = None, desc: str = "trpipe", articles: int | None = None):
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._bar: Any = None
        self.articles = articles  # articles the run will process, when known
        self.started = 0  # articles whose steps are expected
        self.expected = 0.0
        self.done = 0.0
        self.articles_ok = 0
        self.articles_failed = 0
        self.stage_name = ""
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(
                total=0, desc=desc, unit="step", file=sys.stderr, dynamic_ncols=True, leave=False, smoothing=0.1
            )

    @property
    def enabled(self) -> bool:
        return self._bar is not None

    # -------------------------------------------------------------------------------------- counting

    def set_articles(self, articles: int | None) -> None:
        """The number of articles the run will process (for the projected total)."""
        self.articles = articles
        self._refresh()

    def begin_group(self, articles: int, steps: float) -> None:
        """``articles`` more articles start, with ``steps`` steps of translation known now."""
        self.started += articles
        self.expect(steps)

    def expect(self, steps: float) -> None:
        """Steps that will be done (negative: fewer than expected after all)."""
        self.expected = max(self.done, self.expected + steps)
        self._refresh()

    def advance(self, steps: float = 1) -> None:
        """Steps done."""
        self.done += steps
        self.expected = max(self.expected, self.done)
        self._refresh()

    def stage(self, name: str) -> None:
        """Name what is being done now (shown as the bar's description)."""
        self.stage_name = name
        if self._bar is not None:
            self._bar.set_description_str(name, refresh=True)

    def article_done(self, ok: bool = True) -> None:
        if ok:
            self.articles_ok += 1
        else:
            self.articles_failed += 1
        if self._bar is not None:
            self._bar.set_postfix(articles=self.articles_ok, failed=self.articles_failed, refresh=False)
            self._refresh()

    def total(self) -> float:
        """Expected steps, plus a projection for the articles not yet started."""
        if self.articles and self.started and self.articles > self.started:
            return self.expected * self.articles / self.started
        return self.expected

    def _refresh(self) -> None:
        bar = self._bar
        if bar is None:
            return
        bar.total = round(max(self.total(), self.done), 1)
        bar.n = round(self.done, 1)
        bar.refresh()

    # -------------------------------------------------------------------------------------- messages

    def interrupt(self, say: Callable[[str], None]) -> Callable[[str], None]:
        """``say`` wrapped so that its lines print above the bar instead of through it."""

        def wrapped(message: str) -> None:
            if self._bar is None:
                say(message)
                return
            from tqdm import tqdm

            with tqdm.external_write_mode(file=sys.stderr):
                say(message)

        return wrapped

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class LogHandler(logging.Handler):
    """Writes log records through a Progress (above its bar), as ``trpipe: LEVEL: message``."""

    def __init__(self, say: Callable[[str], None], progress: Progress | None = None):
        super().__init__()
        self.say = say
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.name != "trpipe" and not record.name.startswith("trpipe."):
                message = f"{record.name}: {message}"
            if not message.startswith("trpipe:"):
                message = f"trpipe: {record.levelname.lower()}: {message}"
            line = " ".join(message.split())
            (self.progress.interrupt(self.say) if self.progress else self.say)(line)
        except Exception:  # a handler must never raise
            self.handleError(record)
