"""Claims of summary sentences against the segments they cite: the words a claim adds, and wrong citations.

``claim_words`` compares a claim's content words with the supports' words in every form: inflected,
derived (construction = construct), a WordNet synonym or a word one WordNet pointer away (English, where
wordnet-base is installed), a FreeDict rendering of a support word in another language. ``contradicted``
finds a claim word whose WordNet antonym a support holds. ``check_citation`` compares the cited segments with
the article's others: a citation that supports the claim less than another segment does (by
``CITATION_MARGIN``) is corrected to it, and flagged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trpipe.checks.numbers import find_numbers
from trpipe.checks.spelling import cognates, same_word
from trpipe.checks.text import base_lang, stopwords

# A citation is wrong when another segment holds this much more of the claim's content words than the cited
# ones, and the cited ones hold less than WEAK_CITATION of them.
CITATION_MARGIN = 0.25
WEAK_CITATION = 0.75
MIN_CONTENT_WORDS = 3  # a claim of fewer content words is not judged by its words


def claim_words(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(the claim's content words, those of them the supports do not hold), as dictionary forms (folded).

    A word is held when a support has it in any inflected form or derivation (construction = construct,
    persecute = persecution: trpipe.checks.align.cognates), in a WordNet base form (rose = rise), as a
    WordNet synonym or a word one pointer away but a broader or narrower one (English, when installed: unveiled
    = announced), or as a FreeDict rendering of a support word
    in another language. Closed-class words (``light``) are no part of a claim.
    """
    return _claim(sentence, lang, support)


def light(word: str) -> bool:
    """A closed-class English word (a preposition, conjunction, pronoun, modal, a bare adverb of degree or time):
    a stop-word that WordNet does not list as a noun, verb or adjective (before, within, should, mostly)."""
    from trpipe.checks import wordnet

    return word in stopwords("en") and not wordnet.open_class(word)


def _claim(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    from trpipe.checks import wordnet
    from trpipe.checks.align import words
    from trpipe.checks.bilingual import word_pairs

    english = base_lang(lang) == "en" and wordnet.available()
    figures = [(m.start, m.end) for m in find_numbers(sentence, lang)]  # compared by value (unsupported_items)
    forms: dict[str, frozenset[str]] = {}
    for w in words(sentence, lang):
        if not w.content or w.key.isdigit() or any(a <= w.start < b for a, b in figures):
            continue
        if english and (light(w.folded) or light(w.key)):
            continue
        extra = wordnet.base_forms(w.folded) | wordnet.base_forms(w.key) if english else frozenset()
        forms.setdefault(w.key, frozenset())
        forms[w.key] |= extra
    claim = list(forms)
    held: set[str] = set()
    for text, text_lang in support:
        found = words(text, text_lang)
        held.update(w.key for w in found)
        held.update(w.folded for w in found)
        if base_lang(text_lang) != base_lang(lang):
            lexicon = word_pairs(text_lang, lang)
            for w in found:
                held.update(lexicon.get(w.key, ()))
        elif english:
            for w in found:
                held.update(wordnet.base_forms(w.folded))
    by_start: dict[str, list[str]] = {}
    for h in held:
        by_start.setdefault(h[:2], []).append(h)
    missing = []
    for word in claim:
        candidates = {word} | forms[word]
        if not candidates.isdisjoint(held):
            continue
        if any(cognates(word, h) or same_word(word, h) for h in by_start.get(word[:2], ())):
            continue
        if english and any(not (wordnet.synonyms(c) | wordnet.related(c)).isdisjoint(held) for c in candidates):
            continue
        missing.append(word)
    return claim, missing


def contradicted(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> list[str]:
    """Words of ``sentence`` whose WordNet antonym a support holds, the word itself absent from every support:
    "acquitted" against "convicted", "ended" against "begun", compared in their base forms and with the
    FreeDict renderings of a support in another language (English, when WordNet is installed)."""
    from trpipe.checks import wordnet
    from trpipe.checks.align import words
    from trpipe.checks.bilingual import word_pairs

    if base_lang(lang) != "en" or not wordnet.available():
        return []
    held: set[str] = set()
    for text, text_lang in support:
        found = words(text, text_lang)
        if base_lang(text_lang) == "en":
            for w in found:
                held.add(w.key)
                held.update(wordnet.base_forms(w.folded))
        else:
            lexicon = word_pairs(text_lang, lang)
            for w in found:
                held.update(lexicon.get(w.key, ()))
    out = []
    for w in words(sentence, lang):
        forms = {w.key} | wordnet.base_forms(w.folded)
        if not forms.isdisjoint(held):
            continue
        if any(not wordnet.antonyms(f).isdisjoint(held) for f in forms):
            out.append(w.text)
    return out


def weak_support(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> float | None:
    """The share of ``sentence``'s content words that the supports hold (``claim_words``); None under
    MIN_CONTENT_WORDS words."""
    claim, missing = claim_words(sentence, lang, support)
    if len(claim) < MIN_CONTENT_WORDS:
        return None
    return (len(claim) - len(missing)) / len(claim)


def check_citation(
    sentence: str,
    lang: str,
    cites: Sequence[str],
    segments: Mapping[str, str | Sequence[tuple[str, str]]],
    langs: Mapping[str, str] | None = None,
) -> dict:
    """``{"cites": the citations to keep, "wrong_citation": bool, "cited_as": the citations given}``.

    ``segments``: segment id -> its text, or its ``(text, lang)`` versions (source and translation);
    ``langs``: segment id -> language, for texts given alone (default ``lang``)."""

    def versions(key: str) -> list[tuple[str, str]]:
        value = segments[key]
        if isinstance(value, str):
            return [(value, (langs or {}).get(key, lang))]
        return list(value)

    def recall(keys: Sequence[str]) -> float:
        support = [v for key in keys if key in segments for v in versions(key)]
        claim, missing = claim_words(sentence, lang, support)
        return (len(claim) - len(missing)) / len(claim) if claim else 1.0

    cited = [c for c in cites if c in segments]
    given = recall(cited) if cited else 0.0
    others = {key: recall([key]) for key in segments if key not in cited}
    best = max(others, key=lambda k: others[k], default=None)
    if best is not None and given < WEAK_CITATION and others[best] >= given + CITATION_MARGIN:
        return {"cites": [best], "wrong_citation": True, "cited_as": list(cites)}
    return {"cites": list(cites), "wrong_citation": False, "cited_as": list(cites)}
