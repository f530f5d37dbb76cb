"""Units of the figures: CLDR unit ids compared (the same unit, a generic temperature against a scale) and
converted with pint (10 km = 6.2 miles; "24 heures" said as "a day")."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from trpipe.checks import locale
from trpipe.checks.numbers import Mention, _unit_regex, find_numbers
from trpipe.checks.text import ascii_digits, fold_keep

_FAMILIES = (
    "cur:", "length-", "area-", "mass-", "temperature-", "volume-", "speed-", "power-", "energy-", "duration-"
)  # fmt: skip


def _family(unit: str) -> str:
    return next((f for f in _FAMILIES if unit.startswith(f)), unit)


def units_compatible(a: frozenset, b: frozenset) -> bool:
    """Units that may stand for each other: a shared key, or a generic temperature against a scale."""
    if not a or not b or a & b:
        return True
    if {u.replace("mass-tonne", "mass-ton") for u in a} & {u.replace("mass-tonne", "mass-ton") for u in b}:
        return True  # "ton" is the metric tonne in most languages (吨, тонна, Tonne)
    generic = {u for u in a | b if u == "temperature-generic"}
    return bool(generic) and all(_family(u) == "temperature-" for u in a | b)


def _pint_name(unit: str) -> str | None:
    """The pint name of a CLDR unit id ('area-square-kilometer' -> 'kilometer**2'); None for currencies."""
    if unit.startswith("cur:") or unit == "temperature-generic" or "-" not in unit:
        return None
    family, name = unit.split("-", 1)
    if family == "concentr":
        return None
    renamed = {"ton": "short_ton", "barrel": "oil_barrel", "celsius": "degC", "fahrenheit": "degF", "decade": "decade_"}
    name = renamed.get(name, name)  # pint's own "decade" is a logarithmic unit
    name = name.replace("-per-", "/")
    for power, word in ((2, "square-"), (3, "cubic-")):
        if name.startswith(word):
            name = name[len(word) :] + f"**{power}"
    return name.replace("-", "_")


@lru_cache(maxsize=1)
def _registry():
    import pint

    registry = pint.UnitRegistry()
    registry.define("decade_ = 10 * year")
    return registry


@lru_cache(maxsize=4096)
def convert(value: Decimal, unit: str, to: str) -> float | None:
    """``value`` in the CLDR unit ``unit`` expressed in ``to`` (pint), None when they do not convert."""
    a, b = _pint_name(unit), _pint_name(to)
    if a is None or b is None or a == b or _family(unit) != _family(to):
        return None
    try:
        registry = _registry()
        return float(registry.Quantity(float(value), a).to(b).magnitude)
    except Exception:  # pint's errors: an unknown or incompatible unit
        return None


def rounding(value: Decimal) -> float:
    """Half a unit of the last significant digit written: 6.2 -> 0.05, 618,000 -> 500."""
    exponent = value.normalize().as_tuple().exponent
    return 0.5 * 10.0 ** int(exponent) if isinstance(exponent, int) else 0.0


def conversion(source: Mention, target: Mention) -> bool:
    """Whether ``target`` is ``source`` converted to another unit of its kind (10 km = 6.2 miles), within the
    rounding of the figure written or 1 %."""
    if not source.units or not target.units or units_compatible(source.units, target.units):
        return False
    for a in source.values:
        for b in target.values:
            if not isinstance(a, Decimal) or not isinstance(b, Decimal) or not b:
                continue
            for unit in source.units:
                for to in target.units:
                    value = convert(a, unit, to)
                    if value is not None and abs(value - float(b)) <= max(rounding(b), 0.01 * abs(float(b))):
                        return True
    return False


@lru_cache(maxsize=64)
def _long_unit_forms(lang: str) -> dict[str, tuple[str, ...]]:
    """CLDR unit id -> the unit's written-out names in ``lang`` (day, days, jour, jours), longest first."""
    forms: dict[str, list[str]] = {}
    for form, (unit, abbreviation) in locale.unit_words(lang).items():
        if not abbreviation and not unit.startswith("per:") and form.replace(" ", "").isalpha():
            forms.setdefault(unit, []).append(form)
    return {unit: tuple(sorted(f, key=len, reverse=True)) for unit, f in forms.items()}


def said_as_one(mention: Mention, other_text: str, other_lang: str) -> str | None:
    """The unit word of ``other_text`` that says ``mention`` as one of a larger or smaller unit of its kind
    ("24 heures" = "a day", "diez años" = "a decade", "einer Stunde" = "sixty minutes"), or None."""
    folded = fold_keep(other_text)
    # "two days": a figure of its own; the unit's word elsewhere in the sentence may still say this one
    counted = [(m.start, m.end) for m in find_numbers(other_text, other_lang) if m.units]
    for unit in mention.units:
        if not unit.startswith("duration-"):
            continue
        for value in mention.values:
            if not isinstance(value, Decimal):
                continue
            for other, words in _long_unit_forms(other_lang).items():
                converted = convert(value, unit, other) if other.startswith("duration-") else None
                if converted is None or abs(converted - 1) > 0.01:
                    continue
                for word in words:
                    for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", folded):
                        if not any(a <= match.start() < b for a, b in counted):
                            return other_text[match.start() : match.end()]
    return None


_PER_FAMILIES = ("length-", "area-", "mass-", "volume-", "temperature-", "energy-", "power-", "speed-")


def per_units(text: str, lang: str) -> set[str]:
    """Units named in a 'per' phrase without a figure: 'per square mile', 'au kilomètre carré'."""
    regex, table = _unit_regex(lang)
    folded = fold_keep(ascii_digits(text))
    found = set()
    for match in re.finditer(
        r"(?:(?<![^\W\d_])(?:per|par|pro|por|je|на|na|za|au|pour|für)[ \u00a0\u202f\u2009]+"
        r"|/[ \u00a0\u202f\u2009]*)",
        folded,
    ):
        unit = regex.match(folded, match.end())
        if unit:
            found |= {u for u in table.get(" ".join(unit[0].split()), ()) if u.startswith(_PER_FAMILIES)}
    return found
