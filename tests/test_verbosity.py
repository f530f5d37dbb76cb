"""-v and -vv tell what a run did, each line with its numbers; the closing line's counts are true.

-v: models loaded (backend, device, load time), the route of each pair, each stage with its time and counts,
inputs skipped. -vv: also each batch, what the translation memory answered, each article's timing.
Runs on the tiny models (a real load, real batches, a real summary) in this process.
"""

from __future__ import annotations

import re

import pytest

from fault_helpers import invoke

ARTICLES = {
    "a.fr.txt": "Le conseil régional a voté le budget mardi. Les travaux commenceront en 2027 à Strasbourg.\n",
    "b.fr.txt": "La mairie de Brumath a reçu 800 000 euros. Le maire a remercié la région.\n",
}
NEW = "La préfecture a publié un rapport jeudi. Il compte quarante pages.\n"
NUMBER = r"\d+\.\d\d"
BACKEND = "(ctranslate2|transformers)"

INFO = {  # every kind of -v line, with its numbers
    "model loaded": rf"trpipe: info: loaded the translation model \S+ \({BACKEND}, cpu\) in {NUMBER} s",
    "summariser loaded": rf"trpipe: info: loaded the summary model \S+ \({BACKEND}, cpu\) in {NUMBER} s",
    "route": r"trpipe: info: route fr→en: \S+$",
    "segmented": rf"trpipe: info: segmented 2 articles: (\d+) segments, (\d+) sentences in {NUMBER} s",
    "translated": rf"trpipe: info: translated (\d+) sentences fr→en in {NUMBER} s: (\d+) from the translation "
    r"memory, (\d+) by the model in \d+ batch(es)?$",
    "checked": rf"trpipe: info: checked \d+ segments in {NUMBER} s: \d+ flags?$",
    "summarised": rf"trpipe: info: summarised 2 articles in {NUMBER} s: \d+ chunks?, \d+ summary sentences? in en",
    "summaries back": rf"trpipe: info: translated \d+ summary sentences? en→fr in {NUMBER} s",
}
DEBUG = {
    "batch": rf"trpipe: debug: batch \d+ of \d+ fr→en: \d+ sentences, \d+ tokens with padding, back after {NUMBER} s",
    "memory": r"trpipe: debug: translation memory fr→en: (\d+) of (\d+) sentences found",
    "article": rf"trpipe: debug: article \S+a\.fr\.txt: \d+ segments?, \d+ sentences?, \d+ flags?; done {NUMBER} s "
    r"after its group of 3 articles started",
}
SKIPPED = r"trpipe: info: skipped \S+a\.fr\.txt: its output in \S+a\.fr\.md is current \(--force redoes it\)"


def lines(output: str, pattern: str) -> list[re.Match]:
    return [m for m in (re.search(pattern, line) for line in output.splitlines()) if m]


def closing(output: str) -> str:
    (line,) = [line for line in output.splitlines() if re.match(r"trpipe: \d+ articles? ok", line)]
    return line


@pytest.fixture
def folder(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, text in ARTICLES.items():
        (inputs / name).write_text(text, encoding="utf-8")
    return inputs


def test_every_kind_of_line_appears_with_its_numbers(tiny_registry, folder, tmp_path):
    base = ["translate", folder, "--from", "fr", "--to", "en", "-o", tmp_path / "out", "--device", "cpu",
            "--cache-dir", tmp_path / "cache", "--summary-sentences", "1"]  # fmt: skip
    plain = invoke(*base, "--no-cache", "--force", registry=tiny_registry)
    assert plain.exit_code == 0, plain.output
    assert "trpipe: info:" not in plain.output and "trpipe: debug:" not in plain.output

    first = invoke(*base, "-v", "--force", registry=tiny_registry)
    assert first.exit_code == 0, first.output
    for kind, pattern in INFO.items():
        assert lines(first.output, pattern), f"no -v line for {kind}:\n{first.output}"
    assert "trpipe: debug:" not in first.output
    (segmented,) = lines(first.output, INFO["segmented"])
    (translated,) = lines(first.output, INFO["translated"])
    sentences, recalled, by_model = int(translated[1]), int(translated[2]), int(translated[3])
    assert sentences == int(segmented[2]) and recalled == 0 and by_model == sentences
    assert re.search(rf"{sentences} sentences, 0 cache hits, \d+\.\d sentences/s", closing(first.output))

    (folder / "c.fr.txt").write_text(NEW, encoding="utf-8")  # one article new, two redone from the memory
    second = invoke(*base, "-vv", "--force", registry=tiny_registry)
    assert second.exit_code == 0, second.output
    for kind, pattern in {**INFO, **DEBUG}.items():
        if kind not in ("segmented", "summarised"):  # three articles in this run
            assert lines(second.output, pattern), f"no -vv line for {kind}:\n{second.output}"
    (memory,) = lines(second.output, DEBUG["memory"])
    (translated,) = lines(second.output, INFO["translated"])
    assert int(memory[1]) == sentences == int(translated[2]) and int(memory[2]) == int(translated[1])
    hits = int(re.search(r"(\d+) cache hits", closing(second.output))[1])
    assert hits == sentences <= int(re.search(r"(\d+) sentences", closing(second.output))[1])

    third = invoke(*base, "-v", registry=tiny_registry)
    assert third.exit_code == 0, third.output
    assert len(lines(third.output, SKIPPED)) == 1
    assert "3 skipped (current)" in closing(third.output) and "sentences/s" not in closing(third.output)


def test_a_fully_cached_run_counts_true(tiny_registry, folder, tmp_path):
    """The issue's case: the summaries' back-translations came from the memory too, and were counted as hits
    of the article's sentences (40 hits for 39 sentences), with a rate for a run that translated nothing."""
    base = ["translate", folder, "--from", "fr", "--to", "en", "-o", tmp_path / "out", "--device", "cpu",
            "--cache-dir", tmp_path / "cache", "--force"]  # fmt: skip
    assert invoke(*base, registry=tiny_registry).exit_code == 0
    again = invoke(*base, registry=tiny_registry)
    assert again.exit_code == 0, again.output
    line = closing(again.output)
    sentences = int(re.search(r"(\d+) sentences", line)[1])
    assert f"{sentences} cache hits" in line and "sentences/s" not in line, line


def test_nothing_to_translate_has_no_rate_and_says_so(echo_registry, folder):
    result = invoke("translate", folder / "a.fr.txt", "--from", "fr", "--to", "fr", "--backend", "test-echo",
                    "--no-summary", "--no-cache", registry=echo_registry)  # fmt: skip
    assert result.exit_code == 0, result.output
    line = closing(result.output)
    assert "(0 translations needed), 0 cache hits" in line and "sentences/s" not in line, line
