"""The ``quotes`` check: what the source quotes, the translation quotes, no more and no less.

Quote marks of every style are read (« », “ ”, „ “, ” ”, ‹ ›, 「 」, 『 』, " ", ‘ ’), with a quote opened in
an earlier sentence or closed in a later one counted as an open piece. The translation must have as many
quoted pieces as the source, each holding about the same share of its sentence as in the source (a
closing mark moved by a clause changes that share), and the figures and names quoted in the source must be
inside the translation's quotes, those outside outside.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from typing import NamedTuple

from trpipe.checks.names import name_runs
from trpipe.checks.text import _CJK_CHAR, ERROR, WARNING, Flag, flag, quoted

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
_QN = "quoted pieces"
MIN_SHIFT_CHARS = 10
MAX_CJK_NAME = 4  # characters of a Chinese or Japanese name in quote marks (台风“青鸾”)
# A source quote the translation gives without marks, with this share of its content words (and at least this
# many) aligned: direct speech reported, a warning (round 4 of issue 24).
RENDERED_SHARE = 0.6
MIN_RENDERED_WORDS = 3
REPORTED = "; its words are in the translation, without the marks (reported speech)"


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
        # a space, an opening bracket or a colon; in Chinese or Japanese, which put no space before a quote, a
        # character of their script or their full-width punctuation (表示：“…”, 台风“青鸾”)
        space_before = before.isspace() or before in "([{—–-/:：，、。；（" or bool(_CJK_CHAR.match(before))
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


class _Items:
    """Figures and names of a text (folded) by position: what a quote mark must not cross.

    Built once per text; ``inside(start, end)`` counts those in a span in logarithmic time plus its size,
    and ``outside`` follows from the totals, so a sentence with many quotes stays linear.
    """

    def __init__(self, text: str, lang: str):
        found = [(m.start(), m[0]) for m in re.finditer(r"\d+", text)]
        found += [(run.start, w) for run in name_runs(text, lang, None) for w in run.words if len(w) >= 3]
        found.sort()
        self.positions = [p for p, _ in found]
        self.words = [w for _, w in found]
        self.total = Counter(self.words)

    def inside(self, start: int, end: int) -> Counter:
        return Counter(self.words[bisect_left(self.positions, start) : bisect_left(self.positions, end)])

    def outside(self, item: str, inside: Counter) -> bool:
        return self.total[item] > inside[item]


_COMPLEMENTISERS = frozenset("that que qu dass che daß dat".split())  # "said that ...": reported speech


def _quoted_name(text: str, quote: Quote, lang: str) -> bool:
    """A quote that holds a name of at most three words (every word capitalised, or a name run); in Chinese
    or Japanese, at most four characters of their script (a typhoon's, a ship's or a programme's name)."""
    inner = text[quote.start : quote.end].strip(" ,.")
    if _CJK_CHAR.match(inner):
        return len(inner) <= MAX_CJK_NAME and all(_CJK_CHAR.match(c) for c in inner)
    words = inner.split()
    if not words or len(words) > 3:
        return False
    return all(w[:1].isupper() for w in words) or any(r.text == inner for r in name_runs(inner, lang, None))


def reported(source: str, qs: Quote, translation: str, qt: Quote, source_lang: str, target_lang: str) -> bool:
    """Whether the translation reports as indirect speech, quoting part of it, what the source quotes as the
    whole of its sentence (« ... », a-t-elle dit -> she said that they had "..."): the source's quote opens
    its sentence, the translation's does not, and what stands before it is the attribution (a name the source
    writes after its quote) or a complementiser (that, que, dass)."""
    if re.search(r"\w", source[: max(qs.start - 1, 0)]) or not re.search(r"\w", translation[: qt.start]):
        return False
    before = translation[: qt.start]
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", before)}
    if words & _COMPLEMENTISERS:
        return True
    after = {w for run in name_runs(source[qs.end :], source_lang, None) for w in run.words if len(w) >= 3}
    return bool(after & {w for run in name_runs(before, target_lang, None) for w in run.words})


def _rendered(quote: Quote, alignment) -> bool:
    """Whether the translation renders the words of a source quote: RENDERED_SHARE of its content words (and
    at least MIN_RENDERED_WORDS) linked by the word ``alignment`` (trpipe.checks.align)."""
    if alignment is None:
        return False
    linked = {k.source for k in alignment.links}
    inside = [i for i, w in enumerate(alignment.source) if w.content and quote.start <= w.start < quote.end]
    hits = sum(i in linked for i in inside)
    return len(inside) >= MIN_RENDERED_WORDS and hits >= RENDERED_SHARE * len(inside)


def check_quotes(source: str, translation: str, source_lang: str, target_lang: str, alignment=None) -> list[Flag]:
    """Flag quotes lost, added, or whose marks moved (see the module docstring). ``alignment``: the sentence's
    word alignment (trpipe.checks.align), which tells a quote reported without its marks from a quote lost."""
    src, tgt = find_quotes(source), find_quotes(translation)
    if not src and not tgt:
        return []
    if len(tgt) < len(src):
        lost = [quoted(source[q.start : q.end]) for q in src]
        detail = f"{len(src)} quoted in the source, {len(tgt)} in the translation: {', '.join(lost)}"
        # A name in quote marks («Ак Барс», the Russian and Chinese way of writing a club or a ship's name)
        # loses them in English: a warning when every source quote is a name of at most three words. So is
        # direct speech reported without marks when the alignment finds its words in the translation (« On a
        # perdu 40 % », résume-t-elle -> she says her business lost 40 per cent): the marks went, not the words.
        names = not tgt and all(_quoted_name(source, q, source_lang) for q in src)
        reported_speech = not tgt and not names and all(_rendered(q, alignment) for q in src)
        if reported_speech:
            detail += REPORTED
        return [
            flag(
                "quotes", detail, WARNING if names or reported_speech else ERROR, source=(src[0].start, src[-1].end),
                expected=len(src), found=len(tgt), measure=_QN,
            )
        ]  # fmt: skip
    if len(tgt) > len(src):
        added = [quoted(translation[q.start : q.end]) for q in tgt]
        detail = f"{len(tgt)} quoted in the translation, {len(src)} in the source: {', '.join(added)}"
        return [
            flag("quotes", detail, target=(tgt[0].start, tgt[-1].end), expected=len(src), found=len(tgt), measure=_QN)
        ]
    flags = []
    items_s: _Items | None = None
    items_t: _Items | None = None
    total_s, total_t = max(_letters(source), 1), max(_letters(translation), 1)
    for qs, qt in zip(src, tgt):
        if qs.closed != qt.closed or qs.opened != qt.opened:
            what = "closing" if qs.closed != qt.closed else "opening"
            flags.append(
                flag(
                    "quotes",
                    f"the {what} mark of {quoted(source[qs.start : qs.end])} moved out of the sentence",
                    source=(qs.start, qs.end),
                    target=(qt.start, qt.end),
                    measure="quote marks in the sentence",
                )
            )
            continue
        share_s = _letters(source[qs.start : qs.end]) / total_s
        share_t = _letters(translation[qt.start : qt.end]) / total_t
        shift = abs(share_t - share_s) * total_t
        if abs(share_t - share_s) > SHARE_TOLERANCE and shift >= MIN_SHIFT_CHARS:
            speech = share_t < share_s and reported(source, qs, translation, qt, source_lang, target_lang)
            note = " (direct speech reported, part of it quoted)" if speech else ""
            flags.append(
                flag(
                    "quotes",
                    f"{quoted(translation[qt.start : qt.end])} quotes {share_t:.0%} of the sentence, the source "
                    f"{share_s:.0%}: a quote mark moved{note}",
                    WARNING if speech else ERROR,
                    source=(qs.start, qs.end),
                    target=(qt.start, qt.end),
                    expected=f"{share_s:.0%}",
                    found=f"{share_t:.0%}",
                    measure="share of the sentence quoted (difference)",
                    value=abs(share_t - share_s),
                    threshold=SHARE_TOLERANCE,
                )
            )
            continue
        if items_s is None or items_t is None:
            items_s, items_t = _Items(source, source_lang), _Items(translation, target_lang)
        inside_s, inside_t = items_s.inside(qs.start, qs.end), items_t.inside(qt.start, qt.end)
        moved_out = {
            i
            for i in inside_s
            if items_t.outside(i, inside_t) and i not in inside_t and not items_s.outside(i, inside_s)
        }
        moved_in = {
            i
            for i in inside_t
            if items_s.outside(i, inside_s) and i not in inside_s and not items_t.outside(i, inside_t)
        }
        if moved_out or moved_in:
            moved = sorted(moved_out | moved_in)
            flags.append(
                flag(
                    "quotes",
                    f"{', '.join(moved)} moved across the quote marks of {quoted(source[qs.start : qs.end])}",
                    source=(qs.start, qs.end),
                    target=(qt.start, qt.end),
                    found=", ".join(moved),
                    measure="figures and names inside the quote marks",
                )
            )
    return flags
