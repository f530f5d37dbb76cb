"""Writing direction of a language, for the report's ``dir`` attributes: right to left for the scripts written
so (Arabic, Hebrew, Thaana, Syriac, N'Ko, Adlam...), by the tag's script or its language's likely script (CLDR
through langcodes): Arabic, Persian, Urdu, Pashto, Hebrew and Yiddish read right to left beside a left-to-right
translation, ``ku-Arab`` too, ``az`` (Latin) not."""

from __future__ import annotations

from functools import lru_cache

RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Mand", "Samr", "Mend", "Yezi"})


@lru_cache(maxsize=256)
def direction(lang: str | None) -> str | None:
    """``rtl`` or ``ltr`` for a language tag; None when the tag says nothing."""
    if not lang:
        return None
    import langcodes

    try:
        script = langcodes.Language.get(lang).maximize().script
    except (langcodes.LanguageTagError, ValueError):
        return None
    if not script:
        return None
    return "rtl" if script in RTL_SCRIPTS else "ltr"


def lang_dir_attrs(lang: str | None) -> str:
    """``lang`` and ``dir`` attributes for an element in ``lang`` (nothing when it is unknown)."""
    from trpipe.render.report.escape import esc

    if not lang:
        return ""
    found = direction(lang)
    return f' lang="{esc(lang)}"' + (f' dir="{found}"' if found else "")
