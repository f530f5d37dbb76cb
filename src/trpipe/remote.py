"""Inputs and outputs on object storage (``s3://bucket/key``, and the other fsspec URLs: ``gs://``, ``az://``,
``abfs://``), as Ray users keep their data. Extra ``trpipe[s3]`` (fsspec, s3fs, universal-pathlib).

Credentials and endpoints come from the storage library's usual places: for S3 the AWS environment
variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL`` for an S3-compatible
server such as MinIO), ``~/.aws`` and instance roles. On a Ray cluster the actors read the inputs
themselves: every node needs credentials (the driver never forwards its own).

What object storage changes:

* an input "folder" is a prefix: its objects with an article suffix, in key order; a JSONL object is
  read line by line as it streams in;
* an output object is written in one piece (a single PUT, or a multipart upload completed only when
  the file is finished), so a reader sees the old object or the whole new one, as with local files;
* a stream (JSONL, Parquet) killed outright leaves nothing (an upload never completed), so the rerun
  redoes that run's documents; a complete previous object is resumed like a local file.
"""

from __future__ import annotations

import errno
import functools
import io
from collections.abc import Iterator
from typing import Any

from trpipe.errors import InputError, MissingExtraError, OutputError

SCHEMES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss")
_PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}
_PACKAGES["abfss"] = "adlfs"


def is_remote(path: object) -> bool:
    """Whether ``path`` is an object-storage URL (a string or a UPath)."""
    if hasattr(path, "protocol") and hasattr(path, "fs"):  # a UPath
        return bool(path.protocol)
    if not isinstance(path, str):
        return False
    scheme, sep, _ = path.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def _scheme(url: str) -> str:
    return url.partition("://")[0].lower()


def as_path(url: Any):
    """A path object for ``url`` that keeps its scheme (``UPath``), with the pathlib operations trpipe uses."""
    if hasattr(url, "protocol") and hasattr(url, "fs"):
        return url
    try:
        from upath import UPath
    except ImportError:
        raise MissingExtraError("universal-pathlib", "s3", f"{_scheme(url)}:// paths") from None
    _filesystem(_scheme(url))  # the storage package, or the extra's name
    return UPath(url)


@functools.lru_cache(maxsize=16)
def _filesystem(scheme: str):
    try:
        import fsspec

        return fsspec.filesystem(scheme)
    except (ImportError, ValueError):
        package = _PACKAGES.get(scheme, "fsspec")
        raise MissingExtraError(package, "s3", f"{scheme}:// paths") from None


def filesystem(url: str):
    """``(filesystem, path without the scheme)`` for ``url``."""
    fs = _filesystem(_scheme(url))
    return fs, fs._strip_protocol(url)


def _url(scheme: str, path: str) -> str:
    return f"{scheme}://{path}"


def _reason(exc: BaseException) -> str:
    """A storage error in a few words (boto's messages run over several lines)."""
    text = " ".join(str(exc).split())
    if "bucket does not exist" in text.lower():
        return "no such bucket"
    if isinstance(exc, FileNotFoundError):
        return "no such object"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if type(exc).__name__ == "NoCredentialsError":  # botocore's: no key in the variables, ~/.aws or a role
        return "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure ~/.aws"
    text = text or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# ------------------------------------------------------------------------------------------- reading


def is_folder(url: str) -> bool:
    """Whether ``url`` is a prefix holding objects (a "folder"): it ends with ``/``, or it is no object."""
    fs, path = filesystem(url)  # the storage package, or the extra's name
    try:
        return url.endswith("/") or fs.isdir(path)
    except Exception:  # unreachable or refused: the read that follows says why
        return False


def list_files(url: str, suffixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """``(object URL, key relative to the prefix)`` of the objects under ``url`` with one of ``suffixes``
    (hidden names apart), in key order."""
    fs, path = filesystem(url)
    root = path.rstrip("/")
    try:
        keys = sorted(fs.find(root))
    except FileNotFoundError:
        return
    except Exception as exc:
        raise InputError(url, f"cannot be listed ({_reason(exc)})") from None
    scheme = _scheme(url)
    for key in keys:
        relative = key[len(root) :].lstrip("/")
        name = relative.rsplit("/", 1)[-1]
        if name.startswith(".") or not name.lower().endswith(suffixes):
            continue
        yield _url(scheme, key), relative


def open_read(url: str):
    """A buffered binary file object over the object at ``url``, read as it streams in (InputError when it
    cannot be opened)."""
    fs, path = filesystem(url)
    try:
        return io.BufferedReader(fs.open(path, "rb"), buffer_size=1 << 20)
    except Exception as exc:
        raise InputError(url, f"cannot be read ({_reason(exc)})") from None


def read_bytes(url: str, max_bytes: int | None = None) -> bytes:
    """The bytes of the object at ``url``; an InputError when it is missing or unreadable, OverflowError (not
    read) when it is larger than ``max_bytes``."""
    fs, path = filesystem(url)
    try:
        info = fs.info(path)
        if info.get("type") == "directory":
            raise InputError(url, "is a folder (a prefix), not a file")
        size = info.get("size")
        if max_bytes is not None and size is not None and size > max_bytes:
            raise OverflowError(size)
        return fs.cat_file(path)
    except (InputError, OverflowError):
        raise
    except Exception as exc:
        raise InputError(url, f"cannot be read ({_reason(exc)})") from None


# ------------------------------------------------------------------------------------------- writing


def write_bytes(target, data: bytes) -> None:
    """Write ``data`` as the object ``target`` in one piece (a reader sees the old object or the new one)."""
    url = str(target)
    fs, path = filesystem(url)
    try:
        fs.pipe_file(path, data)
    except Exception as exc:
        raise _error(url, exc) from None


def open_write(target):
    """A binary file object writing the object ``target``: nothing is visible until ``commit``; ``discard``
    throws it away (an upload never completed)."""
    url = str(target)
    fs, path = filesystem(url)
    try:
        return fs.open(path, "wb")
    except Exception as exc:
        raise _error(url, exc) from None


def discard(handle) -> None:
    """Throw away an unfinished object (``open_write``)."""
    try:
        if hasattr(handle, "discard"):
            handle.discard()
        handle.closed = True
    except Exception:  # the upload may already be gone
        pass


def _error(url: str, exc: BaseException) -> OutputError:
    """A storage error while writing ``url``: a one-line OutputError that stops the run (what refused one
    object, a missing bucket or a denied permission, refuses the next ones too)."""
    error = OutputError(f"{url}: cannot be written ({_reason(exc)})")
    error.errno = getattr(exc, "errno", None) or errno.EIO  # type: ignore[attr-defined]
    error.stops = True  # type: ignore[attr-defined]
    return error


def error(url: str, exc: BaseException) -> OutputError:
    return _error(url, exc)
