"""Sentences of Thai and Lao: written without spaces between words, with a space (and no full stop) between
sentences, so that ICU's sentence rules never split them.

Thai: pythainlp's CRF sentence splitter (``crfcut``, trained on Thai news; torch-free) when the ``thai`` extra is
installed (``pip install 'trpipe[thai]'``: pythainlp and python-crfsuite). Without it, and for Lao, a sentence
ends at a space between two letters of the script (pythainlp's own ``whitespace`` rule, but never between a
word and a number: ``ลงทุน 500 ล้านบาท`` stays one sentence); a note says once per process that the extra
splits Thai better. ICU's cuts (``?``, ``!``, a Latin full stop) are kept in both cases.

The cuts are offsets into the chunk: the sentences are spans of the source, never rewritten text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

log = logging.getLogger("trpipe")

SPACED = {"th": "Thai", "lo": "Lao"}  # languages whose sentences are separated by spaces, by script
_SCRIPT_RANGES = {"th": (0x0E00, 0x0E7F), "lo": (0x0E80, 0x0EFF)}
_SPACES = re.compile(r"[ \t\u00a0\u2009\u200a\u202f\u3000]+")
EXTRA_NOTE = (
    "Thai sentences are split at the spaces between Thai words; pip install 'trpipe[thai]' for pythainlp's "
    "sentence splitter (trained on Thai news)"
)


def splitter_name(lang: str) -> str:
    """What splits ``lang``'s sentences, for the provenance."""
    if lang == "th" and _thai_splitter() is not None:
        from importlib.metadata import version

        return f"pythainlp {version('pythainlp')} crfcut"
    return f"spaces between {SPACED[lang]} letters"


def sentence_cuts(chunk: str, lang: str) -> list[int]:
    """Offsets inside ``chunk`` where a sentence ends (unsorted; duplicates possible)."""
    splitter = _thai_splitter() if lang == "th" else None
    if lang == "th" and splitter is None:
        _note_missing_extra()
    if splitter is not None:
        return _located(chunk, splitter(chunk))
    low, high = _SCRIPT_RANGES[lang]

    def letter(ch: str) -> bool:
        return low <= ord(ch) <= high and unicodedata.category(ch)[0] in "LM"

    return [
        m.end()
        for m in _SPACES.finditer(chunk)
        if m.start() > 0 and m.end() < len(chunk) and letter(chunk[m.start() - 1]) and letter(chunk[m.end()])
    ]


def _located(chunk: str, pieces: list[str]) -> list[int]:
    """The ends of ``pieces`` (the splitter's sentences, in order) found in ``chunk``; a piece the splitter
    rewrote is skipped (the cuts around it still hold)."""
    cuts, cursor = [], 0
    for piece in pieces:
        piece = piece.strip()
        found = chunk.find(piece, cursor) if piece else -1
        if found >= 0:
            cursor = found + len(piece)
            cuts.append(cursor)
    return cuts


@lru_cache(maxsize=1)
def _thai_splitter() -> Callable[[str], list[str]] | None:
    import os

    from trpipe.cachedir import default_cache_dir

    # pythainlp makes a data folder on import (~/pythainlp-data): keep it in trpipe's cache unless the user chose one
    os.environ.setdefault("PYTHAINLP_DATA_DIR", str(default_cache_dir() / "pythainlp-data"))
    try:
        import pycrfsuite  # noqa: F401  (crfcut's engine: without it pythainlp fails on first use)
        from pythainlp.tokenize import sent_tokenize
    except ImportError:
        return None
    return lambda text: sent_tokenize(text, engine="crfcut")


@lru_cache(maxsize=1)
def _note_missing_extra() -> None:
    log.warning("trpipe: note: %s", EXTRA_NOTE)
