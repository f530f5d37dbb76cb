"""The tiny random-weight models of the tests: ``trpipe.models.demo`` (re-exported here), and a hub-cache installer.

:func:`install_in_hub_cache` copies a built model into a Hugging Face cache layout, so that
``from_pretrained("Helsinki-NLP/opus-mt-fr-en")`` and trpipe's hub code find it as a download leaves it
(``refs/<revision>`` → ``snapshots/<commit>/...``).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from trpipe.models.demo import (
    ENGLISH_TEXT,
    SAMPLE,
    SUPPRESS_BIAS,
    TINY,
    build_all,
    build_bart,
    build_demo,
    build_marian,
    write_registry,
)

__all__ = [
    "ENGLISH_TEXT",
    "SAMPLE",
    "SUPPRESS_BIAS",
    "TINY",
    "build_all",
    "build_bart",
    "build_demo",
    "build_marian",
    "install_in_hub_cache",
    "write_registry",
]


def install_in_hub_cache(
    model_dir: str | Path, cache_dir: str | Path, repo_id: str, *, revision: str = "main", commit: str = ""
) -> str:
    """Copy ``model_dir`` into hub cache ``cache_dir`` (``HF_HUB_CACHE`` layout) as ``repo_id``.

    ``refs/<revision>`` points at ``commit`` (default: a hash derived from ``repo_id`` and ``revision``),
    which is returned.
    """
    commit = commit or hashlib.sha1(f"{repo_id}@{revision}".encode()).hexdigest()
    repo = Path(cache_dir) / ("models--" + repo_id.replace("/", "--"))
    ignore = shutil.ignore_patterns("ctranslate2-*")  # conversions made beside a local model are not its files
    shutil.copytree(model_dir, repo / "snapshots" / commit, dirs_exist_ok=True, ignore=ignore)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / revision).write_text(commit)
    return commit
