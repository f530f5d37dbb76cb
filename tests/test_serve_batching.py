"""Dynamic batching across requests, on an in-process server whose ``test-hold`` engine counts its calls and
can be held: concurrent requests share batches, a lone request on an idle server goes at once, a client that
disconnects takes its sentences out of the queue, a full queue answers 503, the translation memory is shared,
and the event loop answers while an engine call runs."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from serve_backend import HoldTranslator as H
from serve_fixtures import local_server
from trpipe.serve.batching import Cancelled, ModelQueue
from trpipe.translate.base import DECODING_DEFAULTS


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    from trpipe.models.demo import write_registry

    return write_registry(tmp_path_factory.mktemp("hold") / "models.yaml", {"fr-en": "echo/fr-en", "en-fr": "x/en-fr"})


@pytest.fixture(scope="module")
def server(registry, tmp_path_factory):
    with local_server(tmp_path_factory.mktemp("hold-server"), registry, max_wait_ms=1000, max_pending=64) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh():
    H.reset()
    yield
    H.gate.set()


def translate(url, q, timeout=60):
    return httpx.post(f"{url}/translate", json={"q": q, "source": "fr", "target": "en"}, timeout=timeout)


def until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.005)


def test_concurrent_requests_share_one_batch(server):
    H.gate.clear()
    with ThreadPoolExecutor(16) as pool:
        first = pool.submit(translate, server.url, "La première phrase arrive seule.")
        assert H.entered.wait(10)
        others = [pool.submit(translate, server.url, f"Le client numéro {i} envoie sa phrase.") for i in range(12)]
        until(lambda: server.service.batcher.depth() == 12)
        H.gate.set()
        answers = [f.result() for f in [first, *others]]
    assert [a.status_code for a in answers] == [200] * 13
    assert [a.json()["translatedText"] for a in answers[1:]] == [
        f"[Le client numéro {i} envoie sa phrase.]" for i in range(12)
    ]
    assert sorted(len(batch) for batch in H.batches) == [1, 12]  # 13 requests, 2 engine calls


def test_a_lone_request_on_an_idle_server_goes_at_once(server):
    # The server waits up to 1 s to fill a batch under load: a lone client must never wait for it.
    stats = server.service.batcher.queues[0].stats
    before = len(stats.waits)
    for i in range(5):
        assert translate(server.url, f"Une phrase seule, numéro {i}.").status_code == 200
    assert [len(batch) for batch in H.batches] == [1] * 5
    waits = stats.waits[before:]
    assert len(waits) == 5 and max(waits) < 0.2, waits  # taken at once (a busy machine aside), never 1 s


def test_healthz_answers_while_a_held_batch_runs(server):
    H.gate.clear()
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(translate, server.url, "Cette phrase tient le moteur.")
        assert H.entered.wait(10)
        times = []
        with httpx.Client(timeout=5) as client:  # one kept-alive connection: the server's time, not the client's
            for _ in range(10):
                started = time.monotonic()
                assert client.get(f"{server.url}/healthz").json() == {"status": "ok"}
                times.append(time.monotonic() - started)
        assert not held.done()
        H.gate.set()
        assert held.result().status_code == 200
    assert statistics.median(times) < 0.1, times


def test_a_client_that_disconnects_takes_its_sentences_out_of_the_queue(server):
    import json

    H.gate.clear()
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(translate, server.url, "Cette phrase occupe le moteur.")
        assert H.entered.wait(10)
        body = json.dumps({"q": "Le lecteur pressé part. Il ne reviendra pas.", "source": "fr", "target": "en"})
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            request = (
                f"POST /translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
            )
            sock.sendall(request.encode())
            until(lambda: server.service.batcher.depth() == 2)
        until(lambda: server.service.batcher.depth() == 0)  # the server heard the close and emptied the queue
        H.gate.set()
        assert held.result().status_code == 200
    assert not any("pressé" in t or "reviendra" in t for t in H.seen())
    assert translate(server.url, "Le service continue.").status_code == 200


def test_a_full_queue_answers_503_with_retry_after(server):
    H.gate.clear()
    with ThreadPoolExecutor(4) as pool:
        held = pool.submit(translate, server.url, "Cette phrase occupe le moteur.")
        assert H.entered.wait(10)
        waiting = pool.submit(translate, server.url, [f"Phrase en attente {i}." for i in range(40)])
        until(lambda: server.service.batcher.depth() == 40)
        refused = translate(server.url, [f"Phrase de trop {i}." for i in range(30)])
        assert refused.status_code == 503 and int(refused.headers["retry-after"]) >= 1
        assert "queue" in refused.json()["error"]
        H.gate.set()
        assert held.result().status_code == 200 and waiting.result().status_code == 200
    assert not any("de trop" in t for t in H.seen())


def test_an_engine_fault_is_a_500_for_its_batch_only(server):
    broken = translate(server.url, "Cette phrase contient une FAULT du moteur.")
    assert broken.status_code == 500 and broken.json() == {"error": "Internal error: RuntimeError"}
    assert translate(server.url, "La suivante passe.").json() == {"translatedText": "[La suivante passe.]"}


def test_too_many_requests_at_once_answer_503(registry, tmp_path):
    with local_server(tmp_path, registry, max_inflight=2) as small:
        H.gate.clear()
        with ThreadPoolExecutor(3) as pool:
            held = [pool.submit(translate, small.url, f"Phrase tenue {i}.") for i in range(2)]
            until(lambda: small.service.inflight == 2)
            refused = translate(small.url, "Une de trop.")
            assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
            H.gate.set()
            assert [f.result().status_code for f in held] == [200, 200]


def test_the_translation_memory_is_shared_by_requests(registry, tmp_path):
    with local_server(tmp_path, registry, cache=True) as cached:
        assert translate(cached.url, "Bonjour à tous.").status_code == 200
        both = translate(cached.url, ["Bonjour à tous.", "Au revoir."]).json()["translatedText"]
        assert both == ["[Bonjour à tous.]", "[Au revoir.]"]
    assert H.seen() == ["Bonjour à tous.", "Au revoir."]


# ---------------------------------------------------------------------------- the queue on its own


class _Engine(H):
    def __init__(self, budget=4096):
        from trpipe.models.registry import ModelSpec

        super().__init__(ModelSpec("translation", "fr-en", "echo/fr-en", settings={**DECODING_DEFAULTS}))
        self.settings["batch_tokens"] = budget


def test_batches_hold_the_oldest_sentence_and_keep_to_the_budget():
    engine = _Engine(budget=40)
    H.gate.clear()
    queue = ModelQueue(engine, "fr-en", slots=1, max_wait=0)
    try:
        first = queue.submit(["occupe"])
        assert H.entered.wait(5)
        long = queue.submit([" ".join(["mot"] * 9)])  # 10 tokens: the oldest waiting
        short = queue.submit([f"court {i}" for i in range(20)])  # 3 tokens each
        H.gate.set()
        assert first.wait(5) and long.wait(5) and short.wait(5)
    finally:
        queue.close()
    sizes = [len(b) for b in H.batches]
    assert H.batches[1][0] == " ".join(["mot"] * 9)  # the oldest sentence leads the next batch
    assert all(max(len(t.split()) + 1 for t in batch) * len(batch) <= 40 for batch in H.batches[1:])
    assert sum(sizes) == 22


def test_cancelling_a_ticket_removes_only_its_sentences():
    engine = _Engine()
    H.gate.clear()
    queue = ModelQueue(engine, "fr-en", slots=1, max_wait=0)
    try:
        busy = queue.submit(["occupe"])
        assert H.entered.wait(5)
        gone = queue.submit(["partie un", "partie deux"])
        kept = queue.submit(["reste"])
        assert queue.cancel(gone) == 2 and queue.depth == 1
        outcome: list[BaseException] = []

        def waiter():
            try:
                gone.wait(5)
            except Cancelled as exc:
                outcome.append(exc)

        thread = threading.Thread(target=waiter)
        thread.start()
        thread.join(5)
        H.gate.set()
        assert busy.wait(5) and kept.wait(5) == [("[reste]", None)]
    finally:
        queue.close()
    assert outcome and "partie un" not in H.seen()


def test_a_worker_survives_a_queue_emptied_while_it_waited_for_more():
    """While a worker waits for the clients of the last batch to send their next sentences (lock released),
    another worker or a cancel may take everything: the worker goes back to waiting, it does not die."""

    class Emptied(ModelQueue):
        once = True

        def _gather(self, expected, wait):
            if Emptied.once:
                Emptied.once = False
                self._pending.clear()  # taken while this worker waited
                return
            super()._gather(expected, wait)

    H.gate.set()
    queue = Emptied(_Engine(), "fr-en", slots=1, max_wait=0)
    try:
        with queue._cond:
            queue._returning, queue._returning_until = 10, time.monotonic() + 60
        queue.submit(["pris ailleurs"])
        until(lambda: not Emptied.once)
        assert queue.submit(["encore"]).wait(5) == [("[encore]", None)]
        assert all(thread.is_alive() for thread in queue._threads)
    finally:
        queue.close()


class _TwoReplicas(_Engine):
    """An engine that runs two batches at once at full speed (CTranslate2's replicas on CPU)."""

    @property
    def concurrency(self):
        return 2


def test_a_batch_on_an_idle_engine_is_shared_by_its_replicas_in_order():
    """One request's sentences on an idle two-replica engine are shared by the idle workers (one batch would
    leave a replica idle), answered in their order; a sentence sent meanwhile waits for a free replica."""
    H.gate.clear()
    queue = ModelQueue(_TwoReplicas(), "fr-en", max_wait=0)
    try:
        assert queue.slots == 2
        until(lambda: queue._idle == 2)
        texts = [f"phrase {'longue ' * (6 - i)}{i}" for i in range(6)]
        ticket = queue.submit(texts)
        until(lambda: queue.busy == 2)
        later = queue.submit(["après"])
        time.sleep(0.1)
        assert queue.depth == 1
        H.gate.set()
        assert ticket.wait(5) == [(f"[{t}]", None) for t in texts]
        assert later.wait(5) == [("[après]", None)]
    finally:
        queue.close()
    assert sorted(len(b) for b in H.batches[:2]) == [3, 3] and H.batches[2] == ["après"]
    assert sorted(t for b in H.batches[:2] for t in b) == sorted(texts)


def test_a_worker_takes_no_more_than_its_share_of_the_sentences_in_play():
    """Eight sentences waiting while both replicas finish: no worker takes them all (one replica would idle
    while the other translates the eight): each takes at most half of those waiting and running."""
    H.gate.clear()
    queue = ModelQueue(_TwoReplicas(), "fr-en", max_wait=0)
    try:
        until(lambda: queue._idle == 2)
        first = queue.submit([f"premier groupe {i}" for i in range(8)])  # shared: 4 and 4
        until(lambda: queue.busy == 2)
        second = queue.submit([f"second groupe {i}" for i in range(8)])
        H.gate.set()
        assert first.wait(5) and second.wait(5)
    finally:
        queue.close()
    assert sorted(map(len, H.batches[:2])) == [4, 4]
    assert max(map(len, H.batches[2:])) <= 6 and sum(map(len, H.batches)) == 16


def test_max_engine_batch_bounds_every_engine_call(monkeypatch):
    """``--max-engine-batch`` (TRPIPE_MAX_ENGINE_BATCH) reaches the queues and no engine call holds more
    sentences (the engine's working memory grows with the sentences of a call)."""
    from click.testing import CliRunner

    import trpipe.serve
    from trpipe.cli import cli
    from trpipe.serve.batching import Batcher

    given = []
    monkeypatch.setattr(trpipe.serve, "run", lambda settings, say=None: given.append(settings) or 0)
    result = CliRunner().invoke(cli, ["serve"], env={"TRPIPE_MAX_ENGINE_BATCH": "3"})
    assert result.exit_code == 0 and given[0].max_engine_batch == 3
    assert CliRunner().invoke(cli, ["serve", "--max-engine-batch", "0"]).exit_code == 2

    H.gate.set()
    translator = Batcher(max_batch=given[0].max_engine_batch, max_wait=0).wrap(_Engine())
    try:
        texts = [f"phrase {i}" for i in range(10)]
        assert translator.translate_batch(texts) == [f"[{t}]" for t in texts]
    finally:
        translator.queue.close()
    assert max(map(len, H.batches)) == 3 and sum(map(len, H.batches)) == 10


def test_the_heap_is_given_back_when_the_queue_goes_idle(monkeypatch):
    import trpipe.heap

    released = []
    monkeypatch.setattr(trpipe.heap, "release", lambda: released.append(time.monotonic()))
    queue = ModelQueue(_Engine(), "fr-en", slots=1, max_wait=0)
    try:
        assert queue.submit(["une", "deux"]).wait(5)
        until(lambda: len(released) == 1)
        assert queue.submit(["trois"]).wait(5)  # within a second of the last: not again
        time.sleep(0.1)
        assert len(released) == 1
    finally:
        queue.close()


def test_the_language_tables_are_loaded_before_the_server_is_ready(registry, tmp_path):
    """What every request needs (the identifier's tables, the sentence splitter) is loaded at start, so that
    the first client does not pay for it after /readyz said ready."""
    from trpipe import languages

    languages._detector_scripts.cache_clear()
    with local_server(tmp_path, registry, load=("fr-en",)) as running:
        assert httpx.get(f"{running.url}/readyz", timeout=10).status_code == 200
        assert languages._detector_scripts.cache_info().currsize == 1
