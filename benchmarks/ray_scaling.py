"""Measure ``--engine ray`` with one and two actors against the local engine on this machine.

    python benchmarks/ray_scaling.py [--sizes 32,96] [--repeat 2] [--work /tmp/trpipe-bench]

Every configuration translates two folders (32 and 96 articles by default); the difference of the wall
times gives the rate once running (articles/s, sentences/s), and what is left of the small run's wall
time is the start (Ray, imports, model loads).

The model is a random-weight MarianMT of a middle size (d_model 128, 2+2 layers, ffn 512, 4 heads,
a SentencePiece vocabulary trained on the sample article), built offline with tests/tiny_models.py: its
output is junk, but a sentence costs what it costs with such a model. EOS is suppressed, so every
sentence is decoded to the bound set in the registry (input tokens + 5, 4 beams): the work per article is
fixed.
The articles are the first 1,500 characters of the sample article (12 sentences) with their numbers
changed; no summary, no translation memory (--no-cache), every output redone (--force).
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

MID = {"d_model": 128, "init_std": 0.5} | {
    f"{side}_{key}": value
    for side in ("encoder", "decoder")
    for key, value in (("layers", 2), ("attention_heads", 4), ("ffn_dim", 512))
}
# opus-mt's beams; new tokens bounded by the input's length (a translation about as long as its source)
DECODING = {"num_beams": 4, "max_input_tokens": 256, "max_new_tokens_ratio": 1.0, "max_new_tokens_offset": 5}


def build(work: Path) -> Path:
    import tiny_models

    registry = work / "models.yaml"
    if registry.exists():
        return registry
    french = tiny_models.SAMPLE.read_text(encoding="utf-8")
    model = tiny_models.build_marian(
        work / "fr-en",
        [french],
        [tiny_models.ENGLISH_TEXT],
        vocab_size=1000,
        source_lang="fr",
        target_lang="en",
        architecture=MID,
    )
    return tiny_models.write_registry(registry, {"fr-en": model}, {}, **DECODING)


def articles(work: Path, count: int) -> Path:
    folder = work / f"in-{count}"
    if not folder.exists():
        folder.mkdir(parents=True)
        text = (REPO / "samples" / "huawei-brumath.fr.txt").read_text(encoding="utf-8")
        text = text[: text.index("\n", 1500) + 1]  # the title and first paragraphs: a short news item
        for i in range(count):
            changed = re.sub(r"\d+", lambda m, i=i: str(int(m.group()) + i), text)
            (folder / f"article-{i:03d}.fr.txt").write_text(changed, encoding="utf-8")
    return folder


def run(
    registry: Path, folder: Path, out: Path, extra: tuple[str, ...], env: dict[str, str]
) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the process tree (Ray's processes included), the closing line."""
    env = {**os.environ, "TRPIPE_MODELS": str(registry), "HF_HUB_OFFLINE": "1", **env}
    command = [sys.executable, "-m", "trpipe", "translate", str(folder), "--from", "fr", "--to", "en"]
    command += ["--device", "cpu", "--no-summary", "--no-cache", "--force", "--format", "json", "-o", str(out)]
    started = time.monotonic()
    done = subprocess.run(command + list(extra), env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(extra) or 'local'} failed ({done.returncode}):\n{done.stderr}")
    closing = [line for line in done.stderr.splitlines() if "articles ok" in line][-1]
    return wall, closing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="32,96", help="two article counts (the difference gives the rate)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/trpipe-bench"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    small, large = (int(n) for n in args.sizes.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    registry = build(args.work)
    folders = {n: articles(args.work, n) for n in (small, large)}
    configs = [
        ("local engine (torch: 2 threads)", (), {}),
        ("local engine, OMP_NUM_THREADS=1", (), {"OMP_NUM_THREADS": "1"}),
        ("ray, 1 actor, --num-cpus 1", ("--engine", "ray", "--actors", "1", "--num-cpus", "1"), {}),
        ("ray, 2 actors, --num-cpus 1", ("--engine", "ray", "--actors", "2", "--num-cpus", "1"), {}),
    ]
    walls: dict[tuple[str, int], list[float]] = {}
    sentences: dict[int, int] = {}
    for _ in range(args.repeat):
        for n in (small, large):
            for name, extra, env in configs:
                load = os.getloadavg()[0]
                wall, closing = run(registry, folders[n], args.work / f"out-{n}", extra, env)
                sentences[n] = int(re.search(r"(\d+) sentences,", closing).group(1))
                walls.setdefault((name, n), []).append(wall)
                print(f"  {name}, {n} articles: {wall:.1f} s (load average before: {load:.1f})", file=sys.stderr)
    print(f"{os.cpu_count()} CPUs; medians of {args.repeat} runs; {small} and {large} articles")
    print(f"| run | wall s, {small} articles | wall s, {large} articles | articles/s | sentences/s | start s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, _, _ in configs:
        t_small, t_large = (statistics.median(walls[name, n]) for n in (small, large))
        rate = (large - small) / (t_large - t_small)  # articles/s once started
        per_sentence = (sentences[large] - sentences[small]) / (t_large - t_small)
        start = t_small - small / rate  # Ray, imports, model loads
        print(f"| {name} | {t_small:.1f} | {t_large:.1f} | {rate:.2f} | {per_sentence:.1f} | {start:.1f} |")


if __name__ == "__main__":
    main()
