"""Helpers of the fault suite (tests/test_faults_*.py): CLI runs in this process or in a child process,
test backends that are slow, slow to load or break on a marker, a small full disk, hostile names.

The backends are registered on import, in this process and in every child started by ``spawn``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from click.testing import CliRunner, Result

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from echo_backend import EchoTranslator  # noqa: E402  (registers test-echo)
from trpipe.cli import cli  # noqa: E402
from trpipe.translate.base import register_backend  # noqa: E402

ARTICLE = "Le conseil régional a voté un budget de {n} euros. Les travaux commenceront en {year}.\n"
ENGLISH = "The regional council approved a budget of {n} euros on Tuesday. Work will start in {year}.\n"
POISON = "POISONED"  # a sentence holding it breaks the poison-echo backend
SLOW_BATCH_S = float(os.environ.get("TRPIPE_TEST_SLOW_BATCH_S", "0.2"))


@register_backend("slow-echo")
class SlowEcho(EchoTranslator):
    """test-echo that takes a while per batch (so a signal can arrive mid-run); each batch's texts are
    appended to ``$TRPIPE_TEST_BATCH_LOG`` when it is set (so a test knows how far a run got)."""

    def translate_batch(self, texts):
        log = os.environ.get("TRPIPE_TEST_BATCH_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write("\n".join(texts) + "\n")
        time.sleep(SLOW_BATCH_S)
        return super().translate_batch(texts)


@register_backend("no-de-echo")
class NoGermanEcho(EchoTranslator):
    """test-echo whose German model cannot be loaded (a run that meets a German article stops, exit 4)."""

    def __init__(self, spec, device=None):
        if "de-" in spec.model:
            raise OSError(f"{spec.model}: no such model here")
        super().__init__(spec, device)


@register_backend("poison-echo")
class PoisonEcho(EchoTranslator):
    """test-echo that fails (a bug) on any batch holding a sentence with ``POISON``."""

    def translate_batch(self, texts):
        if any(POISON in t for t in texts):
            raise RuntimeError("the backend broke on this batch")
        return super().translate_batch(texts)


@register_backend("slow-load-echo")
class SlowLoadEcho(EchoTranslator):
    """test-echo whose model takes long to load; it touches ``$TRPIPE_TEST_LOADING`` when loading starts."""

    def __init__(self, spec, device=None):
        marker = os.environ.get("TRPIPE_TEST_LOADING")
        if marker:
            Path(marker).touch()
        time.sleep(float(os.environ.get("TRPIPE_TEST_LOAD_S", "30")))
        super().__init__(spec, device)


def echo_args(backend: str = "test-echo", cache: Path | None = None) -> list[str]:
    """The options of a quick translation: French to English, no summary, a test backend."""
    args = ["translate", "--to", "en", "--from", "fr", "--backend", backend, "--no-summary"]
    return args + (["--cache-dir", str(cache)] if cache else ["--no-cache"])


def model_args(inputs: object, backend: str, *extra: object) -> list[object]:
    """The options of a translation with real (tiny) models on the CPU, no summary, no memory."""
    return ["translate", inputs, "--from", "fr", "--to", "en", "--backend", backend, "--no-summary", "--no-cache",
            "--device", "cpu", *extra]  # fmt: skip


def model_copy(source: Path, folder: Path) -> tuple[Path, Path]:
    """A copy of the model in ``source`` (without its conversions) at ``folder``, and a registry naming it."""
    import shutil

    from tiny_models import write_registry

    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("ctranslate2-*"))
    return folder, write_registry(folder.with_name(folder.name + ".yaml"), {"fr-en": folder})


def invoke(*args: object, registry: Path | None = None, input: bytes | str | None = None) -> Result:
    """``trpipe ARGS`` in this process (click's runner): exit code and output (stdout and stderr)."""
    env = {"TRPIPE_MODELS": str(registry)} if registry else None
    return CliRunner().invoke(
        cli, [os.fspath(a) if isinstance(a, Path) else str(a) for a in args], input=input, env=env
    )


_CHILD = """
import sys
sys.path.insert(0, {tests!r})
import fault_helpers  # registers the test backends
fault_helpers.child_setup()
from trpipe.cli import main
sys.argv = ["trpipe", *{args!r}]
main()
"""


def child_setup() -> None:
    """What the environment asks of a child: a file size limit, slow conversions."""
    limit_file_size()
    slow_conversions()


def slow_conversions() -> None:
    """With ``$TRPIPE_TEST_CONVERTING`` (a path): a CTranslate2 conversion touches it, then takes 30 s."""
    marker = os.environ.get("TRPIPE_TEST_CONVERTING")
    if not marker:
        return
    import ctranslate2

    converter = ctranslate2.converters.TransformersConverter
    original = converter.convert

    def convert(self, output_dir, *args, **kwargs):
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        (Path(output_dir) / "model.bin").write_bytes(b"half a conversion")
        Path(marker).touch()
        time.sleep(30)
        return original(self, output_dir, *args, **kwargs)

    converter.convert = convert


def limit_file_size() -> None:
    """In a child with ``$TRPIPE_TEST_FSIZE``: no file written may grow past that many bytes (EFBIG).

    The language identifier unpacks its model into a temporary file: it is loaded before the limit applies.
    """
    limit = os.environ.get("TRPIPE_TEST_FSIZE")
    if not limit:
        return
    import resource
    import signal

    from trpipe.languages import identify

    identify("Le conseil régional a voté le budget.")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))


def spawn(args: Sequence[object], env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """``trpipe ARGS`` in a child process (the real entry point, signal handlers included)."""
    code = _CHILD.format(tests=str(TESTS), args=[os.fspath(a) if isinstance(a, Path) else str(a) for a in args])
    full = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-c", code], env=full, text=True, **popen)


def run_child(args: Sequence[object], env: dict[str, str] | None = None, timeout: float = 120) -> tuple[int, str]:
    """``trpipe ARGS`` in a child process, to its end: ``(exit status, stderr)``."""
    proc = spawn(args, env)
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def wait_for(condition, timeout: float = 60.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def one_line_error(output: str) -> str:
    """The single ``trpipe: error:`` line of ``output``; fails when there is none or several."""
    lines = [line for line in output.splitlines() if line.startswith("trpipe: error:")]
    assert len(lines) == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    return lines[0]


def temporaries(folder: Path) -> list[Path]:
    """trpipe's temporary files (and conversion work folders) anywhere under ``folder``."""
    return [p for p in folder.rglob("*") if p.name.startswith(".trpipe-") or ".converting-" in p.name]


def write_articles(folder: Path, count: int, text: str = ARTICLE, repeat: int = 1) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"a{i:02d}.fr.txt"
        path.write_text(text.format(n=1000 + i, year=2000 + i) * repeat, encoding="utf-8")
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------- a small full disk


def can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")


@contextlib.contextmanager
def small_disk(where: Path, size_kb: int) -> Iterator[Path | None]:
    """A tmpfs of ``size_kb`` KiB mounted at ``where`` (None where this machine cannot mount one)."""
    where.mkdir(parents=True, exist_ok=True)
    if not can_mount():
        yield None
        return
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", f"trpipe-test-{uuid.uuid4().hex[:8]}", where],
        capture_output=True,
    )
    if done.returncode:
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path, leave_bytes: int) -> None:
    """Fill the filesystem of ``folder`` until about ``leave_bytes`` are free."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    size = max(0, free - leave_bytes)
    with contextlib.suppress(OSError), (folder / "filler.bin").open("wb") as handle:
        handle.write(b"\0" * size)
