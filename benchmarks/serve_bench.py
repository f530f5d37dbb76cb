"""Benchmark of ``trpipe serve`` (issue 20, part 8) against LibreTranslate and the offline floor.

    python benchmarks/serve_bench.py            # the full run (about half an hour): writes benchmarks/SERVE.md
    python benchmarks/serve_bench.py --quick    # short cells, no soak; prints, writes nothing

Model: the random-weight model of opus-mt-fr-en's exact shape (build_model.py), CTranslate2 int8.
Contenders, interleaved cell by cell in one run, each server a process of its own on 127.0.0.1:

* **trpipe serve** (``--load fr-en --backend ctranslate2 --no-cache``: the memory would make repeats free);
* **LibreTranslate 1.9.6** in its own venv (benchmarks/.work/lt-venv), default settings, serving the same
  CTranslate2 conversion as an argos package (lt_child.py);
* **the offline floor**: plain CTranslate2 translating all the sentences of a cell as one job, pre-tokenized,
  with its best settings on this machine (2 replicas x 1 thread, batches of 512 tokens, beam 4), and the
  same engine translating one sentence alone (for the 1-client latency goal).

Equal work: EOS is suppressed in the model, and every side is bounded to K - 1 target tokens per sentence
(trpipe's registry: ``max_new_tokens_ratio: 0``; LibreTranslate: the launcher's ``max_decoding_length``;
the floor: the same), so every sentence generates the same number of tokens; both servers count the tokens
their engine generated (a wrapper of ``ctranslate2.Translator``) and the results compare them.

Load: a loopback generator of threads with keep-alive connections. Closed loop: C clients (1, 4, 16, 64),
each sending its next request when the last is answered, for a window of ``--window`` seconds (requests
started in it are waited for, up to ``--drain`` seconds; later ones are counted as cut). Open loop:
requests arrive at a fixed rate (Poisson, seeded) whatever the answers. Request shapes: one sentence, one
paragraph (3-6 sentences), and a whole article with its summary through ``/v1/jobs`` (trpipe only). Every
request carries sentences not sent before in the run. Reported: sentences per second, p50/p99 latency,
errors by status, server CPU (cores used) and RSS (the most during a cell, sampled every 0.1 s, and after
it). A 64-client soak of ``--soak`` seconds checks for lost, hung (no answer in 120 s) and 500 answers.
The machine is shared with other work: the figures are ratios taken side by side in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
LT_VENV = WORK / "lt-venv"
LT_HOME = WORK / "lt"
RESULTS = HERE / "SERVE.md"
sys.path.insert(0, str(HERE))
HUNG_S = 120.0


# ------------------------------------------------------------------------------------------ children


def child_trpipe(args: argparse.Namespace, rest: list[str]) -> None:
    """``trpipe serve`` with its CTranslate2 calls counted (written to --stats when it stops)."""
    import atexit

    import ctranslate2

    stats = {"calls": 0, "sentences": 0, "tokens": 0, "batch_sizes": {}}
    lock = threading.Lock()
    original = ctranslate2.Translator

    class Counted:
        def __init__(self, *a, **kw):
            self._inner = original(*a, **kw)

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def translate_batch(self, source, *a, **kw):
            results = self._inner.translate_batch(source, *a, **kw)
            with lock:
                stats["calls"] += 1
                stats["sentences"] += len(source)
                size = str(len(source))
                stats["batch_sizes"][size] = stats["batch_sizes"].get(size, 0) + 1
                stats["tokens"] += sum(len(r.hypotheses[0]) for r in results)
            return results

    ctranslate2.Translator = Counted
    atexit.register(lambda: Path(args.stats).write_text(json.dumps(stats), encoding="utf-8"))
    from trpipe.cli import cli

    cli(["serve", *rest], prog_name="trpipe", standalone_mode=False)


def child_floor(args: argparse.Namespace) -> None:
    """Plain CTranslate2: the sentences of ``--sentences`` as one job, then ``--singles`` of them one at a time."""
    import ctranslate2

    from trpipe.translate.tokenize import load_tokenizer

    model = Path(args.model)
    sentences = json.loads(Path(args.sentences).read_text(encoding="utf-8"))
    tokenizer = load_tokenizer(model, str(model))
    pieces = tokenizer.encode(sentences)
    started = time.perf_counter()
    translator = ctranslate2.Translator(
        str(model / "ctranslate2-int8"), device="cpu", compute_type="int8", inter_threads=2, intra_threads=1
    )
    loaded = time.perf_counter() - started
    options = {"beam_size": 4, "max_decoding_length": args.new_tokens - 1, "max_input_length": 0}
    out: dict = {"load_s": loaded, "sentences": len(sentences)}
    if args.job:
        cpu = time.process_time()
        started = time.perf_counter()
        results = translator.translate_batch(pieces, max_batch_size=512, batch_type="tokens", **options)
        out["job_s"] = time.perf_counter() - started
        out["job_cpu_s"] = time.process_time() - cpu
        out["tokens"] = sum(len(r.hypotheses[0]) for r in results)
    singles = []
    for source in pieces[: args.singles]:
        started = time.perf_counter()
        translator.translate_batch([source], **options)
        singles.append(time.perf_counter() - started)
    out["single_s"] = singles
    out["rss_mb"] = _status_mb(os.getpid(), "VmHWM")
    Path(args.result).write_text(json.dumps(out), encoding="utf-8")


# ------------------------------------------------------------------------------------------ servers


def _status_mb(pid: int, name: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process: ``url``, its pid, its counted engine work (``stats()`` after ``stop()``)."""

    def __init__(self, name: str, argv: list[str], env: dict, port: int, stats: Path, ready_path: str):
        self.name, self.port, self.stats_path = name, port, stats
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(WORK / f"serve-bench-{name}.log", "w", encoding="utf-8")  # noqa: SIM115
        started = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} stopped at start; see {self.log.name}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = request(self.url, "GET", ready_path, None, timeout=5)
                if status == 200:
                    break
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{name} not ready after 300 s; see {self.log.name}")
            time.sleep(0.02)
        self.ready_s = time.perf_counter() - started

    def rss_mb(self) -> float:
        return _status_mb(self.proc.pid, "VmRSS")

    def peak_mb(self) -> float:
        return _status_mb(self.proc.pid, "VmHWM")

    def cpu_s(self) -> float:
        return _cpu_s(self.proc.pid)

    def stop(self) -> dict:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        self.log.close()
        with contextlib.suppress(OSError, ValueError):
            return json.loads(self.stats_path.read_text(encoding="utf-8"))
        return {}


def start_trpipe(registry: Path, tag: str = "trpipe") -> Server:
    port = free_port()
    stats = WORK / f"serve-bench-{tag}.json"
    stats.unlink(missing_ok=True)
    argv = [
        sys.executable,
        str(Path(__file__)),
        "--child",
        "trpipe",
        "--stats",
        str(stats),
        "--",
        "--models",
        str(registry),
        "--load",
        "fr-en",
        "--backend",
        "ctranslate2",
        "--device",
        "cpu",
        "--no-cache",
        "--port",
        str(port),
        "--state-dir",
        str(WORK / f"serve-bench-state-{tag}"),
        "--log-level",
        "error",
    ]
    env = {**os.environ, "TRPIPE_CACHE_DIR": str(WORK / "cache"), "HF_HUB_OFFLINE": "1"}
    return Server(tag, argv, env, port, stats, "/readyz")


def lt_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(
        XDG_DATA_HOME=str(LT_HOME / "data"),
        XDG_CACHE_HOME=str(LT_HOME / "cache"),
        XDG_CONFIG_HOME=str(LT_HOME / "config"),
        ARGOS_PACKAGES_DIR=str(LT_HOME / "packages"),
        ARGOS_CHUNK_TYPE="SPACY",
        ARGOS_DEVICE_TYPE="cpu",
        HF_HUB_OFFLINE="1",
    )
    return env


def ensure_lt_packages() -> bool:
    """The two argos packages (fr→en, en→fr) of the benchmark's models, and spaCy's blank pipeline; False
    when the LibreTranslate venv is missing."""
    import build_model

    python = LT_VENV / "bin" / "python"
    if not python.is_file():
        return False
    for source, target, folder in (("fr", "en", build_model.MODEL_DIR), ("en", "fr", build_model.EN_FR_DIR)):
        package = LT_HOME / "packages" / f"translate-{source}_{target}"
        conversion = folder / "ctranslate2-int8"
        made_from = f"{conversion.resolve()} {(conversion / 'model.bin').stat().st_mtime_ns}"
        marker = package / "made-from.txt"
        if marker.is_file() and marker.read_text(encoding="utf-8") == made_from:
            continue
        import shutil

        shutil.rmtree(package, ignore_errors=True)
        package.mkdir(parents=True)
        shutil.copytree(conversion, package / "model")
        shutil.copy(folder / "source.spm", package / "sentencepiece.model")
        names = {"fr": "French", "en": "English"}
        metadata = {
            "package_version": "1.0",
            "argos_version": "1.9",
            "from_code": source,
            "to_code": target,
            "from_name": names[source],
            "to_name": names[target],
            "type": "translate",
        }
        (package / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        code = f"import spacy; spacy.blank({source!r}).to_disk({str(package / 'spacy')!r})"
        subprocess.run([str(python), "-c", code], check=True, env=lt_env())
        marker.write_text(made_from, encoding="utf-8")
    return True


def start_lt(new_tokens: int) -> Server:
    port = free_port()
    stats = WORK / "serve-bench-lt.json"
    stats.unlink(missing_ok=True)
    argv = [
        str(LT_VENV / "bin" / "python"),
        str(HERE / "lt_child.py"),
        "--stats",
        str(stats),
        "--new-tokens",
        str(new_tokens),
        "--",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--load-only",
        "fr,en",
        "--disable-web-ui",
    ]
    return Server("libretranslate", argv, lt_env(), port, stats, "/languages")


# ------------------------------------------------------------------------------------------- load


def request(base: str, method: str, path: str, body: dict | None, timeout: float = HUNG_S, conn=None):
    """``(status, parsed body)``; with ``conn`` a kept-alive connection is used."""
    own = conn is None
    if own:
        host, port = base.rsplit("/", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    try:
        conn.request(method, path, body=data, headers=headers)
        answer = conn.getresponse()
        raw = answer.read()
        return answer.status, (json.loads(raw) if raw else None)
    finally:
        if own:
            conn.close()


@dataclass
class Cell:
    """One measurement: a contender, a shape, a load; its requests and what they gave."""

    contender: str
    shape: str
    load: str
    latencies: list[float] = field(default_factory=list)
    sentences: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    cut: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    rss_mb: float = 0.0  # after the cell
    peak_mb: float = 0.0  # the most during the cell (sampled every 0.1 s)
    loadavg: str = ""  # the machine's load average after the cell (other work shares the cores)

    @property
    def rate(self) -> float:
        return self.sentences / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]

    def row(self) -> dict:
        errors = {k: v for k, v in self.statuses.items() if k != "200"}
        return {
            "contender": self.contender,
            "shape": self.shape,
            "load": self.load,
            "requests": sum(self.statuses.values()),
            "sentences": self.sentences,
            "sentences_per_s": round(self.rate, 2),
            "p50_s": round(self.pct(0.5), 3),
            "p99_s": round(self.pct(0.99), 3),
            "errors": errors,
            "cut": self.cut,
            "cores": round(self.cpu / self.wall, 2) if self.wall else 0,
            "per_cpu_s": round(self.sentences / self.cpu, 2) if self.cpu else 0,
            "loadavg": self.loadavg,
            "rss_mb": round(self.rss_mb),
            "peak_mb": round(self.peak_mb),
        }


class Items:
    """Requests never sent before in the run: (q, sentences in it)."""

    def __init__(self, items: list[tuple[str, int]]):
        self.items, self.i, self.lock = items, 0, threading.Lock()

    def next(self) -> tuple[str, int]:
        with self.lock:
            item = self.items[self.i % len(self.items)]
            self.i += 1
            return item


def _record(cell: Cell, lock: threading.Lock, status: int | str, sentences: int, latency: float | None) -> None:
    with lock:
        cell.statuses[str(status)] = cell.statuses.get(str(status), 0) + 1
        if status == 200:
            cell.sentences += sentences
            cell.latencies.append(latency)


def _send(server: Server, q: str, conn) -> tuple[int | str, http.client.HTTPConnection | None]:
    try:
        status, body = request(server.url, "POST", "/translate", {"q": q, "source": "fr", "target": "en"}, conn=conn)
        if status == 200 and not (body and isinstance(body.get("translatedText"), str)):
            status = "bad-answer"
        return status, conn
    except TimeoutError:
        return "hung", None
    except (OSError, http.client.HTTPException):
        return "lost", None


def closed_loop(server: Server, items: Items, clients: int, window: float, drain: float, cell: Cell) -> None:
    lock = threading.Lock()
    start = time.perf_counter()
    stop_at, give_up = start + window, start + window + drain
    last_end = [start]

    def client() -> None:
        host, port = server.url.rsplit("/", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=HUNG_S)
        while time.perf_counter() < stop_at:
            q, n = items.next()
            sent = time.perf_counter()
            conn.timeout = max(1.0, min(HUNG_S, give_up - sent))
            status, conn2 = _send(server, q, conn)
            ended = time.perf_counter()
            if status in ("hung", "lost") and ended >= give_up - 0.5:
                with lock:
                    cell.cut += 1
                return
            _record(cell, lock, status, n, ended - sent)
            with lock:
                last_end[0] = max(last_end[0], ended)
            if conn2 is None:
                conn = http.client.HTTPConnection(host, int(port), timeout=HUNG_S)
        conn.close()

    _measure(server, cell, lambda: _run_threads(client, clients), start_ref=start, end_ref=last_end)


def open_loop(server: Server, items: Items, rate: float, window: float, drain: float, cell: Cell) -> None:
    lock = threading.Lock()
    rng = random.Random(20)
    arrivals, t = [], 0.0
    while t < window:
        t += rng.expovariate(rate)
        arrivals.append(t)
    start = time.perf_counter()
    give_up = start + window + drain
    last_end = [start]

    def one(at: float) -> None:
        q, n = items.next()
        delay = start + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        host, port = server.url.rsplit("/", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=max(1.0, give_up - time.perf_counter()))
        status, _ = _send(server, q, conn)
        conn.close()
        ended = time.perf_counter()
        if status in ("hung", "lost") and ended >= give_up - 0.5:
            with lock:
                cell.cut += 1
            return
        _record(cell, lock, status, n, ended - (start + at))
        with lock:
            last_end[0] = max(last_end[0], ended)

    threads = [threading.Thread(target=one, args=(at,), daemon=True) for at in arrivals]
    _measure(server, cell, lambda: ([th.start() for th in threads], [th.join() for th in threads]), start, last_end)


def _run_threads(target, count: int) -> None:
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


def _measure(server: Server, cell: Cell, work, start_ref: float, end_ref: list[float]) -> None:
    """Run a cell's load; sentences per second over the time to its last answer (to its very end when some
    requests were cut), CPU over the same span. Then wait for the server to settle: a server that goes on
    translating the requests of clients that left must not spill that work into the next cell."""
    settle(server)
    cpu = server.cpu_s()
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            with contextlib.suppress(OSError, ValueError):
                cell.peak_mb = max(cell.peak_mb, server.rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        work()
    finally:
        done.set()
        sampler.join()
    cell.wall = max(1e-9, (time.perf_counter() if cell.cut else end_ref[0]) - start_ref)
    cell.cpu = server.cpu_s() - cpu
    cell.rss_mb = server.rss_mb()
    cell.peak_mb = max(cell.peak_mb, cell.rss_mb)
    cell.loadavg = Path("/proc/loadavg").read_text().split()[0]


def settle(server: Server, idle_cores: float = 0.05, timeout: float = 600.0) -> float:
    """Wait until ``server`` uses under ``idle_cores`` for a second; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = server.cpu_s()
        time.sleep(1.0)
        if server.cpu_s() - before < idle_cores:
            break
    return time.monotonic() - started


def article_jobs(server: Server, articles: list[str], clients: int, cell: Cell) -> None:
    """Each client submits one article (with its summary) to /v1/jobs and polls until it is done."""
    lock = threading.Lock()
    queue = list(articles)
    start = time.perf_counter()
    last_end = [start]

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                text = queue.pop()
            sent = time.perf_counter()
            try:
                status, job = request(server.url, "POST", "/v1/jobs", {"text": text, "to": "en", "from": "fr"})
                while status == 202 or (status == 200 and job["state"] in ("queued", "running")):
                    time.sleep(0.2)
                    status, job = request(server.url, "GET", f"/v1/jobs/{job['id']}", None)
                ok = status == 200 and job["state"] == "done" and job["done"] == 1
            except (OSError, http.client.HTTPException):
                ok = False
            ended = time.perf_counter()
            _record(cell, lock, 200 if ok else "failed", 1, ended - sent)
            with lock:
                last_end[0] = max(last_end[0], ended)

    _measure(server, cell, lambda: _run_threads(client, clients), start, last_end)


# ------------------------------------------------------------------------------------------- corpus


def corpus() -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[str]]:
    """Sentences, paragraphs of 4 consecutive sentences (with their sentence counts), and the benchmark's
    articles. The sentences come from 600 generated articles (corpus.py: none repeats)."""
    import build_model
    import corpus as generated

    from trpipe.segment import segment_text

    cut: list[str] = []
    for text in generated.make_articles(600):
        cut += [s.text for seg in segment_text(text, "fr") if seg.kind == "paragraph" for s in seg.sentences]
    seen: set[str] = set()
    ordered = [t for t in cut if 25 <= len(t) <= 400 and not (t in seen or seen.add(t))]
    unique = [(t, 1) for t in ordered]
    joined = [" ".join(ordered[i : i + 4]) for i in range(0, len(ordered) - 3, 4)]
    paragraphs = [(text, len(split_sentences(text))) for text in joined]
    rng = random.Random(7)
    rng.shuffle(unique)
    rng.shuffle(paragraphs)
    articles = [p.read_text(encoding="utf-8") for p in sorted(build_model.ARTICLES100_DIR.glob("*.txt"))]
    return unique, paragraphs, articles


# ------------------------------------------------------------------------------------------- driver


def floor(model: Path, texts: list[str], new_tokens: int, singles: int) -> dict:
    path = WORK / "serve-bench-floor-in.json"
    path.write_text(json.dumps(texts), encoding="utf-8")
    result = WORK / "serve-bench-floor.json"
    argv = [
        sys.executable,
        str(Path(__file__)),
        "--child",
        "floor",
        "--model",
        str(model),
        "--sentences",
        str(path),
        "--new-tokens",
        str(new_tokens),
        "--singles",
        str(singles),
        "--result",
        str(result),
        "--job",
    ]
    subprocess.run(argv, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return json.loads(result.read_text(encoding="utf-8"))


def split_sentences(paragraph: str) -> list[str]:
    from trpipe.segment import segment_text

    return [s.text for seg in segment_text(paragraph, "fr") for s in seg.sentences]


def run(args: argparse.Namespace) -> dict:
    import build_model

    build = build_model.build()
    new_tokens = int(build["new_tokens_per_sentence"])
    registry = build_model.write_job_registry(WORK / "serve.yaml", new_tokens)
    sentences, paragraphs, articles = corpus()
    contenders = [c for c in args.contenders.split(",") if c]
    if "libretranslate" in contenders and not ensure_lt_packages():
        print(f"no {LT_VENV}: LibreTranslate is left out (see benchmarks/SERVE.md to make it)")
        contenders.remove("libretranslate")
    clients_list = [1, 16] if args.quick else [1, 4, 16, 64]
    out: dict = {"new_tokens": new_tokens, "cells": [], "machine": machine(), "window_s": args.window}

    ready = []
    for i in range(1 if args.quick else 3):
        server = start_trpipe(registry, f"ready{i}")
        ready.append(server.ready_s)
        server.stop()
    out["ready_s"] = ready

    fl = {
        "sentence": floor(
            build_model.MODEL_DIR, [t for t, _ in sentences[: 40 if args.quick else 160]], new_tokens, 10
        ),
        "paragraph": floor(
            build_model.MODEL_DIR,
            [s for p, _ in paragraphs[: 10 if args.quick else 40] for s in split_sentences(p)],
            new_tokens,
            0,
        ),
    }
    out["floor"] = {k: {**v, "rate": v["sentences"] / v["job_s"]} for k, v in fl.items()}
    print(f"floor: {json.dumps(out['floor'])}", flush=True)

    servers: dict[str, Server] = {}
    if "trpipe" in contenders:
        servers["trpipe"] = start_trpipe(registry)
    if "libretranslate" in contenders:
        servers["libretranslate"] = start_lt(new_tokens)
    out["idle_rss_mb"] = {name: s.rss_mb() for name, s in servers.items()}
    offset = {"sentence": 300, "paragraph": 40}
    pools = {"sentence": sentences, "paragraph": paragraphs}
    order = list(servers)
    try:
        for shape in ("sentence", "paragraph"):
            for clients in clients_list:
                chosen = take(
                    pools[shape], offset, shape, int(clients * args.window * (4 if shape == "sentence" else 1))
                )
                order.reverse()  # alternate who goes first
                for name in order:
                    cell = Cell(name, shape, f"closed {clients}")
                    closed_loop(servers[name], Items(chosen), clients, args.window, args.drain, cell)
                    out["cells"].append(cell.row())
                    print(json.dumps(cell.row()), flush=True)
        rates = {
            c["contender"]: c["sentences_per_s"]
            for c in out["cells"]
            if c["shape"] == "sentence" and c["load"] == "closed 16"
        }
        for label, rate in (("lt", 0.8 * rates.get("libretranslate", 1.0)), ("trpipe", 0.8 * rates.get("trpipe", 4))):
            chosen = take(sentences, offset, "sentence", int(rate * args.window * 1.5) + 10)
            for name in order:
                cell = Cell(name, "sentence", f"open {rate:.1f}/s ({label} x0.8)")
                open_loop(servers[name], Items(chosen), rate, args.window, args.drain, cell)
                out["cells"].append(cell.row())
                print(json.dumps(cell.row()), flush=True)
        if "trpipe" in servers:
            for clients, count in ((1, 1), (2, 2)) if not args.quick else ((1, 1),):
                cell = Cell("trpipe", "article + summary (/v1/jobs)", f"closed {clients}")
                article_jobs(servers["trpipe"], articles[:count], clients, cell)
                out["cells"].append(cell.row())
                print(json.dumps(cell.row()), flush=True)
            if args.soak:
                mixed = [x for pair in zip(sentences, paragraphs) for x in pair]
                cell = Cell("trpipe", "sentence or paragraph", f"soak 64 x {args.soak:.0f} s")
                closed_loop(servers["trpipe"], Items(mixed), 64, args.soak, 120, cell)
                out["cells"].append(cell.row())
                out["soak_peak_mb"] = servers["trpipe"].peak_mb()
                print(json.dumps(cell.row()), flush=True)
    finally:
        out["engine"] = {name: s.stop() for name, s in servers.items()}
    return out


def take(pool: list, offset: dict, shape: str, wanted: int) -> list:
    """The next ``wanted`` items of ``pool`` (at least 50; round again when it runs out: neither server
    caches, so a repeat costs the same work)."""
    size = min(len(pool), max(50, wanted))
    chosen = [pool[(offset[shape] + i) % len(pool)] for i in range(size)]
    offset[shape] += size
    return chosen


def machine() -> dict:
    import platform
    import re as _re

    import ctranslate2

    import trpipe

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = _re.search(r"^model name\s*:\s*(.*)$", cpuinfo, _re.M)
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "ctranslate2": ctranslate2.__version__,
        "trpipe": trpipe.__version__,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


def find(out: dict, contender: str, shape: str, load: str) -> dict:
    return next((c for c in out["cells"] if (c["contender"], c["shape"], c["load"]) == (contender, shape, load)), {})


def goals(out: dict) -> list[str]:
    """The issue's goals, each met or missed, by how much."""
    lines = []
    t16, l16 = find(out, "trpipe", "sentence", "closed 16"), find(out, "libretranslate", "sentence", "closed 16")
    floor_rate = out["floor"]["sentence"]["rate"]
    if t16:
        ratio = t16["sentences_per_s"] / floor_rate
        lines.append(
            f"- 16 one-sentence clients vs the floor: {t16['sentences_per_s']:.2f} / {floor_rate:.2f} sentences/s "
            f"= **{ratio:.2f}x** (goal ≥ 0.8x): {'met' if ratio >= 0.8 else 'missed'}"
        )
    if t16 and l16 and l16.get("per_cpu_s") and t16.get("per_cpu_s"):
        floor_cpu = out["floor"]["sentence"]["sentences"] / out["floor"]["sentence"]["job_cpu_s"]
        lines.append(
            f"- the same per CPU-second (what the shared machine cannot distort): trpipe {t16['per_cpu_s']:.2f}, "
            f"LibreTranslate {l16['per_cpu_s']:.2f}, floor {floor_cpu:.2f} sentences: trpipe = "
            f"**{t16['per_cpu_s'] / floor_cpu:.2f}x** the floor, "
            f"**{t16['per_cpu_s'] / l16['per_cpu_s']:.1f}x** LibreTranslate"
        )
    if t16 and l16 and l16.get("sentences_per_s"):
        ratio = t16["sentences_per_s"] / l16["sentences_per_s"]
        lines.append(
            f"- vs LibreTranslate: **{ratio:.1f}x** its sentences/s (goal ≥ 4x): {'met' if ratio >= 4 else 'missed'}"
        )
        p = t16["p99_s"] / l16["p99_s"] if l16["p99_s"] else float("nan")
        lines.append(
            f"- p99 latency: {t16['p99_s']:.2f} s vs {l16['p99_s']:.2f} s = **{p:.2f}x** (goal ≤ 0.25x): "
            f"{'met' if p <= 0.25 else 'missed'}"
        )
    t1 = find(out, "trpipe", "sentence", "closed 1")
    single = statistics.median(out["floor"]["sentence"]["single_s"])
    if t1:
        bound = 1.2 * single + 0.010
        lines.append(
            f"- 1 client: p50 {t1['p50_s'] * 1000:.0f} ms vs plain CTranslate2 on one sentence {single * 1000:.0f} ms "
            f"(goal ≤ 1.2x + 10 ms = {bound * 1000:.0f} ms): {'met' if t1['p50_s'] <= bound else 'missed'}"
        )
    soak = next((c for c in out["cells"] if c["load"].startswith("soak")), None)
    if soak:
        bad = {k: v for k, v in soak["errors"].items() if k in ("lost", "hung", "500", "bad-answer")}
        lines.append(
            f"- 64 clients soak: {soak['requests']} requests, errors {soak['errors'] or 'none'}, cut {soak['cut']} "
            f"(goal: 0 lost, 0 hung, 0 500s): {'met' if not bad and not soak['cut'] else 'missed'}"
        )
    r1, r64 = find(out, "trpipe", "sentence", "closed 1"), find(out, "trpipe", "sentence", "closed 64")
    if r1 and r64:
        growth = r64["peak_mb"] / r1["peak_mb"] - 1
        after = r64["rss_mb"] / r1["rss_mb"] - 1
        lines.append(
            f"- RSS at 64 clients (the most during the cell) {r64['peak_mb']} MB vs 1 client {r1['peak_mb']} MB: "
            f"**{growth:+.1%}** (goal within 10%): {'met' if abs(growth) <= 0.10 else 'missed'}; once the load is "
            f"over, {r64['rss_mb']} MB vs {r1['rss_mb']} MB ({after:+.1%})"
        )
    ready = min(out["ready_s"])
    lines.append(
        f"- ready to answer: {', '.join(f'{r:.2f}' for r in out['ready_s'])} s (best {ready:.2f} s; goal < 3 s): "
        f"{'met' if ready < 3 else 'missed'}"
    )
    return lines


def table(out: dict) -> list[str]:
    rows = [
        "| contender | shape | load | requests | sentences/s | p50 s | p99 s | errors | cut | cores used "
        "| sentences per CPU-s | RSS MB (most during / after) | load avg |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for k, v in out["floor"].items():
        single = f"{statistics.median(v['single_s']):.3f} (one sentence alone)" if v["single_s"] else "-"
        per_cpu = v["sentences"] / v["job_cpu_s"] if v.get("job_cpu_s") else 0
        rows.append(
            f"| floor (plain CTranslate2, one job) | {k} | {v['sentences']} sentences | 1 | {v['rate']:.2f} | "
            f"{single} | - | - | - | {v['job_cpu_s'] / v['job_s']:.2f} | {per_cpu:.2f} | {v['rss_mb']:.0f} | - |"
        )
    for c in out["cells"]:
        errors = ", ".join(f"{k}: {n}" for k, n in c["errors"].items()) or "-"
        rows.append(
            f"| {c['contender']} | {c['shape']} | {c['load']} | {c['requests']} | {c['sentences_per_s']:.2f} | "
            f"{c['p50_s']:.3f} | {c['p99_s']:.3f} | {errors} | {c['cut']} | {c['cores']} | {c['per_cpu_s']} | "
            f"{c.get('peak_mb', '-')} / {c['rss_mb']} | {c['loadavg']} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="trpipe serve's benchmark (see the module docstring)")
    parser.add_argument("--quick", action="store_true", help="short cells, 1 and 16 clients, no soak; writes nothing")
    parser.add_argument("--contenders", default="trpipe,libretranslate")
    parser.add_argument("--window", type=float, default=20.0, help="seconds of requests per cell")
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait for a cell's last answers")
    parser.add_argument("--soak", type=float, default=300.0, help="seconds of the 64-client soak (0: none)")
    parser.add_argument("--child", choices=["trpipe", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--stats", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--sentences", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--new-tokens", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--singles", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--job", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child == "trpipe":
        child_trpipe(args, [a for a in rest if a != "--"])
        return
    if args.child == "floor":
        child_floor(args)
        return
    if args.quick:
        args.window, args.drain, args.soak = 5.0, 20.0, 0.0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    out = run(args)
    out["elapsed_s"] = time.perf_counter() - started
    (WORK / "serve-bench.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    print("\n".join(["", *goals(out), "", *table(out)]))
    if not args.quick:
        write_results(out)


def write_results(out: dict) -> None:
    """SERVE.md's measured part, between its markers (the analysis around it is written by hand)."""
    start, end = "<!-- measured:start -->", "<!-- measured:end -->"
    engine = out.get("engine", {})
    counts = [
        f"- {name}: {e.get('calls', 0)} engine calls, {e.get('sentences', 0)} sentences, "
        f"{e.get('tokens', 0)} tokens generated ({e.get('tokens', 0) / max(1, e.get('sentences', 1)):.2f} a sentence; "
        f"K - 1 = {out['new_tokens'] - 1}); sentences per call: "
        f"{_sizes(e.get('batch_sizes', {}))}"
        for name, e in engine.items()
    ]
    m = out["machine"]
    body = [
        start,
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores (shared with other work; load average at start "
        f"{' '.join(m['loadavg'])}), Python {m['python']}, CTranslate2 {m['ctranslate2']}, trpipe {m['trpipe']}. "
        f"Cells of {out['window_s']:.0f} s; the whole run took {out['elapsed_s'] / 60:.0f} min.",
        "",
        "### Goals",
        "",
        *goals(out),
        "",
        "### Table",
        "",
        *table(out),
        "",
        "### Equal work",
        "",
        *counts,
        "",
        end,
    ]
    text = (
        RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else f"# trpipe serve: benchmark\n\n{start}\n{end}\n"
    )
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    RESULTS.write_text(before + "\n".join(body) + after, encoding="utf-8")


def _sizes(sizes: dict) -> str:
    total = sum(sizes.values())
    if not total:
        return "-"
    mean = sum(int(k) * v for k, v in sizes.items()) / total
    top = max((int(k) for k in sizes), default=0)
    return f"mean {mean:.1f}, largest {top}"


if __name__ == "__main__":
    main()
