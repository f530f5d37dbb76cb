"""Build the benchmark's model, tokenizer, articles and registries under benchmarks/.work/ (offline).

* ``opus-mt-fr-en-random/``: a MarianMTModel with the exact architecture of Helsinki-NLP/opus-mt-fr-en
  (config below, copied from the public model's config.json and generation_config.json) and random
  weights, saved with ``save_pretrained``; a MarianTokenizer laid out as opus-mt's (source.spm,
  target.spm, vocab.json of 59,514 entries, pad last). The French SentencePiece model is trained on the
  benchmark's French text with a vocabulary sized so that it cuts French into about 1.3 tokens a word,
  as opus-mt's does; the English one on generic English prose. vocab.json holds both models' pieces and
  is filled up to 59,514 entries with unused placeholders, so every embedding and the output layer
  have opus-mt's full size.
* The saved ``final_logits_bias`` is -1e9 for EOS (the model never stops by itself: every contender
  generates exactly its bound of new tokens) and for every id that is not a printable English piece
  (the junk output then at least decodes to English pieces). A bias changes no amount of computation.
* ``articles50/``: the 50 generated articles (see corpus.py).
* ``models.yaml``: trpipe registry, fr-en = the model, 4 beams and a constant bound of new tokens per
  sentence (``max_new_tokens_ratio: 0``, ``max_new_tokens_offset: K``); see bench.py for why.
* ``opus-mt-fr-en-random/ctranslate2-int8/``: the CTranslate2 conversion, made here by trpipe's own
  ctranslate2 backend so that no timed run pays for it.
* ``build.json``: what was built (vocabulary, tokens per word, K, sizes, times).

Usage: ``python benchmarks/build_model.py [--force]``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
MODEL_DIR = WORK / "opus-mt-fr-en-random"
ARTICLES_DIR = WORK / "articles50"
REGISTRY = WORK / "models.yaml"
BUILD_INFO = WORK / "build.json"
BUILD_VERSION = 4  # bump when anything below changes what is built

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

import corpus  # noqa: E402

# Helsinki-NLP/opus-mt-fr-en config.json (public model card; label maps and training-only fields omitted).
OPUS_MT_FR_EN = {
    "activation_dropout": 0.0,
    "activation_function": "swish",
    "architectures": ["MarianMTModel"],
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "d_model": 512,
    "decoder_attention_heads": 8,
    "decoder_ffn_dim": 2048,
    "decoder_layerdrop": 0.0,
    "decoder_layers": 6,
    "decoder_start_token_id": 59513,
    "decoder_vocab_size": 59514,
    "dropout": 0.1,
    "encoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "encoder_layerdrop": 0.0,
    "encoder_layers": 6,
    "eos_token_id": 0,
    "forced_eos_token_id": 0,
    "init_std": 0.02,
    "is_encoder_decoder": True,
    "max_position_embeddings": 512,
    "model_type": "marian",
    "normalize_embedding": False,
    "num_hidden_layers": 6,
    "pad_token_id": 59513,
    "scale_embedding": True,
    "share_encoder_decoder_embeddings": True,
    "static_position_embeddings": True,
    "tie_word_embeddings": True,
    "use_cache": True,
    "vocab_size": 59514,
}
# Helsinki-NLP/opus-mt-fr-en generation_config.json.
OPUS_MT_GENERATION = {
    "bad_words_ids": [[59513]],
    "bos_token_id": 0,
    "decoder_start_token_id": 59513,
    "eos_token_id": 0,
    "forced_eos_token_id": 0,
    "max_length": 512,
    "num_beams": 4,
    "pad_token_id": 59513,
    "renormalize_logits": True,
}
VOCAB_SIZE = OPUS_MT_FR_EN["vocab_size"]
PAD_ID = VOCAB_SIZE - 1
TOKENS_PER_WORD = 1.30  # opus-mt's French SentencePiece model on news text, about
SUPPRESS = -1.0e9


def benchmark_texts() -> list[str]:
    """Every French text the benchmark translates: the sample article and the 50 articles."""
    return [corpus.SAMPLE.read_text(encoding="utf-8"), *corpus.make_articles()]


def _lines(texts: list[str]) -> list[str]:
    return [line.strip() for text in texts for line in text.splitlines() if line.strip()]


def train_spm(lines: list[str], vocab_size: int, model_type: str = "bpe") -> bytes:
    """A SentencePiece model trained in memory, Marian style (</s>=0, <unk>=1), opus-mt's normalisation."""
    from trpipe.demo import train_spm as train

    return train(lines, vocab_size, seed=0, model_type=model_type)


def tokens_per_word(proto: bytes, texts: list[str]) -> float:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=proto)
    words = sum(len(t.split()) for t in texts)
    return sum(len(sp.encode(line)) for line in _lines(texts)) / words


def french_spm(texts: list[str], goal: float = TOKENS_PER_WORD) -> tuple[bytes, int, float]:
    """The French model whose vocabulary size brings tokens per word nearest ``goal`` (bisection).

    BPE rather than opus-mt's unigram: on a corpus this small the unigram trainer stops at about 1,200
    pieces (2.1 tokens a word), whatever vocabulary size is asked for. The tokenizer type changes only
    where words are cut, not the model's work per token.
    """
    lines = _lines(texts)
    low, high = 300, 6000
    best: tuple[float, bytes, int, float] | None = None
    for _ in range(12):
        size = (low + high) // 2
        proto = train_spm(lines, size)
        ratio = tokens_per_word(proto, texts)
        if best is None or abs(ratio - goal) < best[0]:
            best = (abs(ratio - goal), proto, size, ratio)
        if ratio > goal:
            low = size + 1
        else:
            high = size - 1
        if low > high:
            break
    assert best is not None
    return best[1], best[2], best[3]


def build_tokenizer(out: Path, texts: list[str]) -> dict:
    """source.spm, target.spm, vocab.json (59,514 entries) and the MarianTokenizer files in ``out``."""
    import sentencepiece as spm
    from transformers import MarianTokenizer

    from tiny_models import ENGLISH_TEXT

    source, size, ratio = french_spm(texts)
    target = train_spm(_lines([ENGLISH_TEXT]), 1000)
    vocab = {"</s>": 0, "<unk>": 1}
    for name, proto in (("source.spm", source), ("target.spm", target)):
        (out / name).write_bytes(proto)
        sp = spm.SentencePieceProcessor(model_proto=proto)
        for i in range(sp.get_piece_size()):
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    used = len(vocab)
    for i in range(PAD_ID - used):  # opus-mt's vocabulary size: placeholders no tokenizer ever produces
        vocab[f"<unused{i}>"] = len(vocab)
    vocab["<pad>"] = PAD_ID
    assert len(vocab) == VOCAB_SIZE and vocab["<pad>"] == PAD_ID
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        source_lang="fr",
        target_lang="en",
        model_max_length=512,
    )
    tokenizer.save_pretrained(out)
    sp_target = spm.SentencePieceProcessor(model_proto=target)
    allowed = []
    for i in range(sp_target.get_piece_size()):
        piece = sp_target.id_to_piece(i)
        if sp_target.is_control(i) or sp_target.is_unknown(i) or sp_target.is_byte(i):
            continue
        if re.fullmatch(r"<0x[0-9A-F]{2}>", piece) or not piece.replace("▁", " ").strip().isprintable():
            continue
        allowed.append(vocab[piece])
    return {
        "source_spm": "bpe",
        "source_vocab_size": size,
        "source_tokens_per_word": round(ratio, 3),
        "target_pieces": sp_target.get_piece_size(),
        "real_vocab_entries": used,
        "allowed_output_ids": sorted(allowed),
    }


def build_model(out: Path, allowed_ids: list[int]) -> dict:
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    config = MarianConfig(**OPUS_MT_FR_EN)
    torch.manual_seed(0)
    model = MarianMTModel(config).eval()
    with torch.no_grad():
        bias = torch.full((VOCAB_SIZE,), SUPPRESS)
        bias[allowed_ids] = 0.0
        model.final_logits_bias.copy_(bias.unsqueeze(0))
    model.generation_config = GenerationConfig(**OPUS_MT_GENERATION)
    model.save_pretrained(out)
    params = sum(p.numel() for p in model.parameters())
    return {"parameters": params, "size_mb_fp32": round(params * 4 / 2**20, 1)}


def sentences_tokens(model_dir: Path, path: Path) -> list[int]:
    """Model input tokens (EOS excluded) of each sentence trpipe cuts ``path`` into."""
    from transformers import AutoTokenizer

    from trpipe.segment import segment_text
    from trpipe.textnorm import normalize_for_model

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    text = path.read_text(encoding="utf-8")
    sentences = [normalize_for_model(s.text) for seg in segment_text(text, "fr") for s in seg.sentences]
    return [len(ids) - 1 for ids in tokenizer(sentences)["input_ids"]]


def write_registry(path: Path, model_dir: Path, new_tokens: int, **overrides: object) -> Path:
    import yaml

    translation = {
        "num_beams": 4,
        "max_input_tokens": 256,
        "max_length": 512,
        "max_new_tokens_ratio": 0,
        "max_new_tokens_offset": new_tokens,
        "batch_tokens": 4096,
        **overrides,
    }
    data = {
        "version": 1,
        "defaults": {"translation": translation},
        "translation": {"fr-en": {"model": str(model_dir)}},
        "summarisation": {},
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def convert_ct2(registry: Path) -> float:
    """Convert the model for CTranslate2 (int8) through trpipe's ctranslate2 backend; return seconds."""
    from trpipe.registry import load_registry
    from trpipe.translate.base import load_translator

    start = time.perf_counter()
    spec = load_registry(registry).translation("fr", "en")
    translator = load_translator(spec, "ctranslate2", device="cpu", cache_dir=str(WORK / "cache"))
    assert translator.compute_type.startswith("int8"), translator.compute_type
    translator.close()
    return time.perf_counter() - start


def is_built() -> bool:
    try:
        info = json.loads(BUILD_INFO.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return info.get("version") == BUILD_VERSION and (MODEL_DIR / "ctranslate2-int8" / "model.bin").is_file()


def build(force: bool = False) -> dict:
    if not force and is_built():
        return json.loads(BUILD_INFO.read_text(encoding="utf-8"))
    started = time.perf_counter()
    shutil.rmtree(MODEL_DIR, ignore_errors=True)
    shutil.rmtree(ARTICLES_DIR, ignore_errors=True)
    MODEL_DIR.mkdir(parents=True)
    paths = corpus.write_articles(ARTICLES_DIR)
    info: dict = {"version": BUILD_VERSION, "articles": len(paths)}
    tok = build_tokenizer(MODEL_DIR, benchmark_texts())
    allowed = tok.pop("allowed_output_ids")
    info.update(tok, allowed_output_ids=len(allowed))
    info.update(build_model(MODEL_DIR, allowed))
    # K: the bound of new tokens per sentence (EOS included, as transformers counts max_new_tokens):
    # the sample's mean sentence length in tokens, plus the EOS. See bench.py.
    lengths = sentences_tokens(MODEL_DIR, corpus.SAMPLE)
    info["sample_sentences"] = len(lengths)
    info["sample_mean_sentence_tokens"] = round(sum(lengths) / len(lengths), 2)
    info["new_tokens_per_sentence"] = math.floor(sum(lengths) / len(lengths) + 0.5) + 1
    write_registry(REGISTRY, MODEL_DIR, info["new_tokens_per_sentence"])
    info["ct2_conversion_s"] = round(convert_ct2(REGISTRY), 1)
    info["build_s"] = round(time.perf_counter() - started, 1)
    BUILD_INFO.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if a current build exists")
    args = parser.parse_args()
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(json.dumps(build(args.force), indent=2))


if __name__ == "__main__":
    main()
