"""Which checks have the data to judge a language pair, and why the others do not run.

A check without data for a language would pass silently (no number read, no negation word known) or, worse,
flag every sentence (a negation counted in the translation but not in a source it cannot read). So a check runs
only where both languages are covered, and the document says which checks ran and which did not, with the reason:

numbers, units  CLDR locale data (Babel) for both languages: decimal marks, month names, scale words, units
negation        negation words for both languages (trpipe.checks.negation)

Digits of every script (Arabic-Indic, Persian, Devanagari, Bengali, Thai, Khmer, Lao, Burmese...) are read as
digits in every language (``trpipe.checks.text.ascii_digits``).
"""

from __future__ import annotations

from functools import lru_cache

from trpipe.checks.text import base_lang
from trpipe.tablecache import cached_table


@cached_table("cldr-has-locale")
def _cldr(lang: str) -> bool:
    from trpipe.checks.locale import locales

    return bool(locales(lang))


def _negation_words(lang: str) -> bool:
    from trpipe.checks.negation import _SPECS

    return lang in _SPECS or lang in ("zh", "ja")


@lru_cache(maxsize=1024)
def not_run(source_lang: str, target_lang: str) -> tuple[tuple[str, str], ...]:
    """``(check, reason)`` for each check that lacks data for the pair, in the order of ``CHECKS``."""
    source, target = base_lang(source_lang), base_lang(target_lang)
    missing: list[tuple[str, str]] = []
    without_cldr = [lang for lang in dict.fromkeys((source, target)) if not _cldr(lang)]
    if without_cldr:
        reason = f"no CLDR locale data for {', '.join(without_cldr)}"
        missing += [("numbers", reason), ("units", reason)]
    without_words = [lang for lang in dict.fromkeys((source, target)) if not _negation_words(lang)]
    if without_words:
        missing.append(("negation", f"no negation words for {', '.join(without_words)}"))
    return tuple(missing)
