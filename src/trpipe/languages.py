"""Language codes (BCP 47 through langcodes) and language identification (py3langid, which ships its model)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from trpipe.errors import InputError, UsageError, shown

# Tags that name no language a model could translate from or into.
_NOT_A_LANGUAGE = {"und", "zxx"}


def _identifier() -> Any:
    from trpipe.tablecache import language_identifier  # py3langid's model, cached once per machine

    return language_identifier()


def identify(text: str) -> tuple[str, float]:
    """``(ISO 639-1 code, probability)`` for ``text``."""
    lang, prob = _identifier().classify(" ".join(text.split())[:20000])
    return str(lang), float(prob)


def detect_language(text: str, name: str = "input") -> str:
    """The language of a whole article; an InputError when there are no words to go on."""
    if sum(ch.isalpha() for ch in text[:20000]) < 3:
        raise InputError(name, "has no words to identify its language; pass --from LANG")
    return identify(text)[0]


@lru_cache(maxsize=256)
def _language_of(tag: str) -> str | None:
    """The language subtag trpipe uses for a BCP 47 tag, or None when ``tag`` is not one."""
    import langcodes

    try:
        raw = langcodes.Language.get(tag, normalize=False).language
        language = langcodes.Language.get(tag).prefer_macrolanguage().language
    except (langcodes.LanguageTagError, ValueError):
        return None
    if not language or not raw:
        return None
    # Two-letter codes as the opus-mt models name their languages: fra → fr, iw → he, cmn → zh; a two-letter
    # code that langcodes would replace by a longer one stays as given (tl, not fil).
    if len(language) != 2 and len(raw) == 2:
        language = raw
    language = language.lower()
    if not (language.isascii() and language.isalpha() and 2 <= len(language) <= 3) or language in _NOT_A_LANGUAGE:
        return None
    return language


def normalize_code(value: object, option: str = "language") -> str:
    """A language code as trpipe uses it (``fr``, ``en``, ``pt``): a BCP 47 tag, region and script dropped.

    ``pt-BR`` → ``pt``, ``en_US`` → ``en``, ``fra`` → ``fr``, ``zh-Hant`` → ``zh``. Raises a UsageError naming
    ``option`` for anything that is not a language tag (``éé``, ``中文``, ``en-``, ``123``), before any model
    or hub is asked.
    """
    text = str(value).strip().replace("_", "-")
    code = _language_of(text) if text and len(text) <= 64 else None
    if code is None:
        raise UsageError(
            f"{option} {shown(value)}: not a language code; expected a BCP 47 tag such as fr, en, de or pt-BR"
        )
    return code


def identify_ranked(text: str, candidates: int = 3) -> list[tuple[str, float]]:
    """The ``candidates`` likeliest languages of ``text`` with their probabilities, likeliest first."""
    ranked = _identifier().rank(" ".join(text.split())[:20000])
    return [(str(lang), float(prob)) for lang, prob in ranked[:candidates]]


@lru_cache(maxsize=512)
def language_name(code: str) -> str:
    """The English name of a language code (``fr`` → French), or the code when none is known."""
    try:
        from babel import Locale

        return str(Locale("en").languages.get(code) or code)
    except Exception:  # babel's data lacks the code, or babel is unusable: the code names itself
        return code
