"""Checks that need no model: each compares one source sentence with its translation.

A check returns a list of flags ``{"check": name, "severity": error | warning | note, "detail": one line
quoting the offending item, "evidence": {source, target, expected, found, measure, value, threshold}}``
(trpipe.checks.text.flag); an empty list means the sentence passed. Only errors count for ``--strict`` and
the closing line; a warning is worth a look (a length the pair's ratio may explain), a note only informs.
``check_sentence`` runs them all on one sentence, ``check_document``
on every translated sentence of a document (with one name list for the whole article), and
``summarise_flags`` counts flags by check. Summaries use ``summary_flags`` (trpipe.checks.summary).

numbers       figures, dates, times missing, added, misread (800.000 in English) or swapped (figures.py); a
              relative date changed: next week for next month (relative_dates.py)
units         a currency or unit changed, dropped or added (figures.py; unit algebra in units.py); the period
              of a rate changed: par an for a month (rates.py)
names         names and acronyms missing, changed, or added (names.py)
quotes        quotes lost, added or with a moved mark (quotes.py)
terms         glossary terms not rendered as required, inflected forms included (glossary.py)
negation      a negation added or dropped (meaning.py, negation.py)
length        a length far from the pair's Gale-Church expectation: omission or addition (meaning.py)
omission      a source clause with no aligned words in the translation (coverage.py, align.py)
addition      a clause of the translation with no aligned words in the source (coverage.py, align.py)
meaning       a word rendered by the opposite of its meaning (meaning_change.py: FreeDict and WordNet)
roles         who did what to whom turned round (roles.py)
repetition    a phrase said twice or a loop the source does not have (meaning.py)
untranslated  output identical to, still in, or copied from the source language (meaning.py)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from trpipe.checks.align import Alignment, align
from trpipe.checks.coverage import check_coverage
from trpipe.checks.figures import check_numbers, check_units
from trpipe.checks.glossary import Glossary, GlossaryEntry, check_terms, count_term, load_glossary
from trpipe.checks.meaning import check_length, check_negation, check_repetition, check_untranslated
from trpipe.checks.meaning_change import check_meaning
from trpipe.checks.names import ArticleNames, check_names, find_names, name_kept
from trpipe.checks.numbers import Mention, find_numbers
from trpipe.checks.quotes import check_quotes
from trpipe.checks.rates import check_rates
from trpipe.checks.relative_dates import check_relative_dates
from trpipe.checks.roles import check_roles
from trpipe.checks.summary import WEAK_SUPPORT_RECALL, summary_flags, unsupported_items, weak_support
from trpipe.checks.text import ERROR, NOTE, SEVERITIES, WARNING, Flag, base_lang, fold, is_error, severity

CHECKS = (
    "numbers",
    "units",
    "names",
    "quotes",
    "terms",
    "negation",
    "length",
    "omission",
    "addition",
    "meaning",
    "roles",
    "repetition",
    "untranslated",
)

__all__ = [
    "CHECKS",
    "ERROR",
    "NOTE",
    "SEVERITIES",
    "WARNING",
    "WEAK_SUPPORT_RECALL",
    "ArticleContext",
    "ArticleNames",
    "Flag",
    "Glossary",
    "GlossaryEntry",
    "Mention",
    "check_coverage",
    "check_document",
    "check_length",
    "check_names",
    "check_negation",
    "check_numbers",
    "check_quotes",
    "check_repetition",
    "check_sentence",
    "check_terms",
    "check_units",
    "check_untranslated",
    "count_term",
    "find_names",
    "find_numbers",
    "fold",
    "is_error",
    "load_glossary",
    "name_kept",
    "severity",
    "summarise_flags",
    "summary_flags",
    "unsupported_items",
    "weak_support",
]


@dataclass
class ArticleContext:
    """What the checks know of the whole article: the names written in its source and in its translation."""

    source_names: ArticleNames
    target_names: ArticleNames

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]], source_lang: str, target_lang: str) -> ArticleContext:
        pairs = list(pairs)
        return cls(
            ArticleNames.from_texts((s for s, _ in pairs), source_lang),
            ArticleNames.from_texts((t for _, t in pairs), target_lang),
        )


def check_sentence(
    source: str,
    translation: str,
    source_lang: str,
    target_lang: str,
    glossary: Glossary | None = None,
    context: ArticleContext | None = None,
    alignment: Alignment | None = None,
) -> list[Flag]:
    """Every check on one sentence and its translation, flags in the order of ``CHECKS``. ``alignment``: the
    sentence's word alignment when the caller has it (trpipe.checks.align.align)."""
    if not source.strip():
        return []
    from trpipe.checks.applicable import not_run

    translation = translation or ""
    if alignment is None and translation.strip():
        alignment = align(source, translation, source_lang, target_lang)  # once, for every check that reads it
    args = (source, translation, source_lang, target_lang)
    skipped = {check for check, _ in not_run(source_lang, target_lang)}  # no data for the pair: not run
    flags = [
        *([] if "numbers" in skipped else check_numbers(*args, alignment)),
        *([] if "numbers" in skipped else check_relative_dates(*args)),
        *([] if "units" in skipped else check_units(*args)),
        *([] if "units" in skipped else check_rates(*args)),
        *check_names(*args, *((context.source_names, context.target_names) if context else ())),
        *check_quotes(*args, alignment),
        *check_terms(*args, glossary),
        *([] if "negation" in skipped else check_negation(*args)),
        *check_length(*args),
        *check_coverage(*args, alignment),
        *check_meaning(*args, alignment),
        *check_roles(*args, alignment),
        *check_repetition(*args),
        *check_untranslated(*args),
    ]
    return flags


def warm(source_lang: str, target_langs: Iterable[str]) -> None:
    """Load what the checks read for these pairs (CLDR tables, patterns, lemmatiser, dictionaries) now, by
    checking one short sentence: a run calls it in a low-priority thread while it translates
    (``trpipe.idle.checks_data``), so that the first article's checks do not wait for their data."""
    for target_lang in dict.fromkeys(target_langs):
        if target_lang != source_lang:
            check_sentence("Paris, 12 mai 2024 : 800 euros.", "Paris, 12 May 2024: 800 euros.", source_lang,
                           target_lang)  # fmt: skip


def check_document(document, glossary: Glossary | None = None) -> None:
    """Flag every translated sentence of ``document`` (a trpipe.records.Document) that fails a check.

    Each flag is added to its segment's ``flags`` (see ``_placed``); segments kept as they are (already in the
    target language) are not checked. Names are judged with one list for the article. Each sentence gets its
    word ``alignment`` (source spans into the source text, target spans into its translation). The provenance's
    ``checks`` says which checks ran and which did not, and why (``trpipe.checks.applicable``).
    """
    target_lang = document.target_lang
    default_lang = document.source.lang or ""
    checked = [seg for seg in document.segments if not seg.kept]
    by_lang: dict[str, list[tuple[str, str]]] = {}
    for seg in checked:
        lang = base_lang(seg.lang or default_lang)
        by_lang.setdefault(lang, []).extend((s.text, s.translation or "") for s in seg.sentences)
    contexts = {lang: ArticleContext.from_pairs(pairs, lang, target_lang) for lang, pairs in by_lang.items()}
    _record_coverage(document, by_lang or {base_lang(default_lang): []}, target_lang)
    for seg in checked:
        source_lang = seg.lang or default_lang
        context = contexts.get(base_lang(source_lang))
        for index, sentence in enumerate(seg.sentences):
            translation = sentence.translation or ""
            alignment = align(sentence.text, translation, source_lang, target_lang) if sentence.text.strip() else None
            if alignment is not None:
                shift = sentence.start
                sentence.alignment = [[a + shift, b + shift, c, d] for a, b, c, d in alignment.pairs()]
            flags = check_sentence(sentence.text, translation, source_lang, target_lang, glossary, context, alignment)
            for flag in flags:
                seg.flags.append(_placed(flag, sentence, index, len(seg.sentences)))


def _placed(flag: Flag, sentence, index: int, count: int) -> Flag:
    """A sentence's flag as a segment stores it: the source span as offsets into the document's source text,
    the target span as offsets into the sentence's translation, each with its text; the sentence number
    (from 1) when the segment has several (also as the detail's "sentence N: " prefix, for older readers)."""
    out = dict(flag)
    evidence = dict(flag.get("evidence") or {})
    if "source" in evidence:
        start, end = evidence["source"]["start"], evidence["source"]["end"]
        text = sentence.text[start:end]
        evidence["source"] = {"start": sentence.start + start, "end": sentence.start + end, "text": text}
    if "target" in evidence:
        start, end = evidence["target"]["start"], evidence["target"]["end"]
        evidence["target"] = {"start": start, "end": end, "text": (sentence.translation or "")[start:end]}
    out["evidence"] = evidence
    if count > 1:
        out["detail"] = f"sentence {index + 1}: " + flag["detail"]
        out["sentence"] = index + 1
    return out


def applicable_checks(source_lang: str, target_lang: str) -> dict[str, object]:
    """``{"ran": [...], "not_run": {check: reason}}``: the checks that have data for a pair (``checks.applicable``)."""
    from trpipe.checks.applicable import not_run

    skipped = dict(not_run(source_lang, target_lang))
    return {"ran": [c for c in CHECKS if c not in skipped], "not_run": skipped}


def _record_coverage(document, languages, target_lang: str) -> None:
    """``provenance.checks``: the checks that ran on the document's sentences and those that could not."""
    from trpipe.checks.applicable import not_run

    skipped: dict[str, str] = {}
    for lang in languages:
        for check, reason in not_run(lang, target_lang):
            skipped.setdefault(check, reason)
    if isinstance(getattr(document, "provenance", None), dict):
        document.provenance["checks"] = {"ran": [c for c in CHECKS if c not in skipped], "not_run": skipped}


def summarise_flags(flag_lists: Iterable[Iterable[Flag]], severities: Iterable[str] = SEVERITIES) -> dict[str, int]:
    """Count flags by check: every name of ``CHECKS`` in order (zeros included), then any other name; only
    the flags of ``severities`` (every severity by default)."""
    wanted = set(severities)
    counts = dict.fromkeys(CHECKS, 0)
    for flags in flag_lists:
        for flag in flags:
            if severity(flag) in wanted:
                counts[flag["check"]] = counts.get(flag["check"], 0) + 1
    return counts
