"""The texts the demo and test models are trained on, and a quiet save: shared by ``trpipe.models.demo`` (Marian,
BART) and ``trpipe.models.demo_many`` (NLLB, M2M100, mBART-50, MADLAD-400)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

SAMPLE_NAME = "huawei-brumath.fr.txt"


def sample_path() -> Path:
    """The sample French article: packaged with trpipe, or at the root of a source checkout."""
    packaged = Path(__file__).parent.with_name("samples") / SAMPLE_NAME  # trpipe/samples/, beside this package
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "samples" / SAMPLE_NAME


SAMPLE = sample_path()

# Generic English prose: only used to train the English tokenizers.
ENGLISH_TEXT = """\
The regional council approved a new budget on Tuesday after a long debate.
Officials said the money would be used to build roads, schools and hospitals.
The company announced that its first factory outside the country will open next year.
Critics argued that public funds should not support a firm accused of spying.
The minister told reporters that the government was studying the question carefully.
According to a report published last week, several hundred jobs could be created.
Local residents expressed concern about security near the military base.
The mayor welcomed the investment but promised to remain vigilant.
Experts warned that the technology could be used for mass surveillance.
In a statement, the European Parliament called for an independent investigation.
The United States banned the company's equipment from its telecommunications networks.
Prices rose sharply in March, driven by higher energy and food costs.
Heavy rain caused flooding in several towns, and schools were closed on Monday.
The police arrested three people suspected of fraud and money laundering.
Scientists have discovered a new species of frog in the tropical forest.
The football team won the championship for the second year in a row.
Thousands of people marched through the capital to demand higher wages.
The central bank kept interest rates unchanged, citing uncertainty about growth.
Negotiations between the two countries resumed after a pause of several months.
The museum will reopen to the public in June after two years of renovation.
A spokesperson for the company denied all the accusations and said it respected the law.
The president is expected to visit the region at the end of the month.
Farmers say the drought has destroyed a large part of this year's harvest.
The new law, which comes into force on January 1, aims to protect personal data.
"""


def text_lines(texts: Iterable[str]) -> list[str]:
    """Split texts into non-empty lines (SentencePiece trains on sentences)."""
    return [line.strip() for text in texts for line in text.splitlines() if line.strip()]


@contextmanager
def _quiet_transformers():
    """No "Writing model shards" bars while models are saved (restored afterwards)."""
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            hf_logging.enable_progress_bar()
