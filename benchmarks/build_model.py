"""Build the benchmarks' models, tokenizers, articles and registries under benchmarks/.work/ (offline).

Three random-weight models of the real shapes of trpipe's default job (French article into English, with
an English summary translated back into French), saved with ``save_pretrained`` and loaded by trpipe as
local model folders:

* ``opus-mt-fr-en-random/``: a MarianMTModel with the exact architecture of Helsinki-NLP/opus-mt-fr-en
  (config below, copied from the public model's config.json and generation_config.json); a MarianTokenizer
  laid out as opus-mt's (source.spm, target.spm, vocab.json of 59,514 entries, pad last). The French
  SentencePiece model is trained on the benchmark's French text with a vocabulary sized so that it cuts
  French into about 1.3 tokens a word, as opus-mt's does; the English one on generic English prose.
  vocab.json holds both models' pieces and is filled up to 59,514 entries with unused placeholders, so
  every embedding and the output layer have opus-mt's full size.
* ``opus-mt-en-fr-random/``: the same for Helsinki-NLP/opus-mt-en-fr (same architecture; the English
  SentencePiece model cut to about 1.3 tokens a word, the French one as target).
* ``distilbart-cnn-12-6-random/``: a BartForConditionalGeneration with sshleifer/distilbart-cnn-12-6's
  architecture and decoding config (12 encoder and 6 decoder layers, d_model 1024, 16 heads, FFN 4096,
  vocabulary 50,264; 306 M parameters; 4 beams, min 56 / max 142, no-repeat 3-grams, length penalty 2.0,
  forced BOS); as the real repository, ``config.json`` holds the decoding settings and there is no
  generation_config.json; tokenizer: byte-level BPE (vocab.json, merges.txt) trained on English prose,
  vocab.json filled to 50,264 entries.
* The saved ``final_logits_bias`` is -1e9 for EOS (the models never stop by themselves: every contender
  generates exactly its bound of new tokens) and for every id that is not a printable piece of the
  target language (the junk output then at least decodes to words); the summariser's favours "." a
  little (SENTENCE_BIAS), so that its summaries have sentences of about the real model's length. A bias
  changes no amount of computation.
* ``articles50/`` and ``articles100/``: generated articles (see corpus.py; the first 50 are the same).
* ``models.yaml``: the translation-only registry of bench.py (fr-en, 4 beams, a constant bound of K new
  tokens per sentence: ``max_new_tokens_ratio: 0``, ``max_new_tokens_offset: K``; see bench.py for why).
* ``job.yaml``: the default job's registry (job.py): fr-en and en-fr as above, and the English summariser
  with trpipe's shipped summarisation settings.
* ``<model>/ctranslate2-int8/``: the CTranslate2 conversions, made here by trpipe's own backends, so that
  no timed run pays for them.
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
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
MODEL_DIR = WORK / "opus-mt-fr-en-random"
EN_FR_DIR = WORK / "opus-mt-en-fr-random"
BART_DIR = WORK / "distilbart-cnn-12-6-random"
ARTICLES_DIR = WORK / "articles50"
ARTICLES100_DIR = WORK / "articles100"
REGISTRY = WORK / "models.yaml"
JOB_REGISTRY = WORK / "job.yaml"
BUILD_INFO = WORK / "build.json"
BUILD_VERSION = 6  # bump when anything below changes what is built

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
    from trpipe.models.demo import train_spm as train

    return train(lines, vocab_size, seed=0, model_type=model_type)


def tokens_per_word(proto: bytes, texts: list[str]) -> float:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=proto)
    words = sum(len(t.split()) for t in texts)
    return sum(len(sp.encode(line)) for line in _lines(texts)) / words


def bisected_spm(texts: list[str], goal: float = TOKENS_PER_WORD) -> tuple[bytes, int, float]:
    """The SentencePiece model whose vocabulary size brings tokens per word nearest ``goal`` (bisection).

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


def printable_ids(proto: bytes, vocab: dict[str, int]) -> list[int]:
    """Ids (in ``vocab``) of the SentencePiece model's printable, ordinary pieces."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=proto)
    allowed = []
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        if sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i):
            continue
        if re.fullmatch(r"<0x[0-9A-F]{2}>", piece) or not piece.replace("▁", " ").strip().isprintable():
            continue
        allowed.append(vocab[piece])
    return sorted(allowed)


def build_tokenizer(
    out: Path, source_texts: list[str], target_texts: list[str], source_lang: str, target_lang: str
) -> dict:
    """source.spm (bisected to TOKENS_PER_WORD), target.spm, vocab.json (59,514 entries) and the
    MarianTokenizer files in ``out``."""
    import sentencepiece as spm

    from trpipe.models.demo import marian_vocab, save_marian_tokenizer

    source, size, ratio = bisected_spm(source_texts)
    target = train_spm(_lines(target_texts), 1000)
    vocab = marian_vocab(out, source, target)
    used = len(vocab)
    for i in range(PAD_ID - used):  # opus-mt's vocabulary size: placeholders no tokenizer ever produces
        vocab[f"<unused{i}>"] = len(vocab)
    vocab["<pad>"] = PAD_ID
    assert len(vocab) == VOCAB_SIZE and vocab["<pad>"] == PAD_ID
    save_marian_tokenizer(out, vocab, source_lang, target_lang)
    return {
        "source_spm": "bpe",
        "source_vocab_size": size,
        "source_tokens_per_word": round(ratio, 3),
        "target_pieces": spm.SentencePieceProcessor(model_proto=target).get_piece_size(),
        "real_vocab_entries": used,
        "allowed_output_ids": printable_ids(target, vocab),
    }


def random_model(cls: Any, config: Any, allowed_ids: list[int], biases: dict[int, float] | None = None) -> Any:
    """``cls(config)`` with random weights (seed 0) whose ``final_logits_bias`` suppresses every id but
    ``allowed_ids`` (EOS included), with ``biases`` added."""
    import torch

    torch.manual_seed(0)
    model = cls(config).eval()
    with torch.no_grad():
        bias = torch.full((config.vocab_size,), SUPPRESS)
        bias[allowed_ids] = 0.0
        for index, value in (biases or {}).items():
            bias[index] = value
        model.final_logits_bias.copy_(bias.unsqueeze(0))
    return model


def build_model(out: Path, allowed_ids: list[int]) -> dict:
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    model = random_model(MarianMTModel, MarianConfig(**OPUS_MT_FR_EN), allowed_ids)
    model.generation_config = GenerationConfig(**OPUS_MT_GENERATION)
    model.save_pretrained(out)
    params = sum(p.numel() for p in model.parameters())
    return {"parameters": params, "size_mb_fp32": round(params * 4 / 2**20, 1)}


def build_marian(out: Path, source_texts: list[str], target_texts: list[str], source: str, target: str) -> dict:
    """An opus-mt-shaped Marian model and tokenizer in ``out``; what was built."""
    out.mkdir(parents=True)
    info = build_tokenizer(out, source_texts, target_texts, source, target)
    allowed = info.pop("allowed_output_ids")
    info.update(build_model(out, allowed), allowed_output_ids=len(allowed))
    return info


# sshleifer/distilbart-cnn-12-6 config.json (public model card; label maps and training-only fields
# omitted; ``force_bos_token_to_be_generated`` written as today's ``forced_bos_token_id``).
DISTILBART = {
    "activation_dropout": 0.0,
    "activation_function": "gelu",
    "add_bias_logits": False,
    "add_final_layer_norm": False,
    "architectures": ["BartForConditionalGeneration"],
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "d_model": 1024,
    "decoder_attention_heads": 16,
    "decoder_ffn_dim": 4096,
    "decoder_layers": 6,
    "decoder_start_token_id": 2,
    "dropout": 0.1,
    "early_stopping": True,
    "encoder_attention_heads": 16,
    "encoder_ffn_dim": 4096,
    "encoder_layers": 12,
    "eos_token_id": 2,
    "forced_bos_token_id": 0,
    "forced_eos_token_id": 2,
    "init_std": 0.02,
    "is_encoder_decoder": True,
    "length_penalty": 2.0,
    "max_length": 142,
    "max_position_embeddings": 1024,
    "min_length": 56,
    "model_type": "bart",
    "no_repeat_ngram_size": 3,
    "normalize_before": False,
    "normalize_embedding": True,
    "num_beams": 4,
    "pad_token_id": 1,
    "scale_embedding": False,
    "vocab_size": 50264,
}
BART_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
# The bias of "." in the summariser: with it, a summary of the sample has about 5 sentences (pysbd's), as
# distilbart's summaries have 3 to 5; without it, random weights write one sentence of 142 tokens.
SENTENCE_BIAS = 1.6


def build_bart(out: Path, texts: list[str]) -> dict:
    """A distilbart-cnn-12-6-shaped BART summariser and byte-level BPE tokenizer in ``out``."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration

    out.mkdir(parents=True)
    size = DISTILBART["vocab_size"]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(_lines(texts), vocab_size=5000, min_frequency=1, special_tokens=BART_SPECIALS)
    model_json = json.loads(bpe.to_str())["model"]
    vocab = dict(model_json["vocab"])
    used = len(vocab)
    for i in range(size - 1 - used):  # distilbart's vocabulary size, <mask> last
        vocab[f"<unused{i}>"] = len(vocab)
    vocab["<mask>"] = size - 1
    merges = [m if isinstance(m, str) else " ".join(m) for m in model_json["merges"]]
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (out / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    tokenizer_config = {"model_max_length": 1024, "tokenizer_class": "BartTokenizer", "add_prefix_space": False}
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), encoding="utf-8")
    allowed = [i for piece, i in vocab.items() if i < used and piece not in BART_SPECIALS]
    allowed = [i for i in allowed if (t := bpe.decode([i])).strip() and t.isprintable() and "\ufffd" not in t]
    model = random_model(BartForConditionalGeneration, BartConfig(**DISTILBART), allowed, {vocab["."]: SENTENCE_BIAS})
    model.save_pretrained(out)
    (out / "generation_config.json").unlink(missing_ok=True)  # as the real repository: config.json only
    config_json = json.loads((out / "config.json").read_text(encoding="utf-8"))
    config_json.update({k: v for k, v in DISTILBART.items() if k not in config_json})
    (out / "config.json").write_text(json.dumps(config_json, indent=2), encoding="utf-8")
    params = sum(p.numel() for p in model.parameters())
    return {
        "bart_parameters": params,
        "bart_size_mb_fp32": round(params * 4 / 2**20, 1),
        "bart_real_vocab_entries": used,
        "bart_allowed_output_ids": len(allowed),
    }


def sentences_tokens(model_dir: Path, path: Path) -> list[int]:
    """Model input tokens (EOS excluded) of each sentence trpipe cuts ``path`` into."""
    from transformers import AutoTokenizer

    from trpipe.segment import segment_text
    from trpipe.textnorm import normalize_for_model

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    text = path.read_text(encoding="utf-8")
    sentences = [normalize_for_model(s.text) for seg in segment_text(text, "fr") for s in seg.sentences]
    return [len(ids) - 1 for ids in tokenizer(sentences)["input_ids"]]


def translation_settings(new_tokens: int, **overrides: object) -> dict:
    return {
        "num_beams": 4,
        "max_input_tokens": 256,
        "max_length": 512,
        "max_new_tokens_ratio": 0,
        "max_new_tokens_offset": new_tokens,
        "batch_tokens": 4096,
        **overrides,
    }


def write_registry(path: Path, model_dir: Path, new_tokens: int, **overrides: object) -> Path:
    """The translation-only registry (bench.py, sweep.py): fr-en = ``model_dir``."""
    import yaml

    data = {
        "version": 1,
        "defaults": {"translation": translation_settings(new_tokens, **overrides)},
        "translation": {"fr-en": {"model": str(model_dir)}},
        "summarisation": {},
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_job_registry(path: Path, new_tokens: int, **overrides: object) -> Path:
    """The default job's registry (job.py): fr-en, en-fr, and the English summariser with the shipped
    models.yaml's summarisation settings."""
    import yaml

    shipped = yaml.safe_load((REPO / "models.yaml").read_text(encoding="utf-8"))
    data = {
        "version": 1,
        "defaults": {
            "translation": translation_settings(new_tokens, **overrides),
            "summarisation": shipped["defaults"]["summarisation"],
        },
        "translation": {"fr-en": {"model": str(MODEL_DIR)}, "en-fr": {"model": str(EN_FR_DIR)}},
        "summarisation": {"en": {"model": str(BART_DIR)}},
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def convert_ct2(registry: Path) -> float:
    """Convert the job's models for CTranslate2 (int8) through trpipe's own backends; return seconds."""
    from trpipe.models.registry import load_registry
    from trpipe.summarise.models import load_summariser
    from trpipe.translate.base import load_translator

    start = time.perf_counter()
    models = load_registry(registry)
    for source, target in (("fr", "en"), ("en", "fr")):
        translator = load_translator(models.translation(source, target), "ctranslate2", device="cpu")
        assert translator.compute_type.startswith("int8"), translator.compute_type
        translator.close()
    summariser = load_summariser(models.summariser("en"), "ctranslate2", device="cpu")
    assert summariser.compute_type.startswith("int8"), summariser.compute_type
    summariser.close()
    return time.perf_counter() - start


def is_built() -> bool:
    try:
        info = json.loads(BUILD_INFO.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    folders = (MODEL_DIR, EN_FR_DIR, BART_DIR)
    converted = all((folder / "ctranslate2-int8" / "model.bin").is_file() for folder in folders)
    return info.get("version") == BUILD_VERSION and converted


def build(force: bool = False) -> dict:
    if not force and is_built():
        return json.loads(BUILD_INFO.read_text(encoding="utf-8"))
    from tiny_models import ENGLISH_TEXT

    started = time.perf_counter()
    for folder in (MODEL_DIR, EN_FR_DIR, BART_DIR, ARTICLES_DIR, ARTICLES100_DIR):
        shutil.rmtree(folder, ignore_errors=True)
    corpus.write_articles(ARTICLES_DIR, 50)
    paths = corpus.write_articles(ARTICLES100_DIR, 100)
    info: dict = {"version": BUILD_VERSION, "articles": len(paths)}
    french = benchmark_texts()
    info.update(build_marian(MODEL_DIR, french, [ENGLISH_TEXT], "fr", "en"))
    en_fr = build_marian(EN_FR_DIR, [ENGLISH_TEXT], french, "en", "fr")
    info.update({f"en_fr_{k}": v for k, v in en_fr.items()})
    info.update(build_bart(BART_DIR, [ENGLISH_TEXT]))
    # K: the bound of new tokens per sentence (EOS included, as transformers counts max_new_tokens):
    # the sample's mean sentence length in tokens, plus the EOS. See bench.py.
    lengths = sentences_tokens(MODEL_DIR, corpus.SAMPLE)
    info["sample_sentences"] = len(lengths)
    info["sample_mean_sentence_tokens"] = round(sum(lengths) / len(lengths), 2)
    info["new_tokens_per_sentence"] = math.floor(sum(lengths) / len(lengths) + 0.5) + 1
    write_registry(REGISTRY, MODEL_DIR, info["new_tokens_per_sentence"])
    write_job_registry(JOB_REGISTRY, info["new_tokens_per_sentence"])
    info["ct2_conversion_s"] = round(convert_ct2(JOB_REGISTRY), 1)
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
