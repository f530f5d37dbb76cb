"""The Ray engine on GPUs (``--num-gpus``) against the local engine on the same GPU (run by gpu.sh).

    python benchmarks/ray_gpu.py [--sizes 32,96] [--repeat 2] [--summary]

The benchmark's models of the real shapes (``build_model.py``: opus-mt-fr-en, distilbart-cnn-12-6, random
weights, EOS suppressed so every sentence and summary runs to its bound) on the generated briefs of
``articles100``; no translation memory, every output redone; ``--device auto`` (CUDA in int8_float16).
Configurations: the local engine; ``--engine ray --actors N --num-gpus 1`` (N = the GPUs); ``--actors 2N
--num-gpus 0.5`` (two actors sharing each GPU, one's CPU work beside the other's generation). Each
translates two folders; the difference of the wall times gives the rate once running. The table has the
columns of docs/ray.md's CPU table. Not run yet: no GPU was lent to the sessions that wrote it.
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

import build_model  # noqa: E402


def gpus() -> int:
    import ctranslate2

    return ctranslate2.get_cuda_device_count()


def folder(count: int) -> Path:
    target = build_model.WORK / f"gpu-in-{count}"
    if not target.is_dir() or len(list(target.glob("*.txt"))) != count:
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(build_model.ARTICLES100_DIR.glob("*.txt"))[:count]:
            link = target / path.name
            if not link.exists():
                link.symlink_to(path)
    return target


def run(inputs: Path, out: Path, extra: list[str], summary: bool) -> tuple[float, int]:
    env = {**os.environ, "TRPIPE_MODELS": str(build_model.JOB_REGISTRY), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "trpipe", "translate", str(inputs), "--from", "fr", "--to", "en", "--device",
               "auto", "--no-cache", "--force", "--format", "json", "-o", str(out)]  # fmt: skip
    command += [] if summary else ["--no-summary"]
    started = time.monotonic()
    done = subprocess.run(command + extra, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(extra) or 'local'} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    closing = [line for line in done.stderr.splitlines() if "articles ok" in line][-1]
    return wall, int(re.search(r"(\d+) sentences,", closing)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="32,96")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--summary", action="store_true", help="summaries on (the default job)")
    args = parser.parse_args()
    count = gpus()
    if not count:
        raise SystemExit("ray_gpu.py: no CUDA device (CTranslate2 sees none)")
    if not build_model.JOB_REGISTRY.is_file():
        subprocess.run([sys.executable, str(HERE / "build_model.py")], check=True)
    small, large = (int(n) for n in args.sizes.split(","))
    folders = {n: folder(n) for n in (small, large)}
    configs = [
        ("local engine", []),
        (f"ray, {count} actor(s), --num-gpus 1", ["--engine", "ray", "--actors", str(count), "--num-gpus", "1"]),
        (
            f"ray, {2 * count} actors, --num-gpus 0.5",
            ["--engine", "ray", "--actors", str(2 * count), "--num-gpus", "0.5"],
        ),
    ]
    walls: dict[tuple[str, int], list[float]] = {}
    sentences: dict[int, int] = {}
    for _ in range(args.repeat):
        for n in (small, large):
            for name, extra in configs:
                wall, sentences[n] = run(folders[n], build_model.WORK / f"gpu-out-{n}", extra, args.summary)
                walls.setdefault((name, n), []).append(wall)
                print(f"  {name}, {n} articles: {wall:.1f} s", file=sys.stderr, flush=True)
    print(f"{count} GPU(s), {os.cpu_count()} CPUs; medians of {args.repeat} runs; {small} and {large} articles; "
          f"summaries {'on' if args.summary else 'off'}")  # fmt: skip
    print(f"| run | wall s, {small} articles | wall s, {large} articles | articles/s | sentences/s | start s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, _ in configs:
        t_small, t_large = (statistics.median(walls[name, n]) for n in (small, large))
        rate = (large - small) / (t_large - t_small)
        per_sentence = (sentences[large] - sentences[small]) / (t_large - t_small)
        print(f"| {name} | {t_small:.1f} | {t_large:.1f} | {rate:.2f} | {per_sentence:.1f} | "
              f"{t_small - small / rate:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
