"""The translation memory: a SQLite cache of sentence translations, shared by runs and processes.

A sentence is looked up by the exact model-ready text it was translated from and a *key* that names
everything that decides its translation: the translator's ``describe()`` (model, revision, commit,
backend, device, dtype or compute type), its ``decoding()`` settings and, for a local model folder, a
fingerprint of the folder's files. Change any of them and every lookup misses; the old entries stay
(under their own key) and are used again when the old settings come back.

Concurrency: the database is in WAL mode, every write is one ``BEGIN IMMEDIATE`` transaction of
``INSERT OR IGNORE`` rows, and a busy database is waited for (``busy_timeout``), so several runs, threads
or processes can share one file. Two runs translating the same sentence at once both store it; the
first one wins, the second insert is ignored. WAL needs a local filesystem (not NFS/SMB).

Failures: a memory that cannot be opened (not a database, damaged, unwritable folder, made by a newer
trpipe) raises :class:`CacheError` naming the file, before any work is done. Once a run is under way,
a failing read or write no longer stops it: :class:`CachedTranslator` logs one warning and carries on
without the memory, since the translations themselves are fine.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from trpipe.cachedir import CACHE_ENV_VAR, default_cache_dir  # noqa: F401  (re-exported)
from trpipe.errors import TrpipeError
from trpipe.models.hub import folder_fingerprint
from trpipe.translate.base import Translator

log = logging.getLogger("trpipe")

MEMORY_FILE = "translation-memory.sqlite3"
SCHEMA_VERSION = 2  # 2: translations.score (the model's mean log-probability per token)
# Bump to invalidate every stored translation (e.g. when backends change how they post-process output).
KEY_FORMAT = 1
BUSY_TIMEOUT_S = 30.0
_CHUNK = 500  # texts per SELECT ... IN (...): far below SQLite's variable limit (999 before 3.32)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS models (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS translations (
    model INTEGER NOT NULL REFERENCES models(id),
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    created REAL NOT NULL,
    score REAL,
    PRIMARY KEY (model, source)
) WITHOUT ROWID;
"""


class CacheError(TrpipeError):
    """The translation memory cannot be opened or used."""

    exit_code = 2


def memory_path(cache_dir: str | os.PathLike | None = None) -> Path:
    """The translation memory file in ``cache_dir`` (``--cache-dir``) or the default cache folder."""
    folder = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    return folder / MEMORY_FILE


def memory_key(translator: Translator) -> tuple[str, str]:
    """``(key, description)``: a hash of what decides ``translator``'s output, and its JSON source."""
    info: dict[str, Any] = {
        "format": KEY_FORMAT,
        "model": translator.describe(),
        "decoding": translator.decoding(),
    }
    spec = translator.spec
    if spec.is_local:
        info["files"] = folder_fingerprint(spec.model)
    description = json.dumps(info, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(description.encode("utf-8")).hexdigest(), description


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class TranslationMemory:
    """Translations stored by ``(key, source text)`` in one SQLite file; safe to share between processes."""

    def __init__(self, path: str | os.PathLike, timeout: float = BUSY_TIMEOUT_S):
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        self._model_ids: dict[str, int] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"{self.path.parent}: cannot create the cache folder ({exc.strerror or exc})") from None
        try:
            # isolation_level=None: no implicit transactions; we open BEGIN IMMEDIATE ourselves.
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._error("cannot open", exc) from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            deadline = time.monotonic() + timeout
            while True:
                try:
                    self._setup()
                    break
                except sqlite3.OperationalError as exc:
                    # Two processes creating the file at once: switching to WAL can report "locked" at
                    # once instead of waiting on busy_timeout. Try again until the timeout.
                    if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        except sqlite3.Error as exc:
            self._db.close()
            raise self._error("cannot open", exc) from None
        except CacheError:
            self._db.close()
            raise

    def _error(self, action: str, exc: BaseException) -> CacheError:
        text = str(exc) or type(exc).__name__
        advice = "use --no-cache, or --cache-dir to use another folder"
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            advice = "it is damaged or not a trpipe translation memory: delete it, " + advice
        return CacheError(f"{self.path}: {action} the translation memory ({text}); {advice}")

    def _setup(self) -> None:
        db = self._db
        # WAL: readers never block the writer and vice versa. Switching needs a moment of exclusive
        # access, which busy_timeout waits for when another process holds the file.
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.debug("%s: journal mode %s (WAL unavailable)", self.path, mode)
        db.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode: a crash loses no database
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, _SCHEMA.split(";")):  # not executescript: it commits
                db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta (name, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) < SCHEMA_VERSION:  # schema 1 had no score column
                columns = {r[1] for r in db.execute("PRAGMA table_info(translations)")}
                if "score" not in columns:
                    db.execute("ALTER TABLE translations ADD COLUMN score REAL")
                db.execute("UPDATE meta SET value = ? WHERE name = 'schema'", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise CacheError(
                    f"{self.path}: this translation memory was made by a newer trpipe (schema {row[0]}, "
                    f"this trpipe reads {SCHEMA_VERSION}); use --cache-dir to use another folder, or --no-cache"
                )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _model_id(self, key: str, description: str | None, create: bool) -> int | None:
        if key in self._model_ids:
            return self._model_ids[key]
        row = self._db.execute("SELECT id FROM models WHERE key = ?", (key,)).fetchone()
        if row is None and create:
            self._db.execute(
                "INSERT OR IGNORE INTO models (key, description, created) VALUES (?, ?, ?)",
                (key, description or key, time.time()),
            )
            row = self._db.execute("SELECT id FROM models WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        self._model_ids[key] = int(row[0])
        return self._model_ids[key]

    def get_many(self, key: str, texts: Iterable[str]) -> dict[str, str]:
        """The stored translations of those ``texts`` that are in the memory under ``key``."""
        return {source: text for source, (text, _) in self.get_many_scored(key, texts).items()}

    def get_many_scored(self, key: str, texts: Iterable[str]) -> dict[str, tuple[str, float | None]]:
        """``get_many`` with the score stored beside each translation (None where none was)."""
        wanted = list(dict.fromkeys(texts))
        found: dict[str, tuple[str, float | None]] = {}
        if not wanted:
            return found
        with self._lock:
            try:
                model = self._model_id(key, None, create=False)
                if model is None:
                    return found
                for chunk in _chunks(wanted, _CHUNK):
                    marks = ",".join("?" * len(chunk))
                    rows = self._db.execute(
                        f"SELECT source, translation, score FROM translations WHERE model = ? AND source IN ({marks})",
                        (model, *chunk),
                    )
                    found.update((source, (text, score)) for source, text, score in rows.fetchall())
            except sqlite3.Error as exc:
                raise self._error("cannot read", exc) from None
        return found

    def put_many(self, key: str, pairs: Iterable[tuple], description: str | None = None) -> None:
        """Store ``(source, translation)`` or ``(source, translation, score)`` rows under ``key`` in one
        transaction (existing rows are kept)."""
        rows = [(row[0], row[1], row[2] if len(row) > 2 else None) for row in pairs]
        if not rows:
            return
        now = time.time()
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    model = self._model_id(key, description, create=True)
                    self._db.executemany(
                        "INSERT OR IGNORE INTO translations (model, source, translation, created, score) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [(model, s, t, now, score) for s, t, score in rows],
                    )
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    self._model_ids.pop(key, None)  # the id may not have been committed
                    raise
            except sqlite3.Error as exc:
                raise self._error("cannot write", exc) from None

    def count(self, key: str | None = None) -> int:
        """Number of stored translations (under ``key``, or in all)."""
        with self._lock:
            if key is None:
                return int(self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0])
            model = self._model_id(key, None, create=False)
            if model is None:
                return 0
            sql = "SELECT COUNT(*) FROM translations WHERE model = ?"
            return int(self._db.execute(sql, (model,)).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TranslationMemory({str(self.path)!r})"


class CachedTranslator(Translator):
    """Wraps a Translator: sentences found in the memory are not translated again.

    ``describe()`` and ``decoding()`` are the inner translator's, unchanged, so a document's provenance
    is the same whether its sentences came from the memory or not. ``hits`` counts sentences answered
    by the memory, ``misses`` those the inner translator translated.
    """

    def __init__(self, inner: Translator, memory: TranslationMemory | str | os.PathLike, owns_memory: bool = True):
        # No super().__init__: spec and settings are the inner translator's own objects.
        # ``owns_memory=False``: the memory is shared (a Session's) and stays open when this closes.
        self.inner = inner
        self.owns_memory = owns_memory or not isinstance(memory, TranslationMemory)
        self.spec = inner.spec
        self.settings = inner.settings
        self.backend = inner.backend
        self.memory: TranslationMemory | None = (
            memory if isinstance(memory, TranslationMemory) else TranslationMemory(memory)
        )
        self.path = self.memory.path
        self.key, self.key_description = memory_key(inner)
        self.hits = 0
        self.misses = 0

    @property
    def max_input_tokens(self) -> int:
        return self.inner.max_input_tokens

    @property
    def batch_tokens(self) -> int:
        return self.inner.batch_tokens

    @property
    def concurrency(self) -> int:
        return self.inner.concurrency

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def alternatives(self, texts: Sequence[str], n: int) -> list[list[str]]:
        return self.inner.alternatives(texts, n)

    def _disable(self, exc: CacheError) -> None:
        log.warning("%s; going on without it", exc)
        memory, self.memory = self.memory, None
        if memory is not None and self.owns_memory:
            with contextlib.suppress(sqlite3.Error):
                memory.close()

    def recall(self, texts: Sequence[str]) -> dict[str, str]:
        """The translations of ``texts`` already in the memory (counted as hits); nothing is translated."""
        return {source: text for source, (text, _) in self.recall_scored(texts).items()}

    def recall_scored(self, texts: Sequence[str]) -> dict[str, tuple[str, float | None]]:
        if self.memory is None:
            return {}
        try:
            found = self.memory.get_many_scored(self.key, texts)
        except CacheError as exc:
            self._disable(exc)
            return {}
        self.hits += sum(1 for t in texts if t in found)
        return found

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        return [text for text, _ in self.translate_batch_scored(texts)]

    def translate_batch_scored(self, texts: Sequence[str]) -> list[tuple[str, float | None]]:
        return next(iter(self.translate_batches_scored([texts])))

    def translate_batches_scored(self, batches: Sequence[Sequence[str]]) -> Iterator[list[tuple[str, float | None]]]:
        """Each batch answered from the memory where it can, the rest by the inner translator (all the
        batches' misses handed over at once, so that it may run them concurrently), stored as they come."""
        found = self.recall_scored([t for batch in batches for t in batch])
        seen: set[str] = set()
        todos = []
        for batch in batches:
            todo = [t for t in dict.fromkeys(batch) if t not in found and t not in seen]
            seen.update(todo)
            todos.append(todo)
        work = [todo for todo in todos if todo]
        outputs = iter(self.inner.translate_batches_scored(work) if work else ())
        for batch, todo in zip(batches, todos):
            if todo:
                self._store(todo, next(outputs), found)
            yield [found[t] for t in batch]

    def _store(self, todo: list[str], outputs: list[tuple[str, float | None]], found: dict) -> None:
        if len(outputs) != len(todo):
            raise RuntimeError(f"backend {self.backend} returned {len(outputs)} of {len(todo)}")
        self.misses += len(todo)
        new = dict(zip(todo, outputs))
        if self.memory is not None:
            try:
                rows = [(source, text, score) for source, (text, score) in new.items()]
                self.memory.put_many(self.key, rows, self.key_description)
            except CacheError as exc:
                self._disable(exc)
        found.update(new)

    def decoding(self) -> dict[str, Any]:
        return self.inner.decoding()

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            if self.memory is not None and self.owns_memory:
                self.memory.close()
            self.memory = None
