"""The model registry: the shipped models.yaml, TRPIPE_MODELS, --models, --model, local folders, errors."""

from __future__ import annotations

import pytest

from trpipe.errors import PairError, RegistryError
from trpipe.models.registry import load_registry

REQUIRED_TO_ENGLISH = ["fr", "de", "es", "it", "pt", "nl", "ru", "zh", "ar"]


def test_shipped_registry_lists_the_pairs(monkeypatch):
    monkeypatch.delenv("TRPIPE_MODELS", raising=False)
    registry = load_registry()
    assert registry.translation("fr", "en").model == "Helsinki-NLP/opus-mt-fr-en"
    assert registry.translation("en", "fr").model == "Helsinki-NLP/opus-mt-en-fr"
    for lang in REQUIRED_TO_ENGLISH:
        spec = registry.translation(lang, "en")
        assert spec.model.startswith("Helsinki-NLP/opus-mt-")
        assert spec.revision == "main"
        assert spec.settings["num_beams"] >= 1
        assert spec.settings["max_input_tokens"] <= 512
    assert registry.summariser("en").model == "sshleifer/distilbart-cnn-12-6"
    assert registry.summariser("fr").model == "csebuetnlp/mT5_multilingual_XLSum"


def test_missing_pair_lists_existing_pairs():
    with pytest.raises(PairError) as info:
        load_registry().translation("fr", "xx")
    assert "fr-xx" in str(info.value) and "fr-en" in str(info.value) and "en-fr" in str(info.value)


def test_environment_variable_and_explicit_file(tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text("translation:\n  fr-en: {model: org/my-model, revision: v2, num_beams: 1}\n")
    monkeypatch.setenv("TRPIPE_MODELS", str(path))
    spec = load_registry().translation("fr", "en")
    assert (spec.model, spec.revision, spec.settings["num_beams"]) == ("org/my-model", "v2", 1)
    monkeypatch.setenv("TRPIPE_MODELS", str(tmp_path / "absent.yaml"))
    assert load_registry(path).translation("fr", "en").model == "org/my-model"


def test_local_folders_resolve_relative_to_the_file(tmp_path):
    (tmp_path / "models" / "fr-en").mkdir(parents=True)
    path = tmp_path / "models.yaml"
    path.write_text("translation:\n  fr-en: {model: models/fr-en}\n")
    spec = load_registry(path).translation("fr", "en")
    assert spec.model == str((tmp_path / "models" / "fr-en").resolve())
    assert spec.is_local and spec.revision is None


def test_model_override_replaces_the_model_only(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path)
    registry = load_registry()
    spec = registry.translation("fr", "en", "here")
    assert spec.model == str((tmp_path / "here").resolve())
    assert spec.settings["num_beams"] == registry.translation("fr", "en").settings["num_beams"]
    assert registry.translation("fr", "xx", "org/any").model == "org/any"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("translation: [1, 2]\n", "translation: expected a mapping"),
        ("translation:\n  fr-en: {beams: 2}\n", "translation.fr-en.model: missing"),
        ("a: [b\n", "not valid YAML"),
        ("- just a list\n", "YAML mapping"),
    ],
)
def test_malformed_registry(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


def test_a_registry_checked_before_is_not_parsed_again(tmp_path, monkeypatch):
    """Its text's check is kept between processes (the table cache): the same registry, tables included,
    without PyYAML; the same text in another folder still resolves its local models there, and a changed
    text is parsed and checked again."""
    import yaml

    text = "licences:\n  org/m: cc-by-nc-4.0\ntranslation:\n  fr-en: {model: models/fr-en}\n"
    (tmp_path / "a" / "models" / "fr-en").mkdir(parents=True)
    (tmp_path / "a" / "models.yaml").write_text(text)
    first = load_registry(tmp_path / "a" / "models.yaml")
    monkeypatch.setattr(yaml, "safe_load", lambda _: pytest.fail("parsed again"))
    again = load_registry(tmp_path / "a" / "models.yaml")
    assert again.tables == first.tables == {"licences": {"org/m": "cc-by-nc-4.0"}}
    assert again.translation("fr", "en") == first.translation("fr", "en")
    (tmp_path / "b" / "models" / "fr-en").mkdir(parents=True)
    (tmp_path / "b" / "models.yaml").write_text(text)  # the same text: its models are the ones beside it
    assert load_registry(tmp_path / "b" / "models.yaml").translation("fr", "en").model == str(
        (tmp_path / "b" / "models" / "fr-en").resolve()
    )
    (tmp_path / "a" / "models.yaml").write_text(text + "  en-fr: {model: org/other}\n")
    with pytest.raises(pytest.fail.Exception, match="parsed again"):
        load_registry(tmp_path / "a" / "models.yaml")
