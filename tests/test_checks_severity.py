"""Issue 24 part 2: every flag has a severity and the evidence that fired it; legitimate differences are no
errors; --strict and the closing line count errors only; older documents still validate."""

from __future__ import annotations

import copy

import pytest

from trpipe.checks import ArticleContext, check_document, check_sentence, is_error
from trpipe.engines.report import EXIT_FLAGGED, EXIT_OK, RunReport
from trpipe.records import Document, Segment, Sentence, Source
from trpipe.validate import validate_document


def _errors(source, translation, lang="fr", target="en", context=None):
    return [f for f in check_sentence(source, translation, lang, target, None, context) if is_error(f)]


@pytest.mark.parametrize(
    ("source", "translation", "lang"),
    [
        # a title dropped, an exonym
        ("Le président Emmanuel Macron est arrivé à Londres mardi.", "Emmanuel Macron arrived in London on Tuesday.",
         "fr"),
        # a French transliteration of a Russian name
        ("Le ministre a rencontré Vladimir Poutine à Moscou.", "The minister met Vladimir Putin in Moscow.", "fr"),
        # a name in another script, transliterated
        ("Путин встретился с Си Цзиньпином в Москве.", "Putin met Xi Jinping in Moscow.", "ru"),
        # a number spelled out
        ("Environ 11 millions de personnes vivent dans la région.", "Some eleven million people live in the region.",
         "fr"),
        # units converted exactly (within the rounding of the figure written)
        ("La route fait 10 km.", "The road is 6.2 miles long.", "fr"),
        ("La superficie est de 100 hectares.", "The area is 247 acres.", "fr"),
    ],
)  # fmt: skip
def test_legitimate_differences_are_no_errors(source, translation, lang):
    assert _errors(source, translation, lang) == []


def test_a_unit_converted_is_a_note_and_a_wrong_conversion_an_error():
    note = check_sentence("La route fait 10 km.", "The road is 6.2 miles long.", "fr", "en")
    assert [(f["check"], f["severity"]) for f in note] == [("units", "note")]
    assert note[0]["evidence"]["source"] == {"start": 14, "end": 19}
    assert {f["check"] for f in _errors("La route fait 10 km.", "The road is 16 miles long.")} == {"numbers"}


def test_a_pronoun_for_a_name_given_in_the_article_is_a_warning_but_another_name_an_error():
    first = ("Jean Rottner a présidé la séance.", "Jean Rottner chaired the session.")
    for second, severity in (("He then left the room.", "warning"), ("Glucksmann then left the room.", "error")):
        pairs = [first, ("Rottner a ensuite quitté la salle.", second)]
        context = ArticleContext.from_pairs(pairs, "fr", "en")
        flags = [f for f in check_sentence(*pairs[1], "fr", "en", None, context) if f["check"] == "names"]
        assert flags and {f["severity"] for f in flags} == {severity}, flags


def test_a_transliteration_is_a_warning_and_another_name_an_error():
    same = check_sentence("Путин встретился с Си Цзиньпином в Москве.", "Putin met Xi Jinping in Moscow.", "ru", "en")
    assert [f["severity"] for f in same] == ["warning"]
    other = check_sentence("Путин встретился с Песковым в Москве.", "Putin met Lavrov in Moscow.", "ru", "en")
    assert [f["severity"] for f in other] == ["error", "error"]


def test_a_length_the_pairs_ratio_may_explain_is_a_warning_only():
    source = "Il a précisé que la décision serait prise après les élections régionales de juin, selon son entourage."
    flags = check_sentence(source, "He said the decision would come after the June regional elections.", "fr", "en")
    assert [f["severity"] for f in flags if f["check"] == "length"] in ([], ["warning"])
    evidence = next((f["evidence"] for f in flags if f["check"] == "length"), None)
    assert evidence is None or (evidence["measure"].startswith("Gale-Church") and evidence["threshold"] < 0)


def _document(pairs):
    text, segments, offset = [], [], 0
    for i, (source, translation) in enumerate(pairs):
        sentences = [Sentence(offset, offset + len(source), source, translation)]
        segments.append(Segment(f"p{i + 1}", "paragraph", offset, offset + len(source), i + 1, source, sentences,
                                translation))  # fmt: skip
        text.append(source)
        offset += len(source) + 2
    source = Source(path="a.fr.txt", text="\n\n".join(text), encoding="utf-8", sha256="0" * 64, lang="fr")
    return Document(source=source, target_lang="en", segments=segments, provenance={})


PAIRS = [
    ("Le 12 février, la région a versé 800 000 euros à Huawei.",
     "On 12 March, the region paid 800,000 dollars to Hawaii."),
    ("Les tactiques n’ont pas été conçues récemment.", "The tactics were devised recently."),
]  # fmt: skip


def test_document_flags_carry_source_spans_into_the_source_text_and_target_spans_into_the_sentence():
    document = _document(PAIRS)
    check_document(document)
    flags = [(seg, f) for seg in document.segments for f in seg.flags]
    assert {f["check"] for _, f in flags} >= {"numbers", "units", "names", "negation"}
    for seg, f in flags:
        assert f["severity"] in ("error", "warning", "note")
        evidence = f["evidence"]
        assert evidence, f
        if "source" in evidence:
            span = evidence["source"]
            assert document.source.text[span["start"] : span["end"]] == span["text"] != ""
            assert seg.start <= span["start"] <= span["end"] <= seg.end
        if "target" in evidence:
            span = evidence["target"]
            assert seg.sentences[0].translation[span["start"] : span["end"]] == span["text"]
    changed = next(f for _, f in flags if f["check"] == "units")
    assert changed["evidence"]["expected"] == "EUR" and changed["evidence"]["target"]["text"] == "800,000 dollars"


def test_validate_accepts_old_flags_and_checks_severity_and_evidence():
    document = _document(PAIRS)
    check_document(document)
    data = document.to_dict()
    data["provenance"] = {}
    baseline = {str(p) for p in validate_document(data)}
    old = copy.deepcopy(data)
    for seg in old["segments"]:
        seg["flags"] = [{"check": f["check"], "detail": f["detail"]} for f in seg["flags"]]
    assert {str(p) for p in validate_document(old)} == baseline  # an older document's flags
    bad = copy.deepcopy(data)
    flag = bad["segments"][0]["flags"][0]
    flag["severity"] = "fatal"
    flag["evidence"]["source"] = {"start": 5, "end": 2}
    flag["evidence"]["value"] = "high"
    problems = {str(p) for p in validate_document(bad)} - baseline
    assert any("severity" in p for p in problems) and any("evidence.source" in p for p in problems)
    assert any("evidence.value" in p for p in problems)
    moved = copy.deepcopy(data)
    span = next(f for f in moved["segments"][1]["flags"] if "source" in f["evidence"])["evidence"]["source"]
    span["text"] = "autre chose"
    assert any("source.text[start:end]" in str(p) for p in validate_document(moved))


def test_strict_and_the_closing_line_count_errors_only():
    document = _document(PAIRS[:1])
    document.segments[0].flags = [
        {"check": "length", "severity": "warning", "detail": "a bit short"},
        {"check": "units", "severity": "note", "detail": "converted"},
    ]
    report, lines = RunReport(), []
    report.count(document)
    assert report.finish(strict=True, closing=lines.append) == EXIT_OK
    assert lines[-1] == "flags: none (1 warning in the outputs)"
    document.segments[0].flags.append({"check": "numbers", "detail": "an older document's flag: an error"})
    report, lines = RunReport(), []
    report.count(document)
    assert report.finish(strict=True, closing=lines.append) == EXIT_FLAGGED
    assert lines[-1] == "flags: numbers 1 (1 warning in the outputs)"


def test_a_unit_symbol_is_no_name_and_a_conversion_no_misread_convention():
    flags = check_sentence("La centrale produira 2,2 GW dès 2027.", "The plant will produce 2,200 MW from 2027.",
                           "fr", "en")  # fmt: skip
    assert [(f["check"], f["severity"]) for f in flags] == [("units", "note")]
