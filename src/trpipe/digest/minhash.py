"""Near-duplicate candidates: word shingles, MinHash signatures and LSH banding (numpy, no extra library).

A text is the set of its word ``SHINGLE``-grams (folded: lower-cased, accents dropped, punctuation gone), each
hashed to 32 bits (blake2b). Its MinHash signature keeps, for each of ``PERMUTATIONS`` multiply-shift hash
functions (seeded, so the same input always gives the same signature), the least hash of its shingles; the
share of equal positions in two signatures estimates the Jaccard similarity of the two sets. LSH cuts the
signature into ``BANDS`` bands: texts that share a whole band are candidates (with 16 bands of 4 rows, a pair of
Jaccard 0.5 is found with probability 0.65, one of 0.7 with 0.98), so the cost grows with the number of texts,
not with the number of pairs. Candidates are then confirmed on their exact Jaccard similarity.

datasketch does the same with scipy as a further dependency; these 70 lines are all the digest needs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

import numpy as np

from trpipe.checks.text import fold

SHINGLE = 4
PERMUTATIONS = 64
BANDS = 16
_WORD = re.compile(r"[^\W_]+")
_SEED = 20261207


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    """The word ``size``-grams of ``text``, folded; a text shorter than ``size`` words is one shingle."""
    words = _WORD.findall(fold(text))
    if len(words) <= size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _parameters(count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=count, dtype=np.uint64) | np.uint64(1)  # odd multipliers
    b = rng.integers(0, 2**63, size=count, dtype=np.uint64)
    return a, b


_A, _B = _parameters(PERMUTATIONS)


def signature(items: Iterable[str]) -> np.ndarray:
    """The MinHash signature (``PERMUTATIONS`` uint32) of a set of strings; all ones for an empty set."""
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=4).digest(), "little")
         for s in items),
        dtype=np.uint64,
    )  # fmt: skip
    if hashes.size == 0:
        return np.full(PERMUTATIONS, 0xFFFFFFFF, dtype=np.uint32)
    with np.errstate(over="ignore"):  # multiply-shift hashing: the product is meant to wrap modulo 2**64
        mixed = (hashes[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    return mixed.min(axis=0).astype(np.uint32)


def candidate_pairs(signatures: Sequence[np.ndarray], bands: int = BANDS) -> set[tuple[int, int]]:
    """Pairs ``(i, j)``, i < j, of texts whose signatures agree on at least one whole band."""
    rows = PERMUTATIONS // bands
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = {}
        for index, sig in enumerate(signatures):
            key = sig[band * rows : (band + 1) * rows].tobytes()
            buckets.setdefault(key, []).append(index)
        for members in buckets.values():
            if len(members) > 1:
                pairs.update((a, b) for k, a in enumerate(members) for b in members[k + 1 :])
    return pairs
