"""The ``numbers`` and ``units`` checks: every figure of the source in the translation, with its unit.

numbers  A figure, date or time of the source that the translation lacks (compared by value after locale
         normalisation: 800 000 € = €800,000, 14 h 30 = 2:30 p.m., deux décennies = two decades); a figure
         the translation adds; a figure written in the source's convention that a reader of the target
         misreads (800.000 in English is 800); two figures of the same kind that changed places. A weak
         number word (un, first, both) is flagged only when another number stands in its place. A fraction
         (un tiers = a third = one in three = 33 %) is one figure; a conversion in brackets after its figure
         (2,115m (6,939ft)) and a figure rounded to three digits or more (108.662 millones = €108.7bn) are
         notes.
units    A figure whose currency or unit changed (€ -> $, km² -> square miles): an error, unless it is a
         conversion (10 km = 6.2 miles: a note) or one unit is part of the other (km and km/h, read from
         different words: a warning). A unit dropped or added with the figure kept ("under-25s" for "moins de
         25 ans", "NZ$" for "dollars néo-zélandais"), and a "per" unit (per square kilometre) on one side
         only: warnings, since a translation often leaves a unit to the context or spells it out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise
from typing import NamedTuple

from trpipe.checks import locale
from trpipe.checks.numbers import Mention, find_numbers
from trpipe.checks.text import ERROR, NOTE, WARNING, Flag, flag, fold, quoted
from trpipe.checks.units import conversion, per_units, rounding, said_as_one, units_compatible


def covers(mention: Mention) -> frozenset:
    """Every value ``mention`` can account for: a full date also stands for its day and month, and its year."""
    out = set(mention.values)
    for value in mention.values:
        if isinstance(value, tuple) and value[0] == "date":
            _, day, month, year = value
            out |= {("date", day, month, None), ("month", month, year), ("month", month, None)}
            if year:
                out.add(Decimal(year))
            out.add(Decimal(day))
        elif isinstance(value, tuple) and value[0] == "month" and value[2]:
            out |= {("month", value[1], None), Decimal(value[2])}
        elif isinstance(value, tuple) and value[0] == "time" and value[1] and value[1] % 60 == 0:
            out.add(Decimal(value[1] // 60))  # 9 p.m. for "dalle 21", 7pm for "19 heures"
        elif isinstance(value, Decimal) and value == value.to_integral_value() and 1000 <= value <= 2999:
            out.add(("year", int(value)))
    return frozenset(out)


def _part_of(a: frozenset, b: frozenset) -> bool:
    """One unit a component of the other (length-kilometer in speed-kilometer-per-hour): the same words read
    two ways, not a changed unit."""
    return any(x.split("-", 1)[-1] in y.split("-", 1)[-1].split("-per-") for x in a for y in b if x != y) or any(
        y.split("-", 1)[-1] in x.split("-", 1)[-1].split("-per-") for x in a for y in b if x != y
    )


def _rainfall(a: frozenset, b: frozenset, per: set[str]) -> bool:
    """Rain said in litres per square metre on one side and in millimetres on the other: the same depth."""
    units = {"volume-liter", "length-millimeter"}
    return bool(a & units) and bool(b & units) and not a & b and any(u.startswith("area-") for u in per)


def _label(units: frozenset) -> str:
    codes = sorted(u.removeprefix("cur:") for u in units)
    return codes[0] if len(codes) == 1 else "/".join(codes[:3]) + ("…" if len(codes) > 3 else "")


def _year(m: Mention) -> bool:
    return not m.units and any(isinstance(v, Decimal) and v == int(v) and 1900 <= v <= 2100 for v in m.values)


def _same_kind(a: Mention, b: Mention) -> bool:
    """Figures that may swap: of one kind (numbers, dates), both years or neither."""
    return a.kind == b.kind and _year(a) == _year(b)  # an ordinal (fifth, Erste) never swaps with a count


class Comparison(NamedTuple):
    missing: list[Mention]
    added: list[Mention]
    misread: list[tuple[Mention, Mention]]
    swapped: list[tuple[Mention, Mention]]
    converted: list[tuple[Mention, Mention]]


def compare_numbers(source: Sequence[Mention], translation: Sequence[Mention]) -> Comparison:
    """(missing source mentions, added translation mentions, misread (source, translation), swapped pairs,
    converted (source, translation) pairs)."""
    source_covers = frozenset().union(*(covers(m) for m in source)) if source else frozenset()
    translation_covers = [covers(m) for m in translation]
    misread: list[tuple[Mention, Mention]] = []
    converted: list[tuple[Mention, Mention]] = []
    matched: dict[int, int] = {}
    missing: list[Mention] = []
    for i, mention in enumerate(source):
        hits = [j for j, c in enumerate(translation_covers) if mention.values & c]
        if hits:
            free = [j for j in hits if j not in matched.values()]
            matched[i] = (free or hits)[0]
            continue
        # 800.000 read as 800: a figure of the translation that no other source figure accounts for
        misreads = [t for t in translation if mention.values & t.alt and not (t.values & source_covers)]
        misreads = misreads if not mention.weak else []
        conversions = [j for j, t in enumerate(translation) if j not in matched.values() and conversion(mention, t)]
        if conversions:  # 2,2 GW = 2,200 MW: a conversion, though 2,200 would also misread 2,2
            matched[i] = conversions[0]
            converted.append((mention, translation[conversions[0]]))
        elif misreads:
            misread.append((mention, misreads[0]))
        elif not mention.weak:
            missing.append(mention)
    used = set(matched.values()) | {id(t) for _, t in misread}
    added = [
        t
        for j, t in enumerate(translation)
        if j not in used and id(t) not in used and not (t.values & source_covers) and not t.weak
    ]
    # A weak source number (un, premier, en mars) is wrong when a number of its kind stands in its place.
    strong_missing = {m.kind for m in missing}
    for i, mention in enumerate(source):
        if i in matched or not mention.weak or any(mention is s for s, _ in misread) or mention.kind in strong_missing:
            continue
        rivals = [
            t
            for j, t in enumerate(translation)
            if j not in used and t.kind == mention.kind and not (t.values & source_covers)
        ]
        if rivals:
            missing.append(mention)
            added += [t for t in rivals if t not in added]
    swapped = []
    pairs = sorted(matched.items())
    for a in range(len(pairs)):
        for b in range(a + 1, len(pairs)):
            (i, ti), (j, tj) = pairs[a], pairs[b]
            s1, s2 = source[i], source[j]
            if ti == tj or s1.values & s2.values or not _same_kind(s1, s2) or s1.units != s2.units:
                continue
            if s1.kind in ("date", "month", "weekday", "time") or not s1.values.isdisjoint(translation_covers[tj]):
                continue
            if ti > tj and source[i].start < source[j].start:
                swapped.append((s1, s2, translation[tj], translation[ti]))
    return Comparison(missing, added, misread, swapped, converted)


# In brackets a conversion may follow a word or two of approximation (environ, almost, soit, rund): the values,
# compared through the units, decide.
_GLOSS = re.compile(r"\s*(?:[(\[]\s*(?:[^\W\d_]+\.?\s+){0,2}|/|=)\s*")


def bracketed_conversions(mentions: Sequence[Mention], text: str, lang: str = "en") -> list[tuple[Mention, Mention]]:
    """(figure, its conversion) pairs where a figure with a unit is followed, in brackets or after a slash,
    by the same quantity in another unit: "38cm (15 inches)", "120 mph (193 km/h)", "2,115m (6,939ft)" (an
    abbreviation read otherwise, m for million, is tried as the unit it also writes)."""
    out = []
    for before, after in pairwise(mentions):
        if not after.units or not _GLOSS.fullmatch(text[before.end : after.start]):
            continue
        if not before.units:
            letters = re.search(r"[^\W\d_]+\.?$", before.text)
            unit = locale.unit_words(lang).get(fold(letters[0]).rstrip(".")) if letters else None
            before = before._replace(units=frozenset({unit[0]})) if unit else before
        if before.units and conversion(before, after):
            out.append((before, after))
    return out


def _rounded(found: Comparison) -> tuple[Comparison, list[tuple[Mention, Mention]]]:
    """A figure of the source written rounded in the translation (108.662 millones = €108.7bn): a missing
    figure and an added one of compatible units within half a unit of the added one's last digit, which
    writes fewer digits."""
    pairs = []
    for m in found.missing:
        for t in found.added:
            if any(t is b for _, b in pairs) or not units_compatible(m.units, t.units):
                continue
            if any(_rounds(a, b) for a in m.values for b in t.values):
                pairs.append((m, t))
                break
    if not pairs:
        return found, []
    gone = {id(x) for pair in pairs for x in pair}
    missing = [m for m in found.missing if id(m) not in gone]
    return found._replace(missing=missing, added=[t for t in found.added if id(t) not in gone]), pairs


ROUNDED_DIGITS = 3  # the least significant digits a rounded figure keeps (108.662 -> 108.7, not 7.4 -> 7)


def _rounds(exact: object, shown: object) -> bool:
    if not isinstance(exact, Decimal) or not isinstance(shown, Decimal) or not shown or exact == shown:
        return False
    if exact == exact.to_integral_value() and 1000 <= exact <= 2999:
        return False  # a year is never rounded
    digits, kept = len(exact.normalize().as_tuple().digits), len(shown.normalize().as_tuple().digits)
    return ROUNDED_DIGITS <= kept < digits and abs(exact - shown) <= Decimal(str(rounding(shown)))


def _shown(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value.normalize():f}"
    if isinstance(value, tuple):
        return "-".join(str(v) for v in value if v is not None)
    return str(value)


_RATIO_JOIN = re.compile(r"\s+(?:[^\W\d_]+\s+)?(?:in|out of|of|sur|de cada|em cada|su|von|aus|из|na|z)\s+", re.I)


def said_as_ratio(mention: Mention, other_text: str, other_lang: str) -> tuple[int, int] | None:
    """The span of the other side's "N in M" that says a percentage or a fraction ("40 %" = "two in five",
    "a third" = "uno su tre"), or None."""
    percents = [v for v in mention.values if isinstance(v, Decimal)] if "concentr-percent" in mention.units else []
    if mention.kind == "fraction":  # a third = one in three
        percents = [Decimal(100 * v[1]) / v[2] for v in mention.values if isinstance(v, tuple)]
    if not percents:
        return None
    found = [m for m in find_numbers(other_text, other_lang) if any(isinstance(v, Decimal) for v in m.values)]
    for a, b in pairwise(found):
        if not _RATIO_JOIN.fullmatch(other_text[a.end : b.start]):
            continue
        for x in (v for v in a.values if isinstance(v, Decimal)):
            for y in (v for v in b.values if isinstance(v, Decimal) and v):
                if any(abs(float(x / y * 100) - float(p)) <= 1 for p in percents):
                    return a.start, b.end
    return None


def _converted(mention: Mention, word: str, side: str) -> Flag:
    """The note for a duration said as one of another unit (``word``, on the other side)."""
    detail = f"{quoted(mention.text)} said as {word}" if side == "source" else f"{word} said as {quoted(mention.text)}"
    return flag(
        "units", detail, NOTE, **{side: (mention.start, mention.end)}, measure="unit conversion (pint)",
        expected=mention.text if side == "source" else word, found=word if side == "source" else mention.text,
    )  # fmt: skip


SWAP_WINDOW = 3  # words each side of a figure whose alignment says what the figure counts


def _offsets(words, mention: Mention) -> dict[int, int]:
    """Content words within SWAP_WINDOW words of ``mention``: index -> signed distance in words (-2: two words
    before it, 1: the word after it)."""
    inside = [k for k, w in enumerate(words) if w.start < mention.end and w.end > mention.start]
    if not inside:
        return {}
    first, last = inside[0], inside[-1]
    out = {}
    for k in range(max(0, first - SWAP_WINDOW), min(len(words), last + SWAP_WINDOW + 1)):
        if words[k].content and not first <= k <= last:
            out[k] = k - last if k > last else k - first
    return out


def reordered(swap: tuple, alignment) -> bool:
    """Whether two figures that changed places kept their words (a reordered sentence: "2 200 véhicules et
    3 000 employés" = "3,000 staff and 2,200 vehicles"), by the word alignment around them: a linked pair of
    words standing on the same side of a source figure and of its match ("Umsatz von 4,1" = "sales of 4.1")
    says it kept its place; on the same side of a source figure and of the other's match, that they swapped.
    Closer words weigh more."""
    first, second, second_t, first_t = swap
    links = [(k.source, k.target) for k in alignment.links if k.kind != "figure"]
    s = [_offsets(alignment.source, first), _offsets(alignment.source, second)]
    t = [_offsets(alignment.target, first_t), _offsets(alignment.target, second_t)]

    def support(i: int, j: int, a: int, b: int) -> float:
        d, e = s[a].get(i), t[b].get(j)
        return 1 / (abs(d) + abs(e)) if d is not None and e is not None and (d > 0) == (e > 0) else 0.0

    kept = sum(max(support(i, j, 0, 0), support(i, j, 1, 1)) for i, j in links)
    crossed = sum(max(support(i, j, 0, 1), support(i, j, 1, 0)) for i, j in links)
    return kept > crossed


def in_designator(mention: Mention, other: str) -> bool:
    """Whether the other side writes the number ``mention`` in digits glued to letters, where its reader finds
    no figure: a road (A 81 = A81), a spacecraft (天舟十号 = Tianzhou-10), a quarter (troisième trimestre =
    Q3), a figure between Chinese characters (超过900架次). The digits are there: nothing was lost."""
    if mention.units or mention.kind not in ("number", "ordinal"):
        return False
    whole = [int(v) for v in mention.values if v == int(v) and 0 < v < 100_000]
    return any(re.search(rf"[^\W\d_]-?{v}(?![\d.,]\d)(?!\d)", other) for v in whole)


def check_numbers(source: str, translation: str, source_lang: str, target_lang: str, alignment=None) -> list[Flag]:
    """Flag figures, dates and times that the translation lacks, adds, misreads or swaps; a figure converted
    to another unit of its kind is a note. ``alignment`` (trpipe.checks.align) tells a reordered sentence
    from swapped figures (without it, figures in another order are taken as swapped)."""
    src, tgt = find_numbers(source, source_lang), find_numbers(translation, target_lang)
    if not src and not tgt:
        return []
    # A figure followed by its conversion in brackets (2,115m (6,939ft), 120 mph (193 km/h)): the conversion
    # is no figure of its own on either side.
    pairs = [*bracketed_conversions(src, source, source_lang), *bracketed_conversions(tgt, translation, target_lang)]
    glosses = {id(m): p for p, m in pairs}
    found = compare_numbers([m for m in src if id(m) not in glosses], [m for m in tgt if id(m) not in glosses])
    found, rounded = _rounded(found)
    if found.swapped and alignment is not None:
        found = found._replace(swapped=[swap for swap in found.swapped if not reordered(swap, alignment)])
    flags = []
    # A percentage said as "two in five" on the other side: a note, and the two numbers are no additions.
    said: set[int] = set()
    spans: dict[str, list[tuple[int, int]]] = {"source": [], "target": []}
    for side, mentions, other, lang in (
        ("source", found.missing, translation, target_lang),
        ("target", found.added, source, source_lang),
    ):
        for mention in mentions:
            if (span := said_as_ratio(mention, other, lang)) is not None:
                said.add(id(mention))
                spans["target" if side == "source" else "source"].append(span)
                flags.append(_converted(mention, f"“{other[span[0] : span[1]]}”", side))

    def handled(mention: Mention, side: str) -> bool:
        if in_designator(mention, translation if side == "source" else source):
            return True
        return id(mention) in said or any(a <= mention.start and mention.end <= b for a, b in spans[side])

    for mention in {m.text: m for m in found.missing if not handled(m, "source")}.values():
        word = said_as_one(mention, translation, target_lang)
        if word:  # 24 heures = a day: a conversion, as 10 km = 6.2 miles
            flags.append(_converted(mention, f"“{word}”", "source"))
            continue
        flags.append(
            flag(
                "numbers",
                f"not in the translation: {quoted(mention.text)}",
                source=(mention.start, mention.end),
                expected=mention.text,
                measure="figure by value",
            )
        )
    for mention in {m.text: m for m in found.added if not handled(m, "target")}.values():
        word = said_as_one(mention, source, source_lang) or said_as_ratio(mention, source, source_lang)
        if word:
            flags.append(_converted(mention, f"“{word}”", "target"))
            continue
        flags.append(
            flag(
                "numbers",
                f"not in the source: {quoted(mention.text)}",
                target=(mention.start, mention.end),
                found=mention.text,
                measure="figure by value",
            )
        )
    for source_mention, mention in found.misread:
        shown = next(iter(mention.values))
        flags.append(
            flag(
                "numbers",
                f"{quoted(mention.text)} is written in the source's convention: a {target_lang} reader reads "
                f"{shown:,} for the source's {quoted(source_mention.text)}",
                source=(source_mention.start, source_mention.end),
                target=(mention.start, mention.end),
                expected=_shown(next(iter(source_mention.values))),
                found=_shown(shown),
                measure=f"decimal convention of {target_lang}",
            )
        )
    source_foreign = {m.text for m in src if m.foreign}
    for mention in tgt:
        if mention.foreign and not mention.alt and mention.text not in source_foreign:
            flags.append(
                flag(
                    "numbers",
                    f"{quoted(mention.text)} is not written in the {target_lang} convention (decimal mark)",
                    target=(mention.start, mention.end),
                    found=mention.text,
                    measure=f"decimal convention of {target_lang}",
                )
            )
    for first, second, first_t, second_t in found.swapped:
        flags.append(
            flag(
                "numbers",
                f"figures swapped: {quoted(first.text)} and {quoted(second.text)}",
                source=(first.start, second.end),
                target=(first_t.start, second_t.end),
                expected=f"{first.text} … {second.text}",
                found=f"{first_t.text} … {second_t.text}",
                measure="order of figures",
            )
        )
    for mention in [*src, *tgt]:
        if id(mention) in glosses:
            side = "source" if any(mention is m for m in src) else "target"
            before = glosses[id(mention)]
            flags.append(
                flag(
                    "units",
                    f"{quoted(before.text)} converted in brackets: {quoted(mention.text)}",
                    NOTE,
                    **{side: (before.start, mention.end)},
                    expected=before.text,
                    found=mention.text,
                    measure="unit conversion (pint)",
                )
            )
    flags += [_paired("numbers", "rounded to", s, t, "figure by value, rounded") for s, t in rounded]
    flags += [_paired("units", "converted to", s, t, "unit conversion (pint)") for s, t in found.converted]
    return flags


def _paired(check: str, verb: str, source_mention: Mention, mention: Mention, measure: str) -> Flag:
    """The note for a source figure and the translation's figure that says it another way."""
    return flag(
        check,
        f"{quoted(source_mention.text)} {verb} {quoted(mention.text)}",
        NOTE,
        source=(source_mention.start, source_mention.end),
        target=(mention.start, mention.end),
        expected=source_mention.text,
        found=mention.text,
        measure=measure,
    )


def check_units(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag a figure whose currency or unit changed, or a unit the translation drops or adds."""
    src = [m for m in find_numbers(source, source_lang) if not m.weak]
    tgt = [m for m in find_numbers(translation, target_lang) if not m.weak]
    flags: list[Flag] = []

    def add(detail: str, severity: str = WARNING, **evidence) -> None:
        if all(f["detail"] != detail for f in flags):
            flags.append(flag("units", detail, severity, measure="unit of the figure", **evidence))

    target_units = [t.units for t in tgt if t.units]
    source_units = [s.units for s in src if s.units]
    source_per, target_per = per_units(source, source_lang), per_units(translation, target_lang)
    for mention in src:
        partners = [t for t in tgt if mention.values & covers(t)]
        if not partners or not mention.units or any(t.kind == "fraction" for t in partners):
            continue  # a fraction (a quarter) says a percentage without its sign
        with_units = [t for t in partners if t.units]
        if with_units and not any(units_compatible(mention.units, t.units) for t in with_units):
            other = with_units[0]
            rain = _rainfall(mention.units, other.units, source_per | target_per)
            add(
                f"{quoted(mention.text)} ({_label(mention.units)}) became {quoted(other.text)} ({_label(other.units)})"
                + (" (litres per square metre are millimetres of rain)" if rain else ""),
                NOTE if rain else WARNING if _part_of(mention.units, other.units) else ERROR,
                source=(mention.start, mention.end),
                target=(other.start, other.end),
                expected=_label(mention.units),
                found=_label(other.units),
            )
        elif not with_units and not any(units_compatible(mention.units, u) for u in target_units):
            add(
                f"the {_label(mention.units)} of {quoted(mention.text)} is not in the translation",
                ERROR if "concentr-percent" in mention.units else WARNING,  # 12 % -> 12 points
                source=(mention.start, mention.end),
                target=(partners[0].start, partners[0].end),
                expected=_label(mention.units),
            )
    for mention in tgt:
        if mention.units and not any(mention.values & covers(s) for s in src):
            continue  # an added figure: the numbers check reports it
        if mention.units and not any(units_compatible(mention.units, u) for u in source_units):
            partners = [s for s in src if s.values & covers(mention)]
            if partners and not any(s.units or s.kind == "fraction" for s in partners):
                add(
                    f"{quoted(mention.text)} adds a unit ({_label(mention.units)}) the source lacks",
                    source=(partners[0].start, partners[0].end),
                    target=(mention.start, mention.end),
                    found=_label(mention.units),
                )
    # A unit that left its figure for another one: "300 euros ... 1 000 contrôleurs" -> "€1,000 ... 300".
    for mention in src:
        partners = [t for t in tgt if mention.values & covers(t)]
        if not mention.units or not partners or any(t.units for t in partners):
            continue
        for other in tgt:
            sources = [x for x in src if x.values & covers(other)]
            moved = other.units and units_compatible(mention.units, other.units) and sources
            if moved and not any(x.units for x in sources) and not any(other is p for p in partners):
                add(
                    f"the {_label(mention.units)} of {quoted(mention.text)} went to {quoted(other.text)}",
                    ERROR,
                    source=(mention.start, mention.end),
                    target=(other.start, other.end),
                    expected=mention.text,
                    found=other.text,
                )
    dropped = [
        u
        for u in sorted(source_per - target_per)
        if not any(units_compatible(frozenset({u}), frozenset({v})) for v in target_per)
    ]
    added = [
        u
        for u in sorted(target_per - source_per)
        if not any(units_compatible(frozenset({u}), frozenset({v})) for v in source_per)
    ]
    changed = ERROR if dropped and added else WARNING  # per m² -> per km²; one side alone: "a tonne", "the m²"
    for unit in dropped:
        shown = f"per {unit.split('-', 1)[-1].replace('-', ' ')}"
        add(f"'{shown}' is not in the translation", changed, expected=shown)
    for unit in added:
        shown = f"per {unit.split('-', 1)[-1].replace('-', ' ')}"
        add(f"'{shown}' is not in the source", changed, found=shown)
    return flags
