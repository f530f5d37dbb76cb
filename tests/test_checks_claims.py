"""Issue 24 parts 2-4: summary claims without figures or names, wrong citations, meaning turned round, roles
swapped; WordNet and FreeDict read from small databases the test writes (as Debian installs them)."""

from __future__ import annotations

import gzip

import pytest

from trpipe.checks import bilingual, check_sentence, summary_flags, wordnet
from trpipe.checks.claims import check_citation, claim_words, contradicted
from trpipe.checks.meaning_change import check_meaning
from trpipe.checks.roles import check_roles
from trpipe.records import Document, Segment, Sentence, Source, SummarySentence
from trpipe.summarise.mapreduce import flag_unsupported
from trpipe.validate import validate_document

# WordNet 3.0 data lines: offset, lexicographer file, type, word count (hex), words with lex ids, pointers
# (symbol, offset, type, source/target word numbers), "| gloss". "!" is an antonym, "@" a hypernym.
WORDNET = {
    "verb": [
        "00000001 31 v 01 convict 0 001 ! 00000002 v 0101 | find guilty",
        "00000002 31 v 01 acquit 0 001 ! 00000001 v 0101 | free from a charge",
        "00000003 32 v 02 announce 0 declare 0 000 | make known",
        "00000004 30 v 01 rise 0 001 ! 00000005 v 0101 | go up",
        "00000005 30 v 02 fall 0 decline 0 001 ! 00000004 v 0101 | go down",
    ],
    "noun": [
        "00000010 04 n 01 lack 0 001 ! 00000011 n 0101 | deficiency",
        "00000011 04 n 01 excess 0 001 ! 00000010 n 0101 | surplus",
        "00000012 14 n 01 organisation 0 001 @ 00000013 n 0000 | a group",
        "00000013 14 n 01 group 0 000 | people together",
    ],
    "adj": ["00000020 00 a 02 insufficient 0 inadequate 0 000 | not enough"],
    "adv": ["00000030 02 r 01 quickly 0 000 | fast"],
}


@pytest.fixture
def lexical_data(tmp_path, monkeypatch, private_cache):
    """A tiny WordNet and a tiny fra-eng FreeDict dictionary, as the Debian packages lay them out."""
    folder = tmp_path / "wordnet"
    folder.mkdir()
    for pos, lines in WORDNET.items():
        licence = "  1 This software and database is being provided to you, the LICENSEE, by Princeton\n"
        (folder / f"data.{pos}").write_text(licence + "\n".join(lines) + "\n", encoding="utf-8")
    dictd = tmp_path / "dictd"
    dictd.mkdir()
    entries = [("manque", "lack, shortage"), ("condamner", "convict, condemn"), ("hausse", "rise, increase")]
    data, index = b"", []
    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    for head, body in entries:
        entry = f"{head} /x/ <n>\n{body}\n".encode()
        index.append(f"{head}\t{digits[len(data) // 64]}{digits[len(data) % 64]}\t{digits[len(entry)]}")
        data += entry
    (dictd / "freedict-fra-eng.index").write_text("\n".join(index) + "\n", encoding="utf-8")
    (dictd / "freedict-fra-eng.dict.dz").write_bytes(gzip.compress(data))
    monkeypatch.setenv("TRPIPE_WORDNET_DIR", str(folder))
    monkeypatch.setenv("TRPIPE_FREEDICT_DIR", str(dictd))
    for cached in (wordnet.table, wordnet._lookup, bilingual.word_pairs):
        cached.cache_clear()
    yield
    for cached in (wordnet.table, wordnet._lookup, bilingual.word_pairs):
        cached.cache_clear()


def test_wordnet_is_read_with_antonyms_both_ways_synonyms_and_related_words(lexical_data):
    assert wordnet.available()
    assert wordnet.antonyms("convict") == {"acquit"} and wordnet.antonyms("acquit") == {"convict"}
    assert wordnet.antonyms("rise") == {"fall", "decline"} and wordnet.synonyms("announce") == {"declare"}
    assert wordnet.synonyms("inadequate") == {"insufficient"}
    assert wordnet.related("organisation") == set()  # a hypernym (group) is no support for a claim


SUPPORT = [("Le tribunal a condamné l’ancien maire.", "fr"), ("The court convicted the former mayor.", "en")]


def test_a_claim_contradicting_its_citation_is_weakly_supported_a_reworded_one_is_not(lexical_data):
    assert contradicted("The court acquitted the former mayor.", "en", SUPPORT) == ["acquitted"]
    assert summary_flags("The court acquitted the former mayor.", "en", SUPPORT)["weakly_supported"] is True
    good = summary_flags("The former mayor was convicted by the court.", "en", SUPPORT)
    assert good == {"unsupported": [], "support": 1.0, "weakly_supported": False}


def test_claim_words_are_held_through_inflections_derivations_synonyms_and_related_words(lexical_data):
    support = [("The farming organisations declared the plan inadequate.", "en")]
    claim, missing = claim_words("Farm groups announced that the plan was insufficient.", "en", support)
    assert {"group", "announce", "insufficient", "plan"} <= set(claim)
    # farm = farming, announce = declare, insufficient = inadequate; group is only organisation's hypernym
    assert missing == ["group"]
    claim, missing = claim_words("Tourism officials fear a drop in summer bookings.", "en", support)
    assert len(missing) == len(claim) >= 4


def test_claims_without_wordnet_fall_back_to_forms_and_derivations():
    support = [("The union announced a new strike after the negotiations failed.", "en")]
    assert summary_flags("The union announced a strike.", "en", support)["weakly_supported"] is False
    weak = summary_flags("The union and the railway reached an agreement.", "en", support)
    assert weak["weakly_supported"] is True and weak["support"] < 0.75


SEGMENTS = {
    "p1": "Hundreds of farmers blocked the roads around the capital with their tractors.",
    "p2": "They are demanding simpler rules and better pay for their work.",
    "p3": "The government announced an aid plan, which the farming organisations consider insufficient.",
}


@pytest.mark.parametrize(
    ("sentence", "cited", "right"),
    [
        ("Farmers blocked the roads around the capital with their tractors.", ["p2"], ["p1"]),
        ("The government's aid plan is considered insufficient by farming groups.", ["p1"], ["p3"]),
    ],
)
def test_a_citation_of_the_wrong_segment_is_corrected_and_flagged(sentence, cited, right):
    result = check_citation(sentence, "en", cited, SEGMENTS)
    assert result == {"cites": right, "wrong_citation": True, "cited_as": cited}
    kept = check_citation(sentence, "en", right, SEGMENTS)
    assert kept == {"cites": right, "wrong_citation": False, "cited_as": right}


def test_the_summary_step_corrects_a_wrong_citation_and_the_document_still_validates():
    segments, text, offset = [], [], 0
    for n, (key, translation) in enumerate(SEGMENTS.items(), 1):
        source = f"Phrase source {n} : {translation[:20]}"
        sentences = [Sentence(offset, offset + len(source), source, translation)]
        segments.append(Segment(key, "paragraph", offset, offset + len(source), n, source, sentences, translation))
        text.append(source)
        offset += len(source) + 2
    source = Source(path="a.fr.txt", text="\n\n".join(text), encoding="utf-8", sha256="0" * 64, lang="fr")
    document = Document(source=source, target_lang="en", segments=segments, provenance={})
    summary = [SummarySentence("Farmers blocked the roads around the capital with their tractors.", ["p2"])]
    flag_unsupported(summary, document, "en", citations=True)
    assert summary[0].cites == ["p1"] and summary[0].wrong_citation and summary[0].cited_as == ["p2"]
    french = [SummarySentence("Des agriculteurs ont bloqué les routes.", list(summary[0].cites))]
    document.summary = {"en": summary, "fr": french}
    data = document.to_dict()
    assert data["summary"]["en"][0]["cited_as"] == ["p2"] and data["summary"]["en"][0]["wrong_citation"] is True
    assert not [p for p in validate_document(data) if "summary" in str(p)]
    data["summary"]["en"][0]["cited_as"] = ["p9"]
    assert any("cited_as" in str(p) for p in validate_document(data))


def test_a_word_rendered_by_its_antonym_is_a_meaning_error(lexical_data):
    source = "Les infirmières protestent contre le manque de personnel."
    flags = check_meaning(source, "The nurses protest against the excess of staff.", "fr", "en")
    assert [(f["check"], f["severity"]) for f in flags] == [("meaning", "error")]
    evidence = flags[0]["evidence"]
    assert source[evidence["source"]["start"] : evidence["source"]["end"]] == "manque"
    assert evidence["found"] == "excess" and "lack" in evidence["expected"]
    assert check_meaning(source, "The nurses protest against the lack of staff.", "fr", "en") == []
    assert check_meaning(source, "The nurses protest against the shortage of staff.", "fr", "en") == []
    assert check_meaning(source, "The nurses protest against the excess of staff.", "fr", "de") == []  # no pair


def test_the_meaning_check_says_nothing_without_its_resources():
    source = "Les infirmières protestent contre le manque de personnel."
    assert check_meaning(source, "The nurses protest against the excess of staff.", "fr", "en") == []


def test_two_names_swapped_around_their_predicate_are_a_roles_error_a_passive_is_not():
    source = "Raphaël Glucksmann a interpellé Jean Rottner mardi."
    swapped = check_roles(source, "Jean Rottner challenged Raphaël Glucksmann on Tuesday.", "fr", "en")
    assert [(f["check"], f["severity"]) for f in swapped] == [("roles", "error")]
    assert check_roles(source, "Jean Rottner was challenged by Raphaël Glucksmann on Tuesday.", "fr", "en") == []
    assert check_roles(source, "Raphaël Glucksmann challenged Jean Rottner on Tuesday.", "fr", "en") == []
    flags = check_sentence(source, "Jean Rottner challenged Raphaël Glucksmann on Tuesday.", "fr", "en")
    assert "roles" in {f["check"] for f in flags}


def test_wordnet_base_forms_from_the_exception_lists_and_morphy_s_endings(lexical_data):
    folder = lexical_data_folder()
    (folder / "verb.exc").write_text("rose rise\n", encoding="utf-8")
    for cached in (wordnet.table, wordnet._lookup, wordnet.base_forms):
        cached.cache_clear()
    assert wordnet.base_forms("rose") == {"rise"}  # an irregular form, from verb.exc
    assert wordnet.base_forms("announced") == {"announce"} and wordnet.base_forms("groups") == {"group"}
    assert wordnet.base_forms("quicklyish") == set()
    assert wordnet.open_class("group") and not wordnet.open_class("quickly")  # an adverb only


def lexical_data_folder():
    import os
    from pathlib import Path

    return Path(os.environ["TRPIPE_WORDNET_DIR"])


def test_closed_class_words_are_no_part_of_a_claim_and_base_forms_hold_a_word(lexical_data):
    from trpipe.checks.claims import light

    assert light("before") and light("should") and not light("group") and not light("court")
    support = [("Prices rise as the group announced in March.", "en")]
    claim, missing = claim_words("Prices rose before the group's announcement.", "en", support)
    assert "before" not in claim and missing == []  # rose = rise (simplemma), announcement = announce


def test_a_hyphenated_name_whose_parts_the_support_holds_is_supported():
    support = [("Ferries between Roscoff and Plymouth were cancelled on Friday.", "en")]
    flags = summary_flags("The Roscoff-Plymouth ferries were cancelled on Friday.", "en", support)
    assert flags["unsupported"] == []
    flags = summary_flags("The Roscoff-Brest ferries were cancelled on Friday.", "en", support)
    assert flags["unsupported"] == ["Roscoff-Brest"]
