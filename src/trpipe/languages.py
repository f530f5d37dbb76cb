"""Language codes (BCP 47 through langcodes) and language identification that admits doubt.

The identifier is py3langid (its model ships in the package: nothing is downloaded). A detection carries
its confidence and the number of characters (letters) it went on, and is *sure* only above the thresholds
below; trpipe refuses to guess the language of an article it is not sure of (``detect_language``), and every
message that depends on a detected language says so (``Detection.note``). ``given_contradicted`` finds a
``--from`` that the text confidently contradicts.

The thresholds were fixed on the tune half of a multilingual set of short texts (``benchmarks/langid_eval``)
and are reported on its test half, never tuned on it: see ``benchmarks/LANGID.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from trpipe.errors import InputError, TrpipeError, UsageError, shown

# Tags that name no language a model could translate from or into.
_NOT_A_LANGUAGE = {"und", "zxx"}
# Characters (letters, any script) identification reads at most, from the start of the text.
READ_CHARS = 20000
# Fixed on the tune half of benchmarks/langid_eval (485 headlines, bylines, captions and datelines in 35
# languages and none; benchmarks/LANGID.md), as the least of 5 x wrong guesses + refusals: a detection is never
# sure below this many letters (on that half a higher floor only refused more; 3 letters make a word) ...
MIN_LETTERS = 3
# ... nor below this confidence (py3langid's normalised probability of its best language) ...
MIN_CONFIDENCE = 0.50
# ... and ``--from X`` is contradicted when the text is surely another language and X's own probability is
# below this (no false alarm on the tune half, and the most wrong codes caught).
MAX_GIVEN_PROBABILITY = 0.05


def _identifier() -> Any:
    from trpipe.tablecache import language_identifier  # py3langid's model, cached once per machine

    return language_identifier()


def identifier_name() -> str:
    """The identifier and its version, for provenance."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"py3langid {version('py3langid')}"
    except PackageNotFoundError:
        return "py3langid"


def _prepared(text: str) -> str:
    return " ".join(text[: READ_CHARS * 2].split())[:READ_CHARS]


def identify(text: str) -> tuple[str, float]:
    """``(language code, probability)`` for ``text``: the identifier's best guess, however unsure."""
    lang, prob = _identifier().classify(_prepared(text))
    return str(lang), float(prob)


def ranked(text: str) -> list[tuple[str, float]]:
    """Every language the identifier knows with its probability for ``text``, most likely first."""
    return [(str(lang), float(prob)) for lang, prob in _identifier().rank(_prepared(text))]


def letters(text: str) -> int:
    """The letters (any script) among the characters identification reads."""
    return sum(ch.isalpha() for ch in text[:READ_CHARS])


@dataclass(frozen=True)
class Detection:
    """A detected language: the best guess (None: no language at all), how sure, from how much text, and
    why it is not to be trusted ("" when it is)."""

    lang: str | None
    confidence: float
    letters: int
    doubt: str = ""

    @property
    def sure(self) -> bool:
        return not self.doubt and self.lang is not None

    def describe(self) -> str:
        """``detected as ht (0.41) from 12 characters``."""
        if self.lang is None:
            return f"no language detected from {self.letters} characters"
        return f"detected as {self.lang} ({self.confidence:.2f}) from {self.letters} characters"

    def note(self) -> str:
        """What a message that depends on the detected language adds."""
        return f"the source language was {self.describe()}; pass --from LANG if that is wrong"

    def record(self) -> dict[str, Any]:
        """For the provenance."""
        return {"detected": True, "confidence": round(self.confidence, 4), "characters": self.letters,
                "identifier": identifier_name()}  # fmt: skip


def detect(text: str) -> Detection:
    """The language of ``text`` with its confidence; ``doubt`` says why it is not sure (too short, too unsure,
    no language)."""
    count = letters(text)
    if count < MIN_LETTERS:
        return Detection(None, 0.0, count, f"too short to tell: it has fewer than {MIN_LETTERS} letters")
    lang, prob = identify(text)
    code = _language_of(lang)
    if code is None:  # zxx: the identifier sees no language (numbers, code, symbols)
        return Detection(None, prob, count, "the identifier finds no language in it")
    if prob < MIN_CONFIDENCE:
        return Detection(code, prob, count, f"too unsure (trpipe guesses from a confidence of {MIN_CONFIDENCE:.2f})")
    return Detection(code, prob, count)


def detect_language(text: str, name: str = "input") -> Detection:
    """The language of a whole article; an InputError (exit 2; in a batch, that article fails alone) when
    trpipe is not sure, saying what it detected, how sure it was, and to pass --from."""
    found = detect(text)
    if not found.sure:
        raise InputError(name, f"cannot tell its language: {found.describe()}, {found.doubt}; pass --from LANG")
    return found


def noted(exc: Exception, source: Any) -> Exception:
    """``exc`` (a TrpipeError about an article whose language was detected) with the detection's note, so the
    message says the language was guessed; ``exc`` itself when the language was given."""
    detection = getattr(source, "detection", None)
    if detection is None or not isinstance(exc, TrpipeError):
        return exc
    if isinstance(exc, InputError):
        return InputError(exc.path, f"{exc.reason} ({detection.note()})")
    try:
        return type(exc)(f"{exc} ({detection.note()})")
    except TypeError:  # an error class of another shape: its message as it is
        return exc


def given_contradicted(text: str, given: str) -> Detection | None:
    """The sure detection of another language than ``given`` (``--from``), when the text makes ``given``
    unlikely (its own probability below MAX_GIVEN_PROBABILITY); None when the text agrees or cannot tell."""
    found = detect(text)
    if not found.sure or found.lang == given:
        return None
    own = sum(prob for lang, prob in ranked(text) if _language_of(lang) == given)
    return found if own < MAX_GIVEN_PROBABILITY else None


@lru_cache(maxsize=256)
def _language_of(tag: str) -> str | None:
    """The language subtag trpipe uses for a BCP 47 tag, or None when ``tag`` is not one."""
    import langcodes

    try:
        raw = langcodes.Language.get(tag, normalize=False).language
        language = langcodes.Language.get(tag).prefer_macrolanguage().language
    except (langcodes.LanguageTagError, ValueError):
        return None
    if not language or not raw:
        return None
    # Two-letter codes as the opus-mt models name their languages: fra → fr, iw → he, cmn → zh; a two-letter
    # code that langcodes would replace by a longer one stays as given (tl, not fil).
    if len(language) != 2 and len(raw) == 2:
        language = raw
    language = language.lower()
    if not (language.isascii() and language.isalpha() and 2 <= len(language) <= 3) or language in _NOT_A_LANGUAGE:
        return None
    return language


def normalize_code(value: object, option: str = "language") -> str:
    """A language code as trpipe uses it (``fr``, ``en``, ``pt``): a BCP 47 tag, region and script dropped.

    ``pt-BR`` → ``pt``, ``en_US`` → ``en``, ``fra`` → ``fr``, ``zh-Hant`` → ``zh``. Raises a UsageError naming
    ``option`` for anything that is not a language tag (``éé``, ``中文``, ``en-``, ``123``), before any model
    or hub is asked.
    """
    text = str(value).strip().replace("_", "-")
    code = _language_of(text) if text and len(text) <= 64 else None
    if code is None:
        raise UsageError(
            f"{option} {shown(value)}: not a language code; expected a BCP 47 tag such as fr, en, de or pt-BR"
        )
    return code


def identify_ranked(text: str, candidates: int = 3) -> list[tuple[str, float]]:
    """The ``candidates`` likeliest languages of ``text`` with their probabilities, likeliest first."""
    return ranked(text)[:candidates]


@lru_cache(maxsize=512)
def language_name(code: str) -> str:
    """The English name of a language code (``fr`` → French), or the code when none is known."""
    try:
        from babel import Locale

        return str(Locale("en").languages.get(code) or code)
    except Exception:  # babel's data lacks the code, or babel is unusable: the code names itself
        return code
