"""Faults, part 5: SIGTERM and SIGHUP stop a run as Ctrl-C does, at any moment (translating, writing a stream,
loading a model, converting one): a message, exit 128 + signal, no temporary or partial file, and a rerun
resumes where the run stopped."""

from __future__ import annotations

import json
import signal

import pytest

from fault_helpers import echo_args, invoke, model_args, model_copy, spawn, temporaries, wait_for, write_articles

MESSAGES = {
    signal.SIGTERM: "trpipe: stopped by SIGTERM; outputs written so far are kept, rerun to resume",
    signal.SIGHUP: "trpipe: stopped by SIGHUP; outputs written so far are kept, rerun to resume",
    signal.SIGINT: "trpipe: interrupted; outputs written so far are kept, rerun to resume",
}


def _stop(proc, signum) -> tuple[int, str]:
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def _expect_stopped(code: int, err: str, signum) -> None:
    assert code == 128 + signum, err
    assert MESSAGES[signum] in err.splitlines(), err
    assert "Traceback" not in err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"])
def test_a_signal_mid_run_keeps_what_is_written_and_the_rerun_resumes(echo_registry, tmp_path, signum):
    folder = tmp_path / "in"
    write_articles(folder, 40, repeat=2)
    out = tmp_path / "out"
    env = {"TRPIPE_MODELS": str(echo_registry)}
    args = [*echo_args("slow-echo", cache=tmp_path / "cache"), folder, "-o", out, "--format", "json"]
    proc = spawn(args, env)
    assert wait_for(lambda: len(list(out.glob("*.json"))) >= 3)
    code, err = _stop(proc, signum)
    _expect_stopped(code, err, signum)
    done = list(out.glob("*.json"))
    assert 3 <= len(done) < 40 and not temporaries(tmp_path)
    for path in done:
        json.loads(path.read_text(encoding="utf-8"))
    rerun = spawn(args, {**env, "TRPIPE_TEST_SLOW_BATCH_S": "0"})
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"{len(done)} skipped" in err and len(list(out.glob("*.json"))) == 40


def test_sigterm_while_writing_a_stream_keeps_the_previous_stream(echo_registry, tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 40)
    out = tmp_path / "out.jsonl"
    out.write_text('{"previous": "stream"}\n', encoding="utf-8")
    proc = spawn([*echo_args("slow-echo"), folder, "-o", out, "--force"], {"TRPIPE_MODELS": str(echo_registry)})
    assert wait_for(lambda: any(p.name.startswith(".trpipe-") for p in tmp_path.iterdir()))
    code, err = _stop(proc, signal.SIGTERM)
    _expect_stopped(code, err, signal.SIGTERM)
    assert out.read_text(encoding="utf-8") == '{"previous": "stream"}\n' and not temporaries(tmp_path)


def test_sigterm_while_a_model_loads(echo_registry, tmp_path):
    (article,) = write_articles(tmp_path / "in", 1)
    marker = tmp_path / "loading"
    env = {"TRPIPE_MODELS": str(echo_registry), "TRPIPE_TEST_LOADING": str(marker)}
    proc = spawn([*echo_args("slow-load-echo"), article, "-o", tmp_path / "a.md"], env)
    assert wait_for(marker.exists)
    code, err = _stop(proc, signal.SIGTERM)
    _expect_stopped(code, err, signal.SIGTERM)
    assert not (tmp_path / "a.md").exists() and not temporaries(tmp_path)


@pytest.mark.slow
def test_sigterm_while_converting_a_model(tiny_models, tmp_path):
    pytest.importorskip("ctranslate2")
    from trpipe.models.files import diagnose

    model, registry = model_copy(tiny_models["fr-en"], tmp_path / "fr-en")
    (article,) = write_articles(tmp_path / "in", 1)
    marker = tmp_path / "converting"
    args = model_args(article, "ctranslate2", "--cache-dir", tmp_path / "cache", "-o", tmp_path / "a.md")
    proc = spawn(args, {"TRPIPE_MODELS": str(registry), "TRPIPE_TEST_CONVERTING": str(marker)})
    assert wait_for(marker.exists, timeout=120)
    code, err = _stop(proc, signal.SIGTERM)
    _expect_stopped(code, err, signal.SIGTERM)
    assert not temporaries(tmp_path) and not list(model.glob("ctranslate2-*"))
    assert diagnose(model) is None
    rerun = invoke(*args, registry=registry)  # in this process, where transformers is already imported
    assert rerun.exit_code == 0, rerun.output
    assert (tmp_path / "a.md").is_file() and list(model.glob("ctranslate2-*"))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["folder", "stream"])
def test_sigterm_at_random_moments_never_leaves_a_temporary(echo_registry, tmp_path, mode):
    import random
    import time

    folder = tmp_path / "in"
    write_articles(folder, 12)
    env = {"TRPIPE_MODELS": str(echo_registry), "TRPIPE_TEST_SLOW_BATCH_S": "0.02"}
    rng = random.Random(13)
    for attempt in range(3):
        out = tmp_path / (f"out{attempt}" if mode == "folder" else f"out{attempt}.jsonl")
        args = [*echo_args("slow-echo"), folder, "-o", out, *(["--format", "json"] if mode == "folder" else [])]
        proc = spawn(args, env)
        time.sleep(rng.uniform(0.5, 3.0))
        code, err = _stop(proc, signal.SIGTERM)
        # done before the signal, stopped by it, or killed outright before trpipe's handlers were set (or after
        # the interpreter dropped them): in every case no temporary file, and every output whole
        assert code in (0, 128 + signal.SIGTERM, -signal.SIGTERM), err
        assert "Traceback" not in err and not temporaries(tmp_path), err
        if mode == "folder":
            for path in out.glob("*.json"):
                json.loads(path.read_text(encoding="utf-8"))
        elif out.exists():
            assert all(json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
