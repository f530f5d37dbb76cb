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
    """The language of a whole article; an InputError when there are no words to go on, or when they are
    written in a script that no language of the detector uses (it would guess one of its own, wrongly)."""
    if sum(ch.isalpha() for ch in text[:20000]) < 3:
        raise InputError(name, "has no words to identify its language; pass --from LANG")
    script = outside_detector(text)
    if script:
        raise InputError(
            name,
            f"is written in {script} script, which none of the {len(detector_languages())} languages the "
            "language detector (py3langid) knows uses; pass --from LANG",
        )
    return identify(text)[0]


@lru_cache(maxsize=1)
def detector_languages() -> tuple[str, ...]:
    """The languages py3langid identifies (ISO 639 codes, as it names them)."""
    return tuple(sorted(set(_identifier().nb_classes) - _NOT_A_LANGUAGE))


# Scripts a text may be written in (ISO 15924), tried in this order to name a letter's script.
_SCRIPTS = (
    "Latn Cyrl Arab Hani Hira Kana Hang Deva Beng Guru Gujr Orya Taml Telu Knda Mlym Sinh Thai Laoo Mymr Khmr Tibt "
    "Ethi Geor Armn Grek Hebr Tfng Thaa Syrc Nkoo Olck Mtei Cher Cans Mong Yiii Vaii Adlm Bopo Tale Bali Java Sund "
    "Cham Lana Talu Tavt Bugi Batk Rohg Mend Bamu Copt Glag Runr Ogam Limb Lepc Saur Kali Wcho Yezi Hmnp Gonm Gong"
).split()
_SAME_WRITING = {"Hira": "Hani", "Kana": "Hani", "Hang": "Hani", "Bopo": "Hani", "Jpan": "Hani", "Kore": "Hani",
                 "Hans": "Hani", "Hant": "Hani"}  # fmt: skip


@lru_cache(maxsize=4096)
def _script_of(char: str) -> str | None:
    import regex

    for script in _SCRIPTS:
        if regex.match(rf"\p{{sc={script}}}", char):
            return script
    return None


def dominant_script(text: str) -> str | None:
    """The ISO 15924 script most letters of ``text`` are written in (None without letters)."""
    counts: dict[str, int] = {}
    for char in text[:5000]:
        if char.isalpha():
            script = _script_of(char)
            if script:
                script = _SAME_WRITING.get(script, script)
                counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


@lru_cache(maxsize=1)
def _detector_scripts() -> frozenset[str]:
    import langcodes

    scripts = set()
    for code in detector_languages():
        try:
            script = langcodes.Language.get(code).maximize().script
        except (langcodes.LanguageTagError, ValueError):
            continue
        if script:
            scripts.add(_SAME_WRITING.get(script, script))
    return frozenset(scripts)


def outside_detector(text: str) -> str | None:
    """The name of ``text``'s script when no language of the detector is written in it (Tifinagh, Thaana,
    Ol Chiki...), else None."""
    script = dominant_script(text)
    if script is None or script in _detector_scripts():
        return None
    from babel import Locale

    return Locale("en").scripts.get(script) or script  # CLDR's English name: Tifinagh, Thaana


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
