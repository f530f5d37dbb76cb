"""Local network doubles on 127.0.0.1 for the hub tests: a Hugging Face hub, a proxy, a silent endpoint.

* :class:`FakeHub` serves model repos the way huggingface_hub asks for them (``/api/models/...`` for the
  commit and file listing, ``HEAD``/``GET /{repo}/resolve/{commit}/{file}`` for the files, with ``Range``)
  and records every request. Point ``HF_ENDPOINT`` at ``hub.url``.
* :class:`RecordingProxy` is an HTTP proxy: it forwards absolute-URI requests (``GET http://...``) to
  their target and answers ``CONNECT`` (HTTPS) with 502 after recording it. Point ``HTTP_PROXY`` /
  ``HTTPS_PROXY`` at ``proxy.url``.
* :class:`SilentServer` accepts connections and never answers.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class Repo:
    commit: str
    files: dict[str, bytes]
    card: dict = field(default_factory=dict)


def repo_from_folder(folder: Path, repo_id: str, extra: dict[str, bytes] | None = None, licence: str = "") -> Repo:
    """A repo holding ``folder``'s files (and ``extra`` ones), at a commit derived from them."""
    files = {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}
    files.update(extra or {})
    if licence:
        files["README.md"] = f"---\nlicense: {licence}\ntags: [translation]\n---\n# {repo_id}\n".encode()
    digest = hashlib.sha1(repo_id.encode() + b"".join(hashlib.sha1(v).digest() for v in files.values()))
    return Repo(digest.hexdigest(), files, {"license": licence} if licence else {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeHub:
    """A minimal Hugging Face hub: ``repos`` maps repo ids to :class:`Repo`; ``requests`` records calls."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Range header)
        self.fail: set[str] = set()  # file names answered with 500 (an outage in the middle of a download)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                hub._handle(self, head=True)

            def do_GET(self) -> None:
                hub._handle(self, head=False)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, repo_id: str, repo: Repo) -> Repo:
        self.repos[repo_id] = repo
        return repo

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path, _ in self.requests if method is None or m == method]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ----------------------------------------------------------------------------------------- serving

    def _handle(self, handler: BaseHTTPRequestHandler, head: bool) -> None:
        path = unquote(urlsplit(handler.path).path)
        self.requests.append((handler.command, path, handler.headers.get("Range")))
        api = re.fullmatch(r"/api/models/([^/]+/[^/]+)/(revision|tree)/([^/]+)", path)
        resolve = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        if api:
            self._api(handler, api.group(1), api.group(2), api.group(3))
        elif resolve:
            self._file(handler, resolve.group(1), resolve.group(2), resolve.group(3), head)
        else:
            self._send(handler, 404, b'{"error": "not found"}', {"X-Error-Code": "EntryNotFound"})

    def _repo(self, handler, repo_id: str, revision: str) -> Repo | None:
        repo = self.repos.get(repo_id)
        if repo is None:
            self._send(handler, 401, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"})
            return None
        if revision not in ("main", repo.commit):
            self._send(handler, 404, b'{"error": "Invalid rev id"}', {"X-Error-Code": "RevisionNotFound"})
            return None
        return repo

    def _api(self, handler, repo_id: str, kind: str, revision: str) -> None:
        repo = self._repo(handler, repo_id, revision)
        if repo is None:
            return
        if kind == "revision":
            body = {
                "id": repo_id,
                "modelId": repo_id,
                "sha": repo.commit,
                "siblings": [{"rfilename": name, "size": len(data)} for name, data in repo.files.items()],
                "cardData": repo.card,
            }
        else:
            body = [
                {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                for name, data in repo.files.items()
            ]
        self._send(handler, 200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _file(self, handler, repo_id: str, revision: str, name: str, head: bool) -> None:
        repo = self._repo(handler, repo_id, revision)
        if repo is None:
            return
        data = repo.files.get(name)
        headers = {"X-Repo-Commit": repo.commit}
        if data is None:
            self._send(handler, 404, b"{}", {**headers, "X-Error-Code": "EntryNotFound"})
            return
        if name in self.fail and not head:
            self._send(handler, 500, b"{}", headers)
            return
        headers["ETag"] = f'"{hashlib.sha256(data).hexdigest()}"'
        headers["Accept-Ranges"] = "bytes"
        status, body = 200, data
        wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", handler.headers.get("Range") or "")
        if wanted and not head:
            start = int(wanted.group(1))
            end = int(wanted.group(2)) + 1 if wanted.group(2) else len(data)
            status, body = 206, data[start:end]
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
        self._send(handler, status, b"" if head else body, headers, length=len(data) if head else len(body))

    @staticmethod
    def _send(handler, status: int, body: bytes, headers: dict[str, str], length: int | None = None) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body) if length is None else length))
        handler.end_headers()
        if body:
            handler.wfile.write(body)


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1: forwards ``GET http://...`` requests, refuses ``CONNECT`` (records both)."""

    def __init__(self) -> None:
        self.requests: list[str] = []  # request lines, e.g. "CONNECT hub.invalid:443 HTTP/1.1"
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                proxy._handle(self)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, handler: socketserver.StreamRequestHandler) -> None:
        while True:
            line = handler.rfile.readline(65536).decode("latin-1").strip()
            if not line:
                return
            self.requests.append(line)
            headers = []
            while True:
                header = handler.rfile.readline(65536).decode("latin-1")
                if header in ("\r\n", "\n", ""):
                    break
                headers.append(header.strip())
            method, target, _ = line.split(" ", 2)
            if method == "CONNECT":
                handler.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            length = next((int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")), 0)
            body = handler.rfile.read(length) if length else b""
            self._forward(handler, method, target, headers, body)

    @staticmethod
    def _forward(handler, method: str, target: str, headers: list[str], body: bytes) -> None:
        url = urlsplit(target)
        kept = [h for h in headers if not h.lower().startswith(("proxy-", "connection:", "keep-alive:"))]
        request = f"{method} {url.path or '/'}{'?' + url.query if url.query else ''} HTTP/1.1\r\n"
        request += "".join(f"{h}\r\n" for h in kept) + "Connection: close\r\n\r\n"
        with socket.create_connection((url.hostname, url.port or 80), timeout=10) as upstream:
            upstream.sendall(request.encode("latin-1") + body)
            response = b""
            while chunk := upstream.recv(65536):
                response += chunk
        head, _, rest = response.partition(b"\r\n\r\n")
        lines = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection:")]
        handler.wfile.write(b"\r\n".join(lines) + b"\r\nConnection: keep-alive\r\n\r\n" + rest)
        handler.wfile.flush()


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.sock.close()
