"""What ``-v`` and ``-vv`` tell about a run, through the ``trpipe`` logger (the command line prints its records
on stderr above the progress bar, ``trpipe: info: ...``).

``-v`` (info): each model loaded with its backend, device and load time (``models/pool.py``), the route of
each language pair, each stage of each group of articles with its time and counts (segmented, translated,
checked, summarised, summaries translated back), and each input skipped with the reason.
``-vv`` (debug): also each model batch, what the translation memory answered, and each article's timing.
Each line carries its numbers; none is printed unless its level is on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from trpipe.records import Document

log = logging.getLogger("trpipe")


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``1 article``, ``3 articles``."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


class GroupClock:
    """Times the stages of one group of articles (a single article is a group of one) and logs them."""

    def __init__(self, articles: int):
        self.articles = articles
        self.started = self.mark = time.perf_counter()

    def lap(self) -> float:
        """Seconds since the previous lap (or the start)."""
        now = time.perf_counter()
        seconds, self.mark = now - self.mark, now
        return seconds

    def segmented(self, documents: Sequence[Document], failed: int) -> None:
        segments = sum(len(d.segments) for d in documents)
        sentences = sum(len(s.sentences) for d in documents for s in d.segments)
        log.info(
            "segmented %s: %s, %s in %.2f s%s",
            counted(len(documents), "article"), counted(segments, "segment"), counted(sentences, "sentence"),
            self.lap(), f" ({failed} failed before translation)" if failed else "",
        )  # fmt: skip

    def checked(self, documents: Sequence[Document]) -> None:
        segments = sum(len(d.segments) for d in documents)
        flags = sum(len(s.flags) for d in documents for s in d.segments)
        log.info("checked %s in %.2f s: %s", counted(segments, "segment"), self.lap(), counted(flags, "flag"))

    def article(self, name: str, result: object) -> None:
        """The debug line of one article of the group, once it is complete."""
        if not log.isEnabledFor(logging.DEBUG):
            return
        after = time.perf_counter() - self.started
        group = f"its group of {self.articles} articles" if self.articles > 1 else "the article"
        if not isinstance(result, Document):
            log.debug("article %s failed %.2f s after %s started: %s", name, after, group, result)
            return
        sentences = sum(len(s.sentences) for s in result.segments)
        flags = sum(len(s.flags) for s in result.segments)
        log.debug(
            "article %s: %s, %s, %s; done %.2f s after %s started",
            name, counted(len(result.segments), "segment"), counted(sentences, "sentence"), counted(flags, "flag"),
            after, group,
        )  # fmt: skip
