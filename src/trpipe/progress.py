"""A progress bar on stderr (tqdm) when stderr is a terminal; silent otherwise or with --quiet."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


class Progress:
    """Counts sentences translated (the bar) and articles done (in the bar's postfix)."""

    def __init__(self, enabled: bool | None = None, desc: str = "translating"):
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._bar: Any = None
        self.articles_ok = 0
        self.articles_failed = 0
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=0, desc=desc, unit="sent", file=sys.stderr, dynamic_ncols=True, leave=False)

    def add_sentences(self, n: int) -> None:
        if self._bar is not None:
            self._bar.total += n
            self._bar.refresh()

    def sentences_done(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def article_done(self, ok: bool = True) -> None:
        if ok:
            self.articles_ok += 1
        else:
            self.articles_failed += 1
        if self._bar is not None:
            self._bar.set_postfix(articles=self.articles_ok, failed=self.articles_failed, refresh=True)

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
