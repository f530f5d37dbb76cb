"""Tiny random-weight models for a try-out without network: ``trpipe models demo DIR``.

:func:`build_demo` writes a MarianMT fr→en and en→fr model, an English BART summariser, a tiny NLLB-200
many-to-many model (``trpipe.models.demo_many``), a registry naming them (``DIR/models.yaml``, the NLLB model as
its ``many:`` entry) and the sample article, so that the whole flow (segment, translate, check, summarise with
citations, back-translate, render) runs on any machine, on a registry pair or a many-to-many route:

    trpipe models demo demo/
    TRPIPE_MODELS=demo/models.yaml trpipe translate demo/huawei-brumath.fr.txt --from fr --to en
    TRPIPE_MODELS=demo/models.yaml trpipe translate demo/huawei-brumath.fr.txt --from fr --to sw

The models are real transformers models, saved with ``save_pretrained`` and loaded through the same
code path as hub models, but their weights are random: **their output is junk**; only its structure is
real. The test suite builds its models with the same functions.

* :func:`build_marian`: a MarianMTModel and MarianTokenizer laid out like ``Helsinki-NLP/opus-mt-fr-en``
  (``source.spm``, ``target.spm``, ``vocab.json``, ``tokenizer_config.json``). The SentencePiece models are
  unigram models trained in memory with ``character_coverage=1.0`` and ``byte_fallback=True``, so no input
  maps to ``<unk>``; as in the real models the default ``nmt_nfkc`` normalisation turns U+00A0 and U+202F
  into plain spaces.
* :func:`build_bart`: a BartForConditionalGeneration summariser with a byte-level BPE tokenizer (like
  ``facebook/bart-large-cnn``).
* :func:`build_all`: fr-en and en-fr Marian models and an English BART model.

The output is deterministic, varied and never empty: weights are drawn with ``init_std=0.5`` (so outputs
depend on the input) and ``final_logits_bias`` (a saved buffer) is set to ``SUPPRESS_BIAS`` for special
tokens and for tokens that decode to non-printable text (byte-fallback pieces, partial UTF-8, control
characters), and to ``eos_bias`` (default ``SUPPRESS_BIAS``) for EOS. The model thus never chooses EOS
by itself: generation runs to ``max_new_tokens`` / ``max_length``, where ``forced_eos_token_id`` ends it.
Pass ``eos_bias=0.0`` to let it stop.

torch, transformers, sentencepiece and tokenizers are imported when a model is built, never at import.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trpipe.models.demo_text import (  # noqa: F401  (the demo's texts, used through this module too)
    ENGLISH_TEXT,
    SAMPLE,
    SAMPLE_NAME,
    _quiet_transformers,
    sample_path,
    text_lines,
)

SUPPRESS_BIAS = -1.0e4
# Shared architecture (30k-50k parameters); init_std=0.5 makes the output depend on the input.
TINY: dict[str, Any] = {"d_model": 16, "init_std": 0.5} | {
    f"{side}_{key}": value
    for side in ("encoder", "decoder")
    for key, value in (("layers", 1), ("attention_heads", 2), ("ffn_dim", 32))
}


def train_spm(texts: Iterable[str], vocab_size: int, seed: int = 0, model_type: str = "unigram") -> bytes:
    """Train a SentencePiece model in memory, Marian style (</s>=0, <unk>=1), with opus-mt's normalisation."""
    import sentencepiece as spm

    spm.set_random_generator_seed(seed)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text_lines(texts)),
        model_writer=buf,
        model_type=model_type,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        byte_fallback=True,
        eos_id=0,
        unk_id=1,
        bos_id=-1,
        pad_id=-1,
        max_sentence_length=1 << 16,
        num_threads=1,
        minloglevel=2,
    )
    return buf.getvalue()


def _bias_logits(model: Any, tokenizer: Any, eos_id: int, eos_bias: float) -> None:
    """Set the saved ``final_logits_bias``: suppress junk tokens, bias EOS."""
    import torch

    special = set(tokenizer.all_special_ids)
    with torch.no_grad():
        bias = model.final_logits_bias[0]
        for i in range(bias.shape[0]):
            text = "" if i in special else tokenizer.decode([i])  # Marian strips the result: check bytes
            byte = re.fullmatch(r"<0x[0-9A-F]{2}>", tokenizer.convert_ids_to_tokens(i))
            if i in special or byte or "\ufffd" in text or not text.isprintable():
                bias[i] = SUPPRESS_BIAS
        bias[eos_id] = eos_bias


def marian_vocab(out: Path, source_proto: bytes, target_proto: bytes) -> dict[str, int]:
    """Write ``source.spm`` and ``target.spm`` into ``out``; the shared vocabulary of their pieces, as
    opus-mt's (``</s>`` 0, ``<unk>`` 1, then the source's pieces, then the target's new ones)."""
    import sentencepiece as spm

    vocab = {"</s>": 0, "<unk>": 1}
    for name, proto in (("source.spm", source_proto), ("target.spm", target_proto)):
        (out / name).write_bytes(proto)
        sp = spm.SentencePieceProcessor(model_proto=proto)
        for i in range(sp.get_piece_size()):
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    return vocab


def save_marian_tokenizer(out: Path, vocab: dict[str, int], source_lang: str, target_lang: str) -> Any:
    """Write ``vocab.json`` and the MarianTokenizer files into ``out`` (beside its .spm files); the tokenizer."""
    from transformers import MarianTokenizer

    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=2), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        source_lang=source_lang,
        target_lang=target_lang,
        model_max_length=512,
    )
    tokenizer.save_pretrained(out)
    return tokenizer


def build_marian(
    out_dir: str | Path,
    source_texts: Iterable[str],
    target_texts: Iterable[str],
    *,
    source_lang: str = "fr",
    target_lang: str = "en",
    vocab_size: int = 500,
    seed: int = 0,
    eos_bias: float = SUPPRESS_BIAS,
    architecture: dict[str, Any] | None = None,
) -> Path:
    """Build a tiny MarianMT model and tokenizer into ``out_dir``; return the path.

    ``architecture``: MarianConfig sizes instead of ``TINY`` (benchmarks build larger models).
    """
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    protos = [train_spm(source_texts, vocab_size, seed), train_spm(target_texts, vocab_size, seed)]
    vocab = marian_vocab(out, *protos)
    pad_id = vocab.setdefault("<pad>", len(vocab))  # last id, as in opus-mt
    tokenizer = save_marian_tokenizer(out, vocab, source_lang, target_lang)

    ids = {"bos_token_id": 0, "eos_token_id": 0, "forced_eos_token_id": 0}
    ids |= {"pad_token_id": pad_id, "decoder_start_token_id": pad_id}
    size = {"vocab_size": len(vocab), "decoder_vocab_size": len(vocab), "max_position_embeddings": 512}
    config = MarianConfig(**size, scale_embedding=True, **(architecture or TINY), **ids)
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    _bias_logits(model, tokenizer, 0, eos_bias)
    model.generation_config = GenerationConfig(  # as Helsinki-NLP/opus-mt-*
        **ids, bad_words_ids=[[pad_id]], max_length=512, num_beams=4, renormalize_logits=True
    )
    with _quiet_transformers():
        model.save_pretrained(out)
    return out


def build_bart(
    out_dir: str | Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 600,
    seed: int = 0,
    eos_bias: float = SUPPRESS_BIAS,
) -> Path:
    """Build a tiny BART summariser and byte-level BPE tokenizer into ``out_dir``."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer, GenerationConfig

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        text_lines(texts),
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    model_json = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model_json["merges"]]
    tokenizer = BartTokenizer(vocab=model_json["vocab"], merges=merges, model_max_length=1024)
    tokenizer.save_pretrained(out)

    ids = {"bos_token_id": 0, "pad_token_id": 1, "eos_token_id": 2, "decoder_start_token_id": 2}
    ids |= {"forced_bos_token_id": 0, "forced_eos_token_id": 2}
    config = BartConfig(vocab_size=len(tokenizer), max_position_embeddings=1024, **TINY, **ids)
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config).eval()
    _bias_logits(model, tokenizer, 2, eos_bias)
    beam = {"num_beams": 4, "length_penalty": 2.0, "no_repeat_ngram_size": 3, "early_stopping": True}
    # as sshleifer/distilbart-cnn-12-6
    model.generation_config = GenerationConfig(**ids, **beam, max_length=142, min_length=56)
    with _quiet_transformers():
        model.save_pretrained(out)
    return out


def build_all(out_dir: str | Path, sample_path: str | Path | None = None) -> dict[str, Path]:  # noqa: F811
    """Build ``fr-en``, ``en-fr`` (Marian) and ``sum-en`` (BART) models under ``out_dir``."""
    out = Path(out_dir)
    french = Path(sample_path or SAMPLE).read_text(encoding="utf-8")
    return {
        "fr-en": build_marian(out / "fr-en", [french], [ENGLISH_TEXT], source_lang="fr", target_lang="en"),
        "en-fr": build_marian(out / "en-fr", [ENGLISH_TEXT], [french], source_lang="en", target_lang="fr"),
        "sum-en": build_bart(out / "sum-en", [ENGLISH_TEXT]),
    }


def write_registry(
    path: str | Path,
    translation: dict[str, str | Path],
    summarisation: dict[str, str | Path] | None = None,
    many: str | Path | None = None,
    **defaults: object,
) -> Path:
    """A models.yaml of trpipe's schema whose entries are the given folders (or hub ids); ``many``: a
    many-to-many model serving every other pair of its languages.

    Decoding is kept small (2 beams, short summaries) so that tests on random weights stay fast.
    """
    import yaml

    data = {
        "version": 1,
        "defaults": {
            "translation": {"num_beams": 2, "max_input_tokens": 128, **defaults},
            "summarisation": {"num_beams": 2, "max_length": 60, "min_length": 10},
        },
        "translation": {pair: {"model": str(folder)} for pair, folder in translation.items()},
        "summarisation": {lang: {"model": str(folder)} for lang, folder in (summarisation or {}).items()},
    }
    if many is not None:
        data["many"] = {"model": str(many)}
    path = Path(path)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Demo:
    """What :func:`build_demo` wrote."""

    folder: Path
    models: dict[str, Path]
    registry: Path
    sample: Path

    def command(self, target: str = "en") -> str:
        """The command that translates the sample with the demo models (``sw``: on the many-to-many route)."""
        import shlex

        return (
            f"TRPIPE_MODELS={shlex.quote(str(self.registry))} trpipe translate "
            f"{shlex.quote(str(self.sample))} --from fr --to {target}"
        )


def build_demo(out_dir: str | Path) -> Demo:
    """Tiny fr-en, en-fr, NLLB-200 and summary models, their registry and the sample article in ``out_dir``.

    The registry names the models by paths relative to itself, so the folder can be moved or copied.
    """
    from trpipe.errors import OutputError

    out = Path(out_dir).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
        sample = Path(shutil.copyfile(SAMPLE, out / SAMPLE_NAME))
        from trpipe.models.demo_many import build_nllb

        models = build_all(out, sample)
        models["nllb"] = build_nllb(out / "nllb")
        registry = write_registry(
            out / "models.yaml",
            {"fr-en": "./fr-en", "en-fr": "./en-fr"},
            {"en": "./sum-en", "*": "./sum-en"},
            many="./nllb",
        )
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the demo models ({exc.strerror or exc})") from None
    return Demo(out.resolve(), models, registry, sample)
