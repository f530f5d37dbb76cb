"""simplemma's dictionaries for the checks: each language read once per process, when a check first needs it.

simplemma's default backend builds a dict of every word form of a language, and keeps the last 8 languages:
Swahili's 4.9 million forms take ~13 s and ~660 MB, and a run (or a test session) that checks more than 8
languages reads them again. Its stream backend (``StreamDictionaryFactory``) indexes the compressed dictionary
instead (Swahili: ~5 s, a few MB; French: 0.4 s), with the same answers; the factory here keeps every language
it has read (none is read twice) and is made on first use, so that importing the checks loads nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

LANGUAGES_KEPT = 256  # more than simplemma has: a language read once stays for the process


@lru_cache(maxsize=1)
def _engine() -> tuple[Any, Any]:
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
    from simplemma.strategies.dictionaries import StreamDictionaryFactory

    factory = StreamDictionaryFactory(cache_max_size=LANGUAGES_KEPT)
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)), DictionaryLookupStrategy(
        factory
    )


def lemmatize(word: str, lang: str) -> str:
    """simplemma's dictionary form of ``word`` in ``lang`` (a language simplemma has)."""
    return _engine()[0].lemmatize(word, lang)


def is_known(word: str, lang: str) -> bool:
    """Whether ``word`` is a form in simplemma's dictionary of ``lang``."""
    from simplemma.utils import normalize_token

    return _engine()[1].get_lemma(normalize_token(word), lang) is not None
