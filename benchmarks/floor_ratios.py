"""trpipe against the engine's floor (plain CTranslate2 replaying trpipe's own calls), from job.py's runs.

    python benchmarks/job.py --only job,translation --contenders auto,floor --repeats 3 --no-write
    python benchmarks/floor_ratios.py benchmarks/.work/job-runs-DATE.json [--write]

For the default job (translation, summary, back-translation of the sample article) and translation only
(``--no-summary``), three ratios of ``auto`` to the floor's best thread layout: the process's wall time
(start to exit, as the user waits), the work (without imports and model loading), and the CPU time of the
whole process (the steadiest on a shared machine: other jobs stretch wall times, not the CPU a run needs).
Wall ratios use each side's fastest undisturbed run (the fastest run when none is undisturbed), CPU ratios
the medians. With ``--write`` the tables go to benchmarks/RESULTS-floor.md (its analysis kept).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS-floor.md"
GOALS = {"job": 1.1, "translation": 1.2}
NAMES = {"job": "default job (sample, summary)", "translation": "translation only (sample, --no-summary)"}


def _fastest(runs: list[dict], key: str) -> dict:
    quiet = [r for r in runs if not r["disturbed"]]
    return min(quiet or runs, key=lambda r: r[key])


def ratios(saved: dict) -> list[dict]:
    rows = []
    for measure in ("job", "translation"):
        auto = [r for r in saved["runs"] if r["measure"] == measure and r["contender"] == "auto"]
        floor = [r for r in saved["runs"] if r["measure"] == measure and r["contender"] == "floor"]
        if not auto or not floor:
            continue
        layouts: dict[str, list[dict]] = {}
        for run in floor:
            layouts.setdefault(run["label"].rsplit(", ", 1)[-1], []).append(run)
        best = min(layouts, key=lambda name: statistics.median(r["cpu_s"] for r in layouts[name]))
        floor = layouts[best]
        a_wall, f_wall = _fastest(auto, "wall_s"), _fastest(floor, "wall_s")
        a_work, f_work = _fastest(auto, "work_s"), _fastest(floor, "work_s")
        a_cpu = statistics.median(r["cpu_s"] for r in auto)
        f_cpu = statistics.median(r["cpu_s"] for r in floor)
        rows.append(
            {
                "measure": measure,
                "layout": best,
                "runs": (len(auto), len(floor)),
                "quiet": (sum(not r["disturbed"] for r in auto), sum(not r["disturbed"] for r in floor)),
                "wall": (a_wall["wall_s"], f_wall["wall_s"]),
                "work": (a_work["work_s"], f_work["work_s"]),
                "cpu": (a_cpu, f_cpu),
                "stages": a_work["stages"],
                "floor_stages": f_work["stages"],
            }
        )
    return rows


def table(saved: dict) -> str:
    rows = ratios(saved)
    lines = [
        "| measure | floor layout | runs auto/floor (undisturbed) | process s auto / floor | work s auto / floor "
        "| CPU s auto / floor (medians) | goal |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        (aw, fw), (ak, fk), (ac, fc) = r["wall"], r["work"], r["cpu"]
        counts = f"{r['runs'][0]}/{r['runs'][1]} ({r['quiet'][0]}/{r['quiet'][1]})"
        lines.append(
            f"| {NAMES[r['measure']]} | {r['layout']} | {counts} "
            f"| {aw:.2f} / {fw:.2f} = **{aw / fw:.2f}×** | {ak:.2f} / {fk:.2f} = **{ak / fk:.2f}×** "
            f"| {ac:.2f} / {fc:.2f} = **{ac / fc:.2f}×** | ≤ {GOALS[r['measure']]}× |"
        )
    lines += ["", "Where auto's time goes (seconds, its fastest run by work; the floor's beside it):", ""]
    for r in rows:
        parts = []
        for stage in sorted(set(r["stages"]) | set(r["floor_stages"])):
            floor = r["floor_stages"].get(stage)
            parts.append(f"{stage} {r['stages'].get(stage, 0):.2f}" + (f" (floor {floor:.2f})" if floor else ""))
        lines.append(f"- {NAMES[r['measure']]}: " + ", ".join(parts))
    machine = saved.get("machine", {})
    loads = f"{machine.get('load_start', '?')} / {machine.get('load_end', '?')}"
    lines += ["", f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores; load average at the start / "
              f"end {loads}; run started {saved.get('started')}."]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="a job-runs JSON file written by job.py")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    saved = json.loads(args.runs.read_text(encoding="utf-8"))
    text = table(saved)
    print(text)
    if args.write:
        analysis = "<!-- analysis:start -->\n<!-- analysis:end -->"
        if RESULTS.exists():
            found = re.search(r"<!-- analysis:start -->.*?<!-- analysis:end -->", RESULTS.read_text(), re.S)
            analysis = found[0] if found else analysis
        header = (
            "# trpipe against the engine's floor (issue 23, part 3)\n\nFrom "
            f"`{args.runs.relative_to(HERE.parent) if args.runs.is_relative_to(HERE.parent) else args.runs}` "
            "(`python benchmarks/job.py --only job,translation --contenders auto,floor`), tabled by "
            "`python benchmarks/floor_ratios.py`.\n\n"
        )
        RESULTS.write_text(header + text + "\n\n## Analysis\n\n" + analysis + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
