"""Locale data from CLDR (through Babel), read lazily and cached: the checks hold no hand-written month tables.

For a language: its decimal and grouping marks; month and weekday names (wide and abbreviated, format and
stand-alone forms, so Russian and Polish genitives are there); scale words ("milliards", "Mrd.", "млн", "亿")
from the compact decimal formats; currency names, plurals, symbols and ISO codes; measurement unit names;
day periods (a.m./p.m.). Across the shipped languages: territory, language and city names (the time-zone
exemplar cities), which make the name equivalences (Chine = China = 中国, Moscou = Moscow = Москва).
"""

from __future__ import annotations

import contextlib
import math
import re
from functools import lru_cache

from trpipe.checks.text import base_lang, fold, fold_keep, known_word, lemma
from trpipe.tablecache import cached_table

# The languages of models.yaml, and the regional locales whose forms appear in their news (en-GB
# "kilometres", pt-PT "mil milhões", Levantine Arabic month names, traditional Chinese).
SHIPPED_LANGS = ("fr", "en", "de", "es", "it", "pt", "nl", "ru", "zh", "ar", "pl", "uk", "ja", "tr", "sv")
_VARIANTS = {
    "en": ("en", "en_GB", "en_AU", "en_CA", "en_IN"),
    "pt": ("pt", "pt_PT"),
    "es": ("es", "es_419", "es_MX"),
    "fr": ("fr", "fr_CA", "fr_CH", "fr_BE"),
    "de": ("de", "de_CH", "de_AT"),
    "zh": ("zh", "zh_Hant"),
    "ar": ("ar", "ar_SY", "ar_LB", "ar_IQ", "ar_MA"),
    "nl": ("nl", "nl_BE"),
    "it": ("it", "it_CH"),
}
# Currencies compared: the ones news in the shipped languages write. Names shared by many (dollar, franc,
# krona) map to all of those sharing them, so "dollars" is compatible with US$ and C$ but not with €.
CURRENCIES = (
    "EUR USD GBP JPY CNY CHF RUB UAH PLN SEK NOK DKK TRY CAD AUD INR HKD TWD SAR AED EGP MAD DZD TND ILS CZK HUF RON"
).split()
# Measurement units compared (CLDR unit ids).
UNITS = (
    "length-kilometer length-meter length-centimeter length-millimeter length-mile length-foot length-yard "
    "length-inch length-nautical-mile area-square-kilometer area-square-meter area-square-mile area-hectare "
    "area-acre area-square-foot mass-tonne mass-kilogram mass-gram mass-pound mass-ton mass-ounce "
    "temperature-celsius temperature-fahrenheit temperature-generic volume-liter volume-cubic-meter "
    "volume-gallon volume-barrel volume-milliliter speed-kilometer-per-hour speed-mile-per-hour speed-knot "
    "power-megawatt power-gigawatt power-kilowatt power-watt energy-kilowatt-hour duration-century "
    "duration-decade duration-year duration-month duration-week duration-day duration-hour duration-minute "
    "duration-second concentr-percent concentr-permille"
).split()


@lru_cache(maxsize=64)
def locales(lang: str) -> tuple:
    """Babel locales for ``lang``: the base locale first, then its regional variants that CLDR has."""
    from babel import Locale, UnknownLocaleError, localedata

    out = []
    for ident in _VARIANTS.get(base_lang(lang), (base_lang(lang),)):
        if localedata.exists(ident):
            try:
                out.append(Locale.parse(ident))
            except (UnknownLocaleError, ValueError):
                continue
    return tuple(out)


def _first(lang: str):
    found = locales(lang)
    return found[0] if found else None


@lru_cache(maxsize=64)
@cached_table("cldr-number-marks")
def number_marks(lang: str) -> tuple[str, str]:
    """(decimal mark, grouping mark) of ``lang``'s Latin-digit numbers; ('.', ',') when CLDR has no locale."""
    loc = _first(lang)
    if loc is None:
        return ".", ","
    symbols = loc.number_symbols.get("latn", {})
    return symbols.get("decimal", "."), symbols.get("group", ",")


def _dotless(name: str) -> str:
    return fold(name.replace(".", ""))


@lru_cache(maxsize=64)
@cached_table("cldr-month-names")
def month_names(lang: str) -> tuple[dict[str, int], dict[str, int], bool]:
    """(wide names -> month, abbreviated names -> month, whether the names are capitalised), folded.

    Wide names count on their own ("en mars"); abbreviations only next to a day or a year. Names are
    capitalised in English, German, Turkish: there only a capitalised word is a month ("May", not "may").
    """
    wide: dict[str, int] = {}
    short: dict[str, int] = {}
    capitalised = False
    for loc in locales(lang):
        for context in ("format", "stand-alone"):
            for month, name in loc.months[context]["wide"].items():
                wide.setdefault(_dotless(name), month)
                capitalised = capitalised or name[:1].isupper()
            for month, name in loc.months[context]["abbreviated"].items():
                key = _dotless(name)
                if len(key) >= 3 and not key.isdigit():
                    short.setdefault(key, month)
    return wide, {k: v for k, v in short.items() if k not in wide}, capitalised


@lru_cache(maxsize=64)
@cached_table("cldr-weekday-names")
def weekday_names(lang: str) -> dict[str, int]:
    """Wide weekday names (format and stand-alone), folded -> 0 (Monday) .. 6."""
    names: dict[str, int] = {}
    for loc in locales(lang):
        for context in ("format", "stand-alone"):
            for day, name in loc.days[context]["wide"].items():
                names.setdefault(_dotless(name), day)
    return names


@lru_cache(maxsize=64)
@cached_table("cldr-scale-words")
def scale_words(lang: str) -> dict[str, int]:
    """Scale words and abbreviations of ``lang`` -> power of ten: 'milliards' 9, 'mio' 6, '万' 4, 'bn' 9."""
    scales: dict[str, int] = {}
    for loc in locales(lang):
        compact = loc._data.get("compact_decimal_formats", {})
        for width in ("long", "short"):
            for forms in compact.get(width, {}).values():
                for magnitude, pattern in forms.items():
                    text = getattr(pattern, "pattern", str(pattern)).replace("'", "")
                    zeros = text.count("0")
                    word = fold(re.sub(r"[0#]+", " ", text))
                    if not word or not zeros or word in scales:
                        continue
                    exponent = round(math.log10(int(magnitude))) - (zeros - 1)
                    if exponent > 0:
                        scales[word] = exponent
    if base_lang(lang) == "en":
        # Newsroom abbreviations: 11m, $5bn, 10k, 2tn (CLDR's short forms are K, M, B, T).
        scales.update({"m": 6, "mn": 6, "mln": 6, "bn": 9, "bln": 9, "tn": 12, "trn": 12, "k": 3})
    return {w: e for w, e in scales.items() if not w.isdigit()}


@lru_cache(maxsize=1)
@cached_table("cldr-currency-symbols")
def _currency_symbols() -> dict[str, frozenset[str]]:
    """Every symbol and ISO code of the compared currencies, in every shipped locale: '$' -> {USD}."""
    symbols: dict[str, set[str]] = {}
    for lang in SHIPPED_LANGS:
        for loc in locales(lang):
            for code in CURRENCIES:
                symbol = loc.currency_symbols.get(code)
                if symbol:
                    symbols.setdefault(fold_symbol(symbol), set()).add(code)
    for code in CURRENCIES:
        symbols.setdefault(code.lower(), set()).add(code)
    return {s: frozenset(c) for s, c in symbols.items() if s}


def fold_symbol(symbol: str) -> str:
    return "".join(symbol.lower().split())


@lru_cache(maxsize=64)
@cached_table("cldr-currency-words")
def currency_words(lang: str) -> dict[str, frozenset[str]]:
    """Folded currency names of ``lang`` (every plural form) and their head words -> ISO codes.

    The head of "dollar des États-Unis" is "dollar", of "US dollars" "dollars": of the first and the last
    word of a name, the one less like a territory or language name (CLDR). A head maps to every compared
    currency whose names have it, so "dollars" stands for USD, CAD, AUD ... and never for EUR.
    """
    qualifiers = {
        word
        for loc in locales(lang)
        for name in (*loc.territories.values(), *loc.languages.values())
        for word in fold(name).split()
    }

    prefixes = {q[:size] for q in qualifiers for size in range(1, len(q) + 1)}

    def likeness(word: str) -> int:
        """How much ``word`` looks like a territory or language word: the longest prefix it shares with one."""
        if word.upper() == word and len(word) <= 3:
            return 99
        size = 0
        while size < len(word) and word[: size + 1] in prefixes:
            size += 1
        return size

    frequency: dict[str, int] = {}
    for loc in locales(lang):
        for name in loc.currencies.values():
            for word in set(fold(name).split()):
                frequency[word] = frequency.get(word, 0) + 1
    names: dict[str, set[str]] = {}
    for loc in locales(lang):
        plural = loc._data.get("currency_names_plural", {})
        for code in CURRENCIES:
            forms = {loc.currencies.get(code, ""), *plural.get(code, {}).values()}
            for form in filter(None, forms):
                folded = fold(form)
                names.setdefault(folded, set()).add(code)
                names.setdefault(unit_key(form), set()).add(code)
                words = [w for w in folded.split() if len(w) >= 3 and likeness(w) < 4]
                if len(words) > 1:  # "dirham des Émirats", "new shekel": a short common word is no head
                    words = [w for w in words if len(w) > 3 or not known_word(w, lang)] or words
                if len(folded.split()) > 1 and words:
                    head = max(
                        words, key=lambda w: (frequency.get(lemma(w, lang), 0) + frequency.get(w, 0), -likeness(w))
                    )
                    names.setdefault(head, set()).add(code)
    if base_lang(lang) in ("zh", "ja", "ko"):
        # No spaces: the head is a suffix shared by several names (米ドル, カナダ ドル -> ドル; 美元, 欧元 -> 元).
        joined = {name.replace(" ", ""): codes for name, codes in names.items()}
        for name in list(joined):
            for size in range(1, len(name)):
                suffix = name[-size:]
                if size == 1 and not "\u4e00" <= suffix <= "\u9fff":
                    continue  # one kana is no currency; one Han character may be (元, 円)
                sharing = [n for n in joined if n.endswith(suffix)]
                if len(sharing) >= 2:
                    names.setdefault(suffix, set()).update(*(joined[n] for n in sharing))
    for name in [n for n in names if " " not in n]:
        names.setdefault(lemma(name, lang), set()).update(names[name])  # Turkish "doları" -> "dolar"
    return {n: frozenset(c) for n, c in names.items() if n and not n.isdigit()}


def unit_key(text: str) -> str:
    """How unit and currency forms are compared: lower case, no accents, symbols kept, spaces squeezed."""
    return " ".join(fold_keep(text).split())


@lru_cache(maxsize=64)
@cached_table("cldr-unit-words")
def unit_words(lang: str) -> dict[str, tuple[str, bool]]:
    """Unit names and abbreviations of ``lang`` -> (CLDR unit id, whether only an abbreviation); 'per'
    forms -> 'per:' + id. 'kilomètres' and 'km' -> 'length-kilometer'; 'km/h' -> 'speed-kilometer-per-hour'.
    """
    names: dict[str, str] = {}
    long_forms: set[str] = set()
    for loc in locales(lang):
        patterns = loc._data.get("unit_patterns", {})
        display = loc._data.get("unit_display_names", {})
        for unit in UNITS:
            for width, forms in patterns.get(unit, {}).items():
                for count, pattern in forms.items():
                    key = unit_key(pattern.replace("{0}", " "))
                    if not key:
                        continue
                    if count == "per":
                        names.setdefault(key, "per:" + unit)
                        continue
                    names.setdefault(key, unit)
                    if width == "long":
                        long_forms.add(key)
            for width, name in display.get(unit, {}).items():
                key = unit_key(name)
                if key:
                    names.setdefault(key, unit)
                    if width == "long":
                        long_forms.add(key)
    # Percent signs are not in the unit patterns: % and its CLDR symbol.
    for loc in locales(lang):
        sign = loc.number_symbols.get("latn", {}).get("percentSign", "%")
        names.setdefault(sign.strip("\u061c\u200e"), "concentr-percent")
    names["%"] = "concentr-percent"
    names["‰"] = "concentr-permille"
    return {form: (unit, form not in long_forms) for form, unit in names.items()}


@lru_cache(maxsize=64)
@cached_table("cldr-twelve-hour")
def twelve_hour(lang: str) -> bool:
    """Whether ``lang`` writes clock times on a 12-hour dial (CLDR's short time format uses 'h', not 'H')."""
    loc = _first(lang)
    pattern = loc.time_formats["short"].pattern if loc else "HH:mm"
    return "h" in pattern.replace("'h'", "")


@lru_cache(maxsize=64)
@cached_table("cldr-month-day")
def month_before_day(lang: str) -> bool:
    """Whether ``lang`` writes a date's day after its month in one of its locales (CLDR's long or medium date
    format: "May 30" in English; German, French or Spanish always put the day first, so "Mai 30" is a month and
    a count). True where CLDR has no locale for ``lang``."""
    found = locales(lang)
    for loc in found:
        for width in ("long", "medium"):
            pattern = re.sub(r"'[^']*'", "", loc.date_formats[width].pattern)
            day, month = pattern.find("d"), pattern.find("M")
            if 0 <= month < day:
                return True
    return not found


@lru_cache(maxsize=64)
@cached_table("cldr-day-periods")
def day_periods(lang: str) -> dict[str, str]:
    """Folded a.m./p.m. markers of ``lang`` (abbreviated and wide) -> 'am' | 'pm'."""
    marks: dict[str, str] = {}
    for loc in locales(lang):
        for width in ("abbreviated", "wide"):
            for period in ("am", "pm"):
                name = loc.day_periods.get("format", {}).get(width, {}).get(period)
                if name:
                    marks.setdefault(_dotless(name).replace(" ", ""), period)
    return marks


@lru_cache(maxsize=64)
@cached_table("cldr-noon-midnight")
def noon_midnight(lang: str) -> dict[str, tuple[int, ...]]:
    """Folded words for noon and midnight in ``lang`` (CLDR's day periods: noon, midi, mezzogiorno, полночь) ->
    the clock times they name, in minutes after midnight."""
    times = {"noon": (720,), "midnight": (0, 1440)}
    out: dict[str, tuple[int, ...]] = {}
    for loc in locales(lang):
        for context in ("format", "stand-alone"):
            for width in ("abbreviated", "wide"):
                for period, minutes in times.items():
                    name = fold(loc.day_periods.get(context, {}).get(width, {}).get(period) or "")
                    if len(name) >= 4 and name.isalpha():  # not an abbreviation (min.)
                        out.setdefault(name, minutes)
    return out


@lru_cache(maxsize=1)
@cached_table("cldr-places")
def places() -> dict[str, frozenset[str]]:
    """Folded territory, language and city names in every shipped language -> keys ('T:CN', 'L:zh', 'C:...')."""
    table: dict[str, set[str]] = {}

    def add(name: str, key: str) -> None:
        folded = fold(name)
        if len(folded) >= 3 or (folded and not folded.isascii()):
            table.setdefault(folded, set()).add(key)

    for lang in SHIPPED_LANGS:
        for loc in locales(lang):
            for code, name in loc.territories.items():
                if code.isalpha() or code in ("150", "001", "419"):
                    add(name, "T:" + code)
            for code, name in loc.languages.items():
                if "_" not in code:
                    add(name, "L:" + code)
            for zone, info in loc.time_zones.items():
                if "city" in info:
                    add(info["city"], "C:" + zone)
                add(zone.rsplit("/", 1)[-1].replace("_", " "), "C:" + zone)  # CLDR's fallback: the zone's city
    return {name: frozenset(keys) for name, keys in table.items()}


# The ISO 3166-2 subdivisions (regions, states, provinces) and their names in other languages, from Debian's
# iso-codes package where it is installed (CLDR names no region): read when present.
ISO_CODES_JSON = "/usr/share/iso-codes/json/iso_3166-2.json"
ISO_CODES_LOCALES = "/usr/share/locale"


def _subdivision_names(name: str) -> list[str]:
    """The forms of an ISO 3166-2 name: 'Murcia, Región de' -> ['Región de Murcia', 'Murcia']."""
    out = []
    for part in re.split(r"[;\[\]]", name):
        part = re.sub(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b", "", part).strip(" ,")
        head, comma, tail = part.partition(", ")
        out += [f"{tail} {head}", head] if comma else [part] if part else []
    return out


@lru_cache(maxsize=1)
def subdivisions() -> dict[str, str]:
    """Folded name -> key ('bayern', 'bavaria', 'baviere' -> 'S:DE-BY') of the first-level ISO 3166-2
    subdivisions (a state, a region; not a department or a county inside one), as iso-codes writes them and
    translated into the shipped languages; {} without iso-codes. A name two subdivisions share is left out."""
    import os

    try:
        stamp = f"{os.path.getsize(ISO_CODES_JSON)}:{os.path.getmtime(ISO_CODES_JSON)}"
    except OSError:
        return {}
    return _subdivisions(stamp)


@cached_table("iso-subdivisions")
def _subdivisions(stamp: str) -> dict[str, str]:
    import gettext
    import json

    try:
        with open(ISO_CODES_JSON, encoding="utf-8") as handle:
            entries = json.load(handle)["3166-2"]
    except (OSError, ValueError, KeyError):
        return {}
    books = []
    for lang in SHIPPED_LANGS:
        with contextlib.suppress(OSError):
            books.append(gettext.translation("iso_3166-2", ISO_CODES_LOCALES, languages=[lang]))
    table: dict[str, set[str]] = {}
    for entry in entries:
        if "parent" in entry:
            continue
        for name in {entry["name"], *(book.gettext(entry["name"]) for book in books)}:
            for form in _subdivision_names(name):
                folded = fold(form)
                if len(folded) >= 4 or (folded and not folded.isascii()):
                    table.setdefault(folded, set()).add("S:" + entry["code"])
    return {name: next(iter(keys)) for name, keys in table.items() if len(keys) == 1}


@lru_cache(maxsize=1)
def place_forms() -> dict[str, frozenset[str]]:
    """Key -> every folded name it has in the shipped languages, with the short forms of trpipe.checks.lexicon."""
    from trpipe.checks.lexicon import place_aliases

    forms: dict[str, set[str]] = {}
    for name, keys in places().items():
        for key in keys:
            forms.setdefault(key, set()).add(name)
    for key, aliases in place_aliases().items():
        forms.setdefault(key, set()).update(aliases)
    for name, key in subdivisions().items():
        forms.setdefault(key, set()).add(name)
    return {k: frozenset(v) for k, v in forms.items()}


@lru_cache(maxsize=1)
def _alias_keys() -> dict[str, frozenset[str]]:
    from trpipe.checks.lexicon import place_aliases

    table: dict[str, set[str]] = {}
    for key, aliases in place_aliases().items():
        for alias in aliases:
            table.setdefault(alias, set()).add(key)
    return {a: frozenset(k) for a, k in table.items()}


def place_keys(folded_name: str) -> frozenset[str]:
    """The CLDR keys a folded name stands for ('chine' -> {'T:CN'}; 'usa' -> {'T:US'})."""
    found = places().get(folded_name, frozenset()) | _alias_keys().get(folded_name, frozenset())
    key = subdivisions().get(folded_name)
    return found | {key} if key else found


@lru_cache(maxsize=1)
def _prefix_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for name in places():
        trimmed = name.rstrip("aeiouy")
        if len(trimmed) >= 4 and " " not in name:
            index.setdefault(trimmed[:4], []).append(name)
    return {k: tuple(v) for k, v in index.items()}


@lru_cache(maxsize=16384)
def demonym_places(word: str) -> frozenset[str]:
    """Places a derived word names: 'european' -> {'europe'}, 'brazilian' -> {'brazil'} (CLDR names)."""
    found = set()
    for name in _prefix_index().get(word[:4], ()):
        stem = name.rstrip("aeiouy")
        if word.startswith(stem) and 0 < len(word) - len(stem) <= 5 and name != word:
            found.add(name)
    return frozenset(found)


@lru_cache(maxsize=16384)
def equivalents(folded_name: str) -> frozenset[str]:
    """Every folded form (in any shipped language) of the place or language ``folded_name`` names, itself included."""
    keys = place_keys(folded_name)
    if not keys:
        return frozenset({folded_name})
    forms = place_forms()
    return frozenset({folded_name}.union(*(forms.get(k, ()) for k in keys)))
