"""`trpipe serve --load`: codes read as the command line reads them, a bad one refused before the server starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trpipe.errors import UsageError
from trpipe.serve.config import ServeSettings, load_pairs

PAIRS = ["fr-en", "en-fr", "de-en"]


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        (("fr-en",), [("fr", "en")]),
        (("FR-EN",), [("fr", "en")]),  # codes normalised as --from/--to are
        (("fra,en",), [("fr", "en"), ("en", "fr")]),  # languages: every registry pair between them
        (("fr en de",), [("fr", "en"), ("en", "fr"), ("de", "en")]),
        (("fr-en, fr-en",), [("fr", "en")]),
        ((" , ",), []),
    ],
)
def test_load_names_pairs_and_languages(load, expected):
    assert load_pairs(load, PAIRS) == expected


@pytest.mark.parametrize("load", ["fr,x!", "fr-x!", "12-en", "fr,中文"])
def test_a_code_that_is_no_language_is_refused(load):
    with pytest.raises(UsageError, match="--load .*not a language code"):
        load_pairs((load,), PAIRS)
    with pytest.raises(UsageError, match="--load"):
        ServeSettings(load=(load,))


def test_the_command_refuses_a_bad_load_in_one_line_before_serving(tmp_path):
    args = ["serve", "--port", "0", "--load", "fr,x!", "--state-dir", str(tmp_path / "state")]
    result = subprocess.run([sys.executable, "-m", "trpipe", *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "trpipe: error: --load x!: not a language code; expected a BCP 47 tag such as fr, en, de or pt-BR"
    ]
    assert "serving on" not in result.stdout + result.stderr
