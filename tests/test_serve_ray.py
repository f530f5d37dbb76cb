"""``trpipe serve --engine ray``: the same API with the model on two Ray Serve replicas; one replica killed
(SIGKILL) while requests are in flight, and no accepted request is lost."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from serve_fixtures import LocalServer
from serve_ray_fixtures import ray_for_serve  # noqa: F401


@pytest.fixture(scope="module")
def ray_server(ray_for_serve, tmp_path_factory):  # noqa: F811
    from trpipe.models.demo import write_registry
    from trpipe.serve import ServeSettings
    from trpipe.serve.ray_serve import start_ray

    folder = tmp_path_factory.mktemp("ray-serve")
    registry = write_registry(folder / "models.yaml", {"fr-en": "echo/fr-en"})
    settings = ServeSettings(models_file=str(registry), backend="test-hold", cache=False, engine="ray", replicas=2,
                             load=("fr-en",), state_dir=folder / "state", summary=False)  # fmt: skip
    assert start_ray(settings) is False  # the fixture's Ray is joined, Serve started without its proxy
    server = LocalServer(settings)
    try:
        yield server, ray_for_serve
    finally:
        server.stop()


def test_two_replicas_survive_one_killed_mid_load(ray_server):
    server, busy = ray_server
    url = server.url
    engine = server.service.batcher.queues[0].engine
    assert engine.concurrency == 2 and engine.backend == "test-hold"
    pids = engine.pids()
    assert len(pids) == 2 and os.getpid() not in pids  # two replicas, neither in the ingress

    def ask(i: int) -> httpx.Response:
        return httpx.post(f"{url}/translate", json={"q": f"Phrase {i} du lecteur.", "source": "fr", "target": "en"},
                          timeout=120)  # fmt: skip

    with ThreadPoolExecutor(24) as pool:
        futures = [pool.submit(ask, i) for i in range(60)]
        deadline = time.monotonic() + 30
        while not (working := {int(p.name) for p in busy.iterdir()} & pids):  # a replica in the middle of a batch
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(min(working), signal.SIGKILL)
        answers = [f.result() for f in futures]
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 503} and statuses.count(200) >= 58, statuses
    for i, answer in enumerate(answers):
        if answer.status_code == 200:
            assert answer.json() == {"translatedText": f"[Phrase {i} du lecteur.]"}
        else:
            assert int(answer.headers["retry-after"]) >= 1
    assert engine.lost >= 1  # the batch the killed replica held was sent again
    assert ask(100).status_code == 200
    assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
