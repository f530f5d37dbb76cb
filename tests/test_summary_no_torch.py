"""The default job (translation, summary, back-translation) on converted models imports neither torch nor
transformers: a BART summariser (English) and an mT5 one with only spiece.model (French)."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import SAMPLE
from test_no_torch import run_trpipe
from tiny_models import ENGLISH_TEXT, write_registry
from tiny_t5 import build_mt5
from trpipe.models.registry import load_registry
from trpipe.summarise.models import load_summariser
from trpipe.translate.base import load_translator

pytest.importorskip("ctranslate2")


@pytest.fixture(scope="module")
def converted(tiny_models, tmp_path_factory):
    """Private copies of the tiny fr-en, en-fr and BART models and a tiny mT5, all converted in this process."""
    root = tmp_path_factory.mktemp("summary-converted")
    ignore = shutil.ignore_patterns("ctranslate2-*")
    folders = {k: shutil.copytree(tiny_models[k], root / k, ignore=ignore) for k in ("fr-en", "en-fr", "sum-en")}
    folders["mt5"] = build_mt5(root / "mt5", [SAMPLE.read_text(encoding="utf-8"), ENGLISH_TEXT])
    registry = write_registry(
        root / "models.yaml",
        {"fr-en": folders["fr-en"], "en-fr": folders["en-fr"]},
        {"en": folders["sum-en"], "*": folders["mt5"]},
    )
    models = load_registry(registry)
    for pair in ("fr-en", "en-fr"):
        load_translator(models.translation(*pair.split("-")), device="cpu").close()
    for lang in ("en", "fr"):
        summariser = load_summariser(models.summariser(lang), device="cpu")
        assert summariser.backend == "ctranslate2"
        summariser.close()
    return registry


def check_summary(path, target: str, source: str) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    ids = {seg["id"] for seg in data["segments"]}
    assert data["summary"][target] and len(data["summary"][source]) == len(data["summary"][target])
    for sentence in data["summary"][target] + data["summary"][source]:
        assert sentence["cites"] and set(sentence["cites"]) <= ids
    models = data["provenance"]["models"]
    assert models["summary"]["backend"] == "ctranslate2" and models["back_translation"]["backend"] == "ctranslate2"
    return data


def test_a_summary_run_on_converted_models_imports_no_torch(converted, tmp_path):
    out = tmp_path / "out.json"
    command = ["translate", SAMPLE, "--from", "fr", "--to", "en", "--models", converted, "-o", out, "-q"]
    report, _ = run_trpipe(*command)
    assert (report["code"], report["heavy"]) == (0, [])
    data = check_summary(out, "en", "fr")
    assert data["provenance"]["models"]["summary"]["architecture"] == "BartForConditionalGeneration"


def test_an_mt5_summary_on_converted_models_imports_no_torch(converted, tmp_path):
    article = tmp_path / "article.en.txt"
    article.write_text("\n\n".join(ENGLISH_TEXT.splitlines()[:12]), encoding="utf-8")
    out = tmp_path / "out.json"
    command = ["translate", article, "--from", "en", "--to", "fr", "--models", converted, "-o", out, "-q"]
    report, _ = run_trpipe(*command)
    assert (report["code"], report["heavy"]) == (0, [])
    data = check_summary(out, "fr", "en")
    summary_model = data["provenance"]["models"]["summary"]
    assert summary_model["architecture"] == "MT5ForConditionalGeneration"
    assert "float16" not in summary_model["compute_type"] or "bfloat16" in summary_model["compute_type"]
