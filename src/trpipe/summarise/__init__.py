"""Bilingual, cited summaries: map-reduce over whole segments (``mapreduce``), citations (``align``),
and the summarisation models behind one small interface (``models``)."""

from trpipe.summarise.align import align, content_words, lexical_scores
from trpipe.summarise.mapreduce import (
    SummaryTrace,
    Unit,
    estimate_steps,
    flag_unsupported,
    summarise_documents,
    summarise_units,
)
from trpipe.summarise.models import Summariser

__all__ = [
    "Summariser",
    "SummaryTrace",
    "Unit",
    "align",
    "content_words",
    "estimate_steps",
    "flag_unsupported",
    "lexical_scores",
    "summarise_documents",
    "summarise_units",
]
