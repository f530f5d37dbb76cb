"""Rates in time (part of the ``units`` check): "par an" rendered as "a month", "täglich" as "every week".

A figure per unit of time ("200 euros par an", "18 000 camions par jour") keeps its figure when the period
changes, so neither the numbers check nor the units check (which reads units glued to figures) sees "a year"
become "a month". Here each side's periods are read: CLDR's "per" forms of the duration units ("{0} par an",
"{0} pro Jahr", "{0} per year", through Babel), the unit's names after the language's words for "per", "a",
"each", "every" (a year, chaque semaine, al día, pro Woche, jede Woche), and the adverbs and adjectives of
frequency (daily, täglich, quotidien, anual). A period of the source missing from the translation, where the
translation has one the source lacks, is an error with both words as evidence; a period on one side only (a
rate turned into a total) is left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from trpipe.checks.locale import locales
from trpipe.checks.text import Flag, base_lang, flag, fold_keep, quoted
from trpipe.tablecache import cached_table

PERIODS = ("year", "month", "week", "day", "hour")
# The words that make a unit's name a rate ("a year", "chaque semaine", "al día"), and the adverbs and
# adjectives of frequency, per language (folded, without accents): closed classes of the grammar, not in CLDR.
_PER = {
    "en": "per a an each every",
    "fr": "par chaque",
    "de": "pro je jede jeden jedes",
    "es": "por al cada",
    "it": "al all ogni per",
    "pt": "por ao cada",
    "nl": "per elke iedere",
}
_FREQUENCY = {
    "en": {"year": "annually yearly annual", "month": "monthly", "week": "weekly", "day": "daily", "hour": "hourly"},
    "fr": {"year": "annuel annuelle annuels annuelles annuellement", "month": "mensuel mensuelle mensuels "
           "mensuelles mensuellement", "week": "hebdomadaire hebdomadaires", "day": "quotidien quotidienne "
           "quotidiens quotidiennes quotidiennement journalier journaliere journaliers journalieres"},
    "de": {"year": "jahrlich jahrliche jahrlichen jahrlicher jahrliches", "month": "monatlich monatliche "
           "monatlichen monatlicher", "week": "wochentlich wochentliche wochentlichen", "day": "taglich tagliche "
           "taglichen taglicher", "hour": "stundlich"},
    "es": {"year": "anual anuales anualmente", "month": "mensual mensuales mensualmente", "week": "semanal "
           "semanales semanalmente", "day": "diario diaria diarios diarias diariamente"},
}  # fmt: skip


@cached_table("cldr-rate-phrases")
def _phrases(lang: str) -> dict[str, str]:
    """phrase -> period of the language's rates in time (``fold_keep`` text), from CLDR and the lists above:
    read from Babel once per machine."""
    phrases: dict[str, str] = {}
    per = _PER.get(lang, "").split()
    for loc in locales(lang):
        unit_patterns = loc._data.get("unit_patterns", {})
        for period in PERIODS:
            forms = unit_patterns.get(f"duration-{period}", {}).get("long", {})
            for count, pattern in forms.items():
                text = " ".join(fold_keep(pattern.replace("{0}", " ")).split())
                if not text or re.search(r"\d|\{", text):
                    continue
                if count == "per":
                    phrases.setdefault(text, period)
                elif count in ("one", "other") and " " not in text:
                    for word in per:
                        phrases.setdefault(f"{word} {text}", period)
    for period, words in _FREQUENCY.get(lang, {}).items():
        for word in words.split():
            phrases.setdefault(word, period)
    return phrases


@lru_cache(maxsize=64)
def _patterns(lang: str) -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern, period) of the language's rates in time, on ``fold_keep`` text."""
    ordered = sorted(_phrases(base_lang(lang)).items(), key=lambda item: -len(item[0]))
    return tuple((re.compile(rf"(?<![\w'’-]){re.escape(p)}(?![\w'’-])(?!\s*\d)"), period) for p, period in ordered)


def find_phrases(text: str, patterns) -> list[tuple[object, int, int]]:
    """(key, start, end) of each match of ``patterns`` ((pattern, key), longest first) in ``text`` (on
    ``fold_keep`` text), none overlapping a longer one, in text order; one written with a capital inside the
    sentence is left out: the phrases are lower case ("morgen" is tomorrow, "Morgen" the morning)."""
    folded = fold_keep(text).replace("’", "'")
    taken: list[tuple[int, int]] = []
    out = []
    for pattern, key in patterns:
        for match in pattern.finditer(folded):
            if any(match.start() < b and a < match.end() for a, b in taken):
                continue
            if match.start() and text[match.start()].isupper():
                continue
            taken.append(match.span())
            out.append((key, match.start(), match.end()))
    return sorted(out, key=lambda item: item[1])


def changed(source_items: list, target_items: list) -> tuple | None:
    """(the first item of the source whose key the translation lacks, the first of the translation whose key
    the source lacks), or None when either is missing: a change, not a word said another way."""
    lost = [r for r in source_items if r[0] not in {t[0] for t in target_items}]
    new = [t for t in target_items if t[0] not in {r[0] for r in source_items}]
    return (lost[0], new[0]) if lost and new else None


def rates(text: str, lang: str) -> list[tuple[str, int, int]]:
    """(period, start, end) of each rate in time of ``text``: ("year", ...) for "par an", "a year", "annual"."""
    return find_phrases(text, _patterns(lang))


def check_rates(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag a rate in time whose period the translation changed (see the module docstring)."""
    src = rates(source, source_lang)
    found = changed(src, rates(translation, target_lang)) if src else None
    if found is None:
        return []
    said, instead = found
    return [
        flag(
            "units",
            f"the period of {quoted(source[said[1] : said[2]])} became {quoted(translation[instead[1] : instead[2]])}",
            source=(said[1], said[2]),
            target=(instead[1], instead[2]),
            expected=f"per {said[0]}",
            found=f"per {instead[0]}",
            measure="rate in time (CLDR's per-unit forms, and the language's words for per and every)",
        )
    ]
