"""Inputs and outputs on object storage (``s3://``), against a local S3 server started by the test session
(moto's, see ``object_store.py``): a prefix of articles and a JSONL object in; a folder of objects, one
JSONL stream and one Parquet file out; reruns resume; errors are one line. (The Ray engine on the test
cluster reads and writes a bucket in tests/test_ray_cluster.py.)"""

from __future__ import annotations

import io
import json

import pytest

from fault_helpers import ARTICLE, echo_args, invoke, one_line_error

pytest.importorskip("s3fs")
pytest.importorskip("upath")


def _put_articles(fs, bucket: str, count: int) -> list[str]:
    keys = []
    for i in range(count):
        key = f"{bucket}/in/{'sub/' if i % 3 == 0 else ''}a{i:02d}.fr.txt"
        fs.pipe_file(key, ARTICLE.format(n=1000 + i, year=2000 + i).encode("utf-8"))
        keys.append(key)
    fs.pipe_file(f"{bucket}/in/notes.csv", b"not an article")
    return sorted(keys)


def _jsonl(fs, url: str) -> list[dict]:
    return [json.loads(line) for line in fs.cat_file(url).decode("utf-8").splitlines()]


def test_articles_and_records_on_s3_in_and_out_resume(s3_server, bucket, echo_registry):
    fs = s3_server.filesystem()
    keys = _put_articles(fs, bucket, 5)
    records = "\n".join(json.dumps({"id": f"r{i}", "text": "Le maire a voté le budget."}) for i in range(2))
    fs.pipe_file(f"{bucket}/feed.jsonl", (records + '\n{"broken\n').encode("utf-8"))
    inputs = [f"s3://{bucket}/in/", f"s3://{bucket}/feed.jsonl"]

    folder = invoke(*echo_args(), *inputs, "-o", f"s3://{bucket}/out/", "--format", "json", registry=echo_registry)
    assert folder.exit_code == 1, folder.output
    assert f"error: s3://{bucket}/feed.jsonl:3: not valid JSON" in folder.output
    assert "7 articles ok, 1 failed" in folder.output
    written = sorted(fs.find(f"{bucket}/out"))
    assert written == sorted([f"{bucket}/out/{k.split('/in/')[1][:-4]}.json" for k in keys] + [
        f"{bucket}/out/r0.json", f"{bucket}/out/r1.json"])  # fmt: skip
    doc = json.loads(fs.cat_file(f"{bucket}/out/sub/a00.fr.json"))
    assert doc["source"]["path"] == f"s3://{bucket}/in/sub/a00.fr.txt" and doc["segments"]
    again = invoke(*echo_args(), *inputs, "-o", f"s3://{bucket}/out/", "--format", "json", registry=echo_registry)
    assert "0 articles ok, 1 failed, 7 skipped (current)" in again.output, again.output

    stream = f"s3://{bucket}/out.jsonl"
    first = invoke(*echo_args(), *inputs, "-o", stream, registry=echo_registry)
    assert first.exit_code == 1 and "7 articles ok" in first.output, first.output
    lines = _jsonl(fs, stream)
    assert [d["doc"] for d in lines] == [f"s3://{k}" for k in keys] + ["r0", "r1"]
    fs.pipe_file(keys[2], ARTICLE.format(n=7, year=1999).encode("utf-8"))  # one article changes
    rerun = invoke(*echo_args(), *inputs, "-o", stream, registry=echo_registry)
    assert "1 article ok, 1 failed, 6 skipped (current)" in rerun.output, rerun.output
    again_lines = _jsonl(fs, stream)
    assert [d["doc"] for d in again_lines] == [d["doc"] for d in lines]
    assert again_lines[:2] == lines[:2] and "7 euros" in again_lines[2]["source"]["text"]

    pq = pytest.importorskip("pyarrow.parquet")
    table = f"s3://{bucket}/out.parquet"
    made = invoke(*echo_args(), inputs[0], "-o", table, registry=echo_registry)
    assert made.exit_code == 0, made.output
    rows = pq.read_table(io.BytesIO(fs.cat_file(table))).to_pylist()
    assert [r["doc"] for r in rows] == [f"s3://{k}" for k in keys]
    resumed = invoke(*echo_args(), inputs[0], "-o", table, registry=echo_registry)
    assert "0 articles ok, 0 failed, 5 skipped (current)" in resumed.output, resumed.output

    single = invoke(*echo_args(), f"s3://{keys[1]}", "--format", "json", registry=echo_registry)
    assert single.exit_code == 0 and json.loads(single.stdout)["source"]["path"] == f"s3://{keys[1]}"


def test_object_storage_errors_are_one_line(s3_server, bucket, echo_registry, tmp_path):
    fs = s3_server.filesystem()
    _put_articles(fs, bucket, 1)
    missing = invoke(*echo_args(), f"s3://{bucket}/nothing/a.fr.txt", "-o", tmp_path / "a.md", registry=echo_registry)
    assert missing.exit_code == 2 and "nothing/a.fr.txt: cannot be read (no such object)" in one_line_error(
        missing.output
    )
    large = invoke(*echo_args(), f"s3://{bucket}/in/sub/a00.fr.txt", "--max-bytes", 10, registry=echo_registry)
    assert large.exit_code == 2 and "is larger than the size limit of 10 bytes" in one_line_error(large.output)
    empty = invoke(*echo_args(), f"s3://{bucket}/nothing/", "-o", tmp_path / "out", registry=echo_registry)
    assert "is a folder with no .docx" in empty.output and empty.exit_code == 1
    no_bucket = f"s3://no-such-bucket-{bucket}/out/"
    refused = invoke(*echo_args(), f"s3://{bucket}/in/", "-o", no_bucket, registry=echo_registry)
    assert refused.exit_code == 2, refused.output
    assert f"{no_bucket}sub/a00.fr.md: cannot be written (no such bucket)" in one_line_error(refused.output)


def test_without_the_storage_extra_the_error_names_it(monkeypatch, echo_registry, tmp_path):
    import fsspec

    import trpipe.remote as remote

    def no_s3fs(protocol, **options):
        raise ImportError("Install s3fs to access S3")  # what fsspec says without s3fs

    remote._filesystem.cache_clear()
    monkeypatch.setattr(fsspec, "filesystem", no_s3fs)
    try:
        result = invoke(*echo_args(), "s3://bucket/in/", "-o", tmp_path / "out", registry=echo_registry)
    finally:
        remote._filesystem.cache_clear()
    assert result.exit_code == 4, result.output
    assert "pip install 'trpipe[s3]'" in one_line_error(result.output)


def test_missing_credentials_are_one_line_errors(monkeypatch, echo_registry, tmp_path):
    """No key in the variables, no ~/.aws, no instance role: boto's NoCredentialsError is no bug (exit 70)
    but the input's or output's one-line error, whether trpipe first meets it reading, listing or writing."""
    import s3fs

    import trpipe.remote as remote

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    (tmp_path / "a.fr.txt").write_text(ARTICLE.format(n=1, year=2001), encoding="utf-8")
    remote._filesystem.cache_clear()
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        listed = invoke(*echo_args(), "s3://news/in/", "-o", tmp_path / "out.jsonl", registry=echo_registry)
        written = invoke(*echo_args(), tmp_path / "a.fr.txt", "-o", "s3://news/out.md", registry=echo_registry)
    finally:
        remote._filesystem.cache_clear()
        s3fs.S3FileSystem.clear_instance_cache()
    assert listed.exit_code == 1, listed.output  # the one input failed, as a missing folder does
    assert "s3://news/in/: cannot be listed (no credentials: set AWS_ACCESS_KEY_ID" in one_line_error(listed.output)
    assert written.exit_code == 2, written.output
    assert "s3://news/out.md: cannot be written (no credentials" in one_line_error(written.output)
