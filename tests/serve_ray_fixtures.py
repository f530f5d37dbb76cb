"""The Ray Serve test's Ray: one local instance for the module that uses it (module-scoped: tests/test_ray.py
starts and stops its own Ray per module, and two Ray instances cannot live in one process; the lead merges
these into the suite's one Ray per session).

Ray's workers inherit this process's environment when Ray starts, so the test backends' folder is put on
PYTHONPATH and named in TRPIPE_BACKEND_MODULES first, and the test engine is slowed (TRPIPE_TEST_DELAY) so
that a batch is in flight when a replica is killed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)


@pytest.fixture(scope="module")
def ray_for_serve(tmp_path_factory):
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.serve")
    names = ("PYTHONPATH", "TRPIPE_BACKEND_MODULES", "TRPIPE_TEST_DELAY", "TRPIPE_TEST_BUSY_DIR")
    saved = {k: os.environ.get(k) for k in names}
    busy = tmp_path_factory.mktemp("busy")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [HERE, saved["PYTHONPATH"]]))
    os.environ["TRPIPE_BACKEND_MODULES"] = "serve_backend"
    os.environ["TRPIPE_TEST_DELAY"] = "0.3"
    os.environ["TRPIPE_TEST_BUSY_DIR"] = str(busy)
    ray.init(address="local", num_cpus=4, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    try:
        yield busy
    finally:
        from ray import serve

        serve.shutdown()
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
