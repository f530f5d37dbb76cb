"""trpipe's cache folder: the translation memory and the CTranslate2 conversions of hub models live there."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV_VAR = "TRPIPE_CACHE_DIR"


def default_cache_dir() -> Path:
    """trpipe's cache folder: ``$TRPIPE_CACHE_DIR``, else the user cache folder (platformdirs)."""
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("trpipe", appauthor=False))
