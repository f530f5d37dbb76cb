"""Faults, part 3: a malformed model registry is refused case by case (exit 2, one line naming the file, the
key path and what was expected), before any model or hub is asked."""

from __future__ import annotations

import pytest

from fault_helpers import echo_args, invoke, one_line_error, write_articles
from trpipe.errors import RegistryError
from trpipe.models.registry import load_registry

CASES = {
    # shape
    "defaults-list": ("defaults: [1, 2]\n", "defaults: expected a mapping"),
    "defaults-string": ("defaults: fast\n", "defaults: expected a mapping"),
    "defaults-task-list": ("defaults:\n  translation: [1]\n", "defaults.translation: expected a mapping"),
    "translation-list": ("translation: [a, b]\n", "translation: expected a mapping"),
    "entry-number": ("translation:\n  fr-en: 5\n", "translation.fr-en: expected a mapping"),
    "entry-list": ("translation:\n  fr-en: [a]\n", "translation.fr-en: expected a mapping"),
    "entry-null": ("translation:\n  fr-en:\n", "translation.fr-en: expected a mapping"),
    "no-model": ("translation:\n  fr-en: {num_beams: 2}\n", "translation.fr-en.model: missing"),
    "scalar-file": ("just words\n", "must be a YAML mapping"),
    "list-file": ("- a\n- b\n", "must be a YAML mapping"),
    "empty-file": ("", "is empty"),
    "bad-yaml": ("translation: [unclosed\n", "not valid YAML"),
    "number-key": ("translation:\n  1: org/m\n", "translation.1"),
    # model values
    "model-mapping": ("translation:\n  fr-en: {model: {a: 1}}\n", "translation.fr-en.model: expected a string"),
    "model-empty": ("translation:\n  fr-en: {model: ''}\n", "translation.fr-en.model: expected a non-empty string"),
    "model-not-an-id": (
        "translation:\n  fr-en: {model: 'not a hub id!'}\n",
        "neither a model folder nor a valid hub id",
    ),
    "model-accents": ("translation:\n  fr-en: {model: éé/modèle}\n", "neither a model folder nor a valid hub id"),
    "model-is-a-file": ("translation:\n  fr-en: {model: ./models.yaml}\n", "is a file, not a model folder"),
    # settings
    "beams-zero": (
        "translation:\n  fr-en: {model: org/m, num_beams: 0}\n",
        "num_beams: expected a whole number greater than 0",
    ),
    "beams-word": ("translation:\n  fr-en: {model: org/m, num_beams: four}\n", "num_beams: expected a whole number"),
    "beams-bool": ("translation:\n  fr-en: {model: org/m, num_beams: yes}\n", "num_beams: expected a whole number"),
    "beams-fraction": ("translation:\n  fr-en: {model: org/m, num_beams: 2.5}\n", "num_beams: expected a whole number"),
    "beams-negative": ("defaults:\n  translation: {num_beams: -1}\n", "defaults.translation.num_beams"),
    "ratio-nan": (
        "defaults:\n  translation: {max_new_tokens_ratio: .nan}\n",
        "max_new_tokens_ratio: expected a finite number",
    ),
    "ratio-negative": (  # 0 is allowed: the offset alone bounds the new tokens
        "defaults:\n  translation: {max_new_tokens_ratio: -1}\n",
        "max_new_tokens_ratio: expected a number at least 0",
    ),
    "length-string": ("summarisation:\n  en: {model: org/m, max_length: long}\n", "summarisation.en.max_length"),
    "min-above-max": (
        "summarisation:\n  en: {model: org/m, min_length: 50, max_length: 10}\n",
        "min_length 50 is above max_length 10",
    ),
    "revision-number": ("translation:\n  fr-en: {model: org/m, revision: 1234}\n", "revision: expected a string"),
    "unknown-setting": (
        "translation:\n  fr-en: {model: org/m, num_beam: 2}\n",
        "translation.fr-en.num_beam: unknown key",
    ),
    "unknown-top-key": ("summarization:\n  en: org/m\n", "summarization: unknown key"),
    "version-2": ("version: 2\ntranslation:\n  fr-en: org/m\n", "version: expected 1"),
    # keys
    "pair-words": ("translation:\n  french-english: org/m\n", "translation.french-english: not a language pair"),
    "pair-accents": ("translation:\n  éé-en: org/m\n", "not a language pair"),
    "pair-one-code": ("translation:\n  fr: org/m\n", "translation.fr: not a language pair"),
    "summary-language": ("summarisation:\n  english: org/m\n", "summarisation.english: not a language code"),
    "pair-twice": ("translation:\n  fr-en: org/m\n  FR-EN: org/n\n", "the same pair twice"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_registry_is_named_with_its_key_path(tmp_path, case):
    text, expected = CASES[case]
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    message = str(info.value)
    assert message.startswith(str(path.resolve())), message
    assert expected in message and "\n" not in message
    assert info.value.exit_code == 2


@pytest.mark.parametrize("model", ["./no/such", "a/b/c", "/no/such/dir"])
def test_a_registry_entry_whose_model_folder_is_missing_exits_with_the_model_code(tmp_path, model):
    """The registry itself is fine (the folder may exist on another machine, or later): the run that needs
    the model stops with exit 4, naming it; a run that does not need it is not concerned."""
    path = tmp_path / "models.yaml"
    path.write_text(f"translation:\n  fr-en: {{model: {model}}}\n  de-en: {{model: echo/de-en}}\n", encoding="utf-8")
    load_registry(path)
    (article,) = write_articles(tmp_path / "in", 1)
    needed = invoke("translate", article, "--to", "en", "--from", "fr", "--no-summary", "--no-cache", "--models", path)
    assert needed.exit_code == 4, needed.output
    line = one_line_error(needed.output)
    assert "no such model folder (the registry's model for fr-en)" in line
    assert str((tmp_path / model).resolve() if not model.startswith("/") else model) in line
    german = tmp_path / "de.txt"
    german.write_text("Der Gemeinderat hat den Haushalt beschlossen.\n", encoding="utf-8")
    other = invoke(*echo_args(), german, "--from", "de", "--models", path)
    assert other.exit_code == 0, other.output


@pytest.mark.parametrize("case", ["defaults-list", "model-not-an-id", "beams-word", "unknown-setting"])
def test_the_command_line_refuses_a_malformed_registry_in_one_line(tmp_path, case):
    text, expected = CASES[case]
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    (article,) = write_articles(tmp_path / "in", 1)
    for args in ([*echo_args(), article, "--models", path], ["models", "list", "--models", path]):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert expected in one_line_error(result.output)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a binary file"),
        ("translation:\n  fr-en: org/é\n".encode("latin-1"), "not UTF-8 text"),
        (b"\xff\xfe" + "translation: [\n".encode("utf-16-le"), "not valid YAML"),
        (b"\xff\xfe\x00", "not UTF-16 text"),
    ],
    ids=["png", "latin-1", "utf-16-read-as-yaml", "utf-16-broken"],
)
def test_a_registry_that_is_not_yaml_text_is_refused(tmp_path, content, expected):
    path = tmp_path / "models.yaml"
    path.write_bytes(content)
    with pytest.raises(RegistryError, match=expected):
        load_registry(path)


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "folder"])
def test_a_registry_that_is_a_device_or_a_folder_is_refused(tmp_path, special):
    target = tmp_path if special == "folder" else special
    with pytest.raises(RegistryError) as info:
        load_registry(target)
    assert str(target) in str(info.value) and info.value.exit_code == 2


def test_a_utf16_registry_is_read(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_bytes(b"\xff\xfe" + "translation:\n  fr-en: org/m\n".encode("utf-16-le"))
    assert load_registry(path).translation("fr", "en").model == "org/m"


def test_a_well_formed_registry_normalises_its_keys(tmp_path):
    (tmp_path / "local").mkdir()
    path = tmp_path / "models.yaml"
    path.write_text(
        "version: 1\n"
        "defaults:\n  translation: {num_beams: 2, length_penalty: 1}\n"
        "translation:\n  pt-BR-en: org/pt-en\n  FR-EN: {model: local, num_beams: 3}\n"
        "summarisation:\n  '*': org/sum\n  en_US: org/sum-en\n",
        encoding="utf-8",
    )
    registry = load_registry(path)
    assert registry.pairs() == ["fr-en", "pt-en"]
    spec = registry.translation("fr", "en")
    assert spec.is_local and spec.settings["num_beams"] == 3 and spec.settings["length_penalty"] == 1.0
    assert registry.summariser("en").model == "org/sum-en" and registry.summariser("de").model == "org/sum"


def test_the_shipped_registry_is_valid(monkeypatch):
    monkeypatch.delenv("TRPIPE_MODELS", raising=False)
    assert len(load_registry().pairs()) >= 20
