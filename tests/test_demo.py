"""``trpipe models demo DIR``: the offline try-out works from the installed package alone."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from trpipe.cli import cli
from trpipe.validate import validate_file


def test_models_demo_builds_a_registry_that_runs_the_whole_flow(tmp_path, monkeypatch):
    runner = CliRunner()
    built = runner.invoke(cli, ["models", "demo", str(tmp_path / "demo")])
    assert built.exit_code == 0, built.output
    listed = dict(line.split("\t") for line in built.stdout.splitlines())
    assert set(listed) == {"fr-en", "en-fr", "sum-en", "nllb", "registry", "sample"}
    assert "junk" in built.stderr and "TRPIPE_MODELS=" in built.stderr

    # The folder stands alone: moved elsewhere, its registry still finds its models.
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "demo", moved)
    monkeypatch.setenv("TRPIPE_MODELS", str(moved / "models.yaml"))
    out = tmp_path / "out.json"
    run = runner.invoke(
        cli, ["translate", str(moved / "huawei-brumath.fr.txt"), "--from", "fr", "--to", "en", "-o", str(out), "-q"]
    )
    assert run.exit_code == 0, run.output
    assert validate_file(out, summary=True, min_segments=15) == []
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["provenance"]["models"]["translation"]["model"] == str((moved / "fr-en").resolve())
    assert doc["provenance"]["models"]["summary"]["model"] == str((moved / "sum-en").resolve())

    # The tiny NLLB-200 model is the registry's many-to-many entry: French to Swahili, offline.
    info = runner.invoke(cli, ["models", "info", "fr-sw"])
    assert info.exit_code == 0 and "route: many" in info.output and "fra_Latn → swh_Latn" in info.output
    out = tmp_path / "out.sw.json"
    run = runner.invoke(
        cli, ["translate", str(moved / "huawei-brumath.fr.txt"), "--from", "fr", "--to", "sw", "-o", str(out), "-q"]
    )
    assert run.exit_code == 0, run.output
    assert validate_file(out, summary=True, min_segments=15) == []
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["provenance"]["models"]["translation"]["model"] == str((moved / "nllb").resolve())
    assert doc["provenance"]["routes"]["sw"]["kind"] == "many"


def test_models_demo_into_an_unwritable_place(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["models", "demo", str(blocker / "demo")])
    assert result.exit_code == 2 and "cannot write the demo models" in result.output
    assert "Traceback" not in result.output
