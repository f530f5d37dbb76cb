"""The real transformers backend on tiny Marian models loaded through the registry, like hub models."""

from __future__ import annotations

import json
import math
import time

import pytest

from conftest import SAMPLE
from tiny_models import write_registry
from trpipe import translate_file
from trpipe.errors import ModelError
from trpipe.models.registry import load_registry
from trpipe.render import render
from trpipe.translate.base import load_translator
from trpipe.validate import validate_file


@pytest.fixture(scope="module")
def fr_en(tiny_registry):
    return load_translator(load_registry(tiny_registry).translation("fr", "en"), "transformers", device="cpu")


def test_backend_translates_a_batch_in_order(fr_en):
    texts = ["Bonjour à tous.", "Le régime chinois a reçu 75 milliards de dollars de subventions publiques.", "Oui."]
    out = fr_en.translate_batch(texts)
    assert len(out) == 3 and all(isinstance(t, str) and t for t in out)
    assert fr_en.translate_batch(texts[1:2]) == out[1:2]  # batching and padding do not change a result


def test_new_tokens_are_bounded_by_input_length(fr_en, monkeypatch):
    assert fr_en.max_new_tokens(5) < fr_en.max_new_tokens(50) <= int(fr_en.settings["max_length"])
    generate, lengths = fr_en.model.generate, []

    def spy(**kwargs):
        out = generate(**kwargs)
        lengths.append((kwargs["input_ids"].shape[1], out.shape[1]))
        return out

    monkeypatch.setattr(fr_en.model, "generate", spy)
    fr_en.translate_batch(["Oui.", "Le régime chinois a reçu 75 milliards de dollars de subventions publiques."])
    ((input_len, output_len),) = lengths
    assert output_len <= fr_en.max_new_tokens(input_len) + 1  # + the decoder start token


def test_cpu_batches_are_2048_tokens_unless_the_registry_says(fr_en, tmp_path, tiny_models):
    assert fr_en.device == "cpu" and fr_en.batch_tokens == 2048
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": tiny_models["fr-en"]}, batch_tokens=4096)
    spec = load_registry(registry).translation("fr", "en")
    assert load_translator(spec, "transformers", device="cpu").batch_tokens == 2048  # the shipped registry's case
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": tiny_models["fr-en"]}, cpu_batch_tokens=4096)
    chosen = load_translator(load_registry(registry).translation("fr", "en"), "transformers", device="cpu")
    assert chosen.batch_tokens == 4096
    assert "cpu_batch_tokens" not in chosen.decoding()  # a budget changes the speed, not the output


def test_scores_are_mean_log_probabilities_per_generated_token(fr_en):
    texts = ["Bonjour à tous.", "Le régime chinois a reçu 75 milliards de dollars de subventions publiques.", "Oui."]
    scored = fr_en.translate_batch_scored(texts)
    assert [t for t, _ in scored] == fr_en.translate_batch(texts)
    assert all(isinstance(s, float) and math.isfinite(s) and s <= 0 for _, s in scored)
    ((text, score),) = fr_en.translate_batch_scored(texts[1:2])  # the longest: the same bound alone
    assert text == scored[1][0] and score == pytest.approx(scored[1][1], abs=1e-4)


def test_provenance_records_model_and_device(fr_en):
    info = fr_en.describe()
    assert info["architecture"] == "MarianMTModel"
    assert info["device"] == "cpu" and info["dtype"] == "float32"
    assert info["backend"] == "transformers"


def test_sample_document_meets_the_contract(tiny_registry, tmp_path):
    doc = translate_file(SAMPLE, "en", registry=tiny_registry, source_lang="fr", summary=False, backend="transformers")
    path = tmp_path / "out.json"
    path.write_text(render(doc, "json"), encoding="utf-8")
    problems = validate_file(path, min_segments=15)
    assert not problems, problems
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["summary"] is None
    assert data["provenance"]["models"]["translation"]["backend"] == "transformers"
    assert data["target_lang"] == "en" and data["source"]["lang"] == "fr"
    for seg in data["segments"]:
        assert all(s["translation"] for s in seg["sentences"])


def test_three_thousand_word_paragraph_is_translated_completely(tiny_registry, tmp_path):
    sentences = SAMPLE.read_text(encoding="utf-8").replace("\n", " ").split(". ")
    words, paragraph = 0, []
    while words < 3000:
        for s in sentences:
            paragraph.append(s.strip() + ".")
            words += len(s.split())
    text = " ".join(paragraph)
    path = tmp_path / "long.fr.txt"
    path.write_text(text, encoding="utf-8")
    doc = translate_file(path, "en", registry=tiny_registry, source_lang="fr", summary=False, backend="transformers")
    assert len(doc.segments) == 1
    seg = doc.segments[0]
    assert len(text.split()) >= 3000
    assert len(seg.sentences) >= 100
    covered = "".join(s.text for s in seg.sentences)
    assert "".join(covered.split()) == "".join(text.split())
    limit = load_registry(tiny_registry).translation("fr", "en").settings["max_input_tokens"]
    tok = load_translator(load_registry(tiny_registry).translation("fr", "en"), "transformers", device="cpu")
    assert max(tok.count_tokens([s.text for s in seg.sentences])) <= limit
    assert all(s.translation for s in seg.sentences)


def test_a_model_that_is_not_cached_fails_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": "trpipe-tests/no-such-model"})
    start = time.monotonic()
    with pytest.raises(
        ModelError, match="not in the Hugging Face cache.*trpipe models pull trpipe-tests/no-such-model"
    ):
        load_translator(load_registry(registry).translation("fr", "en"))
    assert time.monotonic() - start < 30


def test_unreachable_hub_fails_at_once(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": "trpipe-tests/no-such-model"})
    with pytest.raises(ModelError, match="cannot be reached"):
        load_translator(load_registry(registry).translation("fr", "en"))


def test_a_folder_that_is_not_a_model(tmp_path):
    (tmp_path / "empty").mkdir()
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": tmp_path / "empty"})
    with pytest.raises(ModelError, match="no config.json"):
        load_translator(load_registry(registry).translation("fr", "en"))


def test_hub_id_loads_from_the_cache_pinned_to_its_commit(tiny_models, tmp_path, monkeypatch):
    """The shipped registry's real hub id, served from a Hugging Face cache laid out as a download leaves it."""
    from tiny_models import install_in_hub_cache

    commit = install_in_hub_cache(tiny_models["fr-en"], tmp_path / "hub", "Helsinki-NLP/opus-mt-fr-en")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("TRPIPE_MODELS", raising=False)
    spec = load_registry().translation("fr", "en")
    assert spec.model == "Helsinki-NLP/opus-mt-fr-en" and not spec.is_local
    translator = load_translator(spec, "transformers", device="cpu")
    info = translator.describe()
    assert (info["model"], info["revision"], info["commit"]) == ("Helsinki-NLP/opus-mt-fr-en", "main", commit)
    assert translator.translate_batch(["Bonjour à tous."])[0]
    doc = translate_file(SAMPLE, "en", source_lang="fr", summary=False, backend="transformers")
    assert f"@{commit}" in doc.provenance["signature"]


@pytest.mark.parametrize(
    ("file", "damage", "expected"),
    [
        ("model.safetensors", "truncate", r"transformers cannot load it .*model\.safetensors.*SafetensorError"),
        ("model.safetensors", "garbage", r"transformers cannot load it .*model\.safetensors"),
        ("source.spm", "truncate", r"source\.spm: not a SentencePiece model"),
        ("source.spm", "delete", r"source\.spm: missing"),
        ("vocab.json", "truncate", r"vocab\.json: not valid JSON"),
        ("config.json", "truncate", r"config\.json: not valid JSON"),
        ("tokenizer_config.json", "truncate", r"tokenizer_config\.json: not valid JSON"),
    ],
)
def test_a_damaged_model_file_is_a_model_error_naming_it(tiny_models, tmp_path, file, damage, expected):
    import shutil

    folder = shutil.copytree(tiny_models["fr-en"], tmp_path / "m", ignore=shutil.ignore_patterns("ctranslate2-*"))
    path = folder / file
    if damage == "delete":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage\xff" * 64)
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": folder})
    with pytest.raises(ModelError, match=expected) as caught:
        load_translator(load_registry(registry).translation("fr", "en"), "transformers", device="cpu")
    assert "replace the model folder" in str(caught.value) and caught.value.exit_code == 4
