"""Stories: near-duplicates merged, then articles about the same event grouped.

1. **Near-duplicates** (the same wire copy, lightly edited): MinHash/LSH candidates on the word shingles of the
   source texts (``minhash``), confirmed when their exact Jaccard similarity is at least ``DUPLICATE_JACCARD``;
   copies are joined transitively and every copy stays a source of its story.
2. **Same story**: every article (one per group of copies) is a TF-IDF vector of its content words (lemmas,
   stop-words dropped): of its source text, compared with articles in the same language, and of its
   translation, compared across languages. A pair's score is the cosine of those vectors plus a bonus for
   the names (``NAME_BONUS``) and figures, dates included (``FIGURE_BONUS``), that both articles hold, read by
   the checks' extractors. Candidate pairs come from an inverted index of each article's ``KEY_TERMS`` heaviest
   terms, names and figures (postings longer than ``MAX_POSTING`` are skipped: terms that common say nothing
   of a story), so the cost grows about linearly with the number of articles. Articles are then joined by
   average linkage over the candidate graph (a pair that is not a candidate counts 0): two groups are merged
   while the mean score of all their pairs is at least ``threshold``. Average linkage does not chain: a story
   about a club's league match and one about its cup match share names, but not most of their pairs.

Everything is ordered by article index, so the same input always gives the same stories.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from trpipe.checks.names import find_names
from trpipe.checks.numbers import find_numbers
from trpipe.checks.text import base_lang, content_words, fold
from trpipe.digest.articles import Article
from trpipe.digest.minhash import candidate_pairs, jaccard, shingles, signature

DUPLICATE_JACCARD = 0.5
THRESHOLD = 0.27  # fixed on benchmarks/digest_eval/tune (see benchmarks/DIGEST.md)
NAME_BONUS = 0.2
FIGURE_BONUS = 0.15
KEY_TERMS = 12
MAX_POSTING = 60
MAX_PARTNERS = 30


@dataclass
class Features:
    """What the grouping knows of one article."""

    lang: str
    shingles: frozenset[str]
    source_terms: Counter
    target_terms: Counter
    names: frozenset[str]
    figures: frozenset


def features(article: Article) -> Features:
    document = article.document
    lang = base_lang(article.lang)
    target = base_lang(document.target_lang)
    source_text = document.source.text
    translated = document.translated_text()
    names = frozenset(fold(n) for n in find_names(translated, target) if len(n) > 2)
    figures = set()
    for mention in find_numbers(source_text, lang):
        if mention.weak or mention.kind in ("weekday", "time"):
            continue
        for value in mention.values:
            if isinstance(value, Decimal) and value < 13 and not mention.units:
                continue  # small counts (two, ten) say little of a story
            figures.add((value, *sorted(mention.units)))
    return Features(
        lang,
        shingles(source_text),
        Counter(content_words(source_text, lang)),
        Counter(content_words(translated, target)),
        names,
        frozenset(figures),
    )


def find_duplicates(feats: Sequence[Features], min_jaccard: float = DUPLICATE_JACCARD) -> list[list[int]]:
    """Groups (each of two or more indices, sorted) of near-duplicate articles in the same language."""
    sigs = [signature(f.shingles) for f in feats]
    parent = list(range(len(feats)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in sorted(candidate_pairs(sigs)):
        if feats[i].lang == feats[j].lang and jaccard(feats[i].shingles, feats[j].shingles) >= min_jaccard:
            a, b = root(i), root(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(feats)):
        groups.setdefault(root(i), []).append(i)
    return [members for members in groups.values() if len(members) > 1]


class _Vectors:
    """TF-IDF vectors (unit length) of one side's term counts; idf per language on the source side."""

    def __init__(self, counts: Sequence[Counter], langs: Sequence[str]):
        df: dict[str, Counter] = {}
        docs: Counter = Counter()
        for terms, lang in zip(counts, langs):
            df.setdefault(lang, Counter()).update(terms.keys())
            docs[lang] += 1
        self.vectors: list[dict[str, float]] = []
        for terms, lang in zip(counts, langs):
            n = docs[lang]
            weights = {t: (1 + math.log(c)) * math.log(1 + n / df[lang][t]) for t, c in terms.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            self.vectors.append({t: w / norm for t, w in weights.items()})

    def cosine(self, i: int, j: int) -> float:
        a, b = self.vectors[i], self.vectors[j]
        return sum(a[t] * b[t] for t in a.keys() & b.keys())

    def key_terms(self, i: int, count: int = KEY_TERMS) -> list[str]:
        return [t for t, _ in sorted(self.vectors[i].items(), key=lambda tw: (-tw[1], tw[0]))[:count]]


@dataclass
class Grouping:
    """Stories as lists of article indices (in input order), the near-duplicate groups, and the pair scores."""

    stories: list[list[int]]
    duplicates: list[list[int]]
    scores: dict[tuple[int, int], float] = field(default_factory=dict)


class _Scorer:
    def __init__(self, feats: Sequence[Features]):
        self.feats = feats
        self.source = _Vectors([f.source_terms for f in feats], [f.lang for f in feats])
        self.target = _Vectors([f.target_terms for f in feats], ["*"] * len(feats))
        self.names = _Vectors([Counter(f.names) for f in feats], ["*"] * len(feats))
        self.figures = _Vectors([Counter(f.figures) for f in feats], ["*"] * len(feats))

    def score(self, i: int, j: int) -> float:
        a, b = self.feats[i], self.feats[j]
        similar = self.target.cosine(i, j)
        if a.lang == b.lang:
            similar = max(similar, self.source.cosine(i, j))
        return similar + NAME_BONUS * self.names.cosine(i, j) + FIGURE_BONUS * self.figures.cosine(i, j)

    def candidates(self, members: Sequence[int]) -> set[tuple[int, int]]:
        postings: dict[object, list[int]] = {}
        for i in members:
            f = self.feats[i]
            keys: list[object] = [("t", t) for t in self.target.key_terms(i)]
            keys += [("s", f.lang, t) for t in self.source.key_terms(i)]
            keys += [("n", n) for n in f.names]
            keys += [("f", v) for v in f.figures]
            for key in keys:
                postings.setdefault(key, []).append(i)
        shared: dict[int, Counter] = {i: Counter() for i in members}
        for posting in postings.values():
            if 1 < len(posting) <= MAX_POSTING:
                for k, a in enumerate(posting):
                    shared[a].update(posting[:k])
                    shared[a].update(posting[k + 1 :])
        pairs: set[tuple[int, int]] = set()
        for a, counts in shared.items():  # each article's partners sharing the most keys
            for b, _ in sorted(counts.items(), key=lambda bc: (-bc[1], bc[0]))[:MAX_PARTNERS]:
                pairs.add((min(a, b), max(a, b)))
        return pairs


def average_linkage(count: int, scores: dict[tuple[int, int], float], threshold: float) -> list[list[int]]:
    """Clusters of ``range(count)``: merged while the mean score over all their pairs (0 for a pair without a
    score) is at least ``threshold``; ties broken by the smallest indices."""
    members = {i: [i] for i in range(count)}
    links: dict[int, dict[int, float]] = {i: {} for i in range(count)}  # summed scores between clusters
    for (i, j), s in scores.items():
        links[i][j] = links[i].get(j, 0.0) + s
        links[j][i] = links[j].get(i, 0.0) + s
    heap = [(-s, i, j) for (i, j), s in scores.items() if s >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, i, j = heapq.heappop(heap)
        if i not in members or j not in members:
            continue
        mean = links[i].get(j, 0.0) / (len(members[i]) * len(members[j]))
        if abs(mean + negative) > 1e-12:  # stale entry
            continue
        keep, gone = min(i, j), max(i, j)
        members[keep] = sorted(members[keep] + members.pop(gone))
        for other, total in links.pop(gone).items():
            if other == keep:
                continue
            links[other].pop(gone, None)
            links[keep][other] = links[keep].get(other, 0.0) + total
            links[other][keep] = links[keep][other]
        links[keep].pop(gone, None)
        for other, total in links[keep].items():
            mean = total / (len(members[keep]) * len(members[other]))
            if mean >= threshold:
                heapq.heappush(heap, (-mean, min(keep, other), max(keep, other)))
    return sorted(members.values())


def group_articles(
    articles: Sequence[Article], threshold: float = THRESHOLD, feats: Sequence[Features] | None = None
) -> Grouping:
    """The stories of ``articles`` (see the module docstring); ``threshold``: the mean pair score that joins."""
    feats = list(feats) if feats is not None else [features(a) for a in articles]
    duplicates = find_duplicates(feats)
    leader = list(range(len(feats)))
    for group in duplicates:
        for i in group[1:]:
            leader[i] = group[0]
    leaders = [i for i in range(len(feats)) if leader[i] == i]
    scorer = _Scorer(feats)
    position = {i: k for k, i in enumerate(leaders)}
    scores: dict[tuple[int, int], float] = {}
    for i, j in sorted(scorer.candidates(leaders)):
        scores[(position[i], position[j])] = scorer.score(i, j)
    clusters = average_linkage(len(leaders), scores, threshold)
    copies: dict[int, list[int]] = {}  # each leader's articles, itself included
    for i in range(len(feats)):
        copies.setdefault(leader[i], []).append(i)
    stories = [sorted(i for k in cluster for i in copies[leaders[k]]) for cluster in clusters]
    stories.sort()
    raw = {(leaders[a], leaders[b]): s for (a, b), s in scores.items()}
    return Grouping(stories, duplicates, raw)
