"""The tables derived from the libraries' data, cached once per machine (trpipe.tablecache): the same answers
as the libraries give, files made on first use and read after, rebuilt when damaged or when a version
changes, and built in memory where the cache cannot be written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import trpipe.tablecache as tablecache

WORDS = {
    "fr": ["votés", "conseils", "budgétaire", "travaux", "commenceront", "Huawei", "xyzzyq", "l'État", "aujourd'hui"],
    "en": ["councils", "approved", "running", "better", "mice", "Qwertyuiop", "children's"],
    "de": ["Gemeinderäte", "beschlossen", "Haushaltsdebatte", "Deutsche", "Klimaschutzabkommens", "gingen"],
}


@pytest.fixture
def fresh_tables(tmp_path, monkeypatch):
    """An empty cache of tables for this test (and the module's in-process caches emptied around it)."""
    monkeypatch.setenv(tablecache.TABLES_ENV, str(tmp_path / "tables"))
    for cache in (tablecache._simplemma, tablecache.language_identifier):
        cache.cache_clear()
    yield tmp_path / "tables"
    for cache in (tablecache._simplemma, tablecache.language_identifier):
        cache.cache_clear()


def test_the_dictionaries_answer_as_simplemma_does():
    """On the session's tables (the German dictionary takes seconds to build: once)."""
    import simplemma

    for lang, words in WORDS.items():
        for word in words:
            assert tablecache.lemmatize(word, lang) == simplemma.lemmatize(word, lang), (lang, word)
            assert tablecache.is_known(word, lang) == simplemma.is_known(word, lang), (lang, word)
    made = sorted(p.name for p in tablecache._folder().glob("simplemma-*.sqlite3"))
    assert {"simplemma-de.sqlite3", "simplemma-en.sqlite3", "simplemma-fr.sqlite3"} <= set(made)


def test_a_dictionary_is_made_once_and_read_after(fresh_tables):
    assert tablecache.lemmatize("votés", "fr") == "voter"
    (made,) = fresh_tables.glob("*/simplemma-fr.sqlite3")
    stamp = made.stat().st_mtime_ns
    tablecache._simplemma.cache_clear()
    assert tablecache.is_known("conseil", "fr") and made.stat().st_mtime_ns == stamp


def test_the_language_identifier_answers_as_py3langid_does(fresh_tables):
    from py3langid import langid

    reference = langid.LanguageIdentifier.from_modelpath(langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True)
    texts = ["Le conseil régional a voté un budget.", "The council approved the budget.", "Der Rat hat beschlossen."]
    first = [tablecache.language_identifier().classify(t) for t in texts]
    assert [lang for lang, _ in first] == ["fr", "en", "de"]
    for (lang, prob), (want, wanted) in zip(first, (reference.classify(t) for t in texts)):
        assert lang == want and prob == pytest.approx(wanted, abs=1e-5)
    assert (next(fresh_tables.glob("*/py3langid")) / "ptc.f16").is_file()
    tablecache.language_identifier.cache_clear()  # now from the files
    assert [tablecache.language_identifier().classify(t) for t in texts] == first


def test_a_derived_table_is_pickled_once_and_follows_its_arguments(fresh_tables):
    calls = []

    @tablecache.cached_table("test-table")
    def table(lang: str) -> dict[str, int]:
        calls.append(lang)
        return {lang: len(calls)}

    assert table("fr") == {"fr": 1} and table("fr") == {"fr": 1} and calls == ["fr"]  # the second from the file
    assert table("de") == {"de": 2} and calls == ["fr", "de"]
    for path in fresh_tables.glob("*/test-table-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert table("fr") == {"fr": 3}  # built again, and written again
    assert table("fr") == {"fr": 3} and len(calls) == 3


def test_new_library_versions_make_new_tables(fresh_tables, monkeypatch):
    tablecache.is_known("conseil", "fr")
    before = {p.parent.name for p in fresh_tables.glob("*/simplemma-fr.sqlite3")}
    real = tablecache.versions()
    monkeypatch.setattr(tablecache, "versions", lambda: {**real, "simplemma": "99"})
    tablecache._simplemma.cache_clear()
    tablecache.is_known("conseil", "fr")
    after = {p.parent.name for p in fresh_tables.glob("*/simplemma-fr.sqlite3")}
    assert len(after) == 2 and before < after


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_cache_that_cannot_be_written_only_means_tables_in_memory(fresh_tables):
    fresh_tables.mkdir()
    fresh_tables.chmod(0o500)
    try:
        assert tablecache.lemmatize("votés", "fr") == "voter"
        assert tablecache.language_identifier().classify("Le conseil a voté.")[0] == "fr"
    finally:
        fresh_tables.chmod(0o700)


def test_a_read_only_cache_file_system_falls_back_in_a_child(tmp_path):
    """A cache folder that is a file (so nothing can be made under it): the checks still run."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    code = (
        "import trpipe.tablecache as t; "
        "print(t.lemmatize('votés', 'fr'), t.language_identifier().classify('Le conseil a voté.')[0])"
    )
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, tablecache.TABLES_ENV: str(blocked)},
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["voter", "fr"]


def test_a_memo_keeps_accepted_answers_between_processes_and_never_refusals(fresh_tables):
    calls = []

    def compute(value):
        calls.append(value)
        return value

    memo = tablecache.Memo("test-memo", __name__, limit=2)
    assert [memo.get(k, lambda k=k: compute(k.upper())) for k in ("a", "b")] == ["A", "B"]
    assert memo.get("refused", lambda: compute(None)) is None
    memo.clear()  # another process: from the file
    assert memo.get("a", lambda: compute("again")) == "A" and memo.get("refused", lambda: compute(None)) is None
    assert calls == ["A", "B", None, None]  # the refusal was not written, so it is asked again
    memo.get("c", lambda: compute("C"))  # past the limit, the oldest goes
    memo.clear()
    assert memo.get("a", lambda: compute("new")) == "new" and memo.get("c", lambda: compute("x")) == "C"
