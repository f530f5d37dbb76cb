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

from trpipe.checks.names import name_runs
from trpipe.checks.text import Flag, flag, quoted

_OPENERS = {
    "«": "»",
    "“": "”",
    "„": "“”",
    "‚": "‘’",
    "‹": "›",
    "「": "」",
    "『": "』",
    "‘": "’",
    "”": "”",
    '"': '"',
    "'": "'",
}
_CLOSERS = set('»”“’›」』"')
_ANY_MARK = re.compile("[«»“”„‚‹›「」『』‘’\"']")
# The share of a sentence a quote may gain or lose before its boundary is judged moved, and the least
# number of characters that counts.
SHARE_TOLERANCE = 0.14
MIN_SHIFT_CHARS = 10


class Quote(NamedTuple):
    start: int  # first character inside the marks
    end: int  # one past the last character inside
    closed: bool
    opened: bool


def find_quotes(text: str) -> list[Quote]:
    """Quoted pieces of ``text``, outermost only."""
    if not _ANY_MARK.search(text):
        return []
    quotes: list[Quote] = []
    stack: list[tuple[str, int]] = []
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        space_before = before.isspace() or before in "([{—–-/:"
        if char in "'’‘" and before.isalnum() and after.isalnum():
            continue  # an apostrophe
        if stack and char in _OPENERS.get(stack[-1][0], "") and not (char == '"' and space_before and after.isalnum()):
            if char in "’'" and after.isalnum():
                continue
            _, start = stack.pop()
            if not stack:
                quotes.append(Quote(start, i, True, True))
            continue
        if char in _OPENERS and (char not in _CLOSERS or space_before or i == 0):
            if char in "'‘" and not after.isalpha():
                continue
            if char == "”" and not after.isalnum():
                continue
            stack.append((char, i + 1))
            continue
        # a closing mark of a quote opened before this sentence: the text up to here is quoted
        if char in _CLOSERS and char not in "'’" and not stack and not any(q.start == 0 for q in quotes):
            quotes.insert(0, Quote(0, i, True, False))
    if stack:
        quotes.append(Quote(stack[0][1], len(text), False, True))
    return sorted(_trimmed(text, q) for q in quotes)


def _trimmed(text: str, quote: Quote) -> Quote:
    """The quote without the spaces just inside its marks (« Nous » -> Nous)."""
    start, end = quote.start, quote.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return quote._replace(start=start, end=end)


def _letters(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _items(text: str, start: int, end: int, lang: str, inside: bool) -> set[str]:
    """Figures and names of ``text`` inside (or outside) ``start:end``, folded: what a quote mark must not cross."""
    found = set()
    for match in re.finditer(r"\d+", text):
        if (start <= match.start() < end) == inside:
            found.add(match[0])
    for run in name_runs(text, lang, None):
        if (start <= run.start < end) == inside:
            found.update(w for w in run.words if len(w) >= 3)
    return found


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
            flags.append(
                flag("quotes", f"the {what} mark of {quoted(source[qs.start : qs.end])} moved out of the sentence")
            )
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
        inside_s = _items(source, qs.start, qs.end, source_lang, True)
        inside_t = _items(translation, qt.start, qt.end, target_lang, True)
        outside_s = _items(source, qs.start, qs.end, source_lang, False)
        outside_t = _items(translation, qt.start, qt.end, target_lang, False)
        moved_out = {i for i in inside_s if i in outside_t and i not in inside_t and i not in outside_s}
        moved_in = {i for i in outside_s if i in inside_t and i not in inside_s and i not in outside_t}
        if moved_out or moved_in:
            moved = sorted(moved_out | moved_in)
            flags.append(
                flag(
                    "quotes", f"{', '.join(moved)} moved across the quote marks of {quoted(source[qs.start : qs.end])}"
                )
            )
    return flags
