"""Word alignment of a sentence and its translation without the translation model: anchors and a lexicon.

Candidate links between a source word and a target word, strongest first:

figure     the same value (trpipe.checks.numbers: 800 000 = 800,000, deux = two, 12 février = 12 February)
same       the same word once folded (names, acronyms, loanwords: Huawei, COVID, euro)
name       one name spelt otherwise: inflected, transliterated (Путина = Putin), a CLDR exonym (Londres = London)
lexicon    a FreeDict dictionary pairs the words' dictionary forms (trpipe.checks.bilingual), when installed
cognate    words of four letters or more whose spelling skeletons (anyascii, c/k, ph/f ...) share most letters:
           persécution = persecution, système = system, reconnaissance = recognition

Links are then chosen by competitive linking (Melamed 2000): the strongest candidate first, each word linked
once, a candidate's strength lowered by how far its relative positions lie apart (a distortion penalty). The
result is a one-to-one alignment of the words the anchors and the lexicon can vouch for: precise rather than
complete, which is what finding a clause with no counterpart needs (trpipe.checks.coverage).

``attention_links`` turns a translation model's cross-attention (one row of weights over the source tokens
per generated token) into word links the same shape, for a model that returns it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

from trpipe.checks.names import unelide
from trpipe.checks.numbers import find_numbers
from trpipe.checks.spelling import MIN_COGNATE_LETTERS, cognates, same_word, skeleton, word_equivalents
from trpipe.checks.text import CJK_LANGS, base_lang, fold, lemma, stopwords

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Candidate strengths by kind, and the distortion penalty per unit of relative position.
STRENGTH = {"figure": 1.0, "same": 0.95, "name": 0.9, "lexicon": 0.85, "cognate": 0.7, "attention": 0.6}
DISTORTION = 0.35
NEAREST = 8  # occurrences of a repeated word compared with each word of the other side


class Word(NamedTuple):
    start: int
    end: int
    text: str
    folded: str
    key: str  # folded dictionary form
    content: bool  # not a stop-word: a word a translation must carry


class Link(NamedTuple):
    source: int  # index into the source words
    target: int  # index into the target words
    kind: str
    score: float


class Alignment(NamedTuple):
    source: list[Word]
    target: list[Word]
    links: list[Link]
    lexicon: bool  # whether a bilingual dictionary was used

    def pairs(self) -> list[tuple[int, int, int, int]]:
        """The links as character spans: (source start, source end, target start, target end), in source order."""
        out = [(self.source[k.source].start, self.source[k.source].end, self.target[k.target].start,
                self.target[k.target].end) for k in self.links]  # fmt: skip
        return sorted(out)


def words(text: str, lang: str) -> list[Word]:
    """The words of ``text`` with their spans: letters and digits (with an inner apostrophe); in Chinese and
    Japanese each character of those scripts is a word."""
    lang = base_lang(lang)
    stop = stopwords(lang)
    out = []
    for match in _TOKEN.finditer(text):
        start, end, token = unelide(match.start(), match.end(), match[0])  # l’usine -> usine, Army's -> Army
        if not token:
            continue
        if lang in CJK_LANGS and _CJK.search(token):
            for i, char in enumerate(token):
                at = start + i
                out.append(Word(at, at + 1, char, char, char, not _CJK.match(char) or char not in stop))
            continue
        folded = fold(token)
        key = folded if token[0].isdigit() else fold(lemma(token, lang))
        # stopwords-iso lists are broad (English has "system", "billion", "announce"): a long word counts
        content = folded.isdigit() or (
            len(folded) >= 3 and (len(folded) >= 6 or (folded not in stop and key not in stop))
        )
        out.append(Word(start, end, token, folded, key, content))
    return out


def _figure_links(source: str, translation: str, src: list[Word], tgt: list[Word], source_lang, target_lang):
    """(source word, target word) pairs inside figures of the same value."""
    from trpipe.checks.figures import covers
    from trpipe.checks.units import conversion

    out = []
    source_mentions = find_numbers(source, source_lang)
    target_mentions = find_numbers(translation, target_lang)
    used: set[int] = set()
    for mention in source_mentions:
        for j, other in enumerate(target_mentions):
            if j in used or not (mention.values & covers(other) or conversion(mention, other)):
                continue
            used.add(j)
            inside_s = [i for i, w in enumerate(src) if mention.start <= w.start < mention.end]
            inside_t = [i for i, w in enumerate(tgt) if other.start <= w.start < other.end]
            for k, i in enumerate(inside_s):
                if inside_t:
                    out.append((i, inside_t[min(k, len(inside_t) - 1)]))
            for k in range(len(inside_s), len(inside_t)):  # "€1bn" on one side, "1 milliard d'euros" on the other
                if inside_s:
                    out.append((inside_s[-1], inside_t[k]))
            break
    return out


def align(source: str, translation: str, source_lang: str, target_lang: str, lexicon: dict | None = None) -> Alignment:
    """The word alignment of ``source`` and ``translation`` (see the module docstring). ``lexicon``: source word
    -> target words (trpipe.checks.bilingual.word_pairs), None to read the installed FreeDict dictionaries."""
    from trpipe.checks.bilingual import word_pairs

    source_lang, target_lang = base_lang(source_lang), base_lang(target_lang)
    if lexicon is None:
        lexicon = word_pairs(source_lang, target_lang)
    src, tgt = words(source, source_lang), words(translation, target_lang)
    candidates: dict[tuple[int, int], tuple[str, float]] = {}

    def offer(i: int, j: int, kind: str) -> None:
        if STRENGTH[kind] > candidates.get((i, j), ("", 0.0))[1]:
            candidates[(i, j)] = (kind, STRENGTH[kind])

    figures = _figure_links(source, translation, src, tgt, source_lang, target_lang)
    for i, j in figures:
        offer(i, j, "figure")
    by_folded: dict[str, list[int]] = {}
    by_key: dict[str, list[int]] = {}
    by_start: dict[str, list[int]] = {}
    for j, t in enumerate(tgt):
        by_folded.setdefault(t.folded, []).append(j)
        by_key.setdefault(t.key, []).append(j)
        if t.content and len(t.folded) >= MIN_COGNATE_LETTERS:
            by_start.setdefault(skeleton(t.folded)[:2], []).append(j)
    figure_words = {i for i, _ in figures}
    for i, s in enumerate(src):
        if i in figure_words:
            continue
        at = (i + 0.5) / len(src) * len(tgt)
        near = partial(_nearest, at=at)
        for j in near(by_folded.get(s.folded, [])):
            if s.content or tgt[j].content or s.text[:1].isupper():
                offer(i, j, "same")
        translations = lexicon.get(s.key, frozenset()) | lexicon.get(s.folded, frozenset())
        for word in sorted(translations):
            for j in [*near(by_key.get(word, [])), *near(by_folded.get(word, []))]:
                offer(i, j, "lexicon")  # function words too, but only by the dictionary
        if not s.content or len(s.folded) < MIN_COGNATE_LETTERS:
            continue
        for j in near(by_start.get(skeleton(s.folded)[:2], [])):
            t = tgt[j]
            if (i, j) in candidates:
                continue
            if s.text[:1].isupper() and t.text[:1].isupper() and _same_name(s.folded, t.folded):
                offer(i, j, "name")
            elif cognates(s.folded, t.folded):
                offer(i, j, "cognate")
        if s.text[:1].isupper():
            for j in [j for form in word_equivalents(s.folded) for j in near(by_folded.get(form, []))]:
                offer(i, j, "name")  # Londres = London: CLDR's forms, whatever their spelling
    links = competitive_linking(candidates, len(src), len(tgt))
    # Words of one figure may link to several of the other ("46 milliards de dollars" = "$46 billion").
    linked = {(k.source, k.target) for k in links}
    links += [Link(i, j, "figure", STRENGTH["figure"]) for i, j in figures if (i, j) not in linked]
    return Alignment(src, tgt, sorted(set(links)), bool(lexicon))


def _nearest(found: list[int], at: float) -> list[int]:
    """The NEAREST target words of ``found`` (ascending) to position ``at``: a word repeated many times is
    compared with a few of its occurrences, so the alignment stays linear in the sentence's length."""
    if len(found) <= NEAREST:
        return found
    k = bisect_left(found, at)
    low = max(0, min(k - NEAREST // 2, len(found) - NEAREST))
    return found[low : low + NEAREST]


def _same_name(a: str, b: str) -> bool:
    return same_word(a, b) or b in word_equivalents(a) or skeleton(a) == skeleton(b)


def competitive_linking(candidates: dict[tuple[int, int], tuple[str, float]], n: int, m: int) -> list[Link]:
    """Strongest candidates first (less the distortion of their relative positions), each word linked once."""
    scored = []
    for (i, j), (kind, strength) in candidates.items():
        distortion = abs((i + 0.5) / max(n, 1) - (j + 0.5) / max(m, 1))
        scored.append((strength - DISTORTION * distortion, i, j, kind))
    scored.sort(key=lambda c: (-c[0], c[1], c[2]))
    taken_s: set[int] = set()
    taken_t: set[int] = set()
    links = []
    for score, i, j, kind in scored:
        if i in taken_s or j in taken_t:
            continue
        taken_s.add(i)
        taken_t.add(j)
        links.append(Link(i, j, kind, round(score, 3)))
    return sorted(links)


def attention_links(
    rows: Sequence[Sequence[float]],
    source_tokens: Sequence[tuple[int, int]],
    target_tokens: Sequence[tuple[int, int]],
    source_words: Sequence[Word],
    target_words: Sequence[Word],
) -> list[Link]:
    """Word links from cross-attention: ``rows[t][s]`` is the weight target token t gave source token s; the
    tokens' character spans say which word each belongs to. A target word links to the source word whose tokens
    received most of its tokens' attention (a word of the translation each, at most one link each)."""

    def owner(spans: Sequence[tuple[int, int]], found: Sequence[Word]) -> list[int]:
        out = []
        for start, end in spans:
            index = next((k for k, w in enumerate(found) if start < w.end and end > w.start), -1)
            out.append(index)
        return out

    source_of, target_of = owner(source_tokens, source_words), owner(target_tokens, target_words)
    weights: dict[int, dict[int, float]] = {}
    for t, row in enumerate(rows[: len(target_of)]):
        if target_of[t] < 0:
            continue
        totals = weights.setdefault(target_of[t], {})
        for s, weight in enumerate(row[: len(source_of)]):
            if source_of[s] >= 0:
                totals[source_of[s]] = totals.get(source_of[s], 0.0) + float(weight)
    links = []
    for j, totals in sorted(weights.items()):
        if totals:
            i = max(totals, key=lambda k: totals[k])
            share = totals[i] / (sum(totals.values()) or 1.0)
            links.append(Link(i, j, "attention", round(share, 3)))
    return links
