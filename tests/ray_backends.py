"""Test backends for runs on the test Ray cluster (``ray_cluster.py``), registered on import.

The cluster's nodes import this module in every Python process they start (a ``sitecustomize`` on their
``PYTHONPATH``), so the actors know these backends as the driver does. Each node has a name
(``$TRPIPE_TEST_NODE``: ``worker-1``, ``worker-2``, ...) and shares a control folder with the test
(``$TRPIPE_TEST_CONTROL``):

* ``node-echo``: test-echo that notes, for each batch, the node that translated it
  (``CONTROL/batches-NODE.log``: one line per sentence), and takes ``CONTROL/slow`` seconds per batch
  when that file exists;
* ``hold-echo``: node-echo that, on a node whose ``CONTROL/hold-NODE`` file exists, writes
  ``CONTROL/holding-NODE`` and then blocks until the node is killed (a group provably in flight there).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from echo_backend import EchoTranslator
from trpipe.translate.base import register_backend

HOLD_S = 300.0  # a held batch gives up after this long (the test that holds it has failed by then)


def _control() -> Path | None:
    folder = os.environ.get("TRPIPE_TEST_CONTROL")
    return Path(folder) if folder else None


def node_name() -> str:
    return os.environ.get("TRPIPE_TEST_NODE", "driver")


@register_backend("node-echo")
class NodeEcho(EchoTranslator):
    """test-echo that logs which node translated each sentence."""

    def translate_batch(self, texts):
        control = _control()
        if control is not None:
            with (control / f"batches-{node_name()}.log").open("a", encoding="utf-8") as handle:
                handle.write("".join(text.replace("\n", " ") + "\n" for text in texts))
            slow = control / "slow"
            if slow.exists():
                time.sleep(float(slow.read_text(encoding="utf-8") or 0))
        return super().translate_batch(texts)


@register_backend("hold-echo")
class HoldEcho(NodeEcho):
    """node-echo that blocks on a node told to hold (see the module docstring)."""

    def translate_batch(self, texts):
        control = _control()
        if control is not None and (control / f"hold-{node_name()}").exists():
            holding = control / f"holding-{node_name()}"
            holding.with_suffix(".part").write_text("\n".join(texts), encoding="utf-8")
            os.replace(holding.with_suffix(".part"), holding)  # whole when the test sees it
            deadline = time.monotonic() + HOLD_S
            while time.monotonic() < deadline:
                time.sleep(0.05)
            raise RuntimeError(f"{node_name()} held a batch for {HOLD_S:g} s and was never killed")
        return super().translate_batch(texts)
