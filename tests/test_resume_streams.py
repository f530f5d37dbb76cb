"""One output for many articles (a JSONL stream, a Parquet file) resumes like a folder and never loses work:
a rerun copies the documents that are still current and translates only the rest; a run stopped early
keeps what it made and what the previous file held (no article twice), so the next rerun resumes."""

from __future__ import annotations

import json
import re
import signal

import pytest

from fault_helpers import echo_args, run_child, spawn, temporaries, wait_for, write_articles

ENV_FAST = {"TRPIPE_TEST_SLOW_BATCH_S": "0"}


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _rows(path):
    pq = pytest.importorskip("pyarrow.parquet")
    return pq.read_table(path).to_pylist()


def _env(echo_registry, **extra):
    return {"TRPIPE_MODELS": str(echo_registry), **ENV_FAST, **extra}


def _run(tmp_path, suffix: str, count: int):
    """``count`` articles in a folder, the output's path, the command's arguments and the output's reader."""
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    paths = write_articles(tmp_path / "in", count)
    out = tmp_path / f"out{suffix}"
    return paths, out, [*echo_args("slow-echo"), tmp_path / "in", "-o", out], _lines if suffix == ".jsonl" else _rows


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_rerun_copies_current_documents_and_redoes_changed_ones(echo_registry, tmp_path, suffix):
    paths, out, args, read = _run(tmp_path, suffix, 5)
    code, err = run_child(args, _env(echo_registry))
    assert code == 0, err
    first = read(out)
    assert len(first) == 5
    code, err = run_child(args, _env(echo_registry))
    assert code == 0 and "5 skipped" in err, err
    assert read(out) == first  # copied as they were, in input order
    paths[2].write_text("Le maire a démissionné hier soir.\n", encoding="utf-8")
    code, err = run_child(args, _env(echo_registry))
    assert code == 0 and "4 skipped" in err and "1 article ok" in err, err
    again = read(out)
    assert [d["doc"] for d in again] == [d["doc"] for d in first]
    assert again[:2] == first[:2] and again[3:] == first[3:] and again[2] != first[2]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_stopped_run_keeps_new_and_previous_documents_and_the_rerun_resumes(echo_registry, tmp_path, suffix):
    paths, out, args, read = _run(tmp_path, suffix, 40)
    code, err = run_child(args, _env(echo_registry))  # a complete previous output
    assert code == 0, err
    previous = {d["doc"]: d["provenance"]["fingerprint"] for d in read(out)}
    for path in paths[:20]:  # the first 20 articles change: they are translated again, slowly
        path.write_text(path.read_text(encoding="utf-8").replace("euros", "dollars"), encoding="utf-8")
    log = tmp_path / "batches.log"
    proc = spawn(args, _env(echo_registry, TRPIPE_TEST_SLOW_BATCH_S="0.3", TRPIPE_TEST_BATCH_LOG=str(log)))
    # the second group's first batch: the first group (16 articles) is written by then
    assert wait_for(lambda: log.exists() and "1016 dollars" in log.read_text(encoding="utf-8"), timeout=60)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert not temporaries(tmp_path) and "Traceback" not in err
    kept = read(out)
    docs = [d["doc"] for d in kept]
    assert len(docs) == len(set(docs)) == 40, "an article lost or twice"
    renewed = [d for d in kept if d["provenance"]["fingerprint"] != previous[d["doc"]]]
    assert renewed, "the documents made before the signal were lost"
    assert all("dollars" in d["source"]["text"] for d in renewed)
    code, err = run_child(args, _env(echo_registry))
    assert code == 0 and f"{20 + len(renewed)} skipped" in err, err
    final = read(out)
    assert [d["doc"] for d in final] == sorted(d["doc"] for d in final)  # input order again
    assert all("dollars" in d["source"]["text"] for d in final[:20])


def test_a_run_stopped_before_any_new_document_leaves_the_previous_stream_as_it_was(echo_registry, tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 40)
    out = tmp_path / "out.jsonl"
    out.write_text('{"previous": "stream"}\n', encoding="utf-8")
    env = _env(echo_registry, TRPIPE_TEST_SLOW_BATCH_S="5")
    proc = spawn([*echo_args("slow-echo"), folder, "-o", out, "--force"], env)
    assert wait_for(lambda: bool(temporaries(tmp_path)))
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert out.read_text(encoding="utf-8") == '{"previous": "stream"}\n' and not temporaries(tmp_path)


def test_a_previous_parquet_file_of_another_schema_is_replaced_not_resumed(echo_registry, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    folder = tmp_path / "in"
    write_articles(folder, 3)
    out = tmp_path / "out.parquet"
    pq.write_table(pa.table({"doc": ["x"], "fingerprint": ["y"]}), out)
    code, err = run_child([*echo_args("slow-echo"), folder, "-o", out], _env(echo_registry))
    assert code == 0 and "3 articles ok" in err, err
    assert len(_rows(out)) == 3


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_model_that_fails_half_way_keeps_the_documents_made_before(tmp_path, suffix):
    from tiny_models import write_registry

    registry = write_registry(tmp_path / "models.yaml", {"fr-en": "echo/fr-en", "de-en": "echo/de-en"}, {})
    paths, out, args, read = _run(tmp_path, suffix, 20)
    paths[18].write_text("Der Gemeinderat hat am Dienstag nach einer langen Debatte einen neuen Haushalt "
                         "beschlossen. Die Arbeiten beginnen im nächsten Jahr.\n", encoding="utf-8")  # fmt: skip
    args = [a if a != "slow-echo" else "no-de-echo" for a in args if a not in ("--from", "fr")]
    code, err = run_child(args, {"TRPIPE_MODELS": str(registry)})
    assert code == 4 and "de-en" in err and "Traceback" not in err, err
    kept = read(out)  # the first group (16 French articles) was written before the German one stopped the run
    assert len(kept) == 16 and not temporaries(tmp_path)
    assert [d["doc"] for d in kept] == sorted(str(p) for p in paths[:16])


def _without_times(docs: list[dict], suffix: str) -> list[dict]:
    """Documents (Parquet rows as their JSON documents) without their creation times."""
    if suffix == ".parquet":
        from trpipe.render.parquet import parquet_document

        docs = [parquet_document(row) for row in docs]
    for doc in docs:
        del doc["provenance"]["created"]
    return docs


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_run_killed_outright_resumes_to_the_documents_of_an_uninterrupted_run(echo_registry, tmp_path, suffix):
    """kill -9 in the second group, then a rerun: the same documents as a run never stopped, none twice. The
    killed run's complete JSONL lines are taken up (a Parquet file is only whole once closed: its rerun makes
    them again)."""
    _paths, out, args, read = _run(tmp_path, suffix, 40)
    reference = tmp_path / f"reference{suffix}"
    code, err = run_child([*args[:-1], reference], _env(echo_registry))
    assert code == 0, err
    log = tmp_path / "batches.log"
    proc = spawn(args, _env(echo_registry, TRPIPE_TEST_SLOW_BATCH_S="0.3", TRPIPE_TEST_BATCH_LOG=str(log)))
    # the second group's first batch: the first group (16 articles) is written by then
    assert wait_for(lambda: log.exists() and "1016 euros" in log.read_text(encoding="utf-8"), timeout=60)
    proc.kill()
    proc.communicate(timeout=60)
    assert not out.exists()  # the killed run never finished its file
    code, err = run_child(args, _env(echo_registry))
    assert code == 0 and "Traceback" not in err, err
    skipped = int(re.search(r"(\d+) skipped", err)[1]) if "skipped" in err else 0
    assert skipped >= 16 if suffix == ".jsonl" else skipped == 0, err
    assert _without_times(read(out), suffix) == _without_times(read(reference), suffix)
    assert not temporaries(tmp_path)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_records_with_the_same_text_keep_their_own_documents_on_a_rerun(echo_registry, tmp_path, suffix):
    """Two records of one text (a story syndicated under two ids) share a fingerprint: a rerun copies each
    its own document, not the first one twice."""
    from fault_helpers import invoke

    records = tmp_path / "feed.jsonl"
    text = "Le conseil régional a voté un budget de 1000 euros."
    records.write_text("".join(json.dumps({"id": f"wire-{i}", "text": text}) + "\n" for i in range(3)), "utf-8")
    out = tmp_path / f"out{suffix}"
    read = _lines if suffix == ".jsonl" else _rows
    for run in range(2):
        result = invoke(*echo_args(), records, "-o", out, registry=echo_registry)
        assert result.exit_code == 0 and ("3 skipped" in result.output) == (run == 1), result.output
        assert [d["doc"] for d in read(out)] == ["wire-0", "wire-1", "wire-2"]
