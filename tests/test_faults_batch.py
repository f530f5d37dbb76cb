"""Faults, part 5: one article that breaks something fails alone (named, exit 1 at the end), in every output
mode; what concerns every article (a usage or model error) stops the run with one line."""

from __future__ import annotations

import json

import pytest

from fault_helpers import ARTICLE, POISON, echo_args, invoke, one_line_error, write_articles


@pytest.fixture
def poisoned(tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 5)
    (folder / "a02.fr.txt").write_text(f"Le conseil a voté. Le texte {POISON} casse le modèle.\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("fmt", ["json", "jsonl", "md"])
def test_an_article_that_breaks_the_backend_fails_alone(echo_registry, tmp_path, poisoned, fmt):
    out = tmp_path / ("out.jsonl" if fmt == "jsonl" else "out")
    result = invoke(*echo_args("poison-echo"), poisoned, "-o", out, "--format", fmt, registry=echo_registry)
    assert result.exit_code == 1, result.output
    assert f"error: {poisoned / 'a02.fr.txt'}: internal error: RuntimeError: the backend broke" in result.output
    assert "4 articles ok, 1 failed" in result.output
    if fmt == "jsonl":
        docs = [json.loads(line)["doc"] for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(set(docs)) == 4 and not any("a02" in d for d in docs)
    else:
        assert sorted(p.stem for p in out.iterdir()) == ["a00.fr", "a01.fr", "a03.fr", "a04.fr"]


def test_the_rerun_retries_only_the_failed_article(echo_registry, tmp_path, poisoned):
    out = tmp_path / "out"
    invoke(*echo_args("poison-echo"), poisoned, "-o", out, registry=echo_registry)
    (poisoned / "a02.fr.txt").write_text(ARTICLE.format(n=2, year=2002), encoding="utf-8")
    again = invoke(*echo_args("poison-echo"), poisoned, "-o", out, registry=echo_registry)
    assert again.exit_code == 0, again.output
    assert "1 article ok, 0 failed, 4 skipped" in again.output


def test_one_article_that_breaks_the_backend_is_the_runs_error(echo_registry, tmp_path):
    article = tmp_path / "a.fr.txt"
    article.write_text(f"Le texte {POISON}.\n", encoding="utf-8")
    result = invoke(*echo_args("poison-echo"), article, registry=echo_registry)
    assert result.exit_code == 70  # a bug in a backend is still a bug, reported in one line
    assert len([line for line in result.output.splitlines() if "internal error" in line]) == 1


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--encoding", "nope"], "--encoding nope"),
        (["--model", "./missing"], "--model ./missing: no such model folder"),
    ],
)
def test_a_usage_error_met_on_the_first_article_stops_the_run(echo_registry, tmp_path, option, message):
    folder = tmp_path / "in"
    write_articles(folder, 3)
    result = invoke(*echo_args(), folder, "-o", tmp_path / "out", *option, registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert message in one_line_error(result.output)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
