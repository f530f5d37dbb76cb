"""Checks through the whole pipeline, --strict, resume of single outputs, and edge cases of inputs and outputs."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import ClassVar

import pytest
from click.testing import CliRunner

from conftest import SAMPLE, EchoTranslator
from tiny_models import write_registry
from trpipe.cli import cli
from trpipe.read import decode_source
from trpipe.segment import segment_text
from trpipe.translate.base import register_backend


@register_backend("test-lossy")
class LossyTranslator(EchoTranslator):
    """Deterministic and unfaithful: drops numbers, the name Megvii and quote marks."""

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        self.batches.append(list(texts))
        return [re.sub(r"[«»“”\"]", "", re.sub(r"\d[\d  .,]*", "", t)).replace("Megvii", "the firm") for t in texts]


@register_backend("test-faithful")
class FaithfulTranslator(EchoTranslator):
    """Deterministic and faithful on ARTICLE: a table of human translations."""

    TABLE: ClassVar[dict[str, str]] = dict(
        zip(
            (
                "La région a versé 800 000 euros à Huawei le 12 février 2021.",
                "Huawei a travaillé avec Megvii sur la reconnaissance faciale des visages.",
                "Le député a déclaré : « Nous ne laisserons pas faire cela ».",
            ),
            (
                "The region paid €800,000 to Huawei on February 12, 2021.",
                "Huawei worked with Megvii on facial recognition of faces.",
                "The MEP declared: “We will not let this happen”.",
            ),
        )
    )

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        return [self.TABLE[t] for t in texts]


ARTICLE = (
    "La région a versé 800 000 euros à Huawei le 12 février 2021.\n\n"
    "Huawei a travaillé avec Megvii sur la reconnaissance faciale des visages.\n\n"
    "Le député a déclaré : « Nous ne laisserons pas faire cela ».\n"
)


@pytest.fixture
def run(monkeypatch, echo_registry):
    monkeypatch.setenv("TRPIPE_MODELS", str(echo_registry))

    def invoke(*args, input=None):
        return CliRunner().invoke(
            cli, ["translate", "--from", "fr", "--to", "en", "--no-summary", *[str(a) for a in args]], input=input
        )

    return invoke


def test_a_lossy_backend_is_flagged_through_the_pipeline(run, tmp_path):
    article = tmp_path / "a.fr.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "a.json"
    result = run(article, "--backend", "test-lossy", "-o", out)
    assert result.exit_code == 0, result.output
    segments = json.loads(out.read_text(encoding="utf-8"))["segments"]
    checks = [{f["check"] for f in seg["flags"]} for seg in segments]
    assert "numbers" in checks[0] and "names" in checks[1] and "quotes" in checks[2]
    assert "800 000" in next(f["detail"] for f in segments[0]["flags"] if f["check"] == "numbers")
    assert "Megvii" in next(f["detail"] for f in segments[1]["flags"] if f["check"] == "names")
    assert re.search(r"flags: .*names 1.*numbers \d.*quotes 1", result.output)
    markdown = run(article, "--backend", "test-lossy").stdout
    assert "⚠ **numbers**" in markdown and "⚠ **names**" in markdown


def test_strict_exits_3_after_writing_and_0_when_faithful(run, tmp_path):
    article = tmp_path / "a.fr.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "a.json"
    assert run(article, "--backend", "test-lossy", "--strict", "-o", out).exit_code == 3
    assert json.loads(out.read_text(encoding="utf-8"))["segments"]
    faithful = run(article, "--backend", "test-faithful", "--strict", "-o", tmp_path / "b.json")
    assert faithful.exit_code == 0, faithful.output


def test_glossary_terms_are_checked(run, tmp_path):
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("reconnaissance faciale\tfacial recognition\n", encoding="utf-8")
    article = tmp_path / "a.fr.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = run(article, "--backend", "test-faithful", "--glossary", glossary, "--strict", "-o", tmp_path / "a.json")
    assert result.exit_code == 0, result.output
    glossary.write_text("reconnaissance faciale\tface recognition\nHuawei\n", encoding="utf-8")
    result = run(article, "--backend", "test-faithful", "--glossary", glossary, "--strict", "-o", tmp_path / "b.json")
    assert result.exit_code == 3 and "terms 1" in result.output
    missing = run(article, "--backend", "test-echo", "--glossary", tmp_path / "nope.tsv")
    assert missing.exit_code == 2 and "nope.tsv" in missing.output


def test_a_single_output_is_not_redone_when_current(run, tmp_path, monkeypatch, echo_registry):
    out = tmp_path / "s.json"
    assert run(SAMPLE, "--backend", "test-echo", "-o", out).exit_code == 0
    stamp = out.stat().st_mtime_ns
    again = run(SAMPLE, "--backend", "test-echo", "-o", out)
    assert "1 skipped" in again.output and out.stat().st_mtime_ns == stamp
    forced = run(SAMPLE, "--backend", "test-echo", "-o", out, "--force")
    assert "1 article ok" in forced.output and out.stat().st_mtime_ns != stamp


def test_a_changed_model_folder_makes_outputs_stale(run, tmp_path, monkeypatch):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    monkeypatch.setenv("TRPIPE_MODELS", str(write_registry(tmp_path / "m.yaml", {"fr-en": model})))
    out = tmp_path / "s.json"
    assert run(SAMPLE, "--backend", "test-echo", "-o", out).exit_code == 0
    assert "1 skipped" in run(SAMPLE, "--backend", "test-echo", "-o", out).output
    (model / "weights.bin").write_bytes(b"retrained")
    assert "1 article ok" in run(SAMPLE, "--backend", "test-echo", "-o", out).output


def test_an_unwritable_output_fails_before_any_work(run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run(SAMPLE, "--backend", "test-echo", "-o", blocker / "out.json")
    assert result.exit_code == 2 and "cannot be written" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_several_inputs_into_a_file_name_is_refused(run, tmp_path):
    result = run(SAMPLE, SAMPLE, "--backend", "test-echo", "-o", tmp_path / "multi.json")
    assert result.exit_code == 2 and "name a folder" in result.output
    assert not (tmp_path / "multi.json").exists()


def test_jsonl_records_odd_and_html(run, tmp_path):
    records = tmp_path / "r.jsonl"
    page = (
        "<!DOCTYPE html><html><head><title>Titre</title></head><body><nav>Menu Accueil</nav><article>"
        + ("<p>" + "Le conseil régional a voté une aide importante pour la nouvelle usine. " * 4 + "</p>")
        + "</article></body></html>"
    )
    records.write_bytes(
        json.dumps({"id": None, "text": "Bonjour le monde entier."}).encode()
        + b"\n"
        + '{"id": "cp", "text": "Caf\xe9"}\n'.encode("cp1252")
        + json.dumps({"id": "web", "text": page}).encode()
        + b"\n"
    )
    out = tmp_path / "out"
    result = run(records, "--backend", "test-echo", "--format", "json", "-o", out)
    assert result.exit_code == 1
    assert f"{records}:2: not UTF-8" in result.output and "internal error" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["1.json", "web.json"]
    web = json.loads((out / "web.json").read_text(encoding="utf-8"))
    assert "<p>" not in web["source"]["text"] and "conseil régional" in web["source"]["text"]


def test_utf16_without_bom_is_text():
    text = "Le président a déclaré que la région était prête.\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        source = decode_source(text.encode(encoding), "u16.txt")
        assert source.text == text and source.encoding == encoding


def test_old_mac_line_ends_segment_like_unix(sample_text):
    unix = [(s.kind, s.text) for s in segment_text(sample_text, "fr")]
    mac = [(s.kind, s.text.replace("\r", "\n")) for s in segment_text(sample_text.replace("\n", "\r"), "fr")]
    assert mac == unix
