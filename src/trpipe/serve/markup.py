"""Placeholders and inline markup that must survive translation, each exactly once.

Translation platforms (Weblate, Crowdin, gettext catalogues) send strings such as ``Hello %(name)s, you have
{0} <b>new</b> messages``; LibreTranslate's ``format=html`` sends markup. Before translation every placeholder
(``%s``, ``%1$d``, ``%(name)s``, ``{0}``, ``{name}``, ``{{x}}``, ``${x}``, and the ``[X6X]`` that Weblate puts
in their place) and every inline tag (``<b>``, ``</b>``, ``<a href="…">``, ``<br/>``, comments) is replaced by a
sentinel (``__PH0__``, ...; a prefix that the text does not contain). After translation, :func:`restore` puts
each original back **exactly once, whatever the model wrote**: a sentinel it dropped is put back at the same
relative place, one it repeated is kept once, one it invented is removed, placeholders or tags it produced
itself (from no sentinel) are removed, and a closing tag it moved before its opening tag is swapped back.

HTML (:func:`html_units`): block-level tags (``<p>``, ``<div>``, ``<li>``, ``<br>``, headings, table cells)
separate the units that are translated, ``<script>``, ``<style>``, ``<pre>`` and ``<code>`` blocks and
comments are kept as they are, entities are decoded for the model and the model's text is escaped again,
so that whatever it writes stays text.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

# printf (no space flag: "50 % of" is prose), Python named, .NET/ICU/Java {0}, Jinja/Handlebars {{x}}, JS ${x}
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][\w.-]{0,64}\)[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%(?:\d{1,2}\$)?[-#0+]*(?:\d{1,3}|\*)?(?:\.(?:\d{1,3}|\*))?(?:hh|ll|[hlLqjzt])?[diouxXeEfFgGcrsaAp@%]"
    r"|\{\{[^{}\n]{1,100}\}\}"
    r"|\$\{[^{}\n]{1,100}\}"
    r"|\{[A-Za-z0-9_.]{0,64}(?:[:!][^{}\n]{0,32})?\}"
    r"|\[X\d{1,9}X\]"  # Weblate's own stand-ins for the placeholders it masks before machine translation
)
TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][\w:-]*(?:\s+[^<>]*?)?\s*/?>", re.S)
TOKEN = re.compile(f"(?:{TAG.pattern})|(?:{PLACEHOLDER.pattern})", re.S)
_SPECIAL = re.compile(r"[%{}$<>\[\]]")

BLOCK_TAGS = frozenset(
    "address article aside blockquote body br dd details div dl dt fieldset figcaption figure footer form h1 h2 "
    "h3 h4 h5 h6 head header hr html li main nav ol p section summary table tbody td tfoot th thead title tr "
    "ul option select textarea".split()
)
VERBATIM_TAGS = frozenset({"script", "style", "pre", "code", "textarea", "noscript", "svg", "math"})
_TAG_NAME = re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*)")


def tokens(text: str, markup: bool = True) -> list[str]:
    """The placeholders (and with ``markup`` the tags) of ``text``, in order."""
    pattern = TOKEN if markup else PLACEHOLDER
    return [m.group(0) for m in pattern.finditer(text)]


@dataclass
class Masked:
    """A text with its placeholders and tags replaced by sentinels."""

    text: str  # what the model reads
    originals: list[str]  # sentinel k stands for originals[k]
    prefix: str
    positions: list[float] = field(default_factory=list)  # each original's relative place in the source
    html: bool = False  # model text is escaped when restored

    def sentinel(self, k: int) -> str:
        return f"__{self.prefix}{k}__"

    @property
    def translatable(self) -> bool:
        """Whether anything but sentinels, spaces and punctuation is left to translate."""
        bare = re.sub(rf"__{self.prefix}\d+__", " ", self.text)
        return any(ch.isalnum() for ch in bare)


def _prefix(text: str) -> str:
    prefix = "PH"
    while re.search(rf"{prefix}\d", text, re.I):
        prefix += "X"
    return prefix


def mask(text: str, markup: bool = True, is_html: bool = False) -> Masked:
    """``text`` with every placeholder (and, with ``markup``, every tag) replaced by a sentinel. With
    ``is_html`` the text between them is HTML: its entities are decoded for the model."""
    pattern = TOKEN if markup or is_html else PLACEHOLDER
    prefix = _prefix(html.unescape(text) if is_html else text)
    parts: list[str] = []
    originals: list[str] = []
    positions: list[float] = []
    cursor = 0
    size = max(1, len(text))
    for match in pattern.finditer(text):
        between = text[cursor : match.start()]
        parts.append(html.unescape(between) if is_html else between)
        parts.append(f"__{prefix}{len(originals)}__")
        originals.append(match.group(0))
        positions.append(match.start() / size)
        cursor = match.end()
    rest = text[cursor:]
    parts.append(html.unescape(rest) if is_html else rest)
    return Masked("".join(parts), originals, prefix, positions, is_html)


def _strip_spurious(text: str, markup: bool) -> str:
    """Model text without placeholders or tags of its own (none came from a sentinel), repeatedly."""
    pattern = TOKEN if markup else PLACEHOLDER
    for _ in range(10):
        stripped = pattern.sub("", text)
        if stripped == text:
            break
        text = stripped
    return text


def _pairs(originals: list[str]) -> dict[int, int]:
    """Opening tag index -> its closing tag index (nested as in the source)."""
    stack: list[tuple[str, int]] = []
    pairs: dict[int, int] = {}
    for k, token in enumerate(originals):
        if not token.startswith("<") or token.startswith("<!--") or token.endswith("/>"):
            continue
        name = _TAG_NAME.match(token)
        if not name:
            continue
        tag = name.group(1).lower()
        if token.startswith("</"):
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == tag:
                    pairs[stack[depth][1]] = k
                    del stack[depth:]
                    break
        else:
            stack.append((tag, k))
    return pairs


def _snap(text: str, at: int) -> int:
    """``at`` moved to the nearest word boundary of ``text``."""
    at = max(0, min(len(text), at))
    if at in (0, len(text)) or text[at - 1].isspace() or text[at].isspace():
        return at
    left = text.rfind(" ", 0, at)
    right = text.find(" ", at)
    candidates = [p for p in (left + 1 if left >= 0 else 0, right if right >= 0 else len(text))]
    return min(candidates, key=lambda p: abs(p - at))


def restore_pieces(masked: Masked, output: str, markup: bool = True) -> list[tuple[bool, str]]:
    """The translation as ``(is_original, text)`` pieces: model text between the originals, each original once."""
    if not masked.originals:
        return [(False, output)]
    sentinel = re.compile(rf"_\s?_\s?{masked.prefix}\s?(\d+)\s?_\s?_")
    slots: list[tuple[bool, str | int]] = []
    seen: set[int] = set()
    cursor = 0
    for match in sentinel.finditer(output):
        slots.append((False, output[cursor : match.start()]))
        k = int(match.group(1))
        if k < len(masked.originals) and k not in seen:
            seen.add(k)
            slots.append((True, k))
        cursor = match.end()
    slots.append((False, output[cursor:]))
    strip = markup and not masked.html  # HTML: the model's text is escaped, so its tags stay text
    slots = [(is_k, value if is_k else _strip_spurious(str(value), strip)) for is_k, value in slots]
    for k in range(len(masked.originals)):  # dropped by the model: back at its relative place
        if k in seen:
            continue
        flat = "".join(str(v) if not is_k else "\0" for is_k, v in slots)
        at = _snap(flat, round(masked.positions[k] * len(flat)))
        slots = _insert(slots, at, k)
    order = [value for is_k, value in slots if is_k]
    for opening, closing in _pairs(masked.originals).items():  # a closing tag before its opening: swapped
        i, j = order.index(opening), order.index(closing)
        if j < i:
            order[i], order[j] = order[j], order[i]
    pieces: list[tuple[bool, str]] = []
    ks = iter(order)
    for is_k, value in slots:
        pieces.append((True, masked.originals[next(ks)]) if is_k else (False, str(value)))
    return pieces


def _insert(slots: list[tuple[bool, str | int]], at: int, k: int) -> list[tuple[bool, str | int]]:
    """``slots`` with original ``k`` inserted at character ``at`` of their flattened text (an original
    counting one character)."""
    out: list[tuple[bool, str | int]] = []
    pos = 0
    done = False
    for is_k, value in slots:
        width = 1 if is_k else len(str(value))
        if not done and not is_k and pos <= at <= pos + width:
            cut = at - pos
            out += [(False, str(value)[:cut]), (True, k), (False, str(value)[cut:])]
            done = True
        elif not done and is_k and at == pos:
            out += [(True, k), (is_k, value)]
            done = True
        else:
            out.append((is_k, value))
        pos += width
    if not done:
        out.append((True, k))
    return out


def restore(masked: Masked, output: str, markup: bool = True) -> str:
    """The model's ``output`` for ``masked.text`` with each original placeholder and tag back exactly once.

    With HTML the model's text is escaped, so that nothing it writes becomes markup.
    """
    markup = markup or masked.html
    pieces = restore_pieces(masked, output, markup)
    text = _join(pieces, masked.html)
    if Counter(tokens(text, markup)) == Counter(masked.originals):
        return text
    # Model text that fuses with an original into another token ("{" + "{0}" + "}"): keep the model's
    # words without the characters that build tokens, and space the originals apart.
    safe = [(is_k, value if is_k else _SPECIAL.sub("", value).strip()) for is_k, value in pieces]
    return _join([(is_k, value) for is_k, value in safe if value], masked.html, " ")


def _join(pieces: list[tuple[bool, str]], is_html: bool, sep: str = "") -> str:
    if not is_html:
        return sep.join(value for _, value in pieces)
    return sep.join(value if is_k else html.escape(value, quote=False) for is_k, value in pieces)


# -------------------------------------------------------------------------------------------- HTML


@dataclass
class Unit:
    """A piece of an HTML document: ``keep`` (markup or verbatim content) or text to translate."""

    text: str
    keep: bool


def html_units(document: str) -> list[Unit]:
    """``document`` cut at block-level tags: units to keep as they are and inline runs to translate."""
    units: list[Unit] = []
    run: list[str] = []
    cursor = 0
    verbatim: str | None = None

    def flush() -> None:
        if "".join(run):
            units.append(Unit("".join(run), keep=False))
        run.clear()

    for match in TAG.finditer(document):
        text = document[cursor : match.start()]
        token = match.group(0)
        cursor = match.end()
        name_match = _TAG_NAME.match(token)
        name = name_match.group(1).lower() if name_match else ""
        if verbatim is not None:
            units.append(Unit(text + token, keep=True))
            if token.startswith("</") and name == verbatim:
                verbatim = None
            continue
        run.append(text)
        if token.startswith("<!--"):
            flush()
            units.append(Unit(token, keep=True))
        elif name in VERBATIM_TAGS and not token.startswith("</") and not token.endswith("/>"):
            flush()
            units.append(Unit(token, keep=True))
            verbatim = name
        elif name in BLOCK_TAGS:
            flush()
            units.append(Unit(token, keep=True))
        else:
            run.append(token)
    tail = document[cursor:]
    if verbatim is not None:
        units.append(Unit(tail, keep=True))
    else:
        run.append(tail)
        flush()
    return units


def visible_text(document: str) -> str:
    """The text a reader sees in an HTML fragment (no tags, no script or style, entities decoded), for
    language detection."""
    runs = (TAG.sub(" ", unit.text) for unit in html_units(document) if not unit.keep)
    return html.unescape(" ".join(" ".join(runs).split()))
