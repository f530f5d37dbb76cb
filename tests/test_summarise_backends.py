"""Both summariser backends (transformers, CTranslate2) on tiny BART and mT5 models: the same decoding,
the same attention, the same citation invariants; conversion once; T5-family models never in float16."""

from __future__ import annotations

import re
import shutil
from types import SimpleNamespace

import pytest

from conftest import SAMPLE
from tiny_models import ENGLISH_TEXT, build_bart, write_registry
from tiny_t5 import build_mt5
from trpipe.errors import ModelError, UsageError
from trpipe.models.registry import ModelSpec, load_registry
from trpipe.read import decode_source
from trpipe.session import Session
from trpipe.settings import Settings
from trpipe.summarise import Unit, summarise_units
from trpipe.summarise.models import HFSummariser, load_summariser

pytest.importorskip("ctranslate2", reason="the ctranslate2 extra is not installed")
from trpipe.summarise.ct2 import CT2Summariser, summary_compute_type

BACKENDS = ["transformers", "ctranslate2"]
UNITS = [
    "The regional council approved a new budget on Tuesday after a long debate.",
    "Officials said the money would be used to build roads, schools and hospitals.",
    "The company announced that its first factory outside the country will open next year.",
]


pytestmark = pytest.mark.usefixtures("private_cache")  # conversions into a cache of the test's own


@pytest.fixture(scope="module")
def stopping_bart(tmp_path_factory):
    """A tiny BART whose EOS is favoured, so that its summaries end by themselves before the limits."""
    return build_bart(tmp_path_factory.mktemp("bart-eos") / "model", [ENGLISH_TEXT], eos_bias=4.0)


@pytest.fixture(scope="module")
def mt5(tmp_path_factory):
    return build_mt5(tmp_path_factory.mktemp("mt5") / "model", [SAMPLE.read_text(encoding="utf-8"), ENGLISH_TEXT])


def fresh_copy(folder, to):
    """A copy of a tiny model without the conversions other tests left beside it."""
    return shutil.copytree(folder, to, ignore=shutil.ignore_patterns("ctranslate2-*"))


@pytest.fixture(scope="module")
def short_summaries(tiny_models, tmp_path_factory):
    """A registry of the tiny models whose summaries are short (24 tokens), for the slower whole-job tests."""
    import yaml

    path = write_registry(
        tmp_path_factory.mktemp("short") / "models.yaml",
        {"fr-en": tiny_models["fr-en"], "en-fr": tiny_models["en-fr"]},
        {"en": tiny_models["sum-en"]},
        max_new_tokens_ratio=0,
        max_new_tokens_offset=12,
    )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["defaults"]["summarisation"].update(max_length=24, min_length=4, max_input_tokens=80)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def spec_for(folder, **settings) -> ModelSpec:
    base = {"num_beams": 4, "max_input_tokens": 1024, "min_length": 0, "max_length": 60, "length_penalty": 2.0}
    return ModelSpec("summarisation", "en", str(folder), None, {**base, **settings})


def both(folder, **settings):
    spec = spec_for(folder, **settings)
    hf = load_summariser(spec, "transformers", device="cpu")
    ct2 = load_summariser(spec, "ctranslate2", device="cpu", compute_type="float32")
    return hf, ct2


@pytest.mark.parametrize("beams", [1, 2, 4])
@pytest.mark.parametrize("penalty", [0.0, 1.0, 2.0])
def test_both_backends_decode_the_same_tokens(stopping_bart, beams, penalty):
    """Where neither engine's inherent difference applies (no banned n-gram, no minimum length), the
    CTranslate2 conversion in float32 gives the transformers summariser's summaries token for token."""
    hf, ct2 = both(stopping_bart, num_beams=beams, length_penalty=penalty, no_repeat_ngram_size=0)
    chunks = [UNITS[:1], UNITS[1:], UNITS, [UNITS[2], UNITS[0]]]
    assert ct2.summarise(chunks, 3, 60) == hf.summarise(chunks, 3, 60)
    # Cut at the bound: greedy search gives the same tokens; a beam search may rank the cut hypotheses
    # otherwise (transformers scores them with the end token it forces), but within the same bound.
    cut_hf, cut_ct2 = hf.summarise(chunks, 3, 12), ct2.summarise(chunks, 3, 12)
    if beams == 1:
        assert cut_ct2 == cut_hf
    for summary in cut_hf + cut_ct2:
        assert len(hf.tokenizer(summary, add_special_tokens=False)["input_ids"]) <= 12 - 2


def test_both_backends_respect_the_bounds_and_the_ngram_rule(tiny_models):
    """The same bounds on generated tokens (BOS and EOS apart) and the no-repeat rule, on each engine's ids."""
    import torch

    hf, ct2 = both(tiny_models["sum-en"], num_beams=4, no_repeat_ngram_size=3, min_length=10)
    specials = set(hf.tokenizer.all_special_ids)
    batch = hf.tokenizer(["\n".join(UNITS), UNITS[0]], return_tensors="pt", padding=True)
    sources = ct2.tokenizer.encode(["\n".join(UNITS), UNITS[0]])
    for max_new in (16, 40):
        with torch.inference_mode():
            generated = hf.model.generate(**batch, **hf._generate_kwargs(max_new))
        hf_ids = [[t for t in row.tolist() if t not in specials] for row in generated]
        results = ct2.translator.translate_batch(sources, [["<s>"]] * 2, **ct2.decode_options(max_new))
        ct2_ids = [[hf.tokenizer.convert_tokens_to_ids(t) for t in r.hypotheses[0] if t != "<s>"] for r in results]
        for ids in hf_ids + ct2_ids:
            assert len(ids) == max_new - 2  # EOS is suppressed in this model: every summary reaches the bound
            trigrams = list(zip(ids, ids[1:], ids[2:]))
            assert len(trigrams) == len(set(trigrams))
    assert ct2.decoding() == hf.decoding()


def test_both_backends_measure_the_same_attention(tiny_models):
    hf, ct2 = both(tiny_models["sum-en"])
    pairs = [(UNITS, "The council approved a budget."), (UNITS[1:], "A factory will open."), (UNITS[:1], "Roads.")]
    for a, b in zip(hf.attention_batch(pairs), ct2.attention_batch(pairs)):
        assert a is not None and b is not None
        assert a == pytest.approx(b, abs=1e-3)
        assert sum(a) == pytest.approx(1.0)
    assert hf.attention(*pairs[0]) == pytest.approx(hf.attention_batch(pairs)[0], abs=1e-5)


def sample_parts() -> list[str]:
    """Two articles from the sample's paragraphs (junk translations make both map-reduced)."""
    paragraphs = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    return ["\n\n".join(paragraphs[:7]), "\n\n".join(paragraphs[7:11])]


@pytest.mark.parametrize("backend", BACKENDS)
def test_citation_invariants_on_both_backends(short_summaries, backend):
    """Every cite names an existing segment, at every level of a map-reduce; the attention path is used."""
    session = Session(
        load_registry(short_summaries),
        Settings(targets=("en",), source_lang="fr", device="cpu", backend=backend, summary_sentences=3),
    )
    summariser = session.models.summariser(session.registry.summariser("en"), session.settings)
    assert summariser.backend == backend
    levels: list[list[tuple[str, ...]]] = []
    original = summariser.summarise

    def spy(chunks, max_sentences, max_new_tokens):
        levels.append([tuple(c) for c in chunks])
        return original(chunks, max_sentences, max_new_tokens)

    summariser.summarise = spy
    sources = [decode_source(text.encode(), f"part{i}.fr.txt") for i, text in enumerate(sample_parts())]
    documents = session.run_group(sources)
    for document in documents:
        ids = {s.id for s in document.segments}
        trace = document.provenance["summary"]
        assert document.provenance["models"]["summary"]["backend"] == backend
        for lang in ("en", "fr"):
            assert document.summary[lang]
            for sentence in document.summary[lang]:
                assert sentence.cites and set(sentence.cites) <= ids
                assert all(re.fullmatch(r"[a-z]+\d+", c) for c in sentence.cites)
        # random weights copy nothing: the cross-attention decided (the fallback path ran)
        assert trace["aligned_by"]["attention"] > 0
    assert all(d.provenance["summary"]["levels"] >= 2 for d in documents), [d.provenance["summary"] for d in documents]
    # the map-level chunks of both articles were generated together
    first = sum(d.provenance["summary"]["chunks_per_level"][0] for d in documents)
    assert sum(len(call) for call in levels) == sum(sum(d.provenance["summary"]["chunks_per_level"]) for d in documents)
    assert len(levels[0]) > 1 and first >= len(levels[0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_attention_falls_back_to_lexical_alignment(tiny_models, backend):
    summariser = load_summariser(spec_for(tiny_models["sum-en"], max_length=20), backend, device="cpu")
    summariser.attention_batch = lambda pairs: [None] * len(pairs)
    from trpipe.summarise import SummaryTrace

    trace = SummaryTrace()
    units = [Unit(text, (f"p{i + 1}",)) for i, text in enumerate(UNITS)]
    sentences = summarise_units(units, summariser, 2, "en", trace)
    assert sentences and all(s.cites and set(s.cites) <= {"p1", "p2", "p3"} for s in sentences)
    assert trace.alignment["attention"] == 0 and trace.alignment["lexical"] >= len(sentences)


def test_conversion_is_made_once_and_reused(tiny_models, tmp_path):
    folder = fresh_copy(tiny_models["sum-en"], tmp_path / "sum-en")
    spec = spec_for(folder)
    stages: list[str] = []
    progress = SimpleNamespace(stage=stages.append)
    first = CT2Summariser(spec, device="cpu", progress=progress)
    assert first.converted and first.model_dir == folder / "ctranslate2-int8"
    assert any(s.startswith("converting ") for s in stages)
    stamp = (first.model_dir / "model.bin").stat().st_mtime_ns
    stages.clear()
    again = CT2Summariser(spec, device="cpu", progress=progress)
    assert not again.converted and (again.model_dir / "model.bin").stat().st_mtime_ns == stamp
    assert not any(s.startswith("converting ") for s in stages)
    assert again.summarise([UNITS], 3, 20) == first.summarise([UNITS], 3, 20)
    described = again.describe()
    assert described["backend"] == "ctranslate2" and described["compute_type"].startswith("int8")
    assert described["architecture"] == "BartForConditionalGeneration"


def test_auto_uses_ctranslate2_and_falls_back_for_an_unconvertible_model(tiny_models, tmp_path, monkeypatch):
    spec = spec_for(fresh_copy(tiny_models["sum-en"], tmp_path / "sum-en"))
    assert isinstance(load_summariser(spec, "auto", device="cpu"), CT2Summariser)
    assert isinstance(load_summariser(spec, "test-echo", device="cpu"), CT2Summariser)  # a translation backend
    from trpipe.translate import ct2convert

    known = ct2convert.converter_configurations() - {"BartConfig"}
    monkeypatch.setattr(ct2convert, "converter_configurations", lambda: known)
    other = spec_for(fresh_copy(tiny_models["sum-en"], tmp_path / "unconvertible"))
    assert isinstance(load_summariser(other, "auto", device="cpu"), HFSummariser)
    with pytest.raises(ModelError, match="cannot convert bart models"):
        load_summariser(other, "ctranslate2", device="cpu")
    assert not [p for p in (tmp_path / "unconvertible").iterdir() if p.name.startswith((".ctranslate2", "ctrans"))]


@pytest.mark.parametrize("backend", BACKENDS)
def test_mt5_summarises_on_both_backends(mt5, backend):
    summariser = load_summariser(
        spec_for(mt5, max_input_tokens=512, num_beams=2, no_repeat_ngram_size=3), backend, device="cpu"
    )
    summaries = summariser.summarise([UNITS, UNITS[:1]], 3, 20)
    assert len(summaries) == 2 and all(isinstance(s, str) and s == s.strip() for s in summaries)
    assert summariser.max_input_tokens == 512
    shares = summariser.attention(UNITS, summaries[0] or "budget")
    assert shares is not None and sum(shares) == pytest.approx(1.0)
    described = summariser.describe()
    assert described["architecture"] == "MT5ForConditionalGeneration"
    assert "float16" not in str(described.get("compute_type", described.get("dtype")))


class FakeCT2:
    """The two ctranslate2 functions compute-type choice calls, for a CUDA device that is not here."""

    def __init__(self, supported):
        self.supported = supported

    def get_supported_compute_types(self, device, index=0):
        return set(self.supported) if device == "cuda" else {"int8", "int8_float32", "float32"}


def test_t5_family_stays_out_of_float16():
    cuda = FakeCT2({"float32", "float16", "bfloat16", "int8_float16", "int8_float32", "int8", "int8_bfloat16"})
    assert summary_compute_type(cuda, "cuda", 0, None, False, "bart") == "int8_float16"
    assert summary_compute_type(cuda, "cuda", 0, None, True, "mt5") == "int8_bfloat16"
    no_bfloat16 = FakeCT2({"float32", "float16", "int8_float16", "int8_float32"})
    assert summary_compute_type(no_bfloat16, "cuda", 0, None, True, "mt5") == "int8_float32"
    assert summary_compute_type(FakeCT2({"float32", "float16"}), "cuda", 0, None, True, "mt5") == "float32"
    assert summary_compute_type(cuda, "cuda", 0, "bfloat16", True, "mt5") == "bfloat16"
    assert summary_compute_type(cuda, "cpu", 0, None, True, "mt5") == "int8"
    for wanted in ("float16", "int8_float16"):
        with pytest.raises(UsageError, match="T5-family models overflow in float16"):
            summary_compute_type(cuda, "cuda", 0, wanted, True, "csebuetnlp/mT5_multilingual_XLSum")


def test_registry_settings_reach_the_ctranslate2_decoder(tiny_models):
    summariser = load_summariser(
        spec_for(tiny_models["sum-en"], num_beams=3, min_length=30, no_repeat_ngram_size=3, length_penalty=1.5),
        "ctranslate2",
        device="cpu",
    )
    options = summariser.decode_options(142)
    assert options["beam_size"] == 3 and options["length_penalty"] == 1.5 and options["no_repeat_ngram_size"] == 3
    # transformers counts the forced end token in max_new_tokens, CTranslate2 does not count it
    assert options["max_decoding_length"] == 141 and options["min_decoding_length"] == 30
    assert summariser.decode_options(20)["min_decoding_length"] == 10  # never more than half the bound
    assert summariser.first_token == "<s>"  # BART's forced_bos_token_id, as a target prefix


def test_a_summary_run_uses_the_registry_entry_end_to_end(tiny_models, tmp_path):
    """The whole job (translation, summary, back-translation) on the default backend, with conversions."""
    folders = {name: fresh_copy(tiny_models[name], tmp_path / name) for name in ("fr-en", "en-fr", "sum-en")}
    registry = write_registry(
        tmp_path / "models.yaml", {"fr-en": folders["fr-en"], "en-fr": folders["en-fr"]}, {"en": folders["sum-en"]}
    )
    with Session(registry, Settings(targets=("en",), source_lang="fr", device="cpu")) as session:
        document = session.run(decode_source(SAMPLE.read_bytes(), "sample.fr.txt"))
    models = document.provenance["models"]
    assert models["summary"]["backend"] == "ctranslate2" and models["translation"]["backend"] == "ctranslate2"
    assert (folders["sum-en"] / "ctranslate2-int8" / "model.bin").is_file()
    assert document.summary["en"] and len(document.summary["fr"]) == len(document.summary["en"])


def test_ctranslate2_aligns_its_own_sentences_with_the_attention_of_their_generation(tiny_models):
    summariser = load_summariser(spec_for(tiny_models["sum-en"], max_length=40), "ctranslate2", device="cpu")
    (summary,) = summariser.summarise([UNITS], 3, 40)
    engine, calls = summariser.translator, []

    class Spy:
        def translate_batch(self, *args, **kwargs):
            calls.append(kwargs)
            return engine.translate_batch(*args, **kwargs)

    summariser.translator = Spy()
    words = summary.split()
    part = " ".join(words[len(words) // 3 : 2 * len(words) // 3])  # a sentence of that summary
    shares = summariser.attention(UNITS, part)
    assert shares is not None and len(shares) == 3 and sum(shares) == pytest.approx(1.0)
    assert not calls  # no further pass through the model
    other = summariser.attention_batch([(UNITS, "A sentence it never wrote."), (UNITS[1:], part)])
    assert all(s is not None and sum(s) == pytest.approx(1.0) for s in other)
    # the other units, the other sentence: teacher-forced (one pass per prefix length)
    assert 1 <= len(calls) <= 2 and all(c["return_alternatives"] for c in calls)


def test_a_batch_of_chunks_is_split_between_the_cpu_replicas():
    summariser = CT2Summariser.__new__(CT2Summariser)  # only the thread layout matters here
    summariser.model = SimpleNamespace(device="cpu", inter_threads=2)
    assert summariser._shared(5) == {"max_batch_size": 3, "batch_type": "examples"}
    assert summariser._shared(1) == {}
    summariser.model = SimpleNamespace(device="cpu", inter_threads=1)
    assert summariser._shared(5) == {}
    summariser.model = SimpleNamespace(device="cuda", inter_threads=2)
    assert summariser._shared(5) == {}


def test_the_summariser_takes_the_translators_thread_layout(tiny_models):
    from trpipe.translate.ct2 import thread_plan

    summariser = load_summariser(spec_for(tiny_models["sum-en"]), "ctranslate2", device="cpu", threads=2)
    assert (summariser.model.inter_threads, summariser.model.intra_threads) == thread_plan(2)
