"""Command-line conventions: environment defaults, log levels, choices, completion, models list --json."""

from __future__ import annotations

import json
import logging

from click.testing import CliRunner

from trpipe.cli import cli

ARTICLE = "Le conseil régional a voté un budget. Les travaux commenceront en 2027.\n"


def test_every_translate_option_has_an_environment_default_shown_in_help():
    result = CliRunner().invoke(cli, ["translate", "--help"], terminal_width=200)
    assert result.exit_code == 0
    from trpipe.cli import translate

    for param in translate.params:
        if param.param_type_name == "option" and param.name not in ("help",):
            assert param.envvar and param.envvar.startswith("TRPIPE_"), param.name
            assert param.envvar in result.output, param.envvar


def test_environment_supplies_options(echo_registry, tmp_path, monkeypatch):
    article = tmp_path / "a.fr.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "a.json"
    env = {
        "TRPIPE_MODELS": str(echo_registry),
        "TRPIPE_TO": "en",
        "TRPIPE_FROM": "fr",
        "TRPIPE_BACKEND": "test-echo",
        "TRPIPE_SUMMARY": "false",
        "TRPIPE_FORMAT": "json",
        "TRPIPE_NO_CACHE": "1",
    }
    result = CliRunner().invoke(cli, ["translate", str(article), "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["target_lang"] == "en" and doc["summary"] is None
    # the command line wins over the environment
    result = CliRunner().invoke(cli, ["translate", str(article), "--to", "en", "--format", "md"], env=env)
    assert result.exit_code == 0 and result.output.startswith("# ")


def test_several_targets_from_the_environment(echo_registry, tmp_path):
    article = tmp_path / "a.fr.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    env = {"TRPIPE_MODELS": str(echo_registry), "TRPIPE_TO": "en fr", "TRPIPE_BACKEND": "test-echo"}
    result = CliRunner().invoke(cli, ["translate", str(article), "--from", "de", "--no-summary", "--format", "json",
                                      "--no-cache"], env=env)  # fmt: skip
    assert result.exit_code == 2  # de-en is not in the echo registry: the targets were read as two languages
    assert "de-en" in result.output


def test_backend_and_device_are_choices():
    runner = CliRunner()
    bad = runner.invoke(cli, ["translate", "x.txt", "--to", "en", "--backend", "nope"])
    assert bad.exit_code == 2 and "auto" in bad.output and "ctranslate2" in bad.output
    bad = runner.invoke(cli, ["translate", "x.txt", "--to", "en", "--device", "gpu"])
    assert bad.exit_code == 2 and "cuda:N" in bad.output
    from click.shell_completion import ShellComplete

    from trpipe.cli import translate

    backend = next(p for p in translate.params if p.name == "backend")
    device = next(p for p in translate.params if p.name == "device")
    assert [c.value for c in backend.type.shell_complete(None, backend, "")] == ["auto", "ctranslate2", "transformers"]
    assert [c.value for c in device.type.shell_complete(None, device, "c")] == ["cpu", "cuda"]
    assert ShellComplete  # completion is Click's: documented in the README


def test_log_level_and_verbose_route_library_messages(echo_registry, tmp_path):
    article = tmp_path / "a.fr.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    from echo_backend import EchoTranslator
    from trpipe.translate.base import register_backend

    @register_backend("test-chatty")
    class Chatty(EchoTranslator):
        def translate_batch(self, texts):
            logging.getLogger("trpipe.test").info("translating %d sentences", len(texts))
            logging.getLogger("somelib").warning("a library warning")
            logging.getLogger("somelib").info("a library detail")
            return super().translate_batch(texts)

    base = ["translate", str(article), "--to", "en", "--from", "fr", "--backend", "test-chatty", "--no-summary",
            "--no-cache", "-q"]  # fmt: skip
    env = {"TRPIPE_MODELS": str(echo_registry)}
    quiet = CliRunner().invoke(cli, base, env=env)
    assert "trpipe: warning: somelib: a library warning" in quiet.stderr
    assert "translating" not in quiet.stderr
    verbose = CliRunner().invoke(cli, [*base, "-v"], env=env)
    assert "trpipe: info: translating 2 sentences" in verbose.stderr
    assert "a library detail" not in verbose.stderr  # libraries stay at warning unless debugging
    errors_only = CliRunner().invoke(cli, [*base, "-v", "--log-level", "error"], env=env)
    assert "translating" not in errors_only.stderr and "library warning" in errors_only.stderr
    debug = CliRunner().invoke(cli, [*base, "--log-level", "debug"], env=env)
    assert "a library detail" in debug.stderr


def test_models_list_json(tmp_path):
    result = CliRunner().invoke(cli, ["models", "list", "--json"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {"task", "key", "model", "cached"} <= set(rows[0])
    assert any(row["key"] == "fr-en" for row in rows)
