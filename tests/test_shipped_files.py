"""The shipped models.yaml and sample article are found both from a source checkout and from the wheel.

``models.yaml`` and ``samples/`` sit at the repository root and are force-included into the wheel as
``trpipe/models.yaml`` and ``trpipe/samples/`` (pyproject.toml); trpipe.models.registry and
trpipe.models.demo, one folder below ``trpipe/``, look for them in either place.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from trpipe.models import demo, registry

REPO = Path(__file__).resolve().parents[1]


def test_source_checkout_finds_the_root_files(monkeypatch):
    monkeypatch.delenv(registry.ENV_VAR, raising=False)
    assert registry.default_registry_path().resolve() == REPO / "models.yaml"
    assert demo.sample_path().resolve() == REPO / "samples" / demo.SAMPLE_NAME
    loaded = registry.load_registry()
    assert loaded.path.resolve() == REPO / "models.yaml" and loaded.entries["translation"]


# Run with -S and the wheel first on the path: neither the editable install's .pth (src/) nor the
# working directory can supply trpipe, only the unpacked wheel; site-packages supplies the dependencies.
PROBE = """
import json, os, trpipe
from trpipe.models import demo, registry
os.environ.pop(registry.ENV_VAR, None)
print(json.dumps({
    "package": trpipe.__file__,
    "registry": str(registry.default_registry_path()),
    "loaded": str(registry.load_registry().path),
    "pairs": len(trpipe.load_registry().entries["translation"]),
    "sample": str(demo.sample_path()),
}))
"""


def test_wheel_finds_its_packaged_files(tmp_path):
    pytest.importorskip("hatchling", reason="hatchling (the build backend, in the test extra) is not installed")
    dist = tmp_path / "dist"
    # hatchling's PEP 517 hook, as `pip wheel --no-build-isolation` calls it, without pip's start-up cost
    build = "import sys; from hatchling.build import build_wheel; print(build_wheel(sys.argv[1]))"
    built = subprocess.run(
        [sys.executable, "-c", build, str(dist)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    wheel = dist / built.stdout.strip().splitlines()[-1]
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"trpipe/models.yaml", f"trpipe/samples/{demo.SAMPLE_NAME}", "trpipe/models/registry.py"} <= names
        archive.extractall(unpacked)

    site_packages = sysconfig.get_paths()["purelib"]
    env = {k: v for k, v in os.environ.items() if k != registry.ENV_VAR}
    env["PYTHONPATH"] = os.pathsep.join([str(unpacked), site_packages])
    probe = subprocess.run(
        [sys.executable, "-S", "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    found = {key: value if key == "pairs" else Path(value) for key, value in json.loads(probe.stdout).items()}
    package = unpacked / "trpipe"
    assert found["package"] == package / "__init__.py"
    assert found["registry"] == found["loaded"] == package / "models.yaml"
    assert found["pairs"] == len(registry.load_registry(REPO / "models.yaml").entries["translation"])
    assert found["sample"] == package / "samples" / demo.SAMPLE_NAME
