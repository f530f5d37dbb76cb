"""The checks stay linear on hostile sentences: one endless token, long runs of marks, many figures.

With a real model no sentence passes its input limit (256 tokens), but a single "word" of any length is one
token for some backends, and a check that is quadratic on it hangs the whole run. Each case gets a hang
guard (an alarm far above the linear cost), not a timing.
"""

from __future__ import annotations

import signal

import pytest

from trpipe.checks import check_sentence

LANGS = ("fr", "en", "ru", "zh", "tr")
RUNS = {
    "letters": "a",
    "capitals": "A",
    "digits": "1",
    "contractions": "n't",
    "apostrophes": "'",
    "dots": ".",
    "quotes": '"',
    "guillemets": "«»",
    "hyphens": "-",
    "no-break spaces": "\u00a0",
    "cjk": "地",
    "euro": "€",
}


@pytest.fixture
def hang_guard():
    def alarm(signum, frame):
        raise TimeoutError("a check took minutes on one sentence: quadratic or worse")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("kind", sorted(RUNS))
def test_one_endless_token_is_checked_in_linear_time(kind, hang_guard):
    text = RUNS[kind] * (20_000 // len(RUNS[kind]))
    for lang in LANGS:
        for flags in (check_sentence(text, f"⟨{text}⟩", lang, "en"), check_sentence("Bonjour.", text, "fr", lang)):
            assert all(set(flag) >= {"check", "detail"} and "\n" not in flag["detail"] for flag in flags)
