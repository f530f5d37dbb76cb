"""Model families, read from a model's own files (never from its name), and their language codes.

=========  ==========================================  ====================================  =====================
family     how it is recognised                        language codes                        a tag becomes
=========  ==========================================  ====================================  =====================
marian     ``model_type: marian``                      one pair (``>>fra<<`` tokens aside)    -
nllb       ``m2m_100`` + ``NllbTokenizer``             FLORES-200 (``fra_Latn``), 202         ``fra_Latn``
m2m100     ``m2m_100`` + ``M2M100Tokenizer`` or        ISO 639-1 (``fr``), 100                ``__fr__``
           ``vocab.json`` beside the SentencePiece
mbart50    ``mbart`` + ``MBart50Tokenizer``            52 (``fr_XX``)                         ``fr_XX``
madlad     T5 whose vocabulary has ``<2xx>`` tokens    the ``<2xx>`` tokens of its vocabulary  ``<2fr>``
           (the mT5 summariser has none)
=========  ==========================================  ====================================  =====================

NLLB, M2M100 and mBART-50 start the encoder's input with the source language's token and the decoder's output
with the target's (CTranslate2 ``target_prefix``, transformers ``forced_bos_token_id``); MADLAD-400 reads the
target's ``<2xx>`` token at the start of its input and needs no source token.

A BCP 47 tag is mapped to a family's code with langcodes (CLDR's language matching, likely scripts,
macrolanguages): ``zh-Hant`` → ``zho_Hant``, ``sw`` → ``swh_Latn``, ``ar`` → ``arb_Arab``, ``fa`` → ``pes_Arab``,
``ms`` → ``zsm_Latn``; ``fr`` → ``fra_Latn`` / ``__fr__`` / ``fr_XX`` / ``<2fr>``. A target must match in script
as well (``sr-Latn`` is not ``srp_Cyrl``); a source whose script the model does not name is read with its
language's code. A tag the model has no code for is a PairError naming the model and its nearest codes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from trpipe.errors import PairError, shown
from trpipe.models import langcodes as codes

MANY_TO_MANY = ("nllb", "m2m100", "mbart50", "madlad")
LABELS = {
    "marian": "Marian (opus-mt)",
    "nllb": "NLLB-200",
    "m2m100": "M2M100",
    "mbart50": "mBART-50",
    "madlad": "MADLAD-400",
    "t5": "T5/mT5",
    "bart": "BART",
}
T5_TYPES = ("t5", "mt5", "umt5")
# A MADLAD-400 language token: <2fr>, <2zh_Hant>, <2fr_CA>, <2ms_Arab_BN>; not its script tokens (<2Latn>), region
# tokens (<2CA>), task tokens (<2translate>, <2back_translated>) or noise and variety tokens (<2zxx_xx_dtynoise>,
# <2en_xx_simple>).
_MADLAD_TOKEN = re.compile(r"^<2((?!zxx)[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_[A-Z]{2})?)>$")
_NLLB_CODE = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")
_M2M_TOKEN = re.compile(r"^__([a-z]{2,3})__$")
# A family whose vocabulary has fewer language tokens than this is no many-to-many model (an mT5 summariser).
_MIN_MADLAD_TOKENS = 8
# Scripts that name the same writing for matching: Korean (Hangul with Han), Japanese (kana with Han).
_SCRIPT_ALIASES = {"Kore": "Hang", "Jpan": "Jpan", "Hira": "Jpan", "Kana": "Jpan"}
# Languages CLDR puts this close are one for a reader (Norwegian and Bokmål: 1).
_CLOSE = 4
# Tags farther apart than this (langcodes' CLDR distance) are never "nearest codes".
_NEAREST_DISTANCE = 60


@dataclass(frozen=True)
class Family:
    """A model family and, for many-to-many families, the language codes the model has."""

    name: str
    codes: tuple[str, ...] = ()
    _tags: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    @property
    def many_to_many(self) -> bool:
        return self.name in MANY_TO_MANY and bool(self.codes)

    @property
    def source_token_first(self) -> bool:
        """Whether the encoder's input starts with the source language's token (NLLB, M2M100, mBART-50)."""
        return self.name in ("nllb", "m2m100", "mbart50")

    @property
    def target_in_input(self) -> bool:
        """Whether the target language's token is read from the input (MADLAD-400) instead of forced as the
        decoder's first token."""
        return self.name == "madlad"

    def token(self, code: str) -> str:
        """The vocabulary token of a code: ``__fr__`` (M2M100), ``<2fr>`` (MADLAD), the code itself otherwise."""
        if self.name == "m2m100":
            return f"__{code}__"
        if self.name == "madlad":
            return f"<2{code}>"
        return code

    def tag_of(self, code: str) -> str:
        """The BCP 47 tag a code stands for (``zho_Hant`` → ``zh-Hant``, ``fr_XX`` → ``fr``)."""
        return self.tags()[code]

    def tags(self) -> dict[str, str]:
        if not self._tags:
            self._tags.update({code: _code_tag(self.name, code) for code in self.codes})
        return self._tags

    def code_for(self, tag: str, role: str = "target", model: str | None = None) -> str:
        """The model's code for BCP 47 ``tag`` (normalised as trpipe's ``normalize_tag`` writes it).

        ``role`` is ``source`` or ``target``: a target must match in script too. A PairError names the model
        and the nearest codes it has when there is none.
        """
        found = _match(self.name, self.codes, tag, strict=role == "target")
        if found is None:
            who = f"model {shown(model)} ({self.label})" if model else self.label
            near = ", ".join(self.nearest(tag)) or "none close"
            raise PairError(
                f"{who} has no language code for {tag!r} as a {role} language; the nearest codes it has: {near}"
            )
        return found

    def nearest(self, tag: str, count: int = 5) -> list[str]:
        """The model's codes closest to ``tag`` (CLDR language distance), nearest first."""
        return _nearest(self.name, self.codes, tag, count)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"family": self.name}
        if self.many_to_many:
            out["languages"] = len(self.codes)
        return out


# ------------------------------------------------------------------------------------------- matching


def _code_tag(family: str, code: str) -> str:
    """A code as a BCP 47 tag: ``ace_Arab`` → ``ace-Arab``, ``zh_CN`` → ``zh-CN``, ``fr_XX`` → ``fr``."""
    parts = [p for p in code.split("_") if p and p != "XX"]
    return "-".join(parts)


@lru_cache(maxsize=4096)
def _parts(tag: str) -> tuple[str, str | None, str | None, str]:
    """``(language, script, region, macrolanguage)`` of a tag, normalised as trpipe does, script maximised."""
    import langcodes
    from langcodes.data_dicts import MACROLANGUAGES

    from trpipe.languages import _tag_of

    found = _tag_of(tag)
    if found is None:
        return tag.split("-")[0].lower(), None, None, ""
    language, script, region = found
    try:
        full = langcodes.Language.get(tag).maximize()
        script = script or full.script
    except (langcodes.LanguageTagError, ValueError):
        pass
    raw = langcodes.Language.get(tag, normalize=False).language or language
    macro = MACROLANGUAGES.get(raw) or MACROLANGUAGES.get(language) or ""
    return language, script, region, macro


def _related(wanted: tuple, candidate: tuple) -> int | None:
    """How a candidate's language relates to the wanted one: 0 the same, 1 one is the other's macrolanguage
    (``ps`` and ``pbt``, ``qu`` and ``quy``); None otherwise (two members of one macrolanguage are not)."""
    if wanted[0] == candidate[0]:
        return 0
    # a member with no two-letter code of its own is a variety of its macrolanguage (pbt of ps, quy of qu);
    # one with its own (id of ms) is a language in its own right
    if (wanted[0] == candidate[3] and len(candidate[0]) == 3) or (candidate[0] == wanted[3] and len(wanted[0]) == 3):
        return 1
    return None


def _distance(tag: str, other: str) -> int:
    import langcodes

    try:
        return int(langcodes.tag_distance(tag, other))
    except (langcodes.LanguageTagError, ValueError):
        return 1000


@lru_cache(maxsize=4096)
def _match(family: str, model_codes: tuple[str, ...], tag: str, strict: bool) -> str | None:
    wanted = _parts(tag)
    scored = []
    for index, code in enumerate(model_codes):
        candidate_tag = _code_tag(family, code)
        candidate = _parts(candidate_tag)
        relation = _related(wanted, candidate)
        distance = _distance(tag, candidate_tag)
        if relation is None and distance <= _CLOSE:
            relation = 2  # CLDR's "the same for a reader" (no and nb)
        if relation is None:
            continue
        scripts = {_SCRIPT_ALIASES.get(candidate[1], candidate[1]), _SCRIPT_ALIASES.get(wanted[1], wanted[1])}
        same_script = len(scripts) == 1 or None in scripts
        exact = candidate_tag.lower() == tag.lower()  # the code that is this very tag (ber-Latn: ber_Latn)
        scored.append((not same_script, not exact, relation, distance, index, code))
    if not scored:
        return None
    best = min(scored)
    if best[0] and strict:
        return None  # only codes in another script: a target would come out in the wrong one
    return best[-1]


@lru_cache(maxsize=1024)
def _nearest(family: str, model_codes: tuple[str, ...], tag: str, count: int) -> list[str]:
    ranked = sorted((_distance(tag, _code_tag(family, c)), i, c) for i, c in enumerate(model_codes))
    return [c for d, _, c in ranked[:count] if d <= _NEAREST_DISTANCE]


# ------------------------------------------------------------------------------------------ detection


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _tokens_of(config: dict[str, Any]) -> list[str]:
    """The extra special tokens a tokenizer configuration lists (v4 list, v5 list or mapping)."""
    found: list[str] = []
    for key in ("additional_special_tokens", "extra_special_tokens"):
        value = config.get(key) or []
        if isinstance(value, dict):
            value = list(value.values())
        for item in value if isinstance(value, list) else []:
            token = item.get("content") if isinstance(item, dict) else item
            if isinstance(token, str):
                found.append(token)
    return found


def madlad_codes(spm_path: Path) -> tuple[str, ...]:
    """The ``<2xx>`` codes of a SentencePiece vocabulary (MADLAD-400's ``spiece.model``), in vocabulary order."""
    try:
        from sentencepiece import sentencepiece_model_pb2

        proto = sentencepiece_model_pb2.ModelProto()
        proto.ParseFromString(spm_path.read_bytes())
    except Exception:  # a missing or damaged file: its loader names it
        return ()
    found = [m.group(1) for m in (_MADLAD_TOKEN.match(p.piece) for p in proto.pieces) if m]
    return tuple(dict.fromkeys(found))


def _tokenizer_json_codes(path: Path, pattern: re.Pattern[str]) -> list[str]:
    data = _read_json(path)
    added = data.get("added_tokens") or []
    return [t["content"] for t in added if isinstance(t, dict) and pattern.match(str(t.get("content", "")))]


def detect(folder: str | Path) -> Family | None:
    """The family of the transformers model in ``folder``, from its config and tokenizer files; None when the
    folder has no readable ``config.json``."""
    folder = Path(folder)
    try:
        stamp = (folder / "config.json").stat().st_mtime_ns
    except OSError:
        return None
    return _detect(str(folder), stamp)


@lru_cache(maxsize=64)
def _detect(path: str, _stamp: int) -> Family | None:
    folder = Path(path)
    config = _read_json(folder / "config.json")
    if not config:
        return None
    tokenizer = {**_read_json(folder / "special_tokens_map.json"), **_read_json(folder / "tokenizer_config.json")}
    model_type = str(config.get("model_type") or "")
    cls = str(tokenizer.get("tokenizer_class") or config.get("tokenizer_class") or "").removesuffix("Fast")
    listed = _tokens_of(tokenizer)
    if model_type == "marian" or cls == "MarianTokenizer":
        return Family("marian")
    if model_type in ("m2m_100", "nllb-moe"):
        nllb = cls == "NllbTokenizer" or (not cls and not (folder / "vocab.json").is_file())
        if cls == "M2M100Tokenizer" or not nllb:
            found = [m.group(1) for m in map(_M2M_TOKEN.match, listed) if m]
            table = codes.WMT21_CODES if tokenizer.get("language_codes") == "wmt21" else codes.M2M100_CODES
            return Family("m2m100", tuple(found) or table)
        found = [t for t in listed if _NLLB_CODE.match(t)]
        found = found or _tokenizer_json_codes(folder / "tokenizer.json", _NLLB_CODE)
        return Family("nllb", tuple(dict.fromkeys(found)) or codes.NLLB_CODES)
    if model_type == "mbart":
        if cls == "MBart50Tokenizer":
            found = [t for t in listed if t in codes.MBART50_CODES]
            return Family("mbart50", tuple(found) or codes.MBART50_CODES)
        return Family("mbart")
    if model_type in T5_TYPES:
        found = madlad_codes(folder / "spiece.model")
        if len(found) >= _MIN_MADLAD_TOKENS:
            return Family("madlad", found)
        return Family("t5")
    if model_type in ("bart",):
        return Family("bart")
    return Family(model_type or "unknown")


def family_of_spec(spec: Any) -> Family | None:
    """The family of a registry entry's model, from its files on this machine (None when they are not here)."""
    from trpipe.models.files import model_files

    folder = model_files(spec)
    return detect(folder) if folder is not None else None
