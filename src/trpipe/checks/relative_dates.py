"""Relative dates (part of the ``numbers`` check): "la semaine prochaine" rendered as "next month".

A date said relative to today has no figure for the numbers check to compare, yet changing it moves the event:
yesterday for tomorrow, last year for this year, next week for next month. CLDR writes each language's
relative forms of the year, quarter, month, week and day (through Babel: "l’année dernière", "nächste Woche",
"el próximo mes", "yesterday"); each side's are read as (field, offset) pairs, and a pair of the source that
the translation lacks, where the translation has one that the source lacks, is an error with both phrases as
evidence. A relative date only on one side (a translation that names the weekday instead) is left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from trpipe.checks.locale import locales
from trpipe.checks.rates import changed, find_phrases
from trpipe.checks.text import Flag, base_lang, flag, fold_keep, quoted
from trpipe.tablecache import cached_table

FIELDS = ("year", "quarter", "month", "week", "day")


@cached_table("cldr-relative-dates")
def _phrases(lang: str) -> dict[str, tuple[str, int]]:
    """phrase -> (field, offset) of the language's relative dates, lower-cased and without accents
    (``fold_keep``): read from Babel once per machine."""
    found: dict[str, tuple[str, int]] = {}
    for loc in locales(lang):
        fields = loc._data.get("date_fields", {})
        for field in FIELDS:
            for offset, text in dict(fields.get(field, {}).get("relative", {})).items():
                phrase = " ".join(fold_keep(text).replace("’", "'").split())
                if phrase:
                    found.setdefault(phrase, (field, int(offset)))
    return found


@lru_cache(maxsize=64)
def _patterns(lang: str) -> tuple[tuple[re.Pattern, tuple[str, int]], ...]:
    """(pattern, (field, offset)) of the language's relative dates, longest first."""
    ordered = sorted(_phrases(lang).items(), key=lambda item: -len(item[0]))
    return tuple((re.compile(rf"(?<![\w'’-]){re.escape(p)}(?![\w'’-])"), key) for p, key in ordered)


def relative_dates(text: str, lang: str) -> list[tuple[tuple[str, int], int, int]]:
    """((field, offset), start, end) of each relative date of ``text``: (("week", 1), ...) for "next week"."""
    return find_phrases(text, _patterns(base_lang(lang)))


def check_relative_dates(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag a relative date of the source that the translation changed (see the module docstring)."""
    src = relative_dates(source, source_lang)
    found = changed(src, relative_dates(translation, target_lang)) if src else None
    if found is None:
        return []
    (said, a, b), (instead, c, d) = found
    return [
        flag(
            "numbers",
            f"{quoted(source[a:b])} became {quoted(translation[c:d])}",
            source=(a, b),
            target=(c, d),
            expected=f"{said[0]} {said[1]:+d}",
            found=f"{instead[0]} {instead[1]:+d}",
            measure="relative date (CLDR's forms: last, this, next)",
        )
    ]
