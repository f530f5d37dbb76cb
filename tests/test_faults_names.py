"""Faults: names and language codes. Odd file names and ids are shown escaped and shortened alike on every run;
bad language codes are usage errors; an article already in the target language is kept as it is."""

from __future__ import annotations

import json
import os

import pytest

from fault_helpers import ARTICLE, ENGLISH, echo_args, invoke, one_line_error, write_articles
from trpipe.errors import TrpipeError

# ------------------------------------------------------------------------------------------ names


def _odd_names() -> list[str]:
    names = ["new\nline.txt", "tab\there.txt", "back`tick`<img src=x onerror=alert(1)>.txt", "é" * 120 + ".txt"]
    names.append("x" * 251 + ".txt")  # its output name (.md, .json) is one byte too long for the filesystem
    if os.name == "posix":
        names.append(os.fsdecode(b"bad-\xff\xfe-bytes.txt"))  # not valid UTF-8: a surrogate-escaped name
    return names


def test_odd_names_are_escaped_in_messages_and_long_ones_shortened(echo_registry, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in _odd_names():
        (folder / name).write_text(ARTICLE.format(n=5, year=2021), encoding="utf-8")
    (folder / "bad\nbinary.txt").write_bytes(b"\x00\x01" * 50)
    outs = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        result = invoke(*echo_args(), folder, "-o", out, "--format", "json", registry=echo_registry)
        assert result.exit_code == 1, result.output
        assert "bad\\nbinary.txt: looks like a binary file" in result.output
        for line in result.output.splitlines():
            assert line.startswith("trpipe:"), result.output
        names = sorted(os.fsencode(p.name) for p in out.iterdir())
        assert len(names) == len(_odd_names()) and all(len(n) <= 255 for n in names)
        outs.append(names)
    assert outs[0] == outs[1]  # shortened names are stable between runs
    for out in ("out.jsonl", "out.parquet"):  # one stream holds the names too
        if out.endswith(".parquet"):
            pytest.importorskip("pyarrow")
        result = invoke(*echo_args(), folder, "-o", tmp_path / out, registry=echo_registry)
        assert result.exit_code == 1 and "internal error" not in result.output, result.output


# -------------------------------------------------------------------------------- same language, codes


def test_an_article_already_in_the_target_language_is_kept(echo_registry, tmp_path):
    article = tmp_path / "a.en.txt"
    article.write_text(ENGLISH.format(n=10, year=2024) * 3, encoding="utf-8")
    out = tmp_path / "a.json"
    args = ["translate", "--to", "en", "--backend", "test-echo", "--no-summary", "--no-cache"]
    result = invoke(*args, article, "-o", out, registry=echo_registry)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["source"]["lang"] == "en"
    for seg in doc["segments"]:
        assert seg["translation"] == seg["text"]


def test_a_folder_mixing_languages_translates_each_into_the_target(echo_registry, tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 2, repeat=3)
    (folder / "b.en.txt").write_text(ENGLISH.format(n=1, year=2) * 3, encoding="utf-8")
    args = ["translate", "--to", "en", "--backend", "test-echo", "--no-summary", "--no-cache", "--format", "json"]
    result = invoke(*args, folder, "-o", tmp_path / "out", registry=echo_registry)
    assert result.exit_code == 0, result.output
    english = json.loads((tmp_path / "out" / "b.en.json").read_text(encoding="utf-8"))
    assert all(seg["translation"] == seg["text"] for seg in english["segments"])
    french = json.loads((tmp_path / "out" / "a00.fr.json").read_text(encoding="utf-8"))
    assert all(seg["translation"].startswith("⟨") for seg in french["segments"])


@pytest.mark.parametrize("code", ["éé", "中文", "en-", "12", "x" * 300, "und", "e n"])
def test_bad_language_codes_are_usage_errors(echo_registry, tmp_path, code):
    (article,) = write_articles(tmp_path, 1)
    for option in ("--to", "--from"):
        args = ["translate", article, "--backend", "test-echo", "--no-cache", "--to", "en", option, code]
        result = invoke(*args, registry=echo_registry)
        assert result.exit_code == 2, result.output
        assert "not a language code" in one_line_error(result.output)


@pytest.mark.parametrize(
    ("code", "normal"),
    [("pt-BR", "pt"), ("EN-gb", "en"), ("fra", "fr"), ("zh_Hans", "zh"), ("zh_Hant", "zh-Hant"), ("zh-TW", "zh-Hant")],
)
def test_bcp47_tags_are_mapped(code, normal):
    from trpipe.settings import Settings

    assert Settings(targets=(code,), source_lang=code).targets == (normal,)
    assert Settings(targets=(code,), source_lang=code).source_lang == normal


def test_a_region_tag_reaches_the_pair(echo_registry, tmp_path):
    (article,) = write_articles(tmp_path, 1)
    result = invoke(*echo_args(), article, "--to", "en-GB", "--from", "fr-CA", registry=echo_registry)
    assert result.exit_code == 0, result.output


def test_user_errors_are_never_internal_errors(echo_registry, tmp_path):
    """A few more mistakes a user makes: each one line, exit 2, never exit 70."""
    (article,) = write_articles(tmp_path, 1)
    for args in (
        [article, "--model", "/no/such/folder"],
        [article, "--model", "not a valid id!"],
        [article, "--summary-model", "éé/x", "--summary"],
        [tmp_path / "missing.txt"],
        [tmp_path],
        [tmp_path / ("n" * 300 + ".txt")],
        [article, "--model", "/" + "m" * 300],
        [article, "--models", tmp_path / ("r" * 300 + ".yaml")],
        [article, "-o", tmp_path / ("o" * 300) / "a.md"],
    ):
        result = invoke(*echo_args(), *args, registry=echo_registry)
        assert result.exit_code == 2, (args, result.output)
        one_line_error(result.output)


def test_trpipe_errors_carry_their_exit_codes():
    assert all(cls.exit_code != 70 for cls in TrpipeError.__subclasses__() if cls.__name__ != "ArticleError")
