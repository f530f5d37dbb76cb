"""The ``numbers`` and ``units`` checks: every figure of the source in the translation, with its unit.

numbers  A figure, date or time of the source that the translation lacks (compared by value after locale
         normalisation: 800 000 € = €800,000, 14 h 30 = 2:30 p.m., deux décennies = two decades); a figure
         the translation adds; a figure written in the source's convention that a reader of the target
         misreads (800.000 in English is 800); two figures of the same kind that changed places. A weak
         number word (un, first, both) is flagged only when another number stands in its place.
units    A figure whose currency or unit changed (€ -> $, km² -> square miles), dropped or added, and a
         "per" unit (per square kilometre) that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from trpipe.checks.numbers import NUMBER_KINDS, Mention, find_numbers, per_units
from trpipe.checks.text import Flag, flag, quoted

_FAMILIES = ("cur:", "length-", "area-", "mass-", "temperature-", "volume-", "speed-", "power-", "energy-")


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
        elif isinstance(value, Decimal) and value == value.to_integral_value() and 1000 <= value <= 2999:
            out.add(("year", int(value)))
    return frozenset(out)


def _family(unit: str) -> str:
    return next((f for f in _FAMILIES if unit.startswith(f)), unit)


def units_compatible(a: frozenset, b: frozenset) -> bool:
    """Units that may stand for each other: a shared key, or a generic temperature against a scale."""
    if not a or not b or a & b:
        return True
    generic = {u for u in a | b if u == "temperature-generic"}
    return bool(generic) and all(_family(u) == "temperature-" for u in a | b)


def _label(units: frozenset) -> str:
    codes = sorted(u.removeprefix("cur:") for u in units)
    return codes[0] if len(codes) == 1 else "/".join(codes[:3]) + ("…" if len(codes) > 3 else "")


def _year(m: Mention) -> bool:
    return not m.units and any(isinstance(v, Decimal) and v == int(v) and 1900 <= v <= 2100 for v in m.values)


def _same_kind(a: Mention, b: Mention) -> bool:
    """Figures that may swap: of one kind (numbers, dates), both years or neither."""
    return NUMBER_KINDS.get(a.kind, a.kind) == NUMBER_KINDS.get(b.kind, b.kind) and _year(a) == _year(b)


def compare_numbers(
    source: Sequence[Mention], translation: Sequence[Mention]
) -> tuple[list[Mention], list[Mention], list[tuple[Mention, Mention]], list[tuple[Mention, Mention]]]:
    """(missing source mentions, added translation mentions, misread (source, translation), swapped pairs)."""
    source_covers = frozenset().union(*(covers(m) for m in source)) if source else frozenset()
    translation_covers = [covers(m) for m in translation]
    misread: list[tuple[Mention, Mention]] = []
    matched: dict[int, int] = {}
    missing: list[Mention] = []
    for i, mention in enumerate(source):
        hits = [j for j, c in enumerate(translation_covers) if mention.values & c]
        if hits:
            free = [j for j in hits if j not in matched.values()]
            matched[i] = (free or hits)[0]
            continue
        misreads = [t for t in translation if mention.values & t.alt]
        if misreads:
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
                swapped.append((s1, s2))
    return missing, added, misread, swapped


def check_numbers(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag figures, dates and times that the translation lacks, adds, misreads or swaps."""
    src, tgt = find_numbers(source, source_lang), find_numbers(translation, target_lang)
    if not src and not tgt:
        return []
    missing, added, misread, swapped = compare_numbers(src, tgt)
    flags = []
    if missing:
        texts = list(dict.fromkeys(m.text for m in missing))
        flags.append(flag("numbers", "not in the translation: " + ", ".join(map(quoted, texts))))
    if added:
        texts = list(dict.fromkeys(m.text for m in added))
        flags.append(flag("numbers", "not in the source: " + ", ".join(map(quoted, texts))))
    for source_mention, mention in misread:
        shown = next(iter(mention.values))
        flags.append(
            flag(
                "numbers",
                f"{quoted(mention.text)} is written in the source's convention: a {target_lang} reader reads "
                f"{shown:,} for the source's {quoted(source_mention.text)}",
            )
        )
    source_foreign = {m.text for m in src if m.foreign}
    for mention in tgt:
        if mention.foreign and not mention.alt and mention.text not in source_foreign:
            flags.append(
                flag("numbers", f"{quoted(mention.text)} is not written in the {target_lang} convention (decimal mark)")
            )
    for first, second in swapped:
        flags.append(flag("numbers", f"figures swapped: {quoted(first.text)} and {quoted(second.text)}"))
    return flags


def check_units(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag a figure whose currency or unit changed, or a unit the translation drops or adds."""
    src = [m for m in find_numbers(source, source_lang) if not m.weak]
    tgt = [m for m in find_numbers(translation, target_lang) if not m.weak]
    problems: list[str] = []
    target_units = [t.units for t in tgt if t.units]
    source_units = [s.units for s in src if s.units]
    for mention in src:
        partners = [t for t in tgt if mention.values & covers(t)]
        if not partners or not mention.units:
            continue
        with_units = [t for t in partners if t.units]
        if with_units and not any(units_compatible(mention.units, t.units) for t in with_units):
            problems.append(
                f"{quoted(mention.text)} ({_label(mention.units)}) became {quoted(with_units[0].text)} "
                f"({_label(with_units[0].units)})"
            )
        elif not with_units and not any(units_compatible(mention.units, u) for u in target_units):
            problems.append(f"the {_label(mention.units)} of {quoted(mention.text)} is not in the translation")
    for mention in tgt:
        if mention.units and not any(mention.values & covers(s) for s in src):
            continue  # an added figure: the numbers check reports it
        if mention.units and not any(units_compatible(mention.units, u) for u in source_units):
            partners = [s for s in src if s.values & covers(mention)]
            if partners and not any(s.units for s in partners):
                problems.append(f"{quoted(mention.text)} adds a unit ({_label(mention.units)}) the source lacks")
    source_per, target_per = per_units(source, source_lang), per_units(translation, target_lang)
    for unit in sorted(source_per - target_per):
        if not any(units_compatible(frozenset({unit}), frozenset({u})) for u in target_per):
            problems.append(f"'per {unit.split('-', 1)[-1].replace('-', ' ')}' is not in the translation")
    for unit in sorted(target_per - source_per):
        if not any(units_compatible(frozenset({unit}), frozenset({u})) for u in source_per):
            problems.append(f"'per {unit.split('-', 1)[-1].replace('-', ' ')}' is not in the source")
    problems = list(dict.fromkeys(problems))
    return [flag("units", "; ".join(problems))] if problems else []
