"""Part 6: support flags for summary sentences (unsupported items and weak support)."""

from __future__ import annotations

import pytest

from trpipe.checks import WEAK_SUPPORT_RECALL, summary_flags, unsupported_items, weak_support

SUPPORT = [
    ("Environ 11 millions de Ouïghours et de membres d’autres minorités musulmanes vivent au Xinjiang.", "fr"),
    ("About 11 million Uighurs and members of other Muslim minorities live in Xinjiang.", "en"),
    ("Raphaël Glucksmann a interpellé le Parlement européen pendant deux décennies.", "fr"),
]


@pytest.mark.parametrize(
    ("sentence", "unsupported"),
    [
        ("Eleven million Uighurs live in Xinjiang.", []),
        ("Some 11m Muslims live in Xinjiang.", []),
        ("Glucksmann spoke to the European Parliament for two decades.", []),
        ("About twelve million Uighurs live in Xinjiang.", ["twelve million"]),
        ("Glucksmann spoke for three decades.", ["three"]),
        ("About 11 million Uighurs live in Tibet.", ["Tibet"]),
        ("About 11 million Uighurs live in Xinjiang, said Xi Jinping.", ["Xi Jinping"]),
        ("About 11 million Uighurs live on 200 km² in Xinjiang.", ["200"]),
    ],
)
def test_unsupported_items_cover_number_words_units_and_names(sentence, unsupported):
    assert unsupported_items(sentence, "en", SUPPORT) == unsupported


def test_a_changed_currency_is_unsupported():
    support = [("La région a versé 800 000 euros.", "fr")]
    assert unsupported_items("The region paid €800,000.", "en", support) == []
    assert unsupported_items("The region paid $800,000.", "en", support) == ["$800,000"]


def test_weak_support_is_the_recall_of_content_words():
    assert weak_support("Eleven million Uighurs live in Xinjiang.", "en", SUPPORT) == 1.0
    recall = weak_support("Human rights groups called for sanctions against the regime.", "en", SUPPORT)
    assert recall is not None and recall < WEAK_SUPPORT_RECALL
    assert weak_support("It is so.", "en", SUPPORT) is None  # too few content words to judge


def test_summary_flags_give_what_a_summary_sentence_stores():
    good = summary_flags("Eleven million Uighurs live in Xinjiang.", "en", SUPPORT)
    assert good == {"unsupported": [], "support": 1.0, "weakly_supported": False}
    bad = summary_flags("Human rights groups called for sanctions against the regime in Tibet.", "en", SUPPORT)
    assert bad["weakly_supported"] is True and bad["unsupported"] == ["Tibet"]
    assert bad["support"] < WEAK_SUPPORT_RECALL
