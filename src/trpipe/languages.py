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

from collections.abc import Iterable
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


@lru_cache(maxsize=1)
def _memo() -> Any:
    """What langcodes answered about tags and scripts, kept between processes (trpipe.tablecache)."""
    from trpipe.tablecache import Memo

    return Memo("language-tags", __name__)


def _remembered(kind: str, tag: str, compute: Any) -> Any:
    """``compute(tag)``, kept between processes for a tag it accepts (langcodes' import is a tenth of a
    second); what it refuses, or a tag too long to be one, is computed every time and never written."""
    return _memo().get(f"{kind}:{tag}", lambda: compute(tag)) if len(tag) <= 32 else compute(tag)


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
    script = outside_detector(text)
    if script:  # the identifier would guess one of its own languages, wrongly
        return Detection(None, 0.0, count, f"it is written in {script} script, which none of the "
                         f"{len(detector_languages())} languages the identifier (py3langid) knows uses")  # fmt: skip
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


@lru_cache(maxsize=1)
def detector_languages() -> tuple[str, ...]:
    """The languages py3langid identifies (ISO 639 codes, as it names them)."""
    return tuple(sorted(set(_identifier().nb_classes) - _NOT_A_LANGUAGE))


# Scripts a text may be written in (ISO 15924), tried in this order to name a letter's script.
_SCRIPTS = (
    "Latn Cyrl Arab Hani Hira Kana Hang Deva Beng Guru Gujr Orya Taml Telu Knda Mlym Sinh Thai Laoo Mymr Khmr Tibt "
    "Ethi Geor Armn Grek Hebr Tfng Thaa Syrc Nkoo Olck Mtei Cher Cans Mong Yiii Vaii Adlm Bopo Tale Bali Java Sund "
    "Cham Lana Talu Tavt Bugi Batk Rohg Mend Bamu Copt Glag Runr Ogam Limb Lepc Saur Kali Wcho Yezi Hmnp Gonm Gong"
).split()
_SAME_WRITING = {"Hira": "Hani", "Kana": "Hani", "Hang": "Hani", "Bopo": "Hani", "Jpan": "Hani", "Kore": "Hani",
                 "Hans": "Hani", "Hant": "Hani"}  # fmt: skip


def _latin_letter(char: str) -> bool:
    """A letter of the Latin blocks whose every letter is of the Latin script (ASCII, Latin-1's À-ÿ, Latin
    Extended-A and -B, Latin Extended Additional): known without importing ``regex`` (tested against it)."""
    code = ord(char)
    return char.isalpha() and (code < 0x80 or 0xC0 <= code <= 0x24F or 0x1E00 <= code <= 0x1EFF)


@lru_cache(maxsize=4096)
def _script_of(char: str) -> str | None:
    if _latin_letter(char):
        return "Latn"
    import regex

    for script in _SCRIPTS:
        if regex.match(rf"\p{{sc={script}}}", char):
            return script
    return None


def dominant_script(text: str) -> str | None:
    """The ISO 15924 script most letters of ``text`` are written in (None without letters)."""
    counts: dict[str, int] = {}
    for char in text[:5000]:
        if char.isalpha():
            script = _script_of(char)
            if script:
                script = _SAME_WRITING.get(script, script)
                counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


@lru_cache(maxsize=1)
def _detector_scripts() -> frozenset[str]:
    """The scripts the identifier's languages are written in (kept between processes: langcodes' import is
    a tenth of a second)."""
    return _memo().get("detector-scripts", _scripts_of_detector)


def _scripts_of_detector() -> frozenset[str]:
    import langcodes

    scripts = set()
    for code in detector_languages():
        try:
            script = langcodes.Language.get(code).maximize().script
        except (langcodes.LanguageTagError, ValueError):
            continue
        if script:
            scripts.add(_SAME_WRITING.get(script, script))
    return frozenset(scripts)


def outside_detector(text: str) -> str | None:
    """The name of ``text``'s script when no language of the detector is written in it (Tifinagh, Thaana,
    Ol Chiki...), else None."""
    script = dominant_script(text)
    if script is None or script in _detector_scripts():
        return None
    from babel import Locale

    return Locale("en").scripts.get(script) or script  # CLDR's English name: Tifinagh, Thaana


@lru_cache(maxsize=512)
def _tag_of(tag: str) -> tuple[str, str | None, str | None] | None:
    """:func:`_parts_of_tag`, kept between processes."""
    return _remembered("tag", tag, _parts_of_tag)


def _parts_of_tag(tag: str) -> tuple[str, str | None, str | None] | None:
    """``(language, script, region)`` trpipe keeps of a BCP 47 tag (None when ``tag`` is not one).

    The language as opus-mt names it (two letters where there are; a macrolanguage for its dominant member:
    ``cmn`` → ``zh``, ``arb`` → ``ar``); the script only where it is not the language's own (``zh-Hant``,
    ``sr-Latn``; ``zh-TW`` implies Hant); a region only where an alias brought it (``prs`` is ``fa-AF``, Dari),
    so that a many-to-many model can tell them apart. ``pt-BR`` is ``pt``.
    """
    import langcodes

    try:
        given = langcodes.Language.get(tag, normalize=False)
        normal = langcodes.Language.get(tag)
        language = normal.prefer_macrolanguage().language
    except (langcodes.LanguageTagError, ValueError):
        return None
    raw = given.language
    if not language or not raw:
        return None
    # Two-letter codes as the opus-mt models name their languages: fra → fr, iw → he, cmn → zh; a two-letter
    # code that langcodes would replace by a longer one stays as given (tl, not fil), and so does one that the
    # macrolanguage would swallow (tw, not ak).
    if len(normal.language or "") == 2:
        language = normal.language
    elif len(language) != 2 and len(raw) == 2:
        language = raw
    language = language.lower()
    if not (language.isascii() and language.isalpha() and 2 <= len(language) <= 3) or language in _NOT_A_LANGUAGE:
        return None
    try:
        script = normal.maximize().script
        default = langcodes.Language.get(language).maximize().script
    except (langcodes.LanguageTagError, ValueError):
        script = default = None
    region = normal.territory if given.territory is None and normal.territory and normal.language == language else None
    return language, (script if script and script != default else None), region


def _language_of(tag: str) -> str | None:
    """The language subtag trpipe uses for a BCP 47 tag, or None when ``tag`` is not one."""
    found = _tag_of(tag)
    return found[0] if found else None


@lru_cache(maxsize=512)
def _registered(tag: str) -> bool:
    """Whether every subtag of ``tag`` is in the IANA language subtag registry (``xx``, ``zz`` are not)."""
    return _remembered("registered", tag, _in_registry)


def _in_registry(tag: str) -> bool:
    import langcodes

    try:
        return bool(langcodes.tag_is_valid(tag))
    except (langcodes.LanguageTagError, ValueError):
        return False


def _parsed(value: object, option: str) -> tuple[str, str | None, str | None]:
    text = str(value).strip().replace("_", "-")
    if not text:
        raise UsageError(f"{option} is empty: expected a language code such as fr, en, de or pt-BR")
    found = _tag_of(text) if len(text) <= 64 and _registered(text) else None
    if found is None:
        raise UsageError(
            f"{option} {shown(value)}: not a language code; expected a BCP 47 tag such as fr, en, de or pt-BR"
        )
    return found


def normalize_code(value: object, option: str = "language") -> str:
    """A language code as trpipe uses it (``fr``, ``en``, ``pt``): a BCP 47 tag, region and script dropped.

    ``pt-BR`` → ``pt``, ``en_US`` → ``en``, ``fra`` → ``fr``, ``zh-Hant`` → ``zh``. Raises a UsageError naming
    ``option`` for anything that is not a registered language tag (``éé``, ``中文``, ``en-``, ``123``, ``xx``, an
    empty string), before any model or hub is asked.
    """
    return _parsed(value, option)[0]


def normalize_tag(value: object, option: str = "language") -> str:
    """A language tag as trpipe routes it: :func:`normalize_code`'s language, with the script kept where it is
    not the language's usual one and a region only where the tag's own alias implies it.

    ``pt-BR`` → ``pt``, ``zh-Hans`` → ``zh``, ``zh-Hant`` and ``zh-TW`` → ``zh-Hant``, ``sr-Latn`` →
    ``sr-Latn``, ``prs`` → ``fa-AF``. A registry pair or an opus-mt model is found by the language alone when
    nothing names the script; a many-to-many model maps the whole tag to its own code.
    """
    language, script, region = _parsed(value, option)
    return "-".join(part for part in (language, script, region) if part)


def split_codes(given: Iterable[str]) -> list[str]:
    """The language codes of a repeatable option, each value possibly holding several (``--to 'en de'``, as an
    environment variable gives them). A blank value is kept as it is, so that checking it says it is empty
    instead of the option silently naming no language."""
    return [code for value in given for code in (str(value).split() or [str(value)])]


def base_language(tag: str) -> str:
    """The language of a tag as :func:`normalize_tag` writes it: ``zh-Hant`` → ``zh``."""
    return tag.split("-", 1)[0]


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
