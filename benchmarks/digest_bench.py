"""Benchmark of ``trpipe digest`` (issue 26), on the benchmark's random-weight models of the real shapes.

    python benchmarks/build_model.py                 # once: the models, registries and articles100/
    python benchmarks/digest_bench.py [--repeats 2]  # prints the measurements as JSON

* **digest against translate**: ``trpipe translate articles100/ --to en -o OUT --format json`` (summaries on,
  the default) and ``trpipe digest articles100/ --to en -o OUT/digest.json`` (articles translated without
  summaries of their own, one summary per story, back-translated; each article's JSON and HTML report
  written), each a process of its own with an empty translation memory (a fresh ``TRPIPE_CACHE_DIR``),
  interleaved; wall time and peak RSS, and their ratios taken side by side.
* **grouping alone**: ``--grouping N`` articles (generated French briefs, corpus.py; their translations
  stand in as the text itself, which costs the grouping the same) through ``stories.features`` and
  ``stories.group_articles``, warm (the language data loaded once before timing).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

WORK = HERE / ".work"


def run(argv: list[str], env: dict) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    errors = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed (exit {code}): {errors[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024)}  # fmt: skip


def versus(articles: Path, registry: Path, repeats: int) -> dict:
    runs: dict[str, list[dict]] = {"translate": [], "digest": []}
    for rep in range(repeats):
        for contender in ("translate", "digest"):
            out = Path(tempfile.mkdtemp(prefix=f"digest-bench-{contender}-"))
            cache = Path(tempfile.mkdtemp(prefix="digest-bench-cache-"))
            env = {
                **os.environ,
                "HF_HUB_OFFLINE": "1",
                "TRPIPE_CACHE_DIR": str(cache),
                "TOKENIZERS_PARALLELISM": "false",
            }
            if contender == "translate":
                argv = [sys.executable, "-m", "trpipe", "translate", str(articles), "--to", "en", "--from", "fr",
                        "-o", str(out), "--format", "json", "--models", str(registry), "-q"]  # fmt: skip
            else:
                argv = [sys.executable, "-m", "trpipe", "digest", str(articles), "--to", "en", "--from", "fr",
                        "-o", str(out / "digest.json"), "--models", str(registry)]  # fmt: skip
            result = run(argv, env)
            if contender == "digest":
                digest = json.loads((out / "digest.json").read_text(encoding="utf-8"))
                result["stories"] = len(digest["stories"])
                result["articles"] = len(digest["articles"])
            result["rep"] = rep + 1
            runs[contender].append(result)
            print(f"  {contender:<9} #{rep + 1}: {result}", file=sys.stderr, flush=True)
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
    ratios = [d["wall_s"] / t["wall_s"] for t, d in zip(runs["translate"], runs["digest"])]
    rss = [d["peak_rss_mb"] / t["peak_rss_mb"] for t, d in zip(runs["translate"], runs["digest"])]
    return {"runs": runs, "wall_ratio": [round(r, 3) for r in ratios], "rss_ratio": [round(r, 3) for r in rss]}


def synthetic_articles(count: int) -> list:
    import corpus

    from trpipe.digest.articles import make_article
    from trpipe.records import Document, Source
    from trpipe.segment import segment_text

    folder = Path(tempfile.mkdtemp(prefix="digest-bench-articles-"))
    paths = corpus.write_articles(folder, count)
    articles = []
    for k, path in enumerate(paths):
        text = Path(path).read_text(encoding="utf-8")
        source = Source(str(path), text, "utf-8", hashlib.sha256(text.encode()).hexdigest(), "fr")
        segments = segment_text(text, "fr")
        for seg in segments:
            seg.translation = seg.text
            for sentence in seg.sentences:
                sentence.translation = sentence.text
        articles.append(make_article(f"a{k + 1}", str(path), Document(source, "en", segments, {}, None, ["en"])))
    shutil.rmtree(folder, ignore_errors=True)
    return articles


def grouping(count: int) -> dict:
    from trpipe.digest.stories import features, group_articles

    articles = synthetic_articles(count)
    features(articles[0])  # the language data (lemmas, stop-words) loaded before timing
    started = time.perf_counter()
    feats = [features(a) for a in articles]
    extracted = time.perf_counter() - started
    started = time.perf_counter()
    result = group_articles(articles, feats=feats)
    grouped = time.perf_counter() - started
    return {"articles": count, "features_s": round(extracted, 3), "grouping_s": round(grouped, 3),
            "stories": len(result.stories), "duplicate_groups": len(result.duplicates)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--grouping", type=int, default=1000, help="articles for the grouping-alone measure")
    parser.add_argument("--skip-versus", action="store_true", help="only the grouping measure")
    args = parser.parse_args()
    out = {"grouping": grouping(args.grouping)}
    print(json.dumps(out, indent=1), file=sys.stderr, flush=True)
    if not args.skip_versus:
        out["versus"] = versus(WORK / "articles100", WORK / "job.yaml", args.repeats)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
