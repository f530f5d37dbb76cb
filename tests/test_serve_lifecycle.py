"""The service's life across restarts, on short-lived ``trpipe serve`` children sharing one state folder: jobs
survive a killed server (SIGKILL) and run again; SIGTERM finishes the requests in flight, queues the running
job again and exits 0; ``--keep`` removes old results; bad settings fail in one line before listening."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import httpx
import pytest

from serve_fixtures import MAIN, ChildServer


@pytest.fixture
def registry(tmp_path):
    from trpipe.models.demo import write_registry

    return write_registry(tmp_path / "models.yaml", {"fr-en": "echo/fr-en", "en-fr": "echo/en-fr"})


def sentences(i: int) -> str:
    return " ".join(f"Le document {i} dit la phrase {k}." for k in range(3))


def job_state(url: str, job: str) -> dict:
    answer = httpx.get(f"{url}/v1/jobs/{job}", timeout=30)
    return answer.json() if answer.status_code == 200 else {"state": answer.status_code}


def wait_for(url: str, job: str, states: tuple, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while (state := job_state(url, job))["state"] not in states:
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    return state


def test_jobs_survive_a_kill_sigterm_drains_and_keep_expires(registry, tmp_path):
    state = tmp_path / "state"
    args = ["--models", str(registry), "--backend", "test-hold", "--no-cache", "--state-dir", str(state),
            "--no-summary"]  # fmt: skip
    slow = {"TRPIPE_TEST_DELAY": "0.3", "TRPIPE_CACHE_DIR": str(tmp_path / "cache")}

    first = ChildServer(args, env=slow)
    try:
        url = first.url
        done = httpx.post(f"{url}/v1/jobs", json={"text": sentences(0), "to": "en", "from": "fr"}, timeout=30).json()
        assert wait_for(url, done["id"], ("done",))["done"] == 1
        docs = [{"text": sentences(i), "name": f"d{i}"} for i in range(4)]
        running = httpx.post(f"{url}/v1/jobs", json={"documents": docs, "to": "en", "from": "fr"}, timeout=30).json()
        queued = httpx.post(f"{url}/v1/jobs", json={"text": sentences(99), "to": "en", "from": "fr"}, timeout=30)
        assert queued.status_code == 202
        wait_for(url, running["id"], ("running",))
    finally:
        first.kill()  # SIGKILL: no chance to tidy up
    assert first.proc.returncode == -9

    second = ChildServer(args, env={**slow, "TRPIPE_TEST_DELAY": "0.8"})
    try:
        url = second.url
        after = wait_for(url, running["id"], ("done",))
        assert (after["done"], after["failed"], after["total"]) == (4, 0, 4)
        assert wait_for(url, queued.json()["id"], ("done",))["done"] == 1
        assert httpx.get(f"{url}/v1/jobs/{done['id']}/documents/0", timeout=30).status_code == 200
        # SIGTERM while a request and a job are at work: the request is answered, the job queued again
        answers: list[httpx.Response] = []
        talker = threading.Thread(
            target=lambda: answers.append(
                httpx.post(
                    f"{url}/translate", json={"q": "Une dernière phrase.", "source": "fr", "target": "en"}, timeout=60
                )
            )
        )
        many = [{"text": f"Phrase {i}.", "name": f"m{i}"} for i in range(80)]  # five groups: cut by the SIGTERM
        cut = httpx.post(f"{url}/v1/jobs", json={"documents": many, "to": "en", "from": "fr"}, timeout=30).json()
        wait_for(url, cut["id"], ("running",))
        early = httpx.get(f"{url}/v1/jobs/{cut['id']}/documents/79", timeout=30)
        assert early.status_code == 409 and early.headers["retry-after"] == "2"  # not translated yet
        talker.start()
        time.sleep(0.1)
        assert second.terminate() == 0
        talker.join(30)
        assert answers and answers[0].status_code == 200
        assert answers[0].json() == {"translatedText": "[Une dernière phrase.]"}
        assert not any("Traceback" in line for line in second.lines), second.lines
    finally:
        second.kill()

    third = ChildServer([*args, "--keep", "1s"], env={"TRPIPE_CACHE_DIR": str(tmp_path / "cache")})
    try:
        url = third.url
        assert job_state(url, done["id"])["state"] == 404  # finished more than a second ago: expired
        assert job_state(url, running["id"])["state"] == 404
        finished = wait_for(url, cut["id"], ("done",))  # cut short by SIGTERM: run again, then kept
        assert finished["done"] == 80
    finally:
        third.terminate()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--api-keys", "{missing}"], "cannot read the API keys file"),
        (["--require-key"], "--require-key needs --api-keys FILE"),
        (["--keep", "forever"], "--keep 'forever': expected a duration"),
        (["--models", "{missing}"], "cannot read the model registry"),
    ],
)
def test_bad_settings_fail_in_one_line(tmp_path, extra, message):
    missing = str(tmp_path / "missing.txt")
    args = [a.replace("{missing}", missing) for a in extra]
    run = subprocess.run(
        [sys.executable, str(MAIN), "serve", "--port", "0", "--state-dir", str(tmp_path / "s"), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in run.stderr
