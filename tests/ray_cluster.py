"""One Ray cluster of several nodes on this machine for a whole test session (``ray.cluster_utils.Cluster``).

``ray_cluster`` (session scope) starts, on first use, a head node with no CPU (drivers join it; no actor
runs there) and two worker nodes with one CPU each, every node with a capped object store, and shuts them
all down at the end of the session. Tests join it as users join a cluster: ``--ray-address`` with
``cluster.address``, from a driver process of their own (``cluster.spawn``). ``cluster`` (function
scope) gives a test the session's cluster with two live worker nodes (a node killed by an earlier test is
replaced) and an empty control folder.

Every node runs its Python processes with ``tests/`` on the path and imports ``ray_backends`` at start
(a ``sitecustomize``), so actors know the test backends; each node's ``$TRPIPE_TEST_NODE`` names it
(``worker-1``, ``worker-2``, ...) and ``$TRPIPE_TEST_CONTROL`` is the control folder the backends watch.
The nodes have the session's S3 server's variables (``object_store.py``): actors read and write its buckets.

Shared by the suite's Ray tests (the engine's cluster tests, and the service's Ray Serve tests).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
OBJECT_STORE_BYTES = 80 * 1024 * 1024  # per node: Ray's floor is 75 MiB; small enough to show back-pressure
WORKER_CPUS = 1
_SITE = """import sys
sys.path.insert(0, {tests!r})
try:
    import ray_backends  # noqa: F401  (registers the test backends in every process of the node)
except Exception:  # a process that cannot import trpipe (Ray's own agents): nothing to register
    pass
"""
_DRIVER = """
import sys
sys.path.insert(0, {tests!r})
import ray_backends  # registers the test backends
from trpipe.cli import main
sys.argv = ["trpipe", *{args!r}]
main()
"""


class TestCluster:
    """A head and worker nodes (see the module docstring)."""

    __test__ = False  # not a test class

    def __init__(self, root: Path, workers: int = 2, env: dict[str, str] | None = None):
        from ray.cluster_utils import Cluster

        self.root = root
        self.env = dict(env or {})
        self.control = root / "control"
        self.site = root / "site"
        for folder in (self.control, self.site):
            folder.mkdir(parents=True, exist_ok=True)
        (self.site / "sitecustomize.py").write_text(_SITE.format(tests=str(TESTS)), encoding="utf-8")
        self.workers: dict[str, object] = {}
        self.started = 0
        head = {
            "num_cpus": 0,
            # a killed node is known dead in about 2 s (Ray's defaults: tens of seconds), so that runs name it
            "_system_config": {
                "health_check_initial_delay_ms": 1000,
                "health_check_period_ms": 500,
                "health_check_timeout_ms": 500,
                "health_check_failure_threshold": 3,
            },
            "object_store_memory": OBJECT_STORE_BYTES,
            "include_dashboard": False,
            "env_vars": self.node_env("head"),
        }
        self.cluster = Cluster(initialize_head=True, head_node_args=head)
        try:
            self.ensure_workers(workers)
        except BaseException:
            self.shutdown()
            raise

    @property
    def address(self) -> str:
        return self.cluster.address

    def node_env(self, name: str) -> dict[str, str]:
        path = os.pathsep.join([str(self.site), str(TESTS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        return {**self.env, "PYTHONPATH": path, "TRPIPE_TEST_NODE": name, "TRPIPE_TEST_CONTROL": str(self.control)}

    # ------------------------------------------------------------------------------------- nodes

    def add_worker(self) -> str:
        """Start one more worker node; its name."""
        self.started += 1
        name = f"worker-{self.started}"
        self.workers[name] = self.cluster.add_node(
            num_cpus=WORKER_CPUS, object_store_memory=OBJECT_STORE_BYTES, env_vars=self.node_env(name)
        )
        return name

    def ensure_workers(self, count: int) -> None:
        """Live worker nodes up to ``count`` (killed ones replaced), joined before this returns."""
        while len(self.workers) < count:
            self.add_worker()
        self.cluster.wait_for_nodes()

    def kill(self, name: str) -> None:
        """Kill a worker node at once (every process of it), as a machine that fails."""
        self.cluster.remove_node(self.workers.pop(name), allow_graceful=False)

    def node_id(self, name: str) -> str:
        return self.workers[name].node_id

    # ------------------------------------------------------------------------------------ drivers

    def spawn(self, args: Sequence[object], env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
        """``trpipe ARGS`` in a driver process of its own, which knows the test backends."""
        code = _DRIVER.format(tests=str(TESTS), args=[os.fspath(a) if isinstance(a, Path) else str(a) for a in args])
        full = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen([sys.executable, "-c", code], env=full, text=True, **popen)

    def reset_control(self) -> None:
        for path in self.control.iterdir():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def batches(self, name: str) -> list[str]:
        """The sentences node ``name`` translated with a node-echo backend, in order."""
        log = self.control / f"batches-{name}.log"
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.cluster.shutdown()


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory, request) -> Iterator[TestCluster]:
    """The session's cluster: a head without CPUs and two one-CPU worker nodes, started on first use. Its
    nodes reach the session's S3 server (``object_store.py``) when moto is installed."""
    pytest.importorskip("ray")
    env = {}
    with contextlib.suppress(pytest.skip.Exception):  # no moto or s3fs here: the cluster has no object storage
        env = request.getfixturevalue("s3_server").env
    started = time.monotonic()
    cluster = TestCluster(tmp_path_factory.mktemp("ray-cluster"), env=env)
    cluster.start_s = time.monotonic() - started
    try:
        yield cluster
    finally:
        cluster.shutdown()


@pytest.fixture
def cluster(ray_cluster) -> TestCluster:
    """The session's cluster with two live worker nodes and an empty control folder."""
    ray_cluster.ensure_workers(2)
    ray_cluster.reset_control()
    return ray_cluster
