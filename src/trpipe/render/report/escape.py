"""Every string from the input or a model goes into the page through ``esc`` (controls dropped, then
``html.escape`` with quotes), so that nothing in it can become markup."""

from __future__ import annotations

from html import escape

from trpipe.render.common import printable


def esc(value: object) -> str:
    return escape(printable(value), quote=True)


def lang_attr(lang: str | None) -> str:
    """A ``lang`` attribute for ``lang`` (nothing when it is unknown)."""
    return f' lang="{esc(lang)}"' if lang else ""
