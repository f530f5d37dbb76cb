"""The processes job.py times: trpipe's command line, instrumented (``cli``), and plain CTranslate2
replaying the work trpipe did (``floor``). Each writes its measurements as JSON to ``--result``.

``cli``: ``trpipe translate ...`` run in this process through ``trpipe.cli.main`` after wrapping, without
changing what they do, the functions whose time makes the stage breakdown (reading, segmenting, model
loading, translation, each summary level, alignment, back-translation, checks, rendering and writing) and
the models' generate / translate_batch calls (to count the tokens they generate, so that job.py can
check that contenders did the same work). With ``--record FILE`` every CTranslate2 call (pre-tokenized
input, target prefix, options) is written to FILE: the floor replays exactly that work. Wrappers use
only what trpipe imports anyway: they never import torch.

``floor``: the recorded calls, per model and stage merged into as few ``translate_batch`` calls as their
options allow, on CTranslate2 models loaded here with one thread layout (``--inter``/``--intra``);
tokenization is not timed (the input is the recorded pieces).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import _status_mb as status_mb  # noqa: E402


class Clock:
    """Seconds per stage, with nesting: time inside an inner stage is not counted in the outer one."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)  # CPU seconds of all threads (robust to a busy machine)
        self.calls: dict[str, int] = defaultdict(int)
        self.peak: dict[str, float] = {}  # peak RSS (MB) first reached during each stage
        self.stack: list[list[Any]] = []  # [name, start, inner seconds, cpu start, inner cpu seconds]

    def wrap(self, owner: Any, attribute: str, name: str | Any) -> None:
        """Time ``owner.attribute`` (a function or method) as stage ``name`` (or ``name(args)``)."""
        original = getattr(owner, attribute, None)
        if original is None:
            return
        clock = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            stage = name(*args, **kwargs) if callable(name) else name
            clock.stack.append([stage, time.perf_counter(), 0.0, time.process_time(), 0.0])
            try:
                return original(*args, **kwargs)
            finally:
                stage, start, inner, cpu_start, cpu_inner = clock.stack.pop()
                spent, cpu = time.perf_counter() - start, time.process_time() - cpu_start
                clock.seconds[stage] += spent - inner
                clock.cpu[stage] += cpu - cpu_inner
                clock.calls[stage] += 1
                peak = status_mb("VmHWM")
                if peak > max(clock.peak.values(), default=0.0):
                    clock.peak[stage] = peak
                if clock.stack:
                    clock.stack[-1][2] += spent
                    clock.stack[-1][4] += cpu

        setattr(owner, attribute, timed)

    def current(self) -> str:
        return self.stack[-1][0] if self.stack else "other"


class Counter:
    """Generated tokens per model and stage; the recorded CTranslate2 calls."""

    def __init__(self, clock: Clock, record: bool) -> None:
        self.clock = clock
        self.tokens: dict[str, int] = defaultdict(int)
        self.sequences: dict[str, int] = defaultdict(int)
        self.record = record
        self.calls: list[dict[str, Any]] = []

    def count(self, model: str, sequences: int, tokens: int) -> None:
        key = f"{model}|{self.clock.current()}"
        self.tokens[key] += tokens
        self.sequences[key] += sequences


def model_name(spec: Any) -> str:
    return Path(spec.model).name.replace("-random", "")


class CountedCT2:
    """A CTranslate2 translator that counts what it generates and records its calls."""

    def __init__(self, wrapped: Any, model: str, counter: Counter) -> None:
        self.wrapped, self.model, self.counter = wrapped, model, counter

    def translate_batch(self, source: Any, target_prefix: Any = None, **options: Any) -> Any:
        results = self.wrapped.translate_batch(source, target_prefix, **options)
        alternatives = options.get("return_alternatives")
        prefixes = target_prefix or [None] * len(results)  # a forced prefix is not generated
        tokens = 0 if alternatives else sum(len(r.hypotheses[0]) - len(p or ()) for r, p in zip(results, prefixes))
        self.counter.count(self.model, len(source), tokens)
        if self.counter.record:
            keep = {k: v for k, v in options.items() if k not in ("max_batch_size", "batch_type")}
            self.counter.calls.append(
                {
                    "model": self.model,
                    "stage": self.counter.clock.current(),
                    "source": [list(s) for s in source],
                    "target_prefix": target_prefix,
                    "options": keep,
                }
            )
        return results

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def count_generate(model: Any, name: str, counter: Counter) -> None:
    """Count the new tokens of a transformers model's ``generate`` (special tokens excluded)."""
    generate = model.generate
    config = model.config
    specials = {config.pad_token_id, config.eos_token_id, config.bos_token_id, config.decoder_start_token_id}

    def counted(*args: Any, **kwargs: Any) -> Any:
        out = generate(*args, **kwargs)
        sequences = getattr(out, "sequences", out)  # a tensor, or a GenerateOutput (scores asked for)
        tokens = sum(1 for row in sequences.tolist() for t in row if t not in specials)
        counter.count(name, int(sequences.shape[0]), tokens)
        return out

    model.generate = counted


def _modules(*names: str) -> list[Any]:
    """The modules of these names that this trpipe has (older versions lack some)."""
    import importlib

    found = []
    for name in names:
        with contextlib.suppress(ImportError):
            found.append(importlib.import_module(name))
    return found


def instrument(clock: Clock, counter: Counter) -> None:
    """Wrap trpipe's stages and models (see the module docstring); tolerant of older trpipe versions."""
    import trpipe.engines.local as local
    import trpipe.engines.plan as plan
    import trpipe.session as session
    import trpipe.summarise.mapreduce as mapreduce
    import trpipe.summarise.models as summary_models
    import trpipe.translate.base as base

    clock.wrap(plan, "read_source", "read+segment")
    clock.wrap(session.Session, "prepare", "read+segment")
    clock.wrap(session.Session, "_translate_to", "translation")
    clock.wrap(session.Session, "check", "checks")
    clock.wrap(session.Session, "_summarise", "summary (other)")
    for module in _modules("trpipe.session", "trpipe.summary_step"):  # where the summaries are translated back
        if hasattr(module, "translate_any_length"):
            clock.wrap(module, "translate_any_length", "back-translation")
    clock.wrap(local, "render", "render+write")
    import trpipe.engines.sinks as sinks

    for name in dir(sinks):
        cls = getattr(sinks, name)
        if isinstance(cls, type) and issubclass(cls, sinks.Sink) and "write" in cls.__dict__:
            clock.wrap(cls, "write", "render+write")
    levels = getattr(mapreduce, "_Levels", None)
    if levels is not None:
        clock.wrap(levels, "step", lambda self, jobs, level: f"summary level {level}")
        clock.wrap(mapreduce, "align_many", "alignment")
    else:  # before the batched map-reduce: one summarise_units per article
        clock.wrap(mapreduce, "summarise_units", "summary levels")
        clock.wrap(mapreduce, "align", "alignment")

    def loading(kind: str):
        return lambda *args, **kwargs: f"loading {kind}"

    for module in _modules("trpipe.session", "trpipe.models.pool"):  # Session, then its ModelPool, load translators
        for owner in (getattr(module, "Session", None), getattr(module, "ModelPool", None)):
            if owner is not None and "_load_translator" in owner.__dict__:
                clock.wrap(owner, "_load_translator", loading("translators"))
    clock.wrap(summary_models, "load_summariser", loading("the summariser"))

    # models: count tokens, record CTranslate2 calls
    def counted(load: Any) -> Any:
        def loaded(spec: Any, backend: str = "auto", **options: Any) -> Any:
            model = load(spec, backend, **options)
            attach(model, model_name(spec))
            return model

        return loaded

    counted_load = counted(base.load_translator)
    for module in (base, *_modules("trpipe.session", "trpipe.models.pool")):  # every module that holds the name
        if hasattr(module, "load_translator"):
            module.load_translator = counted_load
    summary_models.load_summariser = counted(summary_models.load_summariser)

    def attach(model: Any, name: str) -> None:
        if getattr(model, "translator", None) is not None and hasattr(model.translator, "translate_batch"):
            model.translator = CountedCT2(model.translator, name, counter)
        elif getattr(model, "model", None) is not None and hasattr(model.model, "generate"):
            count_generate(model.model, name, counter)


def child_cli(args: argparse.Namespace, finish: Callable[[dict[str, Any]], None]) -> None:
    """The ``trpipe translate`` run as the command runs it; ``finish`` gets the result before the exit."""
    clock = Clock()
    counter = Counter(clock, bool(args.record))
    import trpipe.cli

    instrument(clock, counter)
    imported = time.perf_counter()
    argv = ["translate", *args.inputs, "--from", "fr", "--to", "en", "--models", args.models, "-o", args.output]
    argv += ["--no-cache", "--force", "-q", "--backend", args.backend, "--device", args.device]
    argv += [] if args.summary else ["--no-summary"]
    argv += ["--format", "json"]
    started = time.perf_counter()

    def result(code: int) -> dict[str, Any]:
        ran = time.perf_counter() - started
        if args.record:
            Path(args.record).write_text(json.dumps(counter.calls), encoding="utf-8")
        stages = dict(clock.seconds)
        loads = sum(v for k, v in stages.items() if k.startswith("loading"))
        return {
            "exit_code": code,
            "import_s": imported - STARTED,
            "run_s": ran,
            "work_s": ran - loads,
            "load_s": loads,
            "stages": stages,
            "stage_cpu": dict(clock.cpu),
            "stage_peak_mb": dict(clock.peak),
            "stage_calls": dict(clock.calls),
            "tokens": dict(counter.tokens),
            "sequences": dict(counter.sequences),
        }

    def status(code: object) -> int:
        return int(code or 0) if isinstance(code, int) or code is None else 1

    try:  # the command's entry point, which ends the process without Python's teardown (trpipe.quickexit)
        import trpipe.quickexit
    except ImportError:  # an older trpipe (the "before" contender): its CLI in this process
        try:
            trpipe.cli.cli.main(args=argv, prog_name="trpipe")
        except SystemExit as exc:
            finish(result(status(exc.code)))
        return
    leave = trpipe.quickexit.leave

    def leave_with_result(code: object) -> None:
        finish(result(status(code)))
        leave(code)

    trpipe.quickexit.leave = leave_with_result
    sys.argv = ["trpipe", *argv]
    trpipe.cli.main()


def merged_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recorded calls of one model, stage and options merged into one call (prefixes kept per input)."""
    merged: dict[str, dict[str, Any]] = {}
    for call in calls:
        key = json.dumps([call["model"], call["stage"], call["options"]], sort_keys=True)
        entry = merged.setdefault(key, {**call, "source": [], "target_prefix": []})
        entry["source"] += call["source"]
        prefixes = call["target_prefix"] or [None] * len(call["source"])
        entry["target_prefix"] += prefixes
    for entry in merged.values():
        if all(p is None for p in entry["target_prefix"]):
            entry["target_prefix"] = None
    return list(merged.values())


def child_floor(args: argparse.Namespace) -> dict[str, Any]:
    """Replay the recorded work with plain CTranslate2: one Translator per model, the given threads."""
    import ctranslate2

    calls = merged_calls(json.loads(Path(args.plan).read_text(encoding="utf-8")))
    folders = json.loads(args.folders)
    imported = time.perf_counter()
    translators = {}
    for model in {c["model"] for c in calls}:
        translators[model] = ctranslate2.Translator(
            folders[model],
            device=args.device,
            compute_type=args.compute_type or "int8",
            inter_threads=args.inter,
            intra_threads=args.intra,
        )
    loaded = time.perf_counter()
    stages: dict[str, float] = defaultdict(float)
    stage_cpu: dict[str, float] = defaultdict(float)
    tokens: dict[str, int] = defaultdict(int)
    for call in calls:
        options = dict(call["options"])
        alternatives = options.get("return_alternatives")
        if args.inter > 1 and not alternatives:  # let the replicas share the call: several batches
            if call["stage"].startswith("summary"):  # a few long chunks: one batch per replica
                options.update(max_batch_size=max(1, -(-len(call["source"]) // args.inter)), batch_type="examples")
            else:  # many sentences: small batches (CTranslate2's best on CPU, as trpipe's backend does)
                options.update(max_batch_size=args.sub_batch_tokens, batch_type="tokens")
        start, cpu = time.perf_counter(), time.process_time()
        results = translators[call["model"]].translate_batch(call["source"], call["target_prefix"], **options)
        stages[call["stage"]] += time.perf_counter() - start
        stage_cpu[call["stage"]] += time.process_time() - cpu
        if not alternatives:
            prefixes = call["target_prefix"] or [None] * len(results)
            generated = sum(len(r.hypotheses[0]) - len(p or ()) for r, p in zip(results, prefixes))
            tokens[f"{call['model']}|{call['stage']}"] += generated
    return {
        "import_s": imported - STARTED,
        "load_s": loaded - imported,
        "work_s": sum(stages.values()),
        "run_s": time.perf_counter() - imported,
        "stages": dict(stages),
        "stage_cpu": dict(stage_cpu),
        "tokens": dict(tokens),
        "calls": len(calls),
        "inter": args.inter,
        "intra": args.intra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["cli", "floor"])
    parser.add_argument("--result", required=True)
    parser.add_argument("--inputs", nargs="+")
    parser.add_argument("--models")
    parser.add_argument("--output")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("--record")
    parser.add_argument("--plan")
    parser.add_argument("--folders")
    parser.add_argument("--inter", type=int, default=1)
    parser.add_argument("--intra", type=int, default=0)
    parser.add_argument("--sub-batch-tokens", type=int, default=512)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the floor and trpipe alike)")
    parser.add_argument("--compute-type", help="the floor's CTranslate2 compute type (default int8)")
    args = parser.parse_args()

    def finish(data: dict[str, Any]) -> None:
        data["peak_rss_self_mb"] = status_mb("VmHWM")
        data["torch_imported"] = "torch" in sys.modules
        data["transformers_imported"] = "transformers" in sys.modules
        Path(args.result).write_text(json.dumps(data), encoding="utf-8")

    if args.kind == "cli":
        child_cli(args, finish)
    else:
        finish(child_floor(args))


if __name__ == "__main__":
    main()
