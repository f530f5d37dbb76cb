"""Numbers and dates in text, read with a language's conventions, compared by value.

800 000 € and €800,000 and 800.000 (French thousands) are all 800000; "75 milliards" is 75e9 like "75 billion";
"12 février 2021" and "February 12, 2021" are the date (12, 2, 2021). Used by the translation checks and by the
summary's faithfulness flags.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple


def base_lang(code: str) -> str:
    """'fr-FR' -> 'fr'."""
    return re.split(r"[-_]", code.strip().lower())[0]


_DOT_DECIMAL_LANGS = frozenset({"en", "zh", "ja", "ko", "th", "he", "hi", "ms"})
_MONTH_NAMES = (  # months in order, separated by ";": fr, en, de, es, it, abbreviations
    "janvier janv january jan januar jänner enero gennaio; février fevrier févr fevr february feb februar febrero "
    "febbraio; mars march mar märz marz marzo; avril avr april apr abril aprile; mai may mayo maggio; juin june jun "
    "juni junio giugno; juillet juil july jul juli julio luglio; août aout august aug agosto; septembre sept "
    "september sep septiembre settembre; octobre oct october oktober octubre ottobre; novembre nov november "
    "noviembre; décembre decembre déc dec december dezember diciembre dicembre"
)
MONTHS = {name: month for month, names in enumerate(_MONTH_NAMES.split(";"), 1) for name in names.split()}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:er|re|ère|st|nd|rd|th|º|°|\.)?\s+(?:de\s+|of\s+)?({_MONTH})\b\.?"
    r"(?:,?\s+(?:de\s+|del\s+)?(\d{4})(?!\d))?",
    re.I,
)
_MONTH_DAY = re.compile(rf"\b({_MONTH})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{{4}})(?!\d))?", re.I)
_NUMERIC_DATE = re.compile(r"(?<![\d.,/])(\d{1,2})([./])(\d{1,2})\2(\d{4}|\d{2})(?![.,/]?\d)")
_SCALES = {
    3: "k mille thousand thousands tausend mila mil tsd",
    6: "million millions millionen mio mln millón millon millones milione milioni",
    9: "milliard milliards milliarde milliarden mrd md mds bn bln miliardo miliardi",
    12: "tn trn billón billon billones",
}
_SCALE_EXPONENT = {word: exp for exp, words in _SCALES.items() for word in words.split()}
_SCALE_WORDS = sorted([*_SCALE_EXPONENT, "mil millones", "billion", "billions", "trillion", "trillions"], key=len)
_SCALE = re.compile(
    r"[ \u00a0\u202f]*(" + "|".join(map(re.escape, reversed(_SCALE_WORDS))) + r"|m(?=\s?[€$£]))(?![^\W\d_])\.?",
    re.I,
)
_SPACED_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?!\d)(?:[.,]\d+)?"
_PLAIN_NUMBER = r"\d+(?:[.,'’]\d+)*"
_NUMBER_SPACED = re.compile(rf"(?<!\d)(?:{_SPACED_NUMBER}|{_PLAIN_NUMBER})")
_NUMBER_PLAIN = re.compile(rf"(?<!\d){_PLAIN_NUMBER}")
_RANGE_JOIN = re.compile(r"\s*(?:à|a|au|-|–|—|to|bis|y|e|et|and|or|ou|o|oder|und)\s*", re.I)
_NUMBER_WORDS = {
    "en": "zero one two three four five six seven eight nine ten",
    "fr": "zéro - deux trois quatre cinq six sept huit neuf dix",
    "de": "null eins zwei drei vier fünf sechs sieben acht neun zehn",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez",
    "it": "zero uno due tre quattro cinque sei sette otto nove dieci",
}
_ORDINAL_WORDS = {
    "en": "- first second third fourth fifth sixth seventh eighth ninth tenth",
    "fr": "- premier deuxième troisième quatrième cinquième sixième septième huitième neuvième dixième",
}
_EXTRA_WORDS = {"en": {"dozen": 12}, "fr": {"première": 1, "second": 2, "seconde": 2, "douzaine": 12}}


class NumberMention(NamedTuple):
    """A number as written (``text``) and every value it may stand for (``values``)."""

    text: str
    values: frozenset


def _number_value(token: str, decimal_mark: str) -> Decimal:
    """'800 000' -> 800000; '800.000' -> 800000 unless '.' is the decimal mark; '2,5' -> 2.5."""
    digits = re.sub(r"[\s'’]", "", token)
    marks = [c for c in digits if c in ".,"]
    if not marks:
        return Decimal(digits)
    last = marks[-1]
    if len(set(marks)) == 2:  # 1.234,5 or 1,234.5: the last mark is the decimal one
        whole, fraction = digits.rsplit(last, 1)
        return Decimal(re.sub(r"[.,]", "", whole) + "." + fraction)
    if len(marks) > 1:  # 1.234.567
        return Decimal(digits.replace(last, ""))
    whole, fraction = digits.split(last)
    if len(fraction) != 3 or last == decimal_mark:
        return Decimal(whole + "." + fraction)
    return Decimal(whole + fraction)


def _scale_exponent(word: str, lang: str) -> int:
    word = word.lower()
    if word.startswith(("billion", "trillion")):  # short scale in English, long scale elsewhere
        return (9 if word.startswith("b") else 12) + (0 if lang == "en" else 3)
    return 9 if word == "mil millones" else 6 if word == "m" else _SCALE_EXPONENT.get(word, 0)


def find_numbers(text: str, lang: str, lenient: bool = False) -> list[NumberMention]:
    """Numbers and dates of ``text`` read with ``lang``'s conventions.

    ``lenient`` (used on translations) also reads number words, dates without their year and numeric
    dates in both day/month orders.
    """
    lang = base_lang(lang)
    found: list[NumberMention] = []

    def mask(match: re.Match[str]) -> str:
        return " " * len(match.group(0))

    def add_date(match: re.Match[str], day: str, month: int | None, year: str | None) -> str:
        if not month or not 1 <= int(day) <= 31:
            return match.group(0)
        dates = {("date", int(day), month, int(year) if year else None)}
        if lenient:
            dates.add(("date", int(day), month, None))
        found.append(NumberMention(match.group(0), frozenset(dates)))
        return mask(match)

    text = _DAY_MONTH.sub(lambda m: add_date(m, m[1], MONTHS.get(m[2].lower()), m[3]), text)
    text = _MONTH_DAY.sub(lambda m: add_date(m, m[2], MONTHS.get(m[1].lower()), m[3]), text)

    def numeric_date(match: re.Match[str]) -> str:
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        year += 0 if year >= 100 else 2000 if year <= 50 else 1900
        orders = [(first, second), (second, first)] if lenient or lang == "en" else [(first, second)]
        dates = {("date", d, m, year) for d, m in orders if 1 <= d <= 31 and 1 <= m <= 12}
        if not dates:
            return match.group(0)
        found.append(NumberMention(match.group(0), frozenset(dates)))
        return mask(match)

    text = _NUMERIC_DATE.sub(numeric_date, text)

    decimal_mark = "." if lang in _DOT_DECIMAL_LANGS else ","
    pattern = _NUMBER_PLAIN if decimal_mark == "." else _NUMBER_SPACED
    numbers: list[tuple[int, int, int, Decimal]] = []  # start, end, scale exponent, value
    for match in pattern.finditer(text):
        end, exponent = match.end(), 0
        scale = _SCALE.match(text, end)
        if scale:
            end, exponent = scale.end(), _scale_exponent(scale[1], lang)
        numbers.append((match.start(), end, exponent, _number_value(match.group(0), decimal_mark)))
    for i, (start, end, exponent, value) in enumerate(numbers):
        values = {value * Decimal(10) ** exponent}
        following = numbers[i + 1] if i + 1 < len(numbers) else None
        if following and following[2] and not exponent and _RANGE_JOIN.fullmatch(text[end : following[0]]):
            values.add(value * Decimal(10) ** following[2])  # "1 à 2 milliards": 1 may mean 1 milliard
        found.append(NumberMention(text[start:end].strip(), frozenset(values)))

    if lenient:
        words = {w: n for n, w in enumerate(_NUMBER_WORDS.get(lang, "").split())}
        words |= {w: n for n, w in enumerate(_ORDINAL_WORDS.get(lang, "").split())}
        words |= _EXTRA_WORDS.get(lang, {})
        words.pop("-", None)
        for match in re.finditer(r"[^\W\d_]+", text):
            if match[0].lower() in words:
                value, scale = Decimal(words[match[0].lower()]), _SCALE.match(text, match.end())
                if scale:
                    value *= Decimal(10) ** _scale_exponent(scale[1], lang)
                found.append(NumberMention(match[0], frozenset({value})))
    return found
