"""Text helpers shared by the checks: language codes, folding, tokens, lemmas, flags.

Nothing here loads data at import; the lemmatiser's dictionaries are read on first use and cached.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple

from trpipe.tablecache import cached_table

Flag = dict[str, Any]

# A flag's severity: an ERROR is what the checks are sure is wrong (``--strict`` and the closing line count
# these only); a WARNING is worth a look but often legitimate (a length the pair's ratio may explain, a name
# a pronoun may stand for); a NOTE only informs (a unit converted, a lexicon-less alignment).
ERROR, WARNING, NOTE = "error", "warning", "note"
SEVERITIES = (ERROR, WARNING, NOTE)

# Languages whose words simplemma lemmatises (zh, ja: no inflection to undo; others fall back to the word).
_SIMPLEMMA_LANGS = frozenset(
    "ar bg ca cs cy da de el en es et fa fi fr ga gd gl he hi hu hy id is it ka la lb lt lv mk ms nb nl nn pl pt "
    "ro ru se sk sl sq sr sv sw tl tr uk".split()
)
CJK_LANGS = frozenset({"zh", "ja", "ko"})
# Scripts without letter case: capitalisation says nothing about names there.
UNCASED_LANGS = frozenset({"zh", "ja", "ko", "ar", "fa", "he", "hi", "th"})

WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def base_lang(code: str | None) -> str:
    """'fr-FR' -> 'fr'; '' for nothing."""
    return re.split(r"[-_]", (code or "").strip().lower())[0]


Span = tuple[int, int]


def flag(
    check: str,
    detail: str,
    severity: str = ERROR,
    *,
    source: Span | None = None,
    target: Span | None = None,
    expected: object = None,
    found: object = None,
    measure: str | None = None,
    value: float | None = None,
    threshold: float | None = None,
) -> Flag:
    """A flag: ``{"check", "severity", "detail", "evidence"}``. The evidence holds what fired it: the source and
    target spans (character offsets into the sentence and its translation, ``{"start", "end"}``), the value
    expected and the one found, and the measure, its value and its threshold; keys without a value are left
    out."""
    evidence: dict[str, Any] = {}
    if source is not None:
        evidence["source"] = {"start": int(source[0]), "end": int(source[1])}
    if target is not None:
        evidence["target"] = {"start": int(target[0]), "end": int(target[1])}
    for key, item in (("expected", expected), ("found", found), ("measure", measure)):
        if item is not None and item != "":
            evidence[key] = str(item)
    for key, number in (("value", value), ("threshold", threshold)):
        if number is not None:
            evidence[key] = round(float(number), 4)
    return {"check": check, "severity": severity, "detail": " ".join(detail.split()), "evidence": evidence}


def severity(item: dict) -> str:
    """A flag's severity; a flag of an older document without one was an error."""
    value = item.get("severity")
    return value if value in SEVERITIES else ERROR


def is_error(item: dict) -> bool:
    return severity(item) == ERROR


def quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


@lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    """One character lower-cased, its accent dropped in the Latin, Greek and Cyrillic scripts (not kana's)."""
    base = c
    if c < "\u0530":
        base = unicodedata.normalize("NFKD", c)[:1] or c
    low = base.lower()
    return low[:1] if low else c


class _FoldTable(dict):
    """str.translate table that folds each character once and remembers it."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()
_PUNCTUATION = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Casefolded, accents stripped, punctuation as spaces: 'États-Unis' -> 'etats unis'."""
    text = text.translate(_FOLD_TABLE).casefold()
    return " ".join(_PUNCTUATION.sub(" ", text).split())


@lru_cache(maxsize=4096)
def fold_keep(text: str) -> str:
    """Lower-cased and accent-stripped, one character for one: offsets into the result are offsets into ``text``."""
    return text.translate(_FOLD_TABLE)


@lru_cache(maxsize=1)
@cached_table("unicode-digits")
def _digit_table() -> dict[int, str]:
    """Every Unicode decimal digit (Arabic-Indic, full-width, ...) to its ASCII digit; Arabic marks to . and ,."""
    table = {}
    for code in range(0x660, 0x1FBFA):
        char = chr(code)
        if not char.isascii() and unicodedata.category(char) == "Nd":
            table[code] = str(unicodedata.digit(char))
    table.update({0x066B: ".", 0x066C: ",", 0xFF0C: ",", 0xFF0E: ".", 0x066A: "%", 0xFF05: "%"})
    return table


def ascii_digits(text: str) -> str:
    """Digits of any script as ASCII digits, one character for one."""
    if text.isascii():
        return text
    return text.translate(_digit_table())


def has_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None


def is_latin(text: str) -> bool:
    """Whether the letters of ``text`` are mostly Latin."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    return sum(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in letters) >= 0.6 * len(letters)


@lru_cache(maxsize=65536)
def lemma(word: str, lang: str) -> str:
    """The dictionary form of ``word`` (lower-cased), by simplemma where it covers ``lang``; else the word."""
    lang = base_lang(lang)
    low = word.lower()
    if lang not in _SIMPLEMMA_LANGS:
        return low
    from trpipe.tablecache import lemmatize  # simplemma on its dictionaries cached once per machine

    return lemmatize(low, lang).lower()


@lru_cache(maxsize=65536)
def known_word(word: str, lang: str) -> bool:
    """Whether the lower-cased ``word`` is in simplemma's dictionary of ``lang`` (False where it has none)."""
    lang = base_lang(lang)
    if lang not in _SIMPLEMMA_LANGS:
        return False
    from trpipe.tablecache import is_known  # simplemma on its dictionaries cached once per machine

    return is_known(word.lower(), lang)


class Token(NamedTuple):
    start: int
    end: int
    text: str


def words(text: str) -> list[Token]:
    """Word tokens (letters, with inner apostrophes and hyphens) and their spans."""
    return [Token(m.start(), m.end(), m[0]) for m in WORD.finditer(text)]


def squeeze(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def proper_noun(word: str, lang: str) -> bool:
    """Whether simplemma gives ``word`` a capitalised dictionary form (Barcelona, Poland): a proper noun.
    Not judged for German, where every noun's dictionary form is capitalised."""
    lang = base_lang(lang)
    if lang not in _SIMPLEMMA_LANGS or lang in ("de", "lb"):
        return False
    from trpipe.tablecache import lemmatize  # simplemma on its dictionaries cached once per machine

    form = lemmatize(word.lower(), lang)
    return form[:1].isupper()


@lru_cache(maxsize=64)
@cached_table("stopwords-iso")
def stopwords(lang: str) -> frozenset[str]:
    """The stop-words of ``lang`` (stopwords-iso), folded; empty where it has none."""
    import stopwordsiso

    lang = base_lang(lang)
    return frozenset(fold(w) for w in stopwordsiso.stopwords(lang)) if stopwordsiso.has_lang(lang) else frozenset()


def phrase_span(text: str, folded_phrase: str) -> tuple[int, int] | None:
    """Where the words of ``folded_phrase`` (folded, as ``fold`` gives them) stand in ``text``, None if nowhere."""
    wanted = folded_phrase.split()
    if not wanted:
        return None
    tokens = [(m.start(), m.end(), fold(m[0])) for m in re.finditer(r"[^\W_]+", text)]
    for i in range(len(tokens) - len(wanted) + 1):
        if [t[2] for t in tokens[i : i + len(wanted)]] == wanted:
            return tokens[i][0], tokens[i + len(wanted) - 1][1]
    return None


def content_words(text: str, lang: str) -> list[str]:
    """The lemmas of ``text``'s content words (folded), figures included (the digest's story and fact context)."""
    stop = stopwords(lang)
    out = []
    for word in re.findall(r"[^\W_]+", fold(text)):
        if word in stop or (len(word) < 3 and not word.isdigit()):
            continue
        out.append(word if word.isdigit() else fold(lemma(word, lang)))
    return out


_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|dell|all|dall|nell|sull|dell|un|quell)['’](?=\w)", re.I)


def unelide(start: int, end: int, token: str) -> tuple[int, int, str]:
    """'l’Europe' -> 'Europe', 'Army's' -> 'Army': elided articles and possessives off a token."""
    elided = _ELISION.match(token)
    if elided:
        start, token = start + elided.end(), token[elided.end() :]
    if token[-2:] in ("'s", "’s"):
        end, token = end - 2, token[:-2]
    return start, end, token


@lru_cache(maxsize=65536)
def is_strong(token: str) -> bool:
    """An acronym (IPVM, LR) or a word with an inner capital (FusionSphere, iPhone): a name anywhere."""
    letters = [c for c in token if c.isalpha()]
    if len(letters) < 2:
        return False
    if all(c.isupper() for c in letters):
        return True  # an acronym: IPVM, LR
    return any(b.isupper() and a.islower() for a, b in pairwise(token))  # FusionSphere, iPhone
