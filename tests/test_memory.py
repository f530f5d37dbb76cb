"""The translation memory: hits and misses, keys, persistence, concurrent writers, damaged files."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import time

import pytest

from tiny_models import write_registry
from trpipe.models.registry import load_registry
from trpipe.translate.base import load_translator, translate_texts
from trpipe.translate.memory import (
    CACHE_ENV_VAR,
    MEMORY_FILE,
    CachedTranslator,
    CacheError,
    TranslationMemory,
    default_cache_dir,
    memory_key,
    memory_path,
)

TEXTS = ["Bonjour à tous.", "Le conseil régional a voté.", "Bonjour à tous.", "Oui."]


def echo(registry):
    return load_translator(load_registry(registry).translation("fr", "en"), "test-echo")


def cached(registry, db, **defaults):
    path = registry
    if defaults:
        name = "-".join(f"{k}={v}" for k, v in sorted(defaults.items())) + ".yaml"
        path = write_registry(registry.with_name(name), {"fr-en": "echo/fr-en"}, **defaults)
    return CachedTranslator(echo(path), db)


def test_second_run_translates_nothing(echo_registry, tmp_path):
    db = tmp_path / "tm.sqlite3"
    first = cached(echo_registry, db)
    out = translate_texts(first, TEXTS)
    assert out == ["⟨Bonjour à tous.⟩", "⟨Le conseil régional a voté.⟩", "⟨Bonjour à tous.⟩", "⟨Oui.⟩"]
    assert (first.hits, first.misses) == (0, 3)
    first.close()

    again = cached(echo_registry, db)  # a new run: the memory persists in the file
    assert translate_texts(again, [*TEXTS, "Nouveau."]) == [*out, "⟨Nouveau.⟩"]
    assert (again.hits, again.misses) == (3, 1)
    assert again.inner.batches == [["Nouveau."]]  # only the new sentence reached the model
    assert again.memory.count(again.key) == 4


def test_recall_answers_without_translating(echo_registry, tmp_path):
    translator = cached(echo_registry, tmp_path / "tm.sqlite3")
    translator.translate_batch(["a b", "c"])
    assert translator.recall(["c", "d", "a b"]) == {"c": "⟨c⟩", "a b": "⟨a b⟩"}
    assert translator.hits == 2 and translator.inner.batches == [["a b", "c"]]


def test_any_decoding_change_misses(echo_registry, tmp_path):
    db = tmp_path / "tm.sqlite3"
    base = cached(echo_registry, db)
    translate_texts(base, TEXTS)
    beams = cached(echo_registry, db, num_beams=4)
    assert beams.key != base.key
    translate_texts(beams, TEXTS)
    assert (beams.hits, beams.misses) == (0, 3)
    ratio = cached(echo_registry, db, max_new_tokens_ratio=2.0)
    assert len({base.key, beams.key, ratio.key}) == 3
    same = cached(echo_registry, db)  # the first settings again: their entries are still there
    translate_texts(same, TEXTS)
    assert (same.hits, same.misses) == (3, 0)


def test_provenance_is_the_inner_translators(echo_registry, tmp_path):
    inner = echo(echo_registry)
    wrapped = CachedTranslator(inner, tmp_path / "tm.sqlite3")
    assert wrapped.describe() == inner.describe() and wrapped.decoding() == inner.decoding()
    assert wrapped.backend == "test-echo"
    assert wrapped.count_tokens(["a b c"]) == inner.count_tokens(["a b c"])
    assert wrapped.max_input_tokens == inner.max_input_tokens and wrapped.batch_tokens == inner.batch_tokens


def test_local_model_folder_change_misses(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": folder})
    before, _ = memory_key(echo(registry))
    (folder / "model.safetensors").write_bytes(b"retrained")
    after, description = memory_key(echo(registry))
    assert before != after and '"files"' in description


def test_unicode_and_many_texts(tmp_path):
    texts = [f"{i} Ça va ? «\u202foui\u202f» — 日本語 😀 e\u0301 \u200f עברית" for i in range(1234)]
    with TranslationMemory(tmp_path / "tm.sqlite3") as tm:
        tm.put_many("k", [(t, t[::-1]) for t in texts])
        tm.put_many("k", [(texts[0], "ignored: the first translation stays")])
        found = tm.get_many("k", [*texts, "absent"])  # more texts than one IN (...) holds
        assert found == {t: t[::-1] for t in texts}
        assert tm.get_many("other key", texts) == {} and tm.get_many("k", []) == {}
        assert tm.count() == len(texts)


# One process of the concurrency test: interleaved writes and reads with overlapping keys. It imports
# only the memory module (not this test module, whose imports are heavy), and starts when told to.
HAMMER = """
import os, sys, time
from trpipe.translate.memory import TranslationMemory
path, worker, rounds, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
open(f"{go}.{worker}", "w").close()  # ready
while not os.path.exists(go):
    time.sleep(0.001)
with TranslationMemory(path) as tm:
    for i in range(rounds):
        key = f"model-{i % 3}"
        source = f"phrase {(i * 7 + worker) % 600} é"
        tm.put_many(key, [(source, f"{key}:{source}"), (f"w{worker}-{i}", "x")])
        got = tm.get_many(key, [source, f"phrase {i % 600} é"])
        assert got[source] == f"{key}:{source}", got
        assert all(v == f"{key}:{k}" for k, v in got.items()), got
"""


def test_two_processes_share_the_memory(tmp_path):
    path = tmp_path / "shared" / "tm.sqlite3"  # created by whichever process comes first
    go, rounds = tmp_path / "go", 2000
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, str(path), str(w), str(rounds), str(go)], stderr=subprocess.PIPE
        )
        for w in range(2)
    ]
    deadline = time.monotonic() + 60
    while not all(go.with_name(f"go.{w}").exists() for w in range(2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both have imported: start them together (both also create the new file at once)
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = db.execute(
        "SELECT m.key, t.source, t.translation FROM translations t JOIN models m ON m.id = t.model"
    ).fetchall()
    own = [r for r in rows if r[1].startswith("w")]
    assert len(own) == 2 * rounds
    shared = [r for r in rows if r[1].startswith("phrase")]
    assert all(t == f"{k}:{s}" for k, s, t in shared)
    assert len(shared) == len({(k, s) for k, s, _ in shared})
    assert db.execute("SELECT COUNT(*) FROM models").fetchone()[0] == 3
    db.close()


def test_a_damaged_file_is_named(tmp_path):
    path = tmp_path / "tm.sqlite3"
    path.write_bytes(b"this is not a database at all\n" * 200)
    with pytest.raises(CacheError, match=r"tm\.sqlite3: cannot open the translation memory.*delete it.*--no-cache"):
        TranslationMemory(path)


def test_a_folder_in_the_way_is_named(tmp_path):
    (tmp_path / "tm.sqlite3").mkdir()
    with pytest.raises(CacheError, match=r"tm\.sqlite3: cannot open"):
        TranslationMemory(tmp_path / "tm.sqlite3")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CacheError, match="cannot create the cache folder"):
        TranslationMemory(tmp_path / "file" / "tm.sqlite3")


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "tm.sqlite3"
    TranslationMemory(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE name = 'schema'")
    db.commit()
    db.close()
    with pytest.raises(CacheError, match="newer trpipe"):
        TranslationMemory(path)


def test_a_failing_memory_does_not_stop_the_run(echo_registry, tmp_path, monkeypatch, caplog):
    translator = cached(echo_registry, tmp_path / "tm.sqlite3")

    def broken(*args, **kwargs):
        raise CacheError("tm.sqlite3: cannot write the translation memory (disk I/O error)")

    monkeypatch.setattr(translator.memory, "put_many", broken)
    with caplog.at_level(logging.WARNING, logger="trpipe"):
        assert translate_texts(translator, ["a", "b"]) == ["⟨a⟩", "⟨b⟩"]
        assert translate_texts(translator, ["a", "c"]) == ["⟨a⟩", "⟨c⟩"]  # now without the memory
    assert translator.memory is None
    assert [r.getMessage() for r in caplog.records].count(
        "tm.sqlite3: cannot write the translation memory (disk I/O error); going on without it"
    ) == 1


def test_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    assert memory_path() == tmp_path / "c" / MEMORY_FILE
    assert memory_path(tmp_path / "d") == tmp_path / "d" / MEMORY_FILE
    monkeypatch.delenv(CACHE_ENV_VAR)
    assert default_cache_dir().name == "trpipe" or "trpipe" in default_cache_dir().parts
