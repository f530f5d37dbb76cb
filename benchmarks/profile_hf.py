"""Where a decoding step's time goes with transformers: the naive loop's batch of 4 beams against trpipe's
batch of the whole sample article (31 sentences x 4 beams), under ``torch.profiler``.

    python benchmarks/profile_hf.py [--rows 20]

Uses the benchmark's model (build_model.py) and the same equal-work rule as bench.py. Prints, for each
case, the time per decoding step, the share of the matrix products (aten::addmm/mm/bmm/linear), and the
operators that take the most CPU time (self time, summed over both threads' work as torch counts it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402

GEMM = ("aten::addmm", "aten::mm", "aten::bmm", "aten::matmul", "aten::linear", "aten::_scaled_dot_product")


def profile(label: str, run, steps: int, rows: int) -> dict:
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    run()  # warm-up
    start = time.perf_counter()
    run()
    plain = time.perf_counter() - start
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    gemm = sum(e.self_cpu_time_total for e in events if e.key.startswith(GEMM))
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:rows]
    per_step = plain / steps * 1000
    print(f"\n== {label}: {plain:.2f} s without the profiler, {steps} decoding steps, {per_step:.1f} ms a step")
    print(f"   matrix products: {gemm / total:.0%} of the operators' self time")
    for e in top:
        print(f"   {e.key:<45} {e.self_cpu_time_total / total:6.1%}  {e.count:6d} calls")
    return {
        "label": label,
        "seconds": plain,
        "steps": steps,
        "ms_per_step": plain / steps * 1000,
        "gemm_share": gemm / total,
        "top": [(e.key, e.self_cpu_time_total / total, e.count) for e in top],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15, help="operators to list")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import MarianMTModel, MarianTokenizer
    from transformers.utils import logging as hf_logging

    from trpipe.segment import segment_text
    from trpipe.textnorm import normalize_for_model

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    build = json.loads((bench.WORK / "build.json").read_text(encoding="utf-8"))
    k = int(build["new_tokens_per_sentence"])
    tokenizer = MarianTokenizer.from_pretrained(str(bench.MODEL_DIR))
    model = MarianMTModel.from_pretrained(str(bench.MODEL_DIR))
    model.generation_config.max_length = None
    segments = segment_text(bench.SAMPLE.read_text(encoding="utf-8"), "fr")
    sentences = [normalize_for_model(s.text) for seg in segments for s in seg.sentences]
    paragraph = next(seg for seg in segments if len(seg.sentences) == 2)
    results = []

    naive_inputs = tokenizer([paragraph.text], return_tensors="pt")

    def naive():
        model.generate(**naive_inputs, num_beams=4, max_new_tokens=2 * (k - 1) + 1)

    results.append(profile("naive: one paragraph of 2 sentences, 4 beams (4 rows)", naive, 2 * (k - 1) + 1, args.rows))
    batch = tokenizer(sentences, return_tensors="pt", padding=True)

    def batched():
        with torch.inference_mode():
            model.generate(**batch, num_beams=4, max_new_tokens=k, do_sample=False)

    label = f"trpipe: the sample's {len(sentences)} sentences in one batch, 4 beams ({4 * len(sentences)} rows)"
    results.append(profile(label, batched, k, args.rows))
    print(f"\ntorch threads: {torch.get_num_threads()}")
    (bench.WORK / "profile_hf.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
