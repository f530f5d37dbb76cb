"""Segmentation: decoded text to an ordered list of segments, each split into sentences.

The span invariant lives here: for every segment ``text[seg.start:seg.end] == seg.text``, every
non-whitespace character of the text lies in exactly one segment, and the sentences of a segment
cover every non-whitespace character of it. Nothing is dropped and nothing is truncated: a sentence
longer than the model's input limit is cut again (``split_long_sentences``) into pieces that fit.

Sentences: pysbd for the languages it has rules for (``PYSBD_LANGS``); ICU's sentence rules (``icu4py``, a
wheel with ICU inside) for every other language: Khmer, Burmese, Swahili, Hebrew and the rest, with their
own full stops (``។``, ``።``, ``။``, ``。``); Thai and Lao, whose sentences are separated by a space, also where
``trpipe.segment_spaced`` cuts them (pythainlp's splitter for Thai with the ``thai`` extra). A sentence cut for
length is cut at a clause mark or a space where there is one, else at a word boundary from ICU's dictionaries
(Thai, Khmer, Lao, Burmese, Chinese, Japanese are written without spaces between words), never inside a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import pairwise

from trpipe.records import Segment, Sentence
from trpipe.segment_spaced import SPACED
from trpipe.textnorm import normalize_for_model

KINDS = ("title", "heading", "byline", "date", "caption", "paragraph", "list_item")

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # LF, CRLF and old Mac CR line ends
_LIST_ITEM = re.compile(r"^\s*(?:[-*•–·▪]|\d{1,3}[.)])\s+\S")
_BYLINE = re.compile(r"^(?:par|by|von|door|di|por|af|av|от|автор)\s+\S+(?:\s+\S+){0,8}$|^(?:©|\(c\))", re.IGNORECASE)
_CAPTION = re.compile(
    r"^[(\[]?(?:photo|photos|image|illustration|crédit|credit|crédits|credits|foto|bild|capture|"
    r"légende|caption|source|sources)\b\s*[:/(-]?",
    re.IGNORECASE,
)
_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "januar|februar|märz|juni|juli|oktober|dezember|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    "janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|dezembro|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"(?:\b\d{{1,2}}(?:er|st|nd|rd|th|\.)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b)",
    re.IGNORECASE,
)
_TERMINAL = ".!?…;:,\"»”)'’"
_SENTENCE_END = ".!?…:»”\"'’)"
PYSBD_LANGS = {
    "en",
    "hi",
    "mr",
    "zh",
    "es",
    "am",
    "ar",
    "hy",
    "bg",
    "ur",
    "ru",
    "pl",
    "fa",
    "nl",
    "da",
    "fr",
    "my",
    "el",
    "it",
    "ja",
    "de",
    "kk",
    "sk",
}


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for m in _LINE.finditer(text):
        yield m.start(), m.group()


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Groups of consecutive non-blank lines, with their start offsets."""
    block: list[tuple[int, str]] = []
    for start, line in _lines(text):
        if line.strip():
            block.append((start, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _breaks_after(line: str, next_line: str, longest: int) -> bool:
    """Whether a single line break inside a block separates two segments."""
    this, nxt = line.strip(), next_line.strip()
    if _LIST_ITEM.match(nxt) or _LIST_ITEM.match(this):
        return True
    if this.endswith(tuple(_SENTENCE_END)):
        return True
    # A short line above a longer one is a title, heading or byline line, not a hard wrap.
    return len(this) < 0.5 * longest


def _units(text: str) -> Iterator[tuple[int, int]]:
    """Spans of segment candidates: blocks, cut at the line breaks that separate paragraphs."""
    for block in _blocks(text):
        longest = max(len(line.strip()) for _, line in block)
        first = 0
        for i in range(len(block)):
            last = i == len(block) - 1
            if last or _breaks_after(block[i][1], block[i + 1][1], longest):
                start = block[first][0]
                end = block[i][0] + len(block[i][1])
                chunk = text[start:end]
                lead = len(chunk) - len(chunk.lstrip())
                trail = len(chunk) - len(chunk.rstrip())
                yield start + lead, end - trail
                first = i + 1


def classify(text: str, index: int) -> str:
    """Guess the kind of a segment from its text and its position in the article."""
    t = " ".join(text.split())
    words = len(t.split())
    if _LIST_ITEM.match(t):
        return "list_item"
    if words <= 12 and _BYLINE.match(t):
        return "byline"
    if words <= 8 and _DATE.search(t):
        return "date"
    if words <= 40 and _CAPTION.match(t):
        return "caption"
    if index == 0 and words <= 40:
        return "title"
    if words <= 15 and not t.endswith(tuple(_TERMINAL)):
        return "heading"
    return "paragraph"


def segment_text(text: str, lang: str | None = None) -> list[Segment]:
    """Split ``text`` into segments ``p1, p2, ...`` with kinds, spans, lines and sentences."""
    segments: list[Segment] = []
    line, counted = 1, 0
    for index, (start, end) in enumerate(_units(text)):
        line += text.count("\n", counted, start)
        counted = start
        seg_text = text[start:end]
        segments.append(
            Segment(
                id=f"p{index + 1}",
                kind=classify(seg_text, index),
                start=start,
                end=end,
                line=line,
                text=seg_text,
                sentences=split_sentences(text, start, end, lang),
                location={"format": "text", "line": line},
            )
        )
    return segments


def segment_blocks(text: str, blocks: Sequence, lang: str | None = None) -> list[Segment]:
    """One segment per extracted block (``trpipe.read.blocks.Block``: start, end, kind, path, location), in order.

    The same span invariant as ``segment_text`` holds: each block is stripped to its non-space span
    and an empty one is skipped; blocks must not overlap (extraction guarantees it).
    """
    segments: list[Segment] = []
    line, counted, previous_end = 1, 0, 0
    for block in sorted(blocks, key=lambda b: b.start):
        start, end = _strip_span(text, block.start, block.end)
        if start >= end:
            continue
        if start < previous_end:
            raise ValueError(f"block {block.start}:{block.end} overlaps the previous one")
        previous_end = end
        line += text.count("\n", counted, start)
        counted = start
        segments.append(
            Segment(
                id=f"p{len(segments) + 1}",
                kind=block.kind if block.kind in KINDS else "paragraph",
                start=start,
                end=end,
                line=line,
                text=text[start:end],
                sentences=split_sentences(text, start, end, lang),
                path=getattr(block, "path", None),
                location=getattr(block, "location", None),
            )
        )
    return segments


@lru_cache(maxsize=32)
def _segmenter(lang: str):
    import pysbd

    return pysbd.Segmenter(language=lang if lang in PYSBD_LANGS else "en", clean=False, char_span=True)


def segmenter_name(lang: str | None) -> str:
    """What splits ``lang``'s sentences (the provenance's ``segmenter``)."""
    language = _language(lang)
    if language in SPACED:
        from trpipe.segment_spaced import splitter_name

        return f"{splitter_name(language)} + ICU"
    return "pysbd" if language in PYSBD_LANGS else "ICU"


def _language(lang: str | None) -> str:
    return (lang or "en").split("-")[0].lower()


def _utf16_index(text: str) -> list[int]:
    """``index[u]``: the character index at UTF-16 offset ``u`` of ``text`` (ICU counts UTF-16 units)."""
    index = []
    for i, ch in enumerate(text):
        index.extend([i] * (2 if ord(ch) > 0xFFFF else 1))
    index.append(len(text))
    return index


def icu_boundaries(text: str, lang: str | None, kind: str = "word") -> list[int]:
    """The offsets of ``text`` (characters) where ICU's ``word`` or ``sentence`` rules for ``lang`` allow a break,
    0 and ``len(text)`` included; word boundaries come from ICU's dictionaries in scripts without spaces."""
    from icu4py.breakers import SentenceBreaker, WordBreaker

    if not text:
        return [0]
    breaker = (WordBreaker if kind == "word" else SentenceBreaker)(text, _language(lang))
    index = text.isascii() or all(ord(c) <= 0xFFFF for c in text)
    table = None if index else _utf16_index(text)
    found = {0, len(text)}
    for _, end in breaker.segments():
        found.add(end if table is None else table[min(end, len(table) - 1)])
    return sorted(b for b in found if 0 <= b <= len(text))


PYSBD_WINDOW = 4000  # characters pysbd is given at once (see _sentence_cuts)


def _sentence_cuts(chunk: str, lang: str | None) -> list[int]:
    """Offsets inside ``chunk`` where a sentence ends: pysbd's (checked, or re-found when its spans drift) for
    its languages, ICU's for the others.

    Line breaks inside a segment are hard wraps, not sentence ends: the splitters see them as spaces
    (a same-length substitution, so offsets are unchanged).
    """
    chunk = chunk.replace("\r", " ").replace("\n", " ")
    if _language(lang) in SPACED:  # Thai, Lao: a space between sentences, which ICU does not cut at
        from trpipe.segment_spaced import sentence_cuts

        return sorted({*icu_boundaries(chunk, lang, "sentence")[1:], *sentence_cuts(chunk, _language(lang))})
    if _language(lang) not in PYSBD_LANGS:
        return icu_boundaries(chunk, lang, "sentence")[1:]
    if len(chunk) <= PYSBD_WINDOW:
        return _pysbd_cuts(chunk, lang)
    # pysbd's time grows with the square of a paragraph's length (a 2 MB line would take an hour): a long
    # chunk goes to it in windows of whole sentences (ICU's cuts, linear) of about PYSBD_WINDOW characters
    cuts, start, last = [], 0, 0
    for boundary in icu_boundaries(chunk, lang, "sentence")[1:]:
        if boundary - start > PYSBD_WINDOW and last > start:
            cuts += [start + c for c in _pysbd_cuts(chunk[start:last], lang)]
            start = last
        last = boundary
    return cuts + [start + c for c in _pysbd_cuts(chunk[start:], lang)]


def _pysbd_cuts(chunk: str, lang: str | None) -> list[int]:
    cuts: list[int] = []
    cursor = 0
    for span in _segmenter(_language(lang)).segment(chunk):
        if chunk[span.start : span.end] == span.sent and span.start >= cursor:
            cursor = span.end
        else:
            found = chunk.find(span.sent.strip(), cursor)
            if found < 0:
                continue
            cursor = found + len(span.sent.strip())
        cuts.append(cursor)
    return cuts


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, start: int, end: int, lang: str | None = None) -> list[Sentence]:
    """Sentences of ``text[start:end]`` with absolute offsets; together they cover all its non-space text."""
    chunk = text[start:end]
    cuts = [c for c in _sentence_cuts(chunk, lang) if 0 < c < len(chunk)]
    bounds = [0, *sorted(set(cuts)), len(chunk)]
    sentences = []
    for a, b in pairwise(bounds):
        s, e = _strip_span(text, start + a, start + b)
        if s < e:
            sentences.append(Sentence(start=s, end=e, text=text[s:e]))
    return sentences


# Preferred places to cut an over-long sentence, strongest first: after ; : or a dash, after a comma,
# then any space. Cutting at a space is cutting at a token boundary for word-piece vocabularies.
_CUT_PATTERNS = (re.compile(r"[;:]\s+|\s[–—-]\s+"), re.compile(r",\s+"), re.compile(r"\s+"))


def _cut_point(text: str, limit_chars: int) -> int:
    low = max(1, limit_chars // 2)
    for pattern in _CUT_PATTERNS:
        ends = [m.end() for m in pattern.finditer(text, 0, limit_chars) if low <= m.end() <= limit_chars]
        if ends:
            return ends[-1]
    # no space where a cut would help (Thai, Khmer, Lao, Burmese, CJK): the last word boundary that fits
    # (boundaries of the whole text: a dictionary reads a word cut short as another word)
    words = [b for b in icu_boundaries(text, None) if 0 < b <= limit_chars and b < len(text)]
    if words:
        return words[-1]
    cut = max(1, limit_chars)  # one word longer than the limit: cut it, but never before a combining mark
    while cut > 1 and _inside_word(text, cut):
        cut -= 1
    return cut


def _inside_word(text: str, offset: int) -> bool:
    """Whether ``offset`` falls between a character and its combining mark (never a place to cut)."""
    import unicodedata

    return 0 < offset < len(text) and unicodedata.category(text[offset]).startswith("M")


def split_long(text: str, sentence: Sentence, count_tokens: Callable[[str], int], max_tokens: int) -> list[Sentence]:
    """Cut ``sentence`` into consecutive pieces each of at most ``max_tokens`` model tokens."""
    pieces: list[Sentence] = []
    todo = [sentence]
    while todo:
        current = todo.pop(0)
        n = count_tokens(normalize_for_model(current.text))
        if n <= max_tokens or len(current.text) < 2:
            pieces.append(current)
            continue
        limit = max(1, int(len(current.text) * max_tokens / n * 0.95))
        while True:
            cut = _cut_point(current.text, limit)
            if count_tokens(normalize_for_model(current.text[:cut])) <= max_tokens or limit <= 1:
                break
            limit = max(1, int(limit * 0.8))
        a_start, a_end = _strip_span(text, current.start, current.start + cut)
        b_start, b_end = _strip_span(text, current.start + cut, current.end)
        todo[:0] = [Sentence(s, e, text[s:e]) for s, e in ((a_start, a_end), (b_start, b_end)) if s < e]
    return pieces


def split_long_sentences(
    text: str, segments: Sequence[Segment], count_tokens: Callable[[str], int], max_tokens: int
) -> None:
    """Re-split, in place, every sentence of ``segments`` that is longer than ``max_tokens``."""
    for seg in segments:
        seg.sentences = [piece for sent in seg.sentences for piece in split_long(text, sent, count_tokens, max_tokens)]
