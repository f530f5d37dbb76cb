"""A run whose models are all converted imports neither torch nor transformers (translation; ``--no-summary``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import SAMPLE
from tiny_models import install_in_hub_cache, write_registry
from trpipe.models.registry import load_registry
from trpipe.translate.base import load_translator

pytest.importorskip("ctranslate2")

# Runs `trpipe translate` in this process, then reports which heavy modules got imported (from an exit
# handler: the command leaves without Python's teardown, after its exit handlers).
RUN = """
import atexit, json, sys
from trpipe.cli import main
sys.argv = ["trpipe", *sys.argv[1:]]
heavy = lambda names: sorted(m for m in names if m in sys.modules)
start_up = ("numpy", "pydantic", "langcodes", "babel", "stopwordsiso", "urllib.request", "yaml")
atexit.register(lambda: print(json.dumps({"heavy": heavy(("torch", "transformers")), "start-up": heavy(start_up)}),
                              flush=True))
main()
"""


def run_trpipe(*args, env=None):
    result = subprocess.run(
        [sys.executable, "-c", RUN, *map(str, args)], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {"code": result.returncode, **json.loads(result.stdout.strip().splitlines()[-1])}, result


@pytest.fixture(scope="module")
def converted(tiny_models, tmp_path_factory):
    """A registry of private copies of the tiny fr-en and en-fr models, converted once in this process."""
    root = tmp_path_factory.mktemp("converted")
    folders = {k: shutil.copytree(tiny_models[k], root / k) for k in ("fr-en", "en-fr")}
    registry = write_registry(root / "models.yaml", folders)
    for pair in folders:
        load_translator(load_registry(registry).translation(*pair.split("-")), device="cpu").close()
    return registry


def test_a_run_on_converted_models_imports_no_torch(converted, tmp_path, monkeypatch):
    out = tmp_path / "out.json"
    command = ["translate", SAMPLE, "--from", "fr", "--to", "en", "--no-summary", "--models", converted]
    report, _ = run_trpipe(*command, "--format", "json", "-o", out, "-q")
    assert (report["code"], report["heavy"]) == (0, [])
    # Once the machine's tables hold what this run asked (the registry checked, language tags, CLDR and
    # stopword lists), a run imports none of the libraries they come from, nor numpy (the language
    # identifier scores short texts without it), nor PyYAML (a registry checked before is not parsed again):
    # the start-up of issue 23's floor.
    again, _ = run_trpipe(*command, "--format", "json", "-o", out, "-q", "--force")
    assert again == {"code": 0, "heavy": [], "start-up": []}
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["provenance"]["models"]["translation"]["backend"] == "ctranslate2"
    assert all(s["translation"] for seg in data["segments"] for s in seg["sentences"])


def test_a_pivot_and_two_targets_on_converted_models_import_no_torch(converted, tmp_path):
    command = ["translate", SAMPLE, "--from", "fr", "--to", "en", "--to", "fr", "--no-summary", "--models", converted]
    report, _ = run_trpipe(*command, "--format", "json", "-o", tmp_path / "out", "-q")
    assert (report["code"], report["heavy"]) == (0, [])


def test_a_hub_model_converted_before_imports_no_torch(tiny_models, tmp_path, monkeypatch):
    hub = tmp_path / "hub"
    install_in_hub_cache(tiny_models["fr-en"], hub, "Helsinki-NLP/opus-mt-fr-en")
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": "Helsinki-NLP/opus-mt-fr-en"})
    load_translator(load_registry(registry).translation("fr", "en"), device="cpu").close()  # converts
    command = ["translate", SAMPLE, "--from", "fr", "--to", "en", "--no-summary", "--models", registry]
    report, _ = run_trpipe(*command, "--format", "json", "-o", tmp_path / "out.json", "-q")
    assert (report["code"], report["heavy"]) == (0, [])


def test_the_first_run_converts_and_says_so(tiny_models, tmp_path):
    folder = shutil.copytree(tiny_models["fr-en"], tmp_path / "m", ignore=shutil.ignore_patterns("ctranslate2-*"))
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": folder})
    command = ["translate", SAMPLE, "--from", "fr", "--to", "en", "--no-summary", "--models", registry, "-v"]
    report, result = run_trpipe(*command, "-o", tmp_path / "out.md")
    assert report["code"] == 0 and "torch" in report["heavy"]  # converting needs torch, once
    assert "converting" in result.stderr and (folder / "ctranslate2-int8" / "model.bin").is_file()
    again, _ = run_trpipe(*command, "-o", tmp_path / "again.md", "--force")
    assert (again["code"], again["heavy"]) == (0, [])
