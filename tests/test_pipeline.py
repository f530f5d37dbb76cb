"""Orchestration with the deterministic test backend: order, batching, reassembly, provenance."""

from __future__ import annotations

from trpipe.models.registry import load_registry
from trpipe.read import decode_source
from trpipe.session import Session
from trpipe.settings import Settings
from trpipe.translate.base import load_translator, plan_batches, translate_texts
from trpipe.translate_step import join_translations


def echo_pipeline(registry_path, **settings):
    registry = load_registry(registry_path)
    return Session(registry, Settings(targets=("en",), backend="test-echo", **settings))


def test_plan_batches_respects_the_token_budget():
    lengths = [5, 50, 3, 20, 20, 7, 1, 49]
    batches = plan_batches(lengths, batch_tokens=60)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert max(lengths[i] for i in batch) * len(batch) <= 60 or len(batch) == 1
    firsts = [lengths[b[0]] for b in batches]
    assert firsts == sorted(firsts, reverse=True)


def test_translate_texts_restores_order_and_translates_duplicates_once(echo_registry):
    spec = load_registry(echo_registry).translation("fr", "en")
    translator = load_translator(spec, "test-echo")
    texts = ["b c d", "a", "b c d", "x\u00a0:\u202fy", "\u200b", "e f g h i j"]
    out = translate_texts(translator, texts)
    assert out == ["⟨b c d⟩", "⟨a⟩", "⟨b c d⟩", "⟨x : y⟩", "\u200b", "⟨e f g h i j⟩"]
    sent = [t for batch in translator.batches for t in batch]
    assert sorted(sent) == sorted({"b c d", "a", "x : y", "e f g h i j"})
    assert translator.batches[0][0] == "e f g h i j"  # longest first


def test_sample_through_the_pipeline(echo_registry, sample_text):
    pipeline = echo_pipeline(echo_registry, source_lang="fr")
    source = decode_source(sample_text.encode(), "sample.txt")
    doc = pipeline.run(source)
    assert doc.source.lang == "fr"
    assert len(doc.segments) >= 15
    for seg in doc.segments:
        assert seg.translation == join_translations(sample_text, seg)
        for sent in seg.sentences:
            assert sent.translation == "⟨" + " ".join(sent.text.replace("’", "'").split()) + "⟩"
    prov = doc.provenance
    assert prov["models"]["translation"]["backend"] == "test-echo"
    assert prov["decoding"]["translation"]["num_beams"] == 2
    assert prov["signature"].startswith("trpipe:")


def test_sentences_of_a_segment_are_joined_with_source_whitespace(echo_registry):
    text = "Première phrase ici.  Deuxième phrase là. Troisième phrase\nsur deux lignes."
    pipeline = echo_pipeline(echo_registry, source_lang="fr")
    doc = pipeline.run(decode_source(text.encode(), "t.txt"))
    seg = doc.segments[0]
    assert len(seg.sentences) == 3
    assert seg.translation == "⟨Première phrase ici.⟩  ⟨Deuxième phrase là.⟩ ⟨Troisième phrase sur deux lignes.⟩"


def test_language_is_detected(echo_registry, sample_text):
    doc = echo_pipeline(echo_registry).run(decode_source(sample_text.encode(), "s.txt"))
    assert doc.source.lang == "fr"


def test_model_is_loaded_once_per_pipeline(echo_registry, sample_text):
    loads = []
    registry = load_registry(echo_registry)

    def factory(spec, settings=None):
        loads.append(spec.model)
        return load_translator(spec, "test-echo")

    pipeline = Session(registry, Settings(targets=("en",), source_lang="fr"), translator_factory=factory)
    for _ in range(3):
        pipeline.run(decode_source(sample_text.encode(), "s.txt"))
    assert loads == ["echo/fr-en"]
