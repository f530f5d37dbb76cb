"""Detection that admits doubt: a guessed language says so, with how sure it was and from how much text;
trpipe refuses to guess below its thresholds (one article: exit 2; in a batch: that record alone fails); a
--from that the text contradicts is a warning; the provenance records how the language was found.

The thresholds themselves are measured in benchmarks/LANGID.md (fixed on the tune half of a short-text set).
"""

from __future__ import annotations

import json
import re

import pytest

from fault_helpers import invoke, one_line_error
from trpipe import Session
from trpipe.errors import InputError
from trpipe.languages import MIN_CONFIDENCE, MIN_LETTERS, detect

FRENCH = "Le conseil régional a voté un budget de 1000 euros. Les travaux commenceront en 2027.\n"
CREOLE = "Doktè a di fòk ou rete lakay ou jodi a paske lapli ap tonbe anpil.\n"
ECHO = ["--backend", "test-echo", "--no-summary", "--no-cache"]
DETECTED = r"detected as (\w+) \((\d\.\d\d)\) from (\d+) characters"


@pytest.mark.parametrize(
    ("text", "doubt"),
    [
        ("Bonjour toi", f"too unsure (trpipe guesses from a confidence of {MIN_CONFIDENCE:.2f})"),
        ("Ok merci", "too unsure"),
        ("12345 67 !!", f"too short to tell: it has fewer than {MIN_LETTERS} letters"),
        ("def f(x): return x + 1", "too unsure"),
    ],
)
def test_one_article_too_short_or_unsure_is_refused(echo_registry, text, doubt):
    result = invoke("translate", "-", "--to", "en", *ECHO, registry=echo_registry, input=text)
    assert result.exit_code == 2
    line = one_line_error(result.output)
    assert line.startswith("trpipe: error: <stdin>: cannot tell its language: ") and doubt in line
    assert line.endswith("; pass --from LANG")
    found = detect(text)
    if found.lang:  # the guess, how sure it was and from how much text, as detect() saw them
        assert f"detected as {found.lang} ({found.confidence:.2f}) from {found.letters} characters" in line
    assert result.stdout == ""


def test_in_a_batch_the_unsure_record_fails_alone(echo_registry, tmp_path):
    feed = tmp_path / "feed.jsonl"
    records = [{"id": "short", "text": "Bonjour toi"}, {"id": "long", "text": FRENCH}, {"id": "num", "text": "3-1"}]
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("translate", feed, "--to", "en", *ECHO, "-o", out, registry=echo_registry)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("trpipe: error:")]
    assert len(errors) == 2
    assert re.search(rf"feed.jsonl#short: cannot tell its language: {DETECTED}, too unsure", errors[0])
    assert "feed.jsonl#num: cannot tell its language: " in errors[1] and "fewer than 3 letters" in errors[1]
    assert sorted(p.name for p in out.iterdir()) == ["long.md"]


def test_a_pair_without_a_model_says_the_language_was_detected(echo_registry):
    result = invoke("translate", "-", "--to", "en", *ECHO, registry=echo_registry, input=CREOLE)
    assert result.exit_code == 2
    line = one_line_error(result.output)
    assert "no translation model for ht-en" in line
    found = re.search(rf"\(the source language was {DETECTED}; pass --from LANG if that is wrong\)$", line)
    assert found and found[1] == "ht" and float(found[2]) >= MIN_CONFIDENCE and int(found[3]) >= MIN_LETTERS
    given = invoke("translate", "-", "--from", "ht", "--to", "en", *ECHO, registry=echo_registry, input=CREOLE)
    assert given.exit_code == 2 and "detected" not in one_line_error(given.output)  # given: nothing guessed


def test_a_from_the_text_contradicts_is_a_warning(echo_registry, tmp_path):
    article = tmp_path / "a.fr.txt"
    article.write_text(FRENCH * 3, encoding="utf-8")
    wrong = invoke("translate", article, "--from", "en", "--to", "fr", *ECHO, registry=echo_registry)
    assert wrong.exit_code == 0, wrong.output
    (warning,) = [line for line in wrong.output.splitlines() if "warning" in line]
    assert re.search(rf"trpipe: warning: \S+a\.fr\.txt: --from en, but the text reads as another language: "
                     rf"{DETECTED}; translating it as en all the same", warning)  # fmt: skip
    assert "detected as fr" in warning
    right = invoke("translate", article, "--from", "fr", "--to", "en", *ECHO, registry=echo_registry)
    assert right.exit_code == 0 and "warning" not in right.output


def test_an_article_already_in_its_target_says_so(echo_registry, tmp_path):
    article = tmp_path / "a.fr.txt"
    article.write_text(FRENCH, encoding="utf-8")
    result = invoke("translate", article, "--to", "fr", *ECHO, registry=echo_registry)
    assert result.exit_code == 0
    (warning,) = [line for line in result.output.splitlines() if "warning" in line]
    assert re.search(rf"already in fr \({DETECTED}\), the target language: kept as it is", warning)
    given = invoke("translate", article, "--from", "fr", "--to", "fr", *ECHO, registry=echo_registry)
    assert "already in fr (--from), the target language: kept as it is" in given.output


def test_the_provenance_records_how_the_language_was_found(echo_registry, tmp_path):
    article = tmp_path / "a.fr.txt"
    article.write_text(FRENCH, encoding="utf-8")
    detected = json.loads(invoke("translate", article, "--to", "en", "--format", "json", *ECHO,
                                 registry=echo_registry).stdout)  # fmt: skip
    record = detected["provenance"]["source_language"]
    assert record["lang"] == "fr" and record["detected"] is True and record["identifier"].startswith("py3langid")
    assert record["confidence"] >= MIN_CONFIDENCE and record["characters"] == detect(FRENCH).letters
    given = json.loads(invoke("translate", article, "--from", "fr", "--to", "en", "--format", "json", *ECHO,
                              registry=echo_registry).stdout)  # fmt: skip
    assert given["provenance"]["source_language"] == {"lang": "fr", "given": True}


def test_python_callers_get_the_same_refusal(echo_registry):
    with Session(echo_registry, to="en", backend="test-echo", cache=False, summary=False) as session:
        with pytest.raises(InputError, match=r"<text>: cannot tell its language: detected as \w+ \(0\.\d\d\)"):
            session.translate_text("Bonjour toi")
        assert session.translate_text("Bonjour toi", source_lang="fr").source.lang == "fr"


def test_a_summary_skipped_for_a_detected_language_says_it_was_detected(echo_registry):
    from trpipe.errors import PairError
    from trpipe.languages import detect_language
    from trpipe.read import decode_text
    from trpipe.summary_step import SummaryStep

    warnings: list[str] = []
    with Session(echo_registry, to="en", backend="test-echo", cache=False, on_warning=warnings.append) as session:
        document = session.translate_text(FRENCH, summary=False)
        step = SummaryStep(session.models, session.registry, session.progress, warnings.append)
        step.skipped(document, PairError("no translation model for en-fr"))
        given = session.translate_text(FRENCH, source_lang="fr", summary=False)
        step.skipped(given, PairError("no translation model for en-fr"))
    assert decode_text(FRENCH, "x").detection is None and detect_language(FRENCH).sure
    noted, plain = warnings
    assert re.search(rf"summary skipped: no translation model for en-fr \(the source language was {DETECTED}; ", noted)
    assert plain.endswith("summary skipped: no translation model for en-fr")
    assert document.provenance["summary_error"].startswith("no translation model for en-fr (the source language was")
