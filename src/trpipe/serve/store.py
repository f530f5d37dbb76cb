"""The service's state in one SQLite file under the state folder: jobs and their documents, translated files
and suggestions.

WAL mode, one transaction per change (``BEGIN IMMEDIATE`` ... ``COMMIT``) and ``synchronous = FULL``: a server
killed at any moment restarts with every job it accepted (a job is stored before its 202 is sent), and with
every document result it had written. ``secure_delete`` overwrites what is deleted, and a deletion checkpoints
the WAL, so that a deleted job's text and results do not linger in the file.

Owners: a job, a file and a suggestion belong to the key that sent them (its digest; "" for no key), and
are only visible to it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from trpipe.errors import UsageError, shown

STATE_FILE = "serve.sqlite3"
SCHEMA_VERSION = 1
FINISHED = ("done", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, state TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL,
    finished REAL, options TEXT NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0, stage TEXT NOT NULL DEFAULT '', progress REAL NOT NULL DEFAULT 0,
    stages TEXT NOT NULL DEFAULT '[]', error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, created);
CREATE TABLE IF NOT EXISTS documents (
    job TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, idx INTEGER NOT NULL, name TEXT NOT NULL,
    kind TEXT NOT NULL, input TEXT NOT NULL, state TEXT NOT NULL, result TEXT, error TEXT,
    PRIMARY KEY (job, idx)
);
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, media TEXT NOT NULL, data BLOB NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS suggestions (
    id INTEGER PRIMARY KEY, owner TEXT NOT NULL, applied INTEGER NOT NULL, source TEXT NOT NULL,
    target TEXT NOT NULL, q TEXT NOT NULL, s TEXT NOT NULL, norm TEXT NOT NULL, created REAL NOT NULL,
    revoked REAL
);
"""


def new_id() -> str:
    """An unguessable id (192 random bits)."""
    return secrets.token_urlsafe(24)


class State:
    """Jobs, documents, files and suggestions in ``folder/serve.sqlite3``; safe to share between threads."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).expanduser()
        self.path = self.folder / STATE_FILE
        self._lock = threading.RLock()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db = self._db
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA secure_delete = ON")
            db.execute("PRAGMA foreign_keys = ON")
            with self.transaction():
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
                if row is None:
                    db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                elif int(row[0]) > SCHEMA_VERSION:
                    raise UsageError(f"{shown(self.path)}: made by a newer trpipe; use another --state-dir")
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(f"{shown(self.path)}: cannot open the service's state ({exc}); use --state-dir") from None

    # --------------------------------------------------------------------------------- plumbing

    def transaction(self):
        state = self

        class _Tx:
            def __enter__(self):
                state._lock.acquire()
                state._db.execute("BEGIN IMMEDIATE")
                return state._db

            def __exit__(self, kind, exc, tb):
                try:
                    state._db.execute("COMMIT" if kind is None else "ROLLBACK")
                finally:
                    state._lock.release()
                return False

        return _Tx()

    def _rows(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, args)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------------------------- jobs

    def create_job(self, owner: str, options: dict[str, Any], documents: list[tuple[str, str, str]]) -> str:
        """A queued job of ``documents`` ``(name, kind, text)``; committed before this returns."""
        job, now = new_id(), time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, owner, state, created, updated, options, total) "
                "VALUES (?, ?, 'queued', ?, ?, ?, ?)",
                (job, owner, now, now, json.dumps(options), len(documents)),
            )
            db.executemany(
                "INSERT INTO documents (job, idx, name, kind, input, state) VALUES (?, ?, ?, ?, ?, 'queued')",
                [(job, i, name, kind, text) for i, (name, kind, text) in enumerate(documents)],
            )
        return job

    def job(self, job: str, owner: str | None = None) -> dict[str, Any] | None:
        """The job (None when it does not exist, or belongs to another owner)."""
        rows = self._rows("SELECT * FROM jobs WHERE id = ?", (job,))
        if not rows or (owner is not None and rows[0]["owner"] != owner):
            return None
        row = rows[0]
        row["options"] = json.loads(row["options"])
        row["stages"] = json.loads(row["stages"])
        return row

    def documents(self, job: str) -> list[dict[str, Any]]:
        return self._rows("SELECT idx, name, kind, state, error FROM documents WHERE job = ? ORDER BY idx", (job,))

    def pending_documents(self, job: str) -> list[dict[str, Any]]:
        sql = "SELECT idx, name, kind, input FROM documents WHERE job = ? AND state = 'queued' ORDER BY idx"
        return self._rows(sql, (job,))

    def result(self, job: str, idx: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT state, result, error, name FROM documents WHERE job = ? AND idx = ?", (job, idx))
        return rows[0] if rows else None

    def queued(self) -> int:
        return int(self._rows("SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued'")[0]["n"])

    def counts(self) -> dict[str, int]:
        return {r["state"]: r["n"] for r in self._rows("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")}

    def requeue_unfinished(self) -> int:
        """Jobs that were running when the server stopped run again (their finished documents are kept)."""
        with self.transaction() as db:
            return db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'").rowcount

    def claim(self) -> dict[str, Any] | None:
        """The oldest queued job, now running."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM jobs WHERE state = 'queued' ORDER BY created LIMIT 1").fetchone()
            if row is None:
                return None
            db.execute("UPDATE jobs SET state = 'running', updated = ? WHERE id = ?", (time.time(), row[0]))
        return self.job(row[0])

    def save_document(self, job: str, idx: int, result: str | None, error: str | None) -> bool:
        """A document's result (JSON) or error, and the job's counts, in one commit; False if the job is gone."""
        state = "done" if error is None else "failed"
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE documents SET state = ?, result = ?, error = ?, input = input WHERE job = ? AND idx = ? "
                "AND state = 'queued'",
                (state, result, error, job, idx),
            ).rowcount
            if not changed:
                return False
            column = "done" if error is None else "failed"
            db.execute(f"UPDATE jobs SET {column} = {column} + 1, updated = ? WHERE id = ?", (time.time(), job))
        return True

    def progress(self, job: str, stage: str, fraction: float, stages: list[dict[str, Any]]) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET stage = ?, progress = ?, stages = ?, updated = ? WHERE id = ?",
                (stage, fraction, json.dumps(stages), time.time(), job),
            )

    def finish(self, job: str, state: str, error: str | None = None) -> None:
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET state = ?, error = ?, finished = ?, updated = ?, progress = 1 WHERE id = ?",
                (state, error, now, now, job),
            )

    def delete_job(self, job: str, owner: str) -> bool:
        """The job, its texts and results removed at once (overwritten in the file); False if not found."""
        with self.transaction() as db:
            row = db.execute("SELECT owner FROM jobs WHERE id = ?", (job,)).fetchone()
            if row is None or row[0] != owner:
                return False
            db.execute("DELETE FROM documents WHERE job = ?", (job,))
            db.execute("DELETE FROM jobs WHERE id = ?", (job,))
        self._checkpoint()
        return True

    def _checkpoint(self) -> None:
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def expire(self, keep_s: float) -> int:
        """Finished jobs and translated files older than ``keep_s`` seconds removed; returns how many."""
        cutoff = time.time() - keep_s
        with self.transaction() as db:
            jobs = [r[0] for r in db.execute("SELECT id FROM jobs WHERE state IN ('done', 'failed') AND finished < ?",
                                             (cutoff,))]  # fmt: skip
            for job in jobs:
                db.execute("DELETE FROM documents WHERE job = ?", (job,))
                db.execute("DELETE FROM jobs WHERE id = ?", (job,))
            files = db.execute("DELETE FROM files WHERE created < ?", (cutoff,)).rowcount
        if jobs or files:
            self._checkpoint()
        return len(jobs) + files

    # ------------------------------------------------------------------------------------ files

    def put_file(self, owner: str, name: str, media: str, data: bytes) -> str:
        ident = new_id()
        with self.transaction() as db:
            db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)", (ident, owner, name, media, data, time.time()))
        return ident

    def file(self, ident: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM files WHERE id = ?", (ident,))
        return rows[0] if rows else None

    # ------------------------------------------------------------------------------ suggestions

    def add_suggestion(self, owner: str, applied: bool, source: str, target: str, q: str, s: str, norm: str) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO suggestions (owner, applied, source, target, q, s, norm, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (owner, int(applied), source, target, q, s, norm, time.time()),
            )
            return int(cursor.lastrowid or 0)

    def suggestions(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Suggestions (of ``owner``, or all), newest first."""
        where, args = ("WHERE owner = ?", (owner,)) if owner is not None else ("", ())
        columns = "id, owner, applied, source, target, q, s, created, revoked"
        sql = f"SELECT {columns} FROM suggestions {where} ORDER BY id DESC"
        return self._rows(sql, args)

    def active_suggestions(self) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT id, source, target, norm, s FROM suggestions WHERE applied = 1 AND revoked IS NULL ORDER BY id"
        )

    def revoke_suggestion(self, ident: int, owner: str | None) -> bool:
        """Revoked (no longer applied); ``owner`` None: any suggestion (an admin key)."""
        with self.transaction() as db:
            row = db.execute("SELECT owner FROM suggestions WHERE id = ? AND revoked IS NULL", (ident,)).fetchone()
            if row is None or (owner is not None and row[0] != owner):
                return False
            db.execute("UPDATE suggestions SET revoked = ? WHERE id = ?", (time.time(), ident))
        return True
