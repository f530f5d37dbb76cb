"""Peak memory and speed of the default job (translation, summary, back-translation) as the batch grows.

    python benchmarks/memory_curve.py [--scales 10,100,1000] [--repeats 1] [--write] [--keep]

Each scale is one ``trpipe translate FOLDER --to en`` process (``job_child.py cli``: trpipe's command line
with its stages timed) on the first N generated briefs (``corpus.py``; 45-75 words, no sentence repeated;
the corpus grows past the 100 articles of ``articles100`` with the same generator), on the benchmark's
random-weight models of the real shapes (``build_model.py``: opus-mt-fr-en and -en-fr, distilbart-cnn-12-6;
EOS suppressed, so every sentence and summary runs to its bound), summaries on, no translation memory.
Peak RSS is the process's ``ru_maxrss``; the stage where it was first reached comes from job_child's
clock. With ``--write`` the table is written to benchmarks/RESULTS-memory.md (between markers, the
analysis kept).

The goal (issue 23): peak RSS at most 1.2 GB at every scale, the scales within 10 % of each other, and
articles per second flat or rising with the batch.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402
import build_model  # noqa: E402
import job  # noqa: E402

RESULTS = HERE / "RESULTS-memory.md"
GOAL_MB = 1200


def corpus(count: int) -> Path:
    """A folder of the first ``count`` generated briefs (links to the generated files)."""
    source = build_model.ARTICLES100_DIR if count <= 100 else job.WORK / f"articles{count}"
    if count > 100 and len(list(source.glob("*.txt"))) != count:
        shutil.rmtree(source, ignore_errors=True)
        build_model.corpus.write_articles(source, count)
    articles = sorted(source.glob("*.txt"), key=lambda p: int(re.search(r"(\d+)", p.stem)[1]))[:count]
    folder = job.WORK / f"memory-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in articles:
        (folder / path.name).symlink_to(path)
    return folder


def measure(count: int, folder: Path, rep: int, summary: bool = True) -> dict:
    out = job.OUT / f"memory-{count}-{rep}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    result = job.WORK / "memory-result.json"
    argv = [sys.executable, str(HERE / "job_child.py"), "cli", "--result", str(result), "--inputs", str(folder)]
    argv += ["--models", str(build_model.JOB_REGISTRY), "--output", str(out), "--backend", "auto"]
    argv += ["--summary"] if summary else []
    _, busy = bench.wait_quiet(30, bench.QUIET_CORES)
    data = job.run_process(argv, result, job.child_env())
    peaks = data.get("stage_peak_mb") or {}
    data.update(
        articles=count,
        summary=summary,
        rep=rep,
        outputs=len(list(out.glob("*.json"))),
        peak_stage=max(peaks, key=peaks.get) if peaks else "",
        busy_before=busy,
    )
    print(
        f"  {count:5d} articles #{rep}: {data['wall_s']:8.1f} s, {count / data['work_s']:.3f} articles/s of work, "
        f"{data['cpu_s'] / count:.2f} CPU s an article, "
        f"peak {data['peak_rss_mb']:.0f} MB (first reached in {data['peak_stage'] or '?'}), other processes "
        f"{data['foreign_cores']:.2f} cores",
        flush=True,
    )
    return data


def table(runs: list[dict]) -> str:
    lines = [
        "| articles | process s | work s | articles/s (work) | CPU s / article | peak RSS MB | peak first reached in "
        "| other cores |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for count in sorted({r["articles"] for r in runs}):
        rows = [r for r in runs if r["articles"] == count]
        best = min(rows, key=lambda r: r["wall_s"])
        peak = max(r["peak_rss_mb"] for r in rows)
        lines.append(
            f"| {count} | {best['wall_s']:.1f} | {best['work_s']:.1f} | {count / best['work_s']:.3f} | "
            f"{best['cpu_s'] / count:.2f} | {peak:.0f} | "
            f"{best['peak_stage']} | {statistics.mean(r['foreign_cores'] for r in rows):.2f} |"
        )
    peaks = [max(r["peak_rss_mb"] for r in runs if r["articles"] == c) for c in sorted({r["articles"] for r in runs})]
    spread = (max(peaks) - min(peaks)) / min(peaks) if peaks else 0.0
    lines += [
        "",
        f"- Peak RSS at most {GOAL_MB} MB at every scale: {max(peaks):.0f} MB — "
        f"**{'met' if max(peaks) <= GOAL_MB else f'missed (by {max(peaks) - GOAL_MB:.0f} MB)'}**",
        f"- Scales within 10 % of each other: {spread * 100:.1f} % — **{'met' if spread <= 0.10 else 'missed'}**",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10,100,1000")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS-memory.md")
    parser.add_argument("--no-summary", dest="summary", action="store_false", help="translation only")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the previous runs (benchmarks/.work/memory-runs*.json) of the scales not run now, so that a "
        "long scale can be measured on its own and tabled with the others",
    )
    args = parser.parse_args()
    job.WORK.mkdir(parents=True, exist_ok=True)
    subprocess_ok = build_model.JOB_REGISTRY.is_file()
    if not subprocess_ok:
        import subprocess

        subprocess.run([sys.executable, str(HERE / "build_model.py")], check=True)
    machine = bench.machine_info()
    started = time.strftime("%Y-%m-%d %H:%M")
    print(f"machine: {machine['cpu']}, {machine['cores']} cores; load average {bench.loadavg()}", flush=True)
    scales = [int(x) for x in args.scales.split(",")]
    folders = {n: corpus(n) for n in scales}
    runs = []
    for rep in range(1, args.repeats + 1):
        for count in scales:
            runs.append(measure(count, folders[count], rep, args.summary))
    name = "memory-runs.json" if args.summary else "memory-runs-no-summary.json"
    if args.keep and (job.WORK / name).is_file():
        before = json.loads((job.WORK / name).read_text(encoding="utf-8"))
        runs = [r for r in before if r["articles"] not in scales] + runs
    (job.WORK / name).write_text(json.dumps(runs, indent=1, default=str), encoding="utf-8")
    text = table(runs)
    print(text)
    if args.write and args.summary:
        header = (
            f"# Memory as the batch grows: the default job with summaries\n\nWritten by "
            f"`python benchmarks/memory_curve.py --scales {args.scales} --repeats {args.repeats}"
            f"{' --keep' if args.keep else ''}` on {started}"
            f"{' (the other scales kept from the previous run)' if args.keep else ''}, on "
            f"{machine['cpu']} ({machine['cores']} cores, shared with other jobs: see 'other cores').\n\n"
        )
        analysis = ""
        if RESULTS.exists():
            found = re.search(r"<!-- analysis:start -->.*?<!-- analysis:end -->", RESULTS.read_text(), re.S)
            analysis = found[0] if found else ""
        analysis = analysis or "<!-- analysis:start -->\n<!-- analysis:end -->"
        RESULTS.write_text(header + text + "\n\n## Analysis\n\n" + analysis + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
