"""Servers for the service's tests.

* ``served`` (one per test session): ``trpipe serve`` as a real child process on a free port of 127.0.0.1,
  with the tiny real models (fr-en loaded at start), API keys (optional), suggestions applied, and limits
  small enough to exercise.
* ``ChildServer``: a short-lived ``trpipe serve`` child of a test's own (restart, SIGTERM, kill tests).
* ``local_server(...)``: uvicorn in a thread of the test process, on the ``test-hold`` backend, for tests
  that hold engine calls or look inside the service.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MAIN = HERE / "serve_main.py"
KEYS = {"suggest": "suggest-key-0001", "plain": "plain-key-0002", "admin": "admin-key-0003", "other": "other-key-0004"}


def wait_ready(url: str, timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{url} not ready after {timeout} s")


class ChildServer:
    """``trpipe serve ARGS --port 0`` in a child process; ``url`` once it listens."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, ready: bool = True, timeout: float = 120):
        self.lines: list[str] = []
        full_env = {**os.environ, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, str(MAIN), "serve", "--port", "0", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
        )
        self._listening = threading.Event()
        self.url = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._listening.wait(timeout):
            self.kill()
            raise TimeoutError("trpipe serve did not start:\n" + "\n".join(self.lines[-30:]))
        if not self.url:
            raise RuntimeError("trpipe serve stopped:\n" + "\n".join(self.lines[-30:]))
        if ready:
            wait_ready(self.url, timeout)

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            found = re.search(r"serving on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                self._listening.set()
        self._listening.set()

    def terminate(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self._reader.join(5)


@pytest.fixture(scope="session")
def served(tiny_registry, tmp_path_factory):
    """The session's ``trpipe serve`` (tiny models). Yields ``(url, keys)``."""
    folder = tmp_path_factory.mktemp("served")
    keys = folder / "keys.txt"
    keys.write_text(
        f"# test keys\n{KEYS['suggest']} suggest\n{KEYS['plain']}\n{KEYS['admin']} admin\n{KEYS['other']}\n",
        encoding="utf-8",
    )
    server = ChildServer(
        [
            "--models",
            str(tiny_registry),
            "--load",
            "fr-en",
            "--state-dir",
            str(folder / "state"),
            "--api-keys",
            str(keys),
            "--suggestions",
            "apply",
            "--char-limit",
            "5000",
            "--batch-limit",
            "50",
            "--body-limit",
            "262144",
            "--upload-limit",
            "65536",
            "--alternatives-limit",
            "3",
        ],
        env={"TRPIPE_CACHE_DIR": str(folder / "cache")},
    )
    try:
        yield server.url, dict(KEYS), server
    finally:
        server.terminate()


class LocalServer:
    """uvicorn in a thread of this process; ``service`` is the running Service."""

    def __init__(self, settings, session=None):
        import uvicorn

        from trpipe.serve import create_app

        self.app = create_app(settings, session=session)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        wait_ready(self.url, 60)
        self.service = self.app.state.service

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(60)


@contextlib.contextmanager
def local_server(tmp_path: Path, registry: Path, **settings):
    """An in-process server on the ``test-hold`` backend (no translation memory unless ``cache=True``)."""
    import serve_backend
    from trpipe.serve import ServeSettings

    serve_backend.HoldTranslator.reset()
    choices = {
        "models_file": str(registry),
        "backend": "test-hold",
        "cache": False,
        "state_dir": tmp_path / "state",
        "cache_dir": str(tmp_path / "cache"),
        "summary": False,
        **settings,
    }
    server = LocalServer(ServeSettings(**choices))
    try:
        yield server
    finally:
        serve_backend.HoldTranslator.gate.set()
        server.stop()
