"""Shared fixtures: tiny real models built once per session, a registry naming them, a test backend.

The tiny models are real MarianMT / BART models with random weights and tokenizers trained on the
sample article (``trpipe.models.demo``), saved with ``save_pretrained`` and loaded by trpipe's real loading code
through a registry entry, exactly as a hub model would be. Their output is junk, so tests assert on
structure.

Nothing here, nor in any test, may read a path outside the repository: a guard (``repo_guard``) fails a
test that touches a file beside the clone.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from echo_backend import EchoTranslator  # noqa: F401  (registers test-echo)
from object_store import bucket, s3_server  # noqa: F401  (the session's local S3 server)
from ray_cluster import cluster, ray_cluster  # noqa: F401  (the session's multi-node Ray cluster)
from repo_guard import session_guard
from serve_fixtures import served  # noqa: F401  (the session's trpipe serve)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "huawei-brumath.fr.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never touch the network (network tests use 127.0.0.1)
# The translation memory and the Hugging Face home (cache, token) of a test session live in folders of
# their own, never in the user's: no test sees the user's models or credentials.
os.environ["TRPIPE_CACHE_DIR"] = tempfile.mkdtemp(prefix="trpipe-test-cache-")
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="trpipe-test-hf-")
# The checks behave the same whether or not a machine has the FreeDict dictionaries or WordNet installed (the
# tests that read them build small ones of their own).
os.environ["TRPIPE_FREEDICT_DIR"] = ""
os.environ["TRPIPE_WORDNET_DIR"] = ""  # likewise WordNet (wordnet-base)
# The tables trpipe derives from its libraries (simplemma, CLDR, py3langid) are built once for the session.
os.environ["TRPIPE_TABLES_DIR"] = tempfile.mkdtemp(prefix="trpipe-test-tables-")
for _name in ("HF_HUB_CACHE", "HF_TOKEN", "HF_ENDPOINT", "TRPIPE_MODELS"):
    os.environ.pop(_name, None)
GUARD = session_guard(REPO)


@pytest.fixture(autouse=True)
def own_translation_memory(tmp_path_factory, monkeypatch):
    """Each test gets an empty translation memory, so no test sees another's cached sentences."""
    monkeypatch.setenv("TRPIPE_CACHE_DIR", str(tmp_path_factory.mktemp("tm")))


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """The test's own cache folder (translation memory and model conversions), under its tmp_path."""
    monkeypatch.setenv("TRPIPE_CACHE_DIR", str(tmp_path / "trpipe-cache"))
    return tmp_path / "trpipe-cache"


@pytest.fixture(autouse=True)
def stays_inside_the_repository(request):
    """Fails the test that touched a path beside the repository (the suite must pass in a bare clone)."""
    before = len(GUARD.touched)
    yield
    touched = GUARD.touched[before:]
    del GUARD.touched[before:]
    if touched:
        shown = ", ".join(sorted({f"{path} ({event})" for event, path in touched})[:5])
        pytest.fail(f"{request.node.nodeid} used paths outside the repository: {shown}", pytrace=False)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """{'fr-en': folder, 'en-fr': folder, 'sum-en': folder}: tiny models built from the sample."""
    import torch

    from trpipe.models.demo import build_all

    torch.set_num_threads(1)  # tiny models: threads only add contention on a 2-core machine
    return build_all(tmp_path_factory.mktemp("tiny-models"), SAMPLE)


@pytest.fixture(scope="session")
def tiny_registry(tiny_models, tmp_path_factory) -> Path:
    """A registry file whose fr-en, en-fr and English summariser entries are the tiny local models."""
    from trpipe.models.demo import write_registry

    return write_registry(
        tmp_path_factory.mktemp("registry") / "models.yaml",
        {"fr-en": tiny_models["fr-en"], "en-fr": tiny_models["en-fr"]},
        {"en": tiny_models["sum-en"]},
    )


@pytest.fixture
def echo_registry(tmp_path) -> Path:
    """A registry for the test-echo backend (the model names are never loaded)."""
    from trpipe.models.demo import write_registry

    return write_registry(tmp_path / "models.yaml", {"fr-en": "echo/fr-en", "en-fr": "echo/en-fr"})


@pytest.fixture
def echo_run(monkeypatch, echo_registry, tmp_path):
    """``echo_run(*args)``: ``trpipe translate --to en --from fr`` on the test-echo backend, without summary, in
    Click's runner (a cache folder of the test's own)."""
    from click.testing import CliRunner

    from trpipe.cli import cli

    monkeypatch.setenv("TRPIPE_MODELS", str(echo_registry))

    def invoke(*args):
        base = ["translate", "--to", "en", "--from", "fr", "--backend", "test-echo", "--no-summary"]
        return CliRunner().invoke(cli, [*base, "--cache-dir", str(tmp_path / "cache"), *map(str, args)])

    return invoke


@pytest.fixture
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def family_models(tmp_path_factory) -> dict[str, Path]:
    """{'nllb', 'm2m100', 'mbart50', 'madlad': folder}: tiny random many-to-many models shaped like the hub repos
    (``trpipe.models.demo_many``, from the committed copies of the real repos' files).

    Some of those files are RECONSTRUCTED from the hub repositories' files as published, not copied (the hub
    cannot be reached from where they were made): :func:`reconstructed_hubfiles` lists them, as
    ``trpipe/models/hubfiles/SOURCES.tsv`` marks them; a test that relies on one of their values relies on a
    reconstruction."""
    import torch

    from trpipe.models.demo_many import BUILDERS

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("family-models")
    return {name: build(root / name) for name, build in BUILDERS.items()}


def reconstructed_hubfiles() -> list[str]:
    """The hub files (``folder/file``) the tiny many-to-many models are built from that were reconstructed, not
    copied from a published file (``trpipe/models/hubfiles/SOURCES.tsv``)."""
    from trpipe.models.demo_many import HUBFILES

    rows = [line.split("\t") for line in (HUBFILES / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    return [f"{folder}/{name}" for folder, name, status, _ in rows if status == "reconstructed"]


def many_registry(path: Path, many: Path | str, summariser: Path | str | None = None, **extra) -> Path:
    """A registry whose only translation model is the many-to-many ``many`` (and ``summariser`` for every language)."""
    import yaml

    data = {
        "version": 1,
        "defaults": {
            "translation": {"num_beams": 2, "max_input_tokens": 64, "max_new_tokens_ratio": 0.5},
            "summarisation": {"num_beams": 1, "max_length": 20, "min_length": 2},
        },
        "translation": {},
        "many": {"model": str(many)},
        "summarisation": {"*": {"model": str(summariser)}} if summariser else {},
        **extra,
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path
