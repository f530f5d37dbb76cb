"""The page's skeleton (``page.html``, ``${name}`` placeholders), its style (``report.css``) and its script
(``report.js``): package data, read once with ``importlib.resources``; and the Content-Security-Policy
that allows only that style and script, by the SHA-256 hashes of their exact inline text.

The script marks the segment named by the URL fragment with a ``highlight`` class (on load and on every
hash change) and records the fragment on ``<body data-target>``, so a DOM dump shows where a citation
landed; the ``n`` and ``p`` keys go to the next and previous flagged segment (``report.js``). Hovering or
focusing a sentence highlights its counterparts and shows its span and score; a flag's sentence button shows
its sentence and the words it is about; the offsets' copy button copies them (``sentences.js``).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib.resources import files
from string import Template


@cache
def asset(name: str) -> str:
    """The text of the package data file ``name`` (``page.html``, ``report.css``, ``report.js``)."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


# The page's style and script, each the concatenation of these package files in this order: a feature of
# the report adds its own file here (the sentence view: sentences.css, sentences.js).
STYLES = ("report.css", "sentences.css")
SCRIPTS = ("report.js", "sentences.js")


def style(columns: int) -> str:
    """The inline style for a page of ``columns`` text columns (the source and each target)."""
    return "\n" + "".join(asset(name) for name in STYLES).replace("COLS", str(columns))


def script() -> str:
    """The inline script: each file its own function scope, so that none leaks names into another."""
    return "\n" + "".join(asset(name) for name in SCRIPTS)


def page(**parts: str) -> str:
    """The skeleton with its placeholders filled in (each part once, as it is: no further substitution)."""
    return Template(asset("page.html")).substitute(parts)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    """Only this page's own style and script (by hash); nothing loads, nothing else runs."""
    return (
        f"default-src 'none'; style-src {_hash(style)}; script-src {_hash(script)}; img-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
