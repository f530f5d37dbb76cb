"""The README and docs/*.md stay true: every `trpipe ...` command of their shell code blocks runs, in this
process (Click's runner), on the tiny models, in a sandbox folder holding the files the docs name (PDF, Word
and PowerPoint files included), with a local hub (127.0.0.1) for the commands that ask one; every Python code
block runs too (the blocks of one page share a namespace, in order). The docs' URLs (``https://example.org/...``)
are served by a local HTTP server (a web page, a feed): a command that names one, or a feed or URL list, runs
against it with ``--allow-private-urls`` (the guard refuses 127.0.0.1 otherwise). A ``trpipe serve`` command
runs as a child process on a free port until it is ready, then stops with SIGTERM and must exit 0. A block
preceded by ``<!-- not-run: reason -->`` is skipped: their count is printed and capped. Every exit code that
docs/usage.md lists is produced by a test here, and the JSON example's version and provenance keys, and the
closing line's shape, are the real ones.

A failure names the file and line of the command: fix the docs (or the code), use the sandbox's file names
(``SANDBOX`` below), or mark the block not-run with the reason (installs, clusters, GPUs).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from documents.samples import BUILDERS
from fakehub import FakeHub, repo_from_folder
from trpipe import __version__
from trpipe.cli import cli

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELLS = {"sh", "bash", "shell", "console"}
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(.+?)\s*-->$")
MAX_NOT_RUN = 8  # installs, Ray clusters, GPUs; raise it only with a reason in the block's marker

FRENCH = (
    "Le conseil régional vote son budget\n\n"
    "Le conseil régional a voté mardi un budget de 800 000 euros pour les lycées. "
    "Les travaux commenceront en 2027 à Strasbourg.\n\n"
    "Selon le président, « la région tient ses promesses ». L'opposition a voté contre.\n"
)
PAGE = (
    "<!DOCTYPE html><html lang='fr'><head><title>Budget régional</title></head><body>"
    "<nav><a href='/'>Accueil</a></nav><article><h1>Le conseil régional vote son budget</h1>"
    "<p>Le conseil régional a voté mardi un budget de 800 000 euros pour les lycées de la région.</p>"
    "<p>Les travaux commenceront en 2027 à Strasbourg, selon le président du conseil régional.</p>"
    "</article><footer>© Journal</footer></body></html>"
)
RECORDS = [
    {"id": "n1", "text": FRENCH},
    {"id": "n2", "text": "La mairie a reçu une aide de 75 000 euros pour l'école."},
]
# The files the docs' commands read, as the sandbox holds them.
SANDBOX = {
    "article.fr.txt": FRENCH,
    "article.txt": FRENCH,
    "more.txt": FRENCH.replace("mardi", "jeudi"),
    "page.html": PAGE,
    "articles/a.fr.txt": FRENCH,
    "articles/b.fr.md": "# Le budget voté\n\nLe conseil régional a voté le budget des lycées mardi.\n",
    "articles.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS),
    "feed.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS),
    "samples/huawei-brumath.fr.txt": FRENCH,  # a short stand-in for the sample: the commands are checked
    "habari.fr.txt": FRENCH,  # the README's many-to-many run (fr→sw on the tiny NLLB-200)
}
# Documents the docs name, made by the readers' sample builders (tests/documents).
DOCUMENTS = {"report.pdf": "pdf", "note.docx": "docx", "slides.pptx": "pptx"}
# Where the docs' URLs point; the sandbox's HTTP server stands in for it.
DOCS_HOST = "https://example.org"
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Actualités</title><link>{base}/</link><description>d</description>
<item><title>Le budget</title><link>{base}/budget.html</link><guid>b1</guid></item>
<item><title>Les lycées</title><link>{base}/lycees.html</link><guid>b2</guid></item>
</channel></rss>
"""


@dataclass
class Block:
    page: Path
    line: int  # of the block's first line
    lang: str
    text: str
    not_run: str | None

    def where(self, offset: int = 0) -> str:
        page = self.page.relative_to(REPO) if self.page.is_relative_to(REPO) else self.page
        return f"{page}:{self.line + offset}"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, each with the reason of its not-run marker (if any)."""
    found, lines = [], page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^(```+|~~~+)\s*([\w+-]*)", lines[i])
        if not fence:
            i += 1
            continue
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = NOT_RUN.match(before)
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(fence.group(1)))
        found.append(Block(page, i + 2, fence.group(2).lower(), "\n".join(lines[i + 1 : end]), marker and marker[1]))
        i = end + 1
    return found


@dataclass
class Command:
    args: list[str]
    env: dict[str, str]
    stdin: str | None  # a file piped in (cat FILE | trpipe ...)
    offset: int  # line within the block


def commands(block: Block) -> list[Command]:
    """The trpipe commands of a shell block: chains (&&, ;, |) split, VAR=value prefixes as environment,
    ``cat FILE |`` as standard input; other commands (pip, rsync, ray) are not trpipe's and are left out."""
    out: list[Command] = []
    logical, offset = "", 0
    for number, raw in enumerate(block.text.splitlines()):
        if not logical:
            offset = number
        logical += raw.rstrip("\\") + " "
        if raw.endswith("\\"):
            continue
        lexer = shlex.shlex(logical, posix=True, punctuation_chars=True)
        lexer.whitespace_split, lexer.commenters = True, "#"
        tokens, logical = list(lexer), ""
        segments: list[list[str]] = [[]]
        separators: list[str] = []
        for token in tokens:
            if token in ("&&", "||", ";", "|", "&"):
                segments.append([])
                separators.append(token)
            else:
                segments[-1].append(token)
        for index, words in enumerate(segments):
            env = {}
            while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
                key, value = words.pop(0).split("=", 1)
                env[key] = value
            if not words or words[0] != "trpipe":
                continue
            piped = index > 0 and separators[index - 1] == "|" and segments[index - 1][:1] == ["cat"]
            out.append(Command(words[1:], env, segments[index - 1][1] if piped else None, offset))
    return out


# ------------------------------------------------------------------------------------------------ sandbox


def _template_hub(tiny_models) -> FakeHub:
    """A hub that serves a tiny model under any opus-mt id, and the tiny summariser under the summarisers'."""
    hub = FakeHub()
    templates = {"translation": tiny_models["fr-en"], "summary": tiny_models["sum-en"]}

    class Repos(dict):
        def get(self, repo_id, default=None):
            if repo_id not in self:
                kind = "translation" if repo_id.startswith("Helsinki-NLP/opus-mt-") else None
                kind = kind or ("summary" if repo_id.split("/")[0] in ("sshleifer", "csebuetnlp") else None)
                if kind is None:
                    return default
                self[repo_id] = repo_from_folder(templates[kind], repo_id, licence="apache-2.0")
            return self[repo_id]

    hub.repos = Repos()
    return hub


class _Site(BaseHTTPRequestHandler):
    """The docs' web: ``/rss`` a feed of two entries, any other path the article page."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        feed = self.path.split("?")[0] in ("/rss", "/feed.xml")
        body = (FEED.format(base=base) if feed else PAGE).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml" if feed else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site():
    """The sandbox's HTTP server on 127.0.0.1: its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def localised(args: list[str], site: str) -> list[str]:
    """A command's arguments with the docs' URLs on the sandbox's server, allowed to reach it."""
    out = [a.replace(DOCS_HOST, site) if a.startswith(DOCS_HOST) else a for a in args]
    fetches = out != args or "--feed" in out or "--urls" in out
    return [*out, "--allow-private-urls"] if fetches and out[:1] in (["translate"], ["read"], ["digest"]) else out


@pytest.fixture(scope="module")
def sandbox(tiny_models, family_models, tmp_path_factory, site):
    """A working folder with the docs' files, a registry of the tiny models (every pair the docs use, the tiny
    NLLB-200 as its many-to-many model),
    the demo builder copying the tiny models instead of training them, and a local hub."""
    from huggingface_hub import close_session, constants

    from trpipe.models import demo, download

    root = tmp_path_factory.mktemp("docs")
    for name, text in SANDBOX.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    made = tmp_path_factory.mktemp("docs-documents")
    for name, reader in DOCUMENTS.items():
        built, _ = BUILDERS[reader](made)
        shutil.copyfile(built, root / name)
    pairs = {"fr-en": "fr-en", "en-fr": "en-fr", "fr-de": "fr-en", "en-de": "en-fr", "de-en": "fr-en"}
    registry = demo.write_registry(
        root / "registry.yaml",
        {p: tiny_models[m] for p, m in pairs.items()},
        {"en": tiny_models["sum-en"]},
        many=family_models["nllb"],
    )

    def build_all(out_dir, sample_path=None):
        out = Path(out_dir)
        for name, folder in tiny_models.items():
            shutil.copytree(folder, out / name, dirs_exist_ok=True)
        return {name: out / name for name in tiny_models}

    hub = _template_hub(tiny_models)
    with pytest.MonkeyPatch.context() as patch:
        (root / "feed.xml").write_text(FEED.format(base=site), encoding="utf-8")
        (root / "urls.txt").write_text(f"{site}/budget.html\n{site}/lycees.html\n", encoding="utf-8")
        patch.setenv("TRPIPE_STATE_DIR", str(root / ".serve-state"))
        patch.setattr(demo, "build_all", build_all)
        patch.setattr(demo, "SAMPLE", root / "samples" / "huawei-brumath.fr.txt")
        for var in download._PROXY_VARS:
            patch.delenv(var, raising=False)
        patch.delenv("HF_HUB_OFFLINE", raising=False)
        patch.setenv("HF_ENDPOINT", hub.url)
        patch.setenv("HF_HUB_CACHE", str(root / ".hub-cache"))
        patch.setenv("HF_HUB_ETAG_TIMEOUT", "5")
        patch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "5")
        patch.setenv("TRPIPE_MODELS", str(registry))
        patch.setenv("TRPIPE_CACHE_DIR", str(root / ".trpipe-cache"))
        patch.chdir(root)
        download._REMOTE.clear()
        try:
            yield root
        finally:
            download._REMOTE.clear()
            constants.HF_HUB_OFFLINE = True  # as the rest of the suite runs (conftest)
            close_session()
            hub.close()


def run_python(block: Block, namespace: dict) -> str | None:
    """Run a Python block in ``namespace``; the error, or None."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(block.text, block.where(), "exec"), namespace)  # the docs' own code
    except Exception as exc:  # reported with its place
        return f"{type(exc).__name__}: {exc}"
    return None


def serve_once(command: Command) -> str | None:
    """Start ``trpipe serve ARGS`` (a child process on a free port), wait until it is ready, stop it with
    SIGTERM; what went wrong, or None."""
    from serve_fixtures import ChildServer

    try:
        server = ChildServer(command.args[1:], env=command.env)
    except (TimeoutError, RuntimeError) as exc:
        return f"does not start: {exc}"
    code = server.terminate()
    return None if code == 0 else f"exits {code} on SIGTERM: {server.lines[-1:]}"


def test_every_command_and_snippet_of_the_docs_runs(sandbox, site):
    failures, ran, skipped = [], 0, []
    served: dict[tuple[str, ...], str | None] = {}
    for page in PAGES:
        namespace: dict = {"__name__": "__docs__"}
        for block in blocks(page):
            runnable = block.lang in SHELLS or block.lang == "python"
            if not runnable:
                continue
            if block.not_run:
                skipped.append(f"{block.where()} ({block.not_run})")
                continue
            if block.lang == "python":
                ran += 1
                error = run_python(block, namespace)
                if error:
                    failures.append(f"{block.where()}: the Python block fails: {error}")
                continue
            try:
                found = commands(block)
            except ValueError as exc:  # shlex: an unbalanced quote
                failures.append(f"{block.where()}: cannot read the shell block ({exc})")
                continue
            for command in found:
                ran += 1
                shown = " ".join(shlex.quote(a) for a in ["trpipe", *command.args])
                if command.args[:1] == ["serve"]:
                    if tuple(command.args) not in served:  # the same command on two pages starts once
                        served[tuple(command.args)] = serve_once(command)
                    if served[tuple(command.args)]:
                        failures.append(f"{block.where(command.offset)}: `{shown}` {served[tuple(command.args)]}")
                    continue
                stdin = (sandbox / command.stdin).read_text(encoding="utf-8") if command.stdin else None
                args = localised(command.args, site)
                result = CliRunner().invoke(cli, args, input=stdin, env=command.env or None)
                if result.exit_code != 0 or "Traceback" in result.output:
                    last = (result.output.strip().splitlines() or [repr(result.exception)])[-1]
                    failures.append(f"{block.where(command.offset)}: `{shown}` exits {result.exit_code}: {last}")
    print(f"\n{ran} commands and snippets of the docs ran; {len(skipped)} blocks marked not-run:")
    print("\n".join(f"  {s}" for s in skipped))
    assert not failures, "\n".join(failures)
    assert ran >= 30, ran  # the parser still finds the docs' commands
    assert len(skipped) <= MAX_NOT_RUN, f"{len(skipped)} blocks marked not-run (at most {MAX_NOT_RUN})"


def test_the_parser_reads_chains_environment_and_pipes(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "text\n\n<!-- not-run: a reason -->\n```sh\npip install x && trpipe models list\n```\n\n"
        "```bash\nA=1 B=two trpipe translate a.txt \\\n  --to en   # comment\ncat x.txt | trpipe translate - --to en\n"
        'eval "$(_TRPIPE_COMPLETE=bash_source trpipe)"\n```\n',
        encoding="utf-8",
    )
    first, second = blocks(page)
    assert first.not_run == "a reason" and [c.args for c in commands(first)] == [["models", "list"]]
    found = commands(second)
    assert [(c.args, c.env, c.stdin, c.offset) for c in found] == [
        (["translate", "a.txt", "--to", "en"], {"A": "1", "B": "two"}, None, 0),
        (["translate", "-", "--to", "en"], {}, "x.txt", 2),
    ]
    assert second.where(2) == f"{page}:{second.line + 2}" and second.line == 9


# ---------------------------------------------------------------------------------------------- promises


def test_the_json_example_is_the_real_one(sandbox):
    """The example's version is trpipe's, and each provenance key it shows is in a real document."""
    text = (REPO / "docs" / "how-it-works.md").read_text(encoding="utf-8")
    example = re.search(r"```jsonc\n(.*?)```", text, re.S).group(1)
    versions = re.findall(r'"trpipe": "([^"]+)"', example) + re.findall(r'"trpipe:([^|"]+)\|', example)
    assert versions and set(versions) == {__version__}, versions
    result = CliRunner().invoke(cli, ["translate", "article.fr.txt", "--to", "en", "--format", "json"])
    real = json.loads(result.stdout)
    shown = set(re.findall(r'^    "(\w+)":', example.split('"provenance": {', 1)[1], re.M))
    assert shown and shown <= set(real["provenance"]), shown - set(real["provenance"])
    assert set(re.findall(r'^  "(\w+)":', example, re.M)) <= set(real) | {"target_langs"}
    model = re.search(r'"translation": (\{"model".*?\})', example, re.S).group(1)
    assert set(re.findall(r'"(\w+)":', model)) <= set(real["provenance"]["models"]["translation"]) | {"revision"}
    documented = re.search(r"`(trpipe: \d+ articles ok, [^`]+)`", (REPO / "docs" / "batches.md").read_text("utf-8"))[1]
    run = CliRunner().invoke(cli, ["translate", "articles/", "--to", "en", "-o", "closing/", "--no-cache", "--force"])
    (closing,) = [line for line in run.output.splitlines() if " articles ok, " in line]

    def shape(line: str) -> str:
        return re.sub(r"\d+(?:\.\d+)?", "N", line)

    assert shape(closing) == shape(documented), (closing, documented)


def _exit_codes() -> list[int]:
    """The exit codes docs/usage.md lists (``128 + N`` as the codes its line names: 130, 143, 129)."""
    text = (REPO / "docs" / "usage.md").read_text(encoding="utf-8")
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes: list[int] = []
    for row in re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", table, re.M):
        code, meaning = row[0].strip(), row[1]
        if code.isdigit():
            codes.append(int(code))
        elif "128" in code:
            codes += [int(n) for n in re.findall(r"\b(1[2-9]\d)\b", meaning)]
    return codes


def _backend(name: str, fail: BaseException | None = None, drop_digits: bool = False):
    from echo_backend import EchoTranslator
    from trpipe.translate.base import register_backend

    @register_backend(name)
    class Backend(EchoTranslator):
        def translate_batch(self, texts):
            if fail is not None:
                raise fail
            out = super().translate_batch(texts)
            return [re.sub(r"\d", "", t) for t in out] if drop_digits else out

    return name


def _produce(code: int, echo_registry: Path, tmp: Path):
    """The command that gives ``code`` (None: no producer yet)."""
    from trpipe.cli import Terminated

    good = tmp / "good.fr.txt"
    good.write_text(FRENCH, encoding="utf-8")
    quick = ["--from", "fr", "--to", "en", "--no-summary", "--no-cache"]
    if code == 0:
        return ["translate", good, *quick, "--backend", "test-echo"]
    if code == 1:
        folder = tmp / "batch"
        folder.mkdir(exist_ok=True)
        (folder / "a.fr.txt").write_text(FRENCH, encoding="utf-8")
        (folder / "b.fr.txt").write_text("", encoding="utf-8")
        return ["translate", folder, *quick, "--backend", "test-echo", "-o", tmp / "out"]
    if code == 2:
        return ["translate", tmp / "missing.txt", *quick, "--backend", "test-echo"]
    if code == 3:
        return ["translate", good, *quick, "--backend", _backend("docs-drop-digits", drop_digits=True), "--strict"]
    if code == 4:
        return ["translate", good, *quick, "--model", "trpipe-tests/absent"]
    if code == 70:
        return ["translate", good, *quick, "--backend", _backend("docs-bug", RuntimeError("a bug"))]
    if code == 130:
        return ["translate", good, *quick, "--backend", _backend("docs-ctrl-c", KeyboardInterrupt())]
    if code > 128:
        signal = code - 128
        return ["translate", good, *quick, "--backend", _backend(f"docs-signal-{signal}", Terminated(signal))]
    return None


@pytest.mark.parametrize("code", _exit_codes())
def test_every_exit_code_the_docs_list_is_produced(code, echo_registry, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    args = _produce(code, echo_registry, tmp_path)
    assert args is not None, f"docs/usage.md lists exit code {code}, which no test produces: add it to _produce"
    result = CliRunner().invoke(cli, [os.fspath(a) for a in args], env={"TRPIPE_MODELS": str(echo_registry)})
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    if code not in (0, 3):
        assert result.output.strip(), "a failure says why"


def test_the_exit_code_table_is_read():
    assert {0, 1, 2, 3, 4, 70, 130, 143, 129} <= set(_exit_codes())
