"""The repository stands alone: nothing in it refers to a file outside it, CI runs the README's test command,
and the packaging files a user relies on are there."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from conftest import GUARD, REPO
from repo_guard import Guard

try:
    import tomllib
except ImportError:  # Python 3.10: huggingface_hub brings tomli there
    import tomli as tomllib

SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "dist"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".txt", ".cfg", ".ini", ".sh", ""}
# Spelled in pieces so that this file does not match itself.
FORBIDDEN = [
    re.escape(".." + "/shared"),
    re.escape("shared" + "/tools"),
    re.escape("check" + "_doc") + r"(?![A-Za-z_])",
]


def repository_files() -> list[Path]:
    found = []
    for root, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info") and d != ".work"]
        for name in files:
            path = Path(root) / name
            if path.suffix in TEXT_SUFFIXES and path.is_file() and path.stat().st_size < 2_000_000:
                found.append(path)
    return found


def test_no_file_refers_to_the_shared_folder_beside_the_repository():
    offenders = []
    for path in repository_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in FORBIDDEN:
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(REPO)}:{line}")
    assert not offenders, offenders


_PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parent\b)+|\.parents\[(\d+)\])")
_ROOT_PARENT = re.compile(r"\b(?:REPO|ROOT|REPO_ROOT)\.parent\b")


def test_no_python_file_climbs_out_of_the_repository():
    """``Path(__file__).parents[N]`` (or ``.parent`` chains) never goes above the repository root."""
    offenders = []
    for path in repository_files():
        if path.suffix != ".py":
            continue
        depth = len(path.relative_to(REPO).parts)  # parents[depth - 1] (depth levels up) is the repository root
        text = path.read_text(encoding="utf-8")
        for match in _PARENTS.finditer(text):
            levels = int(match.group(2)) + 1 if match.group(2) else match.group(1).count(".parent")
            if levels > depth:
                offenders.append(f"{path.relative_to(REPO)}: {match.group(0)}")
        offenders += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in _ROOT_PARENT.finditer(text)]
    assert not offenders, offenders


def test_the_guard_notices_a_read_beside_the_repository(tmp_path):
    """The session's guard sees what a test opens; a file in a sibling of the clone is recorded."""
    layout = tmp_path / "work"
    (layout / "clone" / "tests").mkdir(parents=True)
    (layout / "shared" / "tools").mkdir(parents=True)
    (layout / "shared" / "tools" / "checker.py").write_text("print('outside')\n")
    (layout / "clone" / "tests" / "inside.txt").write_text("inside\n")
    guard = Guard(layout / "clone").start()
    try:
        (layout / "clone" / "tests" / "inside.txt").read_text()
        assert guard.touched == []
        with open(layout / "clone" / ".." / "shared" / "tools" / "checker.py") as handle:
            handle.read()
        os.listdir(layout / "shared")
        with pytest.raises(FileNotFoundError):
            open(layout / "shared" / "missing.json")  # noqa: SIM115 (a failed open is still an attempt)
    finally:
        guard.stop()
    events = [(event, Path(path).name) for event, path in guard.touched]
    assert events == [("open", "checker.py"), ("os.listdir", "shared"), ("open", "missing.json")]
    (layout / "late").mkdir()  # created after the guard started: a test's own scratch, not a sibling
    assert not guard.beside(layout / "late" / "x") and guard.beside(layout / "shared")


def test_the_session_guard_is_on():
    assert GUARD in __import__("repo_guard")._ACTIVE
    assert GUARD.repo == os.path.realpath(REPO)


# ---------------------------------------------------------------------------------- README and CI


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def _first_block_after(text: str, marker: str) -> str:
    start = text.index(marker)
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text[start:], re.S)
    assert block, f"no code block after {marker!r}"
    return block.group(1).strip()


def _commands(script: str) -> list[str]:
    lines = []
    for line in script.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def test_ci_runs_exactly_the_readme_test_command():
    readme = _readme()
    test_command = _first_block_after(readme, "**Run the tests**")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = _commands(ci)
    assert commands[-1] == test_command
    boilerplate = {"set -euo pipefail", 'cd "$(dirname "$0")/.."'}
    for command in commands[:-1]:
        assert command in boilerplate or command in readme, f".ci/run does what the README does not say: {command}"
    assert "pytest" in test_command and "'.[test]'" in test_command


def test_readme_first_commands_install_and_run():
    readme = _readme()
    first_screen = readme[: readme.index("\n## ")]
    job = _first_block_after(readme, "**Translate the sample article**")
    assert "trpipe translate samples/huawei-brumath.fr.txt --to en" in job and job in first_screen
    for command in (job, _first_block_after(readme, "**Run the tests**")):
        words = shlex.split(command)
        assert words[:3] == ["python3", "-m", "venv"]
        assert "torch==2.13.0" in words
    # what the torch step installs, and how to get the CPU-only build instead
    assert "download.pytorch.org/whl/cpu" in first_screen and "CUDA" in first_screen


def test_licence_and_typing_marker():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert project["license"] == "Apache-2.0"
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert (REPO / "src" / "trpipe" / "py.typed").is_file()


def test_extras_separate_tests_from_development_tools():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = {key: {re.split(r"[<>=!~\[;]", dep)[0].strip().lower() for dep in deps} for key, deps in extras.items()}
    assert "pytest" in names["test"] and "ruff" not in names["test"]
    assert "ruff" in names["dev"] and "trpipe" in names["dev"]  # dev = the test extra + the tools


def test_dependency_floors_meet_what_the_code_calls():
    """Floors the code needs: transformers with dtype= and set_attn_implementation, torch that loads .bin."""
    deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    floors = {}
    for dep in deps:
        match = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", dep)
        assert match, f"{dep}: every dependency has a floor"
        floors[match.group(1).lower()] = tuple(int(x) for x in match.group(2).split("."))
    assert floors["transformers"] >= (5, 0) and floors["torch"] >= (2, 6) and floors["huggingface-hub"] >= (1, 0)
