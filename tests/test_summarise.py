"""Summaries: alignment logic with a deterministic summariser; structure and map-reduce with tiny models."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from conftest import SAMPLE
from trpipe.checks import unsupported_items
from trpipe.models.registry import ModelSpec, load_registry
from trpipe.read import decode_source, read_source
from trpipe.render import render
from trpipe.session import Session
from trpipe.settings import Settings
from trpipe.summarise import Unit, align, lexical_scores, summarise_units
from trpipe.summarise.mapreduce import SUMMARY_KINDS
from trpipe.summarise.models import Summariser
from trpipe.validate import validate_file


class CopySummariser(Summariser):
    """Deterministic: the summary of a chunk is the first sentence of its ``pick`` longest units, in order.

    Tokens are words (+1). Records every chunk it is given.
    """

    def __init__(self, max_input_tokens: int = 1024, pick: int = 2):
        super().__init__(ModelSpec("summarisation", "en", "test/copy", settings={"max_input_tokens": max_input_tokens}))
        self.pick = pick
        self.chunks: list[list[str]] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def summarise(self, chunks, max_sentences, max_new_tokens):
        out = []
        for units in chunks:
            self.chunks.append(list(units))
            longest = sorted(range(len(units)), key=lambda i: -len(units[i]))[: self.pick]
            firsts = [units[i].split(". ")[0].rstrip(".") + "." for i in sorted(longest)]
            words = " ".join(firsts).split()[:max_new_tokens]
            out.append(" ".join(words))
        return out


def echo_document(echo_registry, text: str, **settings):
    pipeline = Session(
        load_registry(echo_registry),
        Settings(targets=("en",), source_lang="fr", backend="test-echo", summary=False, **settings),
    )
    return pipeline.run(decode_source(text.encode(), "article.fr.txt"))


def test_a_copied_sentence_cites_its_segment():
    units = [Unit(f"Unit number {i} talks about topic{i} and subject{i}.", (f"p{i}",)) for i in range(1, 10)]
    summariser = CopySummariser()
    sentence = "Unit number 7 talks about topic7 and subject7."
    from trpipe.summarise import SummaryTrace

    trace = SummaryTrace()
    assert align(sentence, units, summariser, trace) == ["p7"]
    assert trace.alignment["lexical"] == 1


def test_a_fused_sentence_cites_both_sources():
    units = [
        Unit("Huawei received 800,000 euros from the Grand Est region.", ("p6",)),
        Unit("The factory will be built in Brumath near army intelligence units.", ("p10",)),
        Unit("The weather was fine.", ("p11",)),
    ]
    from trpipe.summarise import SummaryTrace

    cites = align(
        "Huawei received 800,000 euros to build a factory in Brumath.", units, CopySummariser(), SummaryTrace()
    )
    assert cites == ["p6", "p10"]


def test_lexical_scores_ignore_case_accents_and_stopwords():
    scores, _ = lexical_scores("The Région Grand Est", ["la region grand est", "the of and"])
    assert scores[0] > 0.9 and scores[1] == 0


def test_summary_of_the_sample_cites_the_segments_it_copies(echo_registry, sample_text):
    doc = echo_document(echo_registry, sample_text)
    summariser = CopySummariser(pick=3)
    units = [Unit(s.translation, (s.id,)) for s in doc.segments if s.kind == "paragraph"]
    sentences = summarise_units(units, summariser, 3, "en")
    by_id = {s.id: s for s in doc.segments}
    assert 1 <= len(sentences) <= 3
    for sentence in sentences:
        assert len(sentence.cites) >= 1
        cited_text = " ".join(by_id[c].translation for c in sentence.cites)
        assert sentence.text.split()[1] in cited_text


def test_map_reduce_on_a_long_article_reaches_every_unit(echo_registry):
    paragraphs = [
        f"Le paragraphe {i} parle du sujet{i} et de la ville{i}. Il ajoute un détail{i} sur le projet{i}."
        for i in range(1, 120)
    ]
    doc = echo_document(echo_registry, "\n\n".join(paragraphs))
    summariser = CopySummariser(max_input_tokens=120, pick=2)
    units = [Unit(s.translation, (s.id,)) for s in doc.segments]
    from trpipe.summarise import SummaryTrace

    trace = SummaryTrace()
    sentences = summarise_units(units, summariser, 4, "en", trace)
    assert trace.levels >= 2 and trace.chunks[0] > 1 and trace.chunks[-1] == 1
    # map level: every unit went to the model whole, each chunk within the budget
    first_level = summariser.chunks[: trace.chunks[0]]
    assert [u for chunk in first_level for u in chunk] == [u.text for u in units]
    for chunk in summariser.chunks:
        assert sum(summariser.count_tokens(chunk)) + len(chunk) <= 120
    ids = {s.id for s in doc.segments}
    assert sentences and all(s.cites and set(s.cites) <= ids for s in sentences)


def test_a_unit_longer_than_the_budget_is_split_not_truncated():
    long = " ".join(f"Phrase {i} du très long paragraphe." for i in range(200))
    summariser = CopySummariser(max_input_tokens=60)
    summarise_units([Unit(long, ("p1",))], summariser, 3, "fr")
    seen = " ".join(" ".join(chunk) for chunk in summariser.chunks[: len(summariser.chunks)])
    for i in range(200):
        assert f"Phrase {i} du" in seen


@pytest.mark.parametrize(
    ("sentence", "support", "unsupported"),
    [
        ("The region paid 800,000 euros in 2021.", "La région a payé 800 000 euros en 2021.", []),
        ("The region paid €800,000.", "La région a versé une aide de 800.000 euros.", []),
        ("The region paid 900,000 euros.", "La région a payé 800 000 euros.", ["900,000"]),
        ("The firm worked with Megvii.", "L'entreprise a travaillé avec une autre entreprise.", ["Megvii"]),
        ("The Région Grand Est paid.", "la région Grand Est a payé", []),
        ("Huawei received 75 billion dollars from China.", "Huawei aurait reçu 75 milliards de dollars de Chine.", []),
    ],
)
def test_unsupported_numbers_and_names(sentence, support, unsupported):
    assert unsupported_items(sentence, "en", [(support, "fr")]) == unsupported


def tiny_pipeline(registry, **settings):
    return Session(load_registry(registry), Settings(targets=("en",), source_lang="fr", device="cpu", **settings))


def test_sample_summary_with_tiny_models(tiny_registry, tmp_path):
    pipeline = tiny_pipeline(tiny_registry, summary_sentences=3)
    doc = pipeline.run(read_source(SAMPLE))
    path = tmp_path / "doc.json"
    path.write_text(render(doc, "json"), encoding="utf-8")
    problems = validate_file(path, summary=True)
    assert not problems, problems
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data["summary"]) == {"en", "fr"}
    assert len(data["summary"]["en"]) == len(data["summary"]["fr"]) >= 1
    for en, fr in zip(data["summary"]["en"], data["summary"]["fr"]):
        assert en["cites"] == fr["cites"]
    prov = data["provenance"]
    assert prov["models"]["summary"]["architecture"] == "BartForConditionalGeneration"
    assert prov["models"]["back_translation"]["model"].endswith("en-fr")
    assert prov["summary"]["levels"] >= 1
    markdown = render(doc, "md")
    assert markdown.index("## Summary") < markdown.index("## Article")
    first = data["summary"]["en"][0]["cites"][0]
    assert f"](#{first})" in markdown and f'<a id="{first}"></a>' in markdown


def test_long_article_goes_through_map_reduce_with_tiny_models(tiny_registry, tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    while len(text.split()) < 3000:
        text += "\n\n" + SAMPLE.read_text(encoding="utf-8")
    pipeline = tiny_pipeline(tiny_registry, summary_sentences=3)
    source = decode_source(text.encode(), "long.fr.txt")
    seen: list[list[str]] = []
    summariser = pipeline.models.summariser(pipeline.registry.summariser("en"), pipeline.settings)
    original = summariser.summarise

    def spy(chunks, max_sentences, max_new_tokens):
        seen.extend(chunks)
        for chunk in chunks:
            assert sum(summariser.count_tokens(chunk)) <= summariser.max_input_tokens
        return original(chunks, max_sentences, max_new_tokens)

    summariser.summarise = spy
    doc = pipeline.run(source)
    assert doc.provenance["summary"]["levels"] >= 2
    assert doc.provenance["summary"]["chunks_per_level"][-1] == 1
    # the map level's chunks (length-sorted into batches, so in any order) hold every unit exactly once
    first_level = [
        "".join(u.split()) for chunk in seen[: doc.provenance["summary"]["chunks_per_level"][0]] for u in chunk
    ]
    summarised = ["".join(s.translation.split()) for s in doc.segments if s.kind in SUMMARY_KINDS and s.translation]
    assert sum(map(len, first_level)) == sum(map(len, summarised))
    for unit in first_level:  # a whole segment, or a piece of one
        assert any(unit in segment for segment in summarised)
    ids = {s.id for s in doc.segments}
    assert all(set(s.cites) <= ids and s.cites for s in doc.summary["en"])


def test_cross_attention_shares(tiny_registry):
    pipeline = tiny_pipeline(tiny_registry)
    summariser = pipeline.models.summariser(pipeline.registry.summariser("en"), pipeline.settings)
    shares = summariser.attention(["The council approved a budget.", "The company opened a factory."], "A budget.")
    assert shares is not None and len(shares) == 2
    assert abs(sum(shares) - 1) < 1e-6 and all(s >= 0 for s in shares)


def test_a_missing_summariser_keeps_the_translation(echo_registry, sample_text):
    warnings: list[str] = []
    pipeline = Session(
        load_registry(echo_registry),
        Settings(targets=("en",), source_lang="fr", backend="test-echo"),
        on_warning=warnings.append,
    )
    doc = pipeline.run(decode_source(sample_text.encode(), "a.txt"))
    assert doc.summary is None
    assert all(s.translation for s in doc.segments)
    assert warnings and "summary skipped" in warnings[0]
    assert "summary_error" in doc.provenance
