"""A worker node killed while its actor holds a group, repeated: documents lost and duplicated per run.

    python benchmarks/ray_faults.py [--runs 20] [--articles 40] [--out benchmarks/RESULTS-ray.md]

One Ray cluster on this machine (``tests/ray_cluster.py``: a head without CPUs and two one-CPU worker
nodes) serves every run. Each run translates ``--articles`` articles (groups of 16) into one JSONL stream
with ``--actors 2`` and the ``hold-echo`` test backend (0.5 s a batch): the actor on the node told to hold blocks on its
first group, the node is killed (every process of it, SIGKILL) once that group is provably in flight, and
the run must still end with every document exactly once, in input order. Runs alternate between the node
*lost for good* (the run finishes on the node left; its replacement actor can never be placed) and the
node *replaced* (a new node is started right after the kill; the pool's replacement actor starts there and
takes groups). Between runs the cluster is brought back to two worker nodes.

Prints one line per run and a Markdown table (appended to ``--out`` with ``--write``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from ray_cluster import TestCluster  # noqa: E402  (the suite's cluster: nodes that know the test backends)

SLOW_S = 0.5  # seconds per batch on every node, so that a replacement node can join while groups are left
ARTICLE = "Le conseil régional a voté un budget de {n} euros. Les travaux commenceront en {year}.\n"


def registry(work: Path) -> Path:
    from trpipe.models.demo import write_registry

    return write_registry(work / "models.yaml", {"fr-en": "echo/fr-en", "en-fr": "echo/en-fr"})


def one_run(cluster: TestCluster, work: Path, number: int, articles: int, replace: bool, models: Path) -> dict:
    folder = work / f"in-{number}"
    folder.mkdir(parents=True)
    for i in range(articles):
        (folder / f"a{i:03d}.fr.txt").write_text(ARTICLE.format(n=1000 + i, year=2000 + i), encoding="utf-8")
    out = work / f"out-{number}.jsonl"
    cluster.ensure_workers(2)
    cluster.reset_control()
    doomed = sorted(cluster.workers)[0]
    (cluster.control / f"hold-{doomed}").touch()
    (cluster.control / "slow").write_text(str(SLOW_S), encoding="utf-8")
    args = ["translate", folder, "-o", out, "--to", "en", "--from", "fr", "--backend", "hold-echo", "--no-summary",
            "--no-cache", "--engine", "ray", "--ray-address", cluster.address, "--actors", "2"]  # fmt: skip
    started = time.monotonic()
    proc = cluster.spawn(args, {"TRPIPE_MODELS": str(models)})
    holding = cluster.control / f"holding-{doomed}"
    while not holding.exists():
        if proc.poll() is not None or time.monotonic() - started > 300:
            raise SystemExit(f"run {number}: the held group never came ({proc.communicate()[1][-2000:]})")
        time.sleep(0.02)
    cluster.kill(doomed)
    killed = time.monotonic()
    before = set(cluster.workers)
    joined = None
    if replace:  # a new node joins (Ray's nodes are started from the main thread)
        cluster.add_worker()
    _, err = proc.communicate(timeout=600)
    ended = time.monotonic()
    if replace:
        joined = any(cluster.batches(name) for name in set(cluster.workers) - before)
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    docs = [json.loads(line)["doc"] for line in lines]
    expected = [str(folder / f"a{i:03d}.fr.txt") for i in range(articles)]
    return {
        "run": number,
        "mode": "replaced" if replace else "lost for good",
        "exit": proc.returncode,
        "documents": len(docs),
        "lost": len(set(expected) - set(docs)),
        "duplicated": len(docs) - len(set(docs)),
        "in_order": docs == expected,
        "node_named": f"({cluster_node_prefix(err)}" in err and "was lost" in err,
        "wall_s": ended - started,
        "after_kill_s": ended - killed,
        "replacement_worked": joined,
    }


def cluster_node_prefix(err: str) -> str:
    marker = "warning: Ray node "
    at = err.find(marker)
    return err[at + len(marker) :].split("(", 1)[1][:12] if at >= 0 and "(" in err[at:] else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--articles", type=int, default=192, help="articles per run (groups of 16)")
    parser.add_argument("--write", type=Path, help="append the table to this Markdown file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="trpipe-ray-faults-"))
    os.environ.setdefault("TRPIPE_TABLES_DIR", str(work / "tables"))
    models = registry(work)
    started = time.monotonic()
    cluster = TestCluster(work / "cluster")
    results = []
    try:
        for number in range(1, args.runs + 1):
            result = one_run(cluster, work, number, args.articles, replace=number % 2 == 0, models=models)
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        cluster.shutdown()
    ok = [r for r in results if r["exit"] == 0 and not r["lost"] and not r["duplicated"] and r["in_order"]]
    lines = [
        f"Worker node killed mid-group, {len(results)} runs of {args.articles} articles ({os.cpu_count()} CPUs, "
        f"Ray {__import__('ray').__version__}; {time.monotonic() - started:.0f} s in all): "
        f"**{len(ok)} of {len(results)} runs with 0 lost and 0 duplicated**, in input order.",
        "",
        "| runs | node | exit 0 | lost | duplicated | in order | node named | wall s (median) | kill → end s (median) "
        "| replacement took groups |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for mode in ("lost for good", "replaced"):
        rows = [r for r in results if r["mode"] == mode]
        if not rows:
            continue
        took = sum(bool(r["replacement_worked"]) for r in rows) if mode == "replaced" else "–"
        lines.append(
            f"| {len(rows)} | {mode} | {sum(r['exit'] == 0 for r in rows)} | {sum(r['lost'] for r in rows)} | "
            f"{sum(r['duplicated'] for r in rows)} | {sum(r['in_order'] for r in rows)} | "
            f"{sum(r['node_named'] for r in rows)} | {statistics.median(r['wall_s'] for r in rows):.1f} | "
            f"{statistics.median(r['after_kill_s'] for r in rows):.1f} | {took} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.write:
        with args.write.open("a", encoding="utf-8") as handle:
            handle.write("\n" + table + "\n")


if __name__ == "__main__":
    main()
