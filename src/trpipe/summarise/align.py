"""Citations: which units of a chunk a summary sentence draws on.

A summary sentence is aligned to the units of its chunk by lexical overlap: ROUGE-1 and ROUGE-2 recall of
the sentence's content words (lower-cased, accents folded, stop-words dropped) in each unit; the best unit
is cited, and further units are added greedily while they cover words of the sentence that the chosen ones
do not. When the best overlap is weak (below ``MIN_LEXICAL_RECALL``), the model's cross-attention over the
chunk decides instead: the unit that received the largest share of attention while the sentence was
generated. Cites of a unit are original segment ids (or, in a digest, (article, segment) pairs), so they carry
through every reduce level unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trpipe.summarise.mapreduce import SummaryTrace, Unit
    from trpipe.summarise.models import Summariser

MIN_LEXICAL_RECALL = 0.34
MAX_CITES = 3
_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = set(
    """a an the and or but of to in on at for from by with as is are was were be been being it its this that these
    those he she they we you i his her their our your has have had not no will would can could should may might than
    then there here which who whom whose what when where why how also into over under about after before between
    le la les un une des du de d l et ou mais à au aux en dans sur par pour avec sans est sont était été être il elle
    ils elles nous vous je son sa ses leur leurs ce cet cette ces qui que quoi dont où ne pas plus se s qu c n y
    der die das und oder ein eine von zu mit im ist sind el los las y o del con por para es son il lo gli e di da
    """.split()
)


def segment_order(segment_id: str) -> int:
    return int(segment_id[1:]) if segment_id[1:].isdigit() else 0


def cite_order(cite: str | tuple[str, str]) -> tuple:
    """Sort key of a cite: a segment id (``p3``) of one article, or an ``(article, segment)`` pair of a digest."""
    if isinstance(cite, tuple):
        return (segment_order(cite[0]), cite[0], segment_order(cite[1]), cite[1])
    return (segment_order(cite), cite)


def content_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w for w in _WORD.findall(folded) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]


def lexical_scores(sentence: str, units: Sequence[str]) -> tuple[list[float], list[set[str]]]:
    """For each unit: 0.7 x ROUGE-1 recall + 0.3 x ROUGE-2 recall of the sentence, and the words it covers."""
    words = content_words(sentence)
    unigrams, bigrams = set(words), set(pairwise(words))
    scores, covered = [], []
    for unit in units:
        unit_words = content_words(unit)
        common = unigrams & set(unit_words)
        r1 = len(common) / len(unigrams) if unigrams else 0.0
        r2 = len(bigrams & set(pairwise(unit_words))) / len(bigrams) if bigrams else 0.0
        scores.append(0.7 * r1 + 0.3 * r2)
        covered.append(common)
    return scores, covered


def lexical_choice(sentence: str, units: Sequence[Unit]) -> tuple[list[int], bool]:
    """Indices of the units the sentence draws on by lexical overlap, and whether the overlap is firm."""
    scores, covered = lexical_scores(sentence, [u.text for u in units])
    best = max(range(len(units)), key=lambda i: scores[i])
    chosen = [best]
    if scores[best] < MIN_LEXICAL_RECALL:
        return chosen, False
    have = set(covered[best])
    for i in sorted(range(len(units)), key=lambda i: -scores[i]):
        if len(chosen) >= MAX_CITES:
            break
        if i not in chosen and len(covered[i] - have) >= 2:
            chosen.append(i)
            have |= covered[i]
    return chosen, True


def align_many(
    items: Sequence[tuple[str, Sequence[Unit], SummaryTrace]],
    summariser: Summariser,
    attention_batches: Callable[[list[int]], list[list[int]]] | None = None,
) -> list[list]:
    """``align`` for many ``(sentence, units of its chunk, trace)`` items; the cross-attention that weak
    overlaps need is asked for all of them at once (``summariser.attention_batch``), in the batches that
    ``attention_batches(indices)`` makes of them (one batch when None)."""
    chosen: list[list[int]] = []
    weak: list[int] = []
    for k, (sentence, units, _) in enumerate(items):
        picks, firm = lexical_choice(sentence, units)
        chosen.append(picks)
        if not firm:
            weak.append(k)
    by_attention: set[int] = set()
    for batch in attention_batches(weak) if attention_batches else ([weak] if weak else []):
        pairs = [([u.text for u in items[k][1]], items[k][0]) for k in batch]
        for k, shares in zip(batch, summariser.attention_batch(pairs)):
            if shares:
                chosen[k] = [max(range(len(shares)), key=lambda i: shares[i])]
                by_attention.add(k)
    cites: list[list] = []
    for k, ((_, units, trace), picks) in enumerate(zip(items, chosen)):
        trace.alignment["attention" if k in by_attention else "lexical"] += 1
        found = {c for i in picks for c in units[i].cites}
        cites.append(sorted(found, key=cite_order))
    return cites


def align(sentence: str, units: Sequence[Unit], summariser: Summariser, trace: SummaryTrace) -> list[str]:
    """Original segment ids that ``sentence`` draws on, among ``units`` (see the module docstring)."""
    return align_many([(sentence, units, trace)], summariser)[0]
