"""Every language of models.yaml: a correct translation of a sentence with a date, an amount and a name passes,
and the same translation with the date, the amount, the currency or the name spoilt is flagged."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trpipe.checks import check_document, check_sentence
from trpipe.checks.locale import SHIPPED_LANGS, locales, month_names, number_marks, scale_words
from trpipe.records import Document, Segment, Sentence, Source

MODELS = yaml.safe_load((Path(__file__).parents[1] / "models.yaml").read_text(encoding="utf-8"))
PAIRS = sorted(MODELS["translation"])
LANGS = sorted({lang for pair in PAIRS for lang in pair.split("-")})

# One sentence, written the way each language's press writes it: a date, an amount of money, two names.
SENTENCE = {
    "en": "On 12 March 2021, Huawei paid 800,000 euros to the city of Paris.",
    "fr": "Le 12 mars 2021, Huawei a versé 800 000 euros à la ville de Paris.",
    "de": "Am 12. März 2021 zahlte Huawei 800.000 Euro an die Stadt Paris.",
    "es": "El 12 de marzo de 2021, Huawei pagó 800.000 euros a la ciudad de París.",
    "it": "Il 12 marzo 2021 Huawei ha versato 800.000 euro alla città di Parigi.",
    "pt": "Em 12 de março de 2021, a Huawei pagou 800 mil euros à cidade de Paris.",
    "nl": "Op 12 maart 2021 betaalde Huawei 800.000 euro aan de stad Parijs.",
    "ru": "12 марта 2021 года Huawei выплатила 800 000 евро городу Парижу.",
    "zh": "2021年3月12日，华为向巴黎市支付了80万欧元。",
    "ar": "في 12 مارس 2021، دفعت هواوي 800 ألف يورو لمدينة باريس.",
    "pl": "12 marca 2021 r. Huawei zapłacił 800 tys. euro miastu Paryż.",
    "uk": "12 березня 2021 року Huawei виплатила 800 тисяч євро місту Парижу.",
    "ja": "2021年3月12日、ファーウェイはパリ市に80万ユーロを支払った。",
    "tr": "12 Mart 2021'de Huawei, Paris şehrine 800 bin euro ödedi.",
    "sv": "Den 12 mars 2021 betalade Huawei 800 000 euro till staden Paris.",
}


def test_every_language_of_models_yaml_has_cldr_data_and_a_table_sentence():
    assert set(LANGS) <= set(SENTENCE) and set(LANGS) <= set(SHIPPED_LANGS)
    for lang in LANGS:
        assert locales(lang), lang
        wide, _, _ = month_names(lang)
        assert sorted(set(wide.values())) == list(range(1, 13)), lang
        assert number_marks(lang)[0] in ".,٫", lang
        assert 6 in scale_words(lang).values() or lang in ("zh", "ja"), lang


@pytest.mark.parametrize("pair", PAIRS)
def test_a_correct_translation_with_a_date_money_and_a_name_is_not_flagged(pair):
    source_lang, target_lang = pair.split("-")
    assert check_sentence(SENTENCE[source_lang], SENTENCE[target_lang], source_lang, target_lang) == []


def _checks(source_lang: str, translation: str, target_lang: str = "en") -> set[str]:
    return {f["check"] for f in check_sentence(SENTENCE[source_lang], translation, source_lang, target_lang)}


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_a_spoilt_date_amount_currency_or_name_is_flagged_from_every_language(lang):
    good = SENTENCE["en"]
    assert "numbers" in _checks(lang, good.replace("12 March", "13 March"))
    assert "numbers" in _checks(lang, good.replace("12 March", "12 May"))
    assert "numbers" in _checks(lang, good.replace("2021", "2012"))
    assert "numbers" in _checks(lang, good.replace("800,000", "80,000"))
    assert "units" in _checks(lang, good.replace("euros", "dollars"))
    assert "names" in _checks(lang, good.replace("Paris", "London"))


@pytest.mark.parametrize("pair", [p for p in PAIRS if p.startswith("en-")])
def test_a_spoilt_date_or_amount_is_flagged_into_every_target_language(pair):
    lang = pair.split("-")[1]
    good = SENTENCE[lang]
    for spoilt in (good.replace("12", "13", 1), good.replace("8", "9")):  # the day; the amount (no 8 elsewhere)
        assert "numbers" in {f["check"] for f in check_sentence(SENTENCE["en"], spoilt, "en", lang)}, spoilt


def _document(sentences: list[tuple[str, str]], source_lang: str, target_lang: str) -> Document:
    segments, offset = [], 0
    for i, (source, translation) in enumerate(sentences):
        sentence = Sentence(offset, offset + len(source), source, translation)
        segments.append(
            Segment(f"p{i + 1}", "paragraph", offset, offset + len(source), i + 1, source, [sentence], translation)
        )
        offset += len(source) + 2
    text = "\n\n".join(s for s, _ in sentences)
    return Document(Source("a.txt", text, "utf-8", "", source_lang), target_lang, segments, {})


@pytest.mark.parametrize("pair", PAIRS)
def test_check_document_passes_a_correct_article_in_every_pair(pair):
    source_lang, target_lang = pair.split("-")
    doc = _document([(SENTENCE[source_lang], SENTENCE[target_lang])] * 2, source_lang, target_lang)
    check_document(doc)
    assert [seg.flags for seg in doc.segments] == [[], []]
