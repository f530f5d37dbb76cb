"""The command line through click's CliRunner, and the import cost of --help."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from trpipe.cli import cli


@pytest.fixture
def run(monkeypatch):
    def invoke(*args, registry=None, input=None):
        if registry:
            monkeypatch.setenv("TRPIPE_MODELS", str(registry))
        return CliRunner().invoke(cli, [str(a) for a in args], input=input)

    return invoke


def test_markdown_to_stdout(run, tiny_registry):
    result = run("translate", SAMPLE, "--from", "fr", "--to", "en", "--no-summary", registry=tiny_registry)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# ")
    for i in range(1, 16):
        assert f'<a id="p{i}"></a>**p{i}**' in result.output
    assert "**p1** · title · line 1" in result.output and "> PAR" in result.output


def test_json_to_file(run, tiny_registry, tmp_path):
    out = tmp_path / "out.json"
    result = run(
        "translate", SAMPLE, "--to", "en", "--no-summary", "--format", "json", "-o", out, registry=tiny_registry
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["source"]["lang"] == "fr"  # detected
    assert len(data["segments"]) >= 15
    assert not list(tmp_path.glob(".*.tmp"))


def test_format_follows_the_output_suffix(run, echo_registry, tmp_path):
    out = tmp_path / "doc.json"
    result = run("translate", SAMPLE, "--to", "en", "--backend", "test-echo", "-o", out, registry=echo_registry)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["segments"]


def test_stdin(run, echo_registry):
    result = run(
        "translate",
        "-",
        "--to",
        "en",
        "--from",
        "fr",
        "--backend",
        "test-echo",
        "--format",
        "json",
        registry=echo_registry,
        input="Bonjour le monde. Il fait beau.\n",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"]["path"] == "<stdin>"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "is empty"), (b"   \n\n  ", "only whitespace"), (b"\x00\x01\x02binary" * 30, "binary")],
)
def test_bad_input_exits_2_with_one_line_and_no_output(run, echo_registry, tmp_path, content, reason):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = tmp_path / "out.json"
    result = run("translate", bad, "--to", "en", "-o", out, "--backend", "test-echo", registry=echo_registry)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and reason in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_file(run, echo_registry, tmp_path):
    result = run("translate", tmp_path / "nope.txt", "--to", "en", registry=echo_registry)
    assert result.exit_code == 2 and "nope.txt: no such file" in result.output


def test_unknown_pair_lists_pairs(run, echo_registry):
    result = run("translate", SAMPLE, "--from", "fr", "--to", "sw", registry=echo_registry)
    assert result.exit_code == 2
    assert "fr-sw" in result.output and "fr-en" in result.output


def test_missing_model_is_a_clear_error(run, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    result = run("translate", SAMPLE, "--to", "en", "--model", "trpipe-tests/absent")
    assert result.exit_code == 4
    assert "trpipe-tests/absent is not in the Hugging Face cache" in result.output
    assert "Traceback" not in result.output


def test_bad_language_code(run, echo_registry):
    result = run("translate", SAMPLE, "--to", "english!", registry=echo_registry)
    assert result.exit_code == 2 and "--to english!" in result.output


def test_help_does_not_import_torch():
    code = (
        "import sys\n"
        "from trpipe.cli import cli\n"
        "try:\n    cli(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "cli(['translate', '--help'], standalone_mode=False)\n"
        "heavy = [m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "translate" in result.stdout


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "trpipe", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "trpipe" in result.stdout
