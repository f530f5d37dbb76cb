"""Measure the translation checks on the labelled set of benchmarks/checks_eval/.

Each YAML file there holds news sentences of one language pair with our own reference translation, one-error
variants of the reference (an edit [old, new] that injects one error of a named kind) and paraphrases (other
correct translations). Every article is checked the way the pipeline checks it: a trpipe Document whose
sentences carry the given translations goes through ``trpipe.checks.check_document`` (one name list for the
article), with one sentence replaced by a variant or a paraphrase at a time.

Printed: recall per error kind (a variant counts as caught when it raises a flag that the reference does not),
false positives per clean reference sentence, paraphrases flagged, milliseconds per sentence of
``check_sentence`` (after one pass that loads the CLDR, lemmatiser and number-word data, whose time is printed
apart; each timed sentence is new to the sentence-level caches), and the summary support threshold
(summary.yaml). ``--write`` puts the tables into benchmarks/CHECKS.md; ``-v`` lists every miss and false
alarm with its flags.

    python benchmarks/checks_eval.py [-v] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

from trpipe.checks import ArticleContext, check_document, check_sentence, weak_support
from trpipe.checks.summary import WEAK_SUPPORT_RECALL
from trpipe.records import Document, Segment, Sentence, Source

HERE = Path(__file__).resolve().parent
DATA = HERE / "checks_eval" / "tune"
RESULTS = HERE / "CHECKS.md"
MARK_BEGIN, MARK_END = "<!-- checks_eval: begin -->", "<!-- checks_eval: end -->"


def load_pairs() -> list[dict]:
    pairs = []
    for path in sorted(DATA.glob("*.yaml")):
        if path.name == "summary.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["file"] = path.name
        pairs.append(data)
    return pairs


def apply(reference: str, edit: list[str], where: str) -> str:
    old, new = edit
    if reference.count(old) != 1:
        raise SystemExit(f"{where}: the edit {old!r} must occur once in the reference")
    return reference.replace(old, new)


def document(article: dict, source_lang: str, target_lang: str, translations: list[str]) -> Document:
    segments, text, offset = [], [], 0
    for i, (sentence, translation) in enumerate(zip(article["sentences"], translations)):
        source = sentence["source"]
        segments.append(
            Segment(
                id=f"p{i + 1}",
                kind="paragraph",
                start=offset,
                end=offset + len(source),
                line=i + 1,
                text=source,
                sentences=[Sentence(offset, offset + len(source), source, translation)],
                translation=translation,
            )
        )
        text.append(source)
        offset += len(source) + 2
    source = Source(path=article["id"], text="\n\n".join(text), encoding="utf-8", sha256="", lang=source_lang)
    return Document(source=source, target_lang=target_lang, segments=segments, provenance={})


def flags_of(doc: Document, index: int) -> list[dict]:
    return doc.segments[index].flags


def run_document(article: dict, pair: str, translations: list[str]) -> Document:
    source_lang, target_lang = pair.split("-")
    doc = document(article, source_lang, target_lang, translations)
    check_document(doc)
    return doc


def evaluate(verbose: bool) -> dict:
    pairs = load_pairs()
    caught: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    caught_by_pair: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    clean = [0, 0]
    clean_by_pair: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    para = [0, 0]
    para_by_pair: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    timed: list[tuple[str, str, str, str, ArticleContext]] = []
    for data in pairs:
        pair = data["pair"]
        source_lang, target_lang = pair.split("-")
        for article in data["articles"]:
            references = [s["reference"] for s in article["sentences"]]
            base = run_document(article, pair, references)
            context = ArticleContext.from_pairs(
                [(s["source"], s["reference"]) for s in article["sentences"]], source_lang, target_lang
            )
            for i, sentence in enumerate(article["sentences"]):
                where = f"{data['file']} {article['id']} sentence {i + 1}"
                base_flags = flags_of(base, i)
                clean[1] += 1
                clean_by_pair[pair][1] += 1
                timed.append((sentence["source"], sentence["reference"], source_lang, target_lang, context))
                if base_flags:
                    clean[0] += 1
                    clean_by_pair[pair][0] += 1
                    if verbose:
                        print(f"FALSE ALARM {where}: {sentence['reference']}\n    {base_flags}")
                for paraphrase in sentence.get("paraphrases", []):
                    translations = [*references[:i], paraphrase, *references[i + 1 :]]
                    flags = flags_of(run_document(article, pair, translations), i)
                    para[1] += 1
                    para_by_pair[pair][1] += 1
                    timed.append((sentence["source"], paraphrase, source_lang, target_lang, context))
                    if flags:
                        para[0] += 1
                        para_by_pair[pair][0] += 1
                        if verbose:
                            print(f"PARAPHRASE FLAGGED {where}: {paraphrase}\n    {flags}")
                for error in sentence.get("errors", []):
                    variant = apply(sentence["reference"], error["edit"], where)
                    translations = [*references[:i], variant, *references[i + 1 :]]
                    flags = flags_of(run_document(article, pair, translations), i)
                    timed.append((sentence["source"], variant, source_lang, target_lang, context))
                    new = [f for f in flags if f not in base_flags]
                    caught[error["kind"]][1] += 1
                    caught_by_pair[pair][1] += 1
                    if new:
                        caught[error["kind"]][0] += 1
                        caught_by_pair[pair][0] += 1
                    elif verbose:
                        print(f"MISSED {error['kind']} {where}: {variant}")
    # Speed: each (source, translation) checked once more, changed by one character so that no cache of a
    # whole sentence helps; the language data (CLDR, lemmatiser, number words) is loaded by then.
    times, cpu_start = [], time.process_time()
    for source, translation, source_lang, target_lang, context in timed:
        start = time.perf_counter()
        check_sentence(source + " ·", translation + " ·", source_lang, target_lang, None, context)
        times.append((time.perf_counter() - start) * 1000)
    cpu_ms = (time.process_time() - cpu_start) * 1000 / len(timed)
    return {
        "caught": dict(caught),
        "caught_by_pair": dict(caught_by_pair),
        "clean": clean,
        "clean_by_pair": dict(clean_by_pair),
        "paraphrases": para,
        "paraphrases_by_pair": dict(para_by_pair),
        "ms_mean": statistics.mean(times),
        "cpu_ms": cpu_ms,
        "ms_p95": sorted(times)[int(0.95 * (len(times) - 1))],
        "timed": len(times),
        "pairs": sorted({d["pair"] for d in pairs}),
    }


def summary_eval(verbose: bool) -> dict:
    path = DATA / "summary.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = []
    for item in data["items"]:
        support = [(s["text"], s["lang"]) for s in item["support"]]
        for sentence in item["supported"]:
            rows.append((weak_support(sentence, item["lang"], support), True, sentence))
        for sentence in item["unsupported"]:
            rows.append((weak_support(sentence, item["lang"], support), False, sentence))
    scored = [r for r in rows if r[0] is not None]
    flagged_bad = sum(1 for r, ok, _ in scored if not ok and r < WEAK_SUPPORT_RECALL)
    flagged_good = sum(1 for r, ok, _ in scored if ok and r < WEAK_SUPPORT_RECALL)
    if verbose:
        for recall, ok, sentence in sorted(scored):
            print(f"support {recall:.2f} {'supported  ' if ok else 'UNSUPPORTED'} {sentence}")
    return {
        "supported": sum(1 for _, ok, _ in scored if ok),
        "unsupported": sum(1 for _, ok, _ in scored if not ok),
        "flagged_unsupported": flagged_bad,
        "flagged_supported": flagged_good,
        "supported_recalls": sorted(round(r, 2) for r, ok, _ in scored if ok),
        "unsupported_recalls": sorted(round(r, 2) for r, ok, _ in scored if not ok),
    }


def table(result: dict, summary: dict) -> str:
    lines = ["| error kind | caught | recall |", "| --- | ---: | ---: |"]
    total = [0, 0]
    for kind, (hit, n) in sorted(result["caught"].items()):
        lines.append(f"| {kind} | {hit}/{n} | {hit / n:.2f} |")
        total[0] += hit
        total[1] += n
    lines.append(f"| **all kinds** | **{total[0]}/{total[1]}** | **{total[0] / total[1]:.2f}** |")
    lines += [
        "",
        "| pair | errors caught | clean sentences flagged | paraphrases flagged |",
        "| --- | ---: | ---: | ---: |",
    ]
    for pair in result["pairs"]:
        hit, n = result["caught_by_pair"].get(pair, [0, 0])
        fp, clean = result["clean_by_pair"].get(pair, [0, 0])
        pf, pn = result["paraphrases_by_pair"].get(pair, [0, 0])
        lines.append(f"| {pair} | {hit}/{n} | {fp}/{clean} | {pf}/{pn} |")
    fp, clean = result["clean"]
    pf, pn = result["paraphrases"]
    lines += [
        "",
        f"- false positives: {fp} of {clean} clean reference sentences ({fp / clean:.1%})",
        f"- paraphrases flagged: {pf} of {pn} ({pf / pn:.1%})",
        f"- speed: {result['cpu_ms']:.2f} ms of CPU per sentence on average; wall clock {result['ms_mean']:.2f} ms on "
        f"average and {result['ms_p95']:.2f} ms at the 95th percentile ({result['timed']} sentence pairs, every "
        "check, language data loaded)",
    ]
    if summary:
        lines += [
            f"- summary support (threshold {WEAK_SUPPORT_RECALL}): {summary['flagged_unsupported']} of "
            f"{summary['unsupported']} unsupported summary sentences flagged weakly supported, "
            f"{summary['flagged_supported']} of {summary['supported']} supported ones",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--write", action="store_true", help="write the tables into benchmarks/CHECKS.md")
    args = parser.parse_args()
    start = time.perf_counter()
    check_sentence("Le 12 mars, 800 euros à Paris.", "On 12 March, 800 euros in Paris.", "fr", "en")
    for data in load_pairs():  # load every language's data once
        source_lang, target_lang = data["pair"].split("-")
        first = data["articles"][0]["sentences"][0]
        check_sentence(first["source"], first["reference"], source_lang, target_lang)
    warmup = time.perf_counter() - start
    result = evaluate(args.verbose)
    summary = summary_eval(args.verbose)
    text = table(result, summary) + f"\n- first use (loading CLDR, lemmatiser and number-word data): {warmup:.1f} s"
    print(text)
    if args.write:
        page = RESULTS.read_text(encoding="utf-8")
        begin, end = page.index(MARK_BEGIN) + len(MARK_BEGIN), page.index(MARK_END)
        RESULTS.write_text(page[:begin] + "\n" + text + "\n" + page[end:], encoding="utf-8")
        print(f"written to {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
