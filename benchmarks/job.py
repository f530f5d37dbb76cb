"""Benchmark of the job users run: ``trpipe translate ARTICLE --to en`` with its summary and the summary's
back-translation, on random-weight models of the real shapes, against the engine's floor and peers.

    python benchmarks/job.py             # the full measurement (an hour or two); writes benchmarks/RESULTS.md
    python benchmarks/job.py --quick     # real shapes, one run each, 1 and 10 articles; prints, writes nothing
    python benchmarks/job.py --tiny      # the tests' tiny models: checks the plumbing in a minute or two

Measurements, each run a process of its own (process wall time start to exit, peak RSS), interleaved:

* **default job** on the sample article (summary on, back-translation on), models converted:
  ``before`` (trpipe as it was before this work, ``--before-ref``, transformers backend: the issue's
  "today"), ``transformers`` (today's code, ``--backend transformers``), ``auto`` (the new default),
  ``floor`` (plain CTranslate2 replaying the exact work ``auto`` did, pre-tokenized, with its best thread
  layout for this machine); with a breakdown by stage.
* **translation only** (``--no-summary``): ``transformers``, ``auto``, ``floor`` and ``argos``
  (argos-translate 1.11 on the same CTranslate2 conversion, packaged for it; see argos_child.py).
* **scaling**: 1, 10 and 100 articles with summaries (``articles100``), ``before``, ``transformers`` and
  ``auto``: articles per second and peak RSS (``before`` runs once on 100 articles, and not at all beyond
  ``--before-max``).
* ``trpipe --help`` wall time, and whether the default job imported torch.

Equal work: EOS is suppressed in every model (build_model.py), translations get a constant bound of K
new tokens per sentence (``max_new_tokens_ratio: 0``), summaries run to their bounds (142 new tokens at
the last level, the map level's bound below it), so every contender generates the same number of
tokens at every stage; each run counts them (job_child.py) and the results say where counts differ.

The machine is shared: each run waits (``--max-wait``) for other processes to use under 0.3 cores and
records how many they used while it ran; a disturbed run is rerun (``--retries``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (the machine helpers: quiet waits, CPU accounting, machine description)
import build_model  # noqa: E402

WORK = HERE / ".work"
OUT = WORK / "job-out"
RESULTS = HERE / "RESULTS.md"
ARGOS_VENV = WORK / "argos-venv"
ARGOS_HOME = WORK / "argos"
BEFORE_REF = "a63fc7d"  # the commit this work started from (issue 11's "today")
SCALES = (1, 10, 100)
CONTENDERS = {
    "before": "trpipe before (transformers)",
    "transformers": "trpipe --backend transformers",
    "auto": "trpipe, new default (auto)",
    "floor": "plain CTranslate2 (floor)",
    "argos": "argos-translate",
}


def precompiled(src: Path) -> None:
    """Compile a trpipe source tree's modules to bytecode, as ``pip install`` does for an installed package: an
    editable install run with PYTHONDONTWRITEBYTECODE set (as on the machines this benchmark was written on)
    would otherwise compile about 90 modules again in every process (0.1 s of each run), which no user's
    installed trpipe pays."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], stdout=subprocess.DEVNULL, check=False)


def child_env(extra: dict | None = None) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRPIPE_CACHE_DIR": str(WORK / "cache")}
    env.update(TOKENIZERS_PARALLELISM="false", TRPIPE_QUIET="1")
    env.update(extra or {})
    return env


def run_process(argv: list[str], result: Path, env: dict) -> dict:
    """Run one measured process; its JSON result plus wall, CPU, peak RSS and other processes' load."""
    result.unlink(missing_ok=True)
    log = result.with_suffix(".stderr")
    busy0, _ = bench.cpu_busy()
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as stderr:  # a file, not a pipe: a chatty child never blocks
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    errors = log.read_text(encoding="utf-8", errors="replace")
    busy1, _ = bench.cpu_busy()
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or not result.is_file():
        raise RuntimeError(f"{' '.join(argv[:4])}... failed (exit {code}): {errors.strip()[-2000:]}")
    data = json.loads(result.read_text(encoding="utf-8"))
    if data.get("exit_code"):  # trpipe itself failed (the child process ran to its end)
        raise RuntimeError(f"{' '.join(argv[:4])}... trpipe exited {data['exit_code']}: {errors.strip()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    data.update(wall_s=wall, cpu_s=cpu, peak_rss_mb=usage.ru_maxrss / 1024)
    data["foreign_cores"] = max(0.0, (busy1 - busy0 - cpu) / wall)
    return data


class Job:
    """One benchmark session: what was built, the runs made, the options."""

    def __init__(self, args: argparse.Namespace, build: dict, registry: Path, folders: dict[str, str]):
        self.args = args
        self.build = build
        self.registry = registry
        self.folders = folders  # model name -> CTranslate2 conversion folder (the floor's models)
        self.runs: list[dict] = []
        self.plans: dict[str, Path] = {}
        self.corpora: dict[str, dict] = {}

    # ------------------------------------------------------------------------------------ one run

    def argv(
        self, contender: str, measure: str, inputs: list[str], out: Path, rep: int, layout: str
    ) -> tuple[list[str], dict]:
        summary = measure != "translation"
        result = WORK / "job-result.json"
        if contender == "floor":
            plan = self.plans[measure]
            inter, intra = (int(x) for x in layout.split("x"))
            argv = [sys.executable, str(HERE / "job_child.py"), "floor", "--result", str(result), "--plan", str(plan)]
            argv += ["--folders", json.dumps(self.folders), "--inter", str(inter), "--intra", str(intra)]
            argv += ["--device", self.args.device] + (
                ["--compute-type", self.args.compute_type] * bool(self.args.compute_type)
            )
            return argv, child_env()
        if contender == "argos":
            argv = [str(ARGOS_VENV / "bin" / "python"), str(HERE / "argos_child.py"), "--result", str(result)]
            argv += ["--text", inputs[0], "--new-tokens", str(self.build["new_tokens_per_sentence"])]
            return argv, argos_env()
        backend = "auto" if contender == "auto" else "transformers"
        argv = [sys.executable, str(HERE / "job_child.py"), "cli", "--result", str(result), "--inputs", *inputs]
        argv += ["--models", str(self.registry), "--output", str(out), "--backend", backend]
        argv += ["--summary"] if summary else []
        argv += ["--device", self.args.device]
        extra = {}
        if contender == "auto" and rep == 1:
            plan = WORK / f"plan-{measure}.json"
            argv += ["--record", str(plan)]
            self.plans.setdefault(measure, plan)
        if contender == "before":
            extra["PYTHONPATH"] = str(before_tree(self.args.before_ref) / "src")
            precompiled(before_tree(self.args.before_ref) / "src")
        return argv, child_env(extra)

    def run(self, contender: str, measure: str, inputs: list[str], rep: int, label: str, layout: str = "") -> dict:
        for attempt in range(self.args.retries + 1):
            out = OUT / f"{measure}-{contender}-{rep}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            target = out / "out.json" if len(inputs) == 1 and Path(inputs[0]).is_file() else out
            waited, busy = bench.wait_quiet(self.args.max_wait, bench.QUIET_CORES)
            argv, env = self.argv(contender, measure, inputs, target, rep, layout)
            data = run_process(argv, WORK / "job-result.json", env)
            disturbed = data["foreign_cores"] > bench.QUIET_CORES
            data.update(contender=contender, measure=measure, rep=rep, attempt=attempt, label=label)
            data.update(waited_s=waited, busy_before=busy, loadavg=bench.loadavg(), disturbed=disturbed)
            if contender not in ("floor", "argos"):
                data["outputs"] = describe_outputs(out)
            print(
                f"  {'DISTURBED' if disturbed else 'run'} {CONTENDERS[contender]:<32} {label:<22} #{rep}: "
                f"{data['wall_s']:7.2f} s process, {data['work_s']:7.1f} s work, peak {data['peak_rss_mb']:5.0f} MB, "
                f"other processes {data['foreign_cores']:.2f} cores",
                flush=True,
            )
            self.runs.append(data)
            if not disturbed:
                return data
        return data

    # ----------------------------------------------------------------------------------- measures

    def measure(self, measure: str, contenders: list[str], inputs: list[str], label: str, once: tuple = ()) -> None:
        """Every contender, ``--repeats`` times, interleaved; those in ``once`` only in the first round."""
        for rep in range(1, self.args.repeats + 1):
            for contender in contenders:
                if rep > 1 and contender in once:
                    continue
                if contender != "floor":
                    self.run(contender, measure, inputs, rep, label)
                elif measure in self.plans:  # the floor replays auto's recorded work: auto runs first
                    for layout in self.args.floor_layouts.split(","):
                        self.run(contender, measure, inputs, rep, f"{label}, {layout}", layout)

    def help_times(self) -> list[float]:
        times = []
        for _ in range(5 if not self.args.tiny else 2):
            started = time.perf_counter()
            subprocess.run([str(Path(sys.executable).with_name("trpipe")), "--help"], capture_output=True, check=True)
            times.append(time.perf_counter() - started)
        return times


def describe_outputs(folder: Path) -> dict:
    """What the JSON outputs hold: articles, translated sentences, summary sentences, chunks per level."""
    info = {"articles": 0, "sentences": 0, "summary_sentences": 0, "back_sentences": 0, "chunks": []}
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        info["articles"] += 1
        info["sentences"] += sum(1 for seg in doc["segments"] for s in seg["sentences"] if s.get("translation"))
        summary = doc.get("summary") or {}
        info["summary_sentences"] += len(summary.get("en", []))
        info["back_sentences"] += len(summary.get("fr", []))
        info["chunks"].append((doc.get("provenance", {}).get("summary") or {}).get("chunks_per_level"))
    return info


def before_tree(ref: str) -> Path:
    """trpipe's sources at ``ref``, extracted once under benchmarks/.work/ (the "before" contender)."""
    target = WORK / f"before-{ref}"
    if not (target / "src" / "trpipe").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "src", "models.yaml"], capture_output=True)
        if archive.returncode:
            raise SystemExit(f"cannot extract {ref}: {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


# ------------------------------------------------------------------------------------------ argos


def argos_env() -> dict:
    env = child_env(
        {
            "XDG_DATA_HOME": str(ARGOS_HOME / "data"),
            "XDG_CACHE_HOME": str(ARGOS_HOME / "cache"),
            "XDG_CONFIG_HOME": str(ARGOS_HOME / "config"),
            "ARGOS_PACKAGES_DIR": str(ARGOS_HOME / "packages"),
            "ARGOS_CHUNK_TYPE": "SPACY",
            "ARGOS_DEVICE_TYPE": "cpu",
        }
    )
    env.pop("PYTHONPATH", None)
    return env


def ensure_argos(conversion: Path, source_spm: Path) -> bool:
    """argos-translate in its own venv and the benchmark's fr-en model packaged for it; False if absent.

    The venv is made with ``python -m venv benchmarks/.work/argos-venv`` and ``pip install torch==2.13.0
    argostranslate`` (see the README); it is not made here.
    """
    python = ARGOS_VENV / "bin" / "python"
    if not python.is_file():
        print(f"argos-translate: no {ARGOS_VENV} (see benchmarks/README.md); the argos contender is skipped")
        return False
    package = ARGOS_HOME / "packages" / "translate-fr_en"
    stat = (conversion / "model.bin").stat()
    made_from = f"{conversion.resolve()} {stat.st_size} {stat.st_mtime_ns}"  # the tiny or the real model
    marker = package / "made-from.txt"
    if not marker.is_file() or marker.read_text(encoding="utf-8") != made_from:
        shutil.rmtree(package, ignore_errors=True)
        package.mkdir(parents=True)
        shutil.copytree(conversion, package / "model")
        shutil.copy(source_spm, package / "sentencepiece.model")
        metadata = {
            "package_version": "1.0",
            "argos_version": "1.11",
            "from_code": "fr",
            "from_name": "French",
            "to_code": "en",
            "to_name": "English",
            "type": "translate",
        }
        (package / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        # a blank spaCy pipeline: argos adds spaCy's rule-based sentencizer to it (its lightest splitter)
        code = f"import spacy; spacy.blank('fr').to_disk({str(package / 'spacy')!r})"
        subprocess.run([str(python), "-c", code], check=True, env=argos_env())
        marker.write_text(made_from, encoding="utf-8")
    # argos looks for a cached multilingual spaCy model at import and would try to download one
    (ARGOS_HOME / "cache" / "argos-translate" / "spacy" / "senter" / "model").mkdir(parents=True, exist_ok=True)
    return True


# ------------------------------------------------------------------------------------------ setup


def tiny_setup() -> tuple[dict, Path, dict[str, str], list[Path]]:
    """The tests' tiny models as the benchmark's, with the job registry's settings (plumbing checks)."""
    sys.path.insert(0, str(REPO / "tests"))
    import yaml

    from tiny_models import build_all

    root = WORK / "tiny"
    if not (root / "sum-en" / "config.json").is_file():
        build_all(root)
    new_tokens = 12
    registry = build_model.write_job_registry(WORK / "tiny.yaml", new_tokens)
    data = yaml.safe_load(registry.read_text(encoding="utf-8"))
    data["translation"] = {"fr-en": {"model": str(root / "fr-en")}, "en-fr": {"model": str(root / "en-fr")}}
    data["summarisation"] = {"en": {"model": str(root / "sum-en")}}
    data["defaults"]["summarisation"].update(max_length=40, min_length=10)
    registry.write_text(yaml.safe_dump(data), encoding="utf-8")
    build = {"new_tokens_per_sentence": new_tokens, "tiny": True}
    build_model.convert_ct2(registry)
    folders = {"fr-en": root / "fr-en", "en-fr": root / "en-fr", "sum-en": root / "sum-en"}
    articles = sorted(build_model.ARTICLES100_DIR.glob("*.txt"))
    articles = articles or build_model.corpus.write_articles(build_model.ARTICLES100_DIR, 100)
    return build, registry, {k: str(v / "ctranslate2-int8") for k, v in folders.items()}, articles


def real_setup() -> tuple[dict, Path, dict[str, str], list[Path]]:
    subprocess.run([sys.executable, str(HERE / "build_model.py")], check=True, stdout=subprocess.DEVNULL)
    build = json.loads(build_model.BUILD_INFO.read_text(encoding="utf-8"))
    folders = {
        "opus-mt-fr-en": build_model.MODEL_DIR,
        "opus-mt-en-fr": build_model.EN_FR_DIR,
        "distilbart-cnn-12-6": build_model.BART_DIR,
    }
    folders_ct2 = {k: str(v / "ctranslate2-int8") for k, v in folders.items()}
    return build, build_model.JOB_REGISTRY, folders_ct2, sorted(build_model.ARTICLES100_DIR.glob("*.txt"))


def with_compute_type(registry: Path, compute_type: str) -> Path:
    """A copy of ``registry`` whose models run in ``compute_type`` (``ct2_compute_type``)."""
    import yaml

    data = yaml.safe_load(registry.read_text(encoding="utf-8"))
    for task in ("translation", "summarisation"):
        data.setdefault("defaults", {}).setdefault(task, {})["ct2_compute_type"] = compute_type
    target = registry.with_name(f"{registry.stem}-{compute_type}.yaml")
    target.write_text(yaml.safe_dump(data), encoding="utf-8")
    return target


def scale_inputs(articles: list[Path], n: int) -> str:
    folder = WORK / f"scale-{n}"
    if not folder.is_dir() or len(list(folder.glob("*.txt"))) != n:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for path in articles[:n]:
            (folder / path.name).symlink_to(path)
    return str(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description="the default job's benchmark (see the module docstring)")
    parser.add_argument("--quick", action="store_true", help="one run each, 1 and 10 articles, no RESULTS.md")
    parser.add_argument("--tiny", action="store_true", help="the tests' tiny models (plumbing only), no RESULTS.md")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per contender (default 3)")
    parser.add_argument("--only", default="job,translation,scaling", help="measures to make")
    parser.add_argument("--contenders", default=",".join(CONTENDERS), help="contenders to run")
    parser.add_argument("--scales", default=",".join(map(str, SCALES)), help="article counts for the scaling")
    parser.add_argument("--before-ref", default=BEFORE_REF, help="the commit 'before' runs (default a63fc7d)")
    parser.add_argument("--before-max", type=int, default=100, help="largest scaling run of 'before' (slow)")
    parser.add_argument(
        "--transformers-max", type=int, default=100, help="largest scaling run of '--backend transformers' (slow)"
    )
    cores = len(os.sched_getaffinity(0))
    layouts = f"{cores}x1,1x{cores}" if cores > 1 else "1x1"
    parser.add_argument("--floor-layouts", default=layouts, help="floor thread layouts, INTERxINTRA,...")
    parser.add_argument("--max-wait", type=float, default=300, help="seconds to wait for a quiet machine per run")
    parser.add_argument("--retries", type=int, default=2, help="reruns of a run that other processes disturbed")
    parser.add_argument("--no-write", dest="write", action="store_false", help="do not write RESULTS.md")
    parser.add_argument("--rewrite", action="store_true", help="write RESULTS.md again from the last runs")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda (benchmarks/gpu.sh)")
    parser.add_argument("--compute-type", help="CTranslate2 compute type of trpipe and the floor (default int8)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the Markdown file written")
    args = parser.parse_args()
    import job_report

    if args.rewrite:
        job_report.rewrite(RESULTS, WORK / "job-runs.json")
        return
    if args.quick or args.tiny:
        args.repeats, args.write = 1, False
        args.scales = "1,10" if args.scales == ",".join(map(str, SCALES)) else args.scales
        args.max_wait = min(args.max_wait, 5)
        args.retries = 0
    started_clock, started = time.strftime("%Y-%m-%d %H:%M"), time.monotonic()
    os.environ["HF_HUB_OFFLINE"] = "1"
    WORK.mkdir(parents=True, exist_ok=True)
    build, registry, folders, articles = tiny_setup() if args.tiny else real_setup()
    if args.compute_type:  # trpipe's models in that compute type too (the registry's ct2_compute_type)
        registry = with_compute_type(registry, args.compute_type)
    job = Job(args, build, registry, folders)
    precompiled(REPO / "src")
    machine = bench.machine_info()
    machine["load_start"] = bench.loadavg()
    print(f"machine: {machine['cpu']}, {machine['cores']} cores; load average {machine['load_start']}", flush=True)
    wanted = args.contenders.split(",")
    measures = args.only.split(",")
    sample = [str(bench.SAMPLE)]
    fr_en = Path(next(v for k, v in folders.items() if k.endswith("fr-en")))
    argos = "argos" in wanted and "translation" in measures and ensure_argos(fr_en, fr_en.parent / "source.spm")
    if "job" in measures:
        order = [c for c in ("before", "transformers", "auto", "floor") if c in wanted]
        job.measure("job", order, sample, "sample, summary")
    if "translation" in measures:
        order = [c for c in ("transformers", "auto", "floor") if c in wanted] + (["argos"] if argos else [])
        job.measure("translation", order, sample, "sample, no summary")
    if "scaling" in measures:
        for n in (int(x) for x in args.scales.split(",")):
            order = [c for c in ("before", "transformers", "auto") if c in wanted]
            if n > args.before_max:
                order = [c for c in order if c != "before"]
            if n > args.transformers_max:
                order = [c for c in order if c != "transformers"]
            once = ("before",) if n > 10 else ()  # today's trpipe on 100 articles takes most of an hour
            job.measure(f"scale-{n}", order, [scale_inputs(articles, n)], f"{n} articles, summary", once)
    help_times = job.help_times()
    machine["load_end"] = bench.loadavg()
    elapsed = time.monotonic() - started
    saved = {"runs": job.runs, "build": build, "machine": machine, "help_s": help_times, "args": vars(args)}
    saved.update(started=started_clock, elapsed=elapsed)
    runs_file = WORK / ("job-runs.json" if args.write else f"job-runs-{time.strftime('%Y%m%d-%H%M%S')}.json")
    runs_file.write_text(json.dumps(saved, indent=1, default=str), encoding="utf-8")
    print()
    print(job_report.summary_text(saved))
    if args.write:
        job_report.write(args.results, saved)
        print(f"wrote {args.results}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
