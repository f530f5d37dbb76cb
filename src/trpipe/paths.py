"""Tests on paths a user gave that never raise: a name too long for the filesystem, a NUL byte, a loop of
links or a folder that cannot be entered is simply not a file or folder there (the read or write that follows
reports why, in one line)."""

from __future__ import annotations

import os
from pathlib import Path


def as_path(path: str | os.PathLike):
    """A path object for ``path``: a ``Path``, or for an object-storage URL (``s3://...``) a path that keeps its
    scheme (``trpipe.remote``)."""
    from trpipe.remote import as_path as remote_path
    from trpipe.remote import is_remote

    return remote_path(path) if is_remote(path) else Path(path)


def _test(path: str | os.PathLike, test: str) -> bool:
    """``path.is_dir()`` and the like, False when it cannot be told (then the read or write that follows
    says why: object storage raises its own errors, such as missing credentials, not OSError)."""
    try:
        return bool(getattr(as_path(path), test)())
    except (OSError, ValueError):
        return False
    except Exception:
        from trpipe.remote import is_remote

        if is_remote(path):
            return False
        raise


def is_dir(path: str | os.PathLike) -> bool:
    return _test(path, "is_dir")


def is_file(path: str | os.PathLike) -> bool:
    return _test(path, "is_file")


def exists(path: str | os.PathLike) -> bool:
    return _test(path, "exists")


def looks_like_folder(model: str) -> bool:
    """Whether a model name (a registry's ``model``, ``--model``) is a path to a folder, not a hub id
    (``org/name``): it starts like a path, or has more than one slash, or a backslash."""
    return model.startswith((".", "/", "~", "\\")) or "\\" in model or model.count("/") > 1
