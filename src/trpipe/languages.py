"""Language identification with py3langid (which ships its model: no download)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from trpipe.errors import InputError, UsageError


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid import langid

    return langid.LanguageIdentifier.from_modelpath(langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float]:
    """``(ISO 639-1 code, probability)`` for ``text``."""
    lang, prob = _identifier().classify(" ".join(text.split())[:20000])
    return str(lang), float(prob)


def detect_language(text: str, name: str = "input") -> str:
    """The language of a whole article; an InputError when there are no words to go on."""
    if sum(ch.isalpha() for ch in text[:20000]) < 3:
        raise InputError(name, "has no words to identify its language; pass --from LANG")
    return identify(text)[0]


def normalize_code(value: str, option: str = "language") -> str:
    """A language code as trpipe uses it (``fr``, ``en``, ``pt``): lower case, region dropped.

    Raises a UsageError naming ``option`` for anything that is not a language code.
    """
    code = str(value).strip().replace("_", "-").split("-")[0].lower()
    if not code.isascii() or not code.isalpha() or not 2 <= len(code) <= 3:
        raise UsageError(f"{option} {value}: expected a language code such as fr, en, de")
    return code
