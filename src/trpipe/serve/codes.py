"""Language codes as LibreTranslate's clients send them, read as the codes this server lists.

trpipe's tags for a many-to-many model's languages are :func:`trpipe.languages.normalize_tag`'s (``fr``,
``zh-Hant``, ``ko-Hang``, ``pbt-Arab``, ``fil``). Clients send LibreTranslate's codes and
their own: any case, ``_`` for ``-``, a region (``pt_BR``), deprecated codes (``iw``), LibreTranslate's
``zt`` and ``pb``, a macrolanguage where the model names one of its languages (``ps`` for Southern Pashto,
``no`` for Bokmål), an older code for the same language (``tl`` for ``fil``), a language without the script
that is its usual writing (``ko`` for ``ko-Hang``). :func:`plain_codes` lists such a language by the code
the clients know where it means the same, and :func:`listed_code` finds the listed code that means what
the client asked for, and only one: never another script of a language written in several (``sr`` is not
``sr-Latn``, ``zh`` is not ``zh-Hant``), never one of two candidates (``no`` with ``nb`` and ``nn``
listed is ``nb`` by LibreTranslate's use, ``ar`` with only ``ary`` and ``arz`` listed is none).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

# LibreTranslate's own codes for Chinese (Traditional) and Brazilian Portuguese (libretranslate/language.py,
# `aliases`), which its clients still send (SillyTavern for zh-TW, Subtitle Edit)
LT_CODES = {"zt": "zh-Hant", "pb": "pt-BR"}
# what LibreTranslate means by a macrolanguage its lists name one language of (Discourse sends no for nb_NO)
MEANT = {"no": "nb", "nb": "no"}
# a language's usual script that covers the script a model names (Korean is written in Hangul and Hanja,
# NLLB's kor_Hang is Korean as written today)
COVERS = {"Kore": frozenset({"Hang"}), "Jpan": frozenset({"Hira", "Kana"})}
# macrolanguages whose members a reader does not take for one another in writing: not folded
KEPT = frozenset({"zh"})
# LibreTranslate's code where langcodes writes another one for the same language (Tagalog: tl, not fil)
LT_NAMES = {"fil": "tl"}


def listed_code(value: str, listed: Iterable[str]) -> str | None:
    """The code of ``listed`` that ``value`` asks for, or None."""
    from trpipe.errors import UsageError
    from trpipe.languages import base_language, normalize_tag

    try:
        code = normalize_tag(LT_CODES.get(value.strip().lower(), value))
    except UsageError:
        return None
    listed = list(listed)
    base = base_language(code)
    for candidate in (code, base, MEANT.get(base)):
        if candidate in listed:
            return candidate
    asked = _language(code)
    same = [other for other in listed if _language(other) == asked]
    return same[0] if len(same) == 1 else None


def plain_codes(tags: Collection[str]) -> list[str]:
    """The listed ``tags``, each by the code LibreTranslate and its clients use where it means the same
    language in the same writing and no other listed tag does (``ko`` for ``ko-Hang``, ``ps`` for
    ``pbt-Arab``, ``tl`` for ``fil``): clients compare the codes they know with the list (Weblate, Mastodon,
    Discourse), and trpipe's routing reads these codes as the same model language."""
    from collections import Counter

    from langcodes.data_dicts import MACROLANGUAGES

    from trpipe.languages import base_language

    meanings = {tag: _language(tag) for tag in tags}
    shared = Counter(meanings.values())
    out = set()
    for tag, meaning in meanings.items():
        base = base_language(tag)
        plain = tag
        if shared[meaning] == 1:
            for code in (base, MACROLANGUAGES.get(base), LT_NAMES.get(base)):
                if code and code not in meanings and _language(code) == meaning:
                    plain = code
                    break
        out.add(plain)
    return sorted(out)


def _language(tag: str) -> tuple[str, str | None]:
    """What a tag names, as ``(language, script)``: an individual language as its macrolanguage (``pbt`` →
    ``ps``), a replaced code as its replacement (``tl`` → ``fil``), and the script named or the language's
    usual one (a script its usual one covers counting as the usual one)."""
    from langcodes.data_dicts import DEFAULT_SCRIPTS, LANGUAGE_REPLACEMENTS, MACROLANGUAGES

    language, *rest = tag.split("-")
    language = LANGUAGE_REPLACEMENTS.get(language, language)
    usual = DEFAULT_SCRIPTS.get(language)
    script = next((part for part in rest if len(part) == 4), None) or usual
    if usual is not None and script in COVERS.get(usual, ()):
        script = usual
    macro = MACROLANGUAGES.get(language, language)
    return (language if macro in KEPT else macro), script


def display_name(code: str) -> str:
    """The English name of a listed code, its script or region named too (``zh-Hant``: Traditional Chinese,
    ``ace-Arab``: Acehnese (Arabic)); the code itself where no name is known."""
    from babel import Locale

    from trpipe.languages import language_name

    english = Locale("en")
    whole = english.languages.get(code.replace("-", "_"))
    if whole:
        return str(whole)
    language, *rest = code.split("-")
    parts = [str(english.scripts.get(part) or english.territories.get(part) or part) for part in rest]
    name = language_name(language)
    return f"{name} ({', '.join(parts)})" if parts else name
