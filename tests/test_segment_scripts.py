"""Sentences and token limits in scripts without spaces between words, and in Arabic script (issue 25, part 4):
the sentences of Chinese, Japanese, Thai, Khmer, Lao, Burmese, Amharic and Arabic-script text end at their own
full stops; an over-long Thai, Khmer, Lao or Burmese sentence is cut on a word boundary; and no source character
is ever lost (a property test over each script)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trpipe.records import Sentence
from trpipe.segment import icu_boundaries, segment_text, split_long

SENTENCES = {
    "zh": ("地区议会通过了预算。", "总统说经济将增长！"),
    "ja": ("東京の天気は晴れです。", "明日は雨でしょう。"),
    "th": ("ประธานาธิบดีกล่าวว่าเศรษฐกิจจะเติบโต", "ผมรักคุณมาก"),
    "km": ("ខ្ញុំស្រឡាញ់អ្នកណាស់។", "ថ្ងៃនេះអាកាសធាតុល្អ។"),
    "lo": ("ຂ້ອຍຮັກເຈົ້າຫຼາຍ.", "ມື້ນີ້ອາກາດດີ."),
    "my": ("မြန်မာနိုင်ငံသည် အရှေ့တောင်အာရှတွင် တည်ရှိသည်။", "ရန်ကုန်မြို့သည် အကြီးဆုံးမြို့ ဖြစ်သည်။"),
    "am": ("ኢትዮጵያ በአፍሪካ ቀንድ ትገኛለች።", "አዲስ አበባ ዋና ከተማ ናት።"),
    "ar": ("قال الرئيس إن الاقتصاد سينمو.", "وافق المجلس على الميزانية؟"),
    "fa": ("رئیس جمهور گفت اقتصاد رشد خواهد کرد.", "مجلس بودجه را تصویب کرد."),
    "ur": ("صدر نے کہا کہ معیشت بڑھے گی۔", "حکومت نے رقم ادا کی۔"),
}
# Long sentences with no space at all, and the words ICU's dictionaries find in them.
UNSPACED = {
    "th": "ประธานาธิบดีกล่าวว่าเศรษฐกิจจะเติบโตร้อยละห้าในปีนี้",
    "km": "ខ្ញុំស្រឡាញ់អ្នកណាស់ថ្ងៃនេះអាកាសធាតុល្អ",
    "lo": "ຂ້ອຍຮັກເຈົ້າຫຼາຍມື້ນີ້ອາກາດດີ",
    "my": "ရန်ကုန်မြို့သည်အကြီးဆုံးမြို့ဖြစ်သည်",
}


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_sentences_end_at_each_scripts_full_stops(lang):
    first, second = SENTENCES[lang]
    text = f"{first} {second}" if lang not in ("zh", "ja") else first + second
    (segment,) = segment_text(text, lang)
    assert [s.text for s in segment.sentences] == [first, second]


# Thai and Lao write no full stop: a space separates sentences (and, in Thai, also some clauses).
THAI = (
    "นายกรัฐมนตรีกล่าวว่ารัฐบาลจะลงทุน 500 ล้านบาท ในโครงการรถไฟฟ้าสายใหม่ "
    "โครงการนี้จะเริ่มก่อสร้างในปี 2570 ประชาชนจำนวนมากแสดงความยินดี"
)
LAO = "ມື້ນີ້ອາກາດດີຫຼາຍ ຂ້ອຍຈະໄປຕະຫຼາດກັບແມ່ ພວກເຮົາຊື້ໝາກໄມ້ 5 ກິໂລ"


def _exact(text: str, lang: str) -> list[str]:
    (segment,) = segment_text(text, lang)
    for sentence in segment.sentences:
        assert text[sentence.start : sentence.end] == sentence.text
    assert "".join(text.split()) == "".join("".join(s.text for s in segment.sentences).split())
    return [s.text for s in segment.sentences]


@pytest.mark.parametrize("splitter", ["pythainlp", "spaces"])
def test_thai_news_is_split_into_sentences_with_exact_spans(splitter, monkeypatch):
    from trpipe import segment_spaced

    if splitter == "spaces":  # the extra is not installed: the documented fallback, with a note
        monkeypatch.setattr(segment_spaced, "_thai_splitter", lambda: None)
    else:
        pytest.importorskip("pythainlp")
    sentences = _exact(THAI, "th")
    assert len(sentences) >= 2, sentences
    assert any("500 ล้านบาท" in s for s in sentences)  # never cut between a word and its number
    assert segment_spaced.splitter_name("th").startswith("pythainlp" if splitter == "pythainlp" else "spaces")


def test_the_fallback_says_once_which_extra_splits_thai_better(monkeypatch, caplog):
    from trpipe import segment_spaced

    monkeypatch.setattr(segment_spaced, "_thai_splitter", lambda: None)
    segment_spaced._note_missing_extra.cache_clear()
    with caplog.at_level("WARNING", logger="trpipe"):
        segment_text(THAI, "th")
        segment_text(THAI, "th")
    notes = [r.getMessage() for r in caplog.records if "trpipe[thai]" in r.getMessage()]
    assert len(notes) == 1


def test_lao_is_split_at_the_spaces_between_sentences():
    assert _exact(LAO, "lo") == ["ມື້ນີ້ອາກາດດີຫຼາຍ", "ຂ້ອຍຈະໄປຕະຫຼາດກັບແມ່", "ພວກເຮົາຊື້ໝາກໄມ້ 5 ກິໂລ"]


@pytest.mark.parametrize("lang", sorted(UNSPACED))
def test_an_over_long_sentence_is_cut_on_a_word_boundary(lang):
    text = UNSPACED[lang]
    words = set(icu_boundaries(text, lang))
    longest = max(b - a for a, b in zip(sorted(words), sorted(words)[1:]))
    limit = max(longest, len(text) // 3)
    pieces = split_long(text, Sentence(0, len(text), text), len, limit)
    assert len(pieces) >= 3 and all(len(p.text) <= limit for p in pieces)
    assert "".join(p.text for p in pieces) == text
    assert all(p.start in words and p.end in words for p in pieces), [p.text for p in pieces]


SCRIPTS = {
    "zh": "的一是在不了有和人这中大为上个国我以要他时来用们",
    "ja": "あいうえおかきくけこアイウエオ東京天気晴",
    "th": "กขคงจฉชซญดตถทนบปผพฟมยรลวสหอะาิีึืุู่้๊๋็์ เแโใไ",
    "km": "កខគឃងចឆជឈញដឋឌឍណតថទធនបផពភមយរលវសហឡអាិីឹឺុូួើឿៀេែៃោៅំះៈ៉៊់៌៍៎៏័្",
    "lo": "ກຂຄງຈສຊຍດຕຖທນບປຜຝພຟມຢຣລວຫອຮະັາິີຶືຸູົຼຽເແໂໃໄ່້໊໋",
    "my": "ကခဂဃငစဆဇဈညဋဌဍဎဏတထဒဓနပဖဗဘမယရလဝသဟဠအါာိီုူေဲံ့း္်ျြွှ",
    "am": "ሀለሐመሠረሰሸቀበተቸኀነኘአከኸወዐዘዠየደጀገጠጨጰጸፀፈፐ",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي٠١٢٣٤٥٦٧٨٩",
}
PUNCTUATION = "。！？.!?،؟؛።፣။၊។៕ \n\n"


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_source_character_is_lost(lang, data):
    alphabet = SCRIPTS[lang] + PUNCTUATION
    text = data.draw(st.text(alphabet=alphabet, min_size=1, max_size=300))
    limit = data.draw(st.integers(min_value=2, max_value=40))
    segments = segment_text(text, lang)
    covered = [0] * len(text)
    for segment in segments:
        assert text[segment.start : segment.end] == segment.text
        pieces = [p for s in segment.sentences for p in split_long(text, s, len, limit)]
        for piece in pieces:
            assert text[piece.start : piece.end] == piece.text and len(piece.text) <= limit
            for i in range(piece.start, piece.end):
                covered[i] += 1
    assert all(covered[i] == 1 for i, ch in enumerate(text) if not ch.isspace()), text
    assert all(count <= 1 for count in covered)
