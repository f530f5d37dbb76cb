"""Support flags for summary sentences: what the cited segments do not hold.

``unsupported_items`` lists the figures (digits or words, with their units) and names of a summary
sentence that none of its cited segments holds, compared as the translation checks compare them.
``weak_support`` is the share of the sentence's content words that the cited segments hold, in any form, as
a derivation, a WordNet synonym or related word, or a FreeDict rendering (trpipe.checks.claims). A sentence
is weakly supported when its citations contradict one of its words, or leave two of its content words or a
quarter of them unsupported: a claim its citations do not back. ``summary_flags`` gives both, as the summary
records store them; ``check_citation`` (trpipe.checks.claims) finds a citation that points at the wrong
segment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trpipe.checks.claims import MIN_CONTENT_WORDS, claim_words, contradicted, weak_support
from trpipe.checks.figures import covers, units_compatible
from trpipe.checks.names import _Run, accounted_for, name_runs
from trpipe.checks.numbers import find_numbers
from trpipe.checks.text import fold, known_word, proper_noun

# Chosen on the summary sentences of benchmarks/checks_eval/tune, then (round 2 of issue 24, WordNet's
# hypernyms and hyponyms no longer counted as support) on tune and the first test half together: 0.8 flags
# 36 of 39 and 67 of 84 unsupported claims for 5 of 32 and 12 of 84 supported sentences (0.75: 36 and 56 for 4
# and 10; 0.85: 38 and 73 for 14 and 20).
WEAK_SUPPORT_RECALL = 0.8
WEAK_MISSING = 2

__all__ = ["MIN_CONTENT_WORDS", "WEAK_SUPPORT_RECALL", "summary_flags", "unsupported_items", "weak_support"]


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
    opening = re.match(r"\W*", sentence).end()
    for run in name_runs(sentence, lang, None):
        if run.start <= opening and len(run.words) == 1 and _common_word(run.text, lang):
            continue  # a dictionary word opening the sentence: "Tens of thousands ..."
        parts = [_Run(run.start, run.end, part, [fold(part)], run.strong) for part in run.text.split("-")]
        if len(parts) > 1 and all(_common_word(p.text, lang) or accounted_for(p, folded, words, lang) for p in parts):
            continue  # "Roscoff-Plymouth", "Geneva-based": each part held, or a dictionary word
        if not accounted_for(run, folded, words, lang):
            missing.append(run.text)
    return list(dict.fromkeys(missing))


def _common_word(word: str, lang: str) -> bool:
    """A word the language's dictionary has in lower case and not as a proper noun: "Tens", "based"."""
    return known_word(word.lower(), lang) and not proper_noun(word, lang)


def summary_flags(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> dict:
    """``{"unsupported": [...], "support": recall or None, "weakly_supported": bool}`` for a summary sentence.

    Weakly supported: a word of the claim that the supports contradict (a WordNet antonym of theirs), or
    ``WEAK_MISSING`` content words they do not hold, or a recall under ``WEAK_SUPPORT_RECALL``
    (trpipe.checks.claims)."""
    claim, missing = claim_words(sentence, lang, support)
    recall = None if len(claim) < MIN_CONTENT_WORDS else (len(claim) - len(missing)) / len(claim)
    weak = bool(contradicted(sentence, lang, support)) or (
        recall is not None and (len(missing) >= WEAK_MISSING or recall < WEAK_SUPPORT_RECALL)
    )
    return {
        "unsupported": unsupported_items(sentence, lang, support),
        "support": None if recall is None else round(recall, 2),
        "weakly_supported": weak,
    }
