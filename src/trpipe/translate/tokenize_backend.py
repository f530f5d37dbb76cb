"""The T5/mT5 and BART tokenizers on the ``tokenizers`` library, built as transformers builds
``T5Tokenizer`` and ``BartTokenizer`` (see :mod:`trpipe.translate.tokenize`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trpipe.translate import tokenize as common
from trpipe.translate.tokenize import Encoded, ModelTokenizer


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
            if isinstance(entry, dict) and common.token_of(entry):
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
        raise common.broken(name, path, "missing")
    proto = sentencepiece_model_pb2.ModelProto()
    try:
        proto.ParseFromString(path.read_bytes())
    except Exception as exc:  # google.protobuf.message.DecodeError and OSError
        raise common.broken(name, path, f"not a SentencePiece model ({common.first_line(exc)})") from None
    if not proto.pieces:
        raise common.broken(name, path, "not a SentencePiece model (no pieces)")
    return proto


def _tokenizer_json(path: Path, name: str | None) -> dict[str, Any]:
    data = common.read_json(path, name)
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        raise common.broken(name, path, "not a tokenizers file (no model)")
    return data


class T5Tokenizer(_BackendTokenizer):
    family = "t5"

    def __init__(self, folder: Path, name: str | None, config: dict[str, Any]):
        import base64

        from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
        from tokenizers.models import Unigram

        super().__init__(folder, name)
        self.read_specials(config, eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
        extra_ids = int(config.get("extra_ids", 100) or 0)
        extra = common.extra_specials(config)
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
            raise common.broken(name, folder / "spiece.model", f"not a usable Unigram vocabulary ({exc})") from None
        if charsmap:
            self.backend.normalizer = normalizers.Precompiled(charsmap)
        metaspace = {"replacement": common.SPIECE_UNDERLINE, "prepend_scheme": "always", "split": True}
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
        self.model_max_length = common.max_length_of(config)
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False))


class BartTokenizer(_BackendTokenizer):
    family = "bart"

    def __init__(self, folder: Path, name: str | None, config: dict[str, Any]):
        from tokenizers import Tokenizer, decoders, pre_tokenizers, processors
        from tokenizers.models import BPE

        super().__init__(folder, name)
        self.read_specials(config, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
        sep, cls, mask = self.read_specials(config, sep_token="</s>", cls_token="<s>", mask_token="<mask>")
        if (folder / "vocab.json").is_file() or not (folder / "tokenizer.json").is_file():
            vocab = common.read_json(folder / "vocab.json", name)
            merges_path = folder / "merges.txt"
            if not merges_path.is_file():
                raise common.broken(name, merges_path, "missing")
            try:
                lines = merges_path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise common.broken(name, merges_path, f"cannot be read ({common.first_line(exc)})") from None
            merges = [tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")]
            source = folder / "vocab.json"
        else:
            source = folder / "tokenizer.json"
            data = _tokenizer_json(source, name)
            model, self._json_added = data["model"], data.get("added_tokens") or []
            vocab = model.get("vocab")
            merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model.get("merges") or []]
        if not isinstance(vocab, dict) or any(len(m) != 2 for m in merges):
            raise common.broken(name, source, "not a byte-level BPE vocabulary")
        try:
            bpe = BPE(vocab=vocab, merges=merges, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False)
        except Exception as exc:
            raise common.broken(name, source, f"not a usable BPE vocabulary ({exc})") from None
        self.backend = Tokenizer(bpe)
        self.add_prefix_space = bool(config.get("add_prefix_space", False))
        trim_offsets = bool(config.get("trim_offsets", True))
        self.backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=self.add_prefix_space)
        self.backend.decoder = decoders.ByteLevel()
        specials = [self.bos_token, self.eos_token, self.unk_token, sep, self.pad_token, cls, mask]
        self._add_specials(config, [*specials, *common.extra_specials(config)])
        self.backend.post_processor = processors.RobertaProcessing(
            (sep, self.backend.token_to_id(sep)),
            (cls, self.backend.token_to_id(cls)),
            trim_offsets=trim_offsets,
            add_prefix_space=self.add_prefix_space,
        )
        self.model_max_length = common.max_length_of(config)
        # transformers ignores clean_up_tokenization_spaces for BPE models unless forced
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False)) and bool(
            config.get("clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", False)
        )
