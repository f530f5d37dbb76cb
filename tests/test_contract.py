"""The JSON contract's version and schema: documents validate against the JSON Schema, older documents still
do, locations are checked, and Parquet (older files resume), XLIFF and TMX carry the locations."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from documents import text as samples
from trpipe.cli import cli
from trpipe.models.registry import load_registry
from trpipe.records import CONTRACT_VERSION
from trpipe.session import Session
from trpipe.validate import document_schema, validate_document


@pytest.fixture
def documents(echo_registry, tmp_path):
    """A web page's and a text file's documents, translated by the echo backend."""
    with Session(load_registry(echo_registry), to="en", backend="test-echo", cache=False, summary=False) as session:
        page, _ = samples.html(tmp_path)
        plain, _ = samples.text(tmp_path)
        return [session.translate_file(p, source_lang="fr") for p in (page, plain)]


def test_documents_follow_the_schema_and_carry_locations(documents):
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(document_schema())
    for document in documents:
        doc = json.loads(json.dumps(document.to_dict()))
        assert doc["contract_version"] == CONTRACT_VERSION
        assert list(validator.iter_errors(doc)) == []
        assert validate_document(doc) == []
        assert all(seg["location"]["format"] == doc["source"]["format"] for seg in doc["segments"])
    html = documents[0].to_dict()
    assert all(s["location"]["path"].startswith("/html/") for s in html["segments"])
    assert [s["location"]["line"] for s in documents[1].to_dict()["segments"]] == [1, 3, 5, 7]


def test_a_contract_1_0_document_still_validates(documents):
    doc = json.loads(json.dumps(documents[0].to_dict()))
    del doc["contract_version"], doc["source"]["format"]
    for seg in doc["segments"]:
        seg["path"] = seg.pop("location")["path"]
    assert validate_document(doc) == []


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ({"format": "pdf", "page": 1}, "'boxes' is a required property"),
        ({"format": "pdf", "page": 1, "boxes": [{"page": 1, "bbox": [10, 5, 2, 8]}]}, "is not x0 <= x1"),
        ({"format": "pptx", "slide": 0, "paragraph": 1}, "0 is less than the minimum of 1"),
        ({"format": "docx", "part": "word/document.xml", "paragraph": 3}, "'where' is a required property"),
        ({"page": 3}, "'format' is a required property"),
    ],
)
def test_bad_locations_are_reported(documents, location, expected):
    doc = json.loads(json.dumps(documents[1].to_dict()))
    doc["segments"][1]["location"] = location
    problems = [str(p) for p in validate_document(doc)]
    assert any(p.startswith("segments[1]") and expected in p for p in problems), problems


def test_validate_command_reports_a_schema_problem(documents, tmp_path):
    doc = documents[1].to_dict()
    doc["segments"][0]["location"] = {"format": "pdf", "page": "three", "boxes": []}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "segments[0].location.boxes: [] should be non-empty (schema)" in result.output
    assert "segments[0].location.page: 'three' is not of type 'integer' (schema)" in result.output


def test_xliff_and_tmx_carry_the_location(documents):
    from trpipe.render import render

    document = documents[0]
    xliff, tmx = render(document, "xliff"), render(document, "tmx")
    path = document.segments[1].location["path"]
    assert f"location html: {path}" in xliff
    assert '<prop type="x-location">{"format":"html","path":' in tmx
    assert f'<prop type="x-place">{path}</prop>' in tmx


def test_parquet_keeps_locations_and_an_older_file_resumes(echo_registry, tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from trpipe.render.parquet import parquet_document

    monkeypatch.setenv("TRPIPE_MODELS", str(echo_registry))
    folder = tmp_path / "in"
    folder.mkdir()
    samples.html(folder)
    samples.markdown(folder)
    out = tmp_path / "out.parquet"
    args = ["translate", "--to", "en", "--from", "fr", "--backend", "test-echo", "--no-summary", "--no-cache"]
    first = CliRunner().invoke(cli, [*args, str(folder), "-o", str(out)])
    assert first.exit_code == 0, first.output
    rows = pq.read_table(out).to_pylist()
    for row in rows:
        doc = parquet_document(row)
        assert validate_document(doc) == [], doc["source"]["path"]
        assert all(seg["location"]["format"] in ("html", "markdown") for seg in doc["segments"])
    # The same file as a trpipe before contract 1.1 wrote it: no location, no contract_version, no format.
    table = pq.read_table(out)
    old = []
    for row in table.to_pylist():
        row.pop("contract_version")
        row["source"].pop("format")
        for seg in row["segments"]:
            seg.pop("location")
        old.append(row)
    # written with the file's own schema less those fields (maps of structs cannot be inferred from rows)
    schema = table.schema.remove(table.schema.get_field_index("contract_version"))

    def drop(struct: pa.StructType, name: str) -> pa.StructType:
        return pa.struct([field for field in struct if field.name != name])

    source, segments = schema.get_field_index("source"), schema.get_field_index("segments")
    schema = schema.set(source, pa.field("source", drop(schema.field(source).type, "format")))
    item = drop(schema.field(segments).type.value_type, "location")
    schema = schema.set(segments, pa.field("segments", pa.list_(item)))
    pq.write_table(pa.Table.from_pylist(old, schema=schema), out)
    again = CliRunner().invoke(cli, [*args, str(folder), "-o", str(out)])
    assert again.exit_code == 0, again.output
    assert "2 skipped (current)" in again.output
    assert len(pq.read_table(out).to_pylist()) == 2
