"""The digest (``trpipe digest``, docs/digest.md): many articles → stories, each with one cited, bilingual
summary and the places where its sources disagree.

    from trpipe import Session
    from trpipe.digest import DigestOptions, digest

    with Session(to="en") as session:
        result = digest(["articles/"], session, DigestOptions(output="out/digest.json"))

``articles`` (metadata), ``minhash`` (near-duplicate candidates), ``stories`` (duplicates, grouping),
``summary`` (one map-reduce per story), ``compare`` (disagreements), ``state`` (incremental runs), ``build``
(the JSON and the files beside it), ``run`` (inputs through the Session, as ``translate`` batches them).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DigestOptions", "digest"]


def __getattr__(name: str) -> Any:  # the pipeline's modules load only when a digest is made
    if name in __all__:
        from trpipe.digest import run

        return getattr(run, name)
    raise AttributeError(name)
