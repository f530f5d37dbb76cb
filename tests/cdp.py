"""Driving headless Chromium like a reader does, through the DevTools protocol on a pipe (no extra package, no
port): real key presses (Tab moves the focus as it does for a person), mouse moves, files given to an upload
field, waiting for the page, and reading the page's state and that of its frames.

    with Browser(chromium) as browser:
        browser.open(path.as_uri())
        browser.key("Tab")
        browser.evaluate("document.activeElement.className")
        browser.wait_until("document.body.dataset.state === 'shown'")
        frame = browser.frame_context("format=html")
        browser.evaluate("document.title", context=frame)

Chromium reads commands on its file descriptor 3 and writes answers and events on 4, each a JSON message
ended by a NUL byte (``--remote-debugging-pipe``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

# docs/make_screenshot.py: how Chromium is found (TRPIPE_CHROMIUM, PATH) and the flags it runs with.
_spec = importlib.util.spec_from_file_location(
    "make_screenshot", Path(__file__).parents[1] / "docs" / "make_screenshot.py"
)
shots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shots)
find_chromium = shots.find_chromium
needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium not installed (Debian: apt-get install -y chromium; or set TRPIPE_CHROMIUM)",
)

KEYS = {"Tab": 9, "Enter": 13, "Escape": 27, "n": 78, "p": 80}
# Every frame in the page's process, so that a sandboxed frame's document can be read from the page.
FRAME_FLAGS = ("--disable-site-isolation-trials", "--disable-features=IsolateSandboxedIframes,site-per-process")


class Browser:
    """Headless Chromium with one tab, driven over ``--remote-debugging-pipe`` (a context manager)."""

    def __init__(
        self, binary: str, flags: tuple[str, ...] = shots.CHROMIUM_FLAGS, width: int = 1280, height: int = 900
    ):
        self.binary, self.flags, self.size = binary, (*flags, *FRAME_FLAGS), (width, height)
        self.next_id = 0
        self.buffer = b""
        self.events: list[dict] = []

    def __enter__(self) -> Browser:
        self.profile = tempfile.TemporaryDirectory(prefix="trpipe-cdp-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds() -> None:  # in the child: its fd 3 reads our commands, its fd 4 writes its answers
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.process = subprocess.Popen(
            [
                self.binary,
                *self.flags,
                f"--user-data-dir={self.profile.name}",
                "--remote-debugging-pipe",
                f"--window-size={self.size[0]},{self.size[1]}",
                "about:blank",
            ],
            preexec_fn=fds,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable", session=True)
        self.send("Runtime.enable", session=True)
        self.send("DOM.enable", session=True)
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):  # closing is best effort: the process is killed below
            self.send("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.to_chrome, self.from_chrome):
            os.close(fd)
        self.profile.cleanup()

    # ------------------------------------------------------------------------------------ protocol

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: bool = False, timeout: float = 30) -> dict:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_event(self, event: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, seen in enumerate(self.events):
                if seen.get("method") == event:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))

    # ------------------------------------------------------------------------------------ a reader

    def open(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=True)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str, context: int | None = None) -> Any:
        """The value of ``expression`` (a promise awaited) in the page, or in the frame of ``context``."""
        params: dict[str, Any] = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.send("Runtime.evaluate", params, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, expression: str, timeout: float = 60, context: int | None = None) -> Any:
        """Evaluate ``expression`` until it is truthy; its value (TimeoutError after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression, context)
            except RuntimeError:  # not there yet (a frame reloading, an element not made)
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"never true: {expression}")
            time.sleep(0.05)

    def set_files(self, selector: str, paths: list[str]) -> None:
        """Give files to the ``<input type=file>`` matching ``selector``, as a person choosing them does."""
        root = self.send("DOM.getDocument", session=True)["root"]["nodeId"]
        node = self.send("DOM.querySelector", {"nodeId": root, "selector": selector}, session=True)["nodeId"]
        self.send("DOM.setFileInputFiles", {"nodeId": node, "files": paths}, session=True)

    def frame_context(self, url_part: str, timeout: float = 30) -> int:
        """The execution context of the child frame whose document URL holds ``url_part``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tree = self.send("Page.getFrameTree", session=True)["frameTree"]
            frames = {child["frame"]["id"]: child["frame"]["url"] for child in tree.get("childFrames", [])}
            wanted = {fid for fid, url in frames.items() if url_part in url}
            for event in reversed(self.events):
                if event.get("method") == "Runtime.executionContextCreated":
                    context = event["params"]["context"]
                    aux = context.get("auxData", {})
                    if aux.get("frameId") in wanted and aux.get("isDefault"):
                        return context["id"]
            self.send("Runtime.evaluate", {"expression": "1"}, session=True)  # lets events arrive
            time.sleep(0.1)
        raise TimeoutError(f"no frame with {url_part!r}")

    def key(self, name: str, shift: bool = False) -> None:
        """Press and release a key, as the keyboard does (Tab moves the focus)."""
        code = KEYS[name]
        base = {"key": name, "code": name if len(name) > 1 else f"Key{name.upper()}", "windowsVirtualKeyCode": code,
                "modifiers": 8 if shift else 0}  # fmt: skip
        text = {"text": name} if len(name) == 1 else {"text": "\r"} if name == "Enter" else {}
        self.send("Input.dispatchKeyEvent", {"type": "keyDown" if text else "rawKeyDown", **base, **text}, session=True)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **base}, session=True)

    def hover(self, selector: str) -> None:
        """Move the mouse onto the middle of the first element matching ``selector`` (scrolled into view)."""
        box = self.evaluate(
            f"(function () {{ var el = document.querySelector({json.dumps(selector)}); el.scrollIntoView();"
            " var r = el.getClientRects()[0]; return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": box[0], "y": box[1]}, session=True)
