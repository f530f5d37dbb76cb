"""Tables that trpipe derives from its libraries' data, built once per machine and cached on disk.

Loading them is most of what a short run spends outside the models (about 1.5 s a process before this
cache): simplemma's dictionaries (decompressed and decoded from its front-coded files), the tables the
checks derive from CLDR through Babel (place, currency and unit names), and py3langid's model. Here:

* **simplemma's dictionaries** become one SQLite file per language (``simplemma-LANG.sqlite3``), read in
  place (no dictionary in this process's memory; the pages are shared by every process of the machine):
  ``lemmatize`` and ``is_known`` answer as simplemma's own functions do, word by word;
* **derived tables** (``cached_table``): the value a function returns, pickled;
* **py3langid's model** (``language_identifier``): its large array memory-mapped, the rest pickled; scored
  without numpy for a process's first texts (``trpipe.langid_model``).

Where: ``$TRPIPE_TABLES_DIR``, else ``tables/`` in trpipe's cache folder, in a subfolder named after the
versions the tables come from (trpipe, Python, simplemma, Babel, py3langid, numpy, langcodes,
stopwords-iso): a new version of any of them makes new tables, and a derived table also follows its
builder's source file. Files are written atomically, so processes that build the same table at once do not
harm each other; a folder that cannot be written (read-only, full) only means the tables are built in
memory, as before.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import pickle
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("trpipe")

TABLES_ENV = "TRPIPE_TABLES_DIR"
FORMAT = 2  # bump when what is stored changes shape
_LIBRARIES = ("simplemma", "babel", "py3langid", "numpy", "langcodes", "language_data", "stopwordsiso")


def tables_dir() -> Path:
    """The cache of tables: ``$TRPIPE_TABLES_DIR``, else ``tables/`` in trpipe's cache folder."""
    if os.environ.get(TABLES_ENV):
        return Path(os.environ[TABLES_ENV]).expanduser()
    from trpipe.cachedir import default_cache_dir

    return default_cache_dir() / "tables"


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """The versions the tables depend on."""
    from trpipe._version import __version__

    found = {"format": str(FORMAT), "trpipe": __version__, "python": f"{sys.version_info[0]}.{sys.version_info[1]}"}
    for name in _LIBRARIES:
        found[name] = _version(name)
    return found


def _version(name: str) -> str:
    """A package's installed version, from the ``NAME-VERSION.dist-info`` folder beside it (importlib.metadata
    reads every installed package's metadata to find one: a tenth of a second here)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return "-"
    site = Path(spec.origin).parent.parent
    with contextlib.suppress(OSError):
        for entry in os.listdir(site):
            project, _, found = entry.removesuffix(".dist-info").rpartition("-")
            if entry.endswith(".dist-info") and project.lower().replace("-", "_") == name.lower():
                return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def _folder() -> Path:
    digest = hashlib.sha256(json.dumps(versions(), sort_keys=True).encode()).hexdigest()[:16]
    return tables_dir() / f"v{FORMAT}-{digest}"


def _write(target: Path, write: Callable[[Path], None]) -> bool:
    """Make ``target`` through ``write(temporary path)``, renamed into place; False when it cannot be made."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, target)
        return True
    except (OSError, sqlite3.Error, pickle.PicklingError) as exc:
        log.debug("table cache: cannot write %s (%s); building it in memory", target, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False


# --------------------------------------------------------------------------------- derived tables


@functools.lru_cache(maxsize=64)
def _source_digest(module: str) -> str:
    """A hash of the source files of a module's package (a table follows the code that builds it, and the
    data that code reads from its neighbours)."""
    path = getattr(sys.modules.get(module), "__file__", None)
    if not path:
        return "-"
    digest = hashlib.sha256()
    for source in sorted(Path(path).parent.glob("*.py")):
        with contextlib.suppress(OSError):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:12]


def cached_table(name: str):
    """Decorator: the function's value (for each tuple of string arguments) is pickled in the cache of tables
    the first time, and read from it afterwards. Put it under ``functools.lru_cache``."""

    def decorate(build):
        @functools.wraps(build)
        def table(*args: str):
            key = hashlib.sha256(json.dumps([name, list(args)]).encode()).hexdigest()[:12]
            path = _folder() / f"{name}-{key}-{_source_digest(build.__module__)}.pickle"
            try:
                with path.open("rb") as handle:
                    return pickle.load(handle)
            except FileNotFoundError:
                pass
            except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError) as exc:
                log.debug("table cache: %s unreadable (%s); building it again", path, exc)
            value = build(*args)

            def dump(tmp: Path) -> None:
                with tmp.open("wb") as handle:
                    pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)

            _write(path, dump)
            return value

        return table

    return decorate


class Memo:
    """A function's answers for string keys, kept between processes in the cache of tables: the answers
    a run asks for again (a language tag's parts, a script's languages) cost a dictionary lookup instead of
    importing the library that computes them. The file follows the versions of the libraries and the source
    of ``module``; a new key is written at once (atomically); past ``limit`` keys, the oldest go."""

    def __init__(self, name: str, module: str, limit: int = 4096):
        self.name, self.module, self.limit = name, module, limit
        self._values: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _path(self) -> Path:
        return _folder() / f"{self.name}-{_source_digest(self.module)}.pickle"

    def _load(self) -> dict[str, Any]:
        if self._values is None:
            try:
                with self._path().open("rb") as handle:
                    values = pickle.load(handle)
                self._values = values if isinstance(values, dict) else {}
            except FileNotFoundError:
                self._values = {}
            except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError) as exc:
                log.debug("table cache: %s unreadable (%s); starting it again", self.name, exc)
                self._values = {}
        return self._values

    def peek(self, key: str) -> Any:
        """The answer kept for ``key``, or None."""
        with self._lock:
            return self._load().get(key)

    def get(self, key: str, compute: Callable[[], Any], keep: Callable[[Any], bool] = bool) -> Any:
        """The answer kept for ``key``, else ``compute()``'s, kept when ``keep(answer)`` (by default a true
        one: what arbitrary input gets, a refusal, is not written, so that it cannot fill the file)."""
        with self._lock:
            values = self._load()
            if key in values:
                return values[key]
        value = compute()
        if not keep(value):
            return value
        with self._lock:
            values = self._load()
            if key not in values:
                values[key] = value
                while len(values) > self.limit:
                    del values[next(iter(values))]
                snapshot = dict(values)

                def dump(tmp: Path) -> None:
                    with tmp.open("wb") as handle:
                        pickle.dump(snapshot, handle, protocol=pickle.HIGHEST_PROTOCOL)

                _write(self._path(), dump)
        return value

    def clear(self) -> None:
        """Forget what was read (tests)."""
        with self._lock:
            self._values = None


# ------------------------------------------------------------------------------ simplemma in SQLite


def _lazy_rules() -> None:
    """simplemma's rules of a language imported when it is first lemmatised (``trpipe.lemma_rules``)."""
    from trpipe.lemma_rules import install

    install()


def _dictionary_file(lang: str) -> Path | None:
    """The SQLite file of simplemma's dictionary of ``lang``, made on first use (None when it cannot be)."""
    path = _folder() / f"simplemma-{lang}.sqlite3"
    if path.is_file():
        return path
    _lazy_rules()
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    dictionary = DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)

    def build(tmp: Path) -> None:
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE words (form TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID")
            db.executemany("INSERT INTO words VALUES (?, ?)", ((form, dictionary[form]) for form in dictionary))
            db.commit()

    return path if _write(path, build) else None


def _sqlite_factory():
    """A simplemma dictionary factory reading the SQLite files (simplemma's own where one cannot be made)."""
    from simplemma.strategies.dictionaries.dictionary_factory import (
        DEFAULT_DICTIONARY_FACTORY,
        CachingDictionaryFactory,
        DecodedStrMapping,
    )

    class SqliteDictionary(DecodedStrMapping):
        """simplemma's dictionary of a language, looked up in its SQLite file word by word."""

        __slots__ = ("db", "lock")

        def __init__(self, path: Path):
            uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
            self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self.lock = threading.Lock()

        def _lookup(self, key: str) -> str | None:
            with self.lock:
                row = self.db.execute("SELECT lemma FROM words WHERE form = ?", (key,)).fetchone()
            return row[0] if row else None

        def __iter__(self):
            with self.lock:
                forms = [row[0] for row in self.db.execute("SELECT form FROM words")]
            return iter(forms)

        def __len__(self) -> int:
            with self.lock:
                return int(self.db.execute("SELECT count(*) FROM words").fetchone()[0])

    class SqliteFactory(CachingDictionaryFactory):
        def _get_dictionary_uncached(self, lang: str):
            path = _dictionary_file(lang)
            if path is None:
                return DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)
            try:
                return SqliteDictionary(path)
            except sqlite3.Error:
                return DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)

    return SqliteFactory()


@functools.lru_cache(maxsize=1)
def _simplemma() -> tuple[Any, Any]:
    """(a Lemmatizer, a dictionary lookup) on the SQLite dictionaries."""
    _lazy_rules()
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy

    factory = _sqlite_factory()
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)), DictionaryLookupStrategy(
        factory
    )


def lemmatize(word: str, lang: str) -> str:
    """``simplemma.lemmatize(word, lang)``, on the cached dictionaries."""
    return _simplemma()[0].lemmatize(word, lang)


def is_known(word: str, lang: str) -> bool:
    """``simplemma.is_known(word, lang)``, on the cached dictionaries."""
    lookup = _simplemma()[1]
    from simplemma.utils import normalize_token

    return lookup.get_lemma(normalize_token(word), lang) is not None


# ------------------------------------------------------------------------------ py3langid's model


@functools.lru_cache(maxsize=1)
def language_identifier():
    """py3langid's identifier (normalised probabilities) from the cached model: its table of feature weights
    (float16) and its automaton memory-mapped (shared by the processes of the machine), the rest unpickled;
    scored without numpy for a process's first texts (:mod:`trpipe.langid_model`)."""
    from trpipe.langid_model import Identifier

    folder = _folder() / "py3langid"
    weights, moves, rest = folder / "ptc.f16", folder / "nextmove.bin", folder / "model.pickle"
    for attempt in range(2):
        try:
            with rest.open("rb") as handle:
                pc, classes, typecode, row, output = pickle.load(handle)
            return Identifier(weights, moves, pc, classes, typecode, row, output)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            if attempt or not _save_identifier(weights, moves, rest):
                break
    return _identifier_in_memory()


def _model_file() -> tuple[Any, ...]:
    from py3langid import langid

    return langid._load_model_file(langid.MODEL_DIR / langid.MODEL_FILE)


def _save_identifier(weights: Path, moves: Path, rest: Path) -> bool:
    """Write py3langid's model as the files ``language_identifier`` maps; False when they cannot be written."""
    import numpy as np

    ptc, pc, classes, nextmove, row, output = _model_file()
    table = np.ascontiguousarray(np.asarray(ptc, dtype="<f2"))

    def save_rest(tmp: Path) -> None:
        with tmp.open("wb") as handle:
            rest_ = ([float(x) for x in pc], list(classes), nextmove.typecode, row, list(output))
            pickle.dump(rest_, handle, protocol=pickle.HIGHEST_PROTOCOL)

    return (
        _write(weights, lambda tmp: tmp.write_bytes(table.tobytes()))
        and _write(moves, lambda tmp: tmp.write_bytes(nextmove.tobytes()))
        and _write(rest, save_rest)  # last: the others are complete when it is there
    )


def _identifier_in_memory():
    """py3langid's own identifier, from its packaged model (the cache folder cannot be written)."""
    import numpy as np
    from py3langid import langid

    ptc, pc, classes, nextmove, row, output = _model_file()
    return langid.LanguageIdentifier(
        np.asarray(ptc), np.asarray(pc), classes, nextmove, output, norm_probs=True, tk_row=row
    )
