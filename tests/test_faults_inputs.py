"""Faults, part 2: hostile inputs, generated here, never crash trpipe, garble a text silently or stop a batch.

Every input is either translated or refused with one line naming it and the reason (exit 2 alone, exit 1
in a batch, where the other articles are written); nothing gives exit 70.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fault_helpers import ARTICLE, echo_args, invoke, one_line_error, spawn, write_articles
from trpipe.errors import InputError
from trpipe.read import decode_source, decode_text, read_source

FRENCH = (
    "Le député européen a déclaré mardi que la région était très inquiète. "
    "Les élèves de l'école primaire ont reçu des ordinateurs. "
) * 6 + "\n"


# ------------------------------------------------------------------------------ decoding that never garbles


def _damaged_utf8(bad: list[bytes]) -> tuple[bytes, int]:
    """The French text in UTF-8 with ``bad`` byte sequences spliced in after sentences; the first offset."""
    data = FRENCH.encode("utf-8")
    cut = [i + 2 for i in range(len(data)) if data[i : i + 2] == b". "][: len(bad)]
    out, last = b"", 0
    for where, seq in zip(cut, bad):
        out += data[last:where] + seq
        last = where
    out += data[last:]
    return out, cut[0]


@pytest.mark.parametrize(
    "bad",
    [[b"\xff"], [b"\x92", b"\xe9", b"\xc3"], [b"\xc0\xaf", b"\xed\xa0\x80"], [b"\xe2\x82", b"\xf0\x9f\x98"]],
    ids=["one-byte", "latin-bytes", "overlong-and-surrogate", "cut-sequences"],
)
def test_utf8_with_a_few_bad_bytes_stays_utf8(tmp_path, bad):
    data, first = _damaged_utf8(bad)
    path = tmp_path / "a.fr.txt"
    path.write_bytes(data)
    warnings: list[str] = []
    source = read_source(path, warn=warnings.append)
    assert source.encoding == "utf-8"
    assert "député européen" in source.text and "élèves" in source.text and "Ã" not in source.text
    assert source.text.replace("\ufffd", "").count("é") == FRENCH.count("é")
    (warning,) = warnings
    assert str(path) in warning and f"the first at byte {first}" in warning and "\n" not in warning
    with pytest.raises(InputError, match=f"the first at byte {first}") as info:
        read_source(path, strict_encoding=True)
    assert "--strict-encoding" in str(info.value)


def test_utf8_with_bad_bytes_through_the_command_line(echo_registry, tmp_path):
    data, first = _damaged_utf8([b"\xff", b"\xfe"])
    path = tmp_path / "a.fr.txt"
    path.write_bytes(data)
    out = tmp_path / "a.json"
    result = invoke(*echo_args(), path, "-o", out, registry=echo_registry)
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.output.splitlines() if "warning" in line]
    assert "2 invalid utf-8 byte sequences" in warning and f"byte {first}" in warning
    text = json.loads(out.read_text(encoding="utf-8"))["source"]["text"]
    assert "député européen" in text and text.count("\ufffd") == 2
    strict = invoke(*echo_args(), path, "--strict-encoding", registry=echo_registry)
    assert strict.exit_code == 2 and "2 invalid utf-8 byte sequences" in one_line_error(strict.output)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "iso8859-15"])
def test_legacy_code_pages_are_still_recognised(tmp_path, encoding):
    path = tmp_path / "a.txt"
    path.write_bytes(FRENCH.encode(encoding))
    warnings: list[str] = []
    source = read_source(path, warn=warnings.append)
    assert source.text == FRENCH and not warnings


def test_explicit_encoding_with_bad_bytes_is_reported_or_refused(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("Le député a déclaré.\n".encode() + b"\xff\n")
    warnings: list[str] = []
    source = read_source(path, encoding="utf-8", warn=warnings.append)
    assert source.text.startswith("Le député") and len(warnings) == 1
    with pytest.raises(InputError, match="1 invalid utf-8 byte sequence"):
        read_source(path, encoding="utf-8", strict_encoding=True)


def test_unknown_encoding_is_a_usage_error(echo_registry, tmp_path):
    (article,) = write_articles(tmp_path, 1)
    result = invoke(*echo_args(), article, "--encoding", "no-such-codec", registry=echo_registry)
    assert result.exit_code == 2 and "--encoding no-such-codec" in one_line_error(result.output)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes_decode_or_are_refused_cleanly(data):
    try:
        source = decode_source(data, "fuzz.txt")
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.txt: ")
    else:
        assert source.text.strip()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=500))
def test_any_python_string_decodes_or_is_refused_cleanly(text):
    try:
        source = decode_text(text, "<text>")
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert source.text.strip()


# ------------------------------------------------------------------------------------------- size limits


def test_a_file_over_the_size_limit_is_refused(echo_registry, tmp_path):
    (article,) = write_articles(tmp_path, 1, repeat=50)
    result = invoke(*echo_args(), article, "--max-bytes", 1000, registry=echo_registry)
    assert result.exit_code == 2
    line = one_line_error(result.output)
    assert str(article) in line and "larger than the size limit of 1000 bytes" in line and "--max-bytes" in line


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_devices_are_refused_at_the_size_limit(echo_registry, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    result = invoke(*echo_args(), device, "--max-bytes", 200_000, registry=echo_registry)
    assert result.exit_code == 2
    assert f"{device}: is larger than the size limit" in one_line_error(result.output)


def test_endless_device_with_the_default_limit(echo_registry):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    result = invoke(*echo_args(), "/dev/zero", registry=echo_registry)
    assert result.exit_code == 2 and "larger than the size limit of 50 MB" in one_line_error(result.output)


def test_endless_pipe_on_stdin_is_refused(echo_registry, tmp_path):
    writer = subprocess.Popen(["yes", "Le conseil a voté."], stdout=subprocess.PIPE)
    try:
        proc = spawn(
            [*echo_args(), "-", "--max-bytes", "100000"], {"TRPIPE_MODELS": str(echo_registry)}, stdin=writer.stdout
        )
        _, err = proc.communicate(timeout=60)
    finally:
        writer.kill()
        writer.wait()
    assert proc.returncode == 2, err
    assert "<stdin>: is larger than the size limit of 100000 bytes" in one_line_error(err)


def test_a_file_over_the_limit_fails_alone_in_a_batch(echo_registry, tmp_path):
    folder = tmp_path / "in"
    write_articles(folder, 3)
    (folder / "big.fr.txt").write_text(ARTICLE.format(n=1, year=2) * 200, encoding="utf-8")
    result = invoke(*echo_args(), folder, "-o", tmp_path / "out", "--max-bytes", 5000, registry=echo_registry)
    assert result.exit_code == 1, result.output
    assert f"{folder / 'big.fr.txt'}: is larger than the size limit" in result.output
    assert len(list((tmp_path / "out").glob("*.md"))) == 3


# --------------------------------------------------------------------------------------- JSONL records


def _records(tmp_path, lines: list[str]):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return feed


def test_bad_records_fail_alone(echo_registry, tmp_path):
    good = ARTICLE.format(n=1, year=2001)
    lines = [
        json.dumps({"id": "ok-1", "text": good}),
        '{"id": "lone-text", "text": "Le conseil \\ud800 a voté."}',
        '{"id": "lone-\\udfff-id", "text": "Le conseil a voté."}',
        json.dumps({"id": "x" * 400, "text": good}),
        json.dumps({"id": "`<script>alert(1)</script>`\nnewline", "text": good}),
        json.dumps({"id": ["a", "list"], "text": good}),
        json.dumps({"id": "huge", "text": "Le conseil a voté. " * 400}),
        "{broken json",
        json.dumps({"id": "ok-2", "text": good}),
    ]
    feed = _records(tmp_path, lines)
    out = tmp_path / "out"
    result = invoke(*echo_args(), feed, "-o", out, "--format", "json", "--max-bytes", 4000, registry=echo_registry)
    assert result.exit_code == 1, result.output
    assert f"{feed}#lone-text: holds a character that is not valid Unicode text" in result.output
    assert f"{feed}:3: its id is not valid Unicode text" in result.output
    assert f'{feed}:6: its "id" is not a string or a number' in result.output
    assert f"{feed}:7: is larger than the size limit of 4000 bytes" in result.output
    assert f"{feed}:8: not valid JSON" in result.output
    assert "5 failed" in result.output and "4 articles ok" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert "ok-1.json" in names and "ok-2.json" in names and len(names) == 4
    assert all(len(name.encode()) <= 255 for name in names)
    for line in result.output.splitlines():
        assert line.startswith("trpipe:"), line  # a name with a newline never splits a message


def test_jsonl_stream_output_keeps_good_records(echo_registry, tmp_path):
    feed = _records(
        tmp_path,
        [json.dumps({"id": "a", "text": ARTICLE.format(n=1, year=2)}), '{"id": "b", "text": "\\udc80"}'],
    )
    out = tmp_path / "out.jsonl"
    result = invoke(*echo_args(), feed, "-o", out, registry=echo_registry)
    assert result.exit_code == 1, result.output
    docs = {json.loads(line)["doc"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert docs == {"a"}


def test_python_api_refuses_lone_surrogates_by_name(echo_registry):
    from trpipe import Session

    with Session(echo_registry, to="en", source_lang="fr", backend="test-echo", summary=False, cache=False) as s:
        with pytest.raises(InputError, match="mine: holds a character that is not valid Unicode"):
            s.translate_text("Le conseil \udc00 a voté.", name="mine")
        results = list(s.translate_many([{"id": "x", "text": "Bon\ud800jour."}, {"id": "y", "text": "Le conseil."}]))
        assert [r.ok for r in results] == [False, True]


# ------------------------------------------------------------------------------------- hostile articles


def _hostile() -> dict[str, bytes]:
    """Articles a careless or unlucky user could give, built at test time."""
    words = ARTICLE.format(n=3, year=2020)
    return {
        "bom-only.txt": b"\xef\xbb\xbf",
        "crlf-only.txt": b"\r\n" * 500,
        "cr-line-endings.txt": words.replace("\n", "\r").encode() * 5,
        "bidi-and-zero-width.txt": ("\u202e\u200b\u2066" + words + "\u2069\u200d\ufeff").encode(),
        "combining-marks.txt": ("e" + "\u0301" * 5000 + " " + words).encode(),
        "emoji-only.txt": ("😀🎉🚀 " * 300).encode(),
        "one-long-word.txt": ("a" * 200_000 + "\n").encode(),
        "many-newlines.txt": (words + "\n" * 100_000 + words).encode(),
        "line-separators.txt": (words.replace(". ", ".\u2028") * 20).encode(),
        "form-feeds.txt": (words + "\f").encode() * 30,
        "arabic.txt": ("قرر المجلس الإقليمي الميزانية يوم الثلاثاء. " * 20).encode(),
        "cjk-no-spaces.txt": ("地方议会周二通过了预算。" * 200).encode(),
        "digits-only.txt": b"1234567890 " * 500,
        "punctuation-only.txt": b"!?.,;:-" * 500,
        "utf16-odd.txt": words.encode("utf-16-le") + b"\x00",
        "nul-bytes.txt": words.encode() + b"\x00" * 50 + words.encode(),
        "controls.txt": bytes(range(1, 9)) * 200 + words.encode(),
        "deep.html": ("<!doctype html><html><body>" + "<div>" * 5000 + words + "</div>" * 5000).encode(),
        "script-only.html": b"<!doctype html><html><body><script>var x = 1;</script></body></html>",
        "broken.html": b"<html><body><p>Le conseil <b>a vot\xc3\xa9 <i>le budget</p></html",
        "entities.html": (
            "<html><body><p>" + "&amp;&#x0;&#xD800;&#1114112;" * 200 + words + "</p></body></html>"
        ).encode(),
        "deep-quotes.md": (">" * 3000 + " " + words).encode(),
        "deep-lists.md": "".join("  " * i + "- item\n" for i in range(600)).encode(),
        "links-only.md": b"[a](http://x) " * 500,
        "front-matter-only.md": b"---\ntitle: x\n---\n",
        "table-only.md": b"| a | b |\n|---|---|\n" + b"| 1 | 2 |\n" * 300,
        "big-table.md": b"|" + b" x |" * 2000 + b"\n|" + b"---|" * 2000 + b"\n",
    }


HOSTILE = _hostile()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_article_is_translated_or_refused_in_one_line(echo_registry, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    result = invoke(*echo_args(), path, "-o", tmp_path / "out.json", registry=echo_registry)
    assert result.exit_code in (0, 2), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    if result.exit_code == 2:
        assert str(path) in one_line_error(result.output)
    else:
        doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
        assert doc["segments"]
        for seg in doc["segments"]:  # every span points into the decoded text
            assert doc["source"]["text"][seg["start"] : seg["end"]] == seg["text"]


def test_hostile_folder_fails_only_the_bad_articles(echo_registry, tmp_path):
    folder = tmp_path / "in"
    good = write_articles(folder, 2)
    for name, data in HOSTILE.items():
        (folder / name).write_bytes(data)
    result = invoke(*echo_args(), folder, "-o", tmp_path / "out", "--format", "json", registry=echo_registry)
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output
    written = {p.stem for p in (tmp_path / "out").glob("*.json")}
    assert {p.name.removesuffix(".txt") for p in good} <= written
    failed = [line for line in result.output.splitlines() if line.startswith("trpipe: error:")]
    assert len(written) + len(failed) == len(HOSTILE) + len(good)


# --------------------------------------------------------------------- deep nesting: all the text, or refused


@pytest.mark.parametrize("depth", [25, 60])
def test_deep_markdown_keeps_every_paragraph(depth):
    from trpipe.read.extract import extract_markdown

    quotes = "Premier paragraphe.\n\n" + ">" * depth + " Texte cité profond.\n\nDernier paragraphe.\n"
    assert (
        extract_markdown(quotes, "q.md").text == "Premier paragraphe.\n\nTexte cité profond.\n\nDernier paragraphe.\n"
    )
    lists = "Premier.\n\n" + "".join("  " * i + f"- niveau {i}\n" for i in range(depth)) + "\nFin.\n"
    text = extract_markdown(lists, "l.md").text
    assert all(f"niveau {i}\n" in text for i in range(depth)) and text.endswith("Fin.\n")


@pytest.mark.parametrize("depth", [300, 3000])
def test_markdown_too_deep_to_extract_is_refused_not_cut(depth):
    from trpipe.read.extract import extract_markdown

    with pytest.raises(InputError, match="nested too deeply"):
        extract_markdown("Début.\n\n" + ">" * depth + " profond\n\nFin.\n", "deep.md")
    lists = "Début.\n\n" + "".join("  " * i + "- niveau\n" for i in range(depth)) + "\nFin.\n"
    with pytest.raises(InputError, match="nested too deeply"):
        extract_markdown(lists, "deep.md")


def _nested_page(depth: int) -> str:
    return (
        "<!doctype html><html><body><article><h1>Le budget</h1>"
        "<p>Le conseil régional a voté le budget mardi, après un long débat.</p>"
        + "<div>" * depth
        + "<p>Un paragraphe enfoui au fond de la page.</p>"
        + "</div>" * depth
        + "<p>Les travaux commenceront l'an prochain, a indiqué le maire.</p></article></body></html>"
    )


def test_a_deep_web_page_keeps_its_text():
    from trpipe.read.extract import extract_html

    text = extract_html(_nested_page(200), "deep.html").text
    assert "enfoui" in text and "Les travaux" in text


def test_a_web_page_too_deep_to_parse_is_refused_not_cut():
    from trpipe.read.extract import extract_html

    with pytest.raises(InputError, match="nested more than 255 elements"):
        extract_html(_nested_page(300), "deep.html")


_RECORD_TEXT = st.text(st.characters(codec=None, exclude_categories=()), min_size=0, max_size=200)
_RECORD_ID = st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.text(max_size=300), st.lists(st.none()))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.fixed_dictionaries({"id": _RECORD_ID, "text": _RECORD_TEXT}), min_size=1, max_size=6))
def test_any_jsonl_records_are_translated_or_fail_alone(echo_registry, tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("fuzz")
    feed = folder / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = invoke(*echo_args(), feed, "-o", folder / "out", "--format", "json", registry=echo_registry)
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    failed = [line for line in result.output.splitlines() if line.startswith("trpipe: error:")]
    written = list((folder / "out").glob("*.json")) if (folder / "out").exists() else []
    assert len(failed) + len(written) == len(records)


def test_a_jsonl_feed_through_a_named_pipe_is_read_once_and_whole(echo_registry, tmp_path):
    import threading

    feed = tmp_path / "feed.jsonl"
    os.mkfifo(feed)
    lines = "".join(json.dumps({"id": f"r{i}", "text": ARTICLE.format(n=i, year=2000)}) + "\n" for i in range(5))

    def write() -> None:
        with feed.open("w", encoding="utf-8") as handle:
            handle.write(lines)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = invoke(*echo_args(), feed, "-o", tmp_path / "out", registry=echo_registry)
    writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"r{i}.md" for i in range(5)]
