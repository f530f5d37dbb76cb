"""Shading a translated sentence by its model score (mean log-probability per token): the model's own
confidence, shown for reading, never a flag."""

from __future__ import annotations

from trpipe.records import Document
from trpipe.render.common import sentence_score, targets

# Shading thresholds on the model score (mean log-probability per token). -1.0 is a geometric-mean token
# probability of 37%, -2.0 one of 14%: translations that unsure are worth a second look. Reading aid only.
LOW_SCORE = -1.0
VERY_LOW_SCORE = -2.0


def score_class(score: float | None) -> str:
    """The classes (after ``sent``) of a sentence with model score ``score``."""
    if score is None:
        return ""
    return " very-low" if score < VERY_LOW_SCORE else " low" if score < LOW_SCORE else ""


def legend(document: Document) -> list[str]:
    """What the shading means, when any sentence of ``document`` has a score."""
    scored = any(
        sentence_score(document, s, t) is not None
        for seg in document.segments
        for s in seg.sentences
        for t in targets(document)
    )
    if not scored:
        return []
    return [
        '<p class="legend">Shading: <span class="sent low">the translation model was unsure</span> (mean '
        f'log-probability per token below {LOW_SCORE:g}) · <span class="sent very-low">very unsure</span> '
        f"(below {VERY_LOW_SCORE:g}). This is the model's own confidence, not a check: no flag is raised "
        "from it. Hover a sentence for its score.</p>"
    ]
