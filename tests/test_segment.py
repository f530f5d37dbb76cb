"""Segmentation: kinds, stable ids, lines, and the span invariant on the sample and on generated text."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trpipe.read import decode_source
from trpipe.records import Sentence
from trpipe.segment import segment_text, split_long, split_long_sentences


def assert_invariants(text, segments):
    covered = [0] * len(text)
    for seg in segments:
        assert text[seg.start : seg.end] == seg.text
        assert seg.text == seg.text.strip()
        assert seg.line == text.count("\n", 0, seg.start) + 1
        for i in range(seg.start, seg.end):
            covered[i] += 1
        in_sentences = [0] * len(text)
        for sent in seg.sentences:
            assert seg.start <= sent.start < sent.end <= seg.end
            assert text[sent.start : sent.end] == sent.text
            for i in range(sent.start, sent.end):
                in_sentences[i] += 1
        for i in range(seg.start, seg.end):
            if not text[i].isspace():
                assert in_sentences[i] == 1, (seg.id, i, text[i])
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert covered[i] == 1, (i, ch)
    assert [s.id for s in segments] == [f"p{i + 1}" for i in range(len(segments))]


def test_sample_segments(sample_text):
    segments = segment_text(sample_text, "fr")
    assert_invariants(sample_text, segments)
    assert len(segments) >= 15
    kinds = [s.kind for s in segments]
    assert kinds[0] == "title"
    assert "byline" in kinds and "date" in kinds and "heading" in kinds
    assert kinds.count("paragraph") >= 10
    byline = segments[kinds.index("byline")]
    assert byline.text.startswith("PAR")
    assert segments[kinds.index("date")].text == "12 mars 2021"


def test_ids_are_stable(sample_text):
    first = [(s.id, s.start, s.end, s.kind) for s in segment_text(sample_text, "fr")]
    assert first == [(s.id, s.start, s.end, s.kind) for s in segment_text(sample_text, "fr")]


def _texts(text):
    return [(s.id, s.kind, s.line, s.text.replace("\r\n", "\n"), len(s.sentences)) for s in segment_text(text, "fr")]


def test_same_segmentation_across_encodings_and_typography(sample_text):
    """cp1252 + CRLF and UTF-8 + BOM + no-break spaces give the same segments, decoded correctly."""
    plain = decode_source(sample_text.encode("utf-8"), "utf8.txt")
    cp1252 = decode_source(sample_text.replace("\n", "\r\n").encode("cp1252"), "cp1252.txt")
    assert cp1252.encoding == "windows-1252"
    nbsp = (
        sample_text.replace(" :", "\u00a0:").replace(" ?", "\u202f?").replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    )
    bom = decode_source(b"\xef\xbb\xbf" + nbsp.encode("utf-8"), "bom.txt")
    assert not bom.text.startswith("\ufeff")
    reference = _texts(plain.text)
    assert _texts(cp1252.text) == reference
    assert [t[:3] + t[4:] for t in _texts(bom.text)] == [t[:3] + t[4:] for t in reference]
    assert_invariants(cp1252.text, segment_text(cp1252.text, "fr"))
    assert_invariants(bom.text, segment_text(bom.text, "fr"))


def test_one_paragraph_per_line_and_hard_wraps():
    text = (
        "Titre de l'article\n"
        "Premier paragraphe, une phrase entière.\n"
        "Deuxième paragraphe qui est écrit sur une seule ligne et se termine ici.\n\n"
        "Un paragraphe coupé à la main au milieu d'une phrase qui\n"
        "continue sur la ligne suivante et finit là.\n"
        "- un élément de liste\n"
        "- un autre élément\n"
    )
    segments = segment_text(text, "fr")
    assert_invariants(text, segments)
    assert [s.kind for s in segments] == ["title", "paragraph", "paragraph", "paragraph", "list_item", "list_item"]
    assert "continue sur la ligne" in segments[3].text


def test_french_typography_stays_in_one_sentence():
    text = "Il a dit\u00a0: «\u00a0Nous partons\u202f!\u00a0» Puis il est parti\u202f? Oui."
    segments = segment_text(text, "fr")
    assert_invariants(text, segments)
    assert len(segments) == 1


def count_words(text: str) -> int:
    return len(text.split())


def test_long_sentence_is_cut_into_pieces_that_fit():
    words = [f"mot{i}," if i % 7 == 0 else f"mot{i}" for i in range(1000)]
    text = "Début " + " ".join(words) + " fin."
    sentence = Sentence(0, len(text), text)
    pieces = split_long(text, sentence, count_words, 50)
    assert len(pieces) > 20
    assert all(count_words(p.text) <= 50 for p in pieces)
    assert "".join(p.text for p in pieces).replace(" ", "") == text.replace(" ", "")
    for a, b in pairwise(pieces):
        assert a.end <= b.start
        assert text[a.end : b.start].strip() == ""


def test_text_without_spaces_is_cut_between_characters():
    text = "汉" * 500
    pieces = split_long(text, Sentence(0, 500, text), len, 64)
    assert all(len(p.text) <= 64 for p in pieces)
    assert "".join(p.text for p in pieces) == text


_word = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S")), min_size=1, max_size=12)
_space = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\r\n", "\r\n\r\n", "\u00a0", "\u202f", "\t", " \n \n"])


@st.composite
def articles(draw):
    parts = draw(st.lists(st.tuples(_word, _space), min_size=1, max_size=120))
    lead = draw(st.sampled_from(["", " ", "\n", "\ufeff"]))
    return lead + "".join(w + s for w, s in parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles(), st.sampled_from(["fr", "en", "de", "xx"]), st.integers(min_value=2, max_value=12))
def test_citation_invariant_on_generated_text(text, lang, max_tokens):
    segments = segment_text(text, lang)
    assert_invariants(text, segments)
    split_long_sentences(text, segments, count_words, max_tokens)
    assert_invariants(text, segments)
    for seg in segments:
        for sent in seg.sentences:
            assert count_words(sent.text) <= max_tokens or len(sent.text.split()) == 1
