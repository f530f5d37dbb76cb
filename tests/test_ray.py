"""``--engine ray``: a folder through a local Ray with two actors gives the local engine's outputs.

The first test lets ``run_ray`` start (and stop) a local Ray as the command line does; then one local Ray
instance serves the rest of the module (starting Ray takes seconds), which ``run_ray`` joins and leaves
running. The actors load the tiny real models from the session's registry (the ``test-echo`` backend is
registered in this process only, so Ray workers would not know it).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from trpipe.cli import cli

ARTICLE = (
    "Le conseil régional a voté un budget de {n} euros. Les travaux commenceront en {year}.\n\n"
    "Le maire a déclaré que le projet numéro {n} était important pour la ville.\n"
)
ARTICLES = 17  # the local engine translates groups of 16 articles: 17 make two groups, one per actor
BROKEN = "zz-broken.fr.txt"  # sorted last, so that it does not shift the groups (see docs/ray.md)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield ray
    ray.shutdown()


@pytest.fixture
def translate(monkeypatch, tiny_registry):
    monkeypatch.setenv("TRPIPE_MODELS", str(tiny_registry))

    def invoke(*args):
        base = ["translate", "--to", "en", "--from", "fr", "--device", "cpu", "--format", "json"]
        return CliRunner().invoke(cli, base + [str(a) for a in args])

    return invoke


@pytest.fixture
def actors_seen(monkeypatch):
    """The actors (host:pid) that sent back results, recorded on the driver."""
    from trpipe.engines.ray_pool import ActorPool

    seen: set[str] = set()
    run = ActorPool.run

    def spy(self, feed):
        for group, results in run(self, feed):
            seen.update(meta["actor"] for _index, _text, meta in results if "actor" in meta)
            yield group, results

    monkeypatch.setattr(ActorPool, "run", spy)
    return seen


def make_folder(root: Path, count: int = ARTICLES) -> Path:
    (root / "sub").mkdir(parents=True)
    for i in range(count):
        where = root / "sub" if i % 3 == 0 else root
        (where / f"a{i:02d}.fr.txt").write_text(ARTICLE.format(n=1000 + i, year=2000 + i), encoding="utf-8")
    (root / BROKEN).write_bytes(b"\x00\x01binary\x00" * 10)
    return root


def documents(folder: Path) -> dict[str, dict]:
    """Every JSON output by relative path, without its creation time."""
    docs = {}
    for path in sorted(folder.rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        del doc["provenance"]["created"]
        docs[str(path.relative_to(folder))] = doc
    return docs


def run_both(translate, folder: Path, tmp_path: Path, *options, count: int = ARTICLES) -> None:
    """The local engine, then Ray with two actors: same messages, same outputs apart from timestamps."""
    local = translate(folder, "-o", tmp_path / "local", *options)
    ray = translate(folder, "-o", tmp_path / "ray", *options, "--engine", "ray", "--actors", "2")
    for result in (local, ray):
        assert result.exit_code == 1, result.output
        assert f"error: {folder / BROKEN}: looks like a binary file (it contains NUL bytes), not text" in result.output
        assert f"{count} articles ok, 1 failed" in result.output
    expected = documents(tmp_path / "local")
    assert len(expected) == count
    assert documents(tmp_path / "ray") == expected


@pytest.mark.slow
def test_ray_engine_starts_its_own_ray_with_summaries(translate, tmp_path):
    """The first test of the module: no Ray runs yet, so ``run_ray`` starts a local one and stops it."""
    ray = pytest.importorskip("ray")
    was_running = ray.is_initialized()
    run_both(translate, make_folder(tmp_path / "in", 4), tmp_path, "--summary", count=4)  # one group: one actor
    assert all(doc["summary"]["en"] for doc in documents(tmp_path / "ray").values())
    assert ray.is_initialized() == was_running  # what it started, it stopped


@pytest.mark.slow
def test_ray_engine_writes_the_local_engines_outputs_and_resumes(local_ray, translate, actors_seen, tmp_path):
    folder = make_folder(tmp_path / "in")
    run_both(translate, folder, tmp_path, "--no-summary")
    assert len(actors_seen) == 2
    out = tmp_path / "ray"
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.json")}
    (folder / BROKEN).unlink()
    again = translate(folder, "-o", out, "--no-summary", "--engine", "ray", "--actors", "2")
    assert again.exit_code == 0, again.output
    assert f"0 articles ok, 0 failed, {ARTICLES} skipped (current)" in again.output
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*.json")}
    (folder / "a01.fr.txt").write_text(ARTICLE.format(n=7, year=1999), encoding="utf-8")
    changed = translate(folder, "-o", out, "--no-summary", "--engine", "ray", "--actors", "2")
    assert f"1 article ok, 0 failed, {ARTICLES - 1} skipped (current)" in changed.output
    assert "7 euros" in json.loads((out / "a01.fr.json").read_text(encoding="utf-8"))["source"]["text"]


@pytest.mark.slow
def test_ray_engine_writes_jsonl_records_to_one_parquet_file(local_ray, translate, tmp_path):
    import pyarrow.parquet as pq

    from trpipe.render.parquet import parquet_document

    records = tmp_path / "records.jsonl"
    lines = [
        json.dumps({"id": "a-1", "text": ARTICLE.format(n=1, year=2001)}),
        "{not json",
        json.dumps({"id": "b/2", "text": "<html><body><article><h1>Le budget</h1><p>Le conseil a voté.</p></article>"}),
    ]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    local = translate(records, "-o", tmp_path / "local", "--no-summary")
    ray = translate(records, "-o", tmp_path / "out.parquet", "--no-summary", "--engine", "ray")
    for result in (local, ray):
        assert result.exit_code == 1, result.output
        assert f"error: {records}:2: not valid JSON" in result.output
    expected = documents(tmp_path / "local")
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [row["doc"] for row in rows] == ["a-1", "b/2"]
    for row in rows:
        document = parquet_document(row)
        assert row["fingerprint"] == document["provenance"]["fingerprint"]
        del document["provenance"]["created"]
        assert document == expected[row["doc"].replace("/", "_") + ".json"]


def test_ray_engine_without_ray_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    article = tmp_path / "a.fr.txt"
    article.write_text(ARTICLE.format(n=1, year=2001), encoding="utf-8")
    result = CliRunner().invoke(cli, ["translate", str(article), "--to", "en", "--engine", "ray"])
    assert result.exit_code == 4
    assert "--engine ray needs the 'ray' package: install it with pip install 'trpipe[ray]'" in result.output


@pytest.mark.slow
def test_ray_engine_fails_bad_records_and_long_names_alone(local_ray, translate, tmp_path):
    """Hostile records fail one by one, named as the local engine names them; long ids are shortened alike."""
    good = ARTICLE.format(n=1, year=2001)
    lines = [
        json.dumps({"id": "ok", "text": good}),
        '{"id": "lone", "text": "Le conseil \\ud800 a voté."}',
        '{"id": "lone-\\udfff", "text": "Le conseil a voté."}',
        json.dumps({"id": "long-" + "é" * 200, "text": good}),
        json.dumps({"id": "tick`<b>`\nline", "text": good}),
        json.dumps({"id": "huge", "text": "Le conseil a voté. " * 300}),
        "{broken",
    ]
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        result = translate(records, "-o", out, "--no-summary", "--max-bytes", 3000, "--engine", engine)
        assert result.exit_code == 1, result.output
        errors = sorted(line for line in result.output.splitlines() if line.startswith("trpipe: error:"))
        assert len(errors) == 4, result.output
        assert all(line.startswith("trpipe:") for line in result.output.splitlines())
        outputs[engine] = (errors, sorted(p.name for p in out.iterdir()))
    assert outputs["local"] == outputs["ray"]
    names = outputs["ray"][1]
    assert len(names) == 3 and all(len(name.encode()) <= 255 for name in names)


@pytest.mark.slow
def test_ray_engine_handles_odd_file_names_as_the_local_engine_does(local_ray, translate, tmp_path):
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    names = ["new\nline.fr.txt", "x" * 248 + ".fr.txt", "tick`<b>`.fr.txt", os.fsdecode(b"bad-\xff.fr.txt")]
    for i, name in enumerate(names):
        (folder / name).write_text(ARTICLE.format(n=i, year=2000 + i), encoding="utf-8")
    (folder / "bin\tary.fr.txt").write_bytes(b"\x00\x01" * 40)
    damaged = ARTICLE.format(n=9, year=2009).encode() + b"\xff" + "Le député européen.\n".encode()
    (folder / "damaged.fr.txt").write_bytes(damaged)
    names.append("damaged.fr.txt")
    results = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        result = translate(folder, "-o", out, "--no-summary", "--engine", engine)
        assert result.exit_code == 1, result.output
        assert "bin\\tary.fr.txt: looks like a binary file" in result.output
        assert all(line.startswith("trpipe:") for line in result.output.splitlines())
        assert result.output.count("1 invalid utf-8 byte sequence") == 1, result.output
        results[engine] = documents(out)
    assert len(results["local"]) == len(names)
    assert results["local"] == results["ray"]


def _serve(routes: dict[str, tuple[str, bytes]]):
    """A local HTTP server answering ``routes`` (path → content type, body); 404 otherwise."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            content_type, body = routes.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in routes else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.mark.slow
def test_ray_engine_fetches_urls_and_feed_entries_and_writes_documents_back(local_ray, translate, tmp_path):
    """The actors fetch a URL and a feed's entries (the driver keeps the feed's state) and send a Word
    document written back as bytes; a rerun skips all of it."""
    import docx

    from documents import office

    page = "<html><body><article><h1>Le budget {n}</h1><p>" + ARTICLE + "</p></article></body></html>"
    routes = {f"/a{n}.html": ("text/html; charset=utf-8", page.format(n=n, year=2000 + n).encode()) for n in (1, 2)}
    httpd, base = _serve(routes)
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><link>{base}/</link><description>d'
        f"</description><item><title>Un</title><link>{base}/a2.html</link><guid>e2</guid></item></channel></rss>"
    )
    routes["/feed.xml"] = ("application/rss+xml", feed.encode())
    try:
        path, _ = office.docx(tmp_path)
        out, state = tmp_path / "out", tmp_path / "state"
        args = [path, f"{base}/a1.html", "--feed", f"{base}/feed.xml", "--state", state, "--allow-private-urls"]
        args += ["-o", out, "--format", "same", "--no-summary", "--engine", "ray"]
        result = translate(*args)
        assert result.exit_code == 0, result.output
        assert "3 articles ok" in result.output
        written = sorted(p.name for p in out.iterdir())
        assert len(written) == 3 and "note.fr.docx" in written and sum(n.endswith(".html") for n in written) == 2
        before, after = docx.Document(path), docx.Document(out / "note.fr.docx")
        assert len(after.paragraphs) == len(before.paragraphs) and after.core_properties.language == "en"
        assert '"e2"' in next(state.glob("*.json")).read_text(encoding="utf-8")
        again = translate(*args)
        assert again.exit_code == 0 and "3 skipped" in again.output, again.output
    finally:
        httpd.shutdown()
        httpd.server_close()
