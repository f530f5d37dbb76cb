"""The ``meaning`` check: a word of the translation that says the opposite of its source word.

For a pair with English on one side, the FreeDict lexicon (trpipe.checks.bilingual) says what a source word
may be rendered by, and WordNet (trpipe.checks.wordnet) what the opposite of those renderings is. A source
word none of whose renderings (or their WordNet synonyms) is in the translation, while the translation holds
one of their antonyms, has had its meaning turned round: "manque" (lack) rendered as "excess", "condamné"
(convicted) as "acquitted", "hausse" (rise) as "fall". Into another language from English, the antonyms of
the English source word are looked up in the lexicon the other way. Without both resources the check says
nothing (see benchmarks/CHECKS.md for its figures with and without them).
"""

from __future__ import annotations

from trpipe.checks.align import Alignment
from trpipe.checks.text import Flag, base_lang, flag, quoted, stopwords


def _renderings(lexicon: dict, word) -> frozenset[str]:
    return lexicon.get(word.key, frozenset()) | lexicon.get(word.folded, frozenset())


def check_meaning(
    source: str, translation: str, source_lang: str, target_lang: str, alignment: Alignment | None = None
) -> list[Flag]:
    """Flag a source word rendered by an antonym of its renderings (see the module docstring)."""
    from trpipe.checks import wordnet
    from trpipe.checks.align import align
    from trpipe.checks.bilingual import word_pairs

    source_lang, target_lang = base_lang(source_lang), base_lang(target_lang)
    if "en" not in (source_lang, target_lang) or source_lang == target_lang or not translation.strip():
        return []
    lexicon = word_pairs(source_lang, target_lang)
    if not lexicon or not wordnet.available():
        return []
    alignment = alignment or align(source, translation, source_lang, target_lang, lexicon)
    found = {t.key for t in alignment.target} | {t.folded for t in alignment.target}
    stop = stopwords(target_lang)
    # a target word linked to another source word renders that word: not an opposite of this one
    linked = {link.target: link.source for link in alignment.links}
    flags = []
    for i, s in enumerate(alignment.source):
        if not s.content:
            continue
        renderings = _renderings(lexicon, s)
        if target_lang == "en":
            if not renderings:
                continue
            expected = renderings | frozenset().union(*(wordnet.synonyms(r) for r in renderings))
            opposite = frozenset().union(*(wordnet.antonyms(r) for r in renderings)) - expected
        else:  # from English: the source word's antonyms, looked up in the lexicon
            expected = renderings
            opposite = frozenset().union(*(lexicon.get(a, frozenset()) for a in wordnet.antonyms(s.key))) - expected
        if not opposite or expected & found:
            continue
        # a function word ("have", "take") is the opposite of a content word only by accident; comparatives and
        # particles ("more", "down") count when the source word's renderings are such words themselves
        small = any(r in stop for r in expected)
        wrong = [
            t
            for j, t in enumerate(alignment.target)
            if (t.key in opposite or t.folded in opposite)
            and t.folded != s.folded
            and (t.content or small)
            and linked.get(j, i) == i
        ]
        if not wrong:
            continue
        t = wrong[0]
        shown = ", ".join(sorted(expected)[:4])
        flags.append(
            flag(
                "meaning",
                f"{quoted(t.text)} says the opposite of the source's {quoted(s.text)} ({shown}…)",
                source=(s.start, s.end),
                target=(t.start, t.end),
                expected=shown,
                found=t.text,
                measure="WordNet antonym of the word's FreeDict renderings",
            )
        )
    return flags
