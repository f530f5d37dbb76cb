"""Faults, part 4: damaged model files are a model error (exit 4, one line naming the model, the file and what
to do), never an internal error; a damaged translation memory is named too.

Every test damages a copy of a tiny model the suite builds (truncated, garbage, missing files), in a local
folder or in a Hugging Face cache snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from fault_helpers import invoke, model_args, model_copy, one_line_error, write_articles
from tiny_models import install_in_hub_cache, write_registry
from trpipe.models.files import diagnose


def _truncate(path: Path, keep: float | int = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: keep if isinstance(keep, int) else int(len(data) * keep)])


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(max(64, path.stat().st_size)))


def _torch_bin(folder: Path, damage) -> None:
    """Weights as pytorch_model.bin (as opus-mt repos have them) instead of safetensors, then damaged."""
    import torch
    from safetensors.torch import load_file

    weights = load_file(folder / "model.safetensors")
    (folder / "model.safetensors").unlink()
    torch.save(weights, folder / "pytorch_model.bin")
    damage(folder / "pytorch_model.bin")


DAMAGES = {
    "safetensors-truncated": ("model.safetensors", lambda m: _truncate(m / "model.safetensors")),
    "safetensors-garbage": ("model.safetensors", lambda m: _garbage(m / "model.safetensors")),
    "safetensors-header-only": ("model.safetensors", lambda m: _truncate(m / "model.safetensors", 40)),
    "safetensors-grown": ("model.safetensors", lambda m: (m / "model.safetensors").open("ab").write(b"\0" * 64)),
    "no-weights": ("no weights", lambda m: (m / "model.safetensors").unlink()),
    "bin-garbage": ("pytorch_model.bin", lambda m: _torch_bin(m, _garbage)),
    "bin-truncated": ("pytorch_model.bin", lambda m: _torch_bin(m, _truncate)),
    "source-spm-truncated": ("source.spm", lambda m: _truncate(m / "source.spm")),
    "target-spm-garbage": ("target.spm", lambda m: _garbage(m / "target.spm")),
    "spm-missing": ("source.spm", lambda m: (m / "source.spm").unlink()),
    "tokenizer-files-missing": ("source.spm", lambda m: [(m / f).unlink() for f in ("source.spm", "target.spm")]),
    "vocab-truncated": ("vocab.json", lambda m: _truncate(m / "vocab.json")),
    "vocab-not-a-mapping": ("vocab.json", lambda m: (m / "vocab.json").write_text("[1, 2]")),
    "config-garbage": ("config.json", lambda m: (m / "config.json").write_text("{not json")),
    "config-list": ("config.json", lambda m: (m / "config.json").write_text("[1]")),
    "config-empty": ("config.json", lambda m: (m / "config.json").write_text("")),
    "config-missing": ("config.json", lambda m: (m / "config.json").unlink()),
    "config-binary": ("config.json", lambda m: _garbage(m / "config.json")),
    "generation-config-garbage": ("generation_config.json", lambda m: (m / "generation_config.json").write_text("{")),
    "tokenizer-config-garbage": ("tokenizer_config.json", lambda m: (m / "tokenizer_config.json").write_text("{")),
}


@pytest.fixture
def damaged(tiny_models, tmp_path):
    """``make(name)`` → a registry whose fr-en model is a copy of the tiny one with damage ``name``."""

    def make(name: str, source: str = "fr-en") -> tuple[Path, Path]:
        folder, registry = model_copy(tiny_models[source], tmp_path / name)
        DAMAGES[name][1](folder)
        return folder, registry

    return make


def _translate(registry: Path, article: Path, backend: str, *extra):
    return invoke(*model_args(article, backend, *extra), registry=registry)


@pytest.mark.parametrize("name", sorted(DAMAGES))
def test_damaged_model_is_exit_4_naming_the_file(damaged, tmp_path, name):
    folder, registry = damaged(name)
    (article,) = write_articles(tmp_path / "in", 1)
    result = _translate(registry, article, "transformers")
    assert result.exit_code == 4, result.output
    line = one_line_error(result.output)
    assert f"model {folder}" in line and DAMAGES[name][0] in line
    assert "copy the model's files into the folder again" in line


@pytest.mark.parametrize("name", ["safetensors-truncated", "source-spm-truncated", "vocab-truncated", "config-list"])
def test_damaged_model_is_exit_4_with_ctranslate2(damaged, tmp_path, name):
    pytest.importorskip("ctranslate2")
    folder, registry = damaged(name)
    (article,) = write_articles(tmp_path / "in", 1)
    result = _translate(registry, article, "ctranslate2")
    assert result.exit_code == 4, result.output
    assert DAMAGES[name][0] in one_line_error(result.output)
    assert not [p for p in folder.rglob("*") if ".converting-" in p.name]


def test_a_batch_stops_with_one_line_on_a_damaged_model(damaged, tmp_path):
    _, registry = damaged("safetensors-truncated")
    folder = tmp_path / "in"
    write_articles(folder, 3)
    result = _translate(registry, folder, "transformers", "-o", tmp_path / "out")
    assert result.exit_code == 4, result.output
    assert "model.safetensors is truncated" in one_line_error(result.output)
    assert not list((tmp_path / "out").glob("*"))


def test_damaged_hub_download_says_how_to_download_it_again(tiny_models, tmp_path, monkeypatch):
    cache = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    commit = install_in_hub_cache(tiny_models["fr-en"], cache, "Helsinki-NLP/opus-mt-fr-en")
    snapshot = cache / "models--Helsinki-NLP--opus-mt-fr-en" / "snapshots" / commit
    _truncate(snapshot / "model.safetensors")
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": "Helsinki-NLP/opus-mt-fr-en"})
    (article,) = write_articles(tmp_path / "in", 1)
    result = _translate(registry, article, "transformers")
    assert result.exit_code == 4, result.output
    line = one_line_error(result.output)
    assert "model Helsinki-NLP/opus-mt-fr-en" in line and "model.safetensors is truncated" in line
    assert f"delete {cache / 'models--Helsinki-NLP--opus-mt-fr-en'}" in line
    assert "`trpipe models pull Helsinki-NLP/opus-mt-fr-en`" in line


def test_damaged_summariser_is_a_warning_and_the_translation_is_kept(tiny_models, tmp_path):
    summariser = tmp_path / "sum-en"
    shutil.copytree(tiny_models["sum-en"], summariser)
    _truncate(summariser / "tokenizer.json")
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": tiny_models["fr-en"]}, {"en": summariser})
    (article,) = write_articles(tmp_path / "in", 1)
    out = tmp_path / "a.json"
    result = _translate(registry, article, "transformers", "--summary", "-o", out)
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.output.splitlines() if "summary skipped" in line]
    assert f"model {summariser}" in warning and "tokenizer.json" in warning
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["segments"] and "tokenizer.json" in doc["provenance"]["summary_error"]


def test_a_failing_plugin_backend_is_a_model_error(tmp_path):
    from echo_backend import EchoTranslator
    from trpipe.translate.base import register_backend

    @register_backend("broken-loader")
    class Broken(EchoTranslator):
        def __init__(self, spec, device=None):
            raise RuntimeError("weights in a format this backend does not read")

    registry = write_registry(tmp_path / "m.yaml", {"fr-en": "org/some-model"})
    (article,) = write_articles(tmp_path / "in", 1)
    result = _translate(registry, article, "broken-loader")
    assert result.exit_code == 4, result.output
    line = one_line_error(result.output)
    assert "model org/some-model" in line and "RuntimeError: weights in a format this backend does not read" in line


def test_diagnose_passes_the_intact_tiny_models(tiny_models):
    for folder in tiny_models.values():
        assert diagnose(folder) is None


def test_a_broken_ctranslate2_conversion_is_converted_again(tiny_models, tmp_path):
    pytest.importorskip("ctranslate2")
    folder, registry = model_copy(tiny_models["fr-en"], tmp_path / "fr-en")
    (article,) = write_articles(tmp_path / "in", 1)
    assert _translate(registry, article, "ctranslate2").exit_code == 0
    (conversion,) = folder.glob("ctranslate2-*")
    _truncate(conversion / "model.bin")
    again = _translate(registry, article, "ctranslate2")
    assert again.exit_code == 0, again.output
    assert diagnose(folder) is None


@pytest.mark.parametrize("engine", ["local", "ray"])
@pytest.mark.parametrize("damage", ["garbage", "truncated-header", "a-folder"])
def test_a_damaged_translation_memory_is_named(echo_registry, tmp_path, damage, engine):
    if engine == "ray":
        pytest.importorskip("ray")
    cache = tmp_path / "cache"
    cache.mkdir()
    memory = cache / "translation-memory.sqlite3"
    if damage == "garbage":
        memory.write_bytes(os.urandom(8192))
    elif damage == "truncated-header":
        memory.write_bytes(b"SQLite format 3\x00" + b"\x10\x00" + os.urandom(200))
    else:
        memory.mkdir()
    (article,) = write_articles(tmp_path / "in", 1)
    result = invoke(
        "translate", article, "--from", "fr", "--to", "en", "--backend", "test-echo", "--no-summary",
        "--cache-dir", cache, "--engine", engine, registry=echo_registry,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    line = one_line_error(result.output)
    assert str(memory) in line and "--no-cache" in line
