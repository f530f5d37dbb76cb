"""The ``quotes`` check: what the source quotes, the translation quotes, no more and no less.

Quote marks of every style are read (« », “ ”, „ “, ” ”, ‹ ›, 「 」, 『 』, " ", ‘ ’), with a quote opened in
an earlier sentence or closed in a later one counted as an open piece. The translation must have as many
quoted pieces as the source, each holding about the same share of its sentence as in the source (a
closing mark moved by a clause changes that share), and the figures and names quoted in the source must be
inside the translation's quotes, those outside outside.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from trpipe.checks.text import Flag, flag, fold, quoted

_OPENERS = {"«": "»", "“": "”", "„": "“”", "‚": "‘’", "‹": "›", "「": "」", "『": "』", "‘": "’", "”": "”", '"': '"', "'": "'"}
_CLOSERS = set("»”“’›」』\"")
# The share of a sentence a quote may gain or lose before its boundary is judged moved, and the least
# number of characters that counts.
SHARE_TOLERANCE = 0.22
MIN_SHIFT_CHARS = 14


class Quote(NamedTuple):
    start: int  # first character inside the marks
    end: int  # one past the last character inside
    closed: bool
    opened: bool


def find_quotes(text: str) -> list[Quote]:
    """Quoted pieces of ``text``, outermost only."""
    quotes: list[Quote] = []
    stack: list[tuple[str, int]] = []
    first_open: int | None = None
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        space_before = before.isspace() or before in "([{—–-/:"
        if char in "'’‘" and before.isalnum() and after.isalnum():
            continue  # an apostrophe
        if stack and char in _OPENERS.get(stack[-1][0], "") and not (char == '"' and space_before and after.isalnum()):
            if char in "’'" and after.isalnum():
                continue
            opener, start = stack.pop()
            if not stack:
                quotes.append(Quote(start, i, True, True))
            continue
        if char in _OPENERS and (char not in _CLOSERS or space_before or i == 0):
            if char in "'‘" and not after.isalpha():
                continue
            if char == "”" and not after.isalnum():
                continue
            stack.append((char, i + 1))
            first_open = i if first_open is None else first_open
            continue
        if char in _CLOSERS and char not in "'’" and not stack:
            # closes a quote opened before this sentence: the text up to here is quoted
            if not any(q.end > 0 and q.start == 0 for q in quotes):
                quotes.insert(0, Quote(0, i, True, False))
    if stack:
        quotes.append(Quote(stack[0][1], len(text), False, True))
    return sorted(quotes)


def _letters(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _items(text: str) -> set[str]:
    """Figures and capitalised words of a piece of text, folded: what must stay inside (or outside) a quote."""
    figures = set(re.findall(r"\d+", text))
    names = {fold(w) for w in re.findall(r"(?<![\w])[A-ZÀ-ÖØ-ÞА-ЯЁ][\w\-]{2,}", text)}
    return figures | {n for n in names if n}


def check_quotes(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag quotes lost, added, or whose marks moved (see the module docstring)."""
    src, tgt = find_quotes(source), find_quotes(translation)
    if not src and not tgt:
        return []
    if len(tgt) < len(src):
        lost = [quoted(source[q.start : q.end]) for q in src]
        return [flag("quotes", f"{len(src)} quoted in the source, {len(tgt)} in the translation: {', '.join(lost)}")]
    if len(tgt) > len(src):
        added = [quoted(translation[q.start : q.end]) for q in tgt]
        return [flag("quotes", f"{len(tgt)} quoted in the translation, {len(src)} in the source: {', '.join(added)}")]
    flags = []
    total_s, total_t = max(_letters(source), 1), max(_letters(translation), 1)
    for qs, qt in zip(src, tgt):
        if qs.closed != qt.closed or qs.opened != qt.opened:
            what = "closing" if qs.closed != qt.closed else "opening"
            flags.append(flag("quotes", f"the {what} mark of {quoted(source[qs.start : qs.end])} moved out of the sentence"))
            continue
        share_s = _letters(source[qs.start : qs.end]) / total_s
        share_t = _letters(translation[qt.start : qt.end]) / total_t
        shift = abs(share_t - share_s) * total_t
        if abs(share_t - share_s) > SHARE_TOLERANCE and shift >= MIN_SHIFT_CHARS:
            flags.append(
                flag(
                    "quotes",
                    f"{quoted(translation[qt.start : qt.end])} quotes {share_t:.0%} of the sentence, the source "
                    f"{share_s:.0%}: a quote mark moved",
                )
            )
            continue
        inside_s, inside_t = _items(source[qs.start : qs.end]), _items(translation[qt.start : qt.end])
        outside_t = _items(translation[: qt.start] + " " + translation[qt.end :])
        moved_out = {i for i in inside_s if i.isdigit() and i in outside_t and i not in inside_t}
        outside_s = _items(source[: qs.start] + " " + source[qs.end :])
        moved_in = {i for i in outside_s if i.isdigit() and i in inside_t and i not in inside_s}
        if moved_out or moved_in:
            moved = sorted(moved_out | moved_in)
            flags.append(flag("quotes", f"{', '.join(moved)} moved across the quote marks of {quoted(source[qs.start : qs.end])}"))
    return flags
