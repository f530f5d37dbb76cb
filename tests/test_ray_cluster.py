"""``--engine ray`` on a real multi-node Ray cluster (a head and two worker nodes on this machine, see
``ray_cluster.py``): groups spread over the nodes' actors, a worker node killed while its actor holds a
group, the driver killed, and input read lazily from a pipe.

The drivers run in processes of their own and join the cluster with ``--ray-address``; the actors use the
test backends of ``ray_backends.py`` (test-echo that logs which node translated what, or blocks on a node
told to hold).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from fault_helpers import ARTICLE, temporaries, wait_for, write_articles

pytestmark = pytest.mark.slow


def _args(cluster, backend: str, *extra) -> list[object]:
    return ["translate", "--to", "en", "--from", "fr", "--backend", backend, "--no-summary", "--no-cache",
            "--engine", "ray", "--ray-address", cluster.address, "--actors", "2", *extra]  # fmt: skip


def _env(registry: Path) -> dict[str, str]:
    return {"TRPIPE_MODELS": str(registry)}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _finish(proc, timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_groups_spread_over_the_nodes_and_a_node_lost_mid_group_loses_nothing(
    cluster, s3_server, bucket, echo_registry
):
    """The articles and the output are in a bucket (the actors read the articles from it themselves).
    worker-1's actor blocks on its first group until worker-1 is killed: that group was in flight there.
    The run ends with every document exactly once, in input order, worker-2 doing the rest alone (the
    replacement actor cannot be placed: the run does not wait for it), and the lost node is named."""
    fs = s3_server.filesystem()
    names = [f"{bucket}/in/a{i:02d}.fr.txt" for i in range(40)]  # three groups: 16, 16 and 8 articles
    for i, key in enumerate(names):
        fs.pipe_file(key, ARTICLE.format(n=1000 + i, year=2000 + i).encode("utf-8"))
    out = f"s3://{bucket}/out.jsonl"
    (cluster.control / "hold-worker-1").touch()
    lost = cluster.node_id("worker-1")
    proc = cluster.spawn([*_args(cluster, "hold-echo"), f"s3://{bucket}/in/", "-o", out], _env(echo_registry))
    holding = cluster.control / "holding-worker-1"
    assert wait_for(holding.exists, timeout=120), proc.communicate(timeout=5)
    held = holding.read_text(encoding="utf-8").splitlines()
    cluster.kill("worker-1")
    killed = time.monotonic()
    code, _, err = _finish(proc)
    assert code == 0, err
    assert time.monotonic() - killed < 60, "the run waited for the lost node's actor"
    assert "40 articles ok, 0 failed" in err and "Traceback" not in err
    assert f"warning: Ray node {socket.gethostname()} ({lost[:12]}) was lost" in err, err
    assert "the group it was translating goes to another actor; the run goes on with 1 actor(s)" in err
    docs = [json.loads(line) for line in fs.cat_file(out).decode("utf-8").splitlines()]
    assert [d["doc"] for d in docs] == [f"s3://{key}" for key in names]  # each once, in input order
    assert all(seg["sentences"] for d in docs for seg in d["segments"])
    redone = cluster.batches("worker-2")
    assert held and all(text in redone for text in held), "the held group was not translated again"
    assert len(redone) == 80, "worker-2 did not translate every sentence once (two per article)"


def _without_times(docs: list[dict]) -> list[dict]:
    for doc in docs:
        del doc["provenance"]["created"]
    return docs


def test_a_killed_driver_is_resumed_from_the_sink(cluster, echo_registry, tmp_path):
    """A driver killed outright (its actors go with it) leaves the complete documents it wrote, which the
    next run takes up; the result is an uninterrupted run's (the local engine's: the same groups give the
    same documents), each document once."""
    write_articles(tmp_path / "in", 48)  # three groups of 16
    args = [*_args(cluster, "node-echo"), tmp_path / "in", "-o"]
    reference = tmp_path / "reference.jsonl"
    local = [a if a != "ray" else "local" for a in args]
    code, _, err = _finish(cluster.spawn([*local, reference], _env(echo_registry)))
    assert code == 0 and "48 articles ok" in err, err
    out = tmp_path / "out.jsonl"
    (cluster.control / "slow").write_text("0.3", encoding="utf-8")  # 0.3 s per batch
    proc = cluster.spawn([*args, out], _env(echo_registry))

    def written() -> int:
        return sum(len(t.read_bytes().splitlines()) for t in temporaries(tmp_path))

    assert wait_for(lambda: written() >= 16, timeout=120), proc.communicate(timeout=5)
    proc.kill()
    proc.communicate(timeout=60)
    (cluster.control / "slow").unlink()
    assert not out.exists()
    code, _, err = _finish(cluster.spawn([*args, out], _env(echo_registry)))
    assert code == 0, err
    skipped = int(re.search(r"(\d+) skipped", err)[1])
    assert skipped >= 16 and f"{48 - skipped} articles ok" in err, err
    assert _without_times(_lines(out)) == _without_times(_lines(reference))
    assert not temporaries(tmp_path)


def test_a_pipe_of_records_is_read_lazily_with_the_driver_memory_bounded(cluster, echo_registry, tmp_path):
    """Records fed through a FIFO: the first document comes out while the feeder still holds most of its
    records back, and the driver's memory does not grow with what follows."""
    feed = tmp_path / "feed.jsonl"
    os.mkfifo(feed)
    total, first_batch = 1200, 200
    seen_first = threading.Event()

    def feeder() -> None:
        with feed.open("w", encoding="utf-8") as handle:
            for i in range(total):
                if i == first_batch:
                    handle.flush()
                    seen_first.wait(timeout=120)  # the rest only once a document came out (or never)
                handle.write(json.dumps({"id": f"r{i:05d}", "text": f"Le conseil a voté {i} budgets."}) + "\n")

    writer = threading.Thread(target=feeder, daemon=True)
    writer.start()
    proc = cluster.spawn([*_args(cluster, "node-echo", "--format", "jsonl"), feed], _env(echo_registry))
    memory = Memory(proc.pid)
    lines: list[str] = []
    came_out = threading.Event()

    def reader() -> None:
        for line in proc.stdout:
            lines.append(line)
            came_out.set()

    output = threading.Thread(target=reader, daemon=True)
    output.start()
    assert came_out.wait(timeout=120), proc.communicate(timeout=5)
    at_first = memory.now()
    ended_before = not writer.is_alive()
    seen_first.set()
    err = proc.stderr.read()
    proc.wait(timeout=300)
    output.join(timeout=30)
    memory.join(timeout=5)
    peak = memory.peak
    writer.join(timeout=5)
    assert proc.returncode == 0, err
    assert not ended_before, "the first document came out only after the whole input"
    docs = [json.loads(line) for line in lines]
    assert [d["doc"] for d in docs] == [f"r{i:05d}" for i in range(total)]
    assert peak - at_first < 48 * 1024, f"the driver grew from {at_first} KiB to {peak} KiB"


class Memory(threading.Thread):
    """The peak RSS of a live process (its ``VmHWM``), read every 50 ms until it exits; ``now()`` its RSS."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0
        self.start()

    def _status(self, key: str) -> int:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def now(self) -> int:
        return self._status("VmRSS")

    def run(self) -> None:
        while Path(f"/proc/{self.pid}").exists():
            self.peak = max(self.peak, self._status("VmHWM"))
            time.sleep(0.05)
