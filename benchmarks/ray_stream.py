"""A long JSONL input on a Ray cluster: the driver's memory and the time to the first document, lazily read.

    python benchmarks/ray_stream.py [--records 10000]

One cluster on this machine (``tests/ray_cluster.py``: a head without CPUs, two one-CPU worker nodes) and
the ``node-echo`` test backend (the cost per article is trpipe's own: reading, segmenting, checks,
rendering, shipping, writing). The same ``--records`` short articles are given once as a JSONL file and once
through a named pipe (FIFO) fed as fast as the driver reads; the output is one JSONL stream on stdout.
Reported: the time to the first document, the driver's RSS when it came out and its peak (VmHWM, read
every 50 ms), the driver's CPU time per document (what one driver can feed), and the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from ray_cluster import TestCluster  # noqa: E402


def status(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return 0


def one(cluster: TestCluster, source: Path, records: int, models: Path, feed: threading.Thread | None) -> dict:
    args = ["translate", source, "--to", "en", "--from", "fr", "--backend", "node-echo", "--no-summary", "--no-cache",
            "--format", "jsonl", "--engine", "ray", "--ray-address", cluster.address, "--actors", "2"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = cluster.spawn(args, {"TRPIPE_MODELS": str(models)})
    if feed is not None:
        feed.start()
    peak, lines, first = [0], [0], {}

    def watch() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], status(proc.pid, "VmHWM"))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    for _line in proc.stdout:
        if not lines[0]:
            first.update(seconds=time.monotonic() - started, rss=status(proc.pid, "VmRSS"))
        lines[0] += 1
    err = proc.stderr.read()
    proc.wait()
    wall = time.monotonic() - started
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode or lines[0] != records:
        raise SystemExit(f"{source}: exit {proc.returncode}, {lines[0]} documents: {err[-2000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"first_s": first["seconds"], "rss_first_mb": first["rss"], "peak_mb": peak[0], "wall_s": wall,
            "driver_ms_per_doc": 1000 * cpu / records}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="trpipe-ray-stream-"))
    os.environ.setdefault("TRPIPE_TABLES_DIR", str(work / "tables"))
    from trpipe.models.demo import write_registry

    models = write_registry(work / "models.yaml", {"fr-en": "echo/fr-en"})
    lines = [json.dumps({"id": f"r{i:06d}", "text": f"Le conseil a voté {i} budgets mardi soir."}) + "\n"
             for i in range(args.records)]  # fmt: skip
    file = work / "records.jsonl"
    file.write_text("".join(lines), encoding="utf-8")
    fifo = work / "pipe.jsonl"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("w", encoding="utf-8") as handle:
            handle.writelines(lines)

    cluster = TestCluster(work / "cluster")
    try:
        results = {
            "JSONL file": one(cluster, file, args.records, models, None),
            "named pipe (FIFO)": one(cluster, fifo, args.records, models, threading.Thread(target=feed, daemon=True)),
        }
    finally:
        cluster.shutdown()
    print(f"{args.records} records, --actors 2 on two one-CPU nodes, node-echo backend, stdout stream")
    print("| input | first document s | driver RSS then MB | driver peak MB | wall s | driver CPU ms / document |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        print(f"| {name} | {r['first_s']:.1f} | {r['rss_first_mb']} | {r['peak_mb']} | {r['wall_s']:.1f} | "
              f"{r['driver_ms_per_doc']:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
