"""Where the time goes: the translation step alone, under variants of trpipe's settings.

    python benchmarks/sweep.py [--corpus sample|N] [--only NAME,...] [--repeats R]

Each variant runs in a subprocess of its own and translates the sentences of the corpus (the sample
article, or the first N of the 50 articles) with trpipe's scheduler (``translate_texts``: normalise,
sort by length, batch by tokens) and a backend built as trpipe builds it, with the settings changed as
the variant says; the naive variants call ``generate`` themselves. Same model, same equal-work rule as
bench.py (every sentence gets K - 1 target tokens; the counts are checked). Prints seconds, target
tokens/s and peak RSS per variant; the results go to benchmarks/.work/sweep.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402

# name: (kind, options). "pipeline" variants run bench.py's trpipe child (run_translate, the real code
# path) with a registry whose settings differ, an environment variable, or torch kept out of the
# ctranslate2 backend; "core" variants time the translation step alone (``translate_texts``, or the
# naive loop per paragraph or per sentence), for settings that the registry cannot change.
VARIANTS: dict[str, tuple[str, dict]] = {
    "c": ("pipeline", {"backend": "ctranslate2"}),
    "c-bt2048": ("pipeline", {"backend": "ctranslate2", "registry": {"batch_tokens": 2048}}),
    "c-bt1024": ("pipeline", {"backend": "ctranslate2", "registry": {"batch_tokens": 1024}}),
    "c-bt512": ("pipeline", {"backend": "ctranslate2", "registry": {"batch_tokens": 512}}),
    "c-arena2": ("pipeline", {"backend": "ctranslate2", "env": {"MALLOC_ARENA_MAX": "2"}}),
    "c-notorch": ("pipeline", {"backend": "ctranslate2", "no_torch": True}),
    "c-bt1024-notorch": ("pipeline", {"backend": "ctranslate2", "no_torch": True, "registry": {"batch_tokens": 1024}}),
    "c-inter2-mbs1024-notorch": ("pipeline", {"backend": "ctranslate2", "no_torch": True, "inter": 2, "mbs": 1024}),
    "c-inter2-mbs512-notorch": ("pipeline", {"backend": "ctranslate2", "no_torch": True, "inter": 2, "mbs": 512}),
    "c-bt2048-inter2-mbs1024-notorch": (
        "pipeline",
        {"backend": "ctranslate2", "no_torch": True, "inter": 2, "mbs": 1024, "registry": {"batch_tokens": 2048}},
    ),
    "b": ("pipeline", {"backend": "transformers"}),
    "b-bt8192": ("pipeline", {"backend": "transformers", "registry": {"batch_tokens": 8192}}),
    "b-bt2048": ("pipeline", {"backend": "transformers", "registry": {"batch_tokens": 2048}}),
    "b-bt1024": ("pipeline", {"backend": "transformers", "registry": {"batch_tokens": 1024}}),
    "naive-paragraph": ("naive", {"unit": "paragraph"}),
    "naive-sentence": ("naive", {"unit": "sentence"}),
    "core-ct2": ("ctranslate2", {"batch_tokens": 4096}),
    "core-ct2-inter2-mbs1024": ("ctranslate2", {"batch_tokens": 4096, "inter": 2, "intra": 1, "mbs": 1024}),
    "core-ct2-inter2-mbs512": ("ctranslate2", {"batch_tokens": 4096, "inter": 2, "intra": 1, "mbs": 512}),
}


def corpus_paths(name: str) -> list[Path]:
    if name == "sample":
        return [bench.SAMPLE]
    return sorted(bench.ARTICLES_DIR.glob("*.txt"))[: int(name)]


def run_pipeline_variant(name: str, options: dict, corpus: str, new_tokens: int) -> dict:
    """bench.py's trpipe child (``run_translate``) with this variant's registry, environment and flags."""
    from build_model import write_registry

    inputs = [str(bench.SAMPLE)] if corpus == "sample" else [str(p) for p in corpus_paths(corpus)]
    if corpus == "50":
        inputs = [str(bench.ARTICLES_DIR)]
    registry = bench.REGISTRY
    if options.get("registry"):
        registry = write_registry(
            bench.WORK / f"models-{name}.yaml", bench.MODEL_DIR, new_tokens, **options["registry"]
        )
    out = bench.OUT_DIR / f"sweep-{name}"
    argv = ["--child", "trpipe", "--backend", options["backend"], "--output", str(out), "--new-tokens", str(new_tokens)]
    argv += ["--models", str(registry), "--inputs", *inputs]
    if options.get("no_torch"):
        argv.append("--no-torch")
    if options.get("inter"):
        argv += ["--ct2-inter", str(options["inter"]), "--ct2-mbs", str(options["mbs"])]
    return bench.run_child(argv, bench.WORK / "sweep-result.json", extra_env=options.get("env"))


def child(args: argparse.Namespace) -> None:
    kind, options = VARIANTS[args.variant]
    stats = bench.Stats()
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    new_tokens = args.new_tokens
    if kind == "naive":
        import torch
        from transformers import MarianMTModel, MarianTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if options.get("torch_threads"):
            torch.set_num_threads(options["torch_threads"])
        tokenizer = MarianTokenizer.from_pretrained(str(bench.MODEL_DIR))
        model = MarianMTModel.from_pretrained(str(bench.MODEL_DIR))
        pad, eos = model.config.pad_token_id, model.config.eos_token_id

        def translate(text: str, k: int) -> None:
            batch = tokenizer([text], return_tensors="pt")
            start = time.perf_counter()
            out = model.generate(**batch, num_beams=4, max_new_tokens=k * (new_tokens - 1) + 1)
            stats.count(time.perf_counter() - start, k, int(((out != pad) & (out != eos)).sum()))

        translate(bench.WARMUP, 1)
        stats.reset_counts()
        units = [(p, k) for a in plan["articles"] for p, k in a["paragraphs"]]
        if options["unit"] == "sentence":
            units = [(s, 1) for s in plan["sentences_text"]]
        start = time.perf_counter()
        for text, k in units:
            translate(text, k)
        stats.data["run_s"] = time.perf_counter() - start
    else:
        from trpipe.models.registry import load_registry
        from trpipe.translate.base import load_translator, translate_texts

        spec = load_registry(bench.REGISTRY).translation("fr", "en")
        spec.settings["batch_tokens"] = options["batch_tokens"]
        extra = {"cache_dir": str(bench.CACHE_DIR)} if kind == "ctranslate2" else {}
        translator = load_translator(spec, kind, device="cpu", **extra)
        if kind == "ctranslate2" and "inter" in options:
            import ctranslate2

            translator.translator = ctranslate2.Translator(
                str(translator.model_dir),
                device="cpu",
                compute_type=translator.compute_type,
                inter_threads=options["inter"],
                intra_threads=options["intra"],
            )
            base_options = translator.translate_options
            translator.translate_options = lambda n: {**base_options(n), "max_batch_size": options["mbs"]}
        bench._instrument(translator, stats)
        translator.translate_batch([bench.WARMUP])
        stats.reset_counts()
        batches: list[int] = []
        inner_batch = translator.translate_batch

        def recorded(texts):
            batches.append(len(texts))
            return inner_batch(texts)

        translator.translate_batch = recorded
        start = time.perf_counter()
        translate_texts(translator, plan["sentences_text"])
        stats.data["run_s"] = time.perf_counter() - start
        stats.data["batches"] = batches
    stats.data["peak_rss_self_mb"] = bench._status_mb("VmHWM")
    Path(args.result).write_text(json.dumps(stats.data), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="trpipe translation-step sweep (see the module docstring)")
    parser.add_argument("--corpus", default="sample", help="sample, or N: the first N of the 50 articles")
    parser.add_argument("--only", help="comma-separated variant names (default: all)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--max-wait", type=float, default=300)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--new-tokens", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        child(args)
        return
    os.environ["HF_HUB_OFFLINE"] = "1"
    subprocess.run([sys.executable, str(HERE / "build_model.py")], check=True, stdout=subprocess.DEVNULL)
    build = json.loads((bench.WORK / "build.json").read_text(encoding="utf-8"))
    k = int(build["new_tokens_per_sentence"])
    plan = bench.plan_corpus(corpus_paths(args.corpus), bench.MODEL_DIR)
    from trpipe.segment import segment_text
    from trpipe.textnorm import normalize_for_model

    plan["sentences_text"] = [
        normalize_for_model(s.text)
        for a in plan["articles"]
        for seg in segment_text(Path(a["path"]).read_text(encoding="utf-8"), "fr")
        for s in seg.sentences
    ]
    plan_path = bench.WORK / "plan-sweep.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    expected = plan["sentences"] * (k - 1)
    print(f"corpus {args.corpus}: {plan['sentences']} sentences, {expected} target tokens", flush=True)
    names = args.only.split(",") if args.only else list(VARIANTS)
    results = []
    for _ in range(args.repeats):
        for name in names:
            bench.wait_quiet(args.max_wait, bench.QUIET_CORES)
            kind, options = VARIANTS[name]
            if kind == "pipeline":
                data = run_pipeline_variant(name, options, args.corpus, k)
            else:
                argv = ["--variant", name, "--plan", str(plan_path), "--new-tokens", str(k)]
                data = bench.run_child(argv, bench.WORK / "sweep-result.json", Path(__file__).resolve())
            data.update(variant=name, corpus=args.corpus)
            results.append(data)
            check = "" if data["target_tokens"] == expected else f"  TOKENS {data['target_tokens']} != {expected}"
            print(
                f"{name:<28} {data['run_s']:8.2f} s  {data['target_tokens'] / data['run_s']:7.1f} tokens/s  "
                f"model {data['model_s']:7.2f} s  peak {data['peak_rss_mb']:5.0f} MB  "
                f"other {data['foreign_cores']:.2f} cores  torch {data.get('torch_imported', '-')}  "
                f"batches {data.get('batches', '')}{check}",
                flush=True,
            )
    if args.repeats > 1:
        print("\nbest of each variant:")
        for name in names:
            runs = [r for r in results if r["variant"] == name]
            best = min(runs, key=lambda r: r["run_s"])
            median = sorted(r["run_s"] for r in runs)[len(runs) // 2]
            print(
                f"{name:<32} best {best['run_s']:7.2f} s ({best['target_tokens'] / best['run_s']:6.1f} tokens/s), "
                f"median {median:7.2f} s, peak RSS {max(r['peak_rss_mb'] for r in runs):5.0f} MB"
            )
    out = bench.WORK / "sweep.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else []
    out.write_text(json.dumps(previous + results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
