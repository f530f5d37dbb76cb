"""The digest on the labelled set benchmarks/digest_eval/ (tune/ and test/ articles.yaml, written blind).

Each article becomes a trpipe Document whose translation is the set's hand-written one (paragraph by
paragraph; sentences paired where both sides split alike), so that grouping across languages is judged
without real models. Reported: near-duplicates merged (recall of the labelled copy pairs joined as
duplicates), different stories merged (pairs of articles of different stories put in one story: must be 0),
same-story grouping (pairwise precision, recall, F1), and disagreements (precision and recall against the
`differences: figure` labels; any not_disagreements pair reported is listed).

    python benchmarks/digest_eval.py tune [--threshold 0.3] [--show]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from trpipe.digest.articles import make_article  # noqa: E402
from trpipe.records import Document, Sentence, Source  # noqa: E402
from trpipe.segment import segment_text, split_sentences  # noqa: E402


def load_half(half: str) -> dict:
    return yaml.safe_load((HERE / "digest_eval" / half / "articles.yaml").read_text(encoding="utf-8"))


def build_document(item: dict, target: str = "en") -> Document:
    """A translated Document from a labelled article: its text, and its translation paragraph by paragraph."""
    text = item["text"].strip() + "\n"
    paragraphs = [p.strip() for p in item["translation"].strip().split("\n\n")]
    source = Source(item["id"], text, "utf-8", hashlib.sha256(text.encode()).hexdigest(), item["lang"])
    segments = segment_text(text, item["lang"])
    if len(segments) != len(paragraphs):
        raise ValueError(f"{item['id']}: {len(segments)} segments, {len(paragraphs)} translated paragraphs")
    for seg, translated in zip(segments, paragraphs):
        seg.translation = translated
        seg.translations = {target: translated}
        seg.lang = item["lang"]
        pieces = [s.text for s in split_sentences(translated, 0, len(translated), target)]
        if len(pieces) == len(seg.sentences):
            for sentence, piece in zip(seg.sentences, pieces):
                sentence.translation = piece
                sentence.translations = {target: piece}
        else:
            seg.sentences = [Sentence(seg.start, seg.end, seg.text, translated, {target: translated})]
    provenance = {
        "trpipe": "eval",
        "models": {"translation": {"id": "hand-written (benchmarks/digest_eval)"}},
        "decoding": {},
        "extractor": {"name": "benchmarks/digest_eval", "title": item["title"], "site": item["site"],
                      "date": str(item["date"]), "url": item["url"]},
    }  # fmt: skip
    return Document(source, target, segments, provenance, None, [target])


def articles_of(data: dict) -> list:
    return [make_article(item["id"], item["id"], build_document(item)) for item in data["articles"]]


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def pairs(groups) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}


def evaluate(data: dict, threshold: float | None = None, show: bool = False) -> dict:
    from trpipe.digest.compare import disagreements
    from trpipe.digest.stories import THRESHOLD, group_articles

    threshold = THRESHOLD if threshold is None else threshold
    articles = articles_of(data)
    ids = [a.id for a in articles]
    grouping = group_articles(articles, threshold)
    found_stories = [[ids[i] for i in s] for s in grouping.stories]
    found_dups = [[ids[i] for i in d] for d in grouping.duplicates]
    gold: dict[str, list[str]] = {}
    for item in data["articles"]:
        gold.setdefault(item["story"], []).append(item["id"])
    gold_pairs, found_pairs = pairs(gold.values()), pairs(found_stories)
    tp = len(gold_pairs & found_pairs)
    precision = tp / len(found_pairs) if found_pairs else 1.0
    recall = tp / len(gold_pairs) if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    dup_gold = {tuple(sorted((i["id"], i["duplicate_of"]))) for i in data["articles"] if i.get("duplicate_of")}
    dup_found = pairs(found_dups)
    dup_recall = len(dup_gold & dup_found) / len(dup_gold) if dup_gold else 1.0
    wrong_dups = sorted(dup_found - pairs(gold.values()))
    story_of = {i["id"]: i["story"] for i in data["articles"]}
    merged_wrong = sorted(p for p in found_pairs if story_of[p[0]] != story_of[p[1]])
    # disagreements, story by story
    by_id = {a.id: a for a in articles}
    labelled = set()
    figures = set()  # (story, {the two figures' digits}): a copy of either side that carries the same
    for item in data["articles"]:  # figure disagrees too (a02 = a01, differing from a39 as a01 does)
        for diff in item.get("differences") or []:
            if diff["field"] == "figure":
                labelled.add(tuple(sorted((item["id"], diff["other_article"]))))
                figures.add((item["story"], frozenset((digits(diff["this"]), digits(diff["other"])))))
    not_pairs = {tuple(sorted((n["a"], n["b"]))) for n in data.get("not_disagreements") or []}
    flagged = []
    for story in gold.values():  # judged on the gold stories, so that grouping errors do not count twice
        dup_groups = [d for d in found_dups if set(d) <= set(story)]
        for item in disagreements([by_id[i] for i in story], dup_groups):
            flagged.append(item)
    flagged_pairs = [tuple(sorted((d["a"]["article"], d["b"]["article"]))) for d in flagged]
    right = [
        d for d in flagged
        if (story_of[d["a"]["article"]], frozenset((digits(d["a"]["text"]), digits(d["b"]["text"])))) in figures
    ]  # fmt: skip
    dis_precision = len(right) / len(flagged) if flagged else 1.0
    dis_recall = len(labelled & set(flagged_pairs)) / len(labelled) if labelled else 1.0
    false_not = sorted({p for p in flagged_pairs if p in not_pairs})
    result = {
        "half": data.get("half"),
        "threshold": threshold,
        "articles": len(articles),
        "stories_gold": len(gold),
        "stories_found": len(found_stories),
        "duplicates_merged": round(dup_recall, 3),
        "duplicate_pairs": f"{len(dup_gold & dup_found)}/{len(dup_gold)}",
        "wrong_duplicates": wrong_dups,
        "different_stories_merged": len(merged_wrong),
        "pairwise": {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)},
        "disagreements": {
            "found": len(flagged),
            "precision": round(dis_precision, 3),
            "recall": round(dis_recall, 3),
            "labelled": len(labelled),
            "not_disagreements_reported": false_not,
        },
    }
    if show:
        result["stories"] = found_stories
        result["merged_wrong"] = merged_wrong
        result["missed_pairs"] = sorted(gold_pairs - found_pairs)
        result["flagged"] = [
            (d["a"]["article"], d["a"]["text"], d["b"]["article"], d["b"]["text"], d["about"], d["kind"])
            for d in flagged
        ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("half", choices=["tune", "test"])
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    print(json.dumps(evaluate(load_half(args.half), args.threshold, args.show), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
