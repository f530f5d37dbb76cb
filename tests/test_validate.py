"""``trpipe validate`` and ``trpipe.validate``: the JSON contract, on a real document and on broken copies."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from trpipe.cli import cli
from trpipe.models.demo import write_registry
from trpipe.session import Session
from trpipe.validate import check_file, validate_document, validate_file


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict:
    """The sample translated by the test-echo backend, with a bilingual summary citing real segments."""
    registry = write_registry(
        tmp_path_factory.mktemp("validate") / "m.yaml", {"fr-en": "echo/fr-en", "en-fr": "echo/en-fr"}
    )
    with Session(registry, backend="test-echo", to="en", summary=False, cache=False) as session:
        doc = session.translate_file(SAMPLE, source_lang="fr").to_dict()
    ids = [seg["id"] for seg in doc["segments"]]
    doc["summary"] = {
        "en": [{"text": "One.", "cites": ids[:2]}, {"text": "Two.", "cites": [ids[5]], "unsupported": ["900"]}],
        "fr": [{"text": "Un.", "cites": ids[:2]}, {"text": "Deux.", "cites": [ids[5]]}],
    }
    doc["provenance"]["models"]["summary"] = {"model": "echo/summary"}
    return doc


def test_a_real_document_holds(good):
    assert len(good["segments"]) > 15
    assert validate_document(good) == []
    assert validate_document(good, summary=True, min_segments=15) == []


def _segment(doc, i):
    return doc["segments"][i]


def _shift_text(d):
    _segment(d, 0)["text"] = _segment(d, 0)["text"][1:]


def _overlap(d):
    _segment(d, 2)["start"] = _segment(d, 1)["end"] - 1
    _segment(d, 2)["text"] = d["source"]["text"][_segment(d, 2)["start"] : _segment(d, 2)["end"]]


def _drop_segment(d):
    del d["segments"][3]


def _duplicate_id(d):
    _segment(d, 4)["id"] = _segment(d, 3)["id"]


def _drop_sentence(d):
    seg = next(s for s in d["segments"] if len(s["sentences"]) > 1)
    seg["sentences"].pop()


def _sentence_outside(d):
    seg = _segment(d, 1)
    seg["sentences"][0]["start"] = _segment(d, 0)["start"]
    seg["sentences"][0]["text"] = d["source"]["text"][seg["sentences"][0]["start"] : seg["sentences"][0]["end"]]


def _bad_cite(d):
    d["summary"]["en"][0]["cites"] = ["p999"]


def _cites_differ(d):
    d["summary"]["fr"][1]["cites"] = [_segment(d, 0)["id"]]


BROKEN = [
    ("text", _shift_text, "segments[0] (p1)", "source.text[0:"),
    ("overlap", _overlap, "segments[2] (p3)", "inside or before the previous segment"),
    ("uncovered", _drop_segment, "segments", "non-space characters of source.text lie in no segment"),
    ("duplicate id", _duplicate_id, "segments[4] (p4)", "used by an earlier segment"),
    ("line", lambda d: _segment(d, 5).update(line=1), "segments[5] (p6)", "line 1, but its start is on line"),
    ("kind", lambda d: _segment(d, 0).update(kind="chapter"), "segments[0] (p1)", "kind 'chapter'"),
    ("no translation", lambda d: _segment(d, 1).update(translation=" "), "segments[1] (p2)", "empty translation"),
    ("float start", lambda d: _segment(d, 1).update(start=1.0), "segments[1] (p2)", "must be integers"),
    ("bool end", lambda d: _segment(d, 1).update(end=True), "segments[1] (p2)", "must be integers"),
    ("past the end", lambda d: _segment(d, -1).update(end=10**6), "segments[", "outside 0:"),
    ("sentence gap", _drop_sentence, ".sentences", "lie in no sentence"),
    ("sentence outside", _sentence_outside, "segments[1] (p2).sentences[0]", "outside"),
    ("flag", lambda d: _segment(d, 0).update(flags=[{"check": 3}]), "segments[0] (p1).flags[0]", "{check, detail}"),
    ("kept", lambda d: _segment(d, 0).update(kept="yes"), "segments[0] (p1).kept", "not true"),
    ("translations", lambda d: _segment(d, 0).update(translations={"en": "x"}), ".translations", "single target"),
    ("bad cite", _bad_cite, "summary.en[0]", "do not exist: ['p999']"),
    ("no cites", lambda d: d["summary"]["fr"][0].update(cites=[]), "summary.fr[0]", "cites no segment"),
    ("cites differ", _cites_differ, "summary.fr[1]", "but summary.en[1] cites"),
    ("summary count", lambda d: d["summary"]["fr"].pop(), "summary.fr", "1 sentence, but summary.en has 2"),
    ("summary model", lambda d: d["provenance"]["models"].pop("summary"), "provenance.models.summary", "name"),
    ("targets", lambda d: d.update(target_langs=["de", "en"]), "target_langs", "does not start with"),
    ("sha", lambda d: d["source"].update(sha256="abc"), "source.sha256", "not a SHA-256"),
    ("provenance", lambda d: d.update(provenance={}), "provenance", "missing or empty"),
    ("created", lambda d: d["provenance"].update(created="yesterday"), "provenance.created", "ISO 8601"),
    ("no text", lambda d: d["source"].pop("text"), "source.text", "missing"),
]


@pytest.mark.parametrize(("name", "breaks", "where", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_broken_invariant_is_named_where_it_is(good, name, breaks, where, message):
    doc = copy.deepcopy(good)
    breaks(doc)
    problems = validate_document(doc)
    assert problems, name
    assert any(where in p.where and message in p.message for p in problems), [str(p) for p in problems]


def test_summary_required_only_when_asked(good):
    doc = copy.deepcopy(good)
    doc["summary"] = None
    doc["provenance"]["summary_error"] = "model X cannot be had"
    assert validate_document(doc) == []
    (problem,) = validate_document(doc, summary=True)
    assert problem.where == "summary" and "model X cannot be had" in problem.message
    doc = copy.deepcopy(good)
    del doc["summary"]["fr"]
    assert [str(p) for p in validate_document(doc, summary=True)] == ["summary: no summary in 'fr'"]


def test_several_targets_need_every_translation(good):
    doc = copy.deepcopy(good)
    doc["target_langs"] = ["en", "de"]
    for seg in doc["segments"]:
        seg["translations"] = {"en": seg["translation"], "de": seg["translation"]}
    doc["summary"]["de"] = copy.deepcopy(doc["summary"]["en"])
    assert validate_document(doc, summary=True) == []
    del doc["segments"][2]["translations"]["de"]
    del doc["summary"]["de"]
    found = {str(p) for p in validate_document(doc, summary=True)}
    assert "segments[2] (p3).translations: no translation into de" in found
    assert "summary: no summary in 'de'" in found


def test_min_segments_and_non_objects():
    problems = validate_document({"segments": [], "source": {"text": ""}}, min_segments=2)
    assert "segments: 0 segments, expected at least 2" in map(str, problems)
    assert validate_document([1, 2])[0].message.startswith("a document is a JSON object")


def test_cli_exit_codes_and_messages(good, tmp_path):
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    broken = copy.deepcopy(good)
    _shift_text(broken)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken), encoding="utf-8")
    runner = CliRunner()

    result = runner.invoke(cli, ["validate", str(ok), "--summary"])
    assert result.exit_code == 0 and result.output.startswith(f"{ok}: ok: {len(good['segments'])} segments")

    result = runner.invoke(cli, ["validate", str(ok), str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{ok}: ok") and lines[1].startswith(f"{bad}: segments[0] (p1): source.text[0:")

    assert runner.invoke(cli, ["validate", "-q", str(ok)]).output == ""

    (tmp_path / "notjson.json").write_text("{'source': ", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(tmp_path / "notjson.json"), str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{tmp_path / 'notjson.json'}: not JSON" in result.output
    assert f"{tmp_path / 'missing.json'}: cannot read it" in result.output


def test_a_jsonl_stream_of_documents_is_checked_line_by_line(good, tmp_path):
    broken = copy.deepcopy(good)
    _duplicate_id(broken)
    stream = tmp_path / "docs.jsonl"
    stream.write_text(json.dumps(good) + "\n\n" + json.dumps(broken) + "\n", encoding="utf-8")
    report = check_file(stream)
    assert report.documents == 2 and report.segments == 2 * len(good["segments"])
    assert [str(p) for p in report.problems] == [
        "line 3: segments[4] (p4): id 'p4' is used by an earlier segment",
    ]
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"doc": "a", **seg}) + "\n" for seg in good["segments"][:2]), encoding="utf-8")
    assert "segment row" in str(validate_file(rows)[0])
