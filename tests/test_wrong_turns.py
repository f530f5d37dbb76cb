"""A newcomer's wrong turns (issue 22): outputs are what their names say, and the small untruths are gone.

Each wrong turn gets its message and its exit code checked. The suffixes come from the writer registry
(``trpipe.render.suffix_formats``), so these tests stay true as writers are added.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile

import pytest

from documents.samples import BUILDERS
from fault_helpers import ARTICLE, echo_args, invoke, one_line_error
from trpipe.cli import FORMATS
from trpipe.render import BINARY, SAME, SUFFIXES, suffix_formats

TEXT = ARTICLE.format(n=1000, year=2027)
# What each format's file starts with (or holds), to check that a suffix got its own format.
LOOKS_LIKE = {
    "md": lambda data: data.startswith(b"# "),
    "json": lambda data: isinstance(json.loads(data), dict),
    "html": lambda data: data.startswith(b"<!DOCTYPE html>"),
    "tmx": lambda data: b"<tmx" in data[:400],
    "xliff": lambda data: b"<xliff" in data[:400],
    "jsonl": lambda data: all(json.loads(line)["doc"] for line in data.splitlines()),
}
MIMETYPES = {"odt": "application/vnd.oasis.opendocument.text", "epub": "application/epub+zip"}
PARTS = {"docx": "word/document.xml", "pptx": "ppt/presentation.xml"}  # Office Open XML: the main part


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "a.fr.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


# ------------------------------------------------------------------------- outputs are what their names say


@pytest.mark.parametrize("name", ["out.pdf", "out.doc", "out.txt", "notes.en", "OUT.RTF", "report.html.bak"])
def test_a_suffix_no_writer_takes_is_refused_before_any_work(echo_registry, tmp_path, name):
    missing = tmp_path / "not-read-yet.txt"  # refused before the input is even read
    out = tmp_path / name
    result = invoke(*echo_args(), missing, "-o", out, registry=echo_registry)
    assert result.exit_code == 2
    line = one_line_error(result.output)
    suffix = out.suffix
    assert f"-o {out}: trpipe does not write {suffix} files" in line
    for known in suffix_formats():
        assert known in line
    assert "not-read-yet" not in line and not out.exists()


@pytest.mark.parametrize("suffix", sorted(suffix_formats()))
def test_every_suffix_the_writers_take_gets_its_format(echo_registry, article, tmp_path, suffix):
    fmt = suffix_formats()[suffix]
    if fmt in BINARY and fmt != "docx":  # written back: an input of that format (a text input makes a .docx)
        article, _ = BUILDERS[fmt](tmp_path)
    out = tmp_path / f"out{suffix}"
    result = invoke(*echo_args(), article, "-o", out, registry=echo_registry)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if suffix == ".parquet":
        assert data.startswith(b"PAR1")
    elif fmt in BINARY:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if fmt in MIMETYPES:  # OpenDocument and EPUB name their type first
                assert package.read("mimetype").decode() == MIMETYPES[fmt]
            else:
                assert PARTS[fmt] in package.namelist(), (suffix, package.namelist())
    else:
        assert LOOKS_LIKE.get(fmt, lambda data: bool(data))(data), (suffix, data[:80])


def test_a_written_back_suffix_needs_an_input_of_its_format(echo_registry, article, tmp_path):
    for fmt in BINARY:
        if fmt == "docx":
            continue
        out = tmp_path / f"out{SUFFIXES[fmt]}"
        result = invoke(*echo_args(), article, "-o", out, registry=echo_registry)
        assert result.exit_code == 2, (fmt, result.output)
        line = one_line_error(result.output)
        assert str(article) in line and "this is a text input" in line and not out.exists()


def test_format_and_suffix_that_disagree_are_refused(echo_registry, article, tmp_path):
    for suffix, named in suffix_formats().items():
        for fmt in FORMATS:
            if fmt == named or (fmt == SAME and named in (*BINARY, "html")):  # same: a document's own suffix
                continue
            out = tmp_path / f"out{suffix}"
            result = invoke(*echo_args(), article, "--format", fmt, "-o", out, registry=echo_registry)
            assert result.exit_code == 2, (suffix, fmt, result.output)
            line = one_line_error(result.output)
            assert f"--format {fmt} disagrees with the suffix {suffix}" in line, line
            assert not out.exists()


def test_format_same_takes_the_suffix_of_a_document_written_back(echo_registry, tmp_path):
    document, _ = BUILDERS["odt"](tmp_path)
    out = tmp_path / "note.en.odt"
    result = invoke(*echo_args(), document, "--format", "same", "-o", out, registry=echo_registry)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        assert package.read("mimetype").decode() == MIMETYPES["odt"]


def test_with_format_a_suffix_of_no_file_type_is_only_a_name(echo_registry, article, tmp_path):
    named = invoke(*echo_args(), article, "--format", "json", "-o", tmp_path / "note.en", registry=echo_registry)
    assert named.exit_code == 0, named.output
    assert isinstance(json.loads((tmp_path / "note.en").read_text(encoding="utf-8")), dict)
    typed = invoke(*echo_args(), article, "--format", "md", "-o", tmp_path / "note.pdf", registry=echo_registry)
    assert typed.exit_code == 2 and "trpipe does not write .pdf files" in one_line_error(typed.output)
    assert not (tmp_path / "note.pdf").exists()


def test_several_inputs_refuse_an_output_named_like_a_file(echo_registry, article, tmp_path):
    for name in ("all.docx", "all.md", "all.pdf"):
        result = invoke(*echo_args(), article, article.with_name("b.fr.txt"), "-o", tmp_path / name,
                        registry=echo_registry)  # fmt: skip
        assert result.exit_code == 2
        assert "name a folder" in one_line_error(result.output)
        assert not (tmp_path / name).exists()
    article.with_name("b.fr.txt").write_text(TEXT, encoding="utf-8")
    dotted = tmp_path / "out.2024"  # a dotted folder name is still a folder
    result = invoke(*echo_args(), article, article.with_name("b.fr.txt"), "-o", dotted, registry=echo_registry)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in dotted.iterdir()) == ["a.fr.md", "b.fr.md"]


def test_a_stream_suffix_with_another_format_is_refused(echo_registry, article, tmp_path):
    result = invoke(*echo_args(), article, article, "--format", "json", "-o", tmp_path / "all.jsonl",
                    registry=echo_registry)  # fmt: skip
    assert result.exit_code == 2
    assert "--format json disagrees with the suffix .jsonl" in one_line_error(result.output)


# ------------------------------------------------------------------------------------------ small untruths


def test_a_missing_parquet_extra_exits_4_naming_it(echo_registry, article, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails, as without the extra
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "all.parquet"
    result = invoke(*echo_args(), article, "-o", out, registry=echo_registry)
    assert result.exit_code == 4
    line = one_line_error(result.output)
    assert "pip install 'trpipe[parquet]'" in line and str(out) in line and not out.exists()


def test_the_offline_error_points_to_the_demo_models(article, tmp_path, monkeypatch):
    from trpipe.models.demo import write_registry

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    registry = write_registry(tmp_path / "models.yaml", {"fr-en": "trpipe-tests/not-cached"})
    result = invoke("translate", article, "--from", "fr", "--to", "en", "--no-summary", registry=registry)
    assert result.exit_code == 4
    line = one_line_error(result.output)
    assert "trpipe-tests/not-cached" in line and "trpipe models demo" in line


def test_same_language_is_labelled_honestly(echo_registry, article):
    result = invoke(*echo_args(), article, "--to", "fr", registry=echo_registry)
    assert result.exit_code == 0, result.output
    assert "no model: already in fr, kept as it is" in result.stdout
    assert "with* ?" not in result.stdout
    html = invoke(*echo_args(), article, "--to", "fr", "--format", "html", registry=echo_registry)
    assert "no model: already in fr" in html.stdout


def test_models_pull_dry_run_that_learns_nothing_fails(tmp_path, monkeypatch):
    from trpipe.models.demo import write_registry

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    registry = write_registry(tmp_path / "models.yaml", {"fr-en": "trpipe-tests/not-cached"})
    result = invoke("models", "pull", "fr-en", "--dry-run", registry=registry)
    assert result.exit_code == 4
    assert "the hub cannot tell more" in result.stdout
    line = one_line_error(result.output)
    assert "could not be asked about 1 of 1 models" in line and "trpipe-tests/not-cached" in line


def test_models_pull_dry_run_of_local_models_succeeds(tiny_registry, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = invoke("models", "pull", "fr-en", "--dry-run", registry=tiny_registry)
    assert result.exit_code == 0, result.output
    assert "a local folder" in result.stdout


def test_a_cuda_device_without_one_fails_fast_without_loading_torch(echo_registry, article):
    from trpipe.devices import cuda_devices

    if cuda_devices()[0] != 0:
        pytest.skip("this machine may have a CUDA device")
    code = (
        "import sys, time\n"
        "from trpipe.cli import cli\n"
        f"args = ['translate', {str(article)!r}, '--to', 'en', '--from', 'fr', '--device', 'cuda', '--no-cache']\n"
        "try:\n    cli(args, standalone_mode=True)\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = [m for m in ('torch', 'ctranslate2', 'transformers') if m in sys.modules]\n"
        "print('exit', code, 'heavy', heavy)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TRPIPE_MODELS": str(echo_registry)})  # fmt: skip
    elapsed = time.monotonic() - started
    assert "exit 2 heavy []" in done.stdout, done.stdout + done.stderr
    assert "--device cuda: this machine has no CUDA device" in done.stderr
    assert elapsed < 5, elapsed  # python, click and trpipe's light imports: well under a second when quiet


@pytest.mark.parametrize(
    ("device", "message"),
    [("cuda:3", "this machine has no CUDA device"), ("mps", "Apple MPS exists only on macOS")],
)
def test_a_device_this_machine_lacks_is_refused_from_python_too(echo_registry, device, message):
    import platform

    from trpipe import Session
    from trpipe.devices import cuda_devices
    from trpipe.errors import UsageError

    if (device == "mps" and platform.system() == "Darwin") or (device.startswith("cuda") and cuda_devices()[0] != 0):
        pytest.skip("this machine may have that device")
    session = Session(echo_registry, to="en", backend="test-echo", device=device, cache=False)
    with session, pytest.raises(UsageError, match=message) as info:
        session.translate_text("Le conseil a voté.", source_lang="fr", summary=False)
    assert info.value.exit_code == 2


class FakeNVML:
    """The NVML calls trpipe.devices makes, answering ``count`` GPUs."""

    def __init__(self, count: int, status: int = 0):
        self.count, self.status = count, status

    def nvmlInit_v2(self):
        return self.status

    def nvmlDeviceGetCount_v2(self, pointer):
        pointer._obj.value = self.count
        return 0

    def nvmlShutdown(self):
        return 0


@pytest.mark.parametrize(
    ("libraries", "visible", "device", "message"),
    [
        ({"nvml": FakeNVML(2)}, None, "cuda:1", None),
        ({"nvml": FakeNVML(2)}, None, "cuda:2", "this machine has 2 CUDA devices (cuda:0 to cuda:1)"),
        ({"nvml": FakeNVML(2)}, "", "cuda", "the NVIDIA driver reports no GPU (CUDA_VISIBLE_DEVICES hides them)"),
        ({"nvml": FakeNVML(2)}, "1", "cuda:1", "this machine has 1 CUDA device (cuda:0)"),
        ({"nvml": FakeNVML(0, status=9)}, None, "cuda", "the NVIDIA driver finds no usable GPU (NVML error 9)"),
        ({"cuda": object()}, None, "cuda:5", None),  # the CUDA driver without NVML: the backend decides
        ({}, None, "cuda", "no NVIDIA driver is installed"),
    ],
)
def test_cuda_devices_are_counted_by_the_driver(monkeypatch, libraries, visible, device, message):
    from trpipe import devices
    from trpipe.errors import UsageError

    monkeypatch.setattr(devices, "_loads", lambda names: libraries.get("nvml" if names == devices._NVML else "cuda"))
    monkeypatch.setattr(devices, "_ROCM_MARKERS", ())
    if visible is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    devices.cuda_devices.cache_clear()
    try:
        if message is None:
            devices.check_device(device)
        else:
            with pytest.raises(UsageError, match=re.escape(message)) as info:
                devices.check_device(device)
            assert info.value.exit_code == 2 and f"--device {device}: " in str(info.value)
    finally:
        devices.cuda_devices.cache_clear()
