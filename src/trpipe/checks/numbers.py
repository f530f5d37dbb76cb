"""Numbers, dates, clock times and units in text, read with a language's CLDR conventions.

``find_numbers`` returns every figure of a text as a ``Mention``: the values it may stand for (800 000 € is
Decimal(800000); "12 février 2021" is ("date", 12, 2, 2021); "14 h 30" is ("time", 870)), the units written
with it ({"cur:EUR"}, {"length-kilometer"}), and whether it is weak (see trpipe.checks.numwords). Digits
of every script are read; decimal and grouping marks are the language's (CLDR), with a space or a "." as
grouping accepted where a comma is the decimal mark. ``alt`` holds what the figure would be worth in the
other convention: "800.000" in English reads 800 but was 800,000 in the French source.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from trpipe.checks import locale
from trpipe.checks.numwords import (
    CJK_FRACTION,
    FRACTION_ARTICLES,
    FRACTION_NOUNS,
    cjk_value,
    plural_count,
    word_numbers,
)
from trpipe.checks.text import CJK_LANGS, ascii_digits, base_lang, fold_keep, has_cjk, known_word, lemma


class Mention(NamedTuple):
    start: int
    end: int
    text: str
    values: frozenset
    units: frozenset = frozenset()
    kind: str = "number"  # number | ordinal | date | month | weekday | time
    weak: bool = False
    alt: frozenset = frozenset()  # the values in the other decimal convention, when they differ
    foreign: bool = False  # written in the other convention: '16.4' in German, '2,5' in English
    figure: str = ""  # the figure as written, without its unit ("900,000" of "900,000 euros")


NUMBER_KINDS = {"number": "number", "ordinal": "number", "date": "date", "month": "date", "weekday": "weekday"}

_SPACE = "[ \u00a0\u202f\u2009]"
_NUMBER = re.compile(rf"(?<![\d.,/])(\d{{1,3}}(?:{_SPACE}\d{{3}})+(?![\d])(?:[.,]\d+)?|\d+(?:[.,'’]\d+)*)")
_ORDINAL_SUFFIX = re.compile(
    r"(?:ième|ieme|ème|eme|ère|ere|er|re|nd|st|rd|th|e|º|°|ª|o|a|\.(?!\d)|-?(?:ого|го|й|я|е|му|ом|м|ї|ий|ша|ге))"
)
_RANGE_JOIN = re.compile(
    r"\s*(?:à|a|au|-|–|—|to|bis|y|e|et|and|or|ou|o|oder|und|до|і|и|i|ve|och|en|tot|tra|till|–)\s*", re.I
)
_LINKER = re.compile(r"[ \u00a0\u202f]*(?:de |d'|d’|of |di |del |dos |das |do |von |van |der )?[ \u00a0\u202f]*", re.I)
_YEAR = re.compile(r"[ \u00a0\u202f\u2009,]*(?:de |del |of |)?(\d{4})(?!\d)")
_DAY_BEFORE = re.compile(
    r"(?<![\d.,])(\d{1,2})(?:er|re|ère|st|nd|rd|th|e|º|°|\.|-?го|-е)?[ \u00a0\u202f\u2009]*(?:de |of |)?$", re.I
)
_DAY_AFTER = re.compile(r"\.?[ \u00a0\u202f\u2009]*(\d{1,2})(?:st|nd|rd|th|\.)?(?![\d.,:]?\d)", re.I)
# The first day of a range before a date's day (20 et 21 juin) and the last after it (March 15-16).
_RANGE_WORDS = r"(?:-|–|/|&|au|et|and|to|through|y|al|a|bis|und|e|i|en|tot|до|и)"
_DAY_RANGE_BEFORE = re.compile(
    rf"(?<![\d.,])(\d{{1,2}})(?:er|re|ère|st|nd|rd|th|e|º|\.)?{_SPACE}*{_RANGE_WORDS}{_SPACE}*$", re.I
)
_DAY_RANGE_AFTER = re.compile(rf"{_SPACE}*{_RANGE_WORDS}{_SPACE}*(\d{{1,2}})(?:st|nd|rd|th)?(?![\d.,:]?\d)", re.I)
_NUMERIC_DATE = re.compile(r"(?<![\d.,/])(\d{1,2})([./])(\d{1,2})\2(\d{4}|\d{2})(?![.,/]?\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_CJK_DATE = re.compile(
    r"(\d{2,4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?)?|(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"
)
_CLOCK = re.compile(r"(?<![\d.,:])([01]?\d|2[0-4])\s?(?::|h|H|時|时|点|點)\s?([0-5]\d)(?![\d.,:]?\d)")
_HOUR_MARK = re.compile(
    rf"(?<![\d.,:])([01]?\d|2[0-4]){_SPACE}?(?:h|uhr|uur|heures?|horas?|ore|godz\.?|時|时|点|點)(?![^\W\d_])", re.I
)
_DOTTED_CLOCK = re.compile(rf"(?<![\d.,:])([01]?\d|2[0-4])\.([0-5]\d){_SPACE}?(?:uhr|uur|h|godz)(?![^\W\d_])", re.I)
_CLOCK_PREFIX = re.compile(rf"(?<![^\W\d_])(?:kl\.?|klockan|godz\.?|saat|um|à|a las|alle|às|om|в|о|o){_SPACE}+$", re.I)
_PERIOD_CLOCK = re.compile(rf"(?<![\d.,:])([01]?\d)[.:]([0-5]\d)(?={_SPACE}?[ap]\.?{_SPACE}?m\.?(?![^\W\d_]))")
_GLUED_DEGREES = {"c": "temperature-celsius", "f": "temperature-fahrenheit"}
_EN_PERIOD = re.compile(r"[ \u00a0\u202f\u2009]?([ap])\.?[ \u00a0\u202f\u2009]?m\.?(?![^\W\d_])", re.I)


def _glued(text: str, start: int) -> bool:
    """A figure inside a word or a code: Rue89, G20, COVID-19 (a CJK character before it is no word)."""
    before = text[start - 1 : start]
    if before == "-" and start >= 2:
        word = re.search(r"[^\W\d_]+$", text[: start - 1])
        if word and word[0].islower() and len(word[0]) >= 3:
            return False  # end-2027, mid-2026, under-30s: a figure after a word, not a code such as COVID-19
        before = text[start - 2]
        return before.isalpha() and not has_cjk(before)
    return (before.isalpha() and not has_cjk(before)) or before == "_"


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def read_number(token: str, decimal_mark: str) -> tuple[Decimal | None, bool]:
    """(value, well-formed) of digits written with ``decimal_mark``: '800 000' 800000, '2,5' (',') 2.5.

    A grouping mark must be followed by exactly three digits; '2,5' with '.' as the decimal mark is not
    well-formed and is read as 2.5.
    """
    digits = re.sub(r"[\s\u00a0\u202f\u2009'’]", "", token)
    marks = [c for c in digits if c in ".,"]
    if not marks:
        return _decimal(digits), True
    group_mark = "," if decimal_mark == "." else "."
    if len(set(marks)) == 2:  # 1.234,5 or 1,234.5: the last mark is the decimal one
        whole, fraction = digits.rsplit(marks[-1], 1)
        ok = marks[-1] == decimal_mark
        return _decimal(re.sub(r"[.,]", "", whole) + "." + fraction), ok
    mark = marks[0]
    parts = digits.split(mark)
    grouped = all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3
    if mark == group_mark or len(parts) > 2:
        if grouped:
            return _decimal("".join(parts)), mark == group_mark
        if len(parts) == 2:
            return _decimal(parts[0] + "." + parts[1]), False
        return None, False
    return _decimal(parts[0] + "." + parts[1]), True


@lru_cache(maxsize=128)
def _unit_regex(lang: str, glued: bool = False) -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
    """One regex of every unit, currency and percent form of ``lang`` (folded), and form -> unit keys.
    ``glued``: the forms written right after a figure, with no space (34sec, 1min, 12hr), where an abbreviation
    of two or three letters that is also a word (sec, min) can be nothing else."""
    table: dict[str, set[str]] = {}
    for form, codes in locale.currency_words(lang).items():
        table.setdefault(form, set()).update("cur:" + c for c in codes)
    for form, codes in locale._currency_symbols().items():
        table.setdefault(form, set()).update("cur:" + c for c in codes)
    for form, (unit, abbreviation) in locale.unit_words(lang).items():
        vowels = any(c in "aeiouy" for c in form)  # km, kg, ml: symbols, whatever a dictionary says
        short_word = (
            abbreviation
            and form.isalpha()
            and (len(form) == 1 or (len(form) <= 3 and vowels and known_word(form, lang)))
        )
        if unit.startswith("per:") or (short_word and not (glued and len(form) >= 2)):
            continue  # "in" (inch), "t", "a": words first; 'per' forms are read by per_units
        table.setdefault(form, set()).add(unit)
    forms = sorted(table, key=len, reverse=True)
    pattern = "|".join(re.escape(f).replace(r"\ ", r"[ \u00a0\u202f]+") for f in forms)
    tail = "" if base_lang(lang) in CJK_LANGS else r"(?![^\W\d_])"
    return re.compile(rf"(?:{pattern}){tail}"), {" ".join(f.split()): frozenset(v) for f, v in table.items()}


@lru_cache(maxsize=64)
def _scale_regex(lang: str) -> re.Pattern[str]:
    # One-letter abbreviations are scales only where news writes them so: 10k, 11m, 10 M€ (not 5G, 4T).
    words = sorted(
        (w for w in locale.scale_words(lang) if len(w) > 1 or not w.isascii() or w in "km"), key=len, reverse=True
    )
    tail = "" if base_lang(lang) in CJK_LANGS else r"(?![^\W\d_])"
    return re.compile("(?:[ \u00a0\u202f]*|-)(" + "|".join(re.escape(w) for w in words or ["\x00"]) + rf")\.?{tail}")


def _units_at(folded: str, start: int, end: int, lang: str) -> tuple[frozenset[str], int, int]:
    """Units written right after ``end`` (past a linker such as 'de') or right before ``start``."""
    regex, table = _unit_regex(lang, glued=folded[end : end + 1].isalpha())
    linker = _LINKER.match(folded, end)
    after = regex.match(folded, linker.end()) if linker else None
    if after is None:
        after = regex.match(folded, end + (1 if folded[end : end + 1] in " -\u00a0\u202f" else 0))
    if after:
        return table.get(" ".join(after[0].split()), frozenset()), start, after.end()
    head = folded[max(0, start - 6) : start]
    for size in range(min(len(head), 6), 0, -1):
        piece = head[-size:].rstrip(" \u00a0")
        alone = size == len(folded[:start]) or not folded[start - size - 1].isalnum()
        if piece in table and alone and any(u.startswith("cur:") for u in table[piece]):
            return table[piece], start - size, end
    return frozenset(), start, end


class _Reader:
    """Reads the mentions of one text; spans already read are masked."""

    def __init__(self, text: str, lang: str) -> None:
        self.lang = base_lang(lang)
        self.raw = text
        self.text = ascii_digits(text)
        self.folded = fold_keep(self.text)
        self.taken = [False] * len(text)
        self.found: list[Mention] = []
        self.numbers: list = []  # the number words, read by fractions()

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def add(
        self, start, end, values, kind: str, units=frozenset(), weak=False, alt=frozenset(), foreign=False, figure=None
    ):
        for i in range(start, end):
            self.taken[i] = True
        text = self.raw[start:end].strip()
        figure = text if figure is None else figure.strip()
        self.found.append(Mention(start, end, text, frozenset(values), units, kind, weak, alt, foreign, figure))

    # ------------------------------------------------------------------------------------------ dates

    def dates(self) -> None:
        text, folded = self.text, self.folded
        for match in _ISO_DATE.finditer(text):
            year, month, day = int(match[1]), int(match[2]), int(match[3])
            if 1 <= month <= 12 and 1 <= day <= 31:
                self.add(match.start(), match.end(), {("date", day, month, year)}, "date")
        for match in _NUMERIC_DATE.finditer(text):
            if not self.free(match.start(), match.end()):
                continue
            first, second, year = int(match[1]), int(match[3]), int(match[4])
            year += 0 if year >= 100 else 2000 if year <= 50 else 1900
            orders = [(first, second), (second, first)]
            dates = {("date", d, m, year) for d, m in orders if 1 <= d <= 31 and 1 <= m <= 12}
            if dates:
                self.add(match.start(), match.end(), dates, "date")
        if self.lang in CJK_LANGS or "年" in text or "月" in text:
            for match in _CJK_DATE.finditer(text):
                if match[4]:
                    self._date(match.start(), match.end(), int(match[5]), int(match[4]), None)
                elif match[2]:
                    day = int(match[3]) if match[3] else None
                    self._date(match.start(), match.end(), day, int(match[2]), int(match[1]))
                elif 1000 <= int(match[1]) <= 2999:
                    self.add(match.start(), match.end(), {Decimal(int(match[1]))}, "number")
        wide, short, capitalised = locale.month_names(self.lang)
        if self.lang in CJK_LANGS:
            self._cjk_month_names(wide)
            return
        for match in re.finditer(r"[^\W\d_]+\.?", folded):
            word = match[0].rstrip(".")
            if capitalised and not self.raw[match.start()].isupper():
                continue
            month = wide.get(word) or wide.get(lemma(word, self.lang))
            abbreviated = False
            if not month and word in short:
                month, abbreviated = short[word], True
            if not month or not self.free(match.start(), match.end()):
                continue
            start, end, day, year = match.start(), match.start() + len(word), None, None
            other = None  # the other day of a range of days: (start, end, day)
            before = _DAY_BEFORE.search(folded, max(0, start - 12), start)
            if before and self.free(before.start(), start):
                day, start = int(before[1]), before.start()
                first = _DAY_RANGE_BEFORE.search(folded, max(0, start - 16), start)
                if first and self.free(first.start(1), first.end(1)):
                    other = (first.start(1), first.end(1), int(first[1]))
            elif locale.month_before_day(self.lang):
                after = _DAY_AFTER.match(folded, end)
                if after and 1 <= int(after[1]) <= 31 and not _YEAR.match(folded, end):
                    day, end = int(after[1]), after.end()
                    last = _DAY_RANGE_AFTER.match(folded, end)
                    counted = last and (
                        _scale_regex(self.lang).match(folded, last.end())
                        or self._unit_follows(last.end() + bool(re.match(_SPACE, folded[last.end() : last.end() + 1])))
                    )
                    if last and not counted and not _YEAR.match(folded, last.start(1)) and self.free(*last.span(1)):
                        other = (last.start(1), last.end(1), int(last[1]))
            year_match = _YEAR.match(folded, end)
            if year_match and 1000 <= int(year_match[1]) <= 2999:
                year, end = int(year_match[1]), year_match.end()
            if abbreviated and day is None and year is None:
                continue
            self._date(start, end, day, month, year)
            if other and 1 <= other[2] <= 31 and other[2] != day:
                self._date(other[0], other[1], other[2], month, year)
        names = locale.weekday_names(self.lang)
        several = sorted((n for n in names if " " in n), key=len, reverse=True)  # sexta-feira, segunda feira
        pattern = "|".join(r"[ \-]".join(map(re.escape, n.split())) for n in several)
        for match in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)|[^\W\d_]+" if several else r"[^\W\d_]+", folded):
            weekday = names.get(" ".join(match[0].replace("-", " ").split()))
            if weekday is not None and self.free(match.start(), match.end()):
                if capitalised and not self.raw[match.start()].isupper():
                    continue
                self.add(match.start(), match.end(), {("weekday", weekday)}, "weekday", weak=True)

    def _cjk_month_names(self, wide: dict[str, int]) -> None:
        names = sorted((n for n in wide if not n[0].isdigit()), key=len, reverse=True)
        if not names:
            return
        for match in re.finditer("|".join(map(re.escape, names)), self.text):
            if self.free(match.start(), match.end()):
                self._date(match.start(), match.end(), None, wide[match[0]], None)

    def _date(self, start: int, end: int, day: int | None, month: int, year: int | None) -> None:
        if day is not None and not 1 <= day <= 31:
            day = None
        if day is None:
            values = {("month", month, year)}
            self.add(start, end, values, "month", weak=year is None)
        else:
            self.add(start, end, {("date", day, month, year)}, "date")

    # ------------------------------------------------------------------------------------------ times

    def times(self) -> None:
        text, folded = self.text, self.folded
        periods = {**locale.day_periods(self.lang), **locale.day_periods("en")}

        def period_after(end: int) -> tuple[str | None, int]:
            match = _EN_PERIOD.match(folded, end)
            if match:
                return ("am" if match[1].lower() == "a" else "pm"), match.end()
            rest = folded[end : end + 12].lstrip()
            for mark, period in periods.items():
                if mark and rest.startswith(mark) and not rest[len(mark) : len(mark) + 1].isalpha():
                    return period, end + (len(folded[end:]) - len(folded[end:].lstrip())) + len(mark)
            return None, end

        def period_before(start: int) -> str | None:
            head = folded[max(0, start - 6) : start].rstrip()
            for mark, period in periods.items():
                if mark and not mark.isascii() and head.endswith(mark):
                    return period
            return None

        def add_time(start: int, end: int, hour: int, minute: int, also_hours: bool) -> None:
            period, end = period_after(end)
            period = period or period_before(start)
            if hour > 24 or minute > 59:
                return
            if period:
                hours = {hour % 12 + (12 if period == "pm" else 0)}
            elif hour <= 12 and locale.twelve_hour(self.lang):
                hours = {hour % 24, (hour + 12) % 24}
            else:
                hours = {hour % 24}
            values = {("time", h * 60 + minute) for h in hours}
            if also_hours:
                values.add(Decimal(hour))
            self.add(start, end, values, "time", units=frozenset({"duration-hour"}) if also_hours else frozenset())

        for match in _PERIOD_CLOCK.finditer(folded):  # 2.30pm, 9.15 a.m.
            if self.free(match.start(), match.end()):
                add_time(
                    match.start(),
                    match.start() + len(match[1]) + 1 + len(match[2]),
                    int(match[1]),
                    int(match[2]),
                    False,
                )
        for match in _CLOCK.finditer(text):
            if self.free(match.start(), match.end()):
                add_time(match.start(), match.end(), int(match[1]), int(match[2]), False)
        for match in _DOTTED_CLOCK.finditer(folded):
            if self.free(match.start(), match.end()):
                add_time(match.start(), match.end(), int(match[1]), int(match[2]), False)
        for match in re.finditer(r"(?<![\d.,:])([01]?\d|2[0-4])[.:]([0-5]\d)(?![\d.,:]?\d)", folded):
            prefix = _CLOCK_PREFIX.search(folded, max(0, match.start() - 12), match.start())
            if prefix and self.free(match.start(), match.end()):
                add_time(match.start(), match.end(), int(match[1]), int(match[2]), False)
        for match in re.finditer(
            rf"(?<![\d.,:])([01]?\d|2[0-4])(?=(?:{_SPACE}?[ap]\.?{_SPACE}?m\.?)(?![^\W\d_]))", folded
        ):
            if self.free(match.start(), match.end()):
                add_time(match.start(), match.end(), int(match[1]), 0, False)
        for match in _HOUR_MARK.finditer(folded):
            if self.free(match.start(), match.end()):
                clock = _CLOCK_PREFIX.search(folded, max(0, match.start() - 12), match.start()) is not None
                mark = match[0][len(match[1]) :].strip()
                unit = not clock and re.fullmatch(r"h|heures?|horas?|ore", mark, re.I)  # 2 Uhr: a clock time
                add_time(match.start(), match.end(), int(match[1]), 0, bool(unit))
        for word, minutes in locale.noon_midnight(self.lang).items():  # midi = 12 h, weak as a month alone is
            for match in re.finditer(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", folded):
                if self.free(match.start(), match.end()):
                    self.add(match.start(), match.end(), {("time", m) for m in minutes}, "time", weak=True)

    # ---------------------------------------------------------------------------------------- figures

    def figures(self) -> None:
        text, folded, lang = self.text, self.folded, self.lang
        decimal_mark, _ = locale.number_marks(lang)
        other_mark = "," if decimal_mark == "." else "."
        scale_regex = _scale_regex(lang)
        figures = []
        for match in _NUMBER.finditer(text):
            start, end = match.span(1)
            if not self.free(start, end) or _glued(text, start):
                continue
            token = match[1]
            value, well_formed = read_number(token, decimal_mark)
            if value is None:
                continue
            other, other_formed = read_number(token, other_mark)
            foreign = not well_formed and other_formed and bool(re.search(r"[.,]", token))
            alt = frozenset({other}) if other is not None and other != value and not well_formed else frozenset()
            if other is not None and other != value and well_formed and re.search(r"[.,]\d{3}(?!\d)", token):
                alt = frozenset({other})
            kind, exponent, weak, metres, glued = "number", 0, False, False, ""
            scale = scale_regex.match(folded, end)
            letters = re.match(r"[^\W\d_]+", folded[end:])
            if scale and (scale.start(1) > end or lang in CJK_LANGS or not letters or letters[0] == scale[1]):
                exponent, end = locale.scale_words(lang)[scale[1]], scale.end()
                if scale[1] == "m" and lang == "en":  # 11m: a million in English news, or metres
                    metres = True
            else:
                ordinal = _ORDINAL_SUFFIX.match(folded, end)
                if (
                    ordinal
                    and ordinal.end() > end
                    and not re.match(r"[^\W\d_]", folded[ordinal.end() : ordinal.end() + 1])
                ):
                    if value == value.to_integral_value() and (
                        ordinal[0] != "." or lang in ("de", "pl", "tr", "sv", "nl")
                    ):
                        kind, end = "ordinal", ordinal.end()
                elif (
                    letters
                    and re.fullmatch(r"[1-9]\d|1\d{3}|2\d{3}", token)
                    and re.match(r"[’']?s(?![^\W\d_])", folded[end:])
                ):
                    end += len(re.match(r"[’']?s", folded[end:])[0])  # the 1990s, under-30s: the figure itself
                elif letters and letters[0] in _GLUED_DEGREES and lang not in CJK_LANGS:
                    glued = _GLUED_DEGREES[letters[0]]  # 42C, -52F: news style for degrees
                elif letters and not self._unit_follows(end):
                    continue  # 5G, 3D, 4x4: part of a name or a code
            figure = self.raw[start:end]
            units, start, end = _units_at(folded, start, end, lang)
            if glued:
                units, end, glued = frozenset({glued}), end + 1, ""
            scaled = {value * Decimal(10) ** exponent} | ({value} if metres else set())
            alt = frozenset(a * Decimal(10) ** exponent for a in alt)
            figures.append([start, end, exponent, scaled, units, kind, weak, alt, foreign, figure])
        for i, figure in enumerate(figures):
            following = figures[i + 1] if i + 1 < len(figures) else None
            if following and following[2] and not figure[2] and _RANGE_JOIN.fullmatch(folded[figure[1] : following[0]]):
                figure[3] |= {v * Decimal(10) ** following[2] for v in figure[3]}  # "1 à 2 milliards"
                figure[4] = figure[4] or following[4]
            self.add(*figure[:2], figure[3], figure[5], figure[4], figure[6], figure[7], figure[8], figure[9])

    def _unit_follows(self, end: int) -> bool:
        regex, _ = _unit_regex(self.lang, glued=self.folded[end : end + 1].isalpha())
        return regex.match(self.folded, end) is not None

    def fractions(self) -> None:
        """Fractions: a fraction noun (un tiers, ein Drittel, треть) or an ordinal (a third, una cuarta parte,
        two thirds) after "a", "one" or a number: ("fraction", k, n), which also stands for its percentage (a
        quarter = 25 %). Where the language has articles, the noun needs one (the third quarter is no fraction)."""
        nouns = FRACTION_NOUNS.get(self.lang, {})
        articles = FRACTION_ARTICLES.get(self.lang)
        masked = "".join(" " if taken else c for c, taken in zip(self.text, self.taken))
        self.numbers = word_numbers(masked, self.lang)  # read once, for words() too
        counted = {n.end: n for n in self.numbers}
        words = re.finditer(r"[^\W\d_]+", self.folded)
        candidates = [(m.start(), m.end(), nouns[m[0].lower()]) for m in words if m[0].lower() in nouns]
        candidates += [
            (n.start, n.end, int(n.value))
            for n in counted.values()
            if n.ordinal and articles and n.value == n.value.to_integral_value() and 3 <= n.value <= 100
        ]
        if self.lang in CJK_LANGS:  # 三分之一: one third
            for match in CJK_FRACTION.finditer(self.text):
                n, k = (int(x) if x.isdigit() else cjk_value(x) for x in (match[1], match[2]))
                if n and k and k < n and self.free(match.start(), match.end()):
                    value = {("fraction", k, n), Decimal(round(Decimal(100 * k) / n))}
                    self.add(match.start(), match.end(), value, "fraction", weak=k * 2 == n)
        for start, end, n in sorted(candidates):
            low = max(0, start - 20)
            before = re.search(r"([^\W\d_]+)[ \u00a0\u202f\u2009]+$", self.folded[low:start])
            word_start, word_end = (low + before.start(1), low + before.end(1)) if before else (start, start)
            number = counted.get(word_end)
            if before and articles and before[1].lower() in articles:
                k, start = 1, word_start
            elif number is not None and not number.ordinal and 1 <= number.value < n:
                k, start = int(number.value), number.start
            elif not articles:
                k = 1
            else:
                continue  # "pays tiers", "the third quarter": no fraction
            if self.free(start, end):
                value = {("fraction", k, n), Decimal(round(Decimal(100 * k) / n))}
                self.add(start, end, value, "fraction", weak=k * 2 == n)

    def _capitalised(self, start: int) -> bool:
        """A number word with a capital inside a sentence: a name (les Vingt-Sept, the Big Four)."""
        before = self.raw[:start].rstrip(" \u00a0«“„\"'‘(")
        return self.raw[start].isupper() and bool(before) and before[-1] not in ".!?:…—–-"

    def words(self) -> None:
        for number in self.numbers:
            if not self.free(number.start, number.end):
                continue
            units, start, end = _units_at(self.folded, number.start, number.end, self.lang)
            kind = "ordinal" if number.ordinal else "number"
            weak = number.weak or plural_count(number, self.lang) or self._capitalised(number.start)
            self.add(start, end, {number.value}, kind, units, weak, figure=number.text)


def find_numbers(text: str, lang: str) -> list[Mention]:
    """Every date, time, figure and number word of ``text`` read with ``lang``'s conventions, in order."""
    return list(_find_numbers(text, base_lang(lang)))


@lru_cache(maxsize=2048)
def _find_numbers(text: str, lang: str) -> tuple[Mention, ...]:
    reader = _Reader(text, lang)
    reader.dates()
    reader.times()
    reader.figures()
    reader.fractions()
    reader.words()
    return tuple(sorted(reader.found))
