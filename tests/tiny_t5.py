"""A tiny random-weight mT5 summariser laid out like csebuetnlp/mT5_multilingual_XLSum, for tests.

The folder holds what the real repository holds: ``config.json`` (``MT5ForConditionalGeneration``),
``spiece.model`` (a SentencePiece unigram model: pad = 0, eos = 1, unk = 2, as T5's), a
``tokenizer_config.json`` and ``special_tokens_map.json``, and the weights; no ``tokenizer.json`` and no
``generation_config.json``, so every loader has to work from the SentencePiece model and the config.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import sentencepiece as spm
import torch
from transformers import MT5Config, MT5ForConditionalGeneration

from tokenizer_folders import train_spm

TINY_T5 = {
    "d_model": 16,
    "d_kv": 8,
    "d_ff": 32,
    "num_layers": 1,
    "num_decoder_layers": 1,
    "num_heads": 2,
    "relative_attention_num_buckets": 8,
    "feed_forward_proj": "gated-gelu",
    "tie_word_embeddings": False,
    "initializer_factor": 1.0,
}


def build_mt5(out_dir: str | Path, texts: Iterable[str], *, vocab_size: int = 400, seed: int = 0) -> Path:
    """Build a tiny MT5ForConditionalGeneration and its spiece.model into ``out_dir``; return the path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = [line.strip() for text in texts for line in text.splitlines() if line.strip()]
    spm.set_random_generator_seed(seed)
    proto = train_spm("\n".join(lines), vocab_size, coverage=1.0, pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    (out / "spiece.model").write_bytes(proto)
    pieces = spm.SentencePieceProcessor(model_proto=proto).get_piece_size()
    specials = {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    (out / "special_tokens_map.json").write_text(json.dumps(specials), encoding="utf-8")
    tokenizer_config = {"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "model_max_length": 512, **specials}
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")
    ids = {"pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0}
    config = MT5Config(vocab_size=pieces, **TINY_T5, **ids)
    torch.manual_seed(seed)
    model = MT5ForConditionalGeneration(config).eval()
    model.save_pretrained(out)
    (out / "generation_config.json").unlink(missing_ok=True)  # as the real repository: config.json only
    return out
