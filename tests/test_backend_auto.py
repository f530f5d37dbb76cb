"""``--backend auto`` (the default): CTranslate2 for the models it runs, transformers otherwise; threads chosen
from the machine; scores from both backends; broken model files as ModelError (exit 4)."""

from __future__ import annotations

import json
import logging
import math
import shutil
import subprocess
import sys

import pytest

from conftest import SAMPLE
from tiny_models import write_registry
from trpipe import translate_file
from trpipe.errors import ModelError
from trpipe.models.registry import ModelSpec, load_registry
from trpipe.translate.base import load_translator, resolve_backend
from trpipe.translate.memory import CachedTranslator, TranslationMemory

pytest.importorskip("ctranslate2")

TEXTS = [
    "Bonjour à tous.",
    "Le régime chinois a reçu 75 milliards de dollars de subventions publiques.",
    "Oui.",
    "Les élus locaux ont voté mardi.",
]


pytestmark = pytest.mark.usefixtures("private_cache")  # conversions into a cache of the test's own


@pytest.fixture(scope="module")
def copies(tiny_models, tmp_path_factory):
    """Private copies of the tiny fr-en and en-fr models (their conversions are written beside them)."""
    root = tmp_path_factory.mktemp("auto")
    folders = {k: shutil.copytree(tiny_models[k], root / k) for k in ("fr-en", "en-fr")}
    return folders, write_registry(root / "models.yaml", folders)


def spec_of(registry, src="fr", tgt="en") -> ModelSpec:
    return load_registry(registry).translation(src, tgt)


class Stages:
    """A stand-in for the Session's Progress: records the stages announced."""

    def __init__(self):
        self.stages: list[str] = []

    def stage(self, name: str) -> None:
        self.stages.append(name)


def fake_model(folder, model_type: str, **config):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"model_type": model_type, **config}))
    return write_registry(folder.parent / f"{folder.name}.yaml", {"fr-en": folder})


def test_auto_means_ctranslate2_for_marian_and_converts_once_with_a_progress_stage(copies, tmp_path, caplog):
    folder = shutil.copytree(copies[0]["fr-en"], tmp_path / "m", ignore=shutil.ignore_patterns("ctranslate2-*"))
    spec = spec_of(write_registry(tmp_path / "m.yaml", {"fr-en": folder}))
    assert resolve_backend(spec, "auto") == "ctranslate2"
    progress = Stages()
    with caplog.at_level(logging.INFO, logger="trpipe"):
        translator = load_translator(spec, device="cpu", progress=progress)
    assert translator.backend == "ctranslate2" and translator.converted
    assert progress.stages == [f"loading {spec.model}", f"converting {spec.model} for CTranslate2 (int8)"]
    assert any("converting" in r.getMessage() for r in caplog.records)
    info = translator.describe()
    assert info["compute_type"].startswith("int8") and info["dtype"] == info["compute_type"]
    assert all(translator.translate_batch(TEXTS))
    again, progress = load_translator(spec, device="cpu", progress=(p := Stages())), p
    assert not again.converted and progress.stages == [f"loading {spec.model}"]  # converted once, announced once


def test_auto_means_transformers_where_ctranslate2_cannot_run_the_model(tmp_path, copies):
    spec = spec_of(copies[1])
    assert resolve_backend(spec, "auto", "mps") == "transformers"  # CTranslate2 has no Apple GPU backend
    assert resolve_backend(spec, "transformers") == "transformers"
    assert resolve_backend(spec, "ctranslate2", "mps") == "ctranslate2"  # an explicit choice is kept
    for model_type, reason in [("gpt2", "convert"), ("pegasus", "tokenizer")]:
        registry = fake_model(tmp_path / model_type, model_type)
        assert resolve_backend(spec_of(registry), "auto") == "transformers", reason
    registry = fake_model(tmp_path / "not-a-model", "no-such-architecture")
    assert resolve_backend(spec_of(registry), "auto") == "transformers"
    for model_type in ("marian", "t5", "mt5", "bart", "m2m_100"):  # m2m_100: NLLB and M2M100 (issue 25)
        registry = fake_model(tmp_path / f"ok-{model_type}", model_type)
        assert resolve_backend(spec_of(registry), "auto") == "ctranslate2"


def test_explicit_ctranslate2_on_an_unsupported_model_says_what_to_use(tmp_path):
    registry = fake_model(tmp_path / "pegasus", "pegasus", architectures=["PegasusForConditionalGeneration"])
    with pytest.raises(ModelError, match=r"no torch-free tokenizer for pegasus models; use --backend transformers"):
        load_translator(spec_of(registry), "ctranslate2")


def test_a_hub_model_not_here_yet_is_tried_on_ctranslate2(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    spec = spec_of(write_registry(tmp_path / "m.yaml", {"fr-en": "trpipe-tests/no-such-model"}))
    assert resolve_backend(spec, "auto") == "ctranslate2"
    with pytest.raises(ModelError, match="not in the Hugging Face cache"):
        load_translator(spec)


def test_threads_and_batches_follow_the_machine(copies):
    from trpipe.translate.ct2 import thread_plan

    assert thread_plan(1) == (1, 1) and thread_plan(2) == (2, 1) and thread_plan(3) == (3, 1)
    assert thread_plan(4) == (2, 2) and thread_plan(8) == (4, 2) and thread_plan(16) == (4, 4)
    two = load_translator(spec_of(copies[1]), device="cpu", threads=2)
    assert (two.model.inter_threads, two.model.intra_threads) == (2, 1)
    assert two.translator.num_translators == 2
    assert two.translate_options(10)["max_batch_size"] == 512  # replicas share small batches
    assert two.batch_tokens == 2 * int(two.settings["batch_tokens"])  # fewer, larger calls
    one = load_translator(spec_of(copies[1]), device="cpu", threads=1)
    assert (one.model.inter_threads, one.model.intra_threads) == (1, 1)
    assert one.translate_options(10)["max_batch_size"] == one.batch_tokens == int(one.settings["batch_tokens"])
    assert one.translate_batch(TEXTS) == two.translate_batch(TEXTS)  # the plan never changes a result


@pytest.fixture(scope="module")
def scored(copies):
    """(transformers, CTranslate2 float32) on the same tiny model, and their scored outputs."""
    spec = spec_of(copies[1])
    hf = load_translator(spec, "transformers", device="cpu")
    ct2 = load_translator(spec, "ctranslate2", device="cpu", compute_type="float32")
    return hf, ct2, hf.translate_batch_scored(TEXTS), ct2.translate_batch_scored(TEXTS)


def test_scores_are_mean_log_probabilities_equal_across_backends(scored):
    _, ct2, by_hf, by_ct2 = scored
    for outputs in (by_hf, by_ct2):
        assert len(outputs) == len(TEXTS)
        assert all(isinstance(s, float) and math.isfinite(s) and s <= 0 for _, s in outputs)
    agreeing = [(a, b) for (ta, a), (tb, b) in zip(by_hf, by_ct2) if ta == tb]
    assert agreeing, "the two backends should decode the tiny model alike"
    for a, b in agreeing:
        assert a == pytest.approx(b, abs=2e-3)
    assert [t for t, _ in by_ct2] == ct2.translate_batch(TEXTS)  # scoring does not change the text


def test_scores_survive_a_memory_hit(copies, tmp_path):
    inner = load_translator(spec_of(copies[1]), device="cpu")
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    cached = CachedTranslator(inner, memory, owns_memory=False)
    first = cached.translate_batch_scored(TEXTS)
    assert cached.misses == len(TEXTS) and all(s is not None for _, s in first)
    again = CachedTranslator(inner, memory, owns_memory=False)
    assert again.translate_batch_scored(TEXTS) == first and again.hits == len(TEXTS) and again.misses == 0


def test_a_pivot_is_scored_by_its_first_leg(copies):
    from trpipe.translate.pivot import PivotTranslator

    registry = copies[1]
    first = load_translator(spec_of(registry, "fr", "en"), device="cpu")
    second = load_translator(spec_of(registry, "en", "fr"), device="cpu")
    pivot = PivotTranslator(first, second, "en")
    assert [s for _, s in pivot.translate_batch_scored(TEXTS)] == [s for _, s in first.translate_batch_scored(TEXTS)]


def test_documents_carry_the_scores(copies):
    doc = translate_file(SAMPLE, "en", registry=copies[1], source_lang="fr", summary=False)
    assert doc.provenance["models"]["translation"]["backend"] == "ctranslate2"
    scores = [s.score for seg in doc.segments for s in seg.sentences if s.translation]
    assert scores and all(s is not None and math.isfinite(s) and s <= 0 for s in scores)


# ------------------------------------------------------------------------------------------ broken files


def broken_copy(copies, tmp_path, name="m"):
    folder = shutil.copytree(copies[0]["fr-en"], tmp_path / name, ignore=shutil.ignore_patterns("ctranslate2-*"))
    return folder, write_registry(tmp_path / f"{name}.yaml", {"fr-en": folder})


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_weights_fail_the_conversion_with_a_model_error(copies, tmp_path, damage):
    folder, registry = broken_copy(copies, tmp_path)
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(b"\x00garbage\xff" * 100 if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(ModelError) as caught:
        load_translator(spec_of(registry), device="cpu")
    message = str(caught.value)
    assert "cannot convert the model for CTranslate2" in message and "model.safetensors" in message
    assert str(folder) in message and "\n" not in message
    assert not [p for p in folder.iterdir() if p.is_dir()]  # no half conversion left


def test_a_damaged_conversion_is_converted_again(copies, tmp_path):
    folder, registry = broken_copy(copies, tmp_path)
    first = load_translator(spec_of(registry), device="cpu")
    expected = first.translate_batch(TEXTS)
    first.close()
    model_bin = folder / "ctranslate2-int8" / "model.bin"
    model_bin.write_bytes(model_bin.read_bytes()[:100])
    again = load_translator(spec_of(registry), device="cpu")
    assert again.converted and again.translate_batch(TEXTS) == expected


def test_a_conversion_that_never_loads_names_its_folder(copies, tmp_path, monkeypatch):
    import ctranslate2

    _, registry = broken_copy(copies, tmp_path)

    def refuse(*args, **kwargs):
        raise RuntimeError("Unsupported model binary version")

    monkeypatch.setattr(ctranslate2, "Translator", refuse)
    with pytest.raises(ModelError, match=r"cannot load its conversion in .*ctranslate2-int8.*delete that folder"):
        load_translator(spec_of(registry), device="cpu")


@pytest.mark.parametrize(
    ("file", "damage", "reason"),
    [
        ("source.spm", "delete", "missing"),
        ("target.spm", "truncate", "not a SentencePiece model"),
        ("vocab.json", "truncate", "not valid JSON"),
        ("config.json", "truncate", "not valid JSON"),
    ],
)
def test_a_damaged_tokenizer_or_config_file_is_a_model_error(copies, tmp_path, file, damage, reason):
    folder, registry = broken_copy(copies, tmp_path)
    load_translator(spec_of(registry), device="cpu").close()  # converted while the files were whole
    path = folder / file
    if damage == "delete":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    with pytest.raises(ModelError, match=rf"{path}: {reason}.*replace the model folder"):
        load_translator(spec_of(registry), "ctranslate2", device="cpu")


def test_the_command_line_exits_4_with_one_line(copies, tmp_path):
    folder, registry = broken_copy(copies, tmp_path)
    (folder / "vocab.json").write_text("{ not json", encoding="utf-8")
    command = [sys.executable, "-m", "trpipe", "translate", str(SAMPLE), "--from", "fr", "--to", "en"]
    result = subprocess.run(
        [*command, "--no-summary", "--models", str(registry), "-q", "-o", str(tmp_path / "out.md")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr and "vocab.json" in result.stderr


def test_the_target_token_is_prepended_on_ctranslate2(copies, tmp_path):
    registry = tmp_path / "m.yaml"
    registry.write_text(
        json.dumps({"translation": {"fr-en": {"model": str(copies[0]["fr-en"]), "target_token": ">>eng<<"}}})
    )
    translator = load_translator(spec_of(registry), device="cpu")
    seen = []
    encode = translator.tokenizer.encode
    translator.tokenizer.encode = lambda texts: seen.extend(texts) or encode(texts)
    translator.translate_batch(["Bonjour."])
    assert seen == [">>eng<< Bonjour."] and translator.decoding()["target_token"] == ">>eng<<"


def test_concurrent_batches_give_what_one_batch_at_a_time_gives(copies, tmp_path):
    from trpipe.translate.base import translate_scored

    registry = write_registry(tmp_path / "m.yaml", {"fr-en": copies[0]["fr-en"]}, batch_tokens=64, ct2_batch_tokens=64)
    concurrent = load_translator(spec_of(registry), device="cpu", threads=2)  # 2 replicas: batches overlap
    sequential = load_translator(spec_of(registry), device="cpu", threads=1)  # one replica: one batch at a time
    texts = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    unique = len(texts)
    texts += texts[:5]  # repeated sentences are translated once
    calls = []
    real = concurrent.translator.translate_batch

    class Spy:
        def translate_batch(self, sources, **options):
            calls.append(len(sources))
            return real(sources, **options)

    concurrent.translator = Spy()
    done: list[int] = []
    outputs = translate_scored(concurrent, texts, done.append)
    assert len(calls) > 3 and sum(calls) == len(set(texts)) and sum(done) == len(texts)
    assert outputs == translate_scored(sequential, texts)  # same batches, same outputs, same order
    assert outputs[unique:] == outputs[:5]
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    cached = CachedTranslator(concurrent, memory, owns_memory=False)
    assert translate_scored(cached, texts) == outputs  # through the memory: the same, stored as they come
    assert cached.misses == len(set(texts)) and memory.count() == len(set(texts))
    again = CachedTranslator(concurrent, memory, owns_memory=False)
    assert translate_scored(again, texts) == outputs and again.misses == 0


def test_compute_types_by_device_and_family():
    from types import SimpleNamespace

    from trpipe.translate.ct2 import choose_compute_type

    def engine(*supported):
        return SimpleNamespace(get_supported_compute_types=lambda device, index: set(supported))

    cpu = engine("float32", "int8", "int8_float32")
    assert choose_compute_type(cpu, "cpu", 0, None) == "int8"
    gpu = engine("float32", "float16", "bfloat16", "int8", "int8_float16", "int8_bfloat16", "int8_float32")
    assert choose_compute_type(gpu, "cuda", 0, None) == "int8_float16"
    assert choose_compute_type(gpu, "cuda", 0, None, no_float16=True) == "int8_bfloat16"  # T5: never float16
    old_gpu = engine("float32", "float16", "int8", "int8_float16", "int8_float32")  # no bfloat16 (pre-Ampere)
    assert choose_compute_type(old_gpu, "cuda", 0, None, no_float16=True) == "int8_float32"
    assert choose_compute_type(engine("float32", "float16"), "cuda", 0, None) == "float16"


def test_auto_falls_back_to_transformers_without_ctranslate2(copies, monkeypatch):
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # import ctranslate2 now raises ImportError
    assert resolve_backend(spec_of(copies[1]), "auto") == "transformers"


def test_a_hub_shaped_opus_mt_folder_runs_on_ctranslate2_like_transformers(copies, tmp_path):
    """As Helsinki-NLP/opus-mt-* on main: only pytorch_model.bin, a tokenizer_config.json with only the languages
    (no tokenizer_class, no added tokens), special_tokens_map.json."""
    import torch
    from safetensors.torch import load_file

    folder = shutil.copytree(copies[0]["fr-en"], tmp_path / "opus", ignore=shutil.ignore_patterns("ctranslate2-*"))
    weights = load_file(str(folder / "model.safetensors"))
    torch.save(weights, folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    (folder / "tokenizer_config.json").write_text(json.dumps({"target_lang": "en", "source_lang": "fr"}))
    special = {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    (folder / "special_tokens_map.json").write_text(json.dumps(special))
    spec = spec_of(write_registry(tmp_path / "m.yaml", {"fr-en": folder}))
    ct2 = load_translator(spec, device="cpu", compute_type="float32")
    assert ct2.backend == "ctranslate2" and ct2.converted
    hf = load_translator(spec, "transformers", device="cpu")
    assert ct2.translate_batch(TEXTS) == hf.translate_batch(TEXTS)
    assert ct2.count_tokens(TEXTS) == hf.count_tokens(TEXTS)


@pytest.fixture(scope="module")
def stopping_model(tmp_path_factory):
    """A tiny Marian model that ends its outputs by itself (EOS favoured), so scores count a chosen EOS."""
    from tiny_models import ENGLISH_TEXT, build_marian

    root = tmp_path_factory.mktemp("eos")
    build_marian(root / "fr-en", [SAMPLE.read_text(encoding="utf-8")], [ENGLISH_TEXT], eos_bias=5.0)
    return root


@pytest.mark.parametrize("beams", [1, 3])
def test_scores_agree_when_the_model_stops_by_itself(stopping_model, beams):
    registry = write_registry(stopping_model / f"m{beams}.yaml", {"fr-en": stopping_model / "fr-en"}, num_beams=beams)
    spec = spec_of(registry)
    texts = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()][:10]
    by_hf = load_translator(spec, "transformers", device="cpu").translate_batch_scored(texts)
    by_ct2 = load_translator(spec, "ctranslate2", device="cpu", compute_type="float32").translate_batch_scored(texts)
    agreeing = [(a, b) for (ta, a), (tb, b) in zip(by_hf, by_ct2) if ta == tb]
    assert len(agreeing) >= len(texts) // 2
    for a, b in agreeing:
        assert a is not None and b is not None and a == pytest.approx(b, abs=2e-3)
