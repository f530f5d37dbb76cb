"""Part 4: negation per language, the Gale-Church length model, quotes, repetition, untranslated text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trpipe.checks import (
    CHECKS,
    SEVERITIES,
    check_length,
    check_negation,
    check_quotes,
    check_repetition,
    check_sentence,
    check_untranslated,
    summarise_flags,
)
from trpipe.checks.meaning import length_z
from trpipe.checks.negation import negations
from trpipe.checks.quotes import find_quotes


@pytest.mark.parametrize(
    ("text", "lang", "count"),
    [
        ("Les tactiques n’ont pas été conçues récemment.", "fr", 1),
        ("Il ne reste que deux jours.", "fr", 0),  # ne ... que: only
        ("Avant qu’il ne parte, il a parlé.", "fr", 0),  # expletive ne
        ("Personne n’est venu, sans jamais rien dire.", "fr", 2),
        ("Il ne veut ni ne peut.", "fr", 1),
        ("Il n’est pas venu et ne viendra pas.", "fr", 2),
        ("They didn’t come and nobody knew.", "en", 2),
        ("Neither the minister nor his deputy spoke.", "en", 1),
        ("Er kommt nicht, und es gibt noch keine Lösung.", "de", 2),
        ("No vino nadie, nunca dijo nada.", "es", 2),
        ("Non è mai venuto nessuno.", "it", 1),
        ("Não vamos tolerar nada.", "pt", 1),
        ("Он не сказал ничего.", "ru", 1),
        ("Nikt nie przyszedł.", "pl", 1),
        ("Він нічого не сказав.", "uk", 1),
        ("De tactieken zijn niet onlangs bedacht.", "nl", 1),
        ("Taktiken utformades inte nyligen, utan är resultatet.", "sv", 1),
        ("Bu taktikler yakın zamanda geliştirilmedi.", "tr", 1),
        ("لم تصمم هذه التكتيكات مؤخرا.", "ar", 1),
        ("这些策略并非最近才设计的，非常重要。", "zh", 1),
        ("この戦術は最近考案されたものではない。", "ja", 1),
    ],
)
def test_negations_are_counted_the_way_each_language_negates(text, lang, count):
    assert len(negations(text, lang)) == count, negations(text, lang)


@pytest.mark.parametrize(
    ("source", "source_lang", "good", "bad"),
    [
        (
            "Les tactiques n’ont pas été conçues récemment.",
            "fr",
            "The tactics were not devised recently.",
            "The tactics were devised recently.",
        ),
        ("Il ne reste que deux jours.", "fr", "Only two days remain.", "No two days remain."),
        ("Das Programm wird nicht aus dem Haushalt finanziert.", "de", "The programme is not funded from the budget.",
         "The programme is funded from the budget."),
        ("No habrá cortes de agua.", "es", "There will be no water cuts.", "There will be water cuts."),
        ("Правительство не будет повышать налоги.", "ru", "The government will not raise taxes.",
         "The government will raise taxes."),
        ("中方不会保持沉默。", "zh", "China will not remain silent.", "China will remain silent."),
    ],
)  # fmt: skip
def test_a_flipped_negation_is_flagged(source, source_lang, good, bad):
    assert check_negation(source, good, source_lang, "en") == []
    assert [f["check"] for f in check_negation(source, bad, source_lang, "en")] == ["negation"]


SOURCE = (
    "Les journalistes ont trouvé que le géant chinois aurait reçu 46 milliards de dollars de prêts et 25 "
    "milliards de dollars de réductions d’impôt, selon des documents publics."
)
GOOD = (
    "The journalists found that the Chinese giant had received 46 billion dollars in loans and 25 billion "
    "dollars in tax breaks, according to public documents."
)


def test_the_length_tolerance_shrinks_with_sentence_length():
    # The same 30% excess weighs twice as much in a sentence four times as long.
    short, long = length_z("a" * 100, "b" * 139, "fr", "en"), length_z("a" * 400, "b" * 556, "fr", "en")
    assert long == pytest.approx(2 * short, rel=0.01) and short > 0
    assert check_length(SOURCE, GOOD, "fr", "en") == []
    dropped = GOOD.replace(" and 25 billion dollars in tax breaks, according to public documents", "")
    assert "omission" in check_length(SOURCE, dropped, "fr", "en")[0]["detail"]
    added = GOOD[:-1] + ", which the company has always denied in its statements to the press and to investors."
    assert "addition" in check_length(SOURCE, added, "fr", "en")[0]["detail"]


@pytest.mark.parametrize(
    ("source", "source_lang", "translation"),
    [
        ("今年前两个月，中国对美国出口了大约五百万辆电动自行车。", "zh",
         "In the first two months of this year, China exported about five million e-bikes to the United States."),
        ("Die neuen Windparks in der Nordsee sollen eine Leistung von zwölf Gigawatt erreichen.", "de",
         "The new wind farms in the North Sea are to reach a capacity of twelve gigawatts."),
        ("Центральный банк повысил ключевую ставку до 16 процентов 15 декабря.", "ru",
         "The Central Bank raised its key rate to 16 percent on 15 December."),
        ("Subventions", "fr", "Grants"),
        ("12 mars 2021", "fr", "March 12, 2021"),
    ],
)  # fmt: skip
def test_normal_lengths_in_several_pairs_are_not_flagged(source, source_lang, translation):
    assert check_length(source, translation, source_lang, "en") == []


def test_an_empty_translation_is_an_omission():
    assert "empty" in check_length(SOURCE, "", "fr", "en")[0]["detail"]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("un avis «historique» et un «cas très crédible»", ["historique", "cas très crédible"]),
        ("„Wir haben es unterschätzt“, sagte er.", ["Wir haben es unterschätzt"]),
        ("“We will not,” he said.", ["We will not,"]),
        ("Han sa: ”Vi har förlorat”.", ["Vi har förlorat"]),
        ("他说：「我们不会沉默」。", ["我们不会沉默"]),
        ("Under the pretext of 'eradicating extremism', it's done.", ["eradicating extremism"]),
        (
            "« Au cours de ces tests, Huawei a fourni une solution.",
            ["Au cours de ces tests, Huawei a fourni une solution."],
        ),
        ("Huawei a fourni le stockage » pouvait-on lire.", ["Huawei a fourni le stockage"]),
    ],
)
def test_quotes_of_every_style_are_found(text, quoted):
    assert [text[q.start : q.end] for q in find_quotes(text)] == quoted


def test_a_quote_lost_added_or_with_a_moved_mark_is_flagged():
    source = "« Nous n’augmenterons pas les impôts », a promis l’adjoint chargé des finances, Paul Simondon."
    good = "“We will not raise taxes,” promised the deputy mayor for finance, Paul Simondon."
    assert check_quotes(source, good, "fr", "en") == []
    assert check_quotes(source, good.replace("“", "").replace("”", ""), "fr", "en")
    moved = "“We will not raise taxes, promised the deputy mayor for finance, Paul Simondon”."
    assert "moved" in check_quotes(source, moved, "fr", "en")[0]["detail"]
    names_moved = "“We will not raise taxes, promised Simondon” the deputy mayor for finance."
    assert check_quotes(source, names_moved, "fr", "en")
    assert check_quotes("Il a dit non.", "He said “no”.", "fr", "en")


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("Non, non, non, non !", "No, no, no, no!"),
        ("Il a parlé de la reconnaissance faciale.", "He spoke of facial recognition."),
        ("Il avait eu raison.", "He had had a point."),  # one short word twice is English
    ],
)
def test_repetition_that_the_source_has_or_ordinary_doubling_is_not_flagged(source, translation):
    assert check_repetition(source, translation, "fr", "en") == []


@pytest.mark.parametrize(
    "translation",
    [
        "He spoke of facial recognition, facial recognition.",
        "He spoke of facial recognition in the region in the region.",
        "He spoke spoke of facial recognition.",
        "No, no, no, no, no!",
    ],
)
def test_a_phrase_said_twice_or_a_loop_is_flagged(translation):
    source = "Il a parlé de la reconnaissance faciale dans la région." if "No" not in translation else "Non, non !"
    assert [f["check"] for f in check_repetition(source, translation, "fr", "en")] == ["repetition"]


def test_untranslated_text_is_flagged_whole_or_in_part():
    source = "Les prochains jours nous le diront, car des associations vont manifester le 18 mars à Strasbourg."
    assert check_untranslated(source, source, "fr", "en")[0]["detail"] == "translation is identical to the source"
    partly = "The coming days will tell, car des associations vont manifester le 18 mars à Strasbourg."
    assert check_untranslated(source, partly, "fr", "en")
    assert (
        check_untranslated(source, "The coming days will tell, as groups will march in Strasbourg.", "fr", "en") == []
    )
    assert check_untranslated("Grand Est", "Grand Est", "fr", "en") == []
    assert check_untranslated("12 mars 2021", "12 mars 2021", "fr", "en") == []
    assert check_untranslated(source, source, "fr", "fr") == []
    assert check_untranslated("Центральный банк повысил ставку.", "Центральный банк повысил ставку.", "ru", "en")


_PIECES = st.sampled_from(
    'le 12 février 2021 800 000 € 800.000 1,5 2,5 milliards billion Mrd M€ 1er 2eme Grand Est « » “ ” " '
    "Huawei IPVM the the the de , . : ' ’ - 15 % 12/02/2021 March May k 14h30 ne pas not 三百 万 km² $".split(" ")
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_PIECES, max_size=30),
    st.text(max_size=80),
    st.sampled_from([("fr", "en"), ("en", "fr"), ("de", "en"), ("zh", "en"), ("ru", "en"), ("en", "zh")]),
)
def test_checks_never_fail_on_odd_text(pieces, noise, pair):
    source, translation = " ".join(pieces), noise + " ".join(reversed(pieces))
    for flag in check_sentence(source, translation, *pair):
        assert set(flag) == {"check", "severity", "detail", "evidence"} and flag["check"] in CHECKS
        assert flag["severity"] in SEVERITIES and "\n" not in flag["detail"]
        for side, text in (("source", source), ("target", translation)):
            span = flag["evidence"].get(side)
            assert span is None or 0 <= span["start"] <= span["end"] <= len(text), (flag, text)


def test_summarise_flags_counts_by_check_in_order():
    flags = [
        check_sentence(SOURCE, GOOD.replace("46", "64"), "fr", "en"),
        check_sentence(SOURCE, GOOD.replace("had received", "had not received"), "fr", "en"),
    ]
    counts = summarise_flags(flags)
    assert list(counts)[: len(CHECKS)] == list(CHECKS)
    assert counts["numbers"] >= 1 and counts["negation"] == 1
    assert sum(counts.values()) == sum(map(len, flags))
    assert summarise_flags([]) == dict.fromkeys(CHECKS, 0)


def test_words_left_in_the_source_language_are_flagged_with_their_span():
    source = "Les syndicats de cheminots ont appelé à la grève mardi sur l’autoroute."
    flags = check_untranslated(source, "The rail unions called a grève on Tuesday on the motorway.", "fr", "en")
    assert [f["severity"] for f in flags] == ["error"]
    start, end = flags[0]["evidence"]["target"]["start"], flags[0]["evidence"]["target"]["end"]
    assert "The rail unions called a grève on Tuesday on the motorway."[start:end] == "grève"
    two = check_untranslated(source, "The syndicats de cheminots called a strike on Tuesday.", "fr", "en")
    assert two and two[0]["evidence"]["found"] == "syndicats, cheminots"
    assert check_untranslated(source, "The rail unions called a strike on Tuesday on the motorway.", "fr", "en") == []


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("La Cour des comptes critique le coût.", "The Cour des comptes criticises the cost."),  # a name
        ("Il a gagné à Villeneuve-sur-Lot.", "He won in Villeneuve-sur-Lot."),  # a compound name
        ("Ils dénoncent un coup d'État.", "They denounce a coup d'état."),  # after an elision
        ("Le service de la route est fermé.", "The road service is closed."),  # words of both languages
        ("Le ministre a parlé mardi.", "The minister spoke on Tuesday."),
    ],
)
def test_names_compounds_and_shared_words_are_not_untranslated(source, translation):
    assert check_untranslated(source, translation, "fr", "en") == []


def test_the_source_s_script_in_a_translation_of_another_is_untranslated():
    source = "广湛高铁开通后，最快旅行时间缩短。"
    flags = check_untranslated(source, "After the opening, 最快旅行时间 was cut.", "zh", "en")
    assert flags and flags[0]["evidence"]["found"] == "最快旅行时间"
    assert check_untranslated("Путин приехал.", "Путин arrived.", "ru", "en")
    assert check_untranslated("Путин приехал.", "Putin arrived.", "ru", "en") == []
