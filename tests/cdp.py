"""A small driver of headless Chromium over the DevTools protocol, for tests that use a page as a person would
(type, click, upload a file, wait, read the DOM of the page and of its frames)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # every frame in the page's process, so that a sandboxed frame's document can be read from the page
    "--disable-site-isolation-trials",
    "--disable-features=IsolateSandboxedIframes,site-per-process",
)


class Browser:
    """Headless Chromium with its DevTools endpoint; ``page()`` connects to its tab."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="trpipe-chromium-")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        found = threading.Event()
        self.endpoint = ""

        def read():
            for line in self.proc.stderr:
                match = re.search(r"DevTools listening on (ws://\S+)", line)
                if match and not self.endpoint:
                    self.endpoint = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(60):
            self.close()
            raise RuntimeError("Chromium did not open its DevTools endpoint")
        self.http = "http://" + self.endpoint.split("/")[2]

    def page(self) -> Page:
        import httpx

        targets = httpx.get(f"{self.http}/json/list", timeout=10).json()
        target = next(t for t in targets if t["type"] == "page")
        return Page(target["webSocketDebuggerUrl"])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One tab: commands, events, and evaluation in the page or in one of its frames."""

    def __init__(self, url: str):
        from websockets.sync.client import connect

        self.ws = connect(url, max_size=None, open_timeout=30)
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("DOM.enable")

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        self._id += 1
        ident = self._id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")

    def evaluate(self, expression: str, context: int | None = None) -> Any:
        params: dict[str, Any] = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.send("Runtime.evaluate", params)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60, context: int | None = None) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression, context)
            except RuntimeError:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"never true: {expression}")
            time.sleep(0.05)

    def set_files(self, selector: str, paths: list[str]) -> None:
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        self.send("DOM.setFileInputFiles", {"nodeId": node, "files": paths})

    def frame_context(self, url_part: str, timeout: float = 30) -> int:
        """The execution context of the frame whose document URL holds ``url_part``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tree = self.send("Page.getFrameTree")["frameTree"]
            frames = {child["frame"]["id"]: child["frame"]["url"] for child in tree.get("childFrames", [])}
            wanted = {fid for fid, url in frames.items() if url_part in url}
            for event in reversed(self.events):
                if event.get("method") == "Runtime.executionContextCreated":
                    context = event["params"]["context"]
                    aux = context.get("auxData", {})
                    if aux.get("frameId") in wanted and aux.get("isDefault"):
                        return context["id"]
            self.send("Runtime.evaluate", {"expression": "1"})  # let events arrive
            time.sleep(0.1)
        raise TimeoutError(f"no frame with {url_part!r}")

    def close(self) -> None:
        self.ws.close()
