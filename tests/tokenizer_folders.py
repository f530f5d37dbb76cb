"""Tokenizer folders shaped like the real hub repos, built offline (no model weights).

* :func:`opus_mt_folder` - Helsinki-NLP/opus-mt-*: ``source.spm``, ``target.spm``, ``vocab.json``,
  ``tokenizer_config.json`` with only ``source_lang``/``target_lang`` (no ``tokenizer_class``, as in older
  snapshots), ``special_tokens_map.json``, ``config.json`` (``model_type: marian``); optionally target-language
  tokens (``>>fra<<``) in the vocabulary, as multilingual opus-mt models have.
* :func:`mt5_folder` - csebuetnlp/mT5_multilingual_XLSum: ``spiece.model`` only (T5 ids: pad 0, eos 1, unk 2),
  ``tokenizer_config.json`` with ``extra_ids: 0``, ``special_tokens_map.json``, ``config.json`` (``mt5``).
* :func:`t5_folder` - t5-small style: ``spiece.model`` and ``config.json`` (``t5``), 100 extra ids by default.
* :func:`distilbart_folder` - sshleifer/distilbart-cnn-12-6: ``vocab.json`` + ``merges.txt``,
  ``tokenizer_config.json`` = ``{"model_max_length": 1024}``, ``config.json`` (``bart``), no tokenizer.json.
* :func:`bart_json_folder` - a BART folder with ``tokenizer.json`` only (``<mask>`` with lstrip, as
  facebook/bart-large-cnn's).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import sentencepiece as spm

from trpipe.models.demo import ENGLISH_TEXT, SAMPLE, text_lines

TEXT = SAMPLE.read_text(encoding="utf-8") + "\n" + ENGLISH_TEXT
MULTILINGUAL = TEXT + "\n中文新闻报道。東京の天気は晴れです。 Привет, мир! Γειά σου κόσμε. مرحبا بالعالم 😀🎉 ½ № ™"


def train_spm(text: str, vocab_size: int, coverage: float = 0.9995, **ids: int) -> bytes:
    """A SentencePiece unigram model trained on ``text`` (its lines), with the given special ids."""
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text_lines([text])),
        model_writer=buf,
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=coverage,
        num_threads=1,
        minloglevel=2,
        **ids,
    )
    return buf.getvalue()


def _write(folder: Path, name: str, data: object) -> None:
    (folder / name).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def opus_mt_folder(folder: Path, language_tokens: bool = False, vocab_size: int = 400) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spm_ids = {"eos_id": 0, "unk_id": 1, "bos_id": -1, "pad_id": -1}
    protos = [train_spm(TEXT, vocab_size, **spm_ids), train_spm(ENGLISH_TEXT, vocab_size // 2, **spm_ids)]
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    if language_tokens:
        for code in ("fra", "spa", "por", "ita"):
            vocab[f">>{code}<<"] = len(vocab)
    for name, proto in zip(("source.spm", "target.spm"), protos):
        (folder / name).write_bytes(proto)
        sp = spm.SentencePieceProcessor(model_proto=proto)
        for i in range(sp.get_piece_size()):
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    vocab["<pad>"] = len(vocab)
    _write(folder, "vocab.json", vocab)
    _write(folder, "tokenizer_config.json", {"target_lang": "en", "source_lang": "fr"})
    _write(folder, "special_tokens_map.json", {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"})
    _write(
        folder, "config.json", {"model_type": "marian", "architectures": ["MarianMTModel"], "vocab_size": len(vocab)}
    )
    return folder


def _t5_spm(folder: Path, vocab_size: int) -> None:
    ids = {"pad_id": 0, "eos_id": 1, "unk_id": 2, "bos_id": -1}
    (folder / "spiece.model").write_bytes(train_spm(MULTILINGUAL, vocab_size, **ids))


def mt5_folder(folder: Path, vocab_size: int = 700) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _t5_spm(folder, vocab_size)
    special = {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    _write(folder, "special_tokens_map.json", special)
    config = {**special, "extra_ids": 0, "additional_special_tokens": None, "name_or_path": "google/mt5-base"}
    _write(folder, "tokenizer_config.json", config | {"tokenizer_class": "T5Tokenizer"})
    _write(folder, "config.json", {"model_type": "mt5", "architectures": ["MT5ForConditionalGeneration"]})
    return folder


def t5_folder(folder: Path, vocab_size: int = 700) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _t5_spm(folder, vocab_size)
    _write(folder, "config.json", {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]})
    return folder


def _byte_level_bpe(vocab_size: int):
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(
        text_lines([MULTILINGUAL]), vocab_size=vocab_size, special_tokens=specials, show_progress=False
    )
    return bpe


def distilbart_folder(folder: Path, vocab_size: int = 700) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model = json.loads(_byte_level_bpe(vocab_size).to_str())["model"]
    _write(folder, "vocab.json", model["vocab"])
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    _write(folder, "tokenizer_config.json", {"model_max_length": 1024})
    _write(folder, "config.json", {"model_type": "bart", "architectures": ["BartForConditionalGeneration"]})
    return folder


def bart_json_folder(folder: Path, vocab_size: int = 700) -> Path:
    from tokenizers import AddedToken, processors

    folder.mkdir(parents=True, exist_ok=True)
    bpe = _byte_level_bpe(vocab_size)
    bpe.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    bpe.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    bpe.save(str(folder / "tokenizer.json"))
    _write(folder, "config.json", {"model_type": "bart", "architectures": ["BartForConditionalGeneration"]})
    return folder


def t5_json_folder(folder: Path, vocab_size: int = 700) -> Path:
    """A T5 folder whose tokenizer is only ``tokenizer.json`` (as transformers saves it), no spiece.model."""
    from transformers import T5Tokenizer

    t5_folder(folder, vocab_size)
    T5Tokenizer.from_pretrained(str(folder)).save_pretrained(str(folder))
    (folder / "spiece.model").unlink(missing_ok=True)
    return folder
