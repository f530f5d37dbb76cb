"""Text from a digest made safe for each output: control characters and the bidirectional formatting controls
(embeddings, overrides, isolates: U+202A–U+202E, U+2066–U+2069) dropped, so that no title or summary can
reverse the text around it; then HTML-escaped (quotes too) or Markdown-escaped. Which way a language is
written (``rtl``/``ltr``) is the report's ``direction`` (its script, through langcodes)."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from trpipe.render.common import printable
from trpipe.render.markdown import escape as markdown_escape
from trpipe.render.report.direction import direction

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean(value: object) -> str:
    """``value`` as text for a reader: control characters and bidirectional controls dropped."""
    return _BIDI_CONTROLS.sub("", printable("" if value is None else value))


def esc(value: object) -> str:
    """``value`` as HTML text or attribute value (quotes escaped)."""
    return escape(clean(value), quote=True)


def md(value: object) -> str:
    """``value`` as literal Markdown on one line (no markup, link, heading, list or HTML from it)."""
    return markdown_escape(clean(value))


def language(value: object) -> str | None:
    """A language code as given (``None`` when missing or not a short string)."""
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def lang_attrs(lang: object) -> str:
    """``lang`` and ``dir`` attributes for text in ``lang`` (``dir="auto"`` when the language is unknown)."""
    code = language(lang)
    if code is None:
        return ' dir="auto"'
    return f' lang="{esc(code)}" dir="{direction(code) or "auto"}"'


@lru_cache(maxsize=256)
def language_label(lang: str) -> str:
    """``Arabic (ar)``; the code alone when babel does not name it."""
    from trpipe.languages import language_name

    name = language_name(lang.split("-")[0]) if lang else lang
    return f"{name} ({lang})" if name and name != lang.split("-")[0] else lang
