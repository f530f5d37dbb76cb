"""Numbers written in words: "deux décennies", "eleven million", "двух миллионов", "三百万".

text2num reads the languages it covers (fr en es pt de nl it da). Elsewhere a small parser reads
number words whose vocabulary comes from num2words (the words of 0..20, the tens, the hundreds, the
scales and the ordinals, in the language's own spelling) and whose inflected forms are brought back to
the dictionary form by simplemma (Russian "двух" -> "два", Polish "milionów" -> "milion"). Chinese and
Japanese numerals (十, 百, 千, 万, 亿, ...) are read by their own rules.

A number word is *weak* when it is as likely an article or an idiom as a figure: a single word worth 1
or 2 ("un", "a", "one", "both"), an ordinal first or second ("premier" ministre, "second"-hand), a scale
word alone ("des millions"), or one CJK numeral not followed by a counter. A weak number is not required
in the translation; it is only flagged when another number stands in its place.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from trpipe.checks.text import base_lang, lemma

TEXT2NUM_LANGS = frozenset({"fr", "en", "es", "pt", "de", "nl", "it", "da"})


class WordNumber(NamedTuple):
    start: int
    end: int
    text: str
    value: Decimal
    ordinal: bool
    weak: bool


class _Token:
    """The token protocol of text_to_num.find_numbers."""

    __slots__ = ("word",)

    def __init__(self, word: str) -> None:
        self.word = word

    def text(self) -> str:
        return self.word

    def nt_separated(self, previous: object) -> bool:
        return False

    def not_a_number_part(self) -> bool:
        return False


_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")


def _weak(words: int, value: Decimal, ordinal: bool) -> bool:
    if words == 1 and value <= 2:
        return True
    if ordinal and value <= 2:
        return True
    # A scale word alone: "millions of people", "des centaines".
    return words == 1 and value >= 100 and value == value.to_integral_value() and str(int(value)).rstrip("0") == "1"


def _text2num(text: str, lang: str) -> list[WordNumber]:
    from text_to_num import find_numbers

    tokens = list(_TOKEN.finditer(text))
    if not any(m[0][0].isalpha() for m in tokens):
        return []
    found = []
    for occ in find_numbers([_Token(m[0]) for m in tokens], lang, 0):
        first, last = tokens[occ.start], tokens[occ.end - 1]
        span = [t for t in tokens[occ.start : occ.end] if t[0][0].isalpha()]
        if not span:
            continue  # digits alone are read elsewhere
        if any(t[0][0].isdigit() for t in tokens[occ.start : occ.end]):
            continue  # "75 milliards": the digit reader handles a figure with its scale word
        value = Decimal(str(occ.value)).normalize()
        if value != value.to_integral_value() and value > 1000:
            value = value.quantize(Decimal(1))
        found.append(
            WordNumber(
                first.start(),
                last.end(),
                text[first.start() : last.end()],
                value,
                bool(occ.is_ordinal),
                _weak(len(span), value, bool(occ.is_ordinal)),
            )
        )
    return found


@lru_cache(maxsize=32)
def _vocabulary(lang: str) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(small numbers, scales, ordinals) of ``lang``: words and their dictionary forms -> value."""
    try:
        from num2words import num2words
    except ImportError:  # pragma: no cover - a declared dependency
        return {}, {}, {}
    small: dict[str, int] = {}
    scales: dict[str, int] = {}
    ordinals: dict[str, int] = {}

    def spell(n: int, to: str = "cardinal", **forms: str) -> list[str]:
        try:
            return re.findall(r"[^\W\d_]+", num2words(n, lang=lang, to=to, **forms).lower())
        except (NotImplementedError, KeyError, TypeError, ValueError, OverflowError, AttributeError):
            return []

    # Russian and Ukrainian numerals decline: num2words spells every case and gender there.
    inflections = [{}]
    if lang in ("ru", "uk"):
        inflections += [{"case": c, "gender": g} for c in _CASES for g in ("m", "f", "n")]
    for n in [*range(0, 21), *range(30, 100, 10), *range(100, 1000, 100)]:
        for forms in inflections:
            spelt = spell(n, **forms)
            if len(spelt) == 1:
                small.setdefault(spelt[0], n)
                small.setdefault(lemma(spelt[0], lang), n)
    for exponent in (3, 6, 9, 12):
        for count in (1, 2, 5):
            for forms in inflections:
                spelt = spell(count * 10**exponent, **forms)
                if not spelt:
                    continue
                word = spelt[-1]
                for prefix in sorted(small, key=len, reverse=True):  # Turkish writes "ikimilyon"
                    if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                        word = word[len(prefix) :]
                        break
                scales.setdefault(word, 10**exponent)
                if lemma(word, lang) not in small:
                    scales.setdefault(lemma(word, lang), 10**exponent)
    for n in [*range(1, 21), *range(30, 101, 10)]:
        spelt = spell(n, "ordinal")
        if len(spelt) == 1:
            ordinals.setdefault(spelt[0], n)
            ordinals.setdefault(lemma(spelt[0], lang), n)
    for table in (small, scales):
        for word in [w for w in table if w in ordinals and ordinals[w] != table[w]]:
            del ordinals[word]
    return small, scales, ordinals


def _vocabulary_numbers(text: str, lang: str) -> list[WordNumber]:
    small, scales, ordinals = _vocabulary(lang)
    if not small:
        return []
    found: list[WordNumber] = []
    run: list[tuple[re.Match[str], str, int]] = []  # (token, kind, value)

    def close() -> None:
        if not run:
            return
        total, current, ordinal = 0, 0, False
        for _, kind, value in run:
            if kind == "scale":
                total += max(current, 1) * value
                current = 0
            else:
                current += value
                ordinal = ordinal or kind == "ordinal"
        total += current
        start, end = run[0][0].start(), run[-1][0].end()
        value = Decimal(total)
        found.append(WordNumber(start, end, text[start:end], value, ordinal, _weak(len(run), value, ordinal)))
        run.clear()

    for match in re.finditer(r"[^\W\d_]+", text):
        word = match[0].lower()
        forms = (word, lemma(word, lang), word[1:] if lang == "ar" and word[:1] == "و" else word)
        kind, value = None, 0
        for form in forms:
            if form in scales:
                kind, value = "scale", scales[form]
            elif form in small:
                kind, value = "small", small[form]
            elif form in ordinals:
                kind, value = "ordinal", ordinals[form]
            if kind:
                break
        gap = text[run[-1][0].end() : match.start()] if run else ""
        if kind and (not run or not gap.strip()) and (not run or run[-1][1] != "ordinal"):
            run.append((match, kind, value))
        else:
            close()
            if kind:
                run.append((match, kind, value))
    close()
    return found


_CASES = ("nominative", "genitive", "dative", "accusative", "instrumental", "prepositional")
_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CJK_DIGITS.update({"八": 8, "九": 9})
_CJK_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CJK_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "兆": 10**12}
_CJK_RUN = re.compile("[〇零一二两兩三四五六七八九十百千万萬亿億兆]+")
# Counters and measure words: a single numeral before one of these is a figure ("三年", "五个人").
_COUNTERS = set("个個名位年岁歲天日月次家人件项項种種座所条條架辆輛台倍届屆周週枚本冊回件度号號层層场場")


def cjk_value(numeral: str) -> int | None:
    """三百二十 -> 320, 两万 -> 20000, 一亿五千万 -> 150000000; None when it is not a well-formed numeral."""
    if all(char in _CJK_DIGITS for char in numeral):  # digit by digit: 二〇二一
        return int("".join(str(_CJK_DIGITS[char]) for char in numeral))
    total, section, digit = 0, 0, None
    for char in numeral:
        if char in _CJK_DIGITS:
            if digit is not None:
                return None
            digit = _CJK_DIGITS[char]
        elif char in _CJK_SMALL_UNITS:
            section += (1 if digit is None else digit) * _CJK_SMALL_UNITS[char]
            digit = None
        elif char in _CJK_BIG_UNITS:
            section += digit or 0
            total += max(section, 1) * _CJK_BIG_UNITS[char]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _cjk_numbers(text: str) -> list[WordNumber]:
    found = []
    for match in _CJK_RUN.finditer(text):
        value = cjk_value(match[0])
        if value is None:
            continue
        after = text[match.end() : match.end() + 1]
        before = text[match.start() - 1 : match.start()] if match.start() else ""
        if before in ("第",):
            found.append(WordNumber(match.start() - 1, match.end(), "第" + match[0], Decimal(value), True, value <= 2))
            continue
        weak = (len(match[0]) == 1 and after not in _COUNTERS) or value <= 1
        found.append(WordNumber(match.start(), match.end(), match[0], Decimal(value), False, weak))
    return found


def word_numbers(text: str, lang: str) -> list[WordNumber]:
    """Numbers written in words in ``text`` (digits are read elsewhere), in order."""
    lang = base_lang(lang)
    if lang in ("zh", "ja"):
        return _cjk_numbers(text)
    found = _text2num(text, lang) if lang in TEXT2NUM_LANGS else _vocabulary_numbers(text, lang)
    collective = _collective_numbers(text, lang)
    if collective:
        found = [w for w in found if not any(w.start < c.end and c.start < w.end for c in collective)]
        found = sorted([*found, *collective], key=lambda w: w.start)
    return found


# Collective numerals (a closed class of each language): "une vingtaine" is about twenty, "un millier" about a
# thousand, "a dozen" twelve. Read with their article as one approximate number, weak as the plural counts
# are (a translation may say "some twenty" or "about 20", or leave the count out), so that the article is not
# read as a 1 of its own that "twenty" would stand in place of (round 4 of issue 24).
COLLECTIVE_NOUNS = {
    "fr": {"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
           "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000},
    "es": {"decena": 10, "docena": 12, "veintena": 20, "treintena": 30, "centenar": 100, "centena": 100,
           "millar": 1000},
    "it": {"decina": 10, "dozzina": 12, "ventina": 20, "trentina": 30, "quarantina": 40, "cinquantina": 50,
           "centinaio": 100, "centinaia": 100, "migliaio": 1000, "migliaia": 1000},
    "pt": {"dezena": 10, "duzia": 12, "vintena": 20, "centena": 100, "milhar": 1000},
    "en": {"dozen": 12},
    "de": {"dutzend": 12},
    "nl": {"dozijn": 12},
}  # fmt: skip
_COLLECTIVE_ARTICLES = {"fr": "un une des", "es": "un una unos unas", "it": "un una", "pt": "um uma uns umas",
                        "en": "a", "de": "ein eine einem einen einer", "nl": "een"}  # fmt: skip


@lru_cache(maxsize=32)
def _collective_pattern(lang: str) -> re.Pattern | None:
    nouns = COLLECTIVE_NOUNS.get(lang)
    if not nouns:
        return None
    articles = "|".join(_COLLECTIVE_ARTICLES.get(lang, "").split())
    words = "|".join(sorted(nouns, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:(?:{articles})\s+)?({words})s?(?!\w)", re.IGNORECASE)


def _collective_numbers(text: str, lang: str) -> list[WordNumber]:
    from trpipe.checks.text import fold_keep

    pattern = _collective_pattern(lang)
    if pattern is None:
        return []
    folded = fold_keep(text)
    return [
        WordNumber(m.start(), m.end(), text[m.start() : m.end()], Decimal(COLLECTIVE_NOUNS[lang][m[1].lower()]),
                   False, True)
        for m in pattern.finditer(folded)
    ]  # fmt: skip


CJK_FRACTION = re.compile(r"([〇零一二两三四五六七八九十百\d]+)分之([〇零一二两三四五六七八九十\d]+)")
# Fraction nouns (a closed class of each language): the ordinals after "a"/"one" are read by their rule.
FRACTION_NOUNS = {
    "en": {"half": 2, "halves": 2, "quarter": 4, "quarters": 4},
    "fr": {"moitie": 2, "tiers": 3, "quart": 4, "quarts": 4},
    "de": {"halfte": 2, "drittel": 3, "viertel": 4, "funftel": 5, "zehntel": 10},
    "nl": {"helft": 2, "kwart": 4},
    "es": {"mitad": 2, "tercio": 3, "tercios": 3},
    "pt": {"metade": 2, "terco": 3, "tercos": 3},
    "it": {"meta": 2},
    "ru": {"половина": 2, "половину": 2, "треть": 3, "трети": 3, "четверть": 4, "четверти": 4},
    "uk": {"половина": 2, "третина": 3, "чверть": 4},
    "pl": {"polowa": 2, "trzecia": 3, "cwierc": 4},
}
FRACTION_ARTICLES = {
    "en": {"a", "one"},
    "fr": {"un", "une"},
    "es": {"un", "una"},
    "pt": {"um", "uma"},
    "it": {"un", "uno", "una"},
    "de": {"ein", "einem", "einen", "einer"},
    "nl": {"een"},
}


def plural_count(number, lang: str) -> bool:
    """A number word in the plural (tens of thousands, hundreds): an approximate count, not a figure."""
    text = number.text.lower()
    if " " in text.strip() or not text.endswith("s") or number.ordinal:
        return False
    return any(w.value == number.value for w in word_numbers(number.text[:-1], lang))
