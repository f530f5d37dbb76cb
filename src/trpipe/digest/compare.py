"""Where the sources of a story differ: facts the checks extract, compared across its articles.

A fact is a figure, date or time that ``checks.numbers.find_numbers`` reads in a source sentence (its value
after locale normalisation, its unit or currency), with what it is about: the content words (lemmas) around it
in the source sentence and, through the value it keeps in the translation, around it in the translation; its
head is the first content word after it ("300 *emplois*"), else its unit. Two facts of two articles are
compared only when they are about the same thing:

- the same kind (a count, a year, a date, a time) and the same unit family and currency (jobs never against
  euros, kilometres never against tonnes), a year never against a count;
- the same head and enough shared context words (``SAME_CONTEXT``; ``SAME_CONTEXT_COPY`` between two copies of
  one wire story, whose sentences are the same but for their edits): in the source language when both articles
  are in it, else in the target language through the translations;
- the same date frame: when both sentences name years, they name one in common (2023 and 2024 figures apart);
  years themselves are compared only between copies of one wire story (elsewhere they are frames, not claims).

They disagree when their values differ and neither value is confirmed by the other article (a fact of the same
thing with that value): "300 emplois" in one, "500 emplois" in the other. Nothing says which is right; both
citations and both source spans are given. Negations: two sentences that say the same thing (``SAME_SENTENCE``
of their content words) where one is negated and the other not. Names: two such sentences naming one person or
place with one word spelled differently ("Lagarde", "Lagarge").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from trpipe.checks.figures import covers
from trpipe.checks.names import find_names
from trpipe.checks.negation import negations
from trpipe.checks.numbers import Mention, find_numbers
from trpipe.checks.text import base_lang, content_words, fold, lemma
from trpipe.digest.articles import Article
from trpipe.digest.minhash import jaccard

WINDOW = 5  # words each side of a figure that say what it is about
SAME_CONTEXT = 0.5
SAME_CONTEXT_COPY = 0.25
SAME_SENTENCE = 0.6
NAME_SPELLING = 0.7
_WORDS = re.compile(r"[^\W_]+")
_LINKS = frozenset("des del der den dem les los las the and und por par pour for mit with avec con per".split())
_KIND = {"number": "number", "ordinal": "ordinal", "date": "date", "month": "date", "time": "time"}


@dataclass
class Fact:
    article: str
    segment: str
    start: int
    end: int
    text: str
    mention: Mention
    kind: str
    units: frozenset
    years: frozenset  # the other years of its sentence: its date frame
    head: str | None  # in the source language
    context: frozenset  # source-language lemmas around it
    target_head: str | None
    target_context: frozenset | None  # target-language lemmas around its value in the translation
    label: str = ""  # what it is about, for a reader: its unit and the first content word after it, translated


def _kind(mention: Mention) -> str | None:
    kind = _KIND.get(mention.kind)
    if kind == "number" and not mention.units and _is_year(mention):
        return "year"
    return kind


def _is_year(mention: Mention) -> bool:
    return any(isinstance(v, Decimal) and v == int(v) and 1900 <= v <= 2100 for v in mention.values)


def _around(text: str, start: int, end: int, lang: str) -> tuple[str | None, frozenset]:
    """The head (the first word of three letters or more after ``text[start:end]``, but for a few linking words,
    as a lemma) and the content words around it."""
    before = _WORDS.findall(text[:start])[-WINDOW:]
    after = _WORDS.findall(text[end:])[:WINDOW]
    head = next((w for w in after[:3] if len(w) >= 3 and not w.isdigit() and fold(w) not in _LINKS), None)
    words = content_words(" ".join(w for w in before + after if not w.isdigit()), lang)
    return (fold(lemma(head, lang)) if head else None), frozenset(words)


def _years(mentions: Sequence[Mention], but: Mention) -> frozenset:
    """The years the sentence names (besides ``but``): its date frame."""
    years: set[int] = set()
    for m in mentions:
        if m is but:
            continue
        for v in m.values:
            if _kind(m) == "year" and isinstance(v, Decimal):
                years.add(int(v))
            elif isinstance(v, tuple) and v[0] in ("date", "month") and v[-1]:
                years.add(int(v[-1]))
    return frozenset(years)


def facts(article: Article) -> list[Fact]:
    """The figures, dates and times of ``article``'s source sentences, with what each is about."""
    document = article.document
    out: list[Fact] = []
    target = base_lang(document.target_lang)
    for seg in document.segments:
        lang = base_lang(seg.lang or article.lang)
        for sentence in seg.sentences:
            mentions = [m for m in find_numbers(sentence.text, lang) if not m.weak and _kind(m)]
            if not mentions:
                continue
            translation = sentence.translation or ""
            translated = find_numbers(translation, target) if translation else []
            for m in mentions:
                head, context = _around(sentence.text, m.start, m.end, lang)
                target_head = target_context = None
                label = ""
                partner = next((t for t in translated if covers(t) & m.values or m.values & t.values), None)
                if partner is not None:
                    target_head, target_context = _around(translation, partner.start, partner.end, target)
                    label = _label(m, translation[partner.end :], target)
                start = sentence.start + m.start
                out.append(Fact(
                    article.id, seg.id, start, sentence.start + m.end, m.text, m, _kind(m) or "", m.units,
                    _years(mentions, m), head or _unit_head(m), context, target_head or _unit_head(m),
                    target_context, label or _label(m, sentence.text[m.end :], lang),
                ))  # fmt: skip
    return out


def _label(m: Mention, after: str, lang: str) -> str:
    """The unit (percent, EUR) and the first content word after the figure: "jobs", "EUR fine"."""
    words = content_words(" ".join(_WORDS.findall(after)[:4]), lang)
    unit = " ".join(_unit_name(u) for u in sorted(m.units))
    return " ".join(part for part in (unit, words[0] if words else "") if part)


def _unit_name(unit: str) -> str:
    """A unit key as a reader says it: cur:EUR → EUR, length-kilometer → kilometer, temperature-generic → degrees."""
    name = unit.removeprefix("cur:").split("-", 1)[-1]
    return "degrees" if name == "generic" else name


def _unit_head(m: Mention) -> str | None:
    return sorted(m.units)[0] if m.units else None


def _context(a: Fact, b: Fact, same_lang: bool) -> tuple[str | None, str | None, frozenset, frozenset] | None:
    if same_lang:
        return a.head, b.head, a.context, b.context
    if a.target_context is None or b.target_context is None:
        return None
    return a.target_head, b.target_head, a.target_context, b.target_context


def same_thing(a: Fact, b: Fact, same_lang: bool, copies: bool) -> bool:
    """Whether two facts are about the same thing (see the module docstring)."""
    if a.kind != b.kind or a.units != b.units:
        return False
    if a.kind == "year" and not copies:  # a year is mostly a frame (2023 figures, 2024 figures), not a claim
        return False
    if a.years and b.years and not a.years & b.years:
        return False
    found = _context(a, b, same_lang)
    if found is None:
        return False
    head_a, head_b, ctx_a, ctx_b = found
    if head_a is None or head_a != head_b:
        return False
    return jaccard(ctx_a, ctx_b) >= (SAME_CONTEXT_COPY if copies else SAME_CONTEXT)


def _agree(a: Fact, b: Fact) -> bool:
    return bool(a.mention.values & covers(b.mention) or b.mention.values & covers(a.mention))


def value_text(m: Mention) -> str:
    """A fact's value as the digest shows it: a number normalised ("300", "1250.5"), a date ISO-like."""
    for v in sorted(m.values, key=repr):
        if isinstance(v, Decimal):
            return format(v.normalize(), "f")
        if isinstance(v, tuple) and v[0] == "date":
            _, day, month, year = v
            return f"{year or '--'}-{month:02d}-{day:02d}" if day else f"{year or '--'}-{month:02d}"
        if isinstance(v, tuple) and v[0] == "time":
            return f"{v[1] // 60:02d}:{v[1] % 60:02d}"
    return m.figure or m.text


def _side(fact: Fact) -> dict:
    return {"article": fact.article, "segment": fact.segment, "start": fact.start, "end": fact.end,
            "text": fact.text, "value": value_text(fact.mention)}  # fmt: skip


def _number_disagreements(a: Article, b: Article, fa: list[Fact], fb: list[Fact], copies: bool) -> list[dict]:
    same_lang = base_lang(a.lang) == base_lang(b.lang)
    out = []
    for x in fa:
        partners = [y for y in fb if same_thing(x, y, same_lang, copies)]
        if not partners or any(_agree(x, y) for y in partners):
            continue
        for y in partners:
            backers = [z for z in fa if same_thing(z, y, True, copies)]
            if any(_agree(z, y) for z in backers):
                continue  # b's value is in a too, about the same thing
            about = x.label if x.label == y.label or not y.label else f"{x.label} / {y.label}"
            kind = "date" if x.kind in ("date", "year", "time") else "number"
            out.append({"kind": kind, "about": about or "", "a": _side(x), "b": _side(y)})
            break
    return out


def _sentences(article: Article) -> list[tuple[str, int, int, str, str, frozenset, frozenset]]:
    out = []
    target = base_lang(article.target)
    for seg in article.document.segments:
        lang = base_lang(seg.lang or article.lang)
        for s in seg.sentences:
            out.append((seg.id, s.start, s.end, s.text, lang, frozenset(content_words(s.text, lang)),
                        frozenset(content_words(s.translation or "", target))))  # fmt: skip
    return out


def _sentence_disagreements(a: Article, b: Article) -> list[dict]:
    same_lang = base_lang(a.lang) == base_lang(b.lang)
    out = []
    sb = _sentences(b)
    for seg_a, start_a, end_a, text_a, lang_a, src_a, tgt_a in _sentences(a):
        best, score = None, SAME_SENTENCE
        for item in sb:
            s = jaccard(src_a, item[5]) if same_lang else jaccard(tgt_a, item[6])
            if s >= score:
                best, score = item, s
        if best is None:
            continue
        seg_b, start_b, end_b, text_b, lang_b, _, _ = best
        side_a = {"article": a.id, "segment": seg_a, "start": start_a, "end": end_a, "text": text_a}
        side_b = {"article": b.id, "segment": seg_b, "start": start_b, "end": end_b, "text": text_b}
        neg_a, neg_b = bool(negations(text_a, lang_a)), bool(negations(text_b, lang_b))
        if neg_a != neg_b:
            out.append({"kind": "negation", "about": "negation", "a": {**side_a, "value": "negated" if neg_a else
                        "affirmed"}, "b": {**side_b, "value": "negated" if neg_b else "affirmed"}})  # fmt: skip
        if same_lang:
            out += _name_disagreements(side_a, side_b, lang_a)
    return out


def _name_disagreements(side_a: dict, side_b: dict, lang: str) -> list[dict]:
    names_a = {fold(n): n for n in find_names(side_a["text"], lang)}
    names_b = {fold(n): n for n in find_names(side_b["text"], lang)}
    only_a = [k for k in names_a if k not in names_b]
    only_b = [k for k in names_b if k not in names_a]
    if len(only_a) != 1 or len(only_b) != 1:
        return []
    x, y = only_a[0], only_b[0]
    wx, wy = x.split(), y.split()
    if len(wx) != len(wy) or sum(p != q for p, q in zip(wx, wy)) != 1:
        return []
    if difflib.SequenceMatcher(None, x, y).ratio() < NAME_SPELLING:
        return []
    out = []
    for side, name in ((side_a, names_a[x]), (side_b, names_b[y])):
        offset = side["text"].find(name)
        start = side["start"] + max(offset, 0)
        out.append({"article": side["article"], "segment": side["segment"], "start": start,
                    "end": start + len(name) if offset >= 0 else side["end"], "text": name, "value": name})  # fmt: skip
    return [{"kind": "name", "about": "name", "a": out[0], "b": out[1]}]


def disagreements(articles: Sequence[Article], duplicates: Sequence[Sequence[str]] = ()) -> list[dict]:
    """Every disagreement between two articles of one story (``duplicates``: its groups of copies, by id)."""
    copy_of = {i: k for k, group in enumerate(duplicates) for i in group}
    found_facts = {a.id: facts(a) for a in articles}
    out: list[dict] = []
    seen: set[tuple] = set()
    for i, a in enumerate(articles):
        for b in articles[i + 1 :]:
            copies = a.id in copy_of and copy_of.get(a.id) == copy_of.get(b.id)
            found = _number_disagreements(a, b, found_facts[a.id], found_facts[b.id], copies)
            found += _sentence_disagreements(a, b)
            for item in found:
                key = (item["kind"], item["a"]["article"], item["a"]["start"], item["b"]["article"], item["b"]["start"])
                if key in seen:
                    continue
                seen.add(key)
                item["duplicates"] = copies
                out.append(item)
    return out
