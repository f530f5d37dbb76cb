"""The job runner: worker threads that take queued jobs from the state (oldest first) and translate their
documents through the Session, a group of documents at a time (their sentences share batches), each result
committed as soon as it is complete. Progress (the stage and the share of the work done, and every stage
seen) is written to the state, where ``GET /v1/jobs/{id}`` and its events read it.

A job that was running when the server stopped (SIGTERM, or killed) is queued again at the next start, and
only its documents without a result run again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from trpipe.errors import TrpipeError
from trpipe.progress import Progress
from trpipe.serve.batching import Call, Cancelled

log = logging.getLogger("trpipe.serve")

GROUP = 16  # documents whose sentences share batches
PROGRESS_EVERY_S = 0.2


class JobProgress(Progress):
    """One job's progress: every stage in order, steps done and expected; written to the state now and then."""

    def __init__(self, save):
        super().__init__(enabled=False)
        self.stages: list[dict[str, Any]] = []
        self._save = save
        self._saved = 0.0

    def stage(self, name: str) -> None:
        super().stage(name)
        kind = name.split(" ")[0].rstrip(":")
        now = time.time()
        if self.stages and self.stages[-1]["name"] == name:
            return
        if self.stages and self.stages[-1].get("finished") is None:
            self.stages[-1]["finished"] = now
        self.stages.append({"name": name, "kind": kind, "started": now, "finished": None, "steps_at_start": self.done})
        self.flush(force=True)

    def advance(self, steps: float = 1) -> None:
        super().advance(steps)
        self.flush()

    def expect(self, steps: float) -> None:
        super().expect(steps)
        self.flush()

    def fraction(self) -> float:
        total = self.total()
        return min(1.0, self.done / total) if total > 0 else 0.0

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._saved >= PROGRESS_EVERY_S:
            self._saved = now
            self._save(self.stage_name, self.fraction(), self.stages)


class JobRunner:
    """``workers`` threads running queued jobs until ``stop()``."""

    def __init__(self, service: Any):
        self.service = service
        self.state = service.state
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._calls: dict[str, Call] = {}
        self._lock = threading.Lock()
        workers = max(1, service.settings.job_workers)
        self._threads = [
            threading.Thread(target=self._loop, name=f"trpipe-job-{i}", daemon=True) for i in range(workers)
        ]
        self._last_expiry = 0.0

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """A job was queued."""
        self._wake.set()

    def forget(self, job: str) -> None:
        """A deleted job: what it still has waiting in the queues is taken out."""
        with self._lock:
            call = self._calls.get(job)
        if call is not None:
            call.cancel()

    def stop(self, timeout: float = 30.0) -> None:
        """No new job starts; a running job is cut short and queued again (its finished documents kept)."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            calls = list(self._calls.values())
        for call in calls:
            call.cancel()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._expire()
            job = self.state.claim()
            if job is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                self.run(job)
            except Exception as exc:  # a bug: the job fails with the reason, the runner goes on
                log.error("job %s failed: %s: %s", job["id"], type(exc).__name__, exc, exc_info=exc)
                self.state.finish(job["id"], "failed", f"internal error: {type(exc).__name__}: {exc}")

    def _expire(self) -> None:
        now = time.monotonic()
        if now - self._last_expiry > 60:
            self._last_expiry = now
            try:
                self.state.expire(self.service.settings.keep_s)
            except Exception as exc:
                log.warning("could not remove expired jobs: %s", exc)

    def run(self, job: dict[str, Any]) -> None:
        from trpipe.render.json import json_document
        from trpipe.serve.batching import current_call
        from trpipe.serve.callprogress import current_progress
        from trpipe.serve.documents import finish, make_source

        ident, opts = job["id"], job["options"]
        session = self.service.session
        call = Call()
        with self._lock:
            self._calls[ident] = call
        progress = JobProgress(lambda stage, fraction, stages: self.state.progress(ident, stage, fraction, stages))
        progress.stages = list(job.get("stages") or [])
        pending = self.state.pending_documents(ident)
        progress.set_articles(len(pending))
        current_call.set(call)
        current_progress.set(progress)
        try:
            settings = session.settings_for(opts["to"], source_lang=opts.get("from"), summary=opts.get("summary"))
            for start in range(0, len(pending), GROUP):
                group = pending[start : start + GROUP]
                sources, indices = [], []
                for row in group:
                    try:
                        sources.append(make_source(row["input"], row["kind"], row["name"], self.service.settings))
                        indices.append(row["idx"])
                    except TrpipeError as exc:
                        self.state.save_document(ident, row["idx"], None, str(exc))

                def save(i: int, result, indices=indices) -> None:
                    if isinstance(result, TrpipeError):
                        self.state.save_document(ident, indices[i], None, str(result))
                        return
                    finish(result, opts)
                    self.state.save_document(ident, indices[i], json.dumps(json_document(result)), None)

                try:
                    session.run_group(sources, settings, on_result=save)
                except TrpipeError as exc:  # a model that cannot be loaded: every document of the job fails
                    for row in self.state.pending_documents(ident):
                        self.state.save_document(ident, row["idx"], None, str(exc))
            if progress.stages and progress.stages[-1].get("finished") is None:
                progress.stages[-1]["finished"] = time.time()
            progress.flush(force=True)
            current = self.state.job(ident)
            if current is not None:
                self.state.finish(ident, "done" if current["done"] or not current["total"] else "failed")
        except Cancelled:
            if self.state.job(ident) is not None and self._stop.is_set():
                with self.state.transaction() as db:
                    db.execute("UPDATE jobs SET state = 'queued' WHERE id = ?", (ident,))
        except TrpipeError as exc:
            self.state.finish(ident, "failed", str(exc))
        finally:
            with self._lock:
                self._calls.pop(ident, None)
            current_call.set(None)
            current_progress.set(None)
