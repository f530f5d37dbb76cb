"""The NLLB, M2M100 and mBART-50 tokenizers without transformers: ``sentencepiece.bpe.model`` read by sentencepiece,
its pieces numbered as fairseq numbers them (see :mod:`trpipe.translate.tokenize`).

* NLLB and mBART-50: fairseq's dictionary puts ``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3 first; every other
  SentencePiece piece keeps its id plus one (SentencePiece has ``<unk>`` 0, ``<s>`` 1, ``</s>`` 2); the language
  codes follow the SentencePiece vocabulary, in the family's order, then ``<mask>``.
* M2M100: ``vocab.json`` numbers the pieces; the ``__xx__`` language tokens follow it, in the family's order.

Ids that the folder's own files give (``tokenizer.json``'s or ``tokenizer_config.json``'s added tokens) win over
these rules. An input is its pieces and ``</s>``; the source language's token (``[fra_Latn] … </s>``) is put in
front by the translator, which knows the pair (:mod:`trpipe.translate.pairs`). Decoding skips the special tokens
and every language token, so none leaks into a translation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trpipe.translate.tokenize import Encoded, ModelTokenizer, broken, max_length_of, read_json, token_of
from trpipe.translate.tokenize_marian import _byte_to_char, _load_spm, _spm_proto_encode, spm_pieces

FAIRSEQ_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")


class FairseqTokenizer(ModelTokenizer):
    family = "fairseq"

    def __init__(self, folder: Path, name: str | None, config: dict[str, Any]):
        from trpipe.models.families import detect

        super().__init__(folder, name)
        found = detect(folder)
        self.model_family = found.name if found else "nllb"
        self.languages = found.codes if found else ()
        self.spm = _load_spm(folder / "sentencepiece.bpe.model", name)
        self.read_specials(config, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
        self.mask_token = token_of(config.get("mask_token")) or "<mask>"
        self.language_tokens = [found.token(c) for c in self.languages] if found else []
        if (folder / "vocab.json").is_file():
            vocab = read_json(folder / "vocab.json", name)
            if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
                raise broken(name, folder / "vocab.json", "not a vocabulary (a JSON object of token ids)")
            self.encoder = dict(vocab)
            size = len(self.encoder)
            for index, token in enumerate(self.language_tokens):
                self.encoder.setdefault(token, size + index)
        else:
            self.encoder = {token: index for index, token in enumerate(FAIRSEQ_SPECIALS)}
            for index in range(3, self.spm.GetPieceSize()):
                self.encoder.setdefault(self.spm.IdToPiece(index), index + 1)
            size = self.spm.GetPieceSize() + 1
            for index, token in enumerate(self.language_tokens):
                self.encoder[token] = size + index
            self.encoder.setdefault(self.mask_token, size + len(self.language_tokens))
        for token, index in self._listed_ids(folder, config).items():
            self.encoder[token] = index
        self.decoder = {index: token for token, index in self.encoder.items()}
        if self.unk_token not in self.encoder or self.eos_token not in self.encoder:
            raise broken(name, folder / "sentencepiece.bpe.model", "has no <unk> or </s> token")
        self.unk_id = self.encoder[self.unk_token]
        self.eos_id = self.encoder[self.eos_token]
        specials = [self.bos_token, self.eos_token, self.unk_token, self.pad_token, self.mask_token]
        self.special_tokens = frozenset([*(t for t in specials if t), *self.language_tokens])
        self.special_ids = {self.encoder[t] for t in self.special_tokens if t in self.encoder}
        self.model_max_length = max_length_of(config, 1024)
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False))

    def _listed_ids(self, folder: Path, config: dict[str, Any]) -> dict[str, int]:
        """The ids the folder's files give to added tokens (tokenizer.json, tokenizer_config.json)."""
        listed: dict[str, int] = {}
        path = folder / "tokenizer.json"
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise broken(self.name, path, f"not valid JSON ({exc})") from None
            for entry in data.get("added_tokens") or [] if isinstance(data, dict) else []:
                if isinstance(entry, dict) and token_of(entry) and isinstance(entry.get("id"), int):
                    listed[entry["content"]] = entry["id"]
        for index, entry in (config.get("added_tokens_decoder") or {}).items():
            if token_of(entry) and str(index).isdigit():
                listed[token_of(entry)] = int(index)  # type: ignore[index]
        return listed

    # ----------------------------------------------------------------------------------- source side

    def _ids(self, pieces: Sequence[str]) -> list[int]:
        encoder, unk = self.encoder, self.unk_id
        return [encoder.get(p, unk) for p in pieces]

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        return spm_pieces(self.spm, texts, self.encoder, self.unk_token, self.eos_token)  # type: ignore[arg-type]

    def encode_batch(self, texts: Sequence[str]) -> list[Encoded]:
        out = []
        for pieces in self.encode(texts):
            out.append(Encoded(pieces, self._ids(pieces), [(0, 0)] * len(pieces)))
        return out

    def encode_with_offsets(self, text: str) -> Encoded:
        proto = _spm_proto_encode(self.spm, text)
        chars = _byte_to_char(text)
        pieces = [p.piece if p.piece in self.encoder else self.unk_token for p in proto.pieces]
        offsets = [(chars[p.begin], chars[p.end]) for p in proto.pieces]
        pieces.append(self.eos_token)  # type: ignore[arg-type]
        offsets.append((0, 0))
        return Encoded(pieces, self._ids(pieces), offsets)  # type: ignore[arg-type]

    # ----------------------------------------------------------------------------------- target side

    def piece_id(self, piece: str) -> int:
        return self.encoder.get(piece, self.unk_id)

    def id_piece(self, index: int) -> str:
        return self.decoder.get(index) or self.unk_token or ""

    def decode(self, tokens: Sequence[str] | Sequence[int]) -> str:
        ids = [t if isinstance(t, int) else self.piece_id(t) for t in tokens]
        pieces = [self.id_piece(i) for i in ids if i not in self.special_ids]
        return self._cleaned(self.spm.decode_pieces(pieces).strip())
