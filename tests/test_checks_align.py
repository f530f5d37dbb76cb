"""Issue 24 part 3: word alignment without the model (anchors, cognates, a FreeDict lexicon when installed),
omissions and additions found by it, the alignment in the JSON, and cross-attention as word links."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from trpipe.checks import bilingual, check_document, check_sentence, is_error
from trpipe.checks.align import align, attention_links, cognates, words
from trpipe.checks.coverage import binomial_tail, check_coverage, clauses
from trpipe.records import Document, Segment, Sentence, Source
from trpipe.validate import validate_document

SOURCE = (
    "Huawei est accusé d’avoir élaboré un système de reconnaissance faciale facilitant la persécution des Ouïghours."
)
REFERENCE = (
    "Huawei is accused of having developed a facial recognition system that facilitates the persecution of the Uighurs."
)
PARAPHRASE = (
    "Huawei stands accused of developing a facial recognition system that makes it easier to persecute the Uighurs."
)


def _linked(alignment):
    return {(alignment.source[k.source].text, alignment.target[k.target].text) for k in alignment.links}


def test_anchors_link_figures_names_exonyms_and_cognates_without_a_lexicon():
    found = align(
        "Le 12 février, 800 000 euros ont été versés à Huawei à Londres pour la construction du système.",
        "On 12 February, 800,000 euros were paid to Huawei in London for building the system.",
        "fr", "en", lexicon={},
    )  # fmt: skip
    pairs = _linked(found)
    assert {("12", "12"), ("février", "February"), ("Huawei", "Huawei"), ("Londres", "London")} <= pairs
    assert ("système", "system") in pairs and not found.lexicon
    assert any(s == "800" for s, _ in pairs)
    for a, b, c, d in found.pairs():  # character spans of the two texts
        assert 0 <= a < b and 0 <= c < d


def test_links_are_one_to_one_and_a_lexicon_adds_words_no_anchor_reaches():
    without = align("L’usine a fermé.", "The factory closed.", "fr", "en", lexicon={})
    assert ("usine", "factory") not in _linked(without)
    lexicon = {"usine": frozenset({"factory", "plant"}), "fermer": frozenset({"close"})}
    found = align("L’usine a fermé.", "The factory closed.", "fr", "en", lexicon=lexicon)
    assert ("usine", "factory") in _linked(found) and found.lexicon
    assert len({k.source for k in found.links}) == len(found.links) == len({k.target for k in found.links})


def test_cognates_and_words():
    assert cognates("persecution", "persecution") and cognates("systeme", "system") and cognates("faciale", "facial")
    assert not cognates("usine", "factory") and not cognates("mai", "may")
    assert [w.text for w in words("l’Europe a 27 États", "fr")] == ["Europe", "a", "27", "États"]  # l’ elided
    assert [w.text for w in words("中国出口", "zh")] == ["中", "国", "出", "口"]


def test_clauses_cut_at_punctuation_and_the_languages_and():
    text = "Il est venu, il a parlé et il est reparti."
    found = words(text, "fr")
    assert [" ".join(w.text for w in found[a:b]) for a, b in clauses(text, found, "fr")] == [
        "Il est venu", "il a parlé", "et il est reparti"]  # fmt: skip
    assert binomial_tail(0, 3, 0.7) == pytest.approx(0.027)


def test_a_dropped_clause_without_figures_or_names_is_an_omission_error_and_a_paraphrase_is_not():
    dropped = "Huawei is accused of having developed a facial recognition system."
    flags = check_coverage(SOURCE, dropped, "fr", "en")
    assert [(f["check"], f["severity"]) for f in flags] == [("omission", "error")]
    span = flags[0]["evidence"]["source"]
    assert SOURCE[span["start"] : span["end"]] == "facilitant la persécution des Ouïghours"
    assert flags[0]["evidence"]["value"] < flags[0]["evidence"]["threshold"]
    assert not [f for f in check_coverage(SOURCE, PARAPHRASE, "fr", "en") if is_error(f)]
    assert check_coverage(SOURCE, REFERENCE, "fr", "en") == []


def test_an_added_clause_is_an_addition_error_with_its_target_span():
    added = REFERENCE[:-1] + ", and the government of China has long denied every accusation."
    flags = [f for f in check_sentence(SOURCE, added, "fr", "en") if f["check"] == "addition" and is_error(f)]
    assert len(flags) == 1
    span = flags[0]["evidence"]["target"]
    assert added[span["start"] : span["end"]].startswith("government of China")


def _dictd(folder, name, entries):
    """A dictd dictionary as Debian's FreeDict packages install it: NAME.index and NAME.dict.dz."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def b64(n):
        out = ""
        while True:
            out = alphabet[n % 64] + out
            n //= 64
            if not n:
                return out

    data, index = b"", []
    for head, body in entries:
        entry = f"{head} /x/ <n>\n{body}\n".encode()
        index.append(f"{head}\t{b64(len(data))}\t{b64(len(entry))}")
        data += entry
    (folder / f"{name}.index").write_text("\n".join(index) + "\n", encoding="utf-8")
    (folder / f"{name}.dict.dz").write_bytes(gzip.compress(data))
    assert base64  # the index's numbers are dictd's own base64 digits, written above


def test_freedict_dictionaries_are_read_from_both_directions_and_named(tmp_path, monkeypatch, private_cache):
    _dictd(tmp_path, "freedict-fra-eng", [("usine", "1. factory, plant\n   \"une usine\" - example"),
                                          ("fermer", "close, shut")])  # fmt: skip
    _dictd(tmp_path, "freedict-eng-fra", [("loan", "prêt")])
    monkeypatch.setenv("TRPIPE_FREEDICT_DIR", str(tmp_path))
    bilingual.word_pairs.cache_clear()
    try:
        pairs = bilingual.word_pairs("fr", "en")
        assert pairs["usine"] == {"factory", "plant"} and pairs["fermer"] == {"close", "shut"}
        assert pairs["pret"] == {"loan"}  # eng-fra read backwards
        assert bilingual.provenance("fr", "en") == ["freedict-fra-eng", "freedict-eng-fra"]
        assert list((private_cache / "freedict").glob("fr-en-*.marshal"))  # kept for the next run
        bilingual.word_pairs.cache_clear()
        assert bilingual.word_pairs("fr", "en") == pairs  # read back from the cache
        assert ("usine", "factory") in _linked(align("L’usine a fermé.", "The factory closed.", "fr", "en"))
        flags = check_coverage("L’usine a fermé hier soir.", "The factory closed last night.", "fr", "en")
        assert "FreeDict" in "".join(f["evidence"]["measure"] for f in flags) or flags == []
    finally:
        bilingual.word_pairs.cache_clear()
    monkeypatch.setenv("TRPIPE_FREEDICT_DIR", "")
    assert bilingual.word_pairs("fr", "en") == {} and bilingual.provenance("fr", "en") == []


def _document():
    text = SOURCE
    sentence = Sentence(0, len(text), text, "Huawei is accused of having developed a facial recognition system.")
    segment = Segment("p1", "paragraph", 0, len(text), 1, text, [sentence], sentence.translation)
    source = Source(path="a.fr.txt", text=text, encoding="utf-8", sha256="0" * 64, lang="fr")
    return Document(source=source, target_lang="en", segments=[segment], provenance={})


def test_the_json_carries_each_sentences_alignment_as_character_spans():
    document = _document()
    check_document(document)
    sentence = document.segments[0].sentences[0]
    data = json.loads(json.dumps(document.to_dict()))["segments"][0]["sentences"][0]
    assert data["alignment"] == sentence.alignment and len(sentence.alignment) >= 4
    for a, b, c, d in sentence.alignment:
        assert document.source.text[a:b] and sentence.translation[c:d]
    texts = {(document.source.text[a:b], sentence.translation[c:d]) for a, b, c, d in sentence.alignment}
    assert ("Huawei", "Huawei") in texts and ("système", "system") in texts
    assert any(f["check"] == "omission" for f in document.segments[0].flags)
    baseline = {str(p) for p in validate_document(document.to_dict())}
    bad = document.to_dict()
    bad["segments"][0]["sentences"][0]["alignment"] = [[0, 999, 0, 3], [0, 3]]
    assert {str(p) for p in validate_document(bad)} - baseline


def test_cross_attention_rows_become_word_links():
    source, translation = "la grande usine", "the big factory"
    src, tgt = words(source, "fr"), words(translation, "en")
    source_tokens = [(0, 2), (3, 9), (10, 15), (0, 0)]  # the last: the end token
    target_tokens = [(0, 3), (4, 7), (8, 11), (11, 15)]  # "fac" "tory": two pieces of one word
    rows = [[0.7, 0.1, 0.1, 0.1], [0.1, 0.8, 0.05, 0.05], [0.0, 0.1, 0.8, 0.1], [0.1, 0.1, 0.7, 0.1]]
    links = attention_links(rows, source_tokens, target_tokens, src, tgt)
    assert [(src[k.source].text, tgt[k.target].text) for k in links] == [
        ("la", "the"), ("grande", "big"), ("usine", "factory")]  # fmt: skip
    assert all(0 < k.score <= 1 for k in links)


def test_a_document_read_back_from_its_json_keeps_alignment_and_corrected_citations():
    from trpipe.records import SummarySentence
    from trpipe.serve.documents import document_from_dict

    document = _document()
    check_document(document)
    document.summary = {"en": [SummarySentence("Huawei is accused.", ["p1"], wrong_citation=True, cited_as=["p2"])]}
    again = document_from_dict(json.loads(json.dumps(document.to_dict())))
    assert again.to_dict() == document.to_dict()
