"""Support flags for summary sentences: what the cited segments do not hold.

``unsupported_items`` lists the figures (digits or words, with their units) and names of a summary
sentence that none of its cited segments holds, compared as the translation checks compare them.
``weak_support`` is the share of the sentence's content words (lemmatised, stop-words of stopwords-iso
dropped) that the cited segments hold: the recall that the citation alignment uses. A sentence whose
recall is under ``WEAK_SUPPORT_RECALL`` is weakly supported: a claim its citations barely back.
``summary_flags`` gives both, as the summary records store them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trpipe.checks.figures import covers, units_compatible
from trpipe.checks.names import accounted_for, name_runs, same_word
from trpipe.checks.numbers import find_numbers
from trpipe.checks.text import fold, lemma, stopwords

# Chosen on the summary sentences of benchmarks/checks_eval/tune (see benchmarks/CHECKS.md): supported
# sentences, compressed or reworded, kept 0.57 or more of their content words, unsupported ones 0.2 or less.
WEAK_SUPPORT_RECALL = 0.4
MIN_CONTENT_WORDS = 3


def content_words(text: str, lang: str) -> list[str]:
    """The lemmas of ``text``'s content words (folded), figures included."""
    stop = stopwords(lang)
    out = []
    for word in re.findall(r"[^\W_]+", fold(text)):
        if word in stop or (len(word) < 3 and not word.isdigit()):
            continue
        out.append(word if word.isdigit() else fold(lemma(word, lang)))
    return out


def unsupported_items(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> list[str]:
    """Figures and names of ``sentence`` (in ``lang``) found in none of the ``(text, lang)`` supports.

    Figures are compared by value after locale normalisation, with their units (so "800 000 €" supports
    "€800,000" and not "$800,000"), number words included ("two decades"); names as the translation checks
    compare them, so "Chine" supports "China" and "musulmans" supports "Muslims".
    """
    mentions = [m for text, text_lang in support for m in find_numbers(text, text_lang)]
    values = frozenset().union(*(covers(m) for m in mentions)) if mentions else frozenset()
    missing = []
    for mention in find_numbers(sentence, lang):
        if mention.weak:
            continue
        partners = [m for m in mentions if mention.values & covers(m)]
        if not mention.values & values:
            missing.append(mention.figure or mention.text)  # the figure: "900,000"
        elif mention.units and not any(units_compatible(mention.units, m.units) for m in partners):
            missing.append(mention.text)  # the figure with its unit: "$800,000"
    folded = " ".join(fold(text) for text, _ in support)
    words = folded.split()
    for run in name_runs(sentence, lang, None):
        if not accounted_for(run, folded, words, lang):
            missing.append(run.text)
    return list(dict.fromkeys(missing))


def weak_support(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> float | None:
    """The share of ``sentence``'s content words that the supports hold; None under MIN_CONTENT_WORDS words."""
    words = list(dict.fromkeys(content_words(sentence, lang)))
    if len(words) < MIN_CONTENT_WORDS:
        return None
    held: set[str] = set()
    for text, text_lang in support:
        held.update(content_words(text, text_lang))
    covered = sum(1 for w in words if w in held or (len(w) >= 5 and any(same_word(w, h) for h in held)))
    return covered / len(words)


def summary_flags(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> dict:
    """``{"unsupported": [...], "support": recall or None, "weakly_supported": bool}`` for a summary sentence."""
    recall = weak_support(sentence, lang, support)
    return {
        "unsupported": unsupported_items(sentence, lang, support),
        "support": None if recall is None else round(recall, 2),
        "weakly_supported": recall is not None and recall < WEAK_SUPPORT_RECALL,
    }
