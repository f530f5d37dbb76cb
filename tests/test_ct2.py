"""The CTranslate2 backend on the tiny Marian model: conversion once, same decoding and document contract."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import SAMPLE
from tiny_models import install_in_hub_cache, write_registry
from trpipe import translate_file
from trpipe.errors import MissingExtraError, UsageError
from trpipe.models.registry import load_registry
from trpipe.render import render
from trpipe.translate.base import load_translator
from trpipe.translate.memory import memory_key
from trpipe.validate import validate_file

TEXTS = ["Bonjour à tous.", "Le régime chinois a reçu 75 milliards de dollars de subventions publiques.", "Oui."]


@pytest.fixture(scope="module")
def ct2():
    return pytest.importorskip("ctranslate2", reason="the ctranslate2 extra is not installed (pip install trpipe[ct2])")


@pytest.fixture(scope="module")
def model_copy(tiny_models, tmp_path_factory):
    """A private copy of the tiny fr-en model (its conversion is written beside it) and a registry for it."""
    root = tmp_path_factory.mktemp("ct2")
    folder = shutil.copytree(tiny_models["fr-en"], root / "fr-en")
    return folder, write_registry(root / "models.yaml", {"fr-en": folder})


pytestmark = pytest.mark.usefixtures("private_cache")  # conversions into a cache of the test's own


def load(registry, **options):
    return load_translator(load_registry(registry).translation("fr", "en"), "ctranslate2", **options)


@pytest.fixture(scope="module")
def fr_en(ct2, model_copy):
    return load(model_copy[1], device="cpu")


def test_missing_extra_names_the_extra(echo_registry, monkeypatch):
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # import ctranslate2 now raises ImportError
    with pytest.raises(MissingExtraError, match=r"ctranslate2 backend needs the 'ctranslate2' package.*trpipe\[ct2\]"):
        load(echo_registry)


def test_conversion_is_made_once_beside_the_model(fr_en, model_copy):
    folder, registry = model_copy
    assert fr_en.model_dir == folder / "ctranslate2-int8"
    model_bin = fr_en.model_dir / "model.bin"
    stamp = model_bin.stat().st_mtime_ns
    assert not [p for p in folder.iterdir() if ".converting-" in p.name]  # no temporary folder left
    again = load(registry, device="cpu")
    assert not again.converted and again.model_dir == fr_en.model_dir
    assert model_bin.stat().st_mtime_ns == stamp
    assert again.translate_batch(TEXTS[:1]) == fr_en.translate_batch(TEXTS[:1])


def test_translates_a_batch_in_order(fr_en):
    out = fr_en.translate_batch(TEXTS)
    assert len(out) == 3 and all(isinstance(t, str) and t.strip() == t and t for t in out)
    assert fr_en.translate_batch(TEXTS[1:2]) == out[1:2]  # batching and padding do not change a result
    assert fr_en.translate_batch([]) == []


def test_decoding_is_bounded_like_the_transformers_backend(fr_en, monkeypatch):
    assert fr_en.max_new_tokens(5) < fr_en.max_new_tokens(50) <= int(fr_en.settings["max_length"])
    real, seen = fr_en.translator, []

    class Spy:
        def translate_batch(self, source, **options):
            results = real.translate_batch(source, **options)
            seen.append((max(map(len, source)), options, max(len(r.hypotheses[0]) for r in results)))
            return results

    monkeypatch.setattr(fr_en, "translator", Spy())
    fr_en.translate_batch(TEXTS)
    ((width, options, longest),) = seen
    assert options["beam_size"] == 2 and options["max_input_length"] == 0
    # the tiny model never ends by itself: it stops at the bound, one token short of transformers' count,
    # which includes the forced end token
    assert longest == options["max_decoding_length"] == fr_en.max_new_tokens(width) - 1


def test_provenance(fr_en, echo_registry, model_copy):
    info = fr_en.describe()
    assert info["backend"] == "ctranslate2" and info["architecture"] == "MarianMTModel"
    assert info["device"] == "cpu" and info["compute_type"].startswith("int8")
    assert info["model"] == str(model_copy[0]) and info["commit"] is None
    # the decoding settings are those any backend reports for the same registry entry
    assert (
        fr_en.decoding()
        == load_translator(load_registry(model_copy[1]).translation("fr", "en"), "test-echo").decoding()
    )


def test_compute_type_is_chosen_and_keyed(ct2, fr_en, model_copy):
    with pytest.raises(UsageError, match="compute type bfloat17 is not supported"):
        load(model_copy[1], compute_type="bfloat17")
    with pytest.raises(UsageError, match="--device mps"):
        load(model_copy[1], device="mps")
    full = load(model_copy[1], device="cpu", compute_type="float32")
    assert full.describe()["compute_type"] == "float32" and full.model_dir.name == "ctranslate2-float32"
    assert memory_key(full)[0] != memory_key(fr_en)[0]  # the translation memory keeps them apart
    assert all(full.translate_batch(TEXTS))


def test_sample_document_meets_the_contract(ct2, model_copy, tmp_path):
    doc = translate_file(SAMPLE, "en", registry=model_copy[1], source_lang="fr", summary=False, backend="ctranslate2")
    path = tmp_path / "out.json"
    path.write_text(render(doc, "json"), encoding="utf-8")
    problems = validate_file(path, min_segments=15)
    assert not problems, problems
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["provenance"]["models"]["translation"]["backend"] == "ctranslate2"
    assert "backend:ctranslate2" in data["provenance"]["signature"]
    for seg in data["segments"]:
        assert all(s["translation"] for s in seg["sentences"])


def test_three_thousand_word_paragraph_is_translated_completely(ct2, model_copy, tmp_path):
    sentences = SAMPLE.read_text(encoding="utf-8").replace("\n", " ").split(". ")
    words, paragraph = 0, []
    while words < 3000:
        for s in sentences:
            paragraph.append(s.strip() + ".")
            words += len(s.split())
    text = " ".join(paragraph)
    path = tmp_path / "long.fr.txt"
    path.write_text(text, encoding="utf-8")
    doc = translate_file(path, "en", registry=model_copy[1], source_lang="fr", summary=False, backend="ctranslate2")
    (seg,) = doc.segments
    assert len(seg.sentences) >= 100
    assert "".join("".join(s.text for s in seg.sentences).split()) == "".join(text.split())
    assert all(s.translation for s in seg.sentences)


def test_an_unwritable_model_folder_converts_into_the_cache(ct2, model_copy, private_cache, monkeypatch, tmp_path):
    import trpipe.translate.ct2convert as backend

    folder = shutil.copytree(model_copy[0], tmp_path / "readonly", ignore=shutil.ignore_patterns("ctranslate2-*"))
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": folder})
    mkdtemp = backend.tempfile.mkdtemp

    def refuse(prefix=None, dir=None, **kw):  # the tests run as root: chmod would not stop a write
        if dir is not None and dir == folder:
            raise PermissionError(13, "Permission denied")
        return mkdtemp(prefix=prefix, dir=dir, **kw)

    monkeypatch.setattr(backend.tempfile, "mkdtemp", refuse)
    translator = load(registry, device="cpu")
    assert translator.converted and private_cache in translator.model_dir.parents
    assert not (folder / "ctranslate2-int8").exists()
    assert load(registry, device="cpu").converted is False  # found in the cache next time


def test_killed_and_stale_conversions_are_replaced(ct2, model_copy, tmp_path):
    folder = shutil.copytree(model_copy[0], tmp_path / "m", ignore=shutil.ignore_patterns("ctranslate2-*"))
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": folder})
    half = folder / "ctranslate2-int8"
    half.mkdir()
    (half / "model.bin").write_bytes(b"\0" * 10)  # a conversion killed before it was complete
    translator = load(registry, device="cpu")
    assert translator.converted and (half / "trpipe-ct2.json").is_file()
    assert all(translator.translate_batch(TEXTS))
    (folder / "model.safetensors").touch()  # the model changed in place: its conversion is stale
    assert load(registry, device="cpu").converted
    assert load(registry, device="cpu").converted is False
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["ctranslate2-int8"]


# One of two runs converting the same model at once: it starts converting when told to.
CONVERT = """
import os, sys, time
from pathlib import Path
from trpipe.translate.ct2 import import_ctranslate2
from trpipe.translate.ct2convert import ensure_converted
from trpipe.models.registry import load_registry
registry, folder, go, worker = sys.argv[1:]
spec = load_registry(registry).translation("fr", "en")
ct2 = import_ctranslate2()
import ctranslate2.converters, transformers  # the slow imports, before the start
open(f"{go}.{worker}", "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
place, converted = ensure_converted(ct2, spec, Path(folder), None, "int8")
print(place, converted)
"""


@pytest.mark.slow
def test_two_runs_converting_at_once_end_with_one_complete_model(ct2, model_copy, tmp_path):
    folder = shutil.copytree(model_copy[0], tmp_path / "m", ignore=shutil.ignore_patterns("ctranslate2-*"))
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": folder})
    go = tmp_path / "go"
    args = [sys.executable, "-c", CONVERT, str(registry), str(folder), str(go)]
    procs = [subprocess.Popen([*args, str(w)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for w in range(2)]
    deadline = time.monotonic() + 120
    while not all(go.with_name(f"go.{w}").exists() for w in range(2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both have imported everything: convert together
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err.decode()[-2000:] for _, err in outputs]
    assert {out.decode().split()[0] for out, _ in outputs} == {str(folder / "ctranslate2-int8")}
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["ctranslate2-int8"]  # no leftovers
    translator = load(registry, device="cpu")
    assert translator.converted is False and all(translator.translate_batch(TEXTS))


def test_a_run_that_finishes_second_keeps_the_first_conversion(ct2, model_copy, tmp_path, monkeypatch):
    """The interleaving of two runs, made deterministic: B converts and installs while A is converting."""
    from trpipe.translate import ct2convert as backend
    from trpipe.translate.memory import folder_fingerprint

    folder = shutil.copytree(model_copy[0], tmp_path / "m", ignore=shutil.ignore_patterns("ctranslate2-*"))
    spec = load_registry(write_registry(tmp_path / "m.yaml", {"fr-en": folder})).translation("fr", "en")
    converter, calls = ct2.converters.TransformersConverter, []

    class Interleaved(converter):
        def convert(self, output_dir, **kwargs):
            calls.append(output_dir)
            if len(calls) == 1:  # run A is converting: run B converts and installs in the meantime
                assert backend.convert_model(ct2, folder, folder / "ctranslate2-int8", "int8", identity) is not None
                stamps.append((folder / "ctranslate2-int8" / "model.bin").stat().st_mtime_ns)
            return super().convert(output_dir, **kwargs)

    identity = {"model": spec.model, "version": folder_fingerprint(folder), "quantization": "int8"}
    stamps: list[int] = []
    monkeypatch.setattr(ct2.converters, "TransformersConverter", Interleaved)
    place, converted = backend.ensure_converted(ct2, spec, folder, None, "int8", tmp_path / "cache")
    assert len(calls) == 2 and converted and place == folder / "ctranslate2-int8"
    assert (place / "model.bin").stat().st_mtime_ns == stamps[0]  # B's conversion stayed in place
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["ctranslate2-int8"]  # A's was removed


def test_a_failed_conversion_leaves_nothing(ct2, model_copy, tmp_path, monkeypatch):
    from trpipe.errors import ModelError
    from trpipe.translate.ct2convert import ensure_converted

    folder = shutil.copytree(model_copy[0], tmp_path / "m", ignore=shutil.ignore_patterns("ctranslate2-*"))
    spec = load_registry(write_registry(tmp_path / "m.yaml", {"fr-en": folder})).translation("fr", "en")

    def fail(self, output_dir, **kwargs):
        (Path(output_dir) / "model.bin").parent.mkdir(parents=True)
        (Path(output_dir) / "model.bin").write_bytes(b"half")
        raise ValueError("No conversion is registered for the model configuration")

    monkeypatch.setattr(ct2.converters.TransformersConverter, "convert", fail)
    with pytest.raises(
        ModelError,
        match="cannot convert the model for CTranslate2 .No conversion is registered.*--backend transformers",
    ):
        ensure_converted(ct2, spec, folder, None, "int8", tmp_path / "cache")
    assert not [p for p in folder.iterdir() if p.is_dir()]


def test_threads_converting_at_once_convert_once(ct2, model_copy, tmp_path):
    from trpipe.translate.ct2convert import ensure_converted

    folder = shutil.copytree(model_copy[0], tmp_path / "m", ignore=shutil.ignore_patterns("ctranslate2-*"))
    spec = load_registry(write_registry(tmp_path / "m.yaml", {"fr-en": folder})).translation("fr", "en")
    results, barrier = [], threading.Barrier(2)

    def convert():
        barrier.wait()
        results.append(ensure_converted(ct2, spec, folder, None, "int8", tmp_path / "cache"))

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [(folder / "ctranslate2-int8", False), (folder / "ctranslate2-int8", True)]


def test_hub_model_converts_into_the_cache_by_commit(ct2, tiny_models, private_cache, tmp_path, monkeypatch):
    commit = install_in_hub_cache(tiny_models["fr-en"], tmp_path / "hub", "Helsinki-NLP/opus-mt-fr-en")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": "Helsinki-NLP/opus-mt-fr-en"})
    translator = load(registry, device="cpu")
    expected = private_cache / "ctranslate2" / "Helsinki-NLP--opus-mt-fr-en" / commit / "int8"
    assert translator.model_dir == expected and translator.converted
    info = translator.describe()
    assert (info["model"], info["revision"], info["commit"]) == ("Helsinki-NLP/opus-mt-fr-en", None, commit)
    assert not any(p.name.startswith("ctranslate2") for p in (tmp_path / "hub").rglob("*"))  # hub cache untouched
    assert all(translator.translate_batch(TEXTS))
    assert load(registry, device="cpu").converted is False


@pytest.mark.requires_cuda
def test_gpu_path(ct2, model_copy, tmp_path):
    if ct2.get_cuda_device_count() == 0:
        pytest.skip("CTranslate2 finds no CUDA device")
    translator = load(model_copy[1])  # auto: CUDA when present
    info = translator.describe()
    assert info["device"] == "cuda" and info["compute_type"] in {"int8_float16", "float16"}
    out = translator.translate_batch(TEXTS)
    assert len(out) == 3 and all(out)
    doc = translate_file(SAMPLE, "en", registry=model_copy[1], source_lang="fr", summary=False, backend="ctranslate2")
    assert doc.provenance["models"]["translation"]["device"] == "cuda"
    assert all(s.translation for seg in doc.segments for s in seg.sentences)


def test_cross_attention_of_a_translation_becomes_word_links(fr_en):
    """The model's attention is an extra alignment signal (issue 24): its structure, not its wording."""
    from trpipe.checks.align import attention_links, words

    source = "Le 12 février 2021, la région Grand Est a alloué une aide à Huawei."
    translation = fr_en.translate_batch([source])[0]
    found = fr_en.cross_attention([(source, translation), (source, "")])
    assert found[1] is None or len(found[1].rows) <= 1  # the end token alone
    attention = found[0]
    assert attention is not None and attention.rows
    assert len(attention.rows) == len(attention.target_spans)
    for row in attention.rows:
        assert len(row) == len(attention.source_spans) and sum(row) == pytest.approx(1.0, abs=1e-3)
    assert all(0 <= a <= b <= len(source) for a, b in attention.source_spans)
    assert all(0 <= a <= b <= len(translation) for a, b in attention.target_spans)
    src, tgt = words(source, "fr"), words(translation, "en")
    links = attention_links(attention.rows, attention.source_spans, attention.target_spans, src, tgt)
    assert links and len({k.target for k in links}) == len(links)
    assert all(0 <= k.source < len(src) and 0 <= k.target < len(tgt) and 0 < k.score <= 1 for k in links)
