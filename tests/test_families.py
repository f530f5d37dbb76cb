"""Many-to-many model families (issue 25): families read from the files, BCP 47 tags mapped to each family's codes,
every FLORES-200 language reachable from and to English, token ids as transformers gives them, routes and their
reasons, one model in memory for several targets, and French→Swahili, Arabic→English, Chinese→English end to end
on tiny random models of each family, on both backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import many_registry, reconstructed_hubfiles
from tiny_models import write_registry
from tokenizer_folders import mt5_folder
from trpipe.cli import cli
from trpipe.errors import PairError
from trpipe.languages import normalize_tag
from trpipe.models import langcodes
from trpipe.models.families import Family, detect
from trpipe.models.registry import load_registry
from trpipe.session import Session
from trpipe.validate import validate_file

NLLB = Family("nllb", langcodes.NLLB_CODES)
M2M100 = Family("m2m100", langcodes.M2M100_CODES)
MBART50 = Family("mbart50", langcodes.MBART50_CODES)
ARTICLES = {
    "fr": "Le conseil régional a voté le budget mardi. Il prévoit 800 000 euros pour les écoles.\n\n"
    "Le maire a salué la décision.",
    "ar": "قال الرئيس إن الاقتصاد سينمو بنسبة خمسة في المئة هذا العام. وافق المجلس على الميزانية.\n\n"
    "دفعت الحكومة ٨٠٠ ألف يورو.",
    "zh": "地区议会在经过长时间辩论后于星期二通过了预算。总统说今年经济将增长百分之五。\n\n政府支付了80万欧元。",
}


# ------------------------------------------------------------------------------------------ codes


@pytest.mark.parametrize(
    ("tag", "nllb", "m2m100", "mbart50"),
    [
        ("fr", "fra_Latn", "fr", "fr_XX"),
        ("zh-Hant", "zho_Hant", None, None),
        ("zh_TW", "zho_Hant", None, None),
        ("zh", "zho_Hans", "zh", "zh_CN"),
        ("sw", "swh_Latn", "sw", "sw_KE"),
        ("ar", "arb_Arab", "ar", "ar_AR"),
        ("fa", "pes_Arab", "fa", "fa_IR"),
        ("prs", "prs_Arab", "fa", "fa_IR"),
        ("ms", "zsm_Latn", "ms", None),
        ("ps", "pbt_Arab", "ps", "ps_AF"),
        ("no", "nob_Latn", "no", None),
        ("pt-BR", "por_Latn", "pt", "pt_XX"),
        ("sr-Latn", None, None, None),
    ],
)
def test_bcp47_tags_map_to_each_familys_codes(tag, nllb, m2m100, mbart50):
    tag = normalize_tag(tag)
    for family, expected in ((NLLB, nllb), (M2M100, m2m100), (MBART50, mbart50)):
        if expected is None:
            with pytest.raises(PairError, match="nearest codes it has"):
                family.code_for(tag, "target", "org/model")
        else:
            assert family.code_for(tag) == expected, (family.name, tag)
    assert M2M100.token("fr") == "__fr__" and Family("madlad", ("fr",)).token("fr") == "<2fr>"


def test_a_code_the_model_lacks_names_the_model_and_its_nearest_codes():
    with pytest.raises(PairError) as caught:
        NLLB.code_for("sr-Latn", "target", "facebook/nllb-200-distilled-600M")
    message = str(caught.value)
    assert "facebook/nllb-200-distilled-600M" in message and "srp_Cyrl" in message and "\n" not in message
    # a source in a script the model does not name is read with its language's code
    assert M2M100.code_for("zh-Hant", "source") == "zh"


def test_every_flores_200_language_is_reachable_from_and_to_english(family_models, tmp_path):
    registry = load_registry(many_registry(tmp_path / "models.yaml", family_models["nllb"]))
    reached = {}
    for code in langcodes.NLLB_CODES:
        tag = normalize_tag(code)  # the BCP 47 tag a user writes: arb_Arab is ar, zho_Hant is zh-Hant
        if tag == "en":
            continue
        into = registry.plan("en", tag, family_of=detect_spec).specs[0]
        out_of = registry.plan(tag, "en", family_of=detect_spec).specs[0]
        assert into.target_token == code and out_of.source_token == code, (code, tag)
        reached[tag] = code
    assert len(reached) == len(langcodes.NLLB_CODES) - 1 == 201


def test_every_madlad_400_language_of_the_real_vocabulary_is_read_and_reachable(family_models, tmp_path):
    """The tiny MADLAD-400 holds every <2xx> token of the real vocabulary (hubfiles/.../language_tokens.txt says
    where the list came from): all 452 languages are read from its spiece.model, each reachable from and to
    English by its BCP 47 tag; script, region, task and noise tokens are no languages."""
    from trpipe.models.demo_many import madlad_tokens

    tokens = madlad_tokens()
    family = detect(family_models["madlad"])
    assert family.name == "madlad" and len(tokens) == 493
    not_languages = {"<2Latn>", "<2Hant>", "<2CA>", "<2translate>", "<2back_translated>", "<2zxx_xx_dtynoise>",
                     "<2en_xx_simple>", "<2>"}  # fmt: skip
    assert {family.token(code) for code in family.codes} == set(tokens) - _non_language_tokens(tokens)
    assert not_languages <= _non_language_tokens(tokens) and len(family.codes) == 452
    registry = load_registry(many_registry(tmp_path / "models.yaml", family_models["madlad"]))
    for code in family.codes:
        tag = family.tag_of(code)  # zh_Hant is zh-Hant, ms_Arab_BN is ms-Arab-BN
        if code == "en":
            continue
        into = registry.plan("en", tag, family_of=detect_spec).specs[0]
        out_of = registry.plan(tag, "en", family_of=detect_spec).specs[0]
        assert into.target_token == f"<2{code}>" and out_of.family == "madlad", (code, tag)
    for tag, code in {
        "sw": "sw",
        "zh-Hant": "zh_Hant",
        "fr-CA": "fr_CA",
        "ber-Latn": "ber_Latn",
        "pt-BR": "pt",
    }.items():
        assert family.code_for(tag) == code, tag


def test_every_hub_file_says_whether_it_is_a_copy_or_a_reconstruction():
    from trpipe.models.demo_many import HUBFILES

    rows = [line.split("\t") for line in (HUBFILES / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()]
    assert rows[0] == ["folder", "file", "status", "source"]
    listed = {f"{folder}/{name}": (status, source) for folder, name, status, source in rows[1:]}
    present = {f"{p.parent.name}/{p.name}" for p in HUBFILES.glob("*/*") if p.is_file()}
    assert set(listed) == present
    assert all(status in ("copy", "reconstructed") and source.strip() for status, source in listed.values())
    assert "madlad400-3b-mt/config.json" in reconstructed_hubfiles()
    assert "madlad400-3b-mt/language_tokens.txt" not in reconstructed_hubfiles()


def _non_language_tokens(tokens: list[str]) -> set[str]:
    import re

    language = re.compile(r"^<2(?!zxx)[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_[A-Z]{2})?>$")  # the documented shape
    return {t for t in tokens if not language.match(t)}


def detect_spec(spec):
    from trpipe.models.families import family_of_spec

    return family_of_spec(spec)


# ------------------------------------------------------------------------------------ families, ids


def test_families_are_read_from_the_files_not_the_name(family_models, tmp_path):
    assert {name: detect(folder).name for name, folder in family_models.items()} == {
        "nllb": "nllb",
        "m2m100": "m2m100",
        "mbart50": "mbart50",
        "madlad": "madlad",
    }
    assert len(detect(family_models["nllb"]).codes) == 202 and len(detect(family_models["m2m100"]).codes) == 100
    # the mT5 summariser is a T5 model too, but its vocabulary has no <2xx> tokens
    assert detect(mt5_folder(tmp_path / "madlad400-named-like-it")).name == "t5"


TEXTS = ["Le conseil régional a voté le budget mardi.", "Rais  alisema kwamba uchumi utakua.", "地区议会通过了预算。"]


@pytest.mark.parametrize(("name", "source"), [("nllb", "fra_Latn"), ("m2m100", "fr"), ("mbart50", "fr_XX")])
def test_token_ids_are_those_of_transformers_tokenizers(family_models, name, source):
    from transformers import AutoTokenizer

    from trpipe.translate.tokenize import load_tokenizer

    folder = family_models[name]
    family = detect(folder)
    reference = AutoTokenizer.from_pretrained(str(folder), src_lang=source)
    mine = load_tokenizer(folder, name)
    for text in TEXTS:
        assert [mine.piece_id(family.token(source)), *mine.encode_ids([text])[0]] == reference(text)["input_ids"]
    for code in (family.codes[0], family.codes[-1]):
        assert mine.piece_id(family.token(code)) == reference.convert_tokens_to_ids(family.token(code))
    ids = [reference.convert_tokens_to_ids(family.token(family.codes[3])), *reference(TEXTS[0])["input_ids"]]
    assert mine.decode(ids) == reference.decode(ids, skip_special_tokens=True) == TEXTS[0]  # no language token


def test_madlad_reads_its_target_token_from_the_input_as_transformers_does(family_models):
    from transformers import AutoTokenizer

    from trpipe.translate.tokenize import load_tokenizer

    folder = family_models["madlad"]
    reference, mine = AutoTokenizer.from_pretrained(str(folder)), load_tokenizer(folder, "madlad")
    for text in TEXTS:
        assert mine.encode_ids(["<2sw> " + text])[0] == reference("<2sw> " + text)["input_ids"]


# ---------------------------------------------------------------------------------------- routes


def test_routes_are_explicit_and_prefer_changes_their_order(family_models, tiny_models, tmp_path):
    path = many_registry(tmp_path / "models.yaml", family_models["nllb"])
    text = path.read_text(encoding="utf-8") + f"\ntranslation:\n  fr-en: {{model: {tiny_models['fr-en']}}}\n"
    path.write_text(text, encoding="utf-8")
    registry = load_registry(path)
    route = registry.plan("fr", "en", family_of=detect_spec)
    assert route.kind == "pair" and "registry pair fr-en" in route.reason
    route = registry.plan("fr", "sw", family_of=detect_spec)
    assert route.kind == "many" and "fra_Latn → swh_Latn" in route.reason
    path.write_text(text + "prefer: [many, pair, pivot]\n", encoding="utf-8")
    assert load_registry(path).plan("fr", "en", family_of=detect_spec).kind == "many"
    path.write_text(text + "prefer: [pair, pivot]\n", encoding="utf-8")
    with pytest.raises(PairError, match="no registry pair fr-sw"):
        load_registry(path).plan("fr", "sw", family_of=detect_spec)


def test_models_list_and_info_show_the_route_and_why(family_models, tmp_path):
    path = many_registry(tmp_path / "models.yaml", family_models["nllb"])
    listed = CliRunner().invoke(cli, ["models", "list", "--models", str(path)])
    assert listed.exit_code == 0, listed.output
    assert "many-to-many" in listed.output and "routes, in order: pair, many, convention, pivot" in listed.output
    info = CliRunner().invoke(cli, ["models", "info", "fr-sw", "--models", str(path)])
    assert info.exit_code == 0, info.output
    fields = dict(line.split(": ", 1) for line in info.output.splitlines() if ": " in line)
    assert fields["route"] == "many" and "fra_Latn → swh_Latn" in fields["why"]
    assert fields["architecture"] == "M2M100ForConditionalGeneration"
    bad = CliRunner().invoke(cli, ["models", "info", "en-sr-Latn", "--models", str(path)])
    assert bad.exit_code != 0 and "srp_Cyrl" in bad.output


# -------------------------------------------------------------------------------------- end to end


@pytest.mark.parametrize(
    ("family", "source", "backend"),
    [
        ("nllb", "fr", "ctranslate2"),
        ("nllb", "ar", "transformers"),
        ("nllb", "zh", "ctranslate2"),
        ("m2m100", "fr", "transformers"),
        ("m2m100", "ar", "ctranslate2"),
    ],
)
def test_articles_end_to_end_with_spans_checks_and_a_summary(
    family_models, tiny_models, tmp_path, backend, family, source
):
    target = "sw" if source == "fr" else "en"
    registry = many_registry(tmp_path / "models.yaml", family_models[family], tiny_models["sum-en"])
    with Session(registry, backend=backend) as session:
        document = session.translate_text(ARTICLES[source], to=target, source_lang=source)
    family_of = detect(family_models[family])
    model = document.provenance["models"]["translation"]
    assert model["route"] == "many-to-many" and model["family"] == family and model["backend"] == backend
    assert model["target_token"] == family_of.token(family_of.code_for(target))
    assert document.provenance["routes"][target]["kind"] == "many"
    codes = {family_of.token(c) for c in family_of.codes}
    for segment in document.segments:
        assert document.source.text[segment.start : segment.end] == segment.text
        for sentence in segment.sentences:
            assert sentence.translation and not any(code in sentence.translation for code in codes)
            assert sentence.score is None or sentence.score < 0.5
    assert document.summary and document.summary[target]
    out = tmp_path / "doc.json"
    from trpipe.render import render

    out.write_text(render(document, "json"), encoding="utf-8")
    assert validate_file(out, summary=True) == []


@pytest.mark.parametrize("family", ["mbart50", "madlad"])
@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_mbart50_and_madlad_translate_on_both_backends(family_models, tmp_path, backend, family):
    registry = many_registry(tmp_path / "models.yaml", family_models[family])
    with Session(registry, backend=backend, cache=False) as session:
        document = session.translate_text(ARTICLES["fr"], to="sw", source_lang="fr", summary=False)
    model = document.provenance["models"]["translation"]
    assert model["family"] == family and model["backend"] == backend
    assert all(s.translation for seg in document.segments for s in seg.sentences)
    assert not any("<2" in (seg.translation or "") or "sw_KE" in (seg.translation or "") for seg in document.segments)


def test_three_targets_load_the_model_once_with_a_memory_key_each(family_models, tmp_path):
    registry = many_registry(tmp_path / "models.yaml", family_models["nllb"])
    with Session(registry, backend="ctranslate2", cache_dir=tmp_path / "cache") as session:
        document = session.translate_text(ARTICLES["fr"], to=["en", "de", "sw"], source_lang="fr", summary=False)
        assert len(session.models._models) == 1 and session.models.loads == 1
        keys = {t.key for t in session.models.translators()}
        assert len(keys) == 3  # the translation memory keeps each target's sentences apart
        again = session.translate_text(ARTICLES["fr"], to=["en", "de", "sw"], source_lang="fr", summary=False)
    tokens = {t: document.provenance["models"]["translations"][t]["target_token"] for t in ("en", "de", "sw")}
    assert tokens == {"en": "eng_Latn", "de": "deu_Latn", "sw": "swh_Latn"}
    assert [s.translations for seg in again.segments for s in seg.sentences] == [
        s.translations for seg in document.segments for s in seg.sentences
    ]


def test_model_option_accepts_a_many_to_many_model(family_models, tiny_models, tmp_path):
    registry = write_registry(tmp_path / "models.yaml", {"fr-en": tiny_models["fr-en"]})
    with Session(registry, backend="ctranslate2", cache=False, model=str(family_models["m2m100"])) as session:
        document = session.translate_text(ARTICLES["fr"], to="sw", source_lang="fr", summary=False)
    assert document.provenance["models"]["translation"]["target_token"] == "__sw__"
    assert document.provenance["routes"]["sw"]["kind"] == "many"


def test_cli_run_on_a_many_to_many_route(family_models, tiny_models, tmp_path):
    registry = many_registry(tmp_path / "models.yaml", family_models["nllb"], tiny_models["sum-en"])
    article = tmp_path / "habari.fr.txt"
    article.write_text(ARTICLES["fr"], encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "translate",
            str(article),
            "--from",
            "fr",
            "--to",
            "sw",
            "--models",
            str(registry),
            "-o",
            str(tmp_path / "o.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert doc["provenance"]["routes"]["sw"]["kind"] == "many" and doc["target_lang"] == "sw"


# ------------------------------------------------------------------------------------- detection


def test_a_script_outside_the_detector_is_an_error_that_suggests_from(family_models, tmp_path):
    from trpipe.errors import InputError

    registry = many_registry(tmp_path / "models.yaml", family_models["nllb"])
    with Session(registry, backend="ctranslate2", cache=False) as session:
        with pytest.raises(InputError, match=r"Tifinagh script.*pass --from"):
            session.translate_text("ⵜⴰⵎⴰⵣⵉⵖⵜ ⵜⴰⵏⴰⵡⴰⵢⵜ ⵜⴰⵎⵙⵙⵓⵔⵜ ⵜⴰⵎⴰⵣⵉⵖⵜ", to="en", summary=False)
        document = session.translate_text("ⵜⴰⵎⴰⵣⵉⵖⵜ ⵜⴰⵏⴰⵡⴰⵢⵜ", to="en", source_lang="tzm", summary=False)
        assert document.provenance["models"]["translation"]["source_token"] == "tzm_Tfng"


def test_a_many_to_many_route_is_never_chosen_from_an_unsure_guess(family_models, tmp_path):
    from trpipe.errors import InputError

    registry = many_registry(tmp_path / "models.yaml", family_models["nllb"])
    with Session(registry, backend="ctranslate2", cache=False) as session:
        # detected as Indonesian (0.55): sure enough for an opus-mt pair (0.50), not for a many-to-many model
        with pytest.raises(InputError, match=r"detected as id \(0\.\d\d\).*too unsure a guess.*pass --from"):
            session.translate_text("Hotel di kota.", to="sw", summary=False)
        sure = session.translate_text(ARTICLES["fr"], to="sw", summary=False)  # French, detected firmly
        assert sure.source.lang == "fr" and sure.provenance["models"]["translation"]["source_token"] == "fra_Latn"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("prefer: [pair, bogus]\n", "prefer.1: expected 'pair', 'many', 'convention' or 'pivot'"),
        ("prefer: [pair, pair]\n", "a route named twice"),
        ("many: {model: org/m, beams: 4}\n", "many.beams: unknown key"),
        ("many: {model: ./no-such-folder}\n", "many.model"),
    ],
)
def test_a_malformed_many_or_prefer_is_a_one_line_registry_error(tmp_path, extra, message):
    from trpipe.errors import RegistryError

    path = tmp_path / "models.yaml"
    path.write_text("version: 1\ntranslation: {}\n" + extra, encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert message in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


def test_a_many_to_many_run_on_a_converted_model_imports_no_torch(family_models, tmp_path):
    import shutil

    from test_no_torch import run_trpipe
    from trpipe.models.registry import load_registry
    from trpipe.translate.base import load_translator

    folder = shutil.copytree(family_models["nllb"], tmp_path / "nllb")
    registry = many_registry(tmp_path / "models.yaml", folder)
    load_translator(load_registry(registry).many_spec(), "ctranslate2").close()  # converted in this process
    article = tmp_path / "habari.fr.txt"
    article.write_text(ARTICLES["fr"], encoding="utf-8")
    out = tmp_path / "out.json"
    command = ["translate", article, "--from", "fr", "--to", "ha", "--to", "ar", "--no-summary", "--models", registry]
    report, _ = run_trpipe(*command, "-o", out, "-q")
    assert (report["code"], report["heavy"]) == (0, [])
    assert json.loads(out.read_text(encoding="utf-8"))["provenance"]["routes"]["ar"]["kind"] == "many"
