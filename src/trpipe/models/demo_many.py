"""Tiny random-weight many-to-many models shaped like the real hub repos, for a try-out and for the tests.

Each builder starts from the committed copies of the real repo's ``config.json`` and tokenizer files in
``trpipe/models/hubfiles/<repo>/`` (see the README there for where each came from), shrinks only the sizes
(layers, widths, vocabulary), trains a small SentencePiece model on :data:`MULTILINGUAL` and writes the folder as
the hub repo lays it out, so that trpipe loads it through the same code as the real model:

* :func:`build_nllb` - ``facebook/nllb-200-distilled-600M``: ``sentencepiece.bpe.model`` (BPE) and ``tokenizer.json``,
  the 202 FLORES-200 language tokens after the pieces, then ``<mask>``.
* :func:`build_m2m100` - ``facebook/m2m100_418M``: ``vocab.json`` and ``sentencepiece.bpe.model``, ``__xx__`` tokens.
* :func:`build_mbart50` - ``facebook/mbart-large-50-many-to-many-mmt``: ``sentencepiece.bpe.model`` (unigram).
* :func:`build_madlad` - ``google/madlad400-3b-mt``: ``spiece.model`` whose vocabulary holds every ``<2xx>`` token
  of the real one (:func:`madlad_tokens`: 452 languages, and the script, region and task tokens).

As with the Marian demo models (``trpipe.models.demo``), the weights are random: the output is junk, only its
structure is real. Special and language tokens are banned from generation (``bad_words_ids``) and the end token is
never chosen, so a translation runs to its length bound. torch and transformers are imported when a model is built.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

from trpipe.models.demo_text import ENGLISH_TEXT, SAMPLE, _quiet_transformers, text_lines

HUBFILES = Path(__file__).parent / "hubfiles"
NLLB_REPO = "nllb-200-distilled-600M"
M2M100_REPO = "m2m100_418M"
MBART50_REPO = "mbart-large-50-many-to-many-mmt"
MADLAD_REPO = "madlad400-3b-mt"

# Sizes of the tiny models (the rest of each config is the real repo's).
TINY_SIZES = {
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
    "num_hidden_layers": 1,
    "init_std": 0.5,
}
TINY_T5 = {"d_model": 16, "d_kv": 8, "d_ff": 32, "num_layers": 1, "num_decoder_layers": 1, "num_heads": 2}

# A few lines in the scripts the tests and the demo use: the SentencePiece models learn every character.
MULTILINGUAL = """\
Le conseil régional a voté le budget mardi après un long débat.
Serikali ya Kenya imetangaza mpango mpya wa elimu kwa wanafunzi wote nchini.
Rais alisema kwamba uchumi utakua kwa asilimia tano mwaka huu.
قال الرئيس إن الاقتصاد سينمو بنسبة خمسة في المئة هذا العام.
وافق المجلس الإقليمي على الميزانية يوم الثلاثاء بعد نقاش طويل.
地区议会在经过长时间辩论后于星期二通过了预算。
總統說今年經濟將增長百分之五。
東京の天気は晴れです。明日は雨が降るでしょう。
ประธานาธิบดีกล่าวว่าเศรษฐกิจจะเติบโตร้อยละห้าในปีนี้
ប្រធានាធិបតីបាននិយាយថាសេដ្ឋកិច្ចនឹងរីកចម្រើនប្រាំភាគរយនៅឆ្នាំនេះ។
ປະທານາທິບໍດີກ່າວວ່າເສດຖະກິດຈະເຕີບໂຕຫ້າສ່ວນຮ້ອຍໃນປີນີ້
သမ္မတက ဒီနှစ် စီးပွားရေး ငါးရာခိုင်နှုန်း တိုးတက်မယ်လို့ ပြောပါတယ်။
ፕሬዚዳንቱ ኢኮኖሚው በዚህ ዓመት በአምስት በመቶ ያድጋል ብለዋል።
रा्ष्ट्रपति ने कहा कि इस वर्ष अर्थव्यवस्था पांच प्रतिशत बढ़ेगी। ०१२३४५६७८९
Президент заявил, что экономика вырастет на пять процентов в этом году.
הנשיא אמר שהכלכלה תצמח בחמישה אחוזים השנה.
رئیس جمهور گفت اقتصاد امسال پنج درصد رشد خواهد کرد. ۱۲۳۴۵۶۷۸۹۰
صدر نے کہا کہ اس سال معیشت پانچ فیصد بڑھے گی۔
Der Präsident sagte, die Wirtschaft werde in diesem Jahr um fünf Prozent wachsen.
"""


def madlad_tokens() -> list[str]:
    """Every ``<2xx>`` token of the real MADLAD-400 vocabulary (``hubfiles/madlad400-3b-mt/language_tokens.txt``,
    where the list came from is said at its top)."""
    text = (HUBFILES / MADLAD_REPO / "language_tokens.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _texts() -> list[str]:
    return text_lines([SAMPLE.read_text(encoding="utf-8"), ENGLISH_TEXT, MULTILINGUAL])


def _train(vocab_size: int, model_type: str, **ids: Any) -> bytes:
    import sentencepiece as spm

    spm.set_random_generator_seed(0)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_texts()),
        model_writer=buf,
        model_type=model_type,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        byte_fallback=False,
        max_sentence_length=1 << 16,
        num_threads=1,
        minloglevel=2,
        **ids,
    )
    return buf.getvalue()


def _hubfiles(repo: str, out: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """Copy the committed real files of ``repo`` into ``out``; return its config.json."""
    for name in names:
        if (HUBFILES / repo / name).is_file():
            shutil.copyfile(HUBFILES / repo / name, out / name)
    return json.loads((HUBFILES / repo / "config.json").read_text(encoding="utf-8"))


def _bad_words(tokenizer: Any, keep: set[int] = frozenset()) -> list[list[int]]:
    """Every special and language token as a banned sequence (the end token too: outputs run to their bound)."""
    ids = set(tokenizer.all_special_ids) | {i for t, i in tokenizer.get_vocab().items() if _language_token(t)}
    return [[i] for i in sorted(ids - set(keep))]


def _language_token(token: str) -> bool:
    import re

    return bool(re.fullmatch(r"[a-z]{3}_[A-Z][a-z]{3}|__[a-z]{2,3}__|[a-z]{2}_[A-Z]{2}|<2[a-z_A-Z]+>", token))


def _save(model: Any, out: Path, generation: dict[str, Any], bad_words: list[list[int]]) -> None:
    from transformers import GenerationConfig

    model.generation_config = GenerationConfig(**generation, bad_words_ids=bad_words, num_beams=2, max_length=200)
    with _quiet_transformers():
        model.save_pretrained(out)


def _fairseq_model(
    out: Path,
    repo: str,
    tokenizer: Any,
    config_class: Any,
    model_class: Any,
    seed: int,
    extra: int = 0,
    sizes: dict[str, Any] | None = None,
) -> None:
    import torch

    config = _hubfiles(repo, out, ("config.json",))
    config = {k: v for k, v in config.items() if not k.startswith("_") and k != "architectures"}
    config.update(sizes or TINY_SIZES, vocab_size=len(tokenizer) + extra, max_position_embeddings=256)
    torch.manual_seed(seed)
    model = model_class(config_class(**config)).eval()
    generation = {k: config[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id")}
    _save(model, out, generation, _bad_words(tokenizer))


def build_nllb(
    out_dir: str | Path, *, vocab_size: int = 700, seed: int = 0, sizes: dict[str, Any] | None = None
) -> Path:
    """A tiny NLLB-200 model shaped like ``facebook/nllb-200-distilled-600M`` in ``out_dir`` (``sizes``: other
    widths and depths than ``TINY_SIZES``, for the benchmark)."""
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spm_ids = {"unk_id": 0, "bos_id": 1, "eos_id": 2, "pad_id": -1}
    (out / "sentencepiece.bpe.model").write_bytes(_train(vocab_size, "bpe", **spm_ids))
    _hubfiles(NLLB_REPO, out, ("tokenizer_config.json", "generation_config.json"))
    NllbTokenizer.from_pretrained(str(out)).save_pretrained(str(out))  # tokenizer.json, as the hub repo has it
    _hubfiles(NLLB_REPO, out, ("tokenizer_config.json",))  # the repo's own configuration, not a re-save's
    _number_like_fairseq(out / "tokenizer.json")
    tokenizer = NllbTokenizer.from_pretrained(str(out))
    _fairseq_model(out, NLLB_REPO, tokenizer, M2M100Config, M2M100ForConditionalGeneration, seed, sizes=sizes)
    (out / "special_tokens_map.json").unlink(missing_ok=True)
    return out


def _number_like_fairseq(path: Path) -> None:
    """The added tokens of a tokenizer.json numbered as the real NLLB repo's: the 202 language codes right after
    the pieces, then ``<mask>`` (transformers' conversion puts ``<mask>`` first and lists no code)."""
    from trpipe.models.langcodes import NLLB_CODES

    data = json.loads(path.read_text(encoding="utf-8"))
    size = len(data["model"]["vocab"])
    added = [t for t in data["added_tokens"] if t["id"] < size]
    template = {"single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
    added += [{"id": size + i, "content": code, **template} for i, code in enumerate(NLLB_CODES)]
    added.append({"id": size + len(NLLB_CODES), "content": "<mask>", **template, "lstrip": True})
    data["added_tokens"] = added
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def build_m2m100(out_dir: str | Path, *, vocab_size: int = 700, seed: int = 0) -> Path:
    """A tiny M2M100 model shaped like ``facebook/m2m100_418M``: ``vocab.json`` + ``sentencepiece.bpe.model``."""
    import sentencepiece as spm
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    proto = _train(vocab_size, "bpe", unk_id=3, bos_id=0, eos_id=2, pad_id=1)
    (out / "sentencepiece.bpe.model").write_bytes(proto)
    processor = spm.SentencePieceProcessor(model_proto=proto)
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=1), encoding="utf-8")
    _hubfiles(M2M100_REPO, out, ("tokenizer_config.json", "special_tokens_map.json", "generation_config.json"))
    tokenizer = M2M100Tokenizer.from_pretrained(str(out))
    # the real model's vocabulary ends with fairseq's 8 made-up words, after the language tokens
    _fairseq_model(out, M2M100_REPO, tokenizer, M2M100Config, M2M100ForConditionalGeneration, seed, extra=8)
    return out


def build_mbart50(out_dir: str | Path, *, vocab_size: int = 700, seed: int = 0) -> Path:
    """A tiny mBART-50 model shaped like ``facebook/mbart-large-50-many-to-many-mmt``."""
    from transformers import MBart50Tokenizer, MBartConfig, MBartForConditionalGeneration

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spm_ids = {"unk_id": 0, "bos_id": 1, "eos_id": 2, "pad_id": -1}
    (out / "sentencepiece.bpe.model").write_bytes(_train(vocab_size, "unigram", **spm_ids))
    _hubfiles(MBART50_REPO, out, ("tokenizer_config.json", "special_tokens_map.json"))
    tokenizer = MBart50Tokenizer.from_pretrained(str(out))
    _fairseq_model(out, MBART50_REPO, tokenizer, MBartConfig, MBartForConditionalGeneration, seed)
    return out


def build_madlad(out_dir: str | Path, *, vocab_size: int = 1400, seed: int = 0) -> Path:
    """A tiny MADLAD-400 model shaped like ``google/madlad400-3b-mt``: T5 with ``<2xx>`` tokens in ``spiece.model``."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    symbols = madlad_tokens()
    ids = {"unk_id": 0, "pad_id": 1, "eos_id": 2, "bos_id": -1}
    (out / "spiece.model").write_bytes(_train(vocab_size, "unigram", user_defined_symbols=symbols, **ids))
    config = _hubfiles(MADLAD_REPO, out, ("config.json", "tokenizer_config.json", "generation_config.json"))
    tokenizer = T5Tokenizer.from_pretrained(str(out))
    config = {k: v for k, v in config.items() if not k.startswith("_") and k != "architectures"}
    config.update(TINY_T5, vocab_size=len(tokenizer), initializer_factor=5.0)
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(T5Config(**config)).eval()
    generation = {k: config[k] for k in ("eos_token_id", "pad_token_id", "decoder_start_token_id")}
    _save(model, out, generation, _bad_words(tokenizer))
    return out


BUILDERS = {"nllb": build_nllb, "m2m100": build_m2m100, "mbart50": build_mbart50, "madlad": build_madlad}
