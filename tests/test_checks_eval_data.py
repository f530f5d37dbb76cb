"""The labelled evaluation of the checks (benchmarks/checks_eval): the tuning half is well-formed, and the blind
halves (test, holdout, blind3, blind4, blind5) are exactly the committed ones (their SHA256SUMS)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

EVAL = Path(__file__).resolve().parents[1] / "benchmarks" / "checks_eval"


@pytest.mark.parametrize("name", ["test", "holdout", "blind3", "blind4", "blind5"])
def test_the_blind_halves_match_their_committed_sha256sums(name):
    half = EVAL / name
    if not half.is_dir():
        pytest.skip(f"the {name} half is not in this checkout")
    sums = half / "SHA256SUMS"
    assert sums.is_file(), "the test half has no SHA256SUMS"
    listed = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            listed[name.lstrip("*").strip()] = digest.lower()
    assert listed, "SHA256SUMS lists no file"
    for name, digest in listed.items():
        path = half / name
        assert path.is_file(), f"{name} is listed in SHA256SUMS but missing"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{name} differs from its committed sha256"
    unlisted = {p.name for p in half.glob("*.yaml")} - set(listed)
    assert not unlisted, f"files of the {name} half not in SHA256SUMS: {sorted(unlisted)}"


def test_the_tuning_half_is_well_formed_and_large_enough():
    clean = paraphrases = 0
    for path in sorted((EVAL / "tune").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == "summary.yaml":
            assert data["items"] and all(item["supported"] and item["unsupported"] for item in data["items"])
            continue
        assert len(data["pair"].split("-")) == 2
        for article in data["articles"]:
            for sentence in article["sentences"]:
                clean += 1
                paraphrases += len(sentence.get("paraphrases") or [])
                for error in sentence.get("errors") or []:
                    old, _ = error["edit"]
                    assert sentence["reference"].count(old) == 1, (path.name, error)
    assert clean > 100 and paraphrases > 100
