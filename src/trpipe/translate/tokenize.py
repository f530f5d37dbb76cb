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

:func:`load_tokenizer` picks the family from ``tokenizer_config.json``'s ``tokenizer_class`` or
``config.json``'s ``model_type``, as ``AutoTokenizer`` does. A missing or damaged file raises
:class:`~trpipe.errors.ModelError` naming it and saying what to do.
"""

from __future__ import annotations

import json
import re
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
}
MODEL_TYPES = {"marian": "marian", "t5": "t5", "mt5": "t5", "bart": "bart"}


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


def _read_json(path: Path, name: str | None, required: bool = True) -> Any:
    if not path.is_file():
        if required:
            raise broken(name, path, "missing")
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise broken(name, path, f"not valid JSON ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _token(value: Any) -> str | None:
    """A special token from a configuration: a string, or an AddedToken dict with ``content``."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


def _config(folder: Path, name: str | None) -> dict[str, Any]:
    """tokenizer_config.json with special_tokens_map.json's entries filled in where it has none."""
    config = dict(_read_json(folder / "tokenizer_config.json", name, required=False) or {})
    special = _read_json(folder / "special_tokens_map.json", name, required=False) or {}
    for key, value in special.items():
        config.setdefault(key, value)
    return config


def _max_length(config: dict[str, Any], default: int | None = None) -> int | None:
    value = config.get("model_max_length", default)
    return int(value) if isinstance(value, (int, float)) and 0 < value < _NO_LIMIT else None


def _extra_specials(config: dict[str, Any]) -> list[str]:
    extra = config.get("additional_special_tokens") or config.get("extra_special_tokens") or []
    if isinstance(extra, dict):  # v5 named extra tokens
        extra = list(extra.values())
    return [t for t in (_token(x) for x in extra) if t]


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


# ---------------------------------------------------------------------------------------------- Marian


def _load_spm(path: Path, name: str | None) -> Any:
    import sentencepiece

    if not path.is_file():
        raise broken(name, path, "missing")
    processor = sentencepiece.SentencePieceProcessor()
    try:
        processor.Load(str(path))
    except Exception as exc:  # sentencepiece raises RuntimeError/OSError with C++ messages
        raise broken(name, path, f"not a SentencePiece model ({_first_line(exc)})") from None
    return processor


def _byte_to_char(text: str) -> list[int]:
    """``index[b]``: the character index at UTF-8 byte offset ``b`` of ``text`` (len+1 entries)."""
    index = []
    for i, ch in enumerate(text):
        index.extend([i] * len(ch.encode("utf-8")))
    index.append(len(text))
    return index


def _spm_proto_encode(spm: Any, text: str) -> Any:
    """SentencePiece's encoding of ``text`` with each piece's byte span (the API changed in 0.2.3)."""
    try:
        return spm.encode(text, return_type="proto")
    except (TypeError, ValueError):  # sentencepiece < 0.2.3
        return spm.encode(text, out_type="immutable_proto")


class MarianTokenizer(ModelTokenizer):
    family = "marian"

    def __init__(self, folder: Path, name: str | None, config: dict[str, Any]):
        super().__init__(folder, name)
        self.source_spm = _load_spm(folder / "source.spm", name)
        self.target_spm = _load_spm(folder / "target.spm", name)
        self.encoder = self._vocab(folder / "vocab.json")
        self.separate_vocabs = bool(config.get("separate_vocabs", False))
        self.target_encoder = self._vocab(folder / "target_vocab.json") if self.separate_vocabs else self.encoder
        self.eos_token = _token(config.get("eos_token")) or "</s>"
        self.unk_token = _token(config.get("unk_token")) or "<unk>"
        self.pad_token = _token(config.get("pad_token")) or "<pad>"
        if self.unk_token not in self.encoder:
            raise broken(name, folder / "vocab.json", f"has no {self.unk_token} token")
        self.model_max_length = _max_length(config, 512)
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False))
        specials = [self.eos_token, self.unk_token, self.pad_token, *_extra_specials(config)]
        # Added tokens: the special ones, and those tokenizer_config.json lists (with their strip flags).
        self.added: dict[str, int] = {}
        self.flags: dict[str, dict[str, bool]] = {}
        for index, entry in (config.get("added_tokens_decoder") or {}).items():
            if isinstance(entry, dict) and _token(entry):
                self.added[entry["content"]] = int(index)
                self.flags[entry["content"]] = {k: bool(entry.get(k)) for k in ("lstrip", "rstrip", "single_word")}
        size = len(self.encoder)
        for token in specials:
            if token not in self.added:
                self.added[token] = self.encoder.get(token, size)
                size += token not in self.encoder
        self.special_tokens = frozenset(specials)
        self.special_ids = {self.added[t] for t in specials}
        self.decoder = {i: p for p, i in self.target_encoder.items()} | {i: p for p, i in self.added.items()}
        self.source_decoder = {i: p for p, i in self.encoder.items()} | {i: p for p, i in self.added.items()}
        self.unk_id = self.encoder[self.unk_token]
        self.eos_id = self.added[self.eos_token]
        tokens = sorted(self.added, key=len, reverse=True)
        self._split = re.compile("(" + "|".join(map(re.escape, tokens)) + ")") if tokens else None

    def _vocab(self, path: Path) -> dict[str, int]:
        vocab = _read_json(path, self.name)
        if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
            raise broken(self.name, path, "not a vocabulary (a JSON object of token ids)")
        return vocab

    def _chunks(self, text: str) -> list[tuple[str, int, bool]]:
        """``(chunk, start, is_added_token)``: ``text`` split on added tokens as transformers' Trie does,
        with the tokens' lstrip/rstrip/single_word flags applied."""
        if self._split is None or not self._split.search(text):
            return [(text, 0, False)] if text else []
        parts, pos = [], 0
        for piece in self._split.split(text):
            parts.append([piece, pos])
            pos += len(piece)
        for i in range(1, len(parts), 2):  # odd indices are tokens
            token, flags = parts[i][0], self.flags.get(parts[i][0], {})
            left, right = parts[i - 1], parts[i + 1]
            if flags.get("rstrip") and right[0]:
                stripped = right[0].lstrip()
                right[1] += len(right[0]) - len(stripped)
                right[0] = stripped
            if flags.get("lstrip") and left[0]:
                left[0] = left[0].rstrip()
            if flags.get("single_word"):
                if left[0] and left[0][-1] != " ":
                    left[0] += token
                    parts[i][0] = ""
                elif right[0] and right[0][0] != " ":
                    right[0], right[1] = token + right[0], parts[i][1]
                    parts[i][0] = ""
        out = []
        for i, (chunk, start) in enumerate(parts):
            if chunk:
                out.append((chunk, start, i % 2 == 1 and chunk in self.added))
        return out

    def _pieces(self, chunk: str, start: int, with_offsets: bool, spm: Any) -> list[tuple[str, int, int]]:
        pieces: list[tuple[str, int, int]] = []
        if chunk.startswith(">>") and (end := chunk.find("<<")) != -1:  # a target-language token
            pieces.append((chunk[: end + 2], start, start + end + 2))
            start, chunk = start + end + 2, chunk[end + 2 :]
        if not with_offsets:
            return pieces + [(p, 0, 0) for p in spm.encode(chunk, out_type=str)]
        proto = _spm_proto_encode(spm, chunk)
        chars = _byte_to_char(chunk)
        for p in proto.pieces:
            pieces.append((p.piece, start + chars[p.begin], start + chars[p.end]))
        return pieces

    def _encode(self, text: str, with_offsets: bool, target: bool = False) -> Encoded:
        spm, encoder = (self.target_spm, self.target_encoder) if target else (self.source_spm, self.encoder)
        found: list[tuple[str, int, int]] = []
        for chunk, start, is_token in self._chunks(text):
            if is_token:
                found.append((chunk, start, start + len(chunk)))
            else:
                found.extend(self._pieces(chunk, start, with_offsets, spm))
        ids = [self.added[p] if p in self.added else encoder.get(p, self.unk_id) for p, _, _ in found]
        ids.append(self.eos_id)
        decoder = self.decoder if target else self.source_decoder
        pieces = [decoder.get(i) or self.unk_token for i in ids]
        offsets = [(s, e) for _, s, e in found] + [(0, 0)]
        return Encoded(pieces, ids, offsets)  # type: ignore[arg-type]

    def encode_batch(self, texts: Sequence[str]) -> list[Encoded]:
        return [self._encode(t, with_offsets=False) for t in texts]

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        simple = self._split is None or not any(self._split.search(t) or t.startswith(">>") for t in texts)
        if not simple:
            return super().encode(texts)
        # The common case in one call into sentencepiece: no added token or language token in any text.
        encoder, unk, eos = self.encoder, self.unk_token, self.source_decoder[self.eos_id]
        encoded = self.source_spm.encode(list(texts), out_type=str)
        return [[p if p in encoder else unk for p in pieces] + [eos] for pieces in encoded]

    def encode_with_offsets(self, text: str) -> Encoded:
        return self._encode(text, with_offsets=True)

    def encode_target(self, texts: Sequence[str]) -> list[list[str]]:
        return [self._encode(t, with_offsets=False, target=True).pieces for t in texts]

    def piece_id(self, piece: str) -> int:
        return self.added[piece] if piece in self.added else self.target_encoder.get(piece, self.unk_id)

    def id_piece(self, index: int) -> str:
        piece = self.decoder.get(index)
        if piece is None:  # ids past the vocabulary fall back on the SentencePiece model, as transformers does
            spm = self.target_spm if self.separate_vocabs else self.source_spm
            piece = spm.IdToPiece(index) if 0 <= index < spm.GetPieceSize() else ""
        return piece or self.unk_token  # type: ignore[return-value]

    def decode(self, tokens: Sequence[str] | Sequence[int]) -> str:
        ids = [t if isinstance(t, int) else self.piece_id(t) for t in tokens]
        pieces = [self.id_piece(i) for i in ids if i not in self.special_ids]
        # transformers decodes a shared vocabulary with the *source* SentencePiece model
        spm = self.target_spm if self.separate_vocabs else self.source_spm
        text = spm.decode_pieces(pieces).replace(SPIECE_UNDERLINE, " ").strip()
        return self._cleaned(text)


# ---------------------------------------------------------------------------------------------- T5 / BART


class _BackendTokenizer(ModelTokenizer):
    """A tokenizer on a ``tokenizers.Tokenizer`` (T5 and BART)."""

    backend: Any

    _table: list[str]
    _json_added: Sequence[dict[str, Any]] = ()

    def encode_batch(self, texts: Sequence[str]) -> list[Encoded]:
        table = self._table  # an encoding's tokens are the text's surface where it is unknown: name them by id
        return [Encoded([table[i] for i in e.ids], e.ids, e.offsets) for e in self.backend.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        table = self._table
        return [[table[i] for i in e.ids] for e in self.backend.encode_batch(list(texts))]

    def piece_id(self, piece: str) -> int:
        found = self.backend.token_to_id(piece)
        return self.unk_id if found is None else found

    def id_piece(self, index: int) -> str:
        return self._table[index] if 0 <= index < len(self._table) else (self.unk_token or "")

    def decode(self, tokens: Sequence[str] | Sequence[int]) -> str:
        ids = [t if isinstance(t, int) else self.piece_id(t) for t in tokens]
        return self._cleaned(self.backend.decode(ids, skip_special_tokens=True))

    def decode_batch(self, sequences: Sequence[Sequence[str] | Sequence[int]]) -> list[str]:
        batch = [[t if isinstance(t, int) else self.piece_id(t) for t in s] for s in sequences]
        return [self._cleaned(t) for t in self.backend.decode_batch(batch, skip_special_tokens=True)]

    def _add_specials(self, config: dict[str, Any], specials: list[str]) -> None:
        from tokenizers import AddedToken

        flags = {}
        listed = list(self._json_added) + list((config.get("added_tokens_decoder") or {}).values())
        for entry in listed:  # tokenizer.json's added tokens, then tokenizer_config.json's
            if isinstance(entry, dict) and _token(entry):
                flags[entry["content"]] = {k: bool(entry.get(k)) for k in ("lstrip", "rstrip", "single_word")}
        specials = list(dict.fromkeys(t for t in specials if t))
        self.backend.add_special_tokens(
            [AddedToken(t, special=True, normalized=False, **flags.get(t, {})) for t in specials]
        )
        self.special_tokens = frozenset(specials)
        unk = self.backend.token_to_id(self.unk_token) if self.unk_token else None
        self.unk_id = 0 if unk is None else unk
        vocab = self.backend.get_vocab(with_added_tokens=True)
        self._table = [self.unk_token or ""] * (max(vocab.values(), default=-1) + 1)
        for piece, index in vocab.items():
            self._table[index] = piece


def _spm_proto(path: Path, name: str | None) -> Any:
    from sentencepiece import sentencepiece_model_pb2

    if not path.is_file():
        raise broken(name, path, "missing")
    proto = sentencepiece_model_pb2.ModelProto()
    try:
        proto.ParseFromString(path.read_bytes())
    except Exception as exc:  # google.protobuf.message.DecodeError and OSError
        raise broken(name, path, f"not a SentencePiece model ({_first_line(exc)})") from None
    if not proto.pieces:
        raise broken(name, path, "not a SentencePiece model (no pieces)")
    return proto


def _tokenizer_json(path: Path, name: str | None) -> dict[str, Any]:
    data = _read_json(path, name)
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        raise broken(name, path, "not a tokenizers file (no model)")
    return data


class T5Tokenizer(_BackendTokenizer):
    family = "t5"

    def __init__(self, folder: Path, name: str | None, config: dict[str, Any]):
        import base64

        from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
        from tokenizers.models import Unigram

        super().__init__(folder, name)
        self.eos_token = _token(config.get("eos_token")) or "</s>"
        self.unk_token = _token(config.get("unk_token")) or "<unk>"
        self.pad_token = _token(config.get("pad_token")) or "<pad>"
        extra_ids = int(config.get("extra_ids", 100) or 0)
        extra = _extra_specials(config)
        if not any("<extra_id_" in t for t in extra):
            extra += [f"<extra_id_{i}>" for i in range(extra_ids)]
        charsmap = None
        unk_id = 2
        if (folder / "spiece.model").is_file() or not (folder / "tokenizer.json").is_file():
            proto = _spm_proto(folder / "spiece.model", name)
            vocab = [(p.piece, p.score) for p in proto.pieces]
            vocab += [(f"<extra_id_{i}>", 0.0) for i in range(extra_ids - 1, -1, -1)]
            charsmap = proto.normalizer_spec.precompiled_charsmap or None
        else:
            data = _tokenizer_json(folder / "tokenizer.json", name)
            vocab = [tuple(v) for v in data["model"].get("vocab") or []]
            self._json_added = data.get("added_tokens") or []
            normalizer = data.get("normalizer") or {}
            for entry in normalizer.get("normalizers", [normalizer]):
                if entry.get("type") == "Precompiled" and entry.get("precompiled_charsmap"):
                    charsmap = base64.b64decode(entry["precompiled_charsmap"])
        try:
            self.backend = Tokenizer(Unigram(vocab, unk_id=unk_id, byte_fallback=False))
        except Exception as exc:
            raise broken(name, folder / "spiece.model", f"not a usable Unigram vocabulary ({exc})") from None
        if charsmap:
            self.backend.normalizer = normalizers.Precompiled(charsmap)
        metaspace = {"replacement": SPIECE_UNDERLINE, "prepend_scheme": "always", "split": True}
        self.backend.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(**metaspace)]
        )
        self.backend.decoder = decoders.Metaspace(**metaspace)
        self._add_specials(config, [self.eos_token, self.unk_token, self.pad_token, *extra])
        eos_id = self.backend.token_to_id(self.eos_token)
        self.backend.post_processor = processors.TemplateProcessing(
            single=["$A", self.eos_token],
            pair=["$A", self.eos_token, "$B", self.eos_token],
            special_tokens=[(self.eos_token, eos_id)],
        )
        self.model_max_length = _max_length(config)
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False))


class BartTokenizer(_BackendTokenizer):
    family = "bart"

    def __init__(self, folder: Path, name: str | None, config: dict[str, Any]):
        from tokenizers import Tokenizer, decoders, pre_tokenizers, processors
        from tokenizers.models import BPE

        super().__init__(folder, name)
        self.bos_token = _token(config.get("bos_token")) or "<s>"
        self.eos_token = _token(config.get("eos_token")) or "</s>"
        self.unk_token = _token(config.get("unk_token")) or "<unk>"
        self.pad_token = _token(config.get("pad_token")) or "<pad>"
        sep = _token(config.get("sep_token")) or "</s>"
        cls = _token(config.get("cls_token")) or "<s>"
        mask = _token(config.get("mask_token")) or "<mask>"
        if (folder / "vocab.json").is_file() or not (folder / "tokenizer.json").is_file():
            vocab = _read_json(folder / "vocab.json", name)
            merges_path = folder / "merges.txt"
            if not merges_path.is_file():
                raise broken(name, merges_path, "missing")
            try:
                lines = merges_path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise broken(name, merges_path, f"cannot be read ({_first_line(exc)})") from None
            merges = [tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")]
            source = folder / "vocab.json"
        else:
            source = folder / "tokenizer.json"
            data = _tokenizer_json(source, name)
            model, self._json_added = data["model"], data.get("added_tokens") or []
            vocab = model.get("vocab")
            merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model.get("merges") or []]
        if not isinstance(vocab, dict) or any(len(m) != 2 for m in merges):
            raise broken(name, source, "not a byte-level BPE vocabulary")
        try:
            bpe = BPE(vocab=vocab, merges=merges, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False)
        except Exception as exc:
            raise broken(name, source, f"not a usable BPE vocabulary ({exc})") from None
        self.backend = Tokenizer(bpe)
        self.add_prefix_space = bool(config.get("add_prefix_space", False))
        trim_offsets = bool(config.get("trim_offsets", True))
        self.backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=self.add_prefix_space)
        self.backend.decoder = decoders.ByteLevel()
        specials = [self.bos_token, self.eos_token, self.unk_token, sep, self.pad_token, cls, mask]
        self._add_specials(config, [*specials, *_extra_specials(config)])
        self.backend.post_processor = processors.RobertaProcessing(
            (sep, self.backend.token_to_id(sep)),
            (cls, self.backend.token_to_id(cls)),
            trim_offsets=trim_offsets,
            add_prefix_space=self.add_prefix_space,
        )
        self.model_max_length = _max_length(config)
        # transformers ignores clean_up_tokenization_spaces for BPE models unless forced
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False)) and bool(
            config.get("clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", False)
        )


FAMILIES: dict[str, type[ModelTokenizer]] = {"marian": MarianTokenizer, "t5": T5Tokenizer, "bart": BartTokenizer}


def tokenizer_family(folder: str | Path, name: str | None = None) -> str:
    """``marian``, ``t5`` or ``bart`` for the model in ``folder``, as AutoTokenizer would choose."""
    folder = Path(folder)
    config = _config(folder, name)
    model_config = _read_json(folder / "config.json", name, required=False) or {}
    tokenizer_class = config.get("tokenizer_class")
    model_type = model_config.get("model_type")
    family = TOKENIZER_CLASSES.get(str(tokenizer_class)) or MODEL_TYPES.get(str(model_type))
    if family is None:
        found = f"tokenizer class {tokenizer_class!r}, model type {model_type!r}"
        who = f"model {name}" if name else shown(folder)
        raise UnknownTokenizer(
            f"{who}: no torch-free tokenizer for this model ({found}); supported: Marian (opus-mt), "
            "T5/mT5 and BART; use --backend transformers"
        )
    return family


def load_tokenizer(folder: str | Path, name: str | None = None) -> ModelTokenizer:
    """The tokenizer of the model in ``folder`` (``name``: the model's id, for messages).

    Raises ModelError when the family is unknown or a file is missing or damaged.
    """
    folder = Path(folder)
    family = tokenizer_family(folder, name)
    return FAMILIES[family](folder, name, _config(folder, name))  # type: ignore[call-arg]
