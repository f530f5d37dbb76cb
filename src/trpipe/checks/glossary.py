"""The ``terms`` check and ``--glossary`` files.

A glossary is a UTF-8 TSV file: ``term<TAB>translation``, or ``term`` alone for a term that must stay as it
is; ``#`` lines are comments. Terms match inflected forms on both sides: each word is compared by its
dictionary form (simplemma), so "subventions" is an occurrence of "subvention" and "subsidies" a
rendering of "subsidy"; a plural ending is tolerated where the lemmatiser does not know a word (names).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from trpipe.checks.text import Flag, flag, fold, lemma, quoted
from trpipe.errors import InputError


class GlossaryEntry(NamedTuple):
    term: str
    target: str | None  # None: keep the term untranslated


@dataclass
class Glossary:
    """The terms of a ``--glossary`` file."""

    entries: list[GlossaryEntry] = field(default_factory=list)
    path: str | None = None

    @property
    def fingerprint(self) -> str:
        """A digest of the entries (not of the path): the same terms give the same output fingerprints."""
        payload = json.dumps([list(e) for e in self.entries], ensure_ascii=False, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


GLOSSARY_MAX_BYTES = 10 * 1024 * 1024


def load_glossary(path: str | Path) -> Glossary:
    """Read a UTF-8 TSV glossary: ``term<TAB>translation`` or ``term`` alone; ``#`` lines are comments."""
    from trpipe.read.decode import read_bytes

    name = str(path)
    try:  # read like an article: bounded, so a device or an endless stream is refused, not read forever
        text = read_bytes(name, GLOSSARY_MAX_BYTES).decode("utf-8-sig")
    except InputError as exc:
        raise InputError(name, f"cannot read the glossary: {exc.reason}") from None
    except UnicodeDecodeError as exc:
        raise InputError(name, f"glossary is not UTF-8 text (byte {exc.start})") from None
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) > 2 or not all(fields):
            shown = line if len(line) <= 60 else line[:59] + "…"
            raise InputError(name, f"line {number}: expected 'term<TAB>translation' or 'term', got {shown!r}")
        entries.append(GlossaryEntry(fields[0], fields[1] if len(fields) == 2 else None))
    if not entries:
        raise InputError(name, "the glossary has no entries")
    return Glossary(entries, name)


def _plural_of(word: str, term_word: str) -> bool:
    return word in (term_word + "s", term_word + "es", term_word + "x") or (
        term_word.endswith("y") and word == term_word[:-1] + "ies"
    )


def _same(word: str, term_word: str, lang: str) -> bool:
    if word == term_word or _plural_of(word, term_word):
        return True
    return lemma(word, lang) == lemma(term_word, lang)


def count_term(text: str, term: str, lang: str) -> int:
    """Occurrences of ``term`` (its words in order, each in any inflected form) in ``text``."""
    words, term_words = fold(text).split(), fold(term).split()
    if not term_words:
        return 0
    size, count, i = len(term_words), 0, 0
    while i <= len(words) - size:
        if all(_same(words[i + k], term_words[k], lang) for k in range(size)):
            count += 1
            i += size
        else:
            i += 1
    return count


def check_terms(
    source: str, translation: str, source_lang: str, target_lang: str, glossary: Glossary | None
) -> list[Flag]:
    """Flag glossary terms of the source whose required rendering is missing, occurrence by occurrence."""
    if not glossary:
        return []
    flags = []
    for term, target in glossary.entries:
        wanted = count_term(source, term, source_lang)
        if not wanted:
            continue
        found = count_term(translation, target or term, target_lang if target else source_lang)
        if found < wanted and not target:
            found = max(found, count_term(translation, term, target_lang))
        if found < wanted:
            rule = f"must be translated {quoted(target)}" if target else "must stay untranslated"
            flags.append(
                flag(
                    "terms",
                    f"{quoted(term)} {rule}: {found} of {wanted} in the translation",
                    expected=target or term,
                    found=found,
                    measure="glossary occurrences",
                    value=found,
                    threshold=wanted,
                )
            )
    return flags
