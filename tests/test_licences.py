"""A model whose licence forbids commercial use (CC BY-NC: NLLB-200, the XLSum summariser) is noted once per run
on stderr, the first time it is loaded, and every document records the licences of the models that made it
(``provenance.licences``); a permissive model is recorded without a notice."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from trpipe.cli import cli

FR = "Le conseil régional a voté le budget mardi. Les travaux commenceront en 2027.\n"


def test_a_non_commercial_model_is_noted_once_per_run_and_recorded(echo_registry, tmp_path):
    data = yaml.safe_load(echo_registry.read_text(encoding="utf-8"))
    data["licences"] = {"echo/fr-en": "cc-by-nc-4.0", "echo/en-fr": "apache-2.0"}
    echo_registry.write_text(yaml.safe_dump(data), encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.fr.txt", "b.fr.txt", "c.fr.txt"):
        (folder / name).write_text(FR, encoding="utf-8")
    args = ["translate", str(folder), "--from", "fr", "--to", "en", "--no-summary", "--no-cache"]
    result = CliRunner().invoke(cli, [*args, "--backend", "test-echo", "-o", str(tmp_path / "out"), "--format", "json"],
                                env={"TRPIPE_MODELS": str(echo_registry)})  # fmt: skip
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("trpipe: note:")]
    assert len(notes) == 1, result.stderr  # three articles, one notice
    assert "echo/fr-en is licensed cc-by-nc-4.0, which forbids commercial use" in notes[0]
    for name in ("a.fr.json", "b.fr.json", "c.fr.json"):
        licences = json.loads((tmp_path / "out" / name).read_text(encoding="utf-8"))["provenance"]["licences"]
        assert licences == {"echo/fr-en": {"licence": "cc-by-nc-4.0", "source": "registry", "non_commercial": True}}


def test_a_permissive_model_is_recorded_without_a_notice(echo_registry, tmp_path):
    from trpipe.session import Session

    data = yaml.safe_load(echo_registry.read_text(encoding="utf-8"))
    data["licences"] = {"echo/fr-en": "apache-2.0"}
    echo_registry.write_text(yaml.safe_dump(data), encoding="utf-8")
    warnings: list[str] = []
    with Session(echo_registry, backend="test-echo", cache=False, on_warning=warnings.append) as session:
        document = session.translate_text(FR, to="en", source_lang="fr", summary=False)
    assert document.provenance["licences"]["echo/fr-en"] == {
        "licence": "apache-2.0",
        "source": "registry",
        "non_commercial": False,
    }
    assert not warnings
