"""Notices a test touching files beside the repository (a shared folder, a sibling checkout, ...).

The test suite must pass in a fresh clone with nothing beside it, so no test may read a path outside the
repository that happens to exist on one machine. An audit hook (``sys.addaudithook``) sees every file
opened, every folder listed and every program started in the test process; a :class:`Guard` records
those that lie inside an entry of the repository's parent folder that existed before the session began
(a sibling of the clone), other than:

* the repository itself, and the Python installation (``sys.prefix``, the venv, site-packages);
* hidden entries (``~/.cache`` when the clone lies in a home folder) and temporary areas that tools make
  for themselves (``pytest-of-*``, ``tmp*``, Ray's ``ray``), which matter when the clone lies in ``/tmp``.

Child processes are not seen (the static check in ``test_repository.py`` covers what they are given).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

TEMP_LIKE = ("pytest-of-", "tmp", "ray", "trpipe-test-")
_ACTIVE: list[Guard] = []
_HOOKED = False


def _hook(event: str, args: tuple) -> None:
    if not _ACTIVE:
        return
    if event in ("open", "os.listdir", "os.scandir", "shutil.copyfile", "shutil.copytree"):
        paths = args[:1]
    elif event == "subprocess.Popen":
        executable, argv = args[0], args[1]
        paths = [executable, *(argv if isinstance(argv, (list, tuple)) else [argv])]
    else:
        return
    for guard in list(_ACTIVE):
        for path in paths:
            guard.see(event, path)


class Guard:
    """Records the paths beside ``repo`` that the process touches while started."""

    def __init__(self, repo: str | os.PathLike, allowed: tuple[str | os.PathLike, ...] = ()):
        self.repo = os.path.realpath(repo)
        self.parent = os.path.dirname(self.repo)
        roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path[1:], *map(os.fspath, allowed)}
        self.allowed = tuple(os.path.realpath(r) for r in roots if r and os.path.isabs(r))
        self.siblings: set[str] = set()
        self.touched: list[tuple[str, str]] = []  # (event, path)

    def start(self) -> Guard:
        """Remember the siblings that exist now, and begin recording."""
        global _HOOKED
        try:
            names = os.listdir(self.parent)
        except OSError:
            names = []
        self.siblings = {n for n in names if n != os.path.basename(self.repo) and not n.startswith((".", *TEMP_LIKE))}
        if not _HOOKED:
            sys.addaudithook(_hook)
            _HOOKED = True
        _ACTIVE.append(self)
        return self

    def stop(self) -> None:
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    def beside(self, path: object) -> bool:
        """Whether ``path`` lies in a sibling of the repository (and in no allowed place)."""
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, (str, os.PathLike)):
            return False  # a file descriptor
        text = os.fspath(path)
        if not text or "\0" in text:
            return False
        full = os.path.normpath(os.path.join(os.getcwd(), text)) if not os.path.isabs(text) else os.path.normpath(text)
        if not full.startswith(self.parent + os.sep):
            return False
        if _inside(full, self.repo) or any(_inside(full, root) for root in self.allowed):
            return False
        first = full[len(self.parent) + 1 :].split(os.sep, 1)[0]
        return first in self.siblings

    def see(self, event: str, path: object) -> None:
        if self.beside(path):
            self.touched.append((event, os.fspath(path if not isinstance(path, bytes) else os.fsdecode(path))))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def session_guard(repo: Path) -> Guard:
    """The guard of a test session: the temporary folder is allowed unless it is where the clone lies."""
    temp = os.path.realpath(tempfile.gettempdir())
    allowed = () if os.path.realpath(repo.parent) == temp else (temp,)
    return Guard(repo, allowed).start()
