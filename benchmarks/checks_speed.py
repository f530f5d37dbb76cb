"""What the checks cost the default job: ``check_document`` on articles, in fresh processes, side by side.

Contenders, interleaved (each run a process of its own, so that every table is loaded as a real run loads it):

* ``before``: the checks of another commit (``--before-ref``, default ``main``), from a temporary git worktree;
* ``anchors``: this tree's checks without FreeDict and WordNet (what a plain ``pip install`` gives);
* ``lexicon``: this tree's checks with the FreeDict dictionaries and WordNet where installed (their tables
  read from trpipe's cache, as on every run after the first).

Each run checks the same articles (the tuning half's fr-en references, ``--articles`` of them, about five
sentences each: the default job's pair) and reports the process's time in ``check_document`` (first article:
the tables' loading included) and per sentence after it. The default job (benchmarks/RESULTS.md: 18.5 s on
the sample article of 42 sentences, 1.16 s of it the checks) gives the share: (checks of 42 sentences +
loading) / job time.

    python benchmarks/checks_speed.py [--runs 3] [--before-ref main]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
JOB_SECONDS, JOB_SENTENCES = 18.5, 42  # the default job on the sample article (benchmarks/RESULTS.md)

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[2])
from checks_eval import document, load_pairs
from trpipe.checks import check_document
pairs = [d for d in load_pairs("tune") if d["pair"] == "fr-en"]  # the default job's pair
articles = [(d["pair"], a) for d in pairs for a in d["articles"]][: int(sys.argv[3])]
times, sentences = [], []
for pair, article in articles:
    source_lang, target_lang = pair.split("-")
    doc = document(article, source_lang, target_lang, [s["reference"] for s in article["sentences"]])
    start = time.perf_counter()
    check_document(doc)
    times.append(time.perf_counter() - start)
    sentences.append(len(article["sentences"]))
print(json.dumps({"times": times, "sentences": sentences}))
"""


def run(src: Path, env: dict, articles: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(src), str(HERE), str(articles)],
        env=env, capture_output=True, text=True, check=True, cwd=str(ROOT),
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=int, default=7)
    parser.add_argument("--before-ref", default="main")
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items() if k not in ("TRPIPE_FREEDICT_DIR", "TRPIPE_WORDNET_DIR")}
    with tempfile.TemporaryDirectory(prefix="trpipe-before-") as folder:
        subprocess.run(["git", "worktree", "add", "--detach", folder, args.before_ref], cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        try:
            contenders = {
                "before": (Path(folder) / "src", base),
                "anchors": (ROOT / "src", {**base, "TRPIPE_FREEDICT_DIR": "", "TRPIPE_WORDNET_DIR": ""}),
                "lexicon": (ROOT / "src", base),
            }
            run(ROOT / "src", base, args.articles)  # fills trpipe's cache (FreeDict, WordNet) once
            found: dict[str, list[dict]] = {name: [] for name in contenders}
            for _ in range(args.runs):
                for name, (src, env) in contenders.items():
                    found[name].append(run(src, env, args.articles))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", folder], cwd=ROOT, capture_output=True)
    print("| contender | first article (tables loaded) s | per sentence after it, ms | checks of the default job, s "
          "| share of the default job |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, results in found.items():
        first = statistics.median(r["times"][0] for r in results)
        rest = statistics.median(sum(r["times"][1:]) / max(sum(r["sentences"][1:]), 1) for r in results)
        job = first + rest * JOB_SENTENCES
        print(f"| {name} | {first:.2f} | {rest * 1000:.2f} | {job:.2f} | {job / JOB_SECONDS:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
