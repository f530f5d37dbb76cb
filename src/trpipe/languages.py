"""Language codes (BCP 47 through langcodes) and language identification (py3langid, which ships its model)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from trpipe.errors import InputError, UsageError, shown

# Tags that name no language a model could translate from or into.
_NOT_A_LANGUAGE = {"und", "zxx"}


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


@lru_cache(maxsize=512)
def _tag_of(tag: str) -> tuple[str, str | None, str | None] | None:
    """``(language, script, region)`` trpipe keeps of a BCP 47 tag (None when ``tag`` is not one).

    The language as opus-mt names it (two letters where there are; a macrolanguage for its dominant member:
    ``cmn`` → ``zh``, ``arb`` → ``ar``); the script only where it is not the language's own (``zh-Hant``,
    ``sr-Latn``; ``zh-TW`` implies Hant); a region only where an alias brought it (``prs`` is ``fa-AF``, Dari),
    so that a many-to-many model can tell them apart. ``pt-BR`` is ``pt``.
    """
    import langcodes

    try:
        given = langcodes.Language.get(tag, normalize=False)
        normal = langcodes.Language.get(tag)
        language = normal.prefer_macrolanguage().language
    except (langcodes.LanguageTagError, ValueError):
        return None
    raw = given.language
    if not language or not raw:
        return None
    # Two-letter codes as the opus-mt models name their languages: fra → fr, iw → he, cmn → zh; a two-letter
    # code that langcodes would replace by a longer one stays as given (tl, not fil), and so does one that the
    # macrolanguage would swallow (tw, not ak).
    if len(normal.language or "") == 2:
        language = normal.language
    elif len(language) != 2 and len(raw) == 2:
        language = raw
    language = language.lower()
    if not (language.isascii() and language.isalpha() and 2 <= len(language) <= 3) or language in _NOT_A_LANGUAGE:
        return None
    try:
        script = normal.maximize().script
        default = langcodes.Language.get(language).maximize().script
    except (langcodes.LanguageTagError, ValueError):
        script = default = None
    region = normal.territory if given.territory is None and normal.territory and normal.language == language else None
    return language, (script if script and script != default else None), region


def _language_of(tag: str) -> str | None:
    """The language subtag trpipe uses for a BCP 47 tag, or None when ``tag`` is not one."""
    found = _tag_of(tag)
    return found[0] if found else None


def _parsed(value: object, option: str) -> tuple[str, str | None, str | None]:
    text = str(value).strip().replace("_", "-")
    found = _tag_of(text) if text and len(text) <= 64 else None
    if found is None:
        raise UsageError(
            f"{option} {shown(value)}: not a language code; expected a BCP 47 tag such as fr, en, de or pt-BR"
        )
    return found


def normalize_code(value: object, option: str = "language") -> str:
    """A language code as trpipe uses it (``fr``, ``en``, ``pt``): a BCP 47 tag, region and script dropped.

    ``pt-BR`` → ``pt``, ``en_US`` → ``en``, ``fra`` → ``fr``, ``zh-Hant`` → ``zh``. Raises a UsageError naming
    ``option`` for anything that is not a language tag (``éé``, ``中文``, ``en-``, ``123``), before any model
    or hub is asked.
    """
    return _parsed(value, option)[0]


def normalize_tag(value: object, option: str = "language") -> str:
    """A language tag as trpipe routes it: :func:`normalize_code`'s language, with the script kept where it is
    not the language's usual one and a region only where the tag's own alias implies it.

    ``pt-BR`` → ``pt``, ``zh-Hans`` → ``zh``, ``zh-Hant`` and ``zh-TW`` → ``zh-Hant``, ``sr-Latn`` →
    ``sr-Latn``, ``prs`` → ``fa-AF``. A registry pair or an opus-mt model is found by the language alone when
    nothing names the script; a many-to-many model maps the whole tag to its own code.
    """
    language, script, region = _parsed(value, option)
    return "-".join(part for part in (language, script, region) if part)


def base_language(tag: str) -> str:
    """The language of a tag as :func:`normalize_tag` writes it: ``zh-Hant`` → ``zh``."""
    return tag.split("-", 1)[0]
