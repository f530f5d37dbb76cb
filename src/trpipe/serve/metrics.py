"""``GET /metrics`` in Prometheus' text format (prometheus_client, one registry per app): requests by route
and status, latencies, requests in flight, queue depth, batch sizes, sentences translated and per second,
jobs by state."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("trpipe_requests", "HTTP requests answered", ["route", "method", "status"], registry=r)
        self.latency = Histogram(
            "trpipe_request_seconds", "Time to answer a request", ["route"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.batch_sizes = Histogram(
            "trpipe_batch_sentences", "Sentences per engine batch", ["model"], buckets=BATCH_BUCKETS, registry=r
        )
        self.sentences = Counter("trpipe_sentences", "Sentences translated by an engine", ["model"], registry=r)
        self.engine_seconds = Counter("trpipe_engine_seconds", "Seconds the engines spent on batches", registry=r)
        self.inflight = Gauge("trpipe_requests_in_flight", "Requests being translated", registry=r)
        self.queue_depth = Gauge("trpipe_queue_sentences", "Sentences waiting in the batching queues", registry=r)
        self.rate = Gauge("trpipe_sentences_per_second", "Sentences translated per second over the last minute",
                          registry=r)  # fmt: skip
        self.jobs = Gauge("trpipe_jobs", "Jobs by state", ["state"], registry=r)
        self.ready_gauge = Gauge("trpipe_ready_seconds", "Seconds from start to ready", registry=r)
        self.ready_seconds = 0.0
        self._recent: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()
        self._service: Any = None

    def bind(self, service: Any) -> None:
        self._service = service

    def batch(self, model: str, size: int, tokens: int, seconds: float) -> None:
        self.batch_sizes.labels(model).observe(size)
        self.sentences.labels(model).inc(size)
        self.engine_seconds.inc(seconds)
        now = time.monotonic()
        with self._lock:
            self._recent.append((now, size))
            while self._recent and self._recent[0][0] < now - 60:
                self._recent.popleft()

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        service = self._service
        now = time.monotonic()
        with self._lock:
            while self._recent and self._recent[0][0] < now - 60:
                self._recent.popleft()
            window = min(60.0, now - self._recent[0][0]) if self._recent else 0.0
            total = sum(size for _, size in self._recent)
        self.rate.set(total / max(window, 1.0) if total else 0.0)
        self.ready_gauge.set(self.ready_seconds)
        if service is not None:
            self.inflight.set(service.inflight)
            self.queue_depth.set(service.batcher.depth())
            counts = service.state.counts()
            for state in ("queued", "running", "done", "failed"):
                self.jobs.labels(state).set(counts.get(state, 0))
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
