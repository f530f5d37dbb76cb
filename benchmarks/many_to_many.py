"""A many-to-many model on CTranslate2: trpipe against plain CTranslate2 on the same calls, and memory for three
target languages against one (issue 25's goals: within 1.2x, and within 10 % of one target's peak RSS).

The model: an NLLB-200-shaped M2M100 model with random weights (``trpipe.models.demo_many.build_nllb``, the
committed hub files of facebook/nllb-200-distilled-600M, widths and depths below), converted by trpipe's own
backend (int8). EOS is never chosen, so every call generates exactly its bound of tokens (a constant bound of K
new tokens per sentence: ``max_new_tokens_ratio: 0``, ``max_new_tokens_offset: K``).

1. Speed: the sentences of 40 generated French articles (benchmarks/corpus.py), French to Swahili, 4 beams.
   trpipe: ``translate_scored`` on the pair's view of the model (tokenize, plan batches, run, decode, scores;
   no translation memory). Plain CTranslate2: the same batches, pre-tokenized outside the timing (pieces with
   the source token in front), ``Translator.translate_batch`` with the same options and ``target_prefix``.
   Interleaved, ``--repeats`` rounds, the best of each kept; the ratio is taken side by side.
2. Memory: a child process per run, ``Session.translate_file`` of those articles (one file) into ``en``; into
   ``en de sw``; its peak RSS (``ru_maxrss``). The model is loaded once for any number of targets, so the two
   should be close.

Usage: ``python benchmarks/many_to_many.py [--repeats 3] [--no-write]``; writes benchmarks/RESULTS-many.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / ".work" / "many"
SAMPLE = REPO / "samples" / "huawei-brumath.fr.txt"
SIZES = {  # about half of NLLB-200-distilled-600M's depth and width (~110 M parameters)
    "d_model": 768,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 12,
    "decoder_attention_heads": 12,
    "encoder_ffn_dim": 3072,
    "decoder_ffn_dim": 3072,
    "num_hidden_layers": 6,
    "init_std": 0.05,
}
ARTICLES = 40  # generated French articles (benchmarks/corpus.py)
K = 24  # new tokens per sentence


def registry(path: Path, model: Path) -> Path:
    import yaml

    settings = {"num_beams": 4, "max_input_tokens": 256, "max_new_tokens_ratio": 0, "max_new_tokens_offset": K}
    data = {"version": 1, "defaults": {"translation": settings}, "translation": {}, "many": {"model": str(model)}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def build() -> tuple[Path, Path]:
    from trpipe.models.demo_many import build_nllb

    model = WORK / "nllb-bench-768"
    if not (model / "model.safetensors").is_file():
        build_nllb(model, vocab_size=4000, sizes=SIZES)
    sys.path.insert(0, str(REPO / "benchmarks"))
    from corpus import make_articles

    (WORK / "articles.fr.txt").write_text("\n\n".join(make_articles(ARTICLES)), encoding="utf-8")
    return model, registry(WORK / "models.yaml", model)


def speed(model_registry: Path, repeats: int) -> dict:
    from trpipe.models.families import family_of_spec
    from trpipe.models.hub import model_available
    from trpipe.models.registry import load_registry
    from trpipe.read import read_source
    from trpipe.segment import segment_text
    from trpipe.textnorm import normalize_for_model
    from trpipe.translate.base import load_translator, plan_batches, translate_scored
    from trpipe.translate.pairs import LanguagePair

    registry = load_registry(model_registry)
    spec = registry.plan("fr", "sw", available=model_available, family_of=family_of_spec).specs[0]
    base = load_translator(registry.many_spec(), "ctranslate2", cache_dir=WORK / "cache")
    view = LanguagePair(base, spec)
    text = read_source(WORK / "articles.fr.txt").text
    sentences = [s.text for seg in segment_text(text, "fr") for s in seg.sentences]
    prepared = list(dict.fromkeys(normalize_for_model(s) for s in sentences if s.strip()))
    # plain CTranslate2's inputs: the same batches trpipe plans, tokenized here, outside the timing
    lengths = view.count_tokens(prepared)
    batches = [[prepared[i] for i in batch] for batch in plan_batches(lengths, view.batch_tokens)]
    pieces = [[[spec.source_token, *p] for p in base.tokenizer.encode(batch)] for batch in batches]
    ct2 = base.translator

    def plain() -> int:
        tokens = 0
        for batch in pieces:
            options = base.translate_options(max(map(len, batch)), view.tokens)
            options.update(target_prefix=[[spec.target_token]] * len(batch), return_scores=True)
            for result in ct2.translate_batch(batch, **options):
                tokens += len(result.hypotheses[0])
        return tokens

    def ours() -> int:
        return sum(len(t) for t, _ in translate_scored(view, sentences))

    plain(), ours()  # warm up
    times: dict[str, list[float]] = {"trpipe": [], "ctranslate2": []}
    for _ in range(repeats):
        for name, run in (("ctranslate2", plain), ("trpipe", ours)):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    best = {name: min(values) for name, values in times.items()}
    return {
        "sentences": len(sentences),
        "unique": len(prepared),
        "batches": len(batches),
        "threads": f"{base.model.inter_threads}x{base.model.intra_threads}",
        "times": times,
        "best": best,
        "ratio": best["trpipe"] / best["ctranslate2"],
    }


def child(model_registry: str, targets: str) -> None:
    from trpipe.session import Session

    with Session(model_registry, backend="ctranslate2", cache=False, cache_dir=str(WORK / "cache")) as session:
        session.translate_file(WORK / "articles.fr.txt", to=targets.split(","), source_lang="fr", summary=False)
        loads = session.models.loads
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"targets": targets, "rss": rss, "loads": loads}))


def memory(model_registry: Path, repeats: int) -> dict:
    found: dict[str, list[dict]] = {}
    for _ in range(repeats):
        for targets in ("en", "en,de,sw"):
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(model_registry), targets],
                capture_output=True,
                text=True,
                check=True,
            )
            found.setdefault(targets, []).append(json.loads(done.stdout.strip().splitlines()[-1]))
    one = min(r["rss"] for r in found["en"])
    three = min(r["rss"] for r in found["en,de,sw"])
    return {"runs": found, "one": one, "three": three, "ratio": three / one}


def write(result: dict) -> None:
    s, m = result["speed"], result["memory"]
    mb = 1024 * 1024
    lines = [
        "# A many-to-many model on CTranslate2 (benchmarks/many_to_many.py)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {result['cpus']} CPUs, shared with other work "
        f"while measured (load average {result['load']} at the end); Python " + platform.python_version() + ".",
        f"Model: NLLB-200-shaped (M2M100 architecture, {SIZES['encoder_layers']}+{SIZES['decoder_layers']} "
        f"layers, d_model {SIZES['d_model']}, FFN {SIZES['encoder_ffn_dim']}, SentencePiece vocabulary 4,000 + "
        "202 language tokens), random weights, converted to CTranslate2 int8; French to Swahili "
        f"(fra_Latn → swh_Latn), 4 beams, {K} new tokens a sentence.",
        "",
        "## Speed: trpipe's pair view against plain CTranslate2 on the same calls",
        "",
        "| contender | best of runs (s) | runs (s) |",
        "| --- | ---: | --- |",
    ]
    for name in ("ctranslate2", "trpipe"):
        runs = ", ".join(f"{t:.2f}" for t in s["times"][name])
        lines.append(f"| {name} | {s['best'][name]:.2f} | {runs} |")
    lines += [
        "",
        f"{s['sentences']} sentences ({s['unique']} distinct) in {s['batches']} batches, threads "
        f"{s['threads']} (replicas x threads). **trpipe / plain CTranslate2: {s['ratio']:.2f}x** (goal: at most "
        "1.2x). trpipe's part: tokenizing with the source token, planning batches, decoding without the "
        "language token, scores.",
        "",
        "## Memory: one target against three",
        "",
        "| targets | peak RSS (MB), best of runs | model loads |",
        "| --- | ---: | ---: |",
        f"| en | {m['one'] / mb:.0f} | {m['runs']['en'][0]['loads']} |",
        f"| en, de, sw | {m['three'] / mb:.0f} | {m['runs']['en,de,sw'][0]['loads']} |",
        "",
        f"**Three targets / one: {m['ratio']:.3f}** (goal: within 10 %). The model is loaded once; each target is "
        "a view of it with its own language tokens and translation-memory key.",
        "",
    ]
    (REPO / "benchmarks" / "RESULTS-many.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    import os

    WORK.mkdir(parents=True, exist_ok=True)
    _, model_registry = build()
    result = {"speed": speed(model_registry, args.repeats), "memory": memory(model_registry, args.repeats)}
    result["cpus"] = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    result["load"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(json.dumps({k: v for k, v in result.items()}, indent=1, default=str))
    if not args.no_write:
        write(result)


if __name__ == "__main__":
    main(sys.argv[1:])
