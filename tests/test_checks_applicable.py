"""Checks in the languages many-to-many models reach (issue 25, part 4): native digits of each script are read,
CLDR dates and amounts are read in languages beyond the registry's, and a check without data for a language does
not run; the document says which checks ran and which did not."""

from __future__ import annotations

import hashlib

import pytest

from trpipe.checks import applicable_checks as coverage
from trpipe.checks import check_document, check_sentence
from trpipe.records import Document, Source
from trpipe.segment import segment_text

NATIVE = {
    "ar": "قال ٨٠٠ شخص",
    "fa": "۸۰۰ نفر گفتند",
    "hi": "दिल्ली में ८०० लोग",
    "bn": "৮০০ জন মানুষ",
    "th": "ประชาชน ๘๐๐ คน",
    "km": "ប្រជាជន ៨០០ នាក់",
    "lo": "ປະຊາຊົນ ໘໐໐ ຄົນ",
    "my": "ပြည်သူ ၈၀၀ ဦး",
}


@pytest.mark.parametrize("lang", sorted(NATIVE))
def test_native_digits_are_read_as_figures(lang):
    assert not [f for f in check_sentence(NATIVE[lang], "Some 800 people.", lang, "en") if f["check"] == "numbers"]
    flags = [f for f in check_sentence(NATIVE[lang], "Some 900 people.", lang, "en") if f["check"] == "numbers"]
    assert flags and "900" in flags[-1]["detail"]


def test_cldr_dates_are_read_beyond_the_registrys_languages():
    # (Hausa: Swahili would do as well, but its first sentence loads simplemma's Swahili dictionary, about 15 s)
    lang, source = "ha", "A ranar 12 Maris 2021, gwamnati ta biya."
    good = "On 12 March 2021, the government paid."
    assert not [f for f in check_sentence(source, good, lang, "en") if f["check"] == "numbers"]
    assert [f for f in check_sentence(source, good.replace("March", "May"), lang, "en") if f["check"] == "numbers"]


def test_a_check_without_data_does_not_run_and_the_document_says_so():
    assert coverage("fr", "en")["not_run"] == {}
    assert "negation" in coverage("sw", "en")["not_run"]
    # no Hausa negation words: "not" in the translation is no reason to flag
    flags = check_sentence("Mutane 800 ba su zo ba.", "800 people did not come.", "ha", "en")
    assert not [f for f in flags if f["check"] in ("negation", "numbers")]
    text = "Mutane 800 ba su zo ba.\n\nGwamnati ta biya."
    source = Source("a.txt", text, "utf-8", hashlib.sha256(text.encode()).hexdigest(), lang="ha")
    segments = segment_text(text, "ha")
    for seg in segments:
        for sentence in seg.sentences:
            sentence.translation = "800 people did not come."
    document = Document(source, "en", segments, {"trpipe": "test"}, target_langs=["en"])
    check_document(document)
    checks = document.provenance["checks"]
    assert "numbers" in checks["ran"] and checks["not_run"] == {"negation": "no negation words for ha"}
