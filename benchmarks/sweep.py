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

# name: (kind, options)
VARIANTS: dict[str, tuple[str, dict]] = {
    "naive-paragraph": ("naive", {"unit": "paragraph"}),
    "naive-sentence": ("naive", {"unit": "sentence"}),
    "naive-paragraph-1thread": ("naive", {"unit": "paragraph", "torch_threads": 1}),
    "hf-bt4096": ("transformers", {"batch_tokens": 4096}),
    "hf-bt2048": ("transformers", {"batch_tokens": 2048}),
    "hf-bt1024": ("transformers", {"batch_tokens": 1024}),
    "hf-bt512": ("transformers", {"batch_tokens": 512}),
    "hf-bt256": ("transformers", {"batch_tokens": 256}),
    "ct2-bt4096": ("ctranslate2", {"batch_tokens": 4096}),
    "ct2-bt2048": ("ctranslate2", {"batch_tokens": 2048}),
    "ct2-bt1024": ("ctranslate2", {"batch_tokens": 1024}),
    "ct2-bt512": ("ctranslate2", {"batch_tokens": 512}),
    "ct2-bt4096-inter2-mbs1024": ("ctranslate2", {"batch_tokens": 4096, "inter": 2, "intra": 1, "mbs": 1024}),
    "ct2-bt4096-inter2-mbs512": ("ctranslate2", {"batch_tokens": 4096, "inter": 2, "intra": 1, "mbs": 512}),
    "ct2-bt8192-inter2-mbs1024": ("ctranslate2", {"batch_tokens": 8192, "inter": 2, "intra": 1, "mbs": 1024}),
}


def corpus_paths(name: str) -> list[Path]:
    if name == "sample":
        return [bench.SAMPLE]
    return sorted(bench.ARTICLES_DIR.glob("*.txt"))[: int(name)]


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
        from trpipe.registry import load_registry
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
            argv = ["--variant", name, "--plan", str(plan_path), "--new-tokens", str(k)]
            data = bench.run_child(argv, bench.WORK / "sweep-result.json", Path(__file__).resolve())
            data.update(variant=name, corpus=args.corpus)
            results.append(data)
            check = "" if data["target_tokens"] == expected else f"  TOKENS {data['target_tokens']} != {expected}"
            print(
                f"{name:<28} {data['run_s']:8.2f} s  {data['target_tokens'] / data['run_s']:7.1f} tokens/s  "
                f"model {data['model_s']:7.2f} s  peak {data['peak_rss_mb']:5.0f} MB  "
                f"other {data['foreign_cores']:.2f} cores  batches {data.get('batches', '')}{check}",
                flush=True,
            )
    out = bench.WORK / "sweep.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else []
    out.write_text(json.dumps(previous + results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
