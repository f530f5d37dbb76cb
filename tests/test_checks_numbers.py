"""Part 1 and 2: figures read with CLDR conventions, number words, clock times, suffixes, and units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trpipe.checks import check_numbers, check_units, find_numbers
from trpipe.checks.numbers import read_number
from trpipe.checks.numwords import cjk_value, word_numbers


def values(text: str, lang: str) -> list[set]:
    return [set(m.values) for m in find_numbers(text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("800 000€ de subvention", "fr", Decimal(800000)),
        ("800\u202f000 €", "fr", Decimal(800000)),
        ("une aide de 800.000 euros", "fr", Decimal(800000)),
        ("€800,000", "en", Decimal(800000)),
        ("2,5 %", "fr", Decimal("2.5")),
        ("1.5 percent", "en", Decimal("1.5")),
        ("1.234.567,89", "de", Decimal("1234567.89")),
        ("1 234 567,89", "ru", Decimal("1234567.89")),
        ("1 234,5", "pl", Decimal("1234.5")),
        ("1.234,5", "tr", Decimal("1234.5")),
        ("1 234,5", "sv", Decimal("1234.5")),
        ("٨٠٠٬٠٠٠", "ar", Decimal(800000)),
        ("75 milliards de dollars", "fr", Decimal(75 * 10**9)),
        ("$75 billion", "en", Decimal(75 * 10**9)),
        ("$75bn", "en", Decimal(75 * 10**9)),
        ("11m people", "en", Decimal(11 * 10**6)),
        ("10k runners", "en", Decimal(10**4)),
        ("75 Mrd. Euro", "de", Decimal(75 * 10**9)),
        ("75 mil millones", "es", Decimal(75 * 10**9)),
        ("75 mil milhões", "pt", Decimal(75 * 10**9)),
        ("75 miliardi", "it", Decimal(75 * 10**9)),
        ("75 miljard", "nl", Decimal(75 * 10**9)),
        ("75 млрд рублей", "ru", Decimal(75 * 10**9)),
        ("75 mld zł", "pl", Decimal(75 * 10**9)),
        ("75 млрд гривень", "uk", Decimal(75 * 10**9)),
        ("75 milyar dolar", "tr", Decimal(75 * 10**9)),
        ("75 miljarder kronor", "sv", Decimal(75 * 10**9)),
        ("75 مليار دولار", "ar", Decimal(75 * 10**9)),
        ("75亿美元", "zh", Decimal(75 * 10**8)),
        ("80万円", "ja", Decimal(800000)),
        ("10 M€", "fr", Decimal(10**7)),
        ("le 2eme budget", "fr", Decimal(2)),
        ("the 2nd budget", "en", Decimal(2)),
        ("der 2. Platz", "de", Decimal(2)),
    ],
)
def test_figures_are_read_with_each_languages_conventions(text, lang, value):
    assert any(value in v for v in values(text, lang)), find_numbers(text, lang)


@pytest.mark.parametrize(
    ("text", "lang", "date"),
    [
        ("12 février 2021", "fr", (12, 2, 2021)),
        ("le 1er mars", "fr", (1, 3, None)),
        ("February 12, 2021", "en", (12, 2, 2021)),
        ("the 12th of February 2021", "en", (12, 2, 2021)),
        ("Feb. 12, 2021", "en", (12, 2, 2021)),
        ("12. Februar 2021", "de", (12, 2, 2021)),
        ("12 de febrero de 2021", "es", (12, 2, 2021)),
        ("12 febbraio 2021", "it", (12, 2, 2021)),
        ("12 de fevereiro de 2021", "pt", (12, 2, 2021)),
        ("12 februari 2021", "nl", (12, 2, 2021)),
        ("12 февраля 2021 года", "ru", (12, 2, 2021)),
        ("12 lutego 2021 r.", "pl", (12, 2, 2021)),
        ("12 лютого 2021 року", "uk", (12, 2, 2021)),
        ("12 Şubat 2021", "tr", (12, 2, 2021)),
        ("12 februari 2021", "sv", (12, 2, 2021)),
        ("12 فبراير 2021", "ar", (12, 2, 2021)),
        ("12 شباط 2021", "ar", (12, 2, 2021)),
        ("2021年2月12日", "zh", (12, 2, 2021)),
        ("2021年2月12日", "ja", (12, 2, 2021)),
        ("12/02/2021", "fr", (12, 2, 2021)),
        ("2021-02-12", "en", (12, 2, 2021)),
    ],
)
def test_dates_are_read_in_every_language_with_cldr_month_names(text, lang, date):
    assert any(("date", *date) in v for v in values(text, lang)), find_numbers(text, lang)


@pytest.mark.parametrize(
    ("text", "lang", "month"),
    [("en février", "fr", 2), ("в феврале", "ru", 2), ("w lutym", "pl", 2), ("in March", "en", 3), ("二月", "zh", 2)],
)
def test_a_month_alone_and_inflected_month_names_are_read(text, lang, month):
    assert values(text, lang) == [{("month", month, None)}]


def test_a_month_name_in_english_needs_its_capital():
    assert values("the company may sell it", "en") == []
    assert values("in May", "en") == [{("month", 5, None)}]


@pytest.mark.parametrize(
    ("source", "source_lang", "translation", "target_lang"),
    [
        ("à 14 h 30", "fr", "at 2:30 p.m.", "en"),
        ("à 14 h 30", "fr", "at 14:30", "en"),
        ("um 14.30 Uhr", "de", "at 2.30pm", "en"),
        ("à 9 h", "fr", "at 9 a.m.", "en"),
        ("в 14:30", "ru", "at 2:30 pm", "en"),
        ("klockan 14.30", "sv", "at 14:30", "en"),
        ("下午2点30分", "zh", "at 2:30 p.m.", "en"),
        ("at 2:30 p.m.", "en", "à 14 h 30", "fr"),
    ],
)
def test_clock_times_are_read_as_times(source, source_lang, translation, target_lang):
    assert check_numbers(source, translation, source_lang, target_lang) == []


def test_a_changed_time_is_flagged():
    assert check_numbers("à 14 h 30", "at 3:30 p.m.", "fr", "en")
    assert check_numbers("à 9 h", "at 9 p.m.", "fr", "en")


@pytest.mark.parametrize(
    ("text", "lang", "value", "weak"),
    [
        ("deux décennies", "fr", 2, True),
        ("un million de personnes", "fr", 10**6, False),
        ("vingt-trois mille euros", "fr", 23000, False),
        ("eleven million people", "en", 11 * 10**6, False),
        ("fifteen", "en", 15, False),
        ("elf Millionen", "de", 11 * 10**6, False),
        ("once millones", "es", 11 * 10**6, False),
        ("undici milioni", "it", 11 * 10**6, False),
        ("onze milhões", "pt", 11 * 10**6, False),
        ("elf miljoen", "nl", 11 * 10**6, False),
        ("двух миллионов", "ru", 2 * 10**6, False),
        ("dwóch milionów", "pl", 2 * 10**6, False),
        ("двох мільйонів", "uk", 2 * 10**6, False),
        ("iki milyon", "tr", 2 * 10**6, False),
        ("två miljoner", "sv", 2 * 10**6, False),
        ("三百万", "zh", 3 * 10**6, False),
        ("millions of people", "en", 10**6, True),
    ],
)
def test_number_words_are_read_in_every_language(text, lang, value, weak):
    (number,) = [n for n in word_numbers(text, lang) if n.value == value]
    assert number.weak == weak


def test_cjk_numerals():
    assert [cjk_value(t) for t in ("三百二十", "两万", "一亿五千万", "二〇二一", "十")] == [
        320,
        20000,
        150000000,
        2021,
        10,
    ]
    assert cjk_value("三三百") is None


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("800 000 €", "800,000 euros"),
        ("800 000 €", "EUR 800,000"),
        ("15 %", "15 percent"),
        ("15%", "15 per cent"),
        ("le 12 février 2021", "on February 12th, 2021"),
        ("75 milliards de dollars", "75,000,000,000 dollars"),
        ("1 à 2 milliards", "1-2 billion"),
        ("1 à 2 milliards", "between 1 billion and 2 billion"),
        ("le 1er mars", "on March 1st"),
        ("le 1er prix", "the first prize"),
        ("le 2e budget", "the 2nd budget"),
        ("2 entreprises", "two companies"),
        ("12 entreprises", "twelve companies"),
        ("deux décennies", "two decades"),
        ("onze millions d'habitants", "11m inhabitants"),
        ("11 millions d'habitants", "eleven million inhabitants"),
        ("un million d'euros", "€1 million"),
        ("en 2018", "in 2 018"),
        ("le Premier ministre", "the Prime Minister"),
        ("l'un des pays", "one of the countries"),
    ],
)
def test_equivalent_figures_match(source, translation):
    assert check_numbers(source, translation, "fr", "en") == []


@pytest.mark.parametrize(
    ("source", "translation", "detail"),
    [
        ("800 000 €", "80,000 euros", "not in the translation"),
        ("75 milliards", "75 trillion", "not in the translation"),
        ("2,5 %", "25%", "not in the translation"),
        ("12 février 2021", "12 February 2012", "not in the translation"),
        ("deux décennies", "three decades", "not in the translation"),
        ("un million de personnes", "ten million people", "not in the translation"),
        ("la première usine", "the second factory", "not in the translation"),
        ("une aide", "an aid of 300 euros", "not in the source"),
        ("800 000 euros", "€800.000", "convention"),
        ("46 milliards de prêts et 25 milliards d'aides", "25 billion in loans and 46 billion in aid", "swapped"),
    ],
)
def test_changed_added_misread_and_swapped_figures_are_flagged(source, translation, detail):
    flags = check_numbers(source, translation, "fr", "en")
    assert flags and all(f["check"] == "numbers" for f in flags)
    assert any(detail in f["detail"] for f in flags), flags


def test_a_figure_in_the_other_decimal_convention_is_flagged():
    assert "convention" in check_numbers("16.4 billion euros", "16.4 Milliarden Euro", "en", "de")[0]["detail"]
    assert check_numbers("16.4 billion euros", "16,4 Milliarden Euro", "en", "de") == []
    assert "convention" in check_numbers("1,2 million de foyers", "1,2 million homes", "fr", "en")[0]["detail"]


def test_years_and_counts_are_not_swapped_figures():
    source = "Het kabinet wil tot 2030 jaarlijks 100.000 woningen bouwen."
    assert check_numbers(source, "The cabinet wants to build 100,000 homes a year until 2030.", "nl", "en") == []


def test_read_number_says_whether_the_convention_holds():
    assert read_number("800.000", ".") == (Decimal("800.000"), True)
    assert read_number("800.000", ",") == (Decimal(800000), True)
    assert read_number("2,5", ".") == (Decimal("2.5"), False)
    assert read_number("1,234.5", ".") == (Decimal("1234.5"), True)


@pytest.mark.parametrize(
    ("source", "source_lang", "translation", "target_lang"),
    [
        ("800 000 € de subvention", "fr", "€800,000 in subsidies", "en"),
        ("75 milliards de dollars", "fr", "$75 billion", "en"),
        ("une région de 1,6 million de kilomètres carrés", "fr", "a region of 1.6 million square kilometres", "en"),
        ("207 kilomètres par heure", "fr", "207 km/h", "en"),
        ("zwölf Gigawatt", "de", "twelve gigawatts", "en"),
        ("1,76 трлн рублей", "ru", "1.76 trillion roubles", "en"),
        ("3,5 mln zł", "pl", "3.5 million zlotys", "en"),
        ("75亿美元", "zh", "7.5 billion US dollars", "en"),
        ("200 litros", "es", "200 litres", "en"),
        ("30 degrés", "fr", "30°C", "en"),
    ],
)
def test_units_and_currencies_in_every_form_match(source, source_lang, translation, target_lang):
    assert check_units(source, translation, source_lang, target_lang) == []


@pytest.mark.parametrize(
    ("source", "source_lang", "translation"),
    [
        ("800 000 € de subvention", "fr", "$800,000 in subsidies"),
        ("75 milliards de dollars", "fr", "€75 billion"),
        ("une région de 1,6 million de kilomètres carrés", "fr", "a region of 1.6 million square miles"),
        ("au kilomètre carré", "fr", "per square mile"),
        ("zwölf Gigawatt", "de", "twelve megawatts"),
        ("1,76 трлн рублей", "ru", "1.76 trillion dollars"),
        ("3,5 mln zł", "pl", "3.5 million euros"),
        ("75亿美元", "zh", "7.5 billion yuan"),
        ("200 litros", "es", "200 gallons"),
        ("une hausse de 12 %", "fr", "an increase of 12 points"),
    ],
)
def test_a_changed_unit_or_currency_is_flagged(source, source_lang, translation):
    flags = check_units(source, translation, source_lang, "en")
    assert {f["check"] for f in flags} == {"units"} and all(f["severity"] == "error" for f in flags), flags


@pytest.mark.parametrize("space", ["\u202f", "\u2009", "\u00a0", " "])
def test_dates_and_times_read_across_every_space_typography_puts_in_them(space):
    """A narrow no-break or thin space between a date's or a time's parts (French typography) is a space:
    « le 1er juillet » is July 1 and « 11 h 15 » a time whatever space stands in them."""
    from trpipe.checks import check_sentence, is_error

    source = "The MBTA will raise fares from $2.40 to $2.75 on July 1, at 11.15am."
    french = f"La MBTA portera le ticket de 2,40 à 2,75 dollars le 1er{space}juillet, à 11{space}h{space}15."
    assert not [f for f in check_sentence(source, french, "en", "fr") if is_error(f)]
    wrong = french.replace("juillet", "juin")
    assert any(f["check"] == "numbers" and is_error(f) for f in check_sentence(source, wrong, "en", "fr"))
