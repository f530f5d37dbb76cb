"""``trpipe read``: a document as trpipe will translate it, with no model loaded.

The reader's text, the segments cut from it (ids, kinds, spans, lines, locations, sentences), the language
(``--from``, else identified) and what the reader did (its library, fallbacks, the page's metadata). A
pipeline can use trpipe's readers alone through this, and a user can see what will be translated.
"""

from __future__ import annotations

import os
from typing import Any

from trpipe.records import CONTRACT_VERSION, Source


def load(given: str, *, encoding: str | None = None, strict_encoding: bool = False, max_bytes: int | None = None,
         allow_private: bool = False, warn=None) -> Source:  # fmt: skip
    """A path, ``-`` or an http(s) URL read by its reader."""
    from trpipe.read import read_source

    if is_url(given):
        from trpipe.read.fetch import fetch_source

        return fetch_source(given, allow_private=allow_private, max_bytes=max_bytes, warn=warn)
    return read_source(given, encoding, max_bytes, strict_encoding, warn)


def show(given: str, source_lang: str | None = None, **options: Any) -> str:
    """``trpipe read``: the document at ``given`` as JSON text. ``options``: those of ``load``. The language is
    checked before anything is read."""
    from trpipe.languages import normalize_code
    from trpipe.render.common import dumps

    lang = normalize_code(source_lang, "--from") if source_lang else None
    return dumps(read_document(load(given, **options), lang), indent=2) + "\n"


def is_url(given: str) -> bool:
    return given.lower().startswith(("http://", "https://")) and not os.path.exists(given)


def read_document(source: Source, source_lang: str | None = None) -> dict[str, Any]:
    """The JSON document ``trpipe read`` writes for ``source``: everything but translations."""
    from trpipe.languages import detect_language
    from trpipe.segment import segment_blocks, segment_text

    if not (source_lang or source.lang):
        source.detection = detect_language(source.text, source.path)  # a Detection: its language, how sure
    lang = source_lang or source.lang or source.detection.lang
    source.lang = lang
    if source.blocks is not None:
        segments = segment_blocks(source.text, source.blocks, lang)
    else:
        segments = segment_text(source.text, lang)
    out_segments = []
    for seg in segments:
        entry: dict[str, Any] = {"id": seg.id, "kind": seg.kind, "start": seg.start, "end": seg.end, "line": seg.line}
        entry["text"] = seg.text
        if seg.location is not None:
            entry["location"] = seg.location
        entry["sentences"] = [{"start": s.start, "end": s.end, "text": s.text} for s in seg.sentences]
        out_segments.append(entry)
    from trpipe._version import __version__
    from trpipe.segment import segmenter_name

    reader = {"name": source.format, **{k: v for k, v in source.meta.items() if isinstance(v, (str, int, float))}}
    return {
        "source": source.to_dict(),
        "segments": out_segments,
        "reader": reader,
        "provenance": {"trpipe": __version__, "segmenter": segmenter_name(source.lang), "reader": reader},
        "contract_version": CONTRACT_VERSION,
    }
