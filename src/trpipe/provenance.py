"""What produced an output, recorded in every output (sacrebleu-style): models with their commits,
decoding settings, trpipe's version; and the run signature behind fingerprints.

``run_signature`` names everything an output depends on apart from the source bytes, without loading a
model (a folder's contents, a hub model's commit), so that a driver can decide what to skip.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from trpipe._version import __version__
from trpipe.errors import PairError
from trpipe.models.registry import ModelSpec
from trpipe.records import Document
from trpipe.segment import segmenter_name
from trpipe.settings import Settings


def spec_identity(spec: ModelSpec) -> dict[str, Any]:
    """A model entry as it decides an output: id, revision, what its files are now, settings."""
    from trpipe.models.hub import model_identity

    return {
        "model": spec.model,
        "revision": spec.revision,
        "identity": model_identity(spec),
        "settings": spec.settings,
        "target_token": spec.target_token,
        "source_token": spec.source_token,
    }


def run_signature(session: Any, source_lang: str, settings: Settings, fmt: str = "") -> str:
    """Every setting an output depends on (apart from the source bytes), as a stable string.

    ``session`` gives the routes (``route(src, tgt, settings)``), the registry and the glossary.
    """
    parts: dict[str, Any] = {
        "trpipe": __version__,
        "format": fmt,
        "settings": settings.signature(),
        "glossary": getattr(session.glossary, "fingerprint", None) or repr(session.glossary),
        "routes": {t: [spec_identity(s) for s in session.route(source_lang, t, settings)] for t in settings.targets},
    }
    if settings.summary:
        try:
            spec = session.registry.summariser(settings.target_lang, settings.summary_model)
            parts["summary"] = spec_identity(spec)
            parts["back"] = [spec_identity(s) for s in session.route(settings.target_lang, source_lang, settings)]
        except PairError as exc:
            parts["summary"] = str(exc)
    return json.dumps(parts, sort_keys=True, default=str)


def translation_provenance(
    document: Document, settings: Settings, translators: dict[str, Any], routes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The provenance of ``document``'s translations; ``translators``: the translator of each target
    language other than the source's; ``routes``: how each target was reached and why (``Route.describe``)."""
    models = {target: t.describe() for target, t in translators.items()}
    decoding = {target: t.decoding() for target, t in translators.items()}
    primary = settings.target_lang
    model, decode = models.get(primary, {}), decoding.get(primary, {})
    legs = model.get("legs", [model]) if model else []
    named = ">".join(f"{m.get('model')}@{m.get('commit') or m.get('revision') or 'local'}" for m in legs)
    signature = "|".join(
        [
            f"trpipe:{__version__}",
            "model:" + (named or "none"),
            f"backend:{legs[0].get('backend') if legs else None}",
            *(f"{k}:{v}" for k, v in sorted(decode.items()) if k != "legs"),
        ]
    )
    provenance: dict[str, Any] = {
        "trpipe": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "models": {"translation": model},
        "decoding": {"translation": decode},
        "segmenter": segmenter_name(document.source.lang),
        "signature": signature,
    }
    if routes:
        provenance["routes"] = routes
    if len(models) > 1:
        provenance["models"]["translations"] = models
        provenance["decoding"]["translations"] = decoding
    if document.source.blocks is not None:
        provenance["extractor"] = {"name": "trafilatura/markdown-it-py", **document.source.meta}
    return provenance
