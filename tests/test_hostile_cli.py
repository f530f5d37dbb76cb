"""Hostile input through the real command line: every user error is ONE line ``trpipe: error: ...`` naming the
file or option and the reason, with the README's exit code (2 bad input or usage, 4 a model missing), no
traceback, no Python wording (a repr, an exception name), no library's text, and nothing written over an input.

One test per class of error: a language code no registry knows, an empty option, a malformed model name,
Click's own usage errors, ``--load`` and the listening address of ``serve`` checked before it says it serves,
JSON files that are binary, endless, not UTF-8 or nested too deeply, a registry that is not YAML or is an
alias bomb, ``read -o`` over its input, the report's direction of an unknown language, and the licence note
of a ``--engine ray`` run printed once by the driver.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml

from fault_helpers import invoke, one_line_error
from trpipe.models.licences import notice

ARTICLE = "Le conseil régional a voté un budget de deux millions d'euros. Les travaux commenceront en 2027.\n"
PYTHON_WORDING = ("Traceback", "Error:", "'", "repr", "NoneType", "<", "HFValidation", "Repo id", "to=")


def _plain(line: str) -> str:
    """``line`` checked to hold no Python or library wording; returned for more checks."""
    for word in PYTHON_WORDING:
        assert word not in line.removeprefix("trpipe: error: "), line
    return line


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "a.fr.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ languages


@pytest.mark.parametrize("code", ["xx", "zz", "qz", "xx-YY", "fr-Xxxx", "123", "en-", "中文"])
@pytest.mark.parametrize(
    "command",
    [
        ["read", "{article}", "--from"],
        ["translate", "{article}", "--to", "en", "--no-summary", "--from"],
        ["translate", "{article}", "--from", "fr", "--no-summary", "--to"],
        ["digest", "{article}", "--to", "en", "--no-summary", "-o", "{tmp}/d.json", "--from"],
        ["digest", "{article}", "--to", "en", "--no-summary", "-o", "{tmp}/d.json", "--also"],
        ["models", "pull", "--dry-run", "--from"],
    ],
    ids=["read", "translate-from", "translate-to", "digest-from", "digest-also", "models-pull"],
)
def test_a_language_code_no_registry_knows_is_refused_by_option(echo_registry, article, tmp_path, command, code):
    args = [part.format(article=article, tmp=tmp_path) for part in command]
    result = invoke(*args, code, registry=echo_registry)
    assert result.exit_code == 2, result.output
    option = args[-1]
    line = one_line_error(result.output)
    assert f"{option} " in line and "not a language code" in line, line
    assert not (tmp_path / "d.json").exists()


def test_read_refuses_an_unknown_language_instead_of_tagging_the_text_with_it(article):
    result = invoke("read", article, "--from", "xx")
    assert result.exit_code == 2 and '"lang": "xx"' not in result.output
    given = invoke("read", article, "--from", "fr-CA")  # a registered tag with a region: the language kept
    assert given.exit_code == 0 and json.loads(given.stdout)["source"]["lang"] == "fr"


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_empty_language_option_is_a_plain_message(echo_registry, article, blank):
    for option in ("--to", "--from"):
        args = ["translate", article, "--no-summary", option, blank]
        args += ["--from", "fr"] if option == "--to" else ["--to", "en"]
        result = invoke(*args, registry=echo_registry)
        assert result.exit_code == 2, result.output
        line = _plain(one_line_error(result.output))
        assert f"{option} is empty" in line and "language code" in line, line


def test_python_callers_get_the_same_message_for_an_empty_target(echo_registry):
    from trpipe.errors import UsageError
    from trpipe.session import Session

    with Session(echo_registry) as session, pytest.raises(UsageError, match="--to LANG"):
        session.settings_for()


# ------------------------------------------------------------------------------------------- models


@pytest.mark.parametrize("name", ["fr-", "fr--en", "a..b", "org//x", "-", "éé/modèle", "summary:", "summary:xx"])
def test_a_malformed_model_name_is_one_plain_line(echo_registry, name):
    result = invoke("models", "info", "--", name, registry=echo_registry)
    assert result.exit_code == 2, result.output
    line = _plain(one_line_error(result.output))
    assert "HFValidationError" not in line and "alphanumeric" not in line
    assert name.removeprefix("summary:") in line or "summary:LANG" in line, line


def test_a_bad_model_id_in_the_registry_or_option_has_trpipes_words_not_the_hub_librarys(echo_registry, article):
    args = ["translate", article, "--from", "fr", "--to", "en", "--model", "org/--bad--"]
    result = invoke(*args, registry=echo_registry)
    line = one_line_error(result.output)
    assert result.exit_code == 2 and "--model org/--bad--" in line and "a hub id is org/name" in line, line
    assert "Repo id" not in line and "HFValidationError" not in line


def test_models_info_on_a_folder_without_a_model_says_so(echo_registry, tmp_path):
    result = invoke("models", "info", tmp_path, registry=echo_registry)
    assert result.exit_code == 4 and "holds no model (no config.json)" in one_line_error(result.output)
    assert "models pull" not in result.output


# --------------------------------------------------------------------------------- Click's own errors


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["nosuch"],
        ["models", "nosuch"],
        ["translate"],
        ["translate", "x.txt", "--to", "en", "--backend", "nope"],
        ["translate", "x.txt", "--to", "en", "--summary-sentences", "0"],
        ["translate", "x.txt", "--to", "en", "--max-bytes", "-5"],
        ["translate", "x.txt", "--to", "en", "--actors", "0"],
        ["read", "x.txt", "--max-bytes", "0"],
        ["validate"],
        ["serve", "--port", "70000"],
        ["digest", "x", "--to", "en", "--threshold", "-1"],
    ],
    ids=lambda a: " ".join(a),
)
def test_usage_errors_are_one_line_with_exit_2(args, tmp_path):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    line = one_line_error(result.output)
    assert "Usage:" not in result.output and "Try '" not in result.output
    assert line.endswith("--help)"), line


def test_a_folder_where_a_file_is_expected_is_one_line(tmp_path):
    result = invoke("validate", tmp_path)
    assert result.exit_code == 2 and "is a directory" in one_line_error(result.output)


# ---------------------------------------------------------------------------------------------- serve


def test_serve_refuses_a_load_of_an_unknown_language_before_it_says_it_serves(echo_registry, tmp_path):
    for load, expected in (("fr-xx", "--load fr-xx: xx: not a language code"), ("xx", "--load xx: not")):
        result = invoke("serve", "--port", "0", "--state-dir", tmp_path / "state", "--load", load,
                        registry=echo_registry)  # fmt: skip
        assert result.exit_code == 2, result.output
        assert expected in one_line_error(result.output) and "serving on" not in result.output


def test_serve_refuses_a_load_no_model_serves_before_it_says_it_serves(echo_registry, tmp_path):
    result = invoke("serve", "--port", "0", "--state-dir", tmp_path / "state", "--load", "sw-fi",
                    registry=echo_registry)  # fmt: skip
    assert result.exit_code == 2, result.output
    line = one_line_error(result.output)
    assert line.startswith("trpipe: error: --load sw-fi: no translation model for sw-fi") and "fr-en" in line
    assert "serving on" not in result.output
    languages = invoke("serve", "--port", "0", "--state-dir", tmp_path / "state", "--load", "sw,fi",
                       registry=echo_registry)  # fmt: skip
    assert languages.exit_code == 2 and "no pair between these languages" in one_line_error(languages.output)


def test_serve_refuses_an_address_it_cannot_listen_on_before_loading_anything(echo_registry, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("serve", "--port", port, "--state-dir", tmp_path / "state", registry=echo_registry)
    assert result.exit_code == 2, result.output
    assert f"--port {port}: already in use" in one_line_error(result.output) and "trpipe: ready" not in result.output
    foreign = invoke(
        "serve", "--host", "192.0.2.1", "--port", "0", "--state-dir", tmp_path / "state", registry=echo_registry
    )  # fmt: skip  (TEST-NET-1: never an address of this machine)
    assert foreign.exit_code == 2 and "--host 192.0.2.1" in one_line_error(foreign.output)


@pytest.mark.parametrize("option", ["--char-limit", "--batch-limit", "--body-limit", "--req-limit"])
def test_serve_refuses_a_negative_limit_other_than_minus_one(echo_registry, tmp_path, option):
    result = invoke("serve", "--port", "0", "--state-dir", tmp_path / "state", option, "-7", registry=echo_registry)
    assert result.exit_code == 2 and f"{option} -7: expected" in one_line_error(result.output)


# ---------------------------------------------------------------------------------------- JSON files


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x00\x01binary\xff", "looks like a binary file"),
        (b'{"source": "caf\xe9"}', "not UTF-8 text (byte 0xe9 on line 1)"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b'{"a": 1}\n' + b"[" * 200_000 + b"]" * 200_000 + b"\n", "line 2: nested too deeply"),
        (b"", "not JSON"),
    ],
    ids=["binary", "latin-1", "deep", "deep-line", "empty"],
)
def test_validate_names_the_file_and_the_reason(tmp_path, content, reason):
    path = tmp_path / "doc.json"
    path.write_bytes(content)
    result = invoke("validate", path)
    assert result.exit_code == 2, result.output
    line = _plain(one_line_error(result.output))
    assert f"{path}: {reason}" in line, line


def test_validate_stops_at_once_on_an_endless_device():
    result = invoke("validate", "/dev/zero")
    assert result.exit_code == 2 and "binary" in one_line_error(result.output)


@pytest.mark.parametrize(
    ("value", "kind"), [("[]", "an array"), ("null", "null"), ('"s"', "a string"), ("4", "a number")]
)
def test_validate_names_json_kinds_in_jsons_words(tmp_path, value, kind):
    path = tmp_path / "doc.json"
    path.write_text(value, encoding="utf-8")
    result = invoke("validate", path)
    assert result.exit_code == 1 and f"a document is a JSON object, not {kind}" in result.output, result.output


# ------------------------------------------------------------------------------------------- registry


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("translation: [\n", "not valid YAML (line 2, column 1: expected the node content"),
        ("a: b: c\n", "not valid YAML (line 1, column 5: mapping values are not allowed here)"),
        ("\t- a\n", "not valid YAML (line 1, column 1: found character"),
    ],
)
def test_a_registry_that_is_not_yaml_says_where(tmp_path, text, reason):
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("models", "list", "--models", path)
    assert result.exit_code == 2, result.output
    line = one_line_error(result.output)
    assert reason in line and "<unicode string>" not in line, line


def test_an_alias_bomb_in_the_registry_is_a_short_line(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    path = tmp_path / "models.yaml"
    path.write_text("\n".join([*lines, "translation:", "  fr-en: {model: *a11}"]) + "\n", encoding="utf-8")
    result = invoke("models", "list", "--models", path)
    assert result.exit_code == 2
    line = one_line_error(result.output)
    assert "translation.fr-en.model: expected a string" in line and len(line) < 400, len(line)


def test_a_url_list_that_is_not_utf8_and_a_feed_that_is_not_xml_say_why_in_plain_words(echo_registry, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_bytes(b"https://example.org/\xff\n")
    result = invoke("translate", "--urls", urls, "--to", "en", "-o", tmp_path / "out", registry=echo_registry)
    assert result.exit_code == 2
    assert "not UTF-8 text (byte 20)" in _plain(one_line_error(result.output))
    feed = tmp_path / "feed.xml"
    feed.write_text(ARTICLE, encoding="utf-8")  # text, not XML
    result = invoke("translate", "--feed", feed, "--to", "en", "-o", tmp_path / "out", registry=echo_registry)
    line = next(x for x in result.output.splitlines() if x.startswith("trpipe: error:"))
    assert "not a readable RSS or Atom feed (line " in line and "<unknown>" not in line, line


@pytest.mark.parametrize("url", ["not a url", "example.org/news", "ftp://example.org/", "/news/"])
def test_digest_refuses_a_base_url_that_is_not_an_absolute_web_address(echo_registry, article, tmp_path, url):
    result = invoke("digest", article, "--to", "en", "--from", "fr", "--no-summary", "--format", "atom",
                    "--base-url", url, "-o", tmp_path / "d.json", registry=echo_registry)  # fmt: skip
    assert result.exit_code == 2 and f"--base-url {url}: expected an absolute" in one_line_error(result.output)
    assert not (tmp_path / "d.atom").exists()


# ------------------------------------------------------------------------------------------- outputs


def test_read_never_writes_over_its_input(article, tmp_path):
    before = article.read_bytes()
    for output in (article, tmp_path / "link.txt"):
        if output != article:
            output.symlink_to(article)
        result = invoke("read", article, "--from", "fr", "-o", output)
        assert result.exit_code == 2, result.output
        assert "never writes over its inputs" in one_line_error(result.output)
        assert article.read_bytes() == before
    device = invoke("read", article, "--from", "fr", "-o", "/dev/null")
    assert device.exit_code == 2 and "not a regular file" in one_line_error(device.output)


def test_read_checks_its_output_before_reading(tmp_path, article):
    (tmp_path / "folder").mkdir()
    result = invoke("read", tmp_path / "nope.txt", "-o", tmp_path / "folder")
    assert result.exit_code == 2 and "is a directory" in one_line_error(result.output)
    written = invoke("read", article, "--from", "fr", "-o", tmp_path / "new" / "doc.json")
    assert written.exit_code == 0 and json.loads((tmp_path / "new" / "doc.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------- report


@pytest.mark.parametrize("lang", ["und", "xx", "mul", "zxx", "qaa", ""])
def test_the_report_does_not_guess_left_to_right_for_an_unknown_language(lang):
    from trpipe.render.report.direction import direction, lang_dir_attrs

    assert direction(lang) is None
    assert 'dir="auto"' in lang_dir_attrs(lang) and 'dir="ltr"' not in lang_dir_attrs(lang)


def test_the_report_takes_the_direction_from_cldr():
    from trpipe.render.report.direction import direction

    assert [direction(t) for t in ("ar", "dv", "syr", "ckb", "und-Arab", "pa-PK", "fr", "ru", "zh-Hant", "pa")] == [
        *["rtl"] * 6,
        *["ltr"] * 4,
    ]


def test_a_report_of_an_undetermined_language_reads_its_direction_from_the_text(echo_registry, article, tmp_path):
    import hashlib

    from trpipe.records import Document, Source
    from trpipe.render.html import render_html
    from trpipe.segment import segment_text

    text = article.read_text(encoding="utf-8")
    source = Source("a.txt", text, "utf-8", hashlib.sha256(text.encode()).hexdigest(), lang="und")
    segments = segment_text(text, "und")
    for seg in segments:
        seg.translation = seg.translations["en"] = "The council approved the budget."
    html = render_html(Document(source, "en", segments, {"trpipe": "test"}, target_langs=["en"]))
    assert 'class="src" lang="und" dir="auto"' in html and 'class="src" lang="und" dir="ltr"' not in html
    assert 'class="tgt" lang="en" dir="ltr"' in html


# ---------------------------------------------------------------------------------------------- Ray


def _non_commercial(registry: Path, model: str, into: Path) -> Path:
    """A copy of ``registry`` whose licence table says ``model`` forbids commercial use."""
    data = yaml.safe_load(registry.read_text(encoding="utf-8"))
    data["licences"] = {model: "cc-by-nc-4.0"}
    into.write_text(yaml.safe_dump(data), encoding="utf-8")
    return into


def test_ray_actors_leave_the_licence_note_to_the_driver(echo_registry, tmp_path, caplog):
    """Each actor loads the model (in this process here, as Ray would in its workers): none logs the note;
    each returns the licences its documents record, and the driver notes each model once."""
    import logging

    from trpipe._version import __version__
    from trpipe.engines.ray_actor import TranslateBatch
    from trpipe.models.licences import new_notices
    from trpipe.models.registry import load_registry
    from trpipe.settings import Settings

    registry = load_registry(_non_commercial(echo_registry, "echo/fr-en", tmp_path / "nc.yaml"))
    settings = Settings(targets=("en",), source_lang="fr", backend="test-echo", device="cpu", summary=False)
    metas = []
    with caplog.at_level(logging.WARNING):
        for n in range(2):  # two actors
            actor = TranslateBatch(registry, settings, "json", None, False, None, 1, __version__)
            row = {"index": 0, "kind": "record", "name": f"a{n}", "path": "", "doc_id": f"a{n}",
                   "data": ARTICLE.encode("utf-8")}  # fmt: skip
            ((_, text, meta),) = actor.run([row])
            assert meta["ok"] and json.loads(text)["provenance"]["licences"]["echo/fr-en"]["non_commercial"]
            metas.append(meta)
    assert "forbids commercial use" not in caplog.text
    seen: set[str] = set()
    assert [line for meta in metas for line in new_notices(meta["licences"], seen)] == [
        notice("echo/fr-en", "cc-by-nc-4.0")
    ]


@pytest.mark.slow
def test_a_ray_run_notes_a_non_commercial_licence_once(tiny_registry, tmp_path, monkeypatch):
    """``--engine ray`` with two actors (a local Ray the run starts and stops): one note, from the driver."""
    pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    from click.testing import CliRunner

    from trpipe.cli import cli
    from trpipe.models.registry import load_registry

    model = load_registry(tiny_registry).translation("fr", "en").model
    monkeypatch.setenv("TRPIPE_MODELS", str(_non_commercial(tiny_registry, model, tmp_path / "nc.yaml")))
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(17):  # two groups of articles: one for each actor
        (folder / f"a{i:02d}.fr.txt").write_text(ARTICLE.replace("deux", str(i + 2)), encoding="utf-8")
    args = ["translate", folder, "--to", "en", "--from", "fr", "--no-summary", "--device", "cpu", "--format", "json",
            "--engine", "ray", "--actors", "2", "--num-cpus", "0.5", "--no-cache", "-o", tmp_path / "out"]  # fmt: skip
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "note:" in line]
    assert notes == [f"trpipe: note: {notice(model, 'cc-by-nc-4.0')}"], result.stderr
    assert len(list((tmp_path / "out").glob("*.json"))) == 17
