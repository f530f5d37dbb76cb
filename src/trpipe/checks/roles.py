"""The ``roles`` check: who did what to whom, turned round ("the unions accuse the management" rendered as
"the management accuses the unions").

With the word alignment (trpipe.checks.align), two aligned words of one source clause, A before B with an
aligned word V between them (the predicate), whose counterparts stand in the other order around V's
counterpart in one clause of the translation, have swapped roles. A passive or an agent phrase legitimately
turns them round ("the protesters were arrested by the police"), and so does a possessive ("the carers'
warnings"): a translation with the language's agent preposition or a possessive between them is not flagged.
Two names swapped are an error, and so are two words swapped while every other aligned word keeps its order;
otherwise a warning (a rewording moves whole phrases: on the tuning half, 4 of 159 paraphrases reordered two
aligned nouns around a verb, none with everything else in place).
"""

from __future__ import annotations

import re
from itertools import combinations, pairwise

from trpipe.checks.align import Alignment
from trpipe.checks.coverage import clauses
from trpipe.checks.text import ERROR, WARNING, Flag, base_lang, flag, fold

# The preposition that introduces the agent of a passive (CLDR has no such data): "by", "par", "von" ...
AGENT_MARKERS = {
    "en": "by", "fr": "par", "de": "von durch", "es": "por", "pt": "por pelo pela pelos pelas", "it": "da dal dalla",
    "nl": "door", "pl": "przez", "sv": "av", "tr": "tarafından", "ru": "", "uk": "",
}  # fmt: skip
STRONG = ("same", "name", "lexicon", "cognate")


def _clause_of(index: int, spans: list[tuple[int, int]]) -> int:
    return next((k for k, (a, b) in enumerate(spans) if a <= index < b), -1)


def check_roles(
    source: str, translation: str, source_lang: str, target_lang: str, alignment: Alignment | None = None
) -> list[Flag]:
    """Flag two aligned words of a clause that swapped places around their predicate (see the module docstring)."""
    from trpipe.checks.align import align

    source_lang, target_lang = base_lang(source_lang), base_lang(target_lang)
    if not translation.strip():
        return []
    alignment = alignment or align(source, translation, source_lang, target_lang)
    src, tgt = alignment.source, alignment.target
    links = [k for k in alignment.links if src[k.source].content and tgt[k.target].content]
    strong = [k for k in links if k.kind in STRONG]
    source_clauses = clauses(source, src, source_lang)
    target_clauses = clauses(translation, tgt, target_lang)
    markers = set(AGENT_MARKERS.get(target_lang, "").split())
    for a, b in combinations(sorted(strong), 2):
        if not (a.source < b.source and a.target > b.target):
            continue
        if _clause_of(a.source, source_clauses) != _clause_of(b.source, source_clauses):
            continue
        if _clause_of(a.target, target_clauses) != _clause_of(b.target, target_clauses):
            continue
        pivots = [v for v in links if a.source < v.source < b.source and b.target < v.target < a.target]
        names = (
            {a.kind, b.kind} <= {"same", "name"}
            and src[a.source].text[:1].isupper()
            and src[b.source].text[:1].isupper()
        )
        if not pivots and names:  # two names: a predicate between them on both sides, aligned or not
            inside_s = [w for w in src[a.source + 1 : b.source] if w.content and not w.text[:1].isupper()]
            inside_t = [w for w in tgt[b.target + 1 : a.target] if w.content and not w.text[:1].isupper()]
            pivots = [a] if inside_s and inside_t else []
        if not pivots:
            continue
        between = tgt[b.target : a.target + 1]
        if any(w.folded in markers for w in between):
            continue  # a passive: "were arrested by the police"
        gap = translation[tgt[b.target].start : tgt[b.target + 1].start if b.target + 1 < len(tgt) else None]
        if re.search(r"['’]s?\b|['’]\s", gap) or fold(tgt[b.target].text).endswith(" s"):
            continue  # a possessive: "the carers' repeated warnings"
        # Everything else in the same order: the two words exchanged places and nothing else moved, which a
        # rewording rarely does (it moves whole phrases).
        rest = sorted((k.source, k.target) for k in links if k not in (a, b))
        steady = all(x[1] < y[1] for x, y in pairwise(rest)) and len(rest) >= 2
        first, second = src[a.source], src[b.source]
        # Two different names (linked as the same name) swapped: an error; common nouns, whose order a rewording
        # may change (a nominalised or fronted phrase), a warning even with everything else in place (round 2
        # of issue 24: such swaps were reorderings more often than errors on unseen text).
        return [
            flag(
                "roles",
                f"{first.text!r} and {second.text!r} changed places: {tgt[b.target].text!r} now comes first",
                ERROR if names and (steady or first.folded != second.folded) else WARNING,
                source=(first.start, second.end),
                target=(tgt[b.target].start, tgt[a.target].end),
                expected=f"{first.text} … {second.text}",
                found=f"{tgt[b.target].text} … {tgt[a.target].text}",
                measure="order of aligned words around their predicate",
            )
        ]
    return []
