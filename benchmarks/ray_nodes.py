"""What distribution costs: the same two actors on two Ray nodes and on one node, and one actor alone.

    python benchmarks/ray_nodes.py [--sizes 32,96] [--repeat 2] [--work /tmp/trpipe-bench]

Three Ray clusters on this machine (``ray.cluster_utils.Cluster``, a head without CPUs for the driver):

* ``2 nodes x 1 CPU``: two worker nodes of one CPU each, ``--actors 2`` (one actor per node: every group
  and result crosses between nodes' object stores, as on a real cluster);
* ``1 node x 2 CPUs``: one worker node of two CPUs, ``--actors 2``;
* ``1 node x 1 CPU``: one worker node of one CPU, ``--actors 1`` (the 1 -> 2 core ratio).

The model and articles are ``ray_scaling.py``'s (a random-weight MarianMT of a middle size, 12-sentence
articles, every sentence decoded to its bound), no summary, no translation memory, every output redone.
Every configuration translates two folders (32 and 96 articles by default), interleaved, ``--repeat`` times;
the difference of the medians gives the rate once running. Wall time and the CPU time of all the
clusters' processes are both reported: on a shared machine the CPU time is the steadier measure.

What a one-machine cluster cannot show: network transfers between machines (here the object stores talk
over loopback), a node's own disk and page cache, and nodes of different speeds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import ray_scaling  # noqa: E402  (the model and the articles)

OBJECT_STORE = 200 * 1024 * 1024
LAYOUTS = {
    "2 nodes x 1 CPU, --actors 2": ([1, 1], 2),
    "1 node x 2 CPUs, --actors 2": ([2], 2),
    "1 node x 1 CPU, --actors 1": ([1], 1),
}


def start(nodes: list[int]):
    from ray.cluster_utils import Cluster

    head = {"num_cpus": 0, "object_store_memory": OBJECT_STORE, "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=head)
    for cpus in nodes:
        cluster.add_node(num_cpus=cpus, object_store_memory=OBJECT_STORE)
    cluster.wait_for_nodes()
    return cluster


def children_cpu() -> float:
    """CPU seconds used so far by this process's reaped children and the clusters' processes."""
    usage = os.times()
    total = usage.children_user + usage.children_system
    for pid in _tree(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            # its own time, and that of its children it has reaped (the actors a raylet saw exit)
            total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def _tree(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        found += [int(c) for c in children]
        todo += [int(c) for c in children]
    return found


def run(registry: Path, folder: Path, out: Path, address: str, actors: int) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds of everything (driver and clusters), of the driver alone, and sentences."""
    env = {**os.environ, "TRPIPE_MODELS": str(registry), "HF_HUB_OFFLINE": "1", "RAY_ADDRESS": ""}
    command = [sys.executable, "-m", "trpipe", "translate", str(folder), "--from", "fr", "--to", "en", "--device",
               "cpu", "--no-summary", "--no-cache", "--force", "--format", "json", "-o", str(out), "--engine", "ray",
               "--ray-address", address, "--actors", str(actors), "--num-cpus", "1"]  # fmt: skip
    cpu = children_cpu()
    reaped = os.times()
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = os.times()  # the driver is the only child reaped meanwhile
    driver = after.children_user + after.children_system - reaped.children_user - reaped.children_system
    if done.returncode:
        raise SystemExit(f"{address} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    closing = [line for line in done.stderr.splitlines() if "articles ok" in line][-1]
    return wall, children_cpu() - cpu, driver, int(re.search(r"(\d+) sentences,", closing)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="32,96")
    parser.add_argument("--work", type=Path, default=Path("/tmp/trpipe-bench"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    small, large = (int(n) for n in args.sizes.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TRPIPE_TABLES_DIR", str(args.work / "tables"))
    registry = ray_scaling.build(args.work)
    folders = {n: ray_scaling.articles(args.work, n) for n in (small, large)}
    clusters = {name: start(nodes) for name, (nodes, _) in LAYOUTS.items()}
    walls: dict[tuple[str, int], list[float]] = {}
    cpus: dict[tuple[str, int], list[float]] = {}
    drivers: dict[tuple[str, int], list[float]] = {}
    sentences: dict[int, int] = {}
    try:
        for _ in range(args.repeat):
            for n in (small, large):
                for name, (_, actors) in LAYOUTS.items():
                    load = os.getloadavg()[0]
                    address = clusters[name].address
                    wall, cpu, driver, count = run(registry, folders[n], args.work / f"out-{n}", address, actors)
                    sentences[n] = count
                    walls.setdefault((name, n), []).append(wall)
                    cpus.setdefault((name, n), []).append(cpu)
                    drivers.setdefault((name, n), []).append(driver)
                    print(f"  {name}, {n} articles: {wall:.1f} s, {cpu:.1f} CPU s (load before {load:.1f})", flush=True)
    finally:
        for cluster in clusters.values():
            cluster.shutdown()
    print(f"\n{os.cpu_count()} CPUs; medians of {args.repeat} runs; {small} and {large} articles")
    print(f"| layout | wall s, {small} | wall s, {large} | articles/s | CPU s per article | driver CPU ms per article "
          "| start s |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    rates = {}
    for name in LAYOUTS:
        t_small, t_large = (statistics.median(walls[name, n]) for n in (small, large))
        c_small, c_large = (statistics.median(cpus[name, n]) for n in (small, large))
        rate = (large - small) / (t_large - t_small)
        rates[name] = rate
        per_article = (c_large - c_small) / (large - small)
        d_small, d_large = (statistics.median(drivers[name, n]) for n in (small, large))
        driver_ms = 1000 * (d_large - d_small) / (large - small)
        print(f"| {name} | {t_small:.1f} | {t_large:.1f} | {rate:.2f} | {per_article:.3f} | {driver_ms:.1f} | "
              f"{t_small - small / rate:.1f} |")  # fmt: skip
    two_nodes, one_node, one_core = (rates[name] for name in LAYOUTS)
    print(f"\n2 actors on 2 nodes / 2 actors on 1 node: {two_nodes / one_node:.2f}x the rate (goal: within 10 %)")
    print(f"1 -> 2 cores (2 actors on 1 node / 1 actor on 1 node): {one_node / one_core:.2f}x")


if __name__ == "__main__":
    main()
