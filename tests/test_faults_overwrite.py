"""Faults, part 1: trpipe never writes over what the user gave, with either engine and any output kind.

Refused before anything runs (exit 2, one line naming the output and what it would replace): an output that
is an input file (also through a link), a JSONL feed given as its own output, an input folder's own files,
the model registry or the glossary, and any output path that exists and is not a regular file.
"""

from __future__ import annotations

import os
import socket
import stat

import pytest

from fault_helpers import ARTICLE, echo_args, invoke, one_line_error, temporaries, write_articles

ENGINES = ["local", pytest.param("ray", marks=pytest.mark.filterwarnings("ignore"))]


@pytest.fixture(params=ENGINES)
def engine(request) -> list[str]:
    if request.param == "ray":
        pytest.importorskip("ray")
    return ["--engine", request.param]


def _snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_output_that_is_the_input_file_is_refused(echo_registry, tmp_path, engine):
    (article,) = write_articles(tmp_path, 1)
    before = article.read_bytes()
    for target in (article, tmp_path / "." / article.name):
        result = invoke(*echo_args(), article, "-o", target, *engine, registry=echo_registry)
        assert result.exit_code == 2, result.output
        line = one_line_error(result.output)
        assert str(target) in line and f"is the input {article}" in line
    assert article.read_bytes() == before


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_output_that_is_a_link_to_the_input_is_refused(echo_registry, tmp_path, link):
    (article,) = write_articles(tmp_path / "in", 1)
    alias = tmp_path / "alias.md"
    (os.symlink if link == "symlink" else os.link)(article, alias)
    before = article.read_bytes()
    result = invoke(*echo_args(), article, "-o", alias, registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert "never writes over its inputs" in one_line_error(result.output)
    assert article.read_bytes() == before


def test_jsonl_feed_given_as_its_own_output_is_refused(echo_registry, tmp_path, engine):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "Le conseil a voté le budget."}\n', encoding="utf-8")
    before = feed.read_bytes()
    result = invoke(*echo_args(), feed, "-o", feed, *engine, registry=echo_registry)
    assert result.exit_code == 2, result.output
    line = one_line_error(result.output)
    assert str(feed) in line and "is the input" in line
    assert feed.read_bytes() == before and not temporaries(tmp_path)


def test_markdown_inputs_are_not_replaced_by_their_translation(echo_registry, tmp_path, engine):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.fr.md").write_text(f"# Titre {i}\n\n" + ARTICLE.format(n=i, year=2000), encoding="utf-8")
    before = _snapshot(folder)
    for out in (folder, tmp_path / "in" / "." / ""):
        result = invoke(*echo_args(), folder, "-o", out, *engine, registry=echo_registry)
        assert result.exit_code == 2, result.output
        line = one_line_error(result.output)
        assert "would overwrite an input" in line and "a0.fr.md" in line
    assert _snapshot(folder) == before


def test_article_outputs_inside_the_input_folder_are_refused(echo_registry, tmp_path, engine):
    """Markdown outputs beside .txt inputs would be read as inputs by the next run: refused, nothing written."""
    folder = tmp_path / "in"
    write_articles(folder, 2)
    before = _snapshot(folder)
    result = invoke(*echo_args(), folder, "-o", folder, *engine, registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert "the next run would read it as an input" in one_line_error(result.output)
    assert _snapshot(folder) == before


def test_json_outputs_into_the_input_folder_are_fine_and_resume(echo_registry, tmp_path):
    folder = tmp_path / "in"
    inputs = write_articles(folder, 2)
    before = {p: p.read_bytes() for p in inputs}
    first = invoke(*echo_args(), folder, "-o", folder, "--format", "json", registry=echo_registry)
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in folder.glob("*.json")) == ["a00.fr.json", "a01.fr.json"]
    again = invoke(*echo_args(), folder, "-o", folder, "--format", "json", registry=echo_registry)
    assert again.exit_code == 0 and "2 skipped" in again.output, again.output
    assert {p: p.read_bytes() for p in inputs} == before


def test_an_output_folder_inside_the_input_folder_is_not_read_as_input(echo_registry, tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 2)
    out = folder / "translated"
    for _ in range(2):  # the second run finds its own .md outputs inside the input folder: skipped, not inputs
        result = invoke(*echo_args(), folder, "-o", out, registry=echo_registry)
        assert result.exit_code == 0, result.output
    assert "2 skipped" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["a00.fr.md", "a01.fr.md"]


def test_one_input_written_into_a_folder_beside_itself_is_refused(echo_registry, tmp_path):
    article = tmp_path / "a.fr.md"
    article.write_text("# Titre\n\n" + ARTICLE.format(n=1, year=2000), encoding="utf-8")
    before = article.read_bytes()
    result = invoke(*echo_args(), article, "-o", tmp_path, registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert "would overwrite an input" in one_line_error(result.output)
    assert article.read_bytes() == before


def _special_files(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock.md"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    return {"/dev/null": "/dev/null", "fifo": str(fifo), "socket": str(sock_path)}, sock


@pytest.mark.parametrize("kind", ["/dev/null", "fifo", "socket"])
@pytest.mark.parametrize("many", [False, True], ids=["single", "stream"])
def test_output_that_is_not_a_regular_file_is_refused(echo_registry, tmp_path, kind, many, engine):
    specials, sock = _special_files(tmp_path)
    target = specials[kind]
    mode = os.stat(target).st_mode
    inputs = write_articles(tmp_path / "in", 2 if many else 1)
    extra = ["--format", "jsonl"] if many else []
    try:
        result = invoke(*echo_args(), *inputs, "-o", target, *extra, *engine, registry=echo_registry)
    finally:
        sock.close()
    assert result.exit_code == 2, result.output
    line = one_line_error(result.output)
    assert target in line and "not a regular file" in line
    assert os.stat(target).st_mode == mode and not stat.S_ISREG(mode)


def test_parquet_output_that_is_not_a_regular_file_is_refused(echo_registry, tmp_path):
    pytest.importorskip("pyarrow")
    fifo = tmp_path / "out.parquet"
    os.mkfifo(fifo)
    inputs = write_articles(tmp_path / "in", 2)
    result = invoke(*echo_args(), *inputs, "-o", fifo, registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert "not a regular file" in one_line_error(result.output)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_registry_and_glossary_are_never_outputs(echo_registry, tmp_path):
    (article,) = write_articles(tmp_path, 1)
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("conseil\tcouncil\n", encoding="utf-8")
    for target, extra in ((echo_registry, []), (glossary, ["--glossary", glossary])):
        before = target.read_bytes()
        result = invoke(*echo_args(), article, "-o", target, *extra, registry=echo_registry)
        assert result.exit_code == 2, result.output
        assert "never writes over its inputs" in one_line_error(result.output)
        assert target.read_bytes() == before


def test_output_folder_given_with_a_slash_for_one_input(echo_registry, tmp_path):
    (article,) = write_articles(tmp_path / "in", 1)
    out = tmp_path / "newdir"
    result = invoke(*echo_args(), article, "-o", f"{out}{os.sep}", registry=echo_registry)
    assert result.exit_code == 0, result.output
    assert out.is_dir() and [p.name for p in out.iterdir()] == ["a00.fr.md"]


def test_an_output_inside_a_file_is_refused_before_any_work(echo_registry, tmp_path):
    (article,) = write_articles(tmp_path / "in", 1)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke(*echo_args(), article, "-o", blocker / "out.md", registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert str(blocker / "out.md") in one_line_error(result.output)


def test_an_output_name_too_long_for_any_filesystem_is_refused_before_any_work(echo_registry, tmp_path):
    (article,) = write_articles(tmp_path / "in", 1)
    result = invoke(*echo_args(), article, "-o", tmp_path / ("x" * 300 + ".md"), registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert "a name longer than 255 bytes" in one_line_error(result.output)
