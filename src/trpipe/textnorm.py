"""Text as the models see it. Offsets never refer to this form: it is computed from a sentence's span.

French typography puts no-break spaces (U+00A0, U+202F) before ; : ! ? and inside « »; some
SentencePiece vocabularies have no piece for them and the model then drops the neighbouring words.
They become plain spaces here, zero-width characters and soft hyphens go, and line breaks inside a
paragraph (hard wraps, CRLF) become single spaces.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


def normalize_for_model(text: str) -> str:
    """Return the form of ``text`` given to a tokenizer: one plain space between words, nothing invisible."""
    text = _INVISIBLE.sub("", text)
    text = text.translate(_APOSTROPHES)
    return _SPACES.sub(" ", text).strip()
