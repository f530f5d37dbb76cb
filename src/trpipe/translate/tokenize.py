"""Tokenizers for the models trpipe runs, without torch or transformers.

CTranslate2 reads and writes *pieces* (the strings of the model's vocabulary); these classes turn text into
the pieces ``transformers`` would give for the same model folder, and pieces (or ids) back into text, using
only ``sentencepiece``, ``tokenizers`` and the folder's JSON files, so that a run on converted models never
imports torch or transformers. Three families:

* ``marian`` (Helsinki-NLP opus-mt): ``source.spm``, ``target.spm``, ``vocab.json`` (and ``target_vocab.json``
  with ``separate_vocabs``), as ``transformers.MarianTokenizer``: the text is split on the special tokens, a
  leading target-language token such as ``>>fra<<`` stays one piece, the rest goes through the source
  SentencePiece model (whose own normalisation, e.g. NFKC, applies); pieces missing from ``vocab.json`` are
  ``<unk>``; ``</s>`` ends every input.
* ``t5`` (T5, mT5: ``spiece.model`` or ``tokenizer.json``), as ``transformers.T5Tokenizer``: a ``tokenizers``
  Unigram model with the SentencePiece model's normalisation, ``</s>`` appended, pad = 0, ``<extra_id_N>``.
* ``bart`` (byte-level BPE: ``vocab.json`` + ``merges.txt``, or ``tokenizer.json``), as
  ``transformers.BartTokenizer``: ``<s> … </s>``, ``add_prefix_space`` as the folder's configuration says.
* ``fairseq`` (NLLB, M2M100, mBART-50: ``sentencepiece.bpe.model``, with ``vocab.json`` for M2M100), ids as
  fairseq numbers them (:mod:`trpipe.translate.tokenize_fairseq`); language tokens are put by the translator.

:func:`load_tokenizer` picks the family from ``tokenizer_config.json``'s ``tokenizer_class`` or
``config.json``'s ``model_type``, as ``AutoTokenizer`` does. A missing or damaged file raises
:class:`~trpipe.errors.ModelError` naming it and saying what to do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from trpipe.errors import ModelError, shown

SPIECE_UNDERLINE = "▁"
# A model_max_length at or above this is transformers' "no limit" placeholder.
_NO_LIMIT = 1_000_000

TOKENIZER_CLASSES = {
    "MarianTokenizer": "marian",
    "T5Tokenizer": "t5",
    "T5TokenizerFast": "t5",
    "MT5Tokenizer": "t5",
    "MT5TokenizerFast": "t5",
    "BartTokenizer": "bart",
    "BartTokenizerFast": "bart",
    "RobertaTokenizer": "bart",
    "RobertaTokenizerFast": "bart",
    "NllbTokenizer": "fairseq",
    "NllbTokenizerFast": "fairseq",
    "M2M100Tokenizer": "fairseq",
    "MBart50Tokenizer": "fairseq",
    "MBart50TokenizerFast": "fairseq",
}
MODEL_TYPES = {"marian": "marian", "t5": "t5", "mt5": "t5", "bart": "bart", "m2m_100": "fairseq"}


class UnknownTokenizer(ModelError):
    """The model's tokenizer is none of the families trpipe reads without transformers."""


class Encoded(NamedTuple):
    """One encoded text: pieces, their ids and ``(start, end)`` character offsets in the text ((0, 0) for
    special tokens the tokenizer added)."""

    pieces: list[str]
    ids: list[int]
    offsets: list[tuple[int, int]]


def remedy(name: str | None, folder: Path) -> str:
    """What a user can do about a damaged model file."""
    if name and not name.startswith((".", "/", "~")) and not Path(name).is_dir():
        return f"download the model again with `trpipe models pull {name}`"
    return f"replace the model folder {shown(folder)} with a complete copy"


def broken(name: str | None, path: Path, reason: str) -> ModelError:
    """A ModelError for a model file that is missing or cannot be read."""
    who = f"model {name}: " if name else ""
    return ModelError(f"{who}{shown(path)}: {reason}; {remedy(name, path.parent)}")


def read_json(path: Path, name: str | None, required: bool = True) -> Any:
    if not path.is_file():
        if required:
            raise broken(name, path, "missing")
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise broken(name, path, f"not valid JSON ({first_line(exc)})") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def token_of(value: Any) -> str | None:
    """A special token from a configuration: a string, or an AddedToken dict with ``content``."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


def _config(folder: Path, name: str | None) -> dict[str, Any]:
    """tokenizer_config.json with special_tokens_map.json's entries filled in where it has none."""
    config = dict(read_json(folder / "tokenizer_config.json", name, required=False) or {})
    special = read_json(folder / "special_tokens_map.json", name, required=False) or {}
    for key, value in special.items():
        config.setdefault(key, value)
    return config


def max_length_of(config: dict[str, Any], default: int | None = None) -> int | None:
    value = config.get("model_max_length", default)
    return int(value) if isinstance(value, (int, float)) and 0 < value < _NO_LIMIT else None


def extra_specials(config: dict[str, Any]) -> list[str]:
    extra = config.get("additional_special_tokens") or config.get("extra_special_tokens") or []
    if isinstance(extra, dict):  # v5 named extra tokens
        extra = list(extra.values())
    return [t for t in (token_of(x) for x in extra) if t]


def _clean_up_tokenization(text: str) -> str:
    """transformers' ``clean_up_tokenization`` (spaces before punctuation and English contractions)."""
    for before, after in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't")):
        text = text.replace(before, after)
    for suffix in ("m", "s", "ve", "re"):
        text = text.replace(f" '{suffix}", f"'{suffix}")
    return text


class ModelTokenizer:
    """What trpipe needs from a tokenizer: pieces for CTranslate2, counts, offsets, decoding.

    ``encode`` and ``count`` work on the source side (the encoder's input, special tokens included);
    ``decode`` on the target side (the decoder's output), skipping special tokens, as
    ``batch_decode(..., skip_special_tokens=True)`` does.
    """

    family = "abstract"
    eos_token: str | None = None
    bos_token: str | None = None
    unk_token: str | None = None
    pad_token: str | None = None
    model_max_length: int | None = None  # from tokenizer_config.json; None where it sets no limit
    special_tokens: frozenset[str] = frozenset()
    clean_up_tokenization_spaces = False

    def __init__(self, folder: Path, name: str | None):
        self.folder = folder
        self.name = name

    def read_specials(self, config: dict[str, Any], **defaults: str) -> list[str]:
        """Set the special-token attributes (``eos_token="</s>"``...) from ``config``, else the defaults;
        return their values in order."""
        for attr, default in defaults.items():
            setattr(self, attr, token_of(config.get(attr)) or default)
        return [getattr(self, attr) for attr in defaults]

    # ------------------------------------------------------------------------------------- source side

    def encode_batch(self, texts: Sequence[str]) -> list[Encoded]:
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        """The pieces of each text, special tokens included (the form CTranslate2 reads)."""
        return [e.pieces for e in self.encode_batch(texts)]

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self.encode_batch(texts)]

    def count(self, texts: Sequence[str]) -> list[int]:
        """Number of input tokens of each text, special tokens included."""
        return [len(p) for p in self.encode(texts)]

    def encode_with_offsets(self, text: str) -> Encoded:
        """Pieces, ids and each piece's character span in ``text``."""
        return self.encode_batch([text])[0]

    def encode_target(self, texts: Sequence[str]) -> list[list[str]]:
        """Pieces of target-side texts (the decoder's vocabulary), end token included."""
        return self.encode(texts)

    # ------------------------------------------------------------------------------------- target side

    def piece_id(self, piece: str) -> int:
        raise NotImplementedError

    def id_piece(self, index: int) -> str:
        raise NotImplementedError

    def decode(self, tokens: Sequence[str] | Sequence[int]) -> str:
        """Text of a target sequence given as pieces or ids, special tokens skipped."""
        raise NotImplementedError

    def decode_batch(self, sequences: Sequence[Sequence[str] | Sequence[int]]) -> list[str]:
        return [self.decode(s) for s in sequences]

    def _cleaned(self, text: str) -> str:
        return _clean_up_tokenization(text) if self.clean_up_tokenization_spaces else text

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "folder": str(self.folder)}


# family → (module, class): imported when a tokenizer of that family is loaded
FAMILIES = {
    "marian": ("trpipe.translate.tokenize_marian", "MarianTokenizer"),
    "t5": ("trpipe.translate.tokenize_backend", "T5Tokenizer"),
    "bart": ("trpipe.translate.tokenize_backend", "BartTokenizer"),
    "fairseq": ("trpipe.translate.tokenize_fairseq", "FairseqTokenizer"),
}


def tokenizer_family(folder: str | Path, name: str | None = None) -> str:
    """``marian``, ``t5`` or ``bart`` for the model in ``folder``, as AutoTokenizer would choose."""
    folder = Path(folder)
    config = _config(folder, name)
    model_config = read_json(folder / "config.json", name, required=False) or {}
    tokenizer_class = config.get("tokenizer_class")
    model_type = model_config.get("model_type")
    family = TOKENIZER_CLASSES.get(str(tokenizer_class)) or MODEL_TYPES.get(str(model_type))
    if family is None:
        found = f"tokenizer class {tokenizer_class!r}, model type {model_type!r}"
        who = f"model {name}" if name else shown(folder)
        raise UnknownTokenizer(
            f"{who}: no torch-free tokenizer for this model ({found}); supported: Marian (opus-mt), "
            "T5/mT5/MADLAD-400, BART, NLLB, M2M100 and mBART-50; use --backend transformers"
        )
    return family


def load_tokenizer(folder: str | Path, name: str | None = None) -> ModelTokenizer:
    """The tokenizer of the model in ``folder`` (``name``: the model's id, for messages).

    Raises ModelError when the family is unknown or a file is missing or damaged.
    """
    folder = Path(folder)
    family = tokenizer_family(folder, name)
    import importlib

    module, cls = FAMILIES[family]
    return getattr(importlib.import_module(module), cls)(folder, name, _config(folder, name))
