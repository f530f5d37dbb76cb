"""The Marian (opus-mt) tokenizer without transformers: ``source.spm``, ``target.spm``, ``vocab.json``, as
``transformers.MarianTokenizer`` tokenizes and decodes (see :mod:`trpipe.translate.tokenize`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trpipe.translate.tokenize import (
    SPIECE_UNDERLINE,
    Encoded,
    ModelTokenizer,
    broken,
    extra_specials,
    first_line,
    max_length_of,
    read_json,
    token_of,
)


def _load_spm(path: Path, name: str | None) -> Any:
    import sentencepiece

    if not path.is_file():
        raise broken(name, path, "missing")
    processor = sentencepiece.SentencePieceProcessor()
    try:
        processor.Load(str(path))
    except Exception as exc:  # sentencepiece raises RuntimeError/OSError with C++ messages
        raise broken(name, path, f"not a SentencePiece model ({first_line(exc)})") from None
    return processor


def _byte_to_char(text: str) -> list[int]:
    """``index[b]``: the character index at UTF-8 byte offset ``b`` of ``text`` (len+1 entries)."""
    index = []
    for i, ch in enumerate(text):
        index.extend([i] * len(ch.encode("utf-8")))
    index.append(len(text))
    return index


def spm_pieces(spm: Any, texts: Sequence[str], encoder: Any, unk: str, eos: str) -> list[list[str]]:
    """Each text's SentencePiece pieces (those not in ``encoder`` as ``unk``) followed by ``eos``. One string at
    a time: for a list, sentencepiece starts a thread pool on every call (even with num_threads=1), which costs
    milliseconds on a loaded machine against microseconds a sentence."""
    return [[p if p in encoder else unk for p in spm.encode(text, out_type=str)] + [eos] for text in texts]


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
        self.read_specials(config, eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
        if self.unk_token not in self.encoder:
            raise broken(name, folder / "vocab.json", f"has no {self.unk_token} token")
        self.model_max_length = max_length_of(config, 512)
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False))
        specials = [self.eos_token, self.unk_token, self.pad_token, *extra_specials(config)]
        # Added tokens: the special ones, and those tokenizer_config.json lists (with their strip flags).
        self.added: dict[str, int] = {}
        self.flags: dict[str, dict[str, bool]] = {}
        for index, entry in (config.get("added_tokens_decoder") or {}).items():
            if isinstance(entry, dict) and token_of(entry):
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
        vocab = read_json(path, self.name)
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
        # The common case straight through sentencepiece: no added token or language token in any text.
        return spm_pieces(self.source_spm, texts, self.encoder, self.unk_token, self.source_decoder[self.eos_id])

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
