"""Issue 24, round 3 (checks3a): more classes of legitimate variation that the numbers, units, names, quotes
and negation checks took for errors (fractions, plural counts, 42C, conversions in brackets, rounded
figures, "ever" after a comparative, "ne ... plus que", affixal negatives, translated acronyms, nationality
adjectives, regions' exonyms, reported speech), each beside the error that must still be caught. Sentences
are our own, not the evaluation sets'."""

from __future__ import annotations

import pytest

from test_checks_variation import _checks
from trpipe.checks import check_sentence, is_error
from trpipe.checks.numbers import find_numbers


@pytest.mark.parametrize(
    ("source", "translation", "lang", "target"),
    [
        # fractions: a fraction noun, an ordinal after "a", a ratio, a percentage
        ("Un tiers des élèves étaient absents.", "A third of the pupils were absent.", "fr", "en"),
        ("Fast ein Drittel der Ernte ging verloren.", "Almost one third of the harvest was lost.", "de", "en"),
        ("Deux tiers des votants ont dit oui.", "Two thirds of voters said yes.", "fr", "en"),
        ("El puerto mueve una cuarta parte del tráfico.", "The port handles 25% of the traffic.", "es", "en"),
        ("Un patient sur trois attend plus d'un an.", "A third of patients wait more than a year.", "fr", "en"),
        # a plural number word is an approximate count
        ("Des milliers de manifestants ont défilé.", "Tens of thousands of protesters marched.", "fr", "en"),
        # degrees glued to their figure
        ("Il a fait 39 °C à Séville.", "It was 39C in Seville.", "fr", "en"),
        # a conversion in brackets after its figure
        ("Le sommet culmine à 3 000 mètres.", "The summit rises to 3,000m (9,843ft).", "fr", "en"),
        ("Le feu a détruit 1 200 hectares.", "The fire destroyed 1,200 hectares (2,965 acres).", "fr", "en"),
        # a clock time is no duration
        ("Der Streik beginnt um 3 Uhr und dauert 12 Stunden.", "The 12-hour strike starts at 3am.", "de", "en"),
        # a figure rounded
        ("Las ventas alcanzaron 12.345 millones de euros.", "Sales reached €12.3bn.", "es", "en"),
        # a number word with a capital inside a sentence: a name
        ("Les dirigeants des Vingt-Sept se réunissent jeudi.", "EU leaders meet on Thursday.", "fr", "en"),
        # rain in litres per square metre and in millimetres
        ("Es fielen 80 Liter Regen pro Quadratmeter.", "80 mm of rain fell.", "de", "en"),
    ],
)
def test_figures_said_another_way_are_no_errors(source, translation, lang, target):
    assert not ({"numbers", "units"} & _checks(source, translation, lang, target))


@pytest.mark.parametrize(
    ("source", "translation", "lang", "check"),
    [
        ("Un tiers des élèves étaient absents.", "A quarter of the pupils were absent.", "fr", "numbers"),
        ("Il a fait 39 °C à Séville.", "It was 39F in Seville.", "fr", "units"),
        ("Le sommet culmine à 3 000 mètres.", "The summit rises to 3,000m (12,000ft).", "fr", "numbers"),
        ("Las ventas alcanzaron 12.345 millones de euros.", "Sales reached €12.9bn.", "es", "numbers"),
        ("Le stade a accueilli 40 000 spectateurs.", "The stadium hosted 4,000 spectators.", "fr", "numbers"),
    ],
)
def test_changed_figures_are_still_errors(source, translation, lang, check):
    assert check in _checks(source, translation, lang)


def test_fractions_are_read_with_their_numerator():
    (third,) = [m for m in find_numbers("Deux tiers des votants", "fr") if m.kind == "fraction"]
    assert ("fraction", 2, 3) in third.values
    assert not [m for m in find_numbers("les pays tiers", "fr") if m.kind == "fraction"]  # third countries
    assert not [m for m in find_numbers("in the third quarter", "en") if m.kind == "fraction"]


@pytest.mark.parametrize(
    ("source", "translation", "lang"),
    [
        # a negative word after a comparative or a superlative means "ever"
        ("Le musée est plus visité que jamais.", "The museum is busier than ever.", "fr"),
        ("C'est la plus grosse amende jamais infligée.", "It is the largest fine ever imposed.", "fr"),
        ("El equipo está más fuerte que nunca.", "The team is stronger than ever.", "es"),
        # "ne ... plus que": now only
        ("Le train ne circule plus qu'une fois par jour.", "The train now only runs once a day.", "fr"),
        # "sans doute": probably
        ("Le vote aura sans doute lieu en mai.", "The vote will probably take place in May.", "fr"),
    ],
)
def test_negative_words_that_negate_nothing(source, translation, lang):
    assert "negation" not in _checks(source, translation, lang)


@pytest.mark.parametrize(
    ("source", "translation", "lang"),
    [
        # a negation said by a negative affix on the other side: a warning, not an error
        ("Le club a signé un accord sans précédent.", "The club signed an unprecedented deal.", "fr"),
        ("Les trains rouleront sans conducteur.", "The trains will be driverless.", "fr"),
        ("L'équipe est restée sans défaite.", "The team stayed unbeaten.", "fr"),
    ],
)
def test_affixal_negatives_are_warnings(source, translation, lang):
    flags = [f for f in check_sentence(source, translation, lang, "en") if f["check"] == "negation"]
    assert flags and all(not is_error(f) for f in flags)


@pytest.mark.parametrize(
    ("source", "translation", "lang"),
    [
        ("Le ministre ne viendra pas jeudi.", "The minister will come on Thursday.", "fr"),
        ("Le musée n'est plus ouvert le lundi.", "The museum is open on Mondays.", "fr"),
        ("Le musée est plus visité que jamais.", "The museum is not busier than ever.", "fr"),
    ],
)
def test_dropped_or_added_negations_are_still_errors(source, translation, lang):
    assert "negation" in _checks(source, translation, lang)


@pytest.mark.parametrize(
    ("source", "translation", "lang"),
    [
        # an acronym translated: its letters in the target's order
        ("Plusieurs ONG ont dénoncé le projet.", "Several NGOs condemned the plan.", "fr"),
        ("El Fondo Monetario Internacional prevé un repunte.", "The IMF expects a rebound.", "es"),
        # a currency code is a unit
        ("Le projet coûtera 2 milliards de francs suisses.", "The project will cost CHF2bn.", "fr"),
        # a nationality adjective added where the source leaves it to the context
        ("Le gouvernement a salué la décision.", "The French government welcomed the decision.", "fr"),
        # a region's exonym spelt like its name
        ("Las lluvias afectaron a Andalucía.", "The rain hit Andalusia.", "es"),
        # a compound of a source name and a common word
        (
            "Le groupe, basé à Ludwigshafen, réduit sa production.",
            "The Ludwigshafen-based group is cutting output.",
            "fr",
        ),
        # a plural common noun opening the sentence
        ("Les viticulteurs craignent la grêle.", "Winegrowers fear hail.", "fr"),
    ],
)
def test_names_rendered_another_way_are_no_errors(source, translation, lang):
    assert "names" not in _checks(source, translation, lang)


@pytest.mark.parametrize(
    ("source", "translation", "lang"),
    [
        ("Le gouvernement portugais a salué la décision.", "The Spanish government welcomed the decision.", "fr"),
        ("Le ministre s'est rendu en Slovénie.", "The minister travelled to Slovakia.", "fr"),
        ("La ligne Paris-Lyon sera fermée.", "The Paris-Lille line will be closed.", "fr"),
        ("Plusieurs ONG ont dénoncé le projet.", "Several NGOs and the WWF condemned the plan.", "fr"),
    ],
)
def test_changed_or_added_names_are_still_errors(source, translation, lang):
    assert "names" in _checks(source, translation, lang)


def test_reported_speech_with_a_partial_quote_is_a_warning():
    source = "« Nous avons choisi la continuité et l'écologie », a déclaré Marie Dupont devant ses partisans."
    translation = "Marie Dupont told her supporters that the voters had chosen “continuity”."
    flags = [f for f in check_sentence(source, translation, "fr", "en") if f["check"] == "quotes"]
    assert flags and all(not is_error(f) for f in flags)
    moved = "“We have chosen” continuity and ecology, Marie Dupont told her supporters."
    assert "quotes" in _checks(source, moved)


def test_a_quoted_name_may_lose_its_marks():
    flags = [
        f for f in check_sentence("«Спартак» обыграл ЦСКА.", "Spartak beat CSKA.", "ru", "en") if f["check"] == "quotes"
    ]
    assert flags and all(not is_error(f) for f in flags)
    lost = check_sentence("«Мы победим», сказал тренер.", "We will win, the coach said.", "ru", "en")
    assert any(f["check"] == "quotes" and is_error(f) for f in lost)
