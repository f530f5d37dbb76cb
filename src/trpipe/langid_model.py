"""py3langid's naive Bayes model, scored without importing numpy for the first texts of a process.

py3langid scores a text by walking its bytes through an automaton (pure Python) and summing, for each
n-gram feature found, ``log1p(count)`` times the feature's row of weights (numpy). Importing numpy and
py3langid is 0.2-0.3 s of a process's start, more than the language check of a single article costs, so a
process scores its first :data:`NUMPY_AFTER` bytes of text here (at about 2 µs a byte, what numpy's
import costs), reading the weights' rows (float16, as py3langid
stores them) straight from the memory-mapped file with :mod:`struct`. After that (a batch of articles), it
hands over to py3langid's own ``LanguageIdentifier`` on the same memory-mapped arrays, which is faster per
text. The two agree to a few parts in a million (sums in float64 here, float32 in numpy): the same best
language on every text of ``benchmarks/langid_eval`` (tested in ``tests/test_langid_model.py``).
"""

from __future__ import annotations

import math
import mmap
import struct
import threading
import unicodedata
from collections import Counter
from itertools import repeat
from operator import add, itemgetter, mul
from pathlib import Path
from typing import Any

NUMPY_AFTER = 100_000  # bytes scored in pure Python before numpy takes over (when it is installed)


def _mapped(path: Path) -> memoryview:
    with path.open("rb") as handle:
        return memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))


class Identifier:
    """``classify`` and ``rank`` as py3langid's ``LanguageIdentifier(..., norm_probs=True)`` answers them."""

    def __init__(self, weights: Path, moves: Path, pc: list[float], classes: list[str], typecode: str,
                 row: Any, output: list[int]):  # fmt: skip
        self.nb_classes = list(classes)
        self._pc = [float(x) for x in pc]
        self._weights_path, self._moves_path = weights, moves
        self._weights = _mapped(weights)
        self._moves = _mapped(moves).cast(typecode)
        self._typecode = typecode
        self._row = row
        self._rowbase = [r << 8 for r in row]
        self._output = output
        self._row_struct = struct.Struct(f"<{len(self.nb_classes)}e")
        self._row_bytes = self._row_struct.size
        first: dict[str, int] = {}
        self._aliases: list[tuple[int, int]] = []  # (first, duplicate) columns of a label named twice
        for index, label in enumerate(self.nb_classes):
            if label in first:
                self._aliases.append((first[label], index))
            else:
                first.setdefault(label, index)
        self._scored = 0
        self._numpy: Any = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------ scoring

    @staticmethod
    def _encode(text: str) -> bytes:
        if text.isupper():
            text = text.lower()
        return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")

    def _probabilities(self, text: str) -> list[float]:
        data = self._encode(text)
        self._scored += len(data)
        moves, rowbase, output = self._moves, self._rowbase, self._output
        state, found = 0, []
        for byte in data:
            state = moves[rowbase[state] + byte]
            feature = output[state]
            if feature >= 0:
                found.append(feature)
        if found:
            by_count: dict[int, list[int]] = {}  # the features seen once, twice...: most once
            for feature, count in Counter(found).items():
                by_count.setdefault(count, []).append(feature)
            scores = self._pc
            unpack, size, weights = self._row_struct.unpack_from, self._row_bytes, self._weights
            for count, features in by_count.items():  # each language's weights summed in C, column by column
                column_sums = [sum(c) for c in zip(*[unpack(weights, feature * size) for feature in features])]
                scores = list(map(add, scores, map(mul, column_sums, repeat(math.log1p(count)))))
        else:  # no feature: every language alike (py3langid's uniform answer)
            scores = [0.0] * len(self.nb_classes)
        scale = 1.0 / math.sqrt(len(data) or 1)  # py3langid's temperature
        top = max(scores) * scale
        exps = [math.exp(s * scale - top) for s in scores]
        total = sum(exps)
        probs = [e / total for e in exps]
        for first, duplicate in self._aliases:
            probs[first] += probs[duplicate]
            probs[duplicate] = 0.0
        return probs

    def _numpy_identifier(self) -> Any:
        """py3langid's own identifier on the same mapped arrays (None without numpy)."""
        with self._lock:
            if self._numpy is None:
                try:
                    import numpy as np
                    from py3langid import langid
                except ImportError:
                    self._numpy = False
                    return None
                ptc = np.frombuffer(self._weights, dtype="<f2").reshape(-1, len(self.nb_classes))
                pc = np.asarray(self._pc, dtype=np.float32)
                self._numpy = langid.LanguageIdentifier(
                    ptc, pc, self.nb_classes, self._moves, self._output, norm_probs=True, tk_row=self._row
                )
            return self._numpy or None

    def _scores(self, text: str) -> list[float]:
        if self._scored > NUMPY_AFTER:
            fast = self._numpy_identifier()
            if fast is not None:
                return fast._decide(text).tolist()
        return self._probabilities(text)

    # ------------------------------------------------------------------------------------ answers

    def classify(self, text: str) -> tuple[str, float]:
        """``(language, probability)`` of the best language."""
        scores = self._scores(text)
        best = max(range(len(scores)), key=scores.__getitem__)
        return self.nb_classes[best], float(scores[best])

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every language by probability, best first, one entry per label."""
        merged: dict[str, float] = {}
        for label, score in zip(self.nb_classes, self._scores(text)):
            merged.setdefault(label, float(score))
        return sorted(merged.items(), key=itemgetter(1), reverse=True)
