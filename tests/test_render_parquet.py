"""Parquet rows hold what the JSON document holds, as nested columns that pyarrow, pandas and duckdb read
without parsing JSON; the local engine writes the same rows as the JSON and JSONL outputs of a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from render_samples import hand_made, pipeline_document
from trpipe.render.json import render_json
from trpipe.render.parquet import parquet_document, parquet_row, parquet_schema

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "huawei-brumath.fr.txt"


@pytest.fixture(scope="module")
def two_targets(tmp_path_factory):
    return pipeline_document(SAMPLE.read_text(encoding="utf-8")[:2500], tmp_path_factory.mktemp("pq"), ("en", "de"))


def write(tmp_path: Path, documents: list[dict]) -> Path:
    path = tmp_path / "out.parquet"
    schema = parquet_schema(pa)
    with pq.ParquetWriter(str(path), schema) as writer:
        writer.write_table(pa.Table.from_pylist([parquet_row(d) for d in documents], schema=schema))
    return path


def as_json(document) -> dict:
    return json.loads(render_json(document))


def test_a_row_read_back_is_the_json_document(tmp_path, two_targets):
    documents = [as_json(hand_made()), as_json(two_targets)]
    rows = pq.read_table(write(tmp_path, documents)).to_pylist()
    assert [parquet_document(row) for row in rows] == documents
    assert [row["doc"] for row in rows] == ["doc-7", "in/article.fr.txt"]
    assert rows[1]["fingerprint"] == "f1ng3rpr1nt" == rows[1]["provenance"]["fingerprint"]
    assert rows[0]["target_langs"] == ["en"] and rows[1]["target_langs"] == ["en", "de"]


def test_columns_are_nested_not_json_text(tmp_path, two_targets):
    table = pq.read_table(write(tmp_path, [as_json(two_targets)]))
    schema = table.schema
    segments = schema.field("segments").type
    assert pa.types.is_list(segments) and pa.types.is_struct(segments.value_type)
    sentence = segments.value_type.field("sentences").type.value_type
    assert pa.types.is_struct(sentence) and pa.types.is_float64(sentence.field("score").type)
    assert pa.types.is_struct(segments.value_type.field("flags").type.value_type)
    assert pa.types.is_map(schema.field("summary").type)
    provenance = schema.field("provenance").type
    assert pa.types.is_struct(provenance.field("models").type)
    model = provenance.field("models").type.field("translation").type
    assert pa.types.is_string(model.field("commit").type)
    decoding = provenance.field("decoding").type.field("translation").type
    assert pa.types.is_int64(decoding.field("num_beams").type)
    row = table.to_pylist()[0]
    assert row["segments"][5]["sentences"][0]["score"] == pytest.approx(two_targets.segments[5].sentences[0].score)
    assert row["provenance"]["models"]["translation"]["model"] == "echo/fr-en"
    assert dict(row["provenance"]["models"]["translations"])["de"]["model"] == "echo/fr-de"
    assert row["provenance"]["decoding"]["translation"]["num_beams"] == 2
    assert row["provenance"]["extra"] is None and row["extra"] is None  # nothing the schema lacks


def test_unknown_keys_and_unexpected_types_survive_in_extra(tmp_path):
    document = as_json(hand_made())
    document["summary"]["en"][0].update(weakly_supported=True, support=0.12, rationale={"why": ["few words"]})
    document["segments"][1]["flags"][0]["severity"] = "high"
    document["segments"][1]["sentences"][0]["alignment"] = [[0, 1], [1, 2]]
    document["provenance"]["models"]["translation"]["quantised"] = True
    document["provenance"]["decoding"] = {"translation": {"num_beams": "four", "sampling": False}}
    document["provenance"]["extractor"] = {"name": "trafilatura", "title": "T", "date": None}
    document["provenance"]["summary"] = {"method": "map-reduce", "levels": 2, "chunks_per_level": [3, 1],
                                         "aligned_by": {"lexical": 3, "attention": 1}}  # fmt: skip
    document["novel"] = {"a": 1}
    row = pq.read_table(write(tmp_path, [document])).to_pylist()[0]
    assert parquet_document(row) == document
    sentence = dict(row["summary"])["en"][0]
    assert sentence["weakly_supported"] is True and sentence["support"] == pytest.approx(0.12)
    assert json.loads(sentence["extra"]) == {"rationale": {"why": ["few words"]}}
    assert row["provenance"]["decoding"]["translation"]["num_beams"] is None  # "four" is no integer...
    assert json.loads(row["provenance"]["decoding"]["translation"]["extra"])["num_beams"] == "four"  # ...kept
    assert row["provenance"]["summary"]["chunks_per_level"] == [3, 1]
    assert json.loads(row["provenance"]["extra"]) == {"extractor": document["provenance"]["extractor"]}


def test_null_summary_and_non_finite_scores(tmp_path):
    document = hand_made()
    document.summary = None
    document.segments[1].sentences[0].score = float("nan")
    data = document.to_dict()  # what the local engine hands the sink: NaN still in it
    row = pq.read_table(write(tmp_path, [data])).to_pylist()[0]
    assert row["summary"] is None
    assert row["segments"][1]["sentences"][0]["score"] is None
    assert parquet_document(row) == as_json(document)


def test_pandas_and_duckdb_read_the_nested_columns(tmp_path, two_targets):
    pandas = pytest.importorskip("pandas")
    path = write(tmp_path, [as_json(hand_made()), as_json(two_targets)])
    frame = pandas.read_parquet(path)
    assert list(frame["doc"]) == ["doc-7", "in/article.fr.txt"]
    segments = frame.loc[1, "segments"]
    assert [s["id"] for s in segments] == [s.id for s in two_targets.segments]
    assert segments[0]["sentences"][0]["text"] == two_targets.segments[0].sentences[0].text
    assert frame.loc[0, "source"]["id"] == "doc-7"

    duckdb = pytest.importorskip("duckdb")
    where = str(path).replace("'", "''")
    ids = duckdb.sql(f"SELECT unnest(segments).id AS id FROM read_parquet('{where}') WHERE doc = 'doc-7'").fetchall()
    assert [i for (i,) in ids] == ["p1", "p2"]
    flags = duckdb.sql(
        f"SELECT f.check, f.detail FROM (SELECT unnest(s.flags) AS f FROM "
        f"(SELECT unnest(segments) AS s FROM read_parquet('{where}') WHERE doc = 'doc-7'))"
    ).fetchall()
    assert flags == [("numbers", "sentence 1: 800 000 → 800,000 <b>")]
    summary = duckdb.sql(  # map_entries reads the same in every duckdb version (older ones give m['k'] as a list)
        f"SELECT e.value[1].text, e.value[2].cites FROM (SELECT unnest(map_entries(summary)) AS e "
        f"FROM read_parquet('{where}')) WHERE e.key = 'en'"
    ).fetchall()
    assert summary[0] == ("Huawei receives public money <i>.", ["p1", "p2"])
    model = duckdb.sql(f"SELECT provenance.models.translation.model, source.lang FROM read_parquet('{where}')")
    assert model.fetchall() == [("echo/fr-en", "fr"), ("echo/fr-en", "fr")]
    scores = duckdb.sql(
        f"SELECT min(x.score) FROM (SELECT unnest(s.sentences) AS x FROM "
        f"(SELECT unnest(segments) AS s FROM read_parquet('{where}') WHERE doc = 'doc-7'))"
    ).fetchall()
    assert scores == [(pytest.approx(-2.5),)]


ARTICLE = "Le conseil a voté un budget de {n} euros. Les travaux commenceront en {year}.\n\nLe maire a parlé.\n"


def _comparable(document: dict) -> dict:
    """Without the time it was made and the fingerprint (which covers the format, so differs per format)."""
    document["provenance"].pop("created", None)
    assert document["provenance"].pop("fingerprint")
    return document


def test_the_local_engine_writes_parquet_jsonl_and_json_with_the_same_content(echo_run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.fr.txt").write_text(ARTICLE.format(n=1000 + i, year=2020 + i), encoding="utf-8")
    assert echo_run(folder, "--format", "json", "-o", tmp_path / "json").exit_code == 0
    result = echo_run(folder, "--format", "jsonl", "-o", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    result = echo_run(folder, "-o", tmp_path / "out.parquet")
    assert result.exit_code == 0, result.output
    expected = {
        p.name.removesuffix(".json"): _comparable(json.loads(p.read_text(encoding="utf-8")))
        for p in (tmp_path / "json").glob("*.json")
    }
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert len(lines) == len(rows) == len(expected) == 3
    for line, row in zip(lines, rows):
        name = Path(line["doc"]).name.removesuffix(".txt")
        assert row["fingerprint"] == row["provenance"]["fingerprint"]
        assert _comparable({k: v for k, v in line.items() if k != "doc"}) == expected[name]
        assert _comparable(parquet_document(row)) == expected[name]
    again = echo_run(folder, "--format", "jsonl", "-o", tmp_path / "out.jsonl")  # a stream resumes by fingerprint
    assert again.exit_code == 0 and "3 skipped" in again.output


def test_one_article_to_a_parquet_file_is_one_row_not_a_text_file(echo_run, tmp_path):
    article = tmp_path / "one.fr.txt"
    article.write_text(ARTICLE.format(n=7, year=2024), encoding="utf-8")
    result = echo_run(article, "-o", tmp_path / "one.parquet")
    assert result.exit_code == 0, result.output
    rows = pq.read_table(tmp_path / "one.parquet").to_pylist()
    assert len(rows) == 1 and rows[0]["doc"].endswith("one.fr.txt")
    assert parquet_document(rows[0])["source"]["lang"] == "fr"
