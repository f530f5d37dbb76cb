"""Bilingual word lists for the alignment check: the FreeDict dictionaries, where Debian's packages put them.

``apt-get install dict-freedict-fra-eng dict-freedict-eng-fra ...`` installs them in ``/usr/share/dictd`` as
dictd files (an ``.index`` of headwords with base64 offsets, a gzip ``.dict.dz`` of entries). A pair is read
from both directions (fra-eng, and eng-fra inverted) when present; ``TRPIPE_FREEDICT_DIR`` names another folder
(``TRPIPE_FREEDICT_DIR=`` with nothing turns them off). Nothing is required: without a dictionary the alignment
uses its anchors (figures, names, cognates and transliterations) alone, and says so in the provenance.

Each entry is reduced to word pairs: the headword (a dictionary form), folded, and each content word of each
translation, folded; a sentence's words are looked up by their dictionary form (simplemma).
``word_pairs(source_lang, target_lang)`` gives ``source word -> target words``.
"""

from __future__ import annotations

import gzip
import marshal
import os
import re
from functools import lru_cache
from pathlib import Path

from trpipe.checks.text import base_lang, fold, stopwords
from trpipe.tablecache import cached_table

DEFAULT_DIRS = ("/usr/share/dictd", "/usr/share/freedict")
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_NOISE = re.compile(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|/[^/\n]*/")
_SKIP_LINE = re.compile(r"^\s*(?:see|synonyms?|note|antonyms?)\s*:", re.I)
# A headword more than this many entries into a very large dictionary is not read (deu-eng has 500 000): the
# common words come first in no order, so the bound is on the file's size instead (see _entries).
MAX_DICT_BYTES = 64 * 1024 * 1024


def _number(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64[char]
    return value


def folders() -> list[Path]:
    configured = os.environ.get("TRPIPE_FREEDICT_DIR")
    if configured is not None:
        return [Path(p) for p in configured.split(os.pathsep) if p]
    return [Path(p) for p in DEFAULT_DIRS]


@lru_cache(maxsize=64)
@cached_table("iso639-3")
def _alpha3(lang: str) -> str:
    import langcodes

    try:
        return langcodes.Language.get(base_lang(lang)).to_alpha3()
    except (LookupError, ValueError):
        return base_lang(lang)


def _find(source_lang: str, target_lang: str) -> Path | None:
    name = f"freedict-{_alpha3(source_lang)}-{_alpha3(target_lang)}"
    for folder in folders():
        index = folder / f"{name}.index"
        if index.is_file() and (folder / f"{name}.dict.dz").is_file():
            return index
    return None


def _entries(index: Path) -> list[tuple[str, list[str]]]:
    """(headword, its translations) of a dictd dictionary."""
    data_path = index.with_name(index.name.removesuffix(".index") + ".dict.dz")
    with gzip.open(data_path) as handle:
        data = handle.read(MAX_DICT_BYTES)
    out = []
    for line in index.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00database") or parts[0].startswith("00-database"):
            continue
        try:
            start, size = _number(parts[1]), _number(parts[2])
        except KeyError:
            continue
        entry = data[start : start + size].decode("utf-8", "replace").splitlines()
        if not entry:
            continue
        # translation lines start the line; indented lines are examples, synonyms and cross-references
        senses = [s for s in entry[1:] if s.strip() and not s[0].isspace() and not _SKIP_LINE.match(s)]
        translations = []
        for sense in senses:
            sense = re.sub(r"^\s*\d+\.\s*", "", _NOISE.sub(" ", sense))
            translations += [t.strip() for t in re.split(r"[,;]", sense) if t.strip()]
        out.append((parts[0], translations))
    return out


def _content(phrase: str, lang: str) -> list[str]:
    stop = stopwords(lang)
    words = fold(phrase).split()
    return [w for w in words if w not in stop and len(w) > 1 and not w.isdigit()]


@lru_cache(maxsize=16)
def word_pairs(source_lang: str, target_lang: str) -> dict[str, frozenset[str]]:
    """Source word (folded dictionary form) -> target words (folded, content words of the translations), from
    the FreeDict dictionaries of the pair in both directions; empty when none is installed.

    Reading a large dictionary takes seconds (deu-eng has half a million entries): the table is kept in
    trpipe's cache folder (``freedict/``), keyed by the dictionaries' names, sizes and dates, and read back
    from there (marshal) on later runs."""
    source_lang, target_lang = base_lang(source_lang), base_lang(target_lang)
    files = [p for p in (_find(source_lang, target_lang), _find(target_lang, source_lang)) if p is not None]
    if not files:
        return {}
    stamp = "-".join(f"{p.stem}.{p.stat().st_size}.{int(p.stat().st_mtime)}" for p in files)
    cached = _cache_path(f"{source_lang}-{target_lang}-{stamp}")
    if cached is not None and cached.is_file():
        try:
            return marshal.loads(cached.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            pass
    table = _build(source_lang, target_lang)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(marshal.dumps(table))
            os.replace(temporary, cached)
        except OSError:
            pass  # a read-only cache: the table is rebuilt next time
    return table


def _cache_path(name: str) -> Path | None:
    from trpipe.cachedir import default_cache_dir

    try:
        return default_cache_dir() / "freedict" / (re.sub(r"[^\w.-]", "_", name) + ".marshal")
    except OSError:
        return None


def _build(source_lang: str, target_lang: str) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    forward = _find(source_lang, target_lang)
    if forward is not None:
        for head, translations in _entries(forward):
            heads = _content(head, source_lang)
            if len(heads) != 1:
                continue  # a phrase: its words are not each other's translations
            for translation in translations:
                table.setdefault(heads[0], set()).update(_content(translation, target_lang))
    backward = _find(target_lang, source_lang)
    if backward is not None:
        for head, translations in _entries(backward):
            heads = _content(head, target_lang)
            if len(heads) != 1:
                continue
            for translation in translations:
                words = _content(translation, source_lang)
                if len(words) == 1:  # a one-word translation: the headword's equivalent
                    table.setdefault(words[0], set()).add(heads[0])
    return {k: frozenset(v) for k, v in table.items() if v}


def provenance(source_lang: str, target_lang: str) -> list[str]:
    """The dictionaries the pair's alignment reads (file names), [] when none is installed."""
    found = [_find(source_lang, target_lang), _find(target_lang, source_lang)]
    return [p.name.removesuffix(".index") for p in found if p is not None]


def exonyms(missing: list[str], added: list[str], source_lang: str, target_lang: str) -> set[tuple[str, str]]:
    """(source name, target name) pairs that the pair's dictionaries give as each other's rendering: a place's
    exonym CLDR lacks (Mailand = Milan, Bretagne = Brittany), when FreeDict is installed."""
    if not missing or not added:
        return set()
    table = word_pairs(source_lang, target_lang)
    return {(name, other) for name in missing for other in added if fold(other) in table.get(fold(name), ())}


def rendered_name(name: str, source: str, source_lang: str, target_lang: str) -> bool:
    """Whether a name the translation adds is the pair's dictionary rendering of a capitalised source word
    (Oberfranken = Upper Franconia, England = Angleterre): every word of it among the FreeDict translations of
    one such word. False without the pair's dictionaries."""
    words = set(fold(name).replace("-", " ").split()) - stopwords(target_lang)
    table = word_pairs(source_lang, target_lang) if words else {}
    for token in re.findall(r"[^\W\d_]+(?:[\-‐][^\W\d_]+)*", source) if table else ():
        if token[:1].isupper() and words <= table.get(fold(token), frozenset()):
            return True
    return False
