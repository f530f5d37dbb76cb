"""Writing direction of a language, for the report's ``dir`` attributes: right to left for the scripts written
so (Arabic, Hebrew, Thaana, Syriac, N'Ko, Adlam...), by the tag's script or its language's likely script (CLDR's
likely subtags through langcodes, else the locale's character order through Babel): Arabic, Persian, Urdu,
Pashto, Hebrew and Yiddish read right to left beside a left-to-right translation, ``ku-Arab`` too, ``az``
(Latin) not. A language CLDR does not know (``und``, ``mul``, ``zxx``, a code no registry has) has no
direction: its text gets ``dir="auto"``, so the browser reads it from the text instead of assuming left to
right."""

from __future__ import annotations

from functools import lru_cache

RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Mand", "Samr", "Mend", "Yezi"})
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})


@lru_cache(maxsize=256)
def direction(lang: str | None) -> str | None:
    """``rtl`` or ``ltr`` for a language tag; None when CLDR cannot tell (unknown or undetermined language)."""
    if not lang:
        return None
    import langcodes
    from langcodes.data_dicts import LIKELY_SUBTAGS

    try:
        tag = langcodes.Language.get(str(lang).replace("_", "-"))
        script = tag.script
        if not script:
            language = tag.language
            if not language or language in _NO_LANGUAGE:
                return None
            keys = [f"{language}-{tag.territory}", language] if tag.territory else [language]
            if not any(key in LIKELY_SUBTAGS for key in keys):  # langcodes would say Latn for anything
                return _locale_direction(language)
            script = tag.maximize().script
    except (langcodes.LanguageTagError, ValueError):
        return None
    if not script or script in ("Zyyy", "Zinh", "Zxxx", "Zzzz"):  # common, inherited, unwritten, unknown
        return None
    return "rtl" if script in RTL_SCRIPTS else "ltr"


def _locale_direction(language: str) -> str | None:
    """The character order of Babel's locale for ``language`` (CLDR), None without one."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(language).text_direction)
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def lang_dir_attrs(lang: str | None) -> str:
    """``lang`` and ``dir`` attributes for an element in ``lang``: ``dir="auto"`` when the language, or its
    direction, is unknown (never a guessed ``ltr``)."""
    from trpipe.render.report.escape import esc

    if not lang:
        return ' dir="auto"'
    return f' lang="{esc(lang)}" dir="{direction(lang) or "auto"}"'
