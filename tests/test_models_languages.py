"""Models and languages: models list/pull/info, the opus-mt convention, pivoting, several targets,
mixed-language articles, target tokens."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from tiny_models import install_in_hub_cache, write_registry
from trpipe.cli import cli
from trpipe.errors import PairError
from trpipe.models.registry import load_registry
from trpipe.read import decode_source, read_source
from trpipe.render import render
from trpipe.session import Session
from trpipe.settings import Settings
from trpipe.validate import validate_file


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    cache = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_models_list_marks_what_is_on_this_machine(tiny_models, hub_cache, tmp_path):
    install_in_hub_cache(tiny_models["fr-en"], hub_cache, "Helsinki-NLP/opus-mt-fr-en")
    result = invoke("models", "list", "--models", SAMPLE.parents[1] / "models.yaml")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any(line.startswith("* translation") and "opus-mt-fr-en" in line for line in lines)
    assert any(line.startswith("  translation") and "opus-mt-de-en" in line for line in lines)


def test_models_info_reads_the_cached_files(tiny_models, hub_cache):
    commit = install_in_hub_cache(tiny_models["fr-en"], hub_cache, "Helsinki-NLP/opus-mt-fr-en")
    snapshot = hub_cache / "models--Helsinki-NLP--opus-mt-fr-en" / "snapshots" / commit
    (snapshot / "README.md").write_text("---\nlicense: apache-2.0\ntags: [translation]\n---\n# opus-mt\n")
    result = invoke("models", "info", "fr-en")
    assert result.exit_code == 0, result.output
    info = dict(line.split(": ", 1) for line in result.output.splitlines())
    assert info["architecture"] == "MarianMTModel" and info["commit"] == commit
    assert info["licence"] == "apache-2.0" and info["input_limit_tokens"] == "512"
    assert int(info["parameters"]) > 1000 and int(info["size_bytes"]) > 1000


def test_models_info_and_pull_without_the_model_or_network(hub_cache):
    info = invoke("models", "info", "de-en")
    assert info.exit_code == 4 and "not on this machine" in info.output and "trpipe models pull" in info.output
    pulled = invoke("models", "pull", "de-en")
    assert pulled.exit_code == 4 and "cannot download Helsinki-NLP/opus-mt-de-en" in pulled.output


def test_a_missing_pair_uses_the_opus_mt_convention_when_cached(tiny_models, hub_cache, tmp_path):
    install_in_hub_cache(tiny_models["fr-en"], hub_cache, "Helsinki-NLP/opus-mt-it-en")
    registry = load_registry(write_registry(tmp_path / "m.yaml", {"fr-en": tiny_models["fr-en"]}))
    pipeline = Session(registry, Settings(targets=("en",), source_lang="it", summary=False))
    assert [s.model for s in pipeline.route("it", "en")] == ["Helsinki-NLP/opus-mt-it-en"]
    with pytest.raises(PairError, match="pairs available: fr-en"):
        pipeline.route("xx", "yy")


def test_pivot_through_english_records_both_legs(tiny_models, hub_cache, tmp_path):
    # fr-de is neither in the registry nor cached: fr→en→de, with a tiny model standing in for en-de.
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": tiny_models["fr-en"], "en-de": tiny_models["en-fr"]})
    pipeline = Session(
        load_registry(registry), Settings(targets=("de",), source_lang="fr", summary=False, device="cpu")
    )
    doc = pipeline.run(read_source(SAMPLE))
    legs = doc.provenance["models"]["translation"]["legs"]
    assert doc.provenance["models"]["translation"]["pivot"] == "en"
    assert [leg["model"] for leg in legs] == [str(tiny_models["fr-en"]), str(tiny_models["en-fr"])]
    assert ">" in doc.provenance["signature"]
    path = tmp_path / "doc.json"
    path.write_text(render(doc, "json"), encoding="utf-8")
    problems = validate_file(path, min_segments=15)
    assert not problems, problems


def test_several_targets(tiny_models, tmp_path, monkeypatch):
    registry = write_registry(
        tmp_path / "m.yaml",
        {
            "fr-en": tiny_models["fr-en"],
            "en-fr": tiny_models["en-fr"],
            "fr-de": tiny_models["fr-en"],
            "en-de": tiny_models["en-fr"],
        },
        {"en": tiny_models["sum-en"]},
    )
    monkeypatch.setenv("TRPIPE_MODELS", str(registry))
    out = tmp_path / "out.json"
    result = invoke(
        "translate",
        SAMPLE,
        "--from",
        "fr",
        "--to",
        "en",
        "--to",
        "de",
        "--summary-sentences",
        "2",
        "--device",
        "cpu",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["target_lang"] == "en" and doc["target_langs"] == ["en", "de"]
    for seg in doc["segments"]:
        assert set(seg["translations"]) == {"en", "de"}
        assert seg["translation"] == seg["translations"]["en"]
        assert all(set(s["translations"]) == {"en", "de"} for s in seg["sentences"])
    assert set(doc["summary"]) == {"en", "de", "fr"}
    assert [s["cites"] for s in doc["summary"]["de"]] == [s["cites"] for s in doc["summary"]["en"]]
    assert set(doc["provenance"]["models"]["translations"]) == {"en", "de"}


ENGLISH_QUOTE = (
    "The company said in a statement that it has always complied with the laws and regulations of every "
    "country in which it operates, and that it rejects these accusations."
)


def test_a_segment_already_in_the_target_language_is_kept(echo_registry):
    text = (
        "Huawei rejette les accusations portées contre elle par les avocats londoniens.\n\n"
        f"{ENGLISH_QUOTE}\n\n"
        "Le conseil régional n'a pas encore répondu à ces critiques, selon nos informations."
    )
    pipeline = Session(
        load_registry(echo_registry), Settings(targets=("en",), source_lang="fr", backend="test-echo", summary=False)
    )
    doc = pipeline.run(decode_source(text.encode(), "mixed.fr.txt"))
    kept = [s for s in doc.segments if s.kept]
    assert [s.id for s in kept] == ["p2"]
    assert kept[0].translation == ENGLISH_QUOTE and kept[0].lang == "en" and not kept[0].flags
    others = [s for s in doc.segments if not s.kept]
    assert all(s.translation.startswith("⟨") and s.lang == "fr" for s in others)
    data = doc.to_dict()["segments"]
    assert data[1]["kept"] is True and "kept" not in data[0]


def test_target_token_is_prepended(tiny_models, tmp_path):
    import yaml

    path = tmp_path / "m.yaml"
    path.write_text(
        yaml.safe_dump({"translation": {"fr-en": {"model": str(tiny_models["fr-en"]), "target_token": ">>eng<<"}}})
    )
    from trpipe.translate.base import load_translator

    translator = load_translator(load_registry(path).translation("fr", "en"), "transformers", device="cpu")
    seen = []
    tokenizer = translator.tokenizer

    class Spy:
        def __call__(self, texts, **kwargs):
            seen.extend(texts)
            return tokenizer(texts, **kwargs)

        def __getattr__(self, name):
            return getattr(tokenizer, name)

    translator.tokenizer = Spy()
    translator.translate_batch(["Bonjour."])
    assert seen == [">>eng<< Bonjour."]
    assert translator.decoding()["target_token"] == ">>eng<<"
