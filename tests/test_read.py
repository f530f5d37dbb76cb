"""Reading: encodings, BOMs, line endings, and every kind of bad input."""

from __future__ import annotations

import os

import pytest

from trpipe.errors import InputError
from trpipe.read import decode_source, read_source

FRENCH = "Le 12 février 2021, la région a alloué 800\u00a0000\u00a0€ à Huawei\u202f: « c’est énorme ».\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
    ],
)
def test_unicode_encodings_are_detected(tmp_path, encoding, expected):
    path = tmp_path / "a.txt"
    path.write_bytes(FRENCH.encode(encoding))
    source = read_source(path)
    assert source.encoding == expected
    assert source.text == FRENCH
    assert not source.text.startswith("\ufeff")


def test_windows_1252_with_crlf_is_detected_and_line_endings_kept(tmp_path, sample_text):
    text = sample_text.replace("\n", "\r\n")
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode("cp1252", errors="strict") if _cp1252_ok(text) else b"")
    source = read_source(path)
    assert source.encoding == "windows-1252"
    assert source.text == text
    assert "\r\n" in source.text


def _cp1252_ok(text: str) -> bool:
    text.encode("cp1252")
    return True


def test_short_windows_1252_text_is_not_mistaken_for_central_european(tmp_path):
    text = "Le président a dit : « Ça va très bien », et c’est tout.\r\n"
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode("cp1252"))
    assert read_source(path).text == text


def test_latin_1_is_detected(tmp_path):
    text = "Le député européen a déclaré que la région était très inquiète.\n"
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode("latin-1"))
    source = read_source(path)
    assert source.encoding == "iso-8859-1"
    assert source.text == text


def test_explicit_encoding_wins(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("Ça coûte 5 €".encode("cp1252"))
    assert read_source(path, encoding="cp1252").text == "Ça coûte 5 €"


def test_sha256_is_of_the_bytes(tmp_path):
    import hashlib

    data = FRENCH.encode("utf-8")
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    assert read_source(path).sha256 == hashlib.sha256(data).hexdigest()


def test_stdin(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(FRENCH.encode("utf-8"))))
    source = read_source("-")
    assert source.path == "<stdin>"
    assert source.text == FRENCH


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(b" \n\t\r\n\xc2\xa0\n"), "only whitespace"),
        (lambda p: p.write_bytes(b"PK\x03\x04\x00\x00binary\x00data" * 20), "ZIP"),
        (lambda p: p.write_bytes(bytes(range(1, 32)) * 50 + b"abc"), "binary"),
    ],
    ids=["missing", "directory", "empty", "whitespace", "nul-bytes", "control-chars"],
)
def test_bad_input_names_the_file_and_the_reason(tmp_path, make, reason):
    path = tmp_path / "bad.txt"
    make(path)
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert reason in message
    assert "\n" not in message
    assert info.value.exit_code == 2


def test_random_bytes_are_binary():
    data = os.urandom(4096) + b"\x00"
    with pytest.raises(InputError, match="binary"):
        decode_source(data, "noise.bin")


def test_unreadable_path(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot be read"):
        read_source(blocker / "inside.txt")
