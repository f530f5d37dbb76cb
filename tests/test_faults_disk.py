"""Faults, part 5: a full disk at any point, per-file size limits, and several runs sharing one output folder.

A full disk (a small tmpfs, where this machine can mount one) stops the run with one line; no partial or
temporary file is left and the outputs written before stay whole. A file too large for its limit
(``RLIMIT_FSIZE``, available everywhere on POSIX) fails that article alone. Temporary files name their run,
so a run never removes another live run's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import resource
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fault_helpers import (
    ARTICLE,
    echo_args,
    fill,
    invoke,
    model_args,
    model_copy,
    one_line_error,
    run_child,
    small_disk,
    spawn,
    temporaries,
    write_articles,
)
from trpipe.engines.sinks import _name_hash


@pytest.fixture
def disk(tmp_path):
    """A 1 MiB tmpfs; ``fill(disk, n)`` leaves about n bytes free. Skipped where none can be mounted."""
    with small_disk(tmp_path / "disk", 1024) as where:
        if where is None:
            pytest.skip("cannot mount a tmpfs here (needs root on Linux)")
        yield where


def _unique_articles(folder, count: int, sentences: int) -> None:
    """Articles whose sentences are all different (incompressible, and each one new to the memory)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        words = [
            f"Le conseil {os.urandom(6).hex()} a voté {j} budgets {os.urandom(6).hex()}." for j in range(sentences)
        ]
        (folder / f"u{i:02d}.fr.txt").write_text(" ".join(words) + "\n", encoding="utf-8")


def _json_files(folder):
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}


def test_disk_full_on_a_single_output(echo_registry, tmp_path, disk):
    (article,) = write_articles(tmp_path / "in", 1, repeat=40)
    fill(disk, 8 * 1024)
    out = disk / "a.json"
    result = invoke(*echo_args(), article, "-o", out, registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert "No space left on device" in one_line_error(result.output)
    assert not out.exists() and not temporaries(disk)


def test_disk_full_in_a_folder_keeps_what_was_written_and_resumes(echo_registry, tmp_path, disk):
    folder = tmp_path / "in"
    write_articles(folder, 8, repeat=10)
    out = disk / "out"
    fill(disk, 40 * 1024)
    result = invoke(*echo_args(), folder, "-o", out, "--format", "json", registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert "No space left on device" in one_line_error(result.output)
    written = _json_files(out)  # every file there is complete JSON
    assert 0 < len(written) < 8 and not temporaries(disk)
    (disk / "filler.bin").unlink()
    again = invoke(*echo_args(), folder, "-o", out, "--format", "json", registry=echo_registry)
    assert again.exit_code == 0, again.output
    assert f"{len(written)} skipped" in again.output and len(_json_files(out)) == 8


def _stream(path: Path) -> list[dict]:
    """The documents of a JSONL stream or the rows of a Parquet file (each must be whole to be read)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    data = path.read_bytes()
    assert data.endswith(b"\n"), "a cut last line"
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_disk_full_on_a_stream_keeps_its_complete_documents_and_the_rerun_resumes_after_them(
    echo_registry, tmp_path, disk, suffix
):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    folder = tmp_path / "in"
    _unique_articles(folder, 12, 30)
    whole = tmp_path / f"whole{suffix}"
    assert invoke(*echo_args(), folder, "-o", whole, registry=echo_registry).exit_code == 0
    out = disk / f"out{suffix}"
    footer = 48 * 1024 if suffix == ".parquet" else 0  # a Parquet file's footer, about as large as a row group's
    fill(disk, whole.stat().st_size // 2 + footer)  # room for about half the documents
    result = invoke(*echo_args(), folder, "-o", out, registry=echo_registry)
    assert result.exit_code == 2, result.output
    line = one_line_error(result.output)
    held = re.search(r"; (\S+) holds the (\d+) complete document\(s\) written before it stopped: free some", line)
    assert "No space left on device" in line and held and held[1] == str(out), line
    kept = _stream(out)  # whole lines, whole row groups: every document can be read
    assert 0 < len(kept) == int(held[2]) < 12 and not temporaries(disk)
    assert [d["doc"] for d in kept] == sorted(str(p) for p in folder.glob("*.txt"))[: len(kept)]
    (disk / "filler.bin").unlink()
    again = invoke(*echo_args(), folder, "-o", out, registry=echo_registry)
    assert again.exit_code == 0 and f"{12 - len(kept)} articles ok, 0 failed, {len(kept)} skipped" in again.output, (
        again.output
    )
    final = _stream(out)
    assert [d["doc"] for d in final] == sorted(str(p) for p in folder.glob("*.txt"))  # each once, in order
    assert final[: len(kept)] == kept


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_disk_full_when_the_previous_documents_no_longer_fit_keeps_the_previous_stream(
    echo_registry, tmp_path, disk, suffix
):
    """A --force rerun makes new documents beside the previous file; when the disk fills before the previous
    documents it did not redo are copied too, the previous file is kept whole, and the message says so."""
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    folder = tmp_path / "in"
    _unique_articles(folder, 12, 30)
    out = disk / f"out{suffix}"
    first = invoke(*echo_args(), folder, "-o", out, registry=echo_registry)
    assert first.exit_code == 0, first.output
    before = out.read_bytes()
    fill(disk, 48 * 1024)
    result = invoke(*echo_args(), folder, "-o", out, "--force", registry=echo_registry)
    assert result.exit_code == 2, result.output
    line = one_line_error(result.output)
    assert "No space left on device" in line and f"; {out} is kept as it was, with 12 document(s): free" in line
    assert out.read_bytes() == before and not temporaries(disk)


def test_disk_full_under_the_translation_memory(echo_registry, tmp_path, disk):
    cache = disk / "cache"
    (first,) = write_articles(tmp_path / "first", 1)
    assert invoke(*echo_args(cache=cache), first, "-o", tmp_path / "first.json", registry=echo_registry).exit_code == 0
    folder = tmp_path / "in"
    _unique_articles(folder, 10, 60)
    fill(disk, 40 * 1024)
    out = tmp_path / "out"
    result = invoke(*echo_args(cache=cache), folder, "-o", out, "--format", "json", registry=echo_registry)
    assert "Traceback" not in result.output and "internal error" not in result.output
    memory = str(cache / "translation-memory.sqlite3")
    if result.exit_code == 2:  # the memory could not even be opened: one line, nothing done
        assert memory in one_line_error(result.output)
    else:  # the memory filled up during the run: one warning, every translation written
        assert result.exit_code == 0, result.output
        (warning,) = [line for line in result.output.splitlines() if memory in line]
        assert "going on without it" in warning
        assert len(_json_files(out)) == 10


def test_disk_full_during_a_conversion(tiny_models, tmp_path, disk):
    pytest.importorskip("ctranslate2")
    from trpipe.models.files import diagnose

    model, registry = model_copy(tiny_models["fr-en"], disk / "fr-en")
    (article,) = write_articles(tmp_path / "in", 1)
    fill(disk, 16 * 1024)
    result = invoke(*model_args(article, "ctranslate2", "--cache-dir", disk / "cache"), registry=registry)
    assert result.exit_code == 4, result.output
    assert "No space left on device" in one_line_error(result.output)
    assert not temporaries(disk) and not list(model.glob("ctranslate2-*"))
    assert diagnose(model) is None  # the model itself is untouched


def test_a_read_only_filesystem_stops_the_run_in_one_line(echo_registry, tmp_path, disk):
    out = disk / "out"
    out.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    folder = tmp_path / "in"
    write_articles(folder, 3)
    result = invoke(*echo_args(), folder, "-o", out, registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert "Read-only file system" in one_line_error(result.output)
    assert "0 articles ok" not in result.output.replace("trpipe: error", "")  # the run stopped at once


# ----------------------------------------------------------------- a per-file size limit (RLIMIT_FSIZE)

LIMIT = 16 * 1024


def _run_limited(args, registry):
    return run_child(args, {"TRPIPE_MODELS": str(registry), "TRPIPE_TEST_FSIZE": str(LIMIT)})


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no RLIMIT_FSIZE")
def test_a_file_too_large_fails_alone(echo_registry, tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 3)
    (folder / "big.fr.txt").write_text(ARTICLE.format(n=9, year=2030) * 60, encoding="utf-8")
    out = tmp_path / "out"
    code, err = _run_limited([*echo_args(), folder, "-o", out, "--format", "json"], echo_registry)
    assert code == 1, err
    assert f"{out / 'big.fr.json'}: cannot be written (File too large)" in err
    assert sorted(_json_files(out)) == ["a00.fr.json", "a01.fr.json", "a02.fr.json"]
    assert not temporaries(out)
    code, err = _run_limited([*echo_args(), folder / "big.fr.txt", "-o", tmp_path / "big.json"], echo_registry)
    assert code == 2 and "File too large" in one_line_error(err)
    assert not (tmp_path / "big.json").exists() and not temporaries(tmp_path)


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no RLIMIT_FSIZE")
def test_a_stream_too_large_stops_and_keeps_nothing_partial(echo_registry, tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 12, repeat=10)
    out = tmp_path / "out.jsonl"
    out.write_text('{"previous": true}\n', encoding="utf-8")
    code, err = _run_limited([*echo_args(), folder, "-o", out], echo_registry)
    line = one_line_error(err)
    assert code == 2 and "File too large" in line
    kept = _stream(out)  # complete lines only: the new documents that fitted, then the previous one
    held = re.search(r"holds the (\d+) complete document\(s\) written before it stopped", line)
    assert held and int(held[1]) == len(kept), line
    assert 1 < len(kept) < 13 and kept[-1] == {"previous": True} and not temporaries(tmp_path)
    assert [d["doc"] for d in kept[:-1]] == [str(folder / f"a{i:02d}.fr.txt") for i in range(len(kept) - 1)]


# ------------------------------------------------------------------------ runs sharing one output folder


def _temporary_name(target_name: str, pid: int, host: str | None = None) -> str:
    host = host or hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    return f".trpipe-{_name_hash(Path(target_name))}-{pid}-{host}-0000abcd-ef01.tmp"


def test_temporaries_of_live_runs_are_kept_and_stale_ones_removed(echo_registry, tmp_path):
    write_articles(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        kept = out / _temporary_name("a00.fr.md", live.pid)
        other_host = out / _temporary_name("a00.fr.md", dead.pid, host="0badc0de")
        stale = out / _temporary_name("a00.fr.md", dead.pid)
        for path in (kept, other_host, stale):
            path.write_text("in flight")
        result = invoke(*echo_args(), tmp_path / "in", "-o", out, registry=echo_registry)
        assert result.exit_code == 0, result.output
        assert kept.exists() and other_host.exists() and not stale.exists()
        assert (out / "a00.fr.md").is_file()
    finally:
        live.kill()
        live.wait()


def test_two_runs_into_one_folder_both_finish(echo_registry, tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 12, repeat=5)
    out = tmp_path / "out"
    env = {"TRPIPE_MODELS": str(echo_registry), "TRPIPE_TEST_SLOW_BATCH_S": "0.05"}
    args = [*echo_args("slow-echo"), folder, "-o", out, "--format", "json", "--force", "-q"]
    runs = [spawn(args, env) for _ in range(2)]
    results = [(proc.wait(timeout=120), proc.stderr.read()) for proc in runs]
    for code, err in results:
        assert code == 0, err
    assert len(_json_files(out)) == 12 and not temporaries(out)


def test_a_run_stopped_by_a_full_disk_leaves_no_temporary_in_any_mode(echo_registry, tmp_path, disk):
    """In a child process (the real entry point): folder, stream and single output."""
    folder = tmp_path / "in"
    _unique_articles(folder, 6, 40)
    for args in (["-o", disk / "f", "--format", "json"], ["-o", disk / "s.jsonl"], ["-o", disk / "one.md"]):
        inputs = [folder / "u00.fr.txt"] if args[1].name == "one.md" else [folder]
        with contextlib.suppress(FileNotFoundError):
            (disk / "filler.bin").unlink()
        fill(disk, 4 * 1024)
        code, err = run_child([*echo_args(), *inputs, *args], {"TRPIPE_MODELS": str(echo_registry)})
        assert code == 2, err
        assert "No space left on device" in one_line_error(err)
        assert not temporaries(disk)
    assert not (disk / "s.jsonl").exists() and not (disk / "one.md").exists()
