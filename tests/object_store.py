"""A local S3 server for a test session (moto's, on 127.0.0.1): ``s3_server`` starts it on first use, sets
the AWS variables that point the storage libraries at it (an endpoint, test credentials) for the session,
and stops it at the end. ``bucket`` gives a test a bucket of its own (``s3://NAME``).

The Ray test cluster (``ray_cluster.py``) gives its nodes the same variables, so that actors read and
write the same buckets.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import pytest


class S3Server:
    """moto's S3 server in a thread of this process, and the environment that reaches it."""

    __test__ = False

    def __init__(self):
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").disabled = True  # one line per request otherwise
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def filesystem(self):
        import s3fs

        return s3fs.S3FileSystem(skip_instance_cache=True)

    def bucket(self) -> str:
        name = f"trpipe-{uuid.uuid4().hex[:12]}"
        self.filesystem().mkdir(name)
        return name

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """The session's S3 server (the AWS variables point at it while the session runs)."""
    pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    server = S3Server()
    saved = {key: os.environ.get(key) for key in server.env}
    os.environ.update(server.env)
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


@pytest.fixture
def bucket(s3_server) -> str:
    """A new empty bucket on the session's S3 server."""
    return s3_server.bucket()
