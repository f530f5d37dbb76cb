"""What a run did, its closing lines and its exit status (the same for every engine)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from trpipe.errors import shown
from trpipe.render.common import kept_for, targets
from trpipe.runlog import counted

EXIT_OK, EXIT_SOME_FAILED, EXIT_FLAGGED = 0, 1, 3


@dataclass
class RunReport:
    """Counts for the closing line, the failed articles, the flags by check."""

    ok: int = 0
    skipped: int = 0
    ignored: int = 0  # files of input folders that no reader takes (named with -v)
    failed: list[tuple[str, str]] = field(default_factory=list)
    sentences: int = 0
    # Sentence translations the written articles needed (a sentence per target language, unless already in
    # it); None: not counted (then taken to be the sentences).
    translations: int | None = None
    cache_hits: int = 0
    flags: Counter = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    def count(self, document) -> None:
        """One article written: its sentences and its flags by check."""
        self.ok += 1
        self.sentences += sum(len(seg.sentences) for seg in document.segments)
        needed = sum(
            len(seg.sentences)
            for seg in document.segments
            for lang in targets(document)
            if not kept_for(document, seg, lang)
        )
        self.translations = (self.translations or 0) + needed
        self.flags.update(flag["check"] for seg in document.segments for flag in seg.flags)

    def closing_line(self) -> str:
        seconds = max(time.monotonic() - self.started, 1e-9)
        parts = [f"{counted(self.ok, 'article')} ok", f"{len(self.failed)} failed"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped (current)")
        if self.ignored:
            parts.append(f"{counted(self.ignored, 'file')} skipped (not documents; -v names them)")
        translations = self.sentences if self.translations is None else self.translations
        sentences = counted(self.sentences, "sentence")
        if translations != self.sentences:  # several targets, or sentences already in the target language
            sentences += f" ({counted(translations, 'translation')} needed)"
        parts += [sentences, counted(self.cache_hits, "cache hit")]
        if translations > self.cache_hits:  # a rate only for a run whose models translated something
            parts.append(f"{self.sentences / seconds:.1f} sentences/s")
        return ", ".join(parts)

    def finish(self, strict: bool, closing: Callable[[str], None] | None) -> int:
        """Print the closing lines (counts, flags by check, failed articles); return the exit status."""
        if closing:
            closing(self.closing_line())
            if self.flags:
                closing("flags: " + ", ".join(f"{check} {n}" for check, n in sorted(self.flags.items())))
            if self.failed:
                closing("failed: " + "; ".join(f"{shown(name)} ({reason})" for name, reason in self.failed))
        if self.failed:
            return EXIT_SOME_FAILED
        if strict and self.flags:
            return EXIT_FLAGGED
        return EXIT_OK
