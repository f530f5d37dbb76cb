"""The Ray Serve test's Ray: the session's multi-node test cluster (``ray_cluster.py``: a head without CPUs and
two one-CPU worker nodes with a capped object store), joined by this process as a driver for the module that
uses it, so that the suite starts one Ray cluster in all.

The replicas run on the worker nodes, whose Python path holds ``tests/`` (the ``test-hold`` backend of
``serve_backend``, which the ingress names in ``TRPIPE_BACKEND_MODULES`` for the replicas to import). The
variables the backend reads in the replicas travel in this driver's job ``runtime_env`` (Serve gives the
driver's runtime environment to the deployments it runs): the test engine is slowed (``TRPIPE_TEST_DELAY``) so
that a batch is in flight when a replica is killed, and ``TRPIPE_TEST_BUSY_DIR`` shows which replica holds one.
"""

from __future__ import annotations

import logging
import os

import pytest


@pytest.fixture(scope="module")
def ray_for_serve(ray_cluster, tmp_path_factory):
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.serve")
    if ray.is_initialized():  # another module's Ray in this process: join the cluster on a clean slate
        ray.shutdown()
    busy = tmp_path_factory.mktemp("busy")
    ray_cluster.ensure_workers(2)  # one replica per worker node (a node killed by an engine test is replaced)
    saved = os.environ.get("TRPIPE_BACKEND_MODULES")
    os.environ["TRPIPE_BACKEND_MODULES"] = "serve_backend"  # read by the ingress, imported by the replicas
    env = {"TRPIPE_TEST_DELAY": "0.3", "TRPIPE_TEST_BUSY_DIR": str(busy)}
    ray.init(
        address=ray_cluster.address, runtime_env={"env_vars": env}, log_to_driver=False, logging_level=logging.ERROR
    )
    try:
        yield busy
    finally:
        from ray import serve

        try:
            serve.shutdown()
        finally:
            ray.shutdown()  # leaves the session's cluster running
            if saved is None:
                os.environ.pop("TRPIPE_BACKEND_MODULES", None)
            else:
                os.environ["TRPIPE_BACKEND_MODULES"] = saved
