"""Spelling-tolerant matching of names: inflection, transliteration, CLDR equivalents, places in scripts
without spaces. Used by the names check (trpipe.checks.names) and the summary flags."""

from __future__ import annotations

import re
from functools import lru_cache

from trpipe.checks import locale
from trpipe.checks.lexicon import acronyms, generic_words, religions
from trpipe.checks.text import fold

_SKELETON = (("sch", "sh"), ("tch", "ch"), ("kh", "h"), ("ph", "f"), ("ck", "k"), ("ou", "u"), ("c", "k"))
_SKELETON += (("q", "k"), ("w", "v"), ("y", "i"), ("j", "i"), ("x", "ks"), ("ë", "e"))


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """A spelling key: transliterated, folded, 'ou'/'u', 'y'/'i', 'c'/'k' ... merged (Ouïghour = Uyghur)."""
    text = fold(word)
    if not text.isascii():
        from anyascii import anyascii

        text = fold(anyascii(text))
    for old, new in _SKELETON:
        text = text.replace(old, new)
    return text.replace(" ", "")


def stem(word: str) -> str:
    """'ouighours' -> 'ouighour', 'parties' -> 'parti': a plural ending off, never below 4 letters."""
    for ending in ("es", "s", "x", "en", "n"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


# Endings that inflect a name (plural, genitive, case) in the Latin-script languages, and the case endings a
# transliterated Russian, Ukrainian or Polish name may carry (Путина -> Putina).
_LATIN_ENDINGS = frozenset({"", "s", "es", "n", "en", "ns", "ia", "ie"})
_TRANSLIT_ENDINGS = _LATIN_ENDINGS | {
    "a",
    "u",
    "i",
    "y",
    "o",
    "om",
    "em",
    "ov",
    "ym",
    "im",
    "ogo",
    "ego",
    "oi",
    "ei",
    "ia",
    "ie",
    "iu",
    "ą",
    "ę",
}


@lru_cache(maxsize=131072)
def same_word(a: str, b: str) -> bool:
    """Whether folded words ``a`` and ``b`` are one word inflected or spelt otherwise (Uighurs = Ouïghour).

    The longer must be the shorter (or its stem) plus an inflection ending; "Megvi" is not "Megvii", nor
    "Rotner" "Rottner".
    """
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    translit = not (a.isascii() and b.isascii())
    endings = _TRANSLIT_ENDINGS if translit else _LATIN_ENDINGS
    for x, y in ((a, b), (skeleton(a), skeleton(b))):
        if x == y:
            return True
        if x != a and len(x) >= 5 and (x + "e" == y or y + "e" == x):
            return True  # a French transliteration's tail: Poutine = Putin, Medvedeve
        short, long = sorted((x, y), key=len)
        for base in {short, stem(short)}:
            if len(base) >= 4 and long.startswith(base) and long[len(base) :] in endings:
                return True
    return False


class Words:
    """Folded words indexed by their first letters, for fast inflection-tolerant lookups."""

    def __init__(self, words: list[str]) -> None:
        self.all = words
        self.set = set(words)
        self.by_prefix: dict[str, list[str]] = {}
        for word in self.set:
            self.by_prefix.setdefault(skeleton(word)[:3], []).append(word)
        self._places: frozenset[str] | None = None

    @property
    def places(self) -> frozenset[str]:
        """Places the words derive from: 'londoniens' -> {'london'}, 'europeen' -> {'europe', 'europa'}."""
        if self._places is None:
            self._places = frozenset().union(*(locale.demonym_places(w) for w in self.set if len(w) >= 5))
        return self._places

    def has(self, word: str) -> bool:
        if word in self.set:
            return True
        if len(word) < 4:
            return False
        return any(same_word(word, w) for w in self.by_prefix.get(skeleton(word)[:3], ()))


def transliterated(a: str, b: str) -> bool:
    """Whether a name in another script (``a``) and a Latin one (``b``) sound alike after transliteration (anyascii
    and the spelling skeleton): Си Цзиньпин and Xi Jinping, Шольц and Scholz; a different name does not."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, skeleton(a), skeleton(b)).ratio() >= TRANSLITERATION_SIMILARITY


TRANSLITERATION_SIMILARITY = 0.6


@lru_cache(maxsize=16384)
def word_equivalents(word: str) -> frozenset[str]:
    """Forms of a proper noun in the shipped languages: CLDR places and languages, religions, acronyms."""
    forms = set(locale.equivalents(word)) | set(religions().get(word, ())) | set(acronyms().get(word, ()))
    if len(word) > 4 and locale.place_keys(stem(word)):
        forms |= set(locale.equivalents(stem(word)))
    return frozenset(forms)


@lru_cache(maxsize=16384)
def demonym_prefixes(word: str) -> frozenset[str]:
    """For a word derived from a place (European, chinoise), the stems of that place in every language."""
    if len(word) < 5:
        return frozenset()
    stems = set()
    for place in locale.demonym_places(word):
        for form in locale.equivalents(place):
            stem = form.rstrip("aeiouy")
            if len(stem) >= 4 and " " not in form:
                stems.add(stem)
    return frozenset(stems)


def generic(word: str) -> bool:
    return word in generic_words() or stem(word) in generic_words()


@lru_cache(maxsize=8)
def _place_regex(lang: str) -> re.Pattern[str] | None:
    """CLDR place names in a script without spaces or case (中国, 北京, الصين), longest first."""
    names = [n for n in locale.places() if not n.isascii() and len(n) >= 2 and " " not in n]
    names = [n for n in names if _script_of(n) == _script_of_lang(lang)]
    if not names:
        return None
    return re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))


def _script_of(text: str) -> str:
    char = next((c for c in text if c.isalpha()), "")
    if "\u0600" <= char <= "\u06ff":
        return "arab"
    if "\u3040" <= char <= "\u30ff":
        return "kana"
    if "\u4e00" <= char <= "\u9fff":
        return "han"
    return "other"


def _script_of_lang(lang: str) -> str:
    return {"ar": "arab", "fa": "arab", "zh": "han", "ja": "han"}.get(lang, "other")


def places_in(text: str, lang: str) -> list[str]:
    regex = _place_regex(lang)
    if regex is None:
        return []
    places = list(dict.fromkeys(m[0] for m in regex.finditer(fold(text))))
    if lang == "ja":
        kana = _place_regex_kana()
        if kana is not None:
            places += list(dict.fromkeys(m[0] for m in kana.finditer(fold(text))))
    return places


@lru_cache(maxsize=1)
def _place_regex_kana() -> re.Pattern[str] | None:
    names = [n for n in locale.places() if _script_of(n) == "kana" and len(n) >= 2 and " " not in n]
    return re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True)))) if names else None


COGNATE_SIMILARITY = 0.72
MIN_COGNATE_LETTERS = 4


@lru_cache(maxsize=65536)
def cognates(a: str, b: str) -> bool:
    """Words (folded) of four letters or more whose spelling skeletons are mostly the same."""
    from difflib import SequenceMatcher

    if min(len(a), len(b)) < MIN_COGNATE_LETTERS or a.isdigit() or b.isdigit():
        return False
    x, y = skeleton(a), skeleton(b)
    if x[:5] == y[:5] and min(len(x), len(y)) >= 5:
        return True
    return SequenceMatcher(None, x, y, autojunk=False).ratio() >= COGNATE_SIMILARITY


def source_word(word: str, index: Words, source_folded: str) -> bool:
    """Whether a word of a name of the translation stands in the source: as written, inflected, in a CLDR
    form, through a word derived from it (European: Europe), or in another script."""
    if generic(word):
        return False
    forms = word_equivalents(word) | {word}
    if any(index.has(form) for form in forms):
        return True
    stems = demonym_prefixes(word)
    if stems and any(w.startswith(stem) for w in index.set for stem in stems):
        return True
    if not forms.isdisjoint(index.places):
        return True
    return any(form in source_folded for form in forms if not form.isascii() and len(form) >= 2)
