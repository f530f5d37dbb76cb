"""Runs over many articles: folders, JSONL, naming, failures, resume, shared batches, streaming."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from trpipe.cli import cli
from trpipe.models.registry import load_registry
from trpipe.session import Session
from trpipe.settings import Settings
from trpipe.translate.base import load_translator

ARTICLE = "Le conseil régional a voté un budget de {n} euros. Les travaux commenceront en {year}.\n"


def make_folder(root: Path, count: int = 5) -> Path:
    (root / "sub").mkdir(parents=True)
    for i in range(count):
        where = root / "sub" if i % 2 else root
        (where / f"article-{i:02d}.fr.txt").write_text(ARTICLE.format(n=1000 + i, year=2020 + i), encoding="utf-8")
    return root


@pytest.fixture
def run(monkeypatch, echo_registry, tmp_path):
    monkeypatch.setenv("TRPIPE_MODELS", str(echo_registry))
    cache = tmp_path / "cache"

    def invoke(*args):
        base = [
            "translate",
            "--to",
            "en",
            "--from",
            "fr",
            "--backend",
            "test-echo",
            "--no-summary",
            "--cache-dir",
            str(cache),
        ]
        return CliRunner().invoke(cli, base + [str(a) for a in args])

    return invoke


def test_folder_with_a_broken_file(run, tmp_path):
    folder = make_folder(tmp_path / "in")
    (folder / "broken.fr.txt").write_bytes(b"\x00\x01binary\x00" * 10)
    (folder / "empty.fr.txt").write_bytes(b"")
    (folder / "notes.csv").write_text("ignored")
    out = tmp_path / "out"
    result = run(folder, "--format", "json", "-o", out)
    assert result.exit_code == 1
    assert f"{folder / 'broken.fr.txt'}: looks like a binary file" in result.output
    assert f"{folder / 'empty.fr.txt'}: is empty" in result.output
    assert "5 articles ok, 2 failed" in result.output
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.json"))
    assert written == [
        "article-00.fr.json",
        "article-02.fr.json",
        "article-04.fr.json",
        "sub/article-01.fr.json",
        "sub/article-03.fr.json",
    ]
    doc = json.loads((out / "sub" / "article-01.fr.json").read_text(encoding="utf-8"))
    assert "1001" in doc["source"]["text"] and doc["provenance"]["fingerprint"]


def test_several_files_and_markdown_names(run, tmp_path):
    a, b = tmp_path / "a.fr.txt", tmp_path / "b.fr.md"
    a.write_text(ARTICLE.format(n=1, year=2001), encoding="utf-8")
    b.write_text(ARTICLE.format(n=2, year=2002), encoding="utf-8")
    result = run(a, b, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.fr.md", "b.fr.md"]


def test_same_output_name_twice_is_refused_not_overwritten(run, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    for d in "xy":
        (tmp_path / d / "same.txt").write_text(ARTICLE.format(n=d, year=2000), encoding="utf-8")
    result = run(tmp_path / "x" / "same.txt", tmp_path / "y" / "same.txt", "-o", tmp_path / "out", "--format", "json")
    assert result.exit_code == 1
    assert "would overwrite" in result.output
    assert "x/same.txt" in json.loads((tmp_path / "out" / "same.json").read_text())["source"]["path"]


def test_jsonl_records(run, tmp_path):
    records = tmp_path / "articles.jsonl"
    records.write_text(
        json.dumps({"id": "a-1", "text": "Bonjour le monde. Il fait beau."})
        + "\n"
        + "{not json\n"
        + json.dumps({"id": "b/2", "text": "Le président est parti."})
        + "\n"
        + json.dumps({"id": "c", "text": "   "})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run(records, "--format", "json", "-o", out)
    assert result.exit_code == 1
    assert f"{records}:2: not valid JSON" in result.output
    assert f"{records}#c: contains only whitespace" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["a-1.json", "b_2.json"]


def test_jsonl_stream_output(run, tmp_path):
    folder = make_folder(tmp_path / "in", 3)
    result = run(folder, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len({line["doc"] for line in lines}) == 3


def test_several_inputs_need_an_output_folder(run, tmp_path):
    folder = make_folder(tmp_path / "in", 2)
    result = run(folder)
    assert result.exit_code == 2 and "-o must name the output folder" in result.output


def test_rerun_skips_current_outputs_and_redoes_changed_ones(run, tmp_path):
    folder = make_folder(tmp_path / "in", 4)
    out = tmp_path / "out"
    assert run(folder, "--format", "json", "-o", out).exit_code == 0
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.json")}
    second = run(folder, "--format", "json", "-o", out)
    assert "0 articles ok" in second.output and "4 skipped" in second.output
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*.json")}
    (folder / "article-00.fr.txt").write_text(ARTICLE.format(n=999, year=1999), encoding="utf-8")
    third = run(folder, "--format", "json", "-o", out)
    assert "1 article ok" in third.output and "3 skipped" in third.output
    fourth = run(folder, "--format", "json", "-o", out, "--model", "echo/other")
    assert "4 articles ok" in fourth.output
    assert "4 articles ok" in run(folder, "--format", "json", "-o", out, "--model", "echo/other", "--force").output


def test_translation_memory_serves_a_rerun(run, tmp_path):
    folder = make_folder(tmp_path / "in", 3)
    first = run(folder, "--format", "json", "-o", tmp_path / "a")
    assert "0 cache hits" in first.output
    second = run(folder, "--format", "json", "-o", tmp_path / "b")
    assert "6 cache hits" in second.output
    assert "0 cache hits" in run(folder, "--format", "json", "-o", tmp_path / "c", "--no-cache").output


def echo_session(echo_registry, **kwargs):
    return Session(
        load_registry(echo_registry),
        Settings(targets=("en",), source_lang="fr", backend="test-echo", summary=False),
        cache=False,
        **kwargs,
    )


def test_sentences_of_several_articles_share_batches(echo_registry, tmp_path):
    made = []

    def factory(spec, settings=None):
        made.append(load_translator(spec, "test-echo"))
        return made[-1]

    session = echo_session(echo_registry, translator_factory=factory)
    folder = make_folder(tmp_path / "in", 6)
    docs = [result.document for result in session.translate_many([folder])]
    assert len(made) == 1 and len(docs) == 6  # one model for the run
    (batch,) = made[0].batches  # 12 sentences of 6 articles in one batch
    assert len(batch) == 12
    for doc in docs:
        for seg in doc.segments:
            for sentence in seg.sentences:
                assert sentence.translation == "⟨" + " ".join(sentence.text.split()) + "⟩"


def test_inputs_are_streamed_group_by_group(echo_registry):
    pulled = []

    def items():
        for i in range(1000):
            pulled.append(i)
            yield {"id": f"r{i}", "text": ARTICLE.format(n=i, year=2000)}

    emitted = []
    sentences = 0
    for result in echo_session(echo_registry).translate_many(items()):
        emitted.append(len(pulled))
        sentences += sum(len(seg.sentences) for seg in result.document.segments)
    assert len(emitted) == 1000 and sentences == 2000
    assert emitted[0] <= 17  # the first output is handed over before the 18th input is even read


KILL_SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
import echo_backend
from trpipe.translate.base import register_backend

@register_backend("slow-echo")
class Slow(echo_backend.EchoTranslator):
    def translate_batch(self, texts):
        time.sleep(0.3)
        return super().translate_batch(texts)

from trpipe.cli import main
sys.argv = ["trpipe", "translate", {folder!r}, "--to", "en", "--from", "fr", "--backend", "slow-echo",
            "--no-summary", "--no-cache", "--format", "json", "-o", {out!r}, "-q"]
main()
"""


def test_a_killed_run_leaves_no_partial_file_and_a_rerun_completes(echo_registry, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(40):
        (folder / f"a{i:02d}.txt").write_text(ARTICLE.format(n=i, year=2000) * 20, encoding="utf-8")
    out = tmp_path / "out"
    script = tmp_path / "run.py"
    script.write_text(KILL_SCRIPT.format(tests=str(Path(__file__).parent), folder=str(folder), out=str(out)))
    env = {**os.environ, "TRPIPE_MODELS": str(echo_registry)}
    proc = subprocess.Popen([sys.executable, str(script)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.json"))) < 5:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = list(out.glob("*.json"))
    assert 5 <= len(done) < 40
    for path in done:
        json.loads(path.read_text(encoding="utf-8"))  # complete, or it would not be there
    rerun = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert len(list(out.glob("*.json"))) == 40
    assert not list(out.glob(".*.tmp"))
