"""The one dispatcher: every registered reader is chosen by content, and what no reader takes is named.

These tests are driven by the reader registry and ``KNOWN_KINDS``: a reader added later must bring a sample
(``tests/documents/samples.py``), and every kind that no reader takes must be refused with its name.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from documents.refused import SAMPLES
from documents.samples import BUILDERS
from trpipe.cli import cli
from trpipe.errors import InputError
from trpipe.read import read_source
from trpipe.read.registry import choose_reader, readers
from trpipe.read.sniff import KNOWN_KINDS, StreamInfo, content_kind


def _squashed(text: str) -> str:
    return " ".join(text.split())


def _refused_kinds() -> list[str]:
    taken = []
    for kind, (_, advice) in KNOWN_KINDS.items():
        if not advice:  # a kind some reader is meant to take
            continue
        try:
            choose_reader(StreamInfo(name="x", kind=kind))
        except InputError:
            taken.append(kind)
    return taken


def test_every_reader_has_a_sample_builder():
    missing = [r.name for r in readers() if r.name not in BUILDERS]
    assert not missing, f"readers without a sample in tests/documents/samples.py: {missing}"


@pytest.mark.parametrize("name", [r.name for r in readers() if not getattr(r, "collection", False)])
def test_each_reader_is_chosen_and_covers_what_was_written(tmp_path, name):
    path, written = BUILDERS[name](tmp_path)
    source = read_source(path)
    assert source.format == name
    text = _squashed(source.text)
    for string in written:
        assert _squashed(string) in text, f"{name}: {string!r} is missing"
    if content_kind(path.read_bytes()) not in (None, "html"):  # binary formats: the content decides, not the name
        renamed = path.with_name("renamed.bin")
        renamed.write_bytes(path.read_bytes())
        assert read_source(renamed).format == name


def test_every_refused_kind_has_a_sample():
    assert sorted(set(_refused_kinds()) - set(SAMPLES)) == []


@pytest.mark.parametrize("kind", sorted(set(_refused_kinds()) & set(SAMPLES)))
def test_what_no_reader_takes_is_named_with_the_way_forward(tmp_path, kind):
    path = tmp_path / "article.txt"  # the name promises text: the content decides
    path.write_bytes(SAMPLES[kind])
    with pytest.raises(InputError) as caught:
        read_source(path)
    what, advice = KNOWN_KINDS[kind]
    message = str(caught.value)
    assert message.startswith(f"{path}: is {what}, which trpipe does not read")
    assert advice in message and "\n" not in message


def test_an_image_is_refused_on_the_command_line_with_exit_2(echo_run, tmp_path):
    path = tmp_path / "scan.png"
    path.write_bytes(SAMPLES["png"])
    result = echo_run(path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"trpipe: error: {path}: is a PNG image, which trpipe does not read; {KNOWN_KINDS['png'][1]}"
    ]


def test_a_document_named_as_another_format_is_refused(echo_run, tmp_path):
    path = tmp_path / "note.docx"
    path.write_text("Le conseil a voté le budget.", encoding="utf-8")
    result = echo_run(path)
    assert result.exit_code == 2
    assert "note.docx: is named .docx but is not a Word document (.docx): its content is text" in result.output


def test_folder_runs_count_skipped_files_and_name_them_with_v(echo_run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    BUILDERS["text"](folder)
    (folder / "photo.png").write_bytes(SAMPLES["png"])
    (folder / "bundle.zip").write_bytes(SAMPLES["zip"])
    quiet = echo_run(folder, "-o", tmp_path / "out")
    assert quiet.exit_code == 0, quiet.output
    assert "1 article ok" in quiet.output and "2 files skipped (not documents" in quiet.output
    assert "photo.png" not in quiet.output
    verbose = echo_run(folder, "-o", tmp_path / "out2", "-v")
    assert f"skipped {folder / 'photo.png'}: a PNG image" in verbose.output
    assert f"skipped {folder / 'bundle.zip'}: a ZIP archive" in verbose.output


def test_every_kind_meant_to_be_read_has_a_reader():
    meant = [kind for kind, (_, advice) in KNOWN_KINDS.items() if not advice and kind not in ("text", "markdown")]
    unread = []
    for kind in meant:
        try:
            choose_reader(StreamInfo(name="x", kind=kind))
        except InputError:
            unread.append(kind)
    assert unread == []


def test_trpipe_read_shows_the_document_without_a_model(tmp_path):
    path, _written = BUILDERS["docx"](tmp_path)
    out = tmp_path / "doc.json"
    result = CliRunner().invoke(cli, ["read", str(path), "-o", str(out), "--from", "fr"])
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["source"]["format"] == "docx" and doc["source"]["lang"] == "fr"
    text = doc["source"]["text"]
    for seg in doc["segments"]:
        assert text[seg["start"] : seg["end"]] == seg["text"] and seg["location"]["format"] == "docx"
        assert "translation" not in seg
    assert {s["location"]["where"] for s in doc["segments"]} >= {"body", "header", "footer", "footnote"}
    missing = CliRunner().invoke(cli, ["read", str(tmp_path / "nope.pdf")])
    assert missing.exit_code == 2 and "nope.pdf: no such file" in missing.output


@pytest.mark.parametrize("suffix", [".pdf", ".doc", ".rtf"])
def test_an_output_suffix_no_writer_takes_is_refused_before_any_work(echo_run, tmp_path, suffix):
    path, _ = BUILDERS["docx"](tmp_path)
    result = echo_run(path, "-o", tmp_path / f"note.en{suffix}")
    assert result.exit_code == 2 and f"trpipe does not write {suffix} files" in result.output
    assert not (tmp_path / f"note.en{suffix}").exists() and "Traceback" not in result.output
