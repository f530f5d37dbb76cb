"""Part 5: glossary files, terms in inflected forms on both sides, and the glossary's fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from trpipe.checks import Glossary, GlossaryEntry, check_terms, count_term, load_glossary
from trpipe.errors import InputError


@pytest.mark.parametrize(
    ("text", "term", "lang", "count"),
    [
        ("Les subventions de la région", "subvention", "fr", 1),
        ("The region pays subsidies and a subsidy", "subsidy", "en", 2),
        ("des reconnaissances faciales", "reconnaissance faciale", "fr", 1),
        ("Die Subventionen der Länder", "Subvention", "de", 1),
        ("las subvenciones regionales", "subvención", "es", 1),
        ("субсидий региона", "субсидия", "ru", 1),
        ("dotacji z budżetu", "dotacja", "pl", 1),
        ("the Uighurs of Xinjiang", "Uighur", "en", 1),
        ("The Grand Est region", "Grand Est", "en", 1),
        ("The region grants aid", "subsidy", "en", 0),
    ],
)
def test_terms_are_counted_in_any_inflected_form(text, term, lang, count):
    assert count_term(text, term, lang) == count


def test_terms_are_counted_occurrence_by_occurrence():
    glossary = Glossary([GlossaryEntry("subvention", "subsidy"), GlossaryEntry("Grand Est", None)])
    source = "La région Grand Est verse des subventions ; le Grand Est assume une subvention."
    good = "The Grand Est region pays subsidies; Grand Est takes on a subsidy."
    assert check_terms(source, good, "fr", "en", glossary) == []
    flags = check_terms(source, "The Grand Est region pays grants; the region takes on a grant.", "fr", "en", glossary)
    assert [f["detail"] for f in flags] == [
        '"subvention" must be translated "subsidy": 0 of 2 in the translation',
        '"Grand Est" must stay untranslated: 1 of 2 in the translation',
    ]
    assert check_terms(source, "anything", "fr", "en", None) == []


def test_the_fingerprint_depends_on_the_entries_not_the_path():
    one = Glossary([GlossaryEntry("subvention", "subsidy")], "a.tsv")
    assert one.fingerprint == Glossary([GlossaryEntry("subvention", "subsidy")], "b.tsv").fingerprint
    assert one.fingerprint != Glossary([GlossaryEntry("subvention", "grant")], "a.tsv").fingerprint
    assert one.fingerprint.startswith("sha256:")


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
        (None, "cannot read the glossary: no such file"),
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


def test_a_folder_is_not_a_glossary(tmp_path):
    with pytest.raises(InputError) as caught:
        load_glossary(tmp_path)
    assert "directory" in caught.value.reason


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_an_endless_glossary_is_refused_at_its_size_limit(monkeypatch):
    monkeypatch.setattr("trpipe.checks.glossary.GLOSSARY_MAX_BYTES", 1 << 16)
    with pytest.raises(InputError) as caught:
        load_glossary("/dev/zero")
    assert "size limit" in caught.value.reason and "\n" not in str(caught.value)
