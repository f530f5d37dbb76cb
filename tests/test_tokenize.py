"""The torch-free tokenizers give what the transformers tokenizers give, on the tiny models and on folders
shaped like the real hub repos (opus-mt, mT5, t5, distilbart, bart with tokenizer.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenizer_folders as folders
from trpipe.errors import ModelError
from trpipe.translate.tokenize import load_tokenizer, tokenizer_family

BUILDERS = {
    "opus-mt": folders.opus_mt_folder,
    "opus-mt-multilingual": lambda f: folders.opus_mt_folder(f, language_tokens=True),
    "mt5": folders.mt5_folder,
    "t5": folders.t5_folder,
    "t5-tokenizer-json": folders.t5_json_folder,
    "distilbart": folders.distilbart_folder,
    "bart-tokenizer-json": folders.bart_json_folder,
}
FAMILY = {"opus-mt": "marian", "opus-mt-multilingual": "marian", "mt5": "t5", "t5": "t5", "t5-tokenizer-json": "t5"} | {
    "distilbart": "bart",
    "bart-tokenizer-json": "bart",
}

SENTENCES = [
    "Bonjour à tous.",
    "Le régime chinois a reçu 75 milliards de dollars de subventions publiques.",
    "",
    " ",
    "  deux  espaces   et plus  ",
    "espace\u00a0insécable et\u202fespace fine ; « guillemets »",
    "L'été 2024 : 3,5 % de croissance, 1 234,56 € — vraiment ?",
    "中文新闻报道。東京の天気は晴れです。",
    "Emoji 😀🎉 and flags 🇫🇷, ZWJ 👩‍💻",
    "ﬁ ﬂ ① Ⅻ ｆｕｌｌｗｉｄｔｈ ½ № ™",
    "tab\there\nnewline\r\nand\u2028line separator",
    "Привет, мир! Γειά σου κόσμε. مرحبا بالعالم",
    ">>fra<< Bonjour",
    ">>spa<<Hola",
    "a >>fra<< in the middle",
    "text with </s> and <unk> and <pad> inside",
    "<mask> masked <s> x</s>",
    "x<mask>y <mask> z",
    "<extra_id_0> sentinel <extra_id_99>",
    'Huawei\'s "5G" (équipements) [2019] {x} <tag> & co.',
    "ÉCOLE ÎLE ÇA Œuvre ŒUF ß ẞ",
    "e\u0301 combining acute, A\u030a ring",
    "\u200b zero width \ufeff bom \u00ad soft hyphen",
]
PIECES = [
    "Bonjour",
    "à",
    "régime",
    "75",
    "2024",
    "milliards",
    "l'État",
    "«",
    "»",
    "—",
    "€",
    "中文",
    "東京",
    "😀",
    "👩‍💻",
    "ﬁ",
    "Привет",
    "مرحبا",
    "</s>",
    "<unk>",
    "<pad>",
    "<s>",
    "<mask>",
    ">>fra<<",
    ">>",
    "<<",
    "<extra_id_3>",
    "e\u0301",
    "\u00ad",
]
SEPARATORS = ["", " ", "  ", "\u00a0", "\u202f", "\t", "\n", " \u3000 ", ", ", ". "]
texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet=st.characters(codec="utf-8"), max_size=6)),
    max_size=8,
).flatmap(
    lambda words: st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)).map(
        lambda seps: "".join(s + w for s, w in zip(seps, words))
    )
)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory, tiny_models):
    """{name: (transformers tokenizer, ours)} for the hub-shaped folders and the tiny models."""
    from transformers import AutoTokenizer

    root = tmp_path_factory.mktemp("tokenizers")
    made = {name: build(root / name) for name, build in BUILDERS.items()}
    prefix = root / "bart-prefix-space"
    shutil.copytree(made["distilbart"], prefix)
    (prefix / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 1024, "add_prefix_space": True}))
    made["bart-prefix-space"] = prefix
    made |= {f"tiny-{k}": v for k, v in tiny_models.items()}
    return {name: (AutoTokenizer.from_pretrained(str(f)), load_tokenizer(f)) for name, f in made.items()}


def _check_encoding(hf, ours, text: str) -> None:
    expected = hf(text)["input_ids"]
    encoded = ours.encode_with_offsets(text)
    assert encoded.ids == expected, text
    assert encoded.pieces == hf.convert_ids_to_tokens(expected), text
    assert ours.encode([text]) == [encoded.pieces]
    assert ours.count([text]) == [len(expected)]
    if hf.is_fast:
        assert encoded.offsets == [tuple(o) for o in hf(text, return_offsets_mapping=True)["offset_mapping"]], text
    assert len(encoded.offsets) == len(encoded.ids)
    assert all(0 <= s <= e <= len(text) for s, e in encoded.offsets)


def _check_decoding(hf, ours, ids: list[int]) -> None:
    expected = hf.batch_decode([ids], skip_special_tokens=True)[0]
    assert ours.decode(ids) == expected
    assert ours.decode(hf.convert_ids_to_tokens(ids)) == expected


@pytest.mark.parametrize("name", [*BUILDERS, "bart-prefix-space", "tiny-fr-en", "tiny-en-fr", "tiny-sum-en"])
def test_fixed_sentences_give_the_same_ids_pieces_offsets_and_text(pairs, name):
    hf, ours = pairs[name]
    for text in SENTENCES:
        _check_encoding(hf, ours, text)
        _check_decoding(hf, ours, hf(text)["input_ids"])
    # batches give what single texts give, in order
    assert ours.encode(SENTENCES) == [ours.encode([t])[0] for t in SENTENCES]
    assert ours.decode_batch([hf(t)["input_ids"] for t in SENTENCES]) == [
        hf.batch_decode([hf(t)["input_ids"]], skip_special_tokens=True)[0] for t in SENTENCES
    ]


@pytest.mark.parametrize("name", [*BUILDERS, "bart-prefix-space", "tiny-fr-en", "tiny-sum-en"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_any_text_gives_the_same_ids_and_pieces(pairs, name, text):
    hf, ours = pairs[name]
    _check_encoding(hf, ours, text)
    _check_decoding(hf, ours, hf(text)["input_ids"])


@pytest.mark.parametrize("name", [*BUILDERS, "tiny-fr-en", "tiny-sum-en"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_id_sequence_decodes_to_the_same_text(pairs, name, data):
    hf, ours = pairs[name]
    size = len(hf)
    ids = data.draw(st.lists(st.integers(min_value=0, max_value=size - 1), max_size=20))
    _check_decoding(hf, ours, ids)


@pytest.mark.parametrize("name", [*BUILDERS, "tiny-fr-en", "tiny-sum-en"])
def test_special_tokens_and_limits_match(pairs, name):
    hf, ours = pairs[name]
    assert set(hf.all_special_tokens) <= ours.special_tokens
    for token in hf.all_special_tokens:
        assert ours.piece_id(token) == hf.convert_tokens_to_ids(token)
    assert ours.eos_token == hf.eos_token and ours.pad_token == hf.pad_token and ours.unk_token == hf.unk_token
    assert ours.piece_id(ours.pad_token) == hf.pad_token_id
    limit = hf.model_max_length if hf.model_max_length < 1_000_000 else None
    assert ours.model_max_length == limit
    assert ours.family == FAMILY.get(name, ours.family)


def test_t5_ids_follow_the_t5_convention(pairs):
    hf, ours = pairs["t5"]
    assert ours.piece_id("<pad>") == 0 and ours.piece_id("</s>") == 1 and ours.piece_id("<unk>") == 2
    assert ours.piece_id("<extra_id_0>") == hf.convert_tokens_to_ids("<extra_id_0>") == len(hf) - 1
    _, mt5 = pairs["mt5"]
    assert not any("<extra_id_" in t for t in mt5.special_tokens)  # mT5's tokenizer_config: extra_ids 0
    assert mt5.encode(["Bonjour"])[0][-1] == "</s>"


def test_marian_keeps_a_leading_language_token_whole(pairs):
    _, ours = pairs["opus-mt-multilingual"]
    pieces = ours.encode([">>fra<< Bonjour à tous."])[0]
    assert pieces[0] == ">>fra<<" and pieces[-1] == "</s>"
    assert ours.encode([">>xyz<< Bonjour"])[0][0] == "<unk>"  # a language the model does not know
    encoded = ours.encode_with_offsets(">>fra<< Bonjour")
    assert encoded.offsets[0] == (0, 7)


def test_family_is_chosen_like_auto_tokenizer(tmp_path, pairs):
    folder = folders.opus_mt_folder(tmp_path / "opus")
    assert tokenizer_family(folder) == "marian"  # from config.json's model_type: no tokenizer_class
    (folder / "config.json").write_text(json.dumps({"model_type": "pegasus"}))
    with pytest.raises(ModelError, match=r"no torch-free tokenizer for this model .*'pegasus'.*--backend transformers"):
        load_tokenizer(folder, "google/pegasus-xsum")
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "MarianTokenizer"}))
    assert tokenizer_family(folder) == "marian"  # tokenizer_class first, as AutoTokenizer


@pytest.mark.parametrize(
    ("builder", "file", "damage"),
    [
        ("opus-mt", "source.spm", "truncate"),
        ("opus-mt", "target.spm", "delete"),
        ("opus-mt", "vocab.json", "truncate"),
        ("opus-mt", "vocab.json", "delete"),
        ("opus-mt", "special_tokens_map.json", "truncate"),
        ("mt5", "spiece.model", "truncate"),
        ("mt5", "spiece.model", "garbage"),
        ("t5", "spiece.model", "delete"),
        ("distilbart", "vocab.json", "truncate"),
        ("distilbart", "merges.txt", "delete"),
        ("distilbart", "merges.txt", "garbage"),
        ("bart-tokenizer-json", "tokenizer.json", "truncate"),
    ],
)
def test_a_damaged_file_is_a_model_error_naming_it(tmp_path, builder, file, damage):
    folder = BUILDERS[builder](tmp_path / builder)
    path = folder / file
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])
    else:
        path.write_bytes(b"\x00\xff garbage \x01" * 40 + b"\nx\n")
    with pytest.raises(ModelError) as caught:
        load_tokenizer(folder, "Helsinki-NLP/opus-mt-fr-en")
    message = str(caught.value)
    assert str(path) in message and "trpipe models pull Helsinki-NLP/opus-mt-fr-en" in message
    assert "\n" not in message
    with pytest.raises(ModelError, match="replace the model folder"):
        load_tokenizer(folder, str(folder))  # a local model folder: nothing to pull


NO_TORCH = """
import sys
from trpipe.translate.tokenize import load_tokenizer
for folder in sys.argv[1:]:
    tok = load_tokenizer(folder)
    pieces = tok.encode(["Bonjour à tous."])
    tok.decode(pieces[0]); tok.encode_with_offsets("Bonjour"); tok.count(["x"])
heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
print(",".join(heavy) or "none")
"""


def test_tokenizers_import_neither_torch_nor_transformers(tmp_path, tiny_models):
    made = [str(build(tmp_path / name)) for name, build in BUILDERS.items()]
    made += [str(tiny_models["fr-en"]), str(tiny_models["sum-en"])]
    result = subprocess.run([sys.executable, "-c", NO_TORCH, *made], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "none"
