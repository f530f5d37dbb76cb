"""Where the names of a text are: runs of capitalised words next to each other (particles between them
allowed), with one list of name words for a whole article (``ArticleNames``). See trpipe.checks.names, which
compares the runs of a source and its translation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from trpipe.checks import locale
from trpipe.checks.text import UNCASED_LANGS, base_lang, fold, known_word, proper_noun, stopwords, unelide
from trpipe.checks.text import is_strong as _is_strong

_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_PARTICLES = frozenset("de du des d la le von van der den di da del della dos das do y al el bin ibn ter".split())
_OPENERS = ".!?…:«“„\"'‘‚(—–-•·|"


@dataclass
class ArticleNames:
    """Words written as names (capitalised in mid-sentence) anywhere in an article, folded."""

    lang: str
    words: set[str] = field(default_factory=set)

    @classmethod
    def from_texts(cls, texts: Iterable[str], lang: str) -> ArticleNames:
        names = cls(base_lang(lang))
        for text in texts:
            for run in name_runs(text, names.lang, None):
                names.words.update(w for w in run.words if w not in _PARTICLES)
        return names


@dataclass
class _Run:
    start: int
    end: int
    text: str
    words: list[str]
    strong: bool


@lru_cache(maxsize=64)
def _not_names(lang: str) -> frozenset[str]:
    """Capitalised words that are no names: months and weekdays (CLDR), the English 'I'."""
    wide, short, _ = locale.month_names(lang)
    units = {w for form in (*locale.currency_words(lang), *locale.unit_words(lang)) for w in form.split()}
    return frozenset({*wide, *short, *locale.weekday_names(lang), *locale.scale_words(lang), *units, "i"})


def name_runs(text: str, lang: str, article: ArticleNames | None) -> list[_Run]:
    """Name-like runs of ``text``: capitalised words next to each other (particles between them allowed)."""
    if article is None or not article.words:
        return list(_runs_alone(text, base_lang(lang)))
    return _name_runs(text, base_lang(lang), article)


@lru_cache(maxsize=4096)
def _runs_alone(text: str, lang: str) -> tuple[_Run, ...]:
    return tuple(_name_runs(text, lang, None))


def _name_runs(text: str, lang: str, article: ArticleNames | None) -> list[_Run]:
    if lang in UNCASED_LANGS:
        return _latin_runs(text)
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return []  # a line in capitals: PAR LAURENT GEY – EPOCH TIMES
    tokens = [(m.start(), m.end(), m[0]) for m in _TOKEN.finditer(text) if any(c.isalpha() for c in m[0])]
    tokens = [unelide(s, e, t) for s, e, t in tokens]
    title_case = len(tokens) >= 4 and sum(t[0].isupper() for _, _, t in tokens) >= 0.7 * len(tokens)
    skip = _not_names(lang)
    flags = []
    previous_end = 0
    for i, (start, _, token) in enumerate(tokens):
        gap = text[previous_end:start].strip()
        previous_end = tokens[i][1]
        initial = (i == 0 and not gap) or (bool(gap) and gap[-1] in _OPENERS)
        folded = fold(token)
        strong = _is_strong(token) and folded not in skip  # GW, MW, KM: unit symbols are no acronyms
        capital = token[0].isupper() and folded not in skip and len(token) >= 2
        if strong:
            namely = True
        elif not capital or title_case:
            namely = False
        elif initial:
            known = bool(article and folded in article.words) or _known_place(folded)
            namely = known or _unknown_word(token, folded, lang)
        elif lang == "de":
            namely = not common_word(token, lang) or _known_place(folded)
        else:
            namely = True
        flags.append(namely)
    for i in range(len(tokens) - 1):  # a capitalised common word that opens a place's name: New Zealand
        if flags[i] or not tokens[i][2][:1].isupper():
            continue
        for size in (3, 2):  # New South Wales, South Africa
            run = tokens[i : i + size]
            joined = all(not text[a[1] : b[0]].strip() and b[2][:1].isupper() for a, b in pairwise(run))
            if len(run) == size and joined and locale.place_keys(" ".join(fold(t[2]) for t in run)):
                flags[i : i + size] = [True] * size
                break
    if lang == "de" and not title_case:
        # A capitalised adjective before a capitalised noun is a name: Deutsche Bahn, Europäische Union.
        for i in range(1, len(tokens)):
            gap = text[tokens[i - 1][1] : tokens[i][0]]
            first, second = tokens[i - 1][2], tokens[i][2]
            if gap.strip() or not (first[0].isupper() and second[0].isupper()):
                continue
            if fold(second) in skip or fold(first) in skip:
                continue
            if _german_adjective(first):
                flags[i - 1] = flags[i] = True
            elif flags[i - 1] and not _is_strong(first):
                flags[i] = True  # a capitalised word right after a name: Ricarda Lang
            elif flags[i] and not _is_strong(second) and not _known_place(fold(second)):
                flags[i - 1] = True  # a given name the dictionary knows before a surname it does not: Judith Ostermaier
    runs: list[list[int]] = []
    for i, (start, _, token) in enumerate(tokens):
        joined = bool(runs) and runs[-1][-1] == i - 1 and not text[tokens[i - 1][1] : start].strip()
        if flags[i] and joined and (flags[i - 1] or fold(tokens[i - 1][2]) in _PARTICLES):
            runs[-1].append(i)
        elif flags[i]:
            runs.append([i])
        elif fold(token) in _PARTICLES and joined and flags[i - 1]:
            runs[-1].append(i)
    out = []
    for run in runs:
        while run and not flags[run[-1]]:
            run.pop()
        if not run:
            continue
        start, end = tokens[run[0]][0], tokens[run[-1]][1]
        words = [fold(tokens[i][2]) for i in run]
        out.append(_Run(start, end, text[start:end], words, any(_is_strong(tokens[i][2]) for i in run)))
    return out


def _latin_runs(text: str) -> list[_Run]:
    """In a script without case: the Latin-script words (Huawei, IPVM) are the names it is sure of."""
    out = []
    for match in re.finditer(r"[A-Za-z][A-Za-z0-9\-]*(?:[ \u00a0][A-Z][A-Za-z0-9\-]*)*", text):
        if len(match[0]) >= 2 and match[0][0].isupper():
            out.append(_Run(match.start(), match.end(), match[0], fold(match[0]).split(), _is_strong(match[0])))
    return out


def _unknown_word(token: str, folded: str, lang: str) -> bool:
    """A sentence's first word unknown to the dictionary (a name); a stop-word ("Plusieurs", "More") is none."""
    return len(token) >= 3 and lang != "de" and not common_word(token, lang) and folded not in stopwords(lang)


def _known_place(folded: str) -> bool:
    return folded in locale.places()


@lru_cache(maxsize=16384)
def _german_adjective(word: str) -> bool:
    """A capitalised German word that is an adjective (its dictionary form is in lower case): Deutsche."""
    from trpipe.tablecache import lemmatize  # simplemma on its dictionaries cached once per machine

    if not re.search(r"(?:e|en|er|es|em)$", word) or fold(word) in stopwords("de"):
        return False
    form = lemmatize(word.lower(), "de")
    return form[:1].islower() and fold(form) not in locale.scale_words("de")


@lru_cache(maxsize=65536)
def common_word(word: str, lang: str) -> bool:
    """Whether ``word`` is a word of the language's dictionary, or (German) a compound of two of them
    (Klimafonds = Klima + Fonds): a translatable word, not a name of its own."""
    if "-" in word.strip("-"):
        return all(common_word(part, lang) for part in word.split("-") if part)
    if known_word(word, lang):
        return not proper_noun(word, lang)
    if base_lang(lang) != "de" or len(word) < 8:
        return False
    low = word.lower()
    for cut in range(4, len(low) - 3):
        head, tail = low[:cut], low[cut:]
        for joint in ("", "s", "es", "n", "en"):
            stem = head[: len(head) - len(joint)] if joint else head
            if head.endswith(joint) and known_word(stem, lang) and known_word(tail, lang):
                return True
    return False


def find_names(text: str, lang: str, article: ArticleNames | None = None) -> list[str]:
    """Names and acronyms of ``text``, a multi-word name as one item (see the module docstring)."""
    return list(dict.fromkeys(run.text for run in name_runs(text, lang, article)))
