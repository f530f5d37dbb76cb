"""The model-free checks, on French sentences of the sample article and English translations written for the tests.

Each negative case spoils a correct translation in one way and asserts the check that must notice it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trpipe.checks import (
    CHECKS,
    Glossary,
    GlossaryEntry,
    check_length,
    check_names,
    check_numbers,
    check_quotes,
    check_repetition,
    check_sentence,
    check_terms,
    check_untranslated,
    find_names,
    find_numbers,
    load_glossary,
    summarise_flags,
)
from trpipe.errors import InputError

# (French source, a correct English translation): every check must pass on each.
GOOD_PAIRS = [
    (
        "800 000€ de subvention française à l’espionnage et la propagande chinoise en France.",
        "€800,000 in French subsidies for Chinese espionage and propaganda in France.",
    ),
    (
        "Huawei, bras armé du régime chinois, interdit aux Etats Unis pour espionnage,",
        "Huawei, the armed wing of the Chinese regime, banned in the United States for espionage,",
    ),
    (
        "reçoit 800 000 € de la région Grand Est pour construire son usine au milieu des unités de l’armée de "
        "Terre dédiées au renseignement",
        "receives 800,000 euros from the Grand Est region to build its factory in the middle of the Army's "
        "intelligence units",
    ),
    ("12 mars 2021", "March 12, 2021"),
    (
        " Le 12 février 2021, la région Grand Est a alloué une aide de 800.000 euros à Huawei pour la construction "
        "de sa première usine hors de Chine, en France, au sein du Business Parc de Brumath.",
        "On 12 February 2021, the Grand Est region granted aid of 800,000 euros to Huawei for the construction "
        "of its first factory outside China, in France, in the Brumath Business Park.",
    ),
    (
        "EpochTimes 12 mars 2021. C’est Raphaël Glucksmann qui a interpellé le président de la région Grand Est "
        "le 24 février",
        "EpochTimes March 12, 2021. It was Raphael Glucksmann who challenged the president of the Grand Est "
        "region on February 24",
    ),
    (
        "En effet, parmi les 15 entreprises ayant reçu une aide de la part de la région Grand Est, Huawei a décroché "
        "le 2eme budget le plus important selon un document de la région Grand Est.",
        "Indeed, among the 15 companies that received aid from the Grand Est region, Huawei obtained the second "
        "largest budget according to a document from the Grand Est region.",
    ),
    ("Subventions des 15 grandes entreprises dans le Grand Est", "Subsidies to the 15 largest companies in Grand Est"),
    (
        "Il appelle ainsi le président de la Région Grand Est, Jean Rottner (LR), à revenir sur cette subvention et "
        "sur l’implantation de ce «bras armé du gouvernement chinois» au cœur de l’Europe.",
        "He is thus calling on the president of the Grand Est Region, Jean Rottner (LR), to reverse this subsidy "
        "and the establishment of this “armed wing of the Chinese government” in the heart of Europe.",
    ),
    (
        "D’après un rapport du collectif d’experts en vidéosurveillance IPVM, publié par le Washington Post, Huawei "
        "a mis au point un système capable d’envoyer des « alertes ouïghours », basées sur un système de "
        "reconnaissance faciale.",
        "According to a report by the video surveillance expert group IPVM, published by the Washington Post, "
        'Huawei has developed a system capable of sending "Uighur alerts" based on a facial recognition system.',
    ),
    (
        "Selon les documents partagés par le collectif d’experts, Huawei a travaillé en 2018 avec l’entreprise "
        "chinoise Megvii, spécialisée en reconnaissance faciale, dans le but de créer un système capable de scanner "
        "un visage pour en définir l’âge, le sexe et l’origine ethnique.",
        "According to the documents shared by the group of experts, Huawei worked in 2018 with the Chinese company "
        "Megvii, which specialises in facial recognition, to create a system capable of scanning a face to "
        "determine age, sex and ethnic origin.",
    ),
    (
        "Au sein de cette solution commune, Huawei a fourni les serveurs, le stockage, l’équipement réseau, sa "
        "plateforme de stockage en ligne FusionSphere, des caméras ainsi que d’autres éléments logiciels et "
        "matériels.",
        "Within this joint solution, Huawei provided the servers, storage, network equipment, its FusionSphere "
        "online storage platform, cameras and other software and hardware elements.",
    ),
    (
        "Selon le Wall Street Journal (WSJ), Huawei aurait reçu 75 milliards de dollars sous forme de subventions "
        "du régime chinois pour devenir un des leaders mondial des télécommunications.",
        "According to the Wall Street Journal (WSJ), Huawei reportedly received $75 billion in subsidies from the "
        "Chinese regime to become one of the world's leaders in telecommunications.",
    ),
    (
        "Les journalistes ont épluché des documents financiers publics qui comptabilisent les aides publics reçues "
        "par Huawei entre 2008 et 2018 et ont trouvé que le géant chinois aurait reçu « 75 milliards de dollars de "
        "soutien public », dont 46 milliards de dollars de prêts et autres aides, 25 milliards de dollars de "
        "réduction d’impôt et 1 à 2 milliards de concessions foncières.",
        "The journalists combed through public financial documents recording the public aid received by Huawei "
        "between 2008 and 2018 and found that the Chinese giant had received “75 billion dollars of public "
        "support”, including 46 billion dollars in loans and other aid, 25 billion dollars in tax breaks and 1 to "
        "2 billion in land concessions.",
    ),
    (
        "Le 8 février, un groupe d’avocats londoniens a publié un avis juridique «historique» concluant qu’il "
        "existe un «cas très crédible» selon lequel le régime chinois a commis un génocide contre le peuple "
        "ouïghour au Xinjiang.",
        "On 8 February, a group of London lawyers published a “historic” legal opinion concluding that there is "
        "a “very credible case” that the Chinese regime committed genocide against the Uighur people in Xinjiang.",
    ),
    (
        "Environ 11 millions de Ouïghours et de membres d’autres minorités musulmanes vivent au Xinjiang.",
        "About 11 million Uighurs and members of other Muslim minorities live in Xinjiang.",
    ),
    (
        "Sous le prétexte d’«éradiquer l’extrémisme», les autorités chinoises ont lancé en 2014 une campagne de "
        "surveillance, de répression et de persécution des minorités musulmanes, notamment par la mise en place "
        "d’un réseau de surveillance générale.",
        "Under the pretext of 'eradicating extremism', the Chinese authorities launched a campaign of "
        "surveillance, repression and persecution of Muslim minorities in 2014, notably by setting up a general "
        "surveillance network.",
    ),
    (
        "Les Nations unies estiment que plus d’un million de résidents musulmans sont actuellement détenus dans "
        "des camps d’internement, où ils sont torturés, «rééduqués» et contraints de prêter serment d’allégeance "
        "au Parti communiste chinois dans le but de les forcer à renoncer à leur foi.",
        "The United Nations estimates that more than one million Muslim residents are currently detained in "
        "internment camps, where they are tortured, “re-educated” and forced to swear allegiance to the Chinese "
        "Communist Party in order to force them to renounce their faith.",
    ),
    (
        "Les prochains jours nous le diront, car des associations de défense des droits de l’homme en Chine et "
        "des collectifs ouïghours, tibétains, mongols vont manifester le 18 mars à Strasbourg devant le conseil "
        "régional du Grand Est, contre l’implantation de l’usine Huawei à Brumath et son financement par les "
        "collectivités locales.",
        "The coming days will tell, because human rights associations in China and Uighur, Tibetan and Mongolian "
        "groups will demonstrate on 18 March in Strasbourg in front of the Grand Est regional council, against "
        "the establishment of the Huawei factory in Brumath and its financing by local authorities.",
    ),
    ("PAR LAURENT GEY – EPOCH TIMES", "BY LAURENT GEY – EPOCH TIMES"),
    ("Huawei, instrument du régime chinois", "Huawei, instrument of the Chinese regime"),
]

SAMPLE_GLOSSARY = Glossary(
    [GlossaryEntry("Grand Est", None), GlossaryEntry("Huawei", None), GlossaryEntry("Ouïghour", "Uighur")]
)


@pytest.mark.parametrize(("source", "translation"), GOOD_PAIRS)
def test_a_correct_translation_raises_no_flag(source, translation):
    assert check_sentence(source, translation, "fr", "en", SAMPLE_GLOSSARY) == []


S_AID = GOOD_PAIRS[4][0]
S_WSJ = GOOD_PAIRS[12][0]
S_FIGURES = GOOD_PAIRS[13][0]
S_RANK = GOOD_PAIRS[6][0]
S_DEMO = GOOD_PAIRS[18][0]
T_AID = GOOD_PAIRS[4][1]
T_FIGURES = GOOD_PAIRS[13][1]


# (source, translation, the check expected to fire): one fault in an otherwise correct translation.
BAD_CASES = [
    # numbers
    (S_AID, T_AID.replace("800,000", "80,000"), "numbers"),
    (S_AID, T_AID.replace("800,000 euros", "800 euros"), "numbers"),
    (S_AID, T_AID.replace("12 February 2021", "12 February 2020"), "numbers"),
    (S_AID, T_AID.replace("On 12 February 2021", "In February 2021"), "numbers"),
    (S_AID, T_AID.replace("On 12 February 2021", "On 12 February"), "numbers"),
    (S_WSJ, GOOD_PAIRS[12][1].replace("$75 billion", "$75 million"), "numbers"),
    (S_FIGURES, T_FIGURES.replace("46 billion", "64 billion"), "numbers"),
    (S_FIGURES, T_FIGURES.replace("1 to 2 billion", "1 to 2 million"), "numbers"),
    (S_FIGURES, T_FIGURES.replace("2008 and 2018", "2008 and 2019"), "numbers"),
    (S_RANK, GOOD_PAIRS[6][1].replace("second largest", "third largest"), "numbers"),
    (S_RANK, GOOD_PAIRS[6][1].replace("the 15 companies", "the companies"), "numbers"),
    (GOOD_PAIRS[15][0], GOOD_PAIRS[15][1].replace("11 million", "11 billion"), "numbers"),
    (GOOD_PAIRS[16][0], GOOD_PAIRS[16][1].replace(" in 2014", ""), "numbers"),
    (GOOD_PAIRS[5][0], GOOD_PAIRS[5][1].replace("February 24", "February 28"), "numbers"),
    (S_DEMO, GOOD_PAIRS[18][1].replace("18 March", "18 May"), "numbers"),
    # names
    (S_AID, T_AID.replace("to Huawei", "to the company"), "names"),
    (S_AID, T_AID.replace("Brumath Business Park", "business park"), "names"),
    (GOOD_PAIRS[5][0], GOOD_PAIRS[5][1].replace("Raphael Glucksmann", "the MEP"), "names"),
    (GOOD_PAIRS[8][0], GOOD_PAIRS[8][1].replace("Jean Rottner", "Jean Rotner"), "names"),
    (GOOD_PAIRS[9][0], GOOD_PAIRS[9][1].replace("IPVM", "IPMV"), "names"),
    (GOOD_PAIRS[10][0], GOOD_PAIRS[10][1].replace("Megvii", "Megvi"), "names"),
    (GOOD_PAIRS[11][0], GOOD_PAIRS[11][1].replace("its FusionSphere", "its"), "names"),
    (GOOD_PAIRS[1][0], GOOD_PAIRS[1][1].replace("the United States", "Europe"), "names"),
    # quotes
    (GOOD_PAIRS[14][0], GOOD_PAIRS[14][1].replace("“historic”", "historic"), "quotes"),
    (GOOD_PAIRS[8][0], GOOD_PAIRS[8][1].replace("“", "").replace("”", ""), "quotes"),
    (S_FIGURES, T_FIGURES.replace("“", "").replace("”", ""), "quotes"),
    (GOOD_PAIRS[9][0], GOOD_PAIRS[9][1].replace('"', ""), "quotes"),
    # terms
    (S_DEMO, GOOD_PAIRS[18][1].replace("Grand Est", "Great East"), "terms"),
    (S_RANK, GOOD_PAIRS[6][1].replace("from the Grand Est region.", "from the region."), "terms"),
    (GOOD_PAIRS[15][0], GOOD_PAIRS[15][1].replace("Uighurs", "Uyghurs"), "terms"),
    # length
    (S_FIGURES, "The journalists combed through public financial documents.", "length"),
    (S_AID, "", "length"),
    (
        "Huawei, instrument du régime chinois",
        "Huawei, instrument of the Chinese regime, which has been accused by many observers of espionage, "
        "surveillance and industrial theft in Europe and in the United States for many years.",
        "length",
    ),
    # repetition
    (
        "Environ 11 millions de Ouïghours et de membres d’autres minorités musulmanes vivent au Xinjiang.",
        "About 11 million Uighurs and members of other minorities, other minorities, other minorities, other "
        "minorities live in Xinjiang.",
        "repetition",
    ),
    (
        GOOD_PAIRS[16][0],
        "Under the pretext of 'eradicating extremism', the Chinese authorities launched in 2014 a campaign of "
        "surveillance of the the the the the persecution of Muslim minorities, notably a surveillance network.",
        "repetition",
    ),
    (
        GOOD_PAIRS[10][0],
        "According to the documents shared by the group of experts, Huawei worked in 2018 with the Chinese company "
        "Megvii in facial recognition, in facial recognition to scan a face, in facial recognition to determine "
        "age, sex and ethnic origin.",
        "repetition",
    ),
    # untranslated
    (S_DEMO, S_DEMO, "untranslated"),
    ("Huawei, instrument du régime chinois", "Huawei, instrument du régime chinois", "untranslated"),
    (
        S_DEMO,
        "Les prochains jours nous le diront, car des associations en Chine et des collectifs Uighur vont "
        "manifester le 18 March à Strasbourg devant le conseil régional du Grand Est, contre l’usine Huawei à "
        "Brumath.",
        "untranslated",
    ),
]


@pytest.mark.parametrize(("source", "translation", "check"), BAD_CASES)
def test_a_spoilt_translation_raises_the_right_flag(source, translation, check):
    flags = check_sentence(source, translation, "fr", "en", SAMPLE_GLOSSARY)
    assert check in [f["check"] for f in flags], flags


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        (
            "On February 12, 2021, the Grand Est region granted €800,000 to Huawei for its first plant outside China.",
            "Le 12 février 2021, la région Grand Est a accordé 800 000 € à Huawei pour sa première usine hors Chine.",
        ),
        (
            "According to the Wall Street Journal, Huawei received $75 billion in subsidies from the Chinese state.",
            "Selon le Wall Street Journal, Huawei a reçu 75 milliards de dollars de subventions de l’État chinois.",
        ),
        (
            'Lawyers in London found a "very credible case" of genocide against the Uighurs in Xinjiang.',
            "Des avocats de Londres ont trouvé un « cas très crédible » de génocide contre les Ouïghours au Xinjiang.",
        ),
    ],
)
def test_the_checks_work_from_english_too(source, translation):
    assert check_sentence(source, translation, "en", "fr") == []


def test_a_changed_figure_is_flagged_from_english_too():
    source = "On February 12, 2021, the region granted €800,000 and 1.5 million in loans."
    good = "Le 12 février 2021, la région a accordé 800 000 € et 1,5 million de prêts."
    assert check_numbers(source, good, "en", "fr") == []
    for bad in (good.replace("800 000", "80 000"), good.replace("1,5", "15"), good.replace("12 février", "2 février")):
        assert check_numbers(source, bad, "en", "fr")[0]["check"] == "numbers"


def test_every_flag_has_a_check_name_and_a_one_line_detail():
    for source, translation, _ in BAD_CASES:
        for flag in check_sentence(source, translation, "fr", "en", SAMPLE_GLOSSARY):
            assert set(flag) == {"check", "detail"}
            assert flag["check"] in CHECKS
            assert flag["detail"] and "\n" not in flag["detail"] and flag["detail"] == flag["detail"].strip()


_PIECES = st.sampled_from(
    'le 12 février 2021 800 000 € 800.000 1,5 2,5 milliards billion Mrd M€ 1er 2eme Grand Est « » “ ” " '
    "Huawei IPVM the the the de , . : ' ’ - 15 % 12/02/2021 March May k".split(" ")
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_PIECES, max_size=30), st.text(max_size=80), st.sampled_from([("fr", "en"), ("en", "fr"), ("de", "en")])
)
def test_checks_never_fail_on_odd_text(pieces, noise, pair):
    for flag in check_sentence(" ".join(pieces), noise + " ".join(reversed(pieces)), *pair):
        assert set(flag) == {"check", "detail"} and flag["check"] in CHECKS and "\n" not in flag["detail"]


def test_details_quote_the_offending_items():
    (flag,) = check_numbers(S_AID, T_AID.replace("12 February 2021", "12 February 2020"), "fr", "en")
    assert '"12 février 2021"' in flag["detail"]
    (flag,) = check_names(GOOD_PAIRS[5][0], GOOD_PAIRS[5][1].replace("Raphael Glucksmann", "the MEP"), "fr", "en")
    assert flag["detail"] == 'not in the translation: "Raphaël Glucksmann"'
    flag = check_terms(S_DEMO, "Great East", "fr", "en", SAMPLE_GLOSSARY)[0]
    assert flag["detail"] == '"Grand Est" must stay untranslated: 0 of 1 in the translation'
    (flag,) = check_length(S_FIGURES, "The journalists combed through documents.", "fr", "en")
    assert "omission" in flag["detail"]


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("800 000€ de subvention", "fr", Decimal(800000)),
        ("800\u202f000 €", "fr", Decimal(800000)),
        ("une aide de 800.000 euros", "fr", Decimal(800000)),
        ("€800,000", "en", Decimal(800000)),
        ("800,000 euros", "en", Decimal(800000)),
        ("2,5 %", "fr", Decimal("2.5")),
        ("1.5 percent", "en", Decimal("1.5")),
        ("1,500 tonnes", "en", Decimal(1500)),
        ("1,500 tonne", "fr", Decimal("1.5")),
        ("1.234.567,89", "de", Decimal("1234567.89")),
        ("75 milliards de dollars", "fr", Decimal(75 * 10**9)),
        ("$75 billion", "en", Decimal(75 * 10**9)),
        ("$75bn", "en", Decimal(75 * 10**9)),
        ("75 Mrd. Euro", "de", Decimal(75 * 10**9)),
        ("75 mil millones", "es", Decimal(75 * 10**9)),
        ("11 millions de", "fr", Decimal(11 * 10**6)),
        ("10 M€", "fr", Decimal(10**7)),
        ("2 018", "fr", Decimal(2018)),
        ("le 2eme budget", "fr", Decimal(2)),
        ("the 2nd budget", "en", Decimal(2)),
        ("12 février 2021", "fr", ("date", 12, 2, 2021)),
        ("1er mars", "fr", ("date", 1, 3, None)),
        ("February 12, 2021", "en", ("date", 12, 2, 2021)),
        ("the 12th of February 2021", "en", ("date", 12, 2, 2021)),
        ("12. Februar 2021", "de", ("date", 12, 2, 2021)),
        ("12 de febrero de 2021", "es", ("date", 12, 2, 2021)),
        ("12 febbraio 2021", "it", ("date", 12, 2, 2021)),
        ("12/02/2021", "fr", ("date", 12, 2, 2021)),
    ],
)
def test_numbers_are_read_with_the_language_conventions(text, lang, value):
    (mention,) = find_numbers(text, lang)
    assert value in mention.values


def test_a_range_carries_its_scale_back_and_years_are_not_split():
    one, two = find_numbers("1 à 2 milliards", "fr")
    assert Decimal(10**9) in one.values and two.values == {Decimal(2 * 10**9)}
    assert [m.values for m in find_numbers("entre 2008 et 2018, 2 018", "fr")] == [{Decimal(2008)}, {2018}, {2018}]


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("800 000 €", "800,000 euros"),
        ("800 000 €", "EUR 800,000"),
        ("800.000 euros", "€800.000"),  # a figure copied with the source's convention is tolerated
        ("15 %", "15 percent"),
        ("15%", "15 per cent"),
        ("le 12 février 2021", "on February 12th, 2021"),
        ("le 24 février", "on 24 February"),
        ("75 milliards de dollars", "75,000,000,000 dollars"),
        ("1 à 2 milliards", "1-2 billion"),
        ("1 à 2 milliards", "between 1 billion and 2 billion"),
        ("le 1er mars", "on March 1st"),
        ("le 1er mars", "on 1 March"),
        ("le 1er prix", "the first prize"),
        ("le 2e budget", "the 2nd budget"),
        ("2 entreprises", "two companies"),
        ("2 milliards", "two billion"),
        ("en 2018", "in 2 018"),
    ],
)
def test_equivalent_numbers_match(source, translation):
    assert check_numbers(source, translation, "fr", "en") == []


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("800 000 €", "80,000 euros"),
        ("75 milliards", "75 trillion"),
        ("2,5 %", "25%"),
        ("12 février 2021", "12 February 2012"),
        ("2 entreprises", "three companies"),
        ("12 entreprises", "twelve companies"),  # only 0..10 are accepted as words
    ],
)
def test_different_numbers_are_flagged(source, translation):
    assert [f["check"] for f in check_numbers(source, translation, "fr", "en")] == ["numbers"]


def test_names_are_found_in_the_sample_sentences():
    assert find_names(GOOD_PAIRS[8][0], "fr") == ["Région Grand Est", "Jean Rottner", "LR", "Europe"]
    assert find_names(GOOD_PAIRS[4][0], "fr") == ["Grand Est", "Huawei", "Chine", "France", "Business Parc de Brumath"]
    assert find_names("Huawei a travaillé avec Megvii.", "fr") == ["Megvii"]  # a sentence's first word is skipped
    assert find_names("IPVM a publié un rapport.", "fr") == ["IPVM"]  # acronyms are not
    assert find_names("PAR LAURENT GEY – EPOCH TIMES", "fr") == []
    assert find_names("Die Regierung in Berlin und die EU", "de") == ["EU"]


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("selon Raphaël Glucksmann", "according to Raphael Glucksmann"),
        ("selon Raphaël Glucksmann", "according to Glucksmann"),  # the surname is enough
        ("hors de Chine", "outside China"),
        ("interdit aux Etats Unis", "banned in the US"),
        ("interdit aux États-Unis", "banned in the United States"),
        ("selon les Nations unies", "according to the United Nations"),
        ("au Parti communiste chinois", "to the Chinese Communist Party"),
        ("au Parlement européen", "in the European Parliament"),
        ("des Ouïghours", "Uyghurs"),
        ("selon EpochTimes", "according to Epoch Times"),
        ("le président de la Région Grand Est", "the president of the Grand Est region"),
    ],
)
def test_translated_or_partly_kept_names_count_as_kept(source, translation):
    assert check_names(source, translation, "fr", "en") == []


def test_quotes_of_any_style_count_and_a_cut_quote_needs_a_mark():
    source = "un avis juridique «historique» concluant qu’il existe un «cas très crédible»"
    for quoted in ("“historic” ... “very credible case”", '"historic" ... "very credible case"', "«historic» «case»"):
        assert check_quotes(source, quoted, "fr", "en") == []
    assert check_quotes(source, "“historic” ... very credible case", "fr", "en")[0]["check"] == "quotes"
    cut = "« Au cours de ces tests d’interopérabilité, Huawei et Megvii ont fourni une solution commune."
    assert (
        check_quotes(cut, "“During these interoperability tests, Huawei and Megvii provided a solution.", "fr", "en")
        == []
    )
    assert check_quotes(cut, "During these interoperability tests, Huawei and Megvii provided a solution.", "fr", "en")


def test_terms_are_counted_occurrence_by_occurrence():
    glossary = Glossary([GlossaryEntry("subvention", "subsidy"), GlossaryEntry("Grand Est", None)])
    source = "La région Grand Est verse une subvention ; le Grand Est assume."
    assert (
        check_terms(source, "The Grand Est region pays a subsidy; Grand Est takes it on.", "fr", "en", glossary) == []
    )
    flags = check_terms(source, "The Grand Est region pays a grant; the region takes it on.", "fr", "en", glossary)
    assert [f["detail"] for f in flags] == [
        '"subvention" must be translated "subsidy": 0 of 1 in the translation',
        '"Grand Est" must stay untranslated: 1 of 2 in the translation',
    ]
    assert check_terms(source, "anything", "fr", "en", None) == []


def test_short_segments_are_not_judged_by_length():
    assert check_length("Subventions", "Grants", "fr", "en") == []
    assert check_length("12 mars 2021", "March 12, 2021", "fr", "en") == []
    assert check_length("Huawei, instrument du régime chinois", "Huawei", "fr", "en") == []


def test_repetition_that_the_source_has_is_not_flagged():
    assert check_repetition("Non, non, non, non !", "No, no, no, no!", "fr", "en") == []
    assert check_repetition("Non, non !", "No, no, no, no, no!", "fr", "en")[0]["check"] == "repetition"


def test_copied_names_and_figures_are_not_untranslated():
    assert check_untranslated("Grand Est", "Grand Est", "fr", "en") == []
    assert check_untranslated("12 mars 2021", "12 mars 2021", "fr", "en") == []
    assert check_untranslated("Huawei, Megvii, IPVM", "Huawei, Megvii, IPVM", "fr", "en") == []
    assert check_untranslated(S_DEMO, S_DEMO, "fr", "fr") == []


def test_summarise_flags_counts_by_check():
    flag_lists = [check_sentence(s, t, "fr", "en", SAMPLE_GLOSSARY) for s, t, _ in BAD_CASES]
    counts = summarise_flags(flag_lists)
    assert list(counts)[: len(CHECKS)] == list(CHECKS)
    assert sum(counts.values()) == sum(map(len, flag_lists))
    assert all(counts[c] > 0 for c in CHECKS)
    assert summarise_flags([]) == dict.fromkeys(CHECKS, 0)


def test_load_glossary_reads_pairs_and_do_not_translate_terms(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_bytes(
        "\ufeff# terms for the Huawei article\n\nsubvention\tsubsidy\nGrand Est\n  Ouïghours \t Uighurs \n".encode()
    )
    glossary = load_glossary(path)
    assert glossary.entries == [("subvention", "subsidy"), ("Grand Est", None), ("Ouïghours", "Uighurs")]
    assert glossary.entries[1].target is None and glossary.path == str(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "glossary file not found"),
        (b"", "the glossary has no entries"),
        (b"# only a comment\n\n", "the glossary has no entries"),
        (b"subvention\tsubsidy\tgrant\n", "line 1: expected"),
        (b"# header\n\tsubsidy\n", "line 2: expected"),
        (b"subvention\t\tsubsidy\n", "line 1: expected"),
        (b"subvention\tsubside\xe9\n", "not UTF-8"),
    ],
)
def test_load_glossary_rejects_a_bad_file(tmp_path, content, reason):
    path = tmp_path / "glossary.tsv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        load_glossary(path)
    assert caught.value.path == str(path) and reason in caught.value.reason
    assert "\n" not in str(caught.value)
