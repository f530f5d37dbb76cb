"""Dynamic batching across requests: one queue per loaded model, in front of its engine.

The sentences of every request that needs a model meet in its :class:`ModelQueue`. Worker threads (one per
batch the engine runs at full speed at once: CTranslate2's replicas) take them out in length-sorted batches
of at most the model's token budget (longest sentence x batch size, padding included), always including the
oldest waiting sentence so that none starves, and hand each batch to the engine off the event loop. Results
fan back to the requests (:class:`Ticket`).

How much one worker takes: at most its fair share of the sentences in play (those waiting, those in the
other workers' engine calls, and those of the last batch's clients still on their way back), so that the
replicas run batches of about the same size. One request's sentences on an idle engine are thus shared by
the idle workers and translated on all the replicas at once, and concurrent clients settle into one group
per replica, each sending its next sentences while the other replicas work. Measured on 2 cores with 16
one-sentence clients (benchmarks/SERVE.md, third run), this keeps both replicas busy with batches of 8,
where splitting each batch across the replicas that happened to be idle left them waiting for each other.

When to close a batch: a worker that finds sentences waiting takes them at once when the engine was idle (a
lone request never waits). Only within half a second after a batch of several sentences (concurrent clients,
who are now sending their next sentences) does a worker wait a little for them: until as many sentences as
the batches that just ended held are waiting, or the budget is full, or ``max_wait`` (50 ms by default) or a
tenth of the last engine call has passed, whichever comes first.

A request that goes away (a client that disconnects) cancels its tickets: its sentences still waiting leave
the queue, and nothing of them reaches the engine. A queue holds at most ``max_pending`` sentences; beyond it
:class:`QueueFull` says how long to wait (the service answers 503 with ``Retry-After``).

``BatchingTranslator`` is the Translator the model pool sees (``ModelPool.wrap_engine``), below the
translation memory: the memory answers first, and only its misses enter the queue.
"""

from __future__ import annotations

import contextvars
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from trpipe import heap
from trpipe.translate.base import Translator

log = logging.getLogger("trpipe.serve")

MAX_WAIT_S = 0.050
TRIM_EVERY_S = 1.0  # the C heap is given back at most this often, when the queue has gone idle
RETURN_GRACE_S = 0.5  # how long after a batch of several its clients are expected back (else: idle)
MAX_PENDING = 4096
MAX_BATCH = 128


class Cancelled(BaseException):
    """The request that waited for these sentences is gone."""


class QueueFull(Exception):
    """The model's queue holds as many sentences as it may; ``retry_after`` seconds is a fair wait."""

    def __init__(self, model: str, retry_after: int):
        super().__init__(f"the queue of {model} is full; retry in {retry_after} s")
        self.retry_after = retry_after


class EngineUnavailable(Exception):
    """No copy of the model answers now (its Ray Serve replicas are gone); ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


class QueueClosed(Exception):
    """The server is stopping and takes no new sentences."""


@dataclass
class Call:
    """One request's (or job's) share of the queues: its tickets, cancelled together when it goes away."""

    tickets: list[tuple[ModelQueue, Ticket]] = field(default_factory=list)
    cancelled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, queue: ModelQueue, ticket: Ticket) -> None:
        with self.lock:
            if self.cancelled:
                raise Cancelled()
            self.tickets.append((queue, ticket))

    def cancel(self) -> int:
        """Take this call's waiting sentences out of their queues; returns how many left."""
        with self.lock:
            self.cancelled = True
            tickets, self.tickets = self.tickets, []
        return sum(queue.cancel(ticket) for queue, ticket in tickets)


current_call: contextvars.ContextVar[Call | None] = contextvars.ContextVar("trpipe_serve_call", default=None)


class Ticket:
    """The results of one submission, filled in by the workers as its sentences are translated."""

    def __init__(self, size: int):
        self.results: list[Any] = [None] * size
        self.remaining = size
        self.error: BaseException | None = None
        self.cancelled = False
        self.done = threading.Event()
        if size == 0:
            self.done.set()

    def wait(self, timeout: float | None = None) -> list[Any]:
        self.done.wait(timeout)
        if self.cancelled:
            raise Cancelled()
        if self.error is not None:
            raise self.error
        return self.results


@dataclass
class _Item:
    text: str
    tokens: int
    ticket: Ticket
    index: int
    n: int  # 0: a translation; N: N alternatives
    born: float


@dataclass
class QueueStats:
    """What the metrics read: batches run, their sizes, sentences translated, engine seconds."""

    batches: int = 0
    sentences: int = 0
    engine_seconds: float = 0.0
    sizes: list[int] = field(default_factory=list)  # recent batch sizes (bounded)
    waits: list[float] = field(default_factory=list)  # recent waits in the queue of each batch's oldest sentence


class ModelQueue:
    """The waiting sentences of one model and the workers that feed them to its engine."""

    def __init__(
        self,
        engine: Translator,
        name: str,
        *,
        slots: int | None = None,
        max_pending: int = MAX_PENDING,
        max_wait: float = MAX_WAIT_S,
        max_batch: int = MAX_BATCH,
        on_batch: Callable[[str, int, int, float], None] | None = None,
    ):
        self.engine = engine
        self.name = name
        self.slots = max(1, slots or engine.concurrency)
        self.max_pending = max_pending
        self.max_wait = max_wait
        self.max_batch = max_batch
        self.on_batch = on_batch
        self.stats = QueueStats()
        self._cond = threading.Condition()
        self._pending: list[_Item] = []
        self._idle = 0
        self._trimmed = 0.0
        self._busy = 0  # workers in an engine call
        self._running = 0  # sentences in those calls
        self._returning = 0  # sentences of the last batch of several, whose clients are sending their next
        self._returning_until = 0.0
        self._last_seconds = 0.0
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"trpipe-batch-{i}", daemon=True) for i in range(self.slots)
        ]
        for thread in self._threads:
            thread.start()

    # ------------------------------------------------------------------------------------ requests

    @property
    def depth(self) -> int:
        """Sentences waiting (not yet handed to the engine)."""
        return len(self._pending)

    @property
    def busy(self) -> int:
        return self._busy

    def submit(self, texts: Sequence[str], n: int = 0) -> Ticket:
        """Queue ``texts`` (model-ready, unique) for translation, or for ``n`` alternatives each."""
        ticket = Ticket(len(texts))
        if not texts:
            return ticket
        tokens = self.engine.count_tokens(list(texts))
        now = time.monotonic()
        with self._cond:
            if self._closed:
                raise QueueClosed(f"{self.name}: the server is stopping")
            if self._pending and len(self._pending) + len(texts) > self.max_pending:
                raise QueueFull(self.name, self._retry_after(len(texts)))
            self._pending.extend(_Item(t, k, ticket, i, n, now) for i, (t, k) in enumerate(zip(texts, tokens)))
            self._cond.notify_all()
        return ticket

    def _retry_after(self, extra: int) -> int:
        rate = self.stats.sentences / self.stats.engine_seconds if self.stats.engine_seconds > 0 else 0.0
        backlog = len(self._pending) + extra
        return max(1, min(60, math.ceil(backlog / rate))) if rate > 0 else 5

    def cancel(self, ticket: Ticket) -> int:
        """Remove ``ticket``'s waiting sentences; its waiter gets Cancelled. Returns how many were removed."""
        with self._cond:
            before = len(self._pending)
            self._pending = [item for item in self._pending if item.ticket is not ticket]
            removed = before - len(self._pending)
            if not ticket.done.is_set():
                ticket.cancelled = True
                ticket.done.set()
        return removed

    def close(self, timeout: float = 30.0) -> None:
        """Take no more sentences; the workers finish what is waiting, then stop."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # ------------------------------------------------------------------------------------- workers

    def _take(self) -> list[_Item]:
        """The batch for one worker: length-sorted, within the budget, holding the oldest waiting sentence, and
        at most this worker's fair share of the sentences in play (see the module's docstring)."""
        oldest = self._pending[0]
        same = [item for item in self._pending if item.n == oldest.n]
        same.sort(key=lambda item: -item.tokens)
        budget = self.engine.batch_tokens
        expected = self._returning if time.monotonic() < self._returning_until else 0
        in_play = len(same) + self._running + max(0, expected - len(self._pending))
        cap = min(self.max_batch, max(1, math.ceil(in_play / self.slots)))
        at = next(i for i, item in enumerate(same) if item is oldest)
        lo = hi = at  # grow a window of neighbours in length around the oldest sentence
        while hi - lo + 1 < cap:
            width = same[lo].tokens
            grow_hi = hi + 1 < len(same) and width * (hi - lo + 2) <= budget
            grow_lo = lo > 0 and same[lo - 1].tokens * (hi - lo + 2) <= budget
            if grow_hi:
                hi += 1
            elif grow_lo:
                lo -= 1
            else:
                break
        batch = same[lo : hi + 1]
        taken = {id(item) for item in batch}
        self._pending = [item for item in self._pending if id(item) not in taken]
        return batch

    def _work(self) -> None:
        while True:
            with self._cond:
                self._idle += 1
                while not self._closed and not self._pending:
                    self._cond.wait()
                if not self._pending:
                    self._idle -= 1
                    return
                if self._returning > len(self._pending) and time.monotonic() < self._returning_until:
                    self._gather(self._returning, min(self.max_wait, self._last_seconds / 10))
                    if not self._pending:  # taken or cancelled meanwhile
                        self._idle -= 1
                        continue
                batch = self._take()
                self._returning = max(0, self._returning - len(batch))
                self._idle -= 1
                self._busy += 1
                self._running += len(batch)
            started = time.monotonic()
            waited = started - min(item.born for item in batch)
            log.debug("%s: a batch of %d, its oldest sentence waited %.0f ms", self.name, len(batch), waited * 1000)
            try:
                self._run(batch)
            finally:
                seconds = time.monotonic() - started
                with self._cond:
                    self._busy -= 1
                    self._running -= len(batch)
                    self._last_seconds = seconds
                    if len(batch) > 1:  # concurrent clients: they send their next sentences now
                        now = time.monotonic()
                        recent = self._returning if now < self._returning_until else 0
                        self._returning = min(self.max_batch * self.slots, recent + len(batch))
                        self._returning_until = now + RETURN_GRACE_S
                    self.stats.batches += 1
                    self.stats.sentences += len(batch)
                    self.stats.engine_seconds += seconds
                    self.stats.sizes = [*self.stats.sizes[-255:], len(batch)]
                    self.stats.waits = [*self.stats.waits[-255:], waited]
                    trim = not self._pending and not self._busy and time.monotonic() - self._trimmed > TRIM_EVERY_S
                    if trim:
                        self._trimmed = time.monotonic()
                if trim:
                    # a burst's working memory (batches, requests) goes back to the system once it is over
                    heap.release()
                if self.on_batch is not None:
                    self.on_batch(self.name, len(batch), sum(item.tokens for item in batch), seconds)

    def _gather(self, expected: int, wait: float) -> None:
        """Wait (lock held, released while waiting) up to ``wait`` s for ``expected`` sentences or a full budget."""
        deadline = time.monotonic() + wait
        budget = self.engine.batch_tokens
        while not self._closed:
            waiting = self._pending
            width = max(item.tokens for item in waiting) if waiting else 0
            if len(waiting) >= expected or width * (len(waiting) + 1) > budget or len(waiting) >= self.max_batch:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._cond.wait(left)

    def _run(self, batch: list[_Item]) -> None:
        texts = [item.text for item in batch]
        try:
            if batch[0].n:
                outputs: list[Any] = self.engine.alternatives(texts, batch[0].n)
            else:
                outputs = self.engine.translate_batch_scored(texts)
            if len(outputs) != len(texts):
                raise RuntimeError(f"backend {self.engine.backend} returned {len(outputs)} of {len(texts)}")
        except BaseException as exc:  # every waiter hears of it; the worker goes on with the next batch
            log.debug("batch of %d for %s failed", len(batch), self.name, exc_info=True)
            with self._cond:
                for item in batch:
                    if not item.ticket.done.is_set():
                        item.ticket.error = exc
                        item.ticket.done.set()
            if not isinstance(exc, Exception):
                raise
            return
        with self._cond:
            for item, output in zip(batch, outputs):
                ticket = item.ticket
                if ticket.done.is_set():
                    continue
                ticket.results[item.index] = output
                ticket.remaining -= 1
                if ticket.remaining == 0:
                    ticket.done.set()


class BatchingTranslator(Translator):
    """The model pool's view of a queued engine: same spec, settings, description and decoding as the engine
    (so the translation memory's keys do not change), translations through the queue."""

    def __init__(self, engine: Translator, queue: ModelQueue):
        # No super().__init__: spec and settings are the engine's own objects.
        self.engine = engine
        self.queue = queue
        self.spec = engine.spec
        self.settings = engine.settings
        self.backend = engine.backend

    @property
    def max_input_tokens(self) -> int:
        return self.engine.max_input_tokens

    @property
    def batch_tokens(self) -> int:
        return self.engine.batch_tokens

    @property
    def concurrency(self) -> int:
        return self.engine.concurrency

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.engine.count_tokens(texts)

    def _submit(self, texts: Sequence[str], n: int = 0) -> Ticket:
        call = current_call.get()
        if call is not None and call.cancelled:
            raise Cancelled()
        ticket = self.queue.submit(texts, n)
        if call is not None:
            call.add(self.queue, ticket)
        return ticket

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        return [text for text, _ in self.translate_batch_scored(texts)]

    def translate_batch_scored(self, texts: Sequence[str]) -> list[tuple[str, float | None]]:
        return self._submit(texts).wait()

    def translate_batches_scored(self, batches: Sequence[Sequence[str]]) -> Iterator[list[tuple[str, float | None]]]:
        """Every batch queued at once (the queue re-batches them with other requests' sentences), each
        yielded as soon as it and those before it are done."""
        tickets = [self._submit(batch) for batch in batches]
        for ticket in tickets:
            yield ticket.wait()

    def alternatives(self, texts: Sequence[str], n: int) -> list[list[str]]:
        return self._submit(texts, n).wait() if texts and n > 0 else [[] for _ in texts]

    def decoding(self) -> dict[str, Any]:
        return self.engine.decoding()

    def describe(self) -> dict[str, Any]:
        return self.engine.describe()

    def close(self) -> None:
        self.queue.close()
        self.engine.close()


class Batcher:
    """The queues of one service, one per loaded engine: ``wrap`` is the model pool's ``wrap_engine``."""

    def __init__(
        self,
        *,
        max_pending: int = MAX_PENDING,
        max_wait: float = MAX_WAIT_S,
        max_batch: int = MAX_BATCH,
        on_batch: Callable[[str, int, int, float], None] | None = None,
    ):
        self.max_pending = max_pending
        self.max_wait = max_wait
        self.max_batch = max_batch
        self.on_batch = on_batch
        self.queues: list[ModelQueue] = []
        self._lock = threading.Lock()

    def wrap(self, engine: Translator) -> Translator:
        queue = ModelQueue(
            engine,
            engine.spec.key or engine.spec.model,
            max_pending=self.max_pending,
            max_wait=self.max_wait,
            max_batch=self.max_batch,
            on_batch=self.on_batch,
        )
        with self._lock:
            self.queues.append(queue)
        return BatchingTranslator(engine, queue)

    def depth(self) -> int:
        return sum(queue.depth for queue in self.queues)

    def close(self, timeout: float = 30.0) -> None:
        for queue in list(self.queues):
            queue.close(timeout)
