"""Benchmark: trpipe against the naive transformers loop, on a model of opus-mt-fr-en's exact size.

    python benchmarks/bench.py            # sample article and 50 articles, 2 runs each; writes RESULTS-translation.md
    python benchmarks/bench.py --quick    # sample article only, 1 run each; prints, writes nothing

Contenders, each run in a subprocess of its own (peak RSS per contender; imports and model loading are
timed apart from the work):

(a) naive: the loop the transformers docs teach: MarianTokenizer + MarianMTModel.from_pretrained, then
    for each paragraph of the article ``model.generate(**tokenizer([paragraph], return_tensors="pt"),
    num_beams=4, max_new_tokens=...)`` and ``tokenizer.decode``.
(b) trpipe, transformers backend: ``trpipe.run.run_translate`` (what ``trpipe translate`` calls) with
    ``--from fr --to en --no-summary --no-cache --force --format json -o ...``.
(c) the same with ``--backend ctranslate2`` (int8 on CPU).
(d) the same as (b) without ``--no-cache``, run once to fill the translation memory (not timed), then
    rerun: only the rerun is timed.

Equal work. The weights are random and EOS is suppressed (build_model.py), so every contender generates
exactly its bound of new tokens. The registry gives trpipe a constant bound: every sentence gets
K = (mean tokens of the sample's sentences) + 1 new tokens, EOS included, i.e. K - 1 target tokens
(``max_new_tokens_ratio: 0``, ``max_new_tokens_offset: K``; transformers counts the forced EOS in
``max_new_tokens``, and trpipe's ctranslate2 backend asks for K - 1 tokens without EOS, the same output).
A constant bound makes a sentence's output length independent of which batch it lands in. The naive
loop translates a paragraph of k sentences (trpipe's own sentence split) with
``max_new_tokens = k * (K - 1) + 1``: k * (K - 1) target tokens. So every contender produces exactly
(K - 1) target tokens per sentence, the same total; each run counts the tokens its model actually
generated (EOS and padding excluded) and the benchmark checks that the totals agree. The articles have
no repeated sentence (corpus.py), so trpipe's de-duplication saves nothing it should not.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
MODEL_DIR = WORK / "opus-mt-fr-en-random"
ARTICLES_DIR = WORK / "articles50"
REGISTRY = WORK / "models.yaml"
CACHE_DIR = WORK / "cache"
OUT_DIR = WORK / "out"
RESULTS = HERE / "RESULTS-translation.md"
SAMPLE = REPO / "samples" / "huawei-brumath.fr.txt"
ANALYSIS_START, ANALYSIS_END = "<!-- analysis:start -->", "<!-- analysis:end -->"

CONTENDERS = {
    "a": "(a) naive loop, transformers",
    "b": "(b) trpipe, transformers",
    "c": "(c) trpipe, ctranslate2 int8",
    "d": "(d) trpipe, memory rerun",
}
GOALS = {"b": 2.0, "c": 5.0, "d": 50.0}
RSS_GOAL_MB = {"c": 800}
WARMUP = "Bonjour."
QUIET_CORES = 0.3  # a run during which other processes used more cores than this is "disturbed"


# ====================================================================================== child processes


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class Stats:
    """What a child measures; written as JSON to the result file."""

    def __init__(self) -> None:
        self.data: dict = {"model_s": 0.0, "model_calls": 0, "target_tokens": 0, "model_sentences": 0}

    def count(self, seconds: float, sentences: int, tokens: int) -> None:
        self.data["model_s"] += seconds
        self.data["model_calls"] += 1
        self.data["model_sentences"] += sentences
        self.data["target_tokens"] += tokens

    def reset_counts(self) -> None:
        self.data.update(model_s=0.0, model_calls=0, target_tokens=0, model_sentences=0)


def child_naive(args: argparse.Namespace, stats: Stats) -> None:
    """(a): one ``generate`` per paragraph, as the transformers docs do it."""
    started = time.perf_counter()
    import torch
    from transformers import MarianMTModel, MarianTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # as trpipe does: no per-call warnings on stderr
    hf_logging.disable_progress_bar()
    stats.data["import_s"] = time.perf_counter() - started
    started = time.perf_counter()
    tokenizer = MarianTokenizer.from_pretrained(str(MODEL_DIR))
    model = MarianMTModel.from_pretrained(str(MODEL_DIR))
    stats.data["load_s"] = time.perf_counter() - started
    stats.data["torch_threads"] = torch.get_num_threads()
    pad, eos = model.config.pad_token_id, model.config.eos_token_id
    new_tokens = args.new_tokens  # K: per sentence, EOS included

    def translate(paragraph: str, sentences: int) -> str:
        batch = tokenizer([paragraph], return_tensors="pt")
        start = time.perf_counter()
        generated = model.generate(**batch, num_beams=4, max_new_tokens=sentences * (new_tokens - 1) + 1)
        tokens = int(((generated[0] != pad) & (generated[0] != eos)).sum())
        stats.count(time.perf_counter() - start, sentences, tokens)
        return tokenizer.decode(generated[0], skip_special_tokens=True)

    started = time.perf_counter()
    translate(WARMUP, 1)
    stats.data["warmup_s"] = time.perf_counter() - started
    stats.reset_counts()
    stats.data["rss_after_load_mb"] = _status_mb("VmRSS")
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    started = time.perf_counter()
    outputs = []
    for article in plan["articles"]:
        outputs.append("\n\n".join(translate(paragraph, k) for paragraph, k in article["paragraphs"]))
    stats.data["run_s"] = time.perf_counter() - started
    Path(args.output).mkdir(parents=True, exist_ok=True)
    for article, text in zip(plan["articles"], outputs):
        (Path(args.output) / (Path(article["path"]).stem + ".en.txt")).write_text(text, encoding="utf-8")


def _instrument(translator, stats: Stats) -> None:
    """Count what the model generates and the time spent in it (the backend's own objects, wrapped)."""
    inner = getattr(translator, "inner", translator)
    if inner.backend == "transformers":
        model = inner.model
        generate = model.generate
        pad, eos = model.config.pad_token_id, model.config.eos_token_id

        def counted_generate(*a, **kw):
            start = time.perf_counter()
            out = generate(*a, **kw)
            stats.count(time.perf_counter() - start, int(out.shape[0]), int(((out != pad) & (out != eos)).sum()))
            return out

        model.generate = counted_generate
    elif inner.backend == "ctranslate2":

        class Counted:
            def __init__(self, wrapped):
                self.wrapped = wrapped

            def translate_batch(self, sources, *a, **kw):
                start = time.perf_counter()
                results = self.wrapped.translate_batch(sources, *a, **kw)
                tokens = sum(len(r.hypotheses[0]) for r in results)
                stats.count(time.perf_counter() - start, len(sources), tokens)
                return results

            def __getattr__(self, name):
                return getattr(self.wrapped, name)

        inner.translator = Counted(inner.translator)


def _transformers_without_torch() -> None:
    """An experiment (sweep.py), not trpipe's behaviour: let the ctranslate2 backend load its tokenizer and
    config without importing torch. ``from transformers import AutoTokenizer`` (or AutoConfig) imports
    torch when it is installed; MarianTokenizer's own module and a config read from config.json do not."""
    from types import SimpleNamespace

    import transformers
    from transformers.models.marian.tokenization_marian import MarianTokenizer

    class ConfigFromJson:
        @staticmethod
        def from_pretrained(name, **kwargs):
            return SimpleNamespace(**json.loads((Path(name) / "config.json").read_text(encoding="utf-8")))

    transformers.AutoTokenizer = MarianTokenizer
    transformers.AutoConfig = ConfigFromJson


def _ct2_parallel_batches(inter: int | None, max_batch: int | None) -> None:
    """An experiment (sweep.py), not trpipe's behaviour: CTranslate2 with ``inter`` workers of
    cores/inter threads each, and each trpipe batch cut by CTranslate2 into batches of ``max_batch`` tokens
    (so that the workers share a call's batches)."""
    import ctranslate2

    from trpipe.translate import ct2 as backend

    if inter:
        original = ctranslate2.Translator
        cores = len(os.sched_getaffinity(0))

        def translator(*a, **kw):
            kw.update(inter_threads=inter, intra_threads=max(1, cores // inter))
            return original(*a, **kw)

        ctranslate2.Translator = translator
    if max_batch:
        options = backend.CT2Translator.translate_options
        backend.CT2Translator.translate_options = lambda self, n: {**options(self, n), "max_batch_size": max_batch}


def child_trpipe(args: argparse.Namespace, stats: Stats) -> None:
    """(b), (c), (d): trpipe's ``run_translate``, as ``trpipe translate`` runs it."""
    started = time.perf_counter()
    if args.no_torch:
        _transformers_without_torch()
    if args.ct2_inter or args.ct2_mbs:
        _ct2_parallel_batches(args.ct2_inter, args.ct2_mbs)
    import trpipe.engines as engines
    import trpipe.session as tsession

    if args.backend == "transformers":
        import torch
        import transformers  # noqa: F401

        stats.data["torch_threads"] = torch.get_num_threads()
    else:
        import ctranslate2  # noqa: F401
    # What run_translate imports lazily, and the language identifier's model: one-time costs of a
    # process, like the naive loop's imports, kept out of the timed work.
    import trpipe.checks
    import trpipe.languages
    import trpipe.models.hub
    import trpipe.render
    import trpipe.render.json
    import trpipe.segment
    import trpipe.translate.memory

    stats.data["import_s"] = time.perf_counter() - started
    started = time.perf_counter()
    trpipe.languages.identify("Le conseil régional a adopté mardi un nouveau budget.")
    trpipe.segment.segment_text("Bonjour. Au revoir.", "fr")
    trpipe.checks.check_sentence("Le 12 mars, 800 euros.", "On March 12, 800 euros.", "fr", "en")
    stats.data["pipeline_warmup_s"] = time.perf_counter() - started
    stats.data.update(load_s=0.0, warmup_s=0.0)
    original = tsession.Session._load_translator

    def factory():
        def timed(self, spec, settings):
            start = time.perf_counter()
            translator = original(self, spec, settings)
            stats.data["load_s"] += time.perf_counter() - start
            _instrument(translator, stats)
            if args.warmup:
                start = time.perf_counter()
                getattr(translator, "inner", translator).translate_batch([WARMUP])
                stats.data["warmup_s"] += time.perf_counter() - start
                stats.reset_counts()
            stats.data["rss_after_load_mb"] = _status_mb("VmRSS")
            stats.data["threads"] = getattr(getattr(translator, "inner", translator), "threads", None)
            stats.data["_translator"] = translator
            return translator

        return timed

    tsession.Session._load_translator = factory()
    single = len(args.inputs) == 1 and Path(args.inputs[0]).is_file()
    output = str(Path(args.output) / (Path(args.inputs[0]).stem + ".json")) if single else args.output
    from trpipe.settings import Settings

    request = engines.RunRequest(
        inputs=tuple(args.inputs),
        settings=Settings(targets=("en",), source_lang="fr", backend=args.backend, device="cpu", summary=False),
        output=output,
        fmt="json",
        models_file=args.models or str(REGISTRY),
        cache_dir=str(CACHE_DIR),
        cache=args.cache,
        force=True,
        progress=False,
    )
    warnings: list[str] = []
    started = time.perf_counter()
    code = engines.run_translate(request, echo=lambda text: None, warn=warnings.append)
    total = time.perf_counter() - started
    translator = stats.data.pop("_translator", None)
    stats.data["run_s"] = total - stats.data["load_s"] - stats.data["warmup_s"]
    stats.data["warmup_s"] += stats.data.pop("pipeline_warmup_s")
    stats.data["exit_code"] = code
    stats.data["warnings"] = warnings[:5]
    stats.data["cache_hits"] = getattr(translator, "hits", None)


def child_main(args: argparse.Namespace) -> None:
    stats = Stats()
    if args.child == "naive":
        child_naive(args, stats)
    else:
        child_trpipe(args, stats)
    stats.data["peak_rss_self_mb"] = _status_mb("VmHWM")
    stats.data["torch_imported"] = "torch" in sys.modules
    Path(args.result).write_text(json.dumps(stats.data), encoding="utf-8")


# ====================================================================================== the parent


def cpu_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / hz, sum(fields[:8]) / hz


def busy_cores(seconds: float = 1.0) -> float:
    """How many cores other processes keep busy, averaged over ``seconds`` (the parent sleeps)."""
    before, _ = cpu_busy()
    time.sleep(seconds)
    after, _ = cpu_busy()
    return (after - before) / seconds


def wait_quiet(max_wait: float, threshold: float) -> tuple[float, float]:
    """Wait until other processes use under ``threshold`` cores (at most ``max_wait`` s): (waited, busy)."""
    start = time.monotonic()
    while True:
        busy = busy_cores()
        if busy < threshold or time.monotonic() - start > max_wait:
            return time.monotonic() - start, busy
        time.sleep(4)


def run_child(argv: list[str], result: Path, script: Path | None = None, extra_env: dict | None = None) -> dict:
    """Run a child (this script, or ``script``); return its stats plus wall and CPU time, peak RSS and the
    CPU load of other processes while it ran."""
    result.unlink(missing_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRPIPE_CACHE_DIR": str(CACHE_DIR), "TOKENIZERS_PARALLELISM": "false"}
    env.update(extra_env or {})
    busy0, _ = cpu_busy()
    started = time.perf_counter()
    script = script or Path(__file__).resolve()
    proc = subprocess.Popen([sys.executable, str(script), *argv, "--result", str(result)], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    busy1, _ = cpu_busy()
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or not result.is_file():
        raise RuntimeError(f"benchmark child {' '.join(argv)} failed (exit {code})")
    data = json.loads(result.read_text(encoding="utf-8"))
    cpu = usage.ru_utime + usage.ru_stime
    data.update(
        wall_s=wall,
        cpu_s=cpu,
        peak_rss_mb=usage.ru_maxrss / 1024,
        foreign_cores=max(0.0, (busy1 - busy0 - cpu) / wall),
    )
    return data


def plan_corpus(paths: list[Path], model_dir: Path) -> dict:
    """Paragraphs (trpipe's segments) with their number of sentences (trpipe's split), words, tokens."""
    from transformers import AutoTokenizer

    from trpipe.segment import segment_text
    from trpipe.textnorm import normalize_for_model

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    articles, all_sentences, words = [], [], 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        segments = segment_text(text, "fr")
        articles.append({"path": str(path), "paragraphs": [[seg.text, len(seg.sentences)] for seg in segments]})
        all_sentences += [normalize_for_model(s.text) for seg in segments for s in seg.sentences]
        words += len(text.split())
    source_tokens = sum(len(ids) - 1 for ids in tokenizer(all_sentences)["input_ids"])
    paragraphs = [k for a in articles for _, k in a["paragraphs"]]
    return {
        "articles": articles,
        "n_articles": len(paths),
        "sentences": len(all_sentences),
        "unique_sentences": len(set(all_sentences)),
        "paragraphs": len(paragraphs),
        "max_sentences_per_paragraph": max(paragraphs),
        "words": words,
        "source_tokens": source_tokens,
        "tokens_per_word": source_tokens / words,
    }


def count_output_sentences(folder: Path) -> int:
    """Translated sentences in trpipe's JSON outputs (a check that nothing was skipped)."""
    total = 0
    for path in folder.glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        total += sum(1 for seg in doc["segments"] for s in seg["sentences"] if s.get("translation"))
    return total


def machine_info() -> dict:
    import ctranslate2
    import torch
    import transformers

    import trpipe

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
    flags = re.search(r"^flags\s*:\s*(.*)$", cpuinfo, re.M)
    simd = [
        f
        for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8")
        if flags and f in flags.group(1).split()
    ]
    mem = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "simd": ", ".join(simd),
        "cores": len(os.sched_getaffinity(0)),
        "ram_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "transformers": transformers.__version__,
        "ctranslate2": ctranslate2.__version__,
        "trpipe": trpipe.__version__,
    }


def kept_analysis(path: Path) -> str:
    """The hand-written Analysis of a results file (between the markers), kept when it is rewritten."""
    previous = path.read_text(encoding="utf-8") if path.is_file() else ""
    if ANALYSIS_START in previous and ANALYSIS_END in previous:
        return previous[previous.index(ANALYSIS_START) : previous.index(ANALYSIS_END) + len(ANALYSIS_END)]
    return f"{ANALYSIS_START}\n(no analysis yet)\n{ANALYSIS_END}"


def analysis_lines(analysis: str) -> list[str]:
    return ["## Analysis", "", analysis, ""]


def machine_lines(machine: dict) -> list[str]:
    """The Machine section of a results file."""
    return [
        "## Machine",
        "",
        f"- CPU: {machine['cpu']} ({machine['simd']}), {machine['cores']} cores, {machine['ram_gib']} GiB RAM; "
        f"{machine['os']}",
        f"- Python {machine['python']}, torch {machine['torch']}, transformers {machine['transformers']}, "
        f"ctranslate2 {machine['ctranslate2']}, trpipe {machine['trpipe']}",
        f"- Load average at the start / end: {machine['load_start']} / {machine['load_end']}",
    ]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Bench:
    def __init__(self, args: argparse.Namespace, build: dict):
        self.args = args
        self.build = build
        self.new_tokens = int(build["new_tokens_per_sentence"])
        self.runs: list[dict] = []

    def contender_argv(self, key: str, corpus: str, plan_path: Path, inputs: list[str], out: Path) -> list[str]:
        common = ["--output", str(out), "--new-tokens", str(self.new_tokens)]
        if key == "a":
            return ["--child", "naive", "--plan", str(plan_path), *common]
        backend = "ctranslate2" if key == "c" else "transformers"
        argv = ["--child", "trpipe", "--backend", backend, *common, "--inputs", *inputs]
        if key == "d":
            argv += ["--cache", "--no-warmup"]
        return argv

    def run_one(self, key: str, corpus: str, rep: int, plan_path: Path, inputs: list[str], timed: bool = True):
        """One run of a contender; a timed run that other processes disturbed is run again (``--retries``)."""
        for attempt in range(self.args.retries + 1 if timed else 1):
            out = OUT_DIR / f"{key}-{corpus}-{rep}"
            shutil.rmtree(out, ignore_errors=True)
            waited, busy = wait_quiet(self.args.max_wait, QUIET_CORES) if timed else (0.0, busy_cores(0.2))
            load = loadavg()
            data = run_child(self.contender_argv(key, corpus, plan_path, inputs, out), WORK / "result.json")
            if key != "a":
                data["output_sentences"] = count_output_sentences(out)
            disturbed = timed and data["foreign_cores"] > QUIET_CORES
            data.update(
                contender=key,
                corpus=corpus,
                rep=rep,
                timed=timed,
                loadavg=load,
                busy_before=busy,
                waited_s=waited,
                disturbed=disturbed,
                attempt=attempt,
            )
            tag = "fill" if not timed else ("DISTURBED" if disturbed else "run")
            print(
                f"  {tag} {CONTENDERS[key]:<30} {corpus:<8} #{rep}: {data['run_s']:8.2f} s work, "
                f"{data['load_s']:5.2f} s load, {data['target_tokens']:6d} tokens, peak {data['peak_rss_mb']:6.0f} MB, "
                f"other processes {data['foreign_cores']:.2f} cores (load {load})",
                flush=True,
            )
            self.runs.append(data)
            if not disturbed:
                break
        return data

    def corpus(self, name: str, paths: list[Path], inputs: list[str], keys: list[str]) -> dict:
        plan = plan_corpus(paths, MODEL_DIR)
        plan_path = WORK / f"plan-{name}.json"
        plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        print(
            f"{name}: {plan['n_articles']} article(s), {plan['paragraphs']} paragraphs, {plan['sentences']} sentences "
            f"({plan['unique_sentences']} unique), {plan['words']} words, {plan['source_tokens']} source tokens "
            f"({plan['tokens_per_word']:.2f}/word); {self.new_tokens - 1} target tokens per sentence",
            flush=True,
        )
        if "d" in keys:  # fill the translation memory first: a run of (b) with the memory on, not timed
            for path in CACHE_DIR.glob("translation-memory.sqlite3*"):
                path.unlink()
            self.run_one("d", name, 0, plan_path, inputs, timed=False)
        for rep in range(1, self.args.repeats + 1):
            for key in keys:
                self.run_one(key, name, rep, plan_path, inputs)
        if "d" in keys:  # the memory rerun is cheap: a few more runs
            for rep in range(self.args.repeats + 1, self.args.repeats + 3):
                self.run_one("d", name, rep, plan_path, inputs)
        plan.pop("articles")
        return plan

    def best(self, corpus: str, key: str) -> dict | None:
        runs = [r for r in self.runs if r["corpus"] == corpus and r["contender"] == key and r["timed"]]
        if not runs:
            return None
        runs = [r for r in runs if not r["disturbed"]] or runs  # undisturbed runs, where there are any
        best = min(runs, key=lambda r: r["run_s"])
        return {
            **best,
            "median_run_s": statistics.median(r["run_s"] for r in runs),
            "n_runs": len(runs),
            "all_disturbed": all(r["disturbed"] for r in runs),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        }


def table(bench: Bench, corpora: dict[str, dict], markdown: bool) -> list[str]:
    head = [
        "contender",
        "articles",
        "sentences",
        "target tokens",
        "seconds",
        "sentences/s",
        "tokens/s",
        "ratio to (a)",
        "peak RSS MB",
        "load s",
        "runs (median s)",
    ]
    rows = []
    for name, plan in corpora.items():
        base = bench.best(name, "a")
        for key in CONTENDERS:
            r = bench.best(name, key)
            if r is None:
                continue
            seconds = r["run_s"]
            ratio = f"{base['run_s'] / seconds:.1f}×" if base else "–"
            rows.append(
                [
                    CONTENDERS[key],
                    str(plan["n_articles"]),
                    str(plan["sentences"]),
                    str(r["target_tokens"]),
                    f"{seconds:.2f}",
                    f"{plan['sentences'] / seconds:.2f}",
                    f"{r['target_tokens'] / seconds:.0f}" if r["target_tokens"] else "0 (memory)",
                    ratio,
                    f"{r['peak_rss_mb']:.0f}",
                    f"{r['load_s'] + r.get('warmup_s', 0):.1f}",
                    f"{r['n_runs']} ({r['median_run_s']:.2f})",
                ]
            )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
        return lines + ["| " + " | ".join(row) + " |" for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [fmt.format(*row) for row in rows]


def goals(bench: Bench, corpora: dict[str, dict]) -> list[str]:
    lines = []
    for name in corpora:
        base = bench.best(name, "a")
        if base is None:
            continue
        for key, goal in GOALS.items():
            r = bench.best(name, key)
            if r is None:
                continue
            ratio = base["run_s"] / r["run_s"]
            verdict = "met" if ratio >= goal else f"missed: {ratio / goal:.0%} of the goal ({goal / ratio:.2f}× short)"
            lines.append(f"- {name}: {CONTENDERS[key]} ≥ {goal:g}× (a): {ratio:.1f}× — **{verdict}**")
        for key, limit in RSS_GOAL_MB.items():
            r = bench.best(name, key)
            if r is None:
                continue
            verdict = "met" if r["peak_rss_mb"] < limit else f"missed by {r['peak_rss_mb'] - limit:.0f} MB"
            lines.append(
                f"- {name}: {CONTENDERS[key]} peak RSS < {limit} MB: {r['peak_rss_mb']:.0f} MB — **{verdict}**"
            )
    return lines


def token_check(bench: Bench, corpora: dict[str, dict]) -> list[str]:
    problems = []
    for name, plan in corpora.items():
        expected = plan["sentences"] * (bench.new_tokens - 1)
        for r in bench.runs:
            if r["corpus"] != name:
                continue
            generated = r["target_tokens"] if r["contender"] != "d" or not r["timed"] else None
            if generated is not None and generated != expected:
                problems.append(
                    f"{name} {CONTENDERS[r['contender']]} #{r['rep']}: {generated} tokens, expected {expected}"
                )
            if r["contender"] != "a" and r.get("output_sentences") != plan["sentences"]:
                problems.append(
                    f"{name} {CONTENDERS[r['contender']]} #{r['rep']}: "
                    f"{r.get('output_sentences')} translated sentences, expected {plan['sentences']}"
                )
    return problems


def write_results(bench: Bench, corpora: dict[str, dict], machine: dict, started: str, elapsed: float) -> None:
    analysis = kept_analysis(RESULTS)
    build = bench.build
    k = bench.new_tokens
    lines = [
        "# trpipe benchmark results",
        "",
        f"Written by `python benchmarks/bench.py` on {started} ({elapsed / 60:.1f} min). "
        "Best of the timed runs (all runs are listed below); ratios are (a)'s seconds over the contender's, "
        "on the same work.",
        "",
        *table(bench, corpora, markdown=True),
        "",
        "## Goals",
        "",
        *goals(bench, corpora),
        "",
        *analysis_lines(analysis),
        "## Method",
        "",
        f"- **Model**: MarianMTModel with Helsinki-NLP/opus-mt-fr-en's config (6+6 layers, d_model 512, 8 heads, "
        f"FFN 2048, swish, vocabulary 59,514 shared by encoder, decoder and output layer, static positions, "
        f"512 positions; {build['parameters']:,} parameters, {build['size_mb_fp32']} MB in float32) and its "
        "generation config (4 beams, bad_words_ids [[59513]], forced EOS, renormalised logits); random "
        "weights (init_std 0.02, seed 0). `final_logits_bias` is -1e9 for EOS, so no contender stops early, and "
        f"for ids that are not printable English pieces ({build['allowed_output_ids']} ids stay allowed). "
        "Built by `benchmarks/build_model.py` into `benchmarks/.work/opus-mt-fr-en-random` and used through a "
        "trpipe registry file (`benchmarks/.work/models.yaml`).",
        f"- **Tokenizer**: MarianTokenizer; French SentencePiece ({build['source_spm'].upper()}, "
        f"{build['source_vocab_size']} pieces) trained on the benchmark's French text with the vocabulary "
        f"size bisected to cut it into {build['source_tokens_per_word']} tokens a word (opus-mt: about 1.3); "
        "English SentencePiece trained on generic English prose; vocab.json padded to 59,514 entries "
        "(pad = 59513, as opus-mt). SentencePiece's unigram trainer stops at about 1,200 pieces on so small a "
        "corpus (2.1 tokens a word), hence BPE; the tokenizer type does not change the model's work per token.",
        f"- **Equal work**: EOS suppressed; every sentence gets exactly K − 1 = {k - 1} target tokens (K = "
        f"{k} = the sample's mean sentence length, {build['sample_mean_sentence_tokens']} tokens, rounded, "
        "plus EOS). trpipe's registry says `max_new_tokens_ratio: 0`, `max_new_tokens_offset: "
        f"{k}` (a constant bound, so a sentence's length does not depend on its batch); the naive loop "
        f"generates `max_new_tokens = k × {k - 1} + 1` for a paragraph of k sentences (trpipe's own "
        "sentence split). Each run counts the tokens its model generated (EOS and padding excluded) and "
        "the benchmark checks every total against sentences × (K − 1); trpipe's JSON outputs are checked "
        "to hold a translation for every sentence. No sentence repeats in a corpus, so trpipe's "
        "de-duplication does not reduce its work. Input side: trpipe encodes sentences, the naive loop "
        "whole paragraphs: the same tokens.",
        "- **Contenders** (`--no-summary` throughout, CPU, float32 for transformers, int8 for CTranslate2, "
        "4 beams everywhere): (a) the loop of the transformers docs: `MarianMTModel.from_pretrained`, then per "
        "paragraph `tokenizer([paragraph], return_tensors='pt')`, `model.generate(..., num_beams=4, "
        "max_new_tokens=...)`, `tokenizer.decode`; (b) `trpipe.run.run_translate` (the code behind "
        "`trpipe translate`) with the transformers backend, `--no-cache --force --format json -o DIR`; (c) "
        "the same with `--backend ctranslate2` (the conversion is made once by build_model.py, not timed); "
        "(d) the same as (b) with the translation memory: one run fills it (not timed), then the reruns are "
        "timed. trpipe writes its JSON outputs within the timed part; the naive loop writes its text "
        "outputs after it.",
        "- **Timing**: each run is a subprocess of its own. One-time costs of a process are timed apart "
        "(the `load s` column): imports (torch and transformers, or ctranslate2, and the trpipe modules "
        "that `run_translate` imports lazily), model loading, and warm-ups: one translation of "
        f'"{WARMUP}" with K new tokens in (a), (b), (c); one language identification, segmentation and '
        "check in (b), (c), (d) (loading py3langid's model and pysbd). `seconds` is the work only: for "
        "trpipe the whole `run_translate` call minus the model loading and warm-up inside it (reading, "
        "segmenting, language identification, batching, generation, checks, rendering and writing the JSON "
        "outputs are all in); for (a) the loop over the paragraphs. Peak RSS is the child's "
        "`ru_maxrss` (model loading included). Threads: torch's default (one per core: "
        f"{machine['torch_threads']}) for (a), (b), (d); trpipe's ctranslate2 backend: `intra_threads` = "
        "cores, `inter_threads` = 1.",
        f"- **Repeats**: {bench.args.repeats} timed runs per contender and corpus, interleaved (a, b, c, d, a, "
        "b, ...), two more for (d); the table shows the fastest run and the median. Before each run the "
        "benchmark waits (up to "
        f"{bench.args.max_wait:.0f} s) until other processes use under 0.3 cores; each run records how many "
        "cores other processes used while it ran (`other cores` below); a run during which they used more "
        "than 0.3 cores is marked disturbed, left out of the table and run again (up to 2 times).",
    ]
    for name, plan in corpora.items():
        what = (
            "`samples/huawei-brumath.fr.txt`"
            if name == "sample"
            else "50 news briefs generated by `benchmarks/corpus.py` (seed 2021) into `benchmarks/.work/articles50/`: "
            "a title, then paragraphs of 1–2 sentences until a word count drawn from 45–75; sentences from the "
            "sample (≥ 8 words) and 24 generic French news sentences, each made unique by the brief's own "
            'names, redrawn numbers and lead-ins ("Selon l\'AFP, ", "Mardi, ", ...). Shorter than the 150–300 '
            "words first planned: at the naive loop's measured 22 tokens/s, 50 articles of that size (about "
            "470 sentences) would take it about 15 minutes a run, and 2 runs would not fit the budget"
        )
        lines.append(
            f"- **Corpus {name}**: {what}: {plan['n_articles']} article(s), {plan['paragraphs']} paragraphs "
            f"(at most {plan['max_sentences_per_paragraph']} sentences each), {plan['sentences']} sentences "
            f"({plan['unique_sentences']} unique), {plan['words']:,} words, {plan['source_tokens']:,} source "
            f"tokens ({plan['tokens_per_word']:.2f} a word), {plan['sentences'] * (k - 1):,} target tokens."
        )
    lines += [
        "",
        *machine_lines(machine),
        "",
        "## All runs",
        "",
        "`seconds`: the work; `load s`: imports, model loading, warm-up; `model s`: time inside `generate` "
        "or CTranslate2's `translate_batch`; `process s`: the whole subprocess, start to exit; `CPU s`: its "
        "CPU time (both cores); `other cores`: CPU used by other processes meanwhile.",
        "",
        "| contender | corpus | run | seconds | load s | model s | process s | target tokens | peak RSS MB | CPU s | "
        "other cores | load avg |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in bench.runs:
        run = f"#{r['rep']}" if r["timed"] else "fill"
        if r.get("disturbed"):
            run += " disturbed (rerun)"
        lines.append(
            f"| {CONTENDERS[r['contender']]} | {r['corpus']} | {run} | {r['run_s']:.2f} | "
            f"{r['load_s'] + r.get('warmup_s', 0):.2f} | {r['model_s']:.2f} | {r['wall_s']:.1f} | "
            f"{r['target_tokens']} | {r['peak_rss_mb']:.0f} | {r['cpu_s']:.1f} | {r['foreign_cores']:.2f} | "
            f"{r['loadavg']} |"
        )
    problems = token_check(bench, corpora)
    lines += [
        "",
        "Work check: " + ("every run generated the expected tokens." if not problems else "; ".join(problems)),
    ]
    lines += ["", "Build: `" + json.dumps({k: v for k, v in build.items() if k != "version"}) + "`", ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def parent_main(args: argparse.Namespace) -> None:
    started_clock = time.strftime("%Y-%m-%d %H:%M")
    started = time.monotonic()
    os.environ["HF_HUB_OFFLINE"] = "1"
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(HERE / "build_model.py")], check=True, stdout=subprocess.DEVNULL)
    build = json.loads((WORK / "build.json").read_text(encoding="utf-8"))
    machine = machine_info()
    machine["load_start"] = loadavg()
    print(f"machine: {machine['cpu']}, {machine['cores']} cores; load average {machine['load_start']}", flush=True)
    bench = Bench(args, build)
    keys = [k for k in CONTENDERS if k in args.only]
    corpora: dict[str, dict] = {}
    if "sample" in args.corpus:
        corpora["sample"] = bench.corpus("sample", [SAMPLE], [str(SAMPLE)], keys)
    if "50" in args.corpus:
        paths = sorted(ARTICLES_DIR.glob("*.txt"))
        corpora["50"] = bench.corpus("50", paths, [str(ARTICLES_DIR)], keys)
    machine["load_end"] = loadavg()
    elapsed = time.monotonic() - started
    print()
    print("\n".join(table(bench, corpora, markdown=False)))
    print()
    print("\n".join(goals(bench, corpora)))
    problems = token_check(bench, corpora)
    print("work check:", "ok" if not problems else "; ".join(problems))
    print(f"total {elapsed / 60:.1f} min; load average now {machine['load_end']}")
    saved = {"runs": bench.runs, "corpora": corpora, "machine": machine, "build": build}
    saved.update(started=started_clock, elapsed=elapsed, repeats=args.repeats, max_wait=args.max_wait)
    # --rewrite reads runs.json: only a run that writes RESULTS.md replaces it
    runs_file = WORK / ("runs.json" if args.write else "runs-unwritten.json")
    runs_file.write_text(json.dumps(saved, indent=1, default=str), encoding="utf-8")
    if args.write:
        write_results(bench, corpora, machine, started_clock, elapsed)
        print(f"wrote {RESULTS.relative_to(REPO)}")


def rewrite_results(args: argparse.Namespace) -> None:
    """Write RESULTS.md again from the last full run's benchmarks/.work/runs.json (e.g. after editing the
    Analysis section or this script's wording); nothing is measured."""
    saved = json.loads((WORK / "runs.json").read_text(encoding="utf-8"))
    args.repeats, args.max_wait = saved["repeats"], saved["max_wait"]
    bench = Bench(args, saved["build"])
    bench.runs = saved["runs"]
    write_results(bench, saved["corpora"], saved["machine"], saved["started"], saved["elapsed"])
    print(f"wrote {RESULTS.relative_to(REPO)} from {(WORK / 'runs.json').relative_to(REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description="trpipe speed benchmark (see benchmarks/README.md)")
    parser.add_argument("--quick", action="store_true", help="sample article only, one run each, no RESULTS.md")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per contender and corpus (default 2)")
    parser.add_argument("--corpus", default="sample,50", help="sample, 50 or both (default sample,50)")
    parser.add_argument("--only", default="abcd", help="contenders to run, e.g. 'ac' (default abcd)")
    parser.add_argument("--max-wait", type=float, default=300, help="seconds to wait for a quiet machine per run")
    parser.add_argument("--retries", type=int, default=2, help="reruns of a run that other processes disturbed")
    parser.add_argument("--no-write", dest="write", action="store_false", help="do not write RESULTS-translation.md")
    parser.add_argument("--rewrite", action="store_true", help="rewrite the results from the last run, measure nothing")
    # child-process options (internal)
    parser.add_argument("--child", choices=["naive", "trpipe"], help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="transformers", help=argparse.SUPPRESS)
    parser.add_argument("--cache", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-warmup", dest="warmup", action="store_false", help=argparse.SUPPRESS)
    parser.add_argument("--new-tokens", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--models", help=argparse.SUPPRESS)
    parser.add_argument("--no-torch", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ct2-inter", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ct2-mbs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    if args.rewrite:
        rewrite_results(args)
        return
    if args.quick:
        args.corpus, args.repeats, args.write = "sample", 1, False
    with contextlib.suppress(KeyboardInterrupt):
        parent_main(args)


if __name__ == "__main__":
    main()
