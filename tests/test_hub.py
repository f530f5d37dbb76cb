"""Downloads as huggingface_hub does them: a local fake hub, a proxy, a silent endpoint, an interrupted download.

Every server here listens on 127.0.0.1 (``fakehub``); waits are cut to a second or two so that the
tests stay fast. The models are the suite's tiny ones, laid out like the real repos: opus-mt and
distilbart have only ``pytorch_model.bin`` on their main branch (plus weights for other frameworks
that trpipe must not fetch), distilbart has no generation_config.json.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakehub import FakeHub, RecordingProxy, Repo, SilentServer, repo_from_folder
from trpipe.cli import cli
from trpipe.errors import ModelError
from trpipe.models import download
from trpipe.models.demo import write_registry
from trpipe.models.hub import ensure_snapshot, model_available, model_identity
from trpipe.models.hubcache import repo_folder, snapshot
from trpipe.models.registry import ModelSpec
from trpipe.translate.base import load_translator

OTHER_FRAMEWORKS = {"tf_model.h5": b"h5" * 64, "rust_model.ot": b"ot" * 64, "flax_model.msgpack": b"fx" * 64}
FR_EN, EN_FR, SUMMARY = "Helsinki-NLP/opus-mt-fr-en", "Helsinki-NLP/opus-mt-en-fr", "sshleifer/distilbart-cnn-12-6"
ARTICLE = (
    "Le conseil régional vote une subvention.\n\n"
    "La région a voté mardi une subvention de 800 000 euros pour une entreprise chinoise. "
    "Les élus de l'opposition ont dénoncé une décision prise sans débat.\n\n"
    "Le président de la région a défendu un projet qui doit créer des emplois.\n"
)


def bin_only(folder: Path, out: Path, drop: tuple[str, ...] = ()) -> Path:
    """A copy of a tiny model with its weights as ``pytorch_model.bin`` only (as on opus-mt's main branch)."""
    import torch
    from safetensors.torch import load_file

    shutil.copytree(folder, out, ignore=shutil.ignore_patterns("model.safetensors", "ctranslate2-*", *drop))
    torch.save(load_file(folder / "model.safetensors"), out / "pytorch_model.bin")
    return out


@pytest.fixture(scope="module")
def repos(tiny_models, tmp_path_factory) -> dict[str, Repo]:
    root = tmp_path_factory.mktemp("repos")
    fr_en = bin_only(tiny_models["fr-en"], root / "fr-en")
    both = root / "both"
    shutil.copytree(fr_en, both)
    shutil.copy(tiny_models["fr-en"] / "model.safetensors", both)
    return {
        FR_EN: repo_from_folder(fr_en, FR_EN, {**OTHER_FRAMEWORKS, "onnx/model.onnx": b"x" * 99}, "apache-2.0"),
        EN_FR: repo_from_folder(bin_only(tiny_models["en-fr"], root / "en-fr"), EN_FR, licence="apache-2.0"),
        SUMMARY: repo_from_folder(
            bin_only(tiny_models["sum-en"], root / "sum", drop=("generation_config.json",)),
            SUMMARY,
            OTHER_FRAMEWORKS,
            "apache-2.0",
        ),
        "trpipe-tests/both-weights": repo_from_folder(both, "trpipe-tests/both-weights"),
        "trpipe-tests/non-commercial": repo_from_folder(
            fr_en, "trpipe-tests/non-commercial", licence="cc-by-nc-sa-4.0"
        ),
    }


@pytest.fixture
def hub(repos):
    server = FakeHub()
    server.repos.update(repos)
    yield server
    server.close()


@pytest.fixture
def online(hub, tmp_path, monkeypatch):
    """The environment of a connected machine whose hub is ``hub``, with an empty cache and short waits."""
    from huggingface_hub import close_session, constants

    for var in download._PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "2")
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "2")
    download._REMOTE.clear()
    yield tmp_path / "hub-cache"
    download._REMOTE.clear()
    constants.HF_HUB_OFFLINE = True  # as the rest of the suite runs (conftest)
    close_session()


def spec(repo_id: str, task: str = "translation") -> ModelSpec:
    return ModelSpec(task, "fr-en", repo_id, "main", {"num_beams": 1, "max_input_tokens": 64})


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_a_download_fetches_one_copy_of_the_weights_and_nothing_for_other_frameworks(online, hub, repos):
    done = ensure_snapshot(spec(FR_EN), bar=False)
    assert done.complete and done.commit == repos[FR_EN].commit
    assert files_in(done.folder) == set(repos[FR_EN].files) - set(OTHER_FRAMEWORKS) - {"onnx/model.onnx"}
    fetched = {p.rsplit("/", 1)[1] for p in hub.paths("GET") if "/resolve/" in p}
    assert "pytorch_model.bin" in fetched and not fetched & {*OTHER_FRAMEWORKS, "model.onnx"}
    assert (repo_folder(FR_EN) / "refs" / "main").read_text() == done.commit

    both = ensure_snapshot(spec("trpipe-tests/both-weights"), bar=False)
    assert "model.safetensors" in files_in(both.folder) and "pytorch_model.bin" not in files_in(both.folder)


def test_a_complete_snapshot_loads_with_no_request_and_no_background_conversion(online, hub, repos, monkeypatch):
    """transformers converts .bin-only repos to safetensors in a thread, unless trpipe keeps it from starting."""
    ensure_snapshot(spec(FR_EN), bar=False)
    hub.requests.clear()
    started: list[str] = []
    original = threading.Thread.start

    def start(self):
        started.append(self.name)
        return original(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    translator = load_translator(spec(FR_EN), "transformers", device="cpu")
    assert translator.translate_batch(["Bonjour à tous."])[0]
    assert translator.describe()["commit"] == repos[FR_EN].commit
    assert hub.requests == []  # no discussion, no safetensors probe, nothing
    assert not [name for name in started if "conversion" in name.lower()]
    from transformers.utils.import_utils import is_env_variable_true

    assert is_env_variable_true("DISABLE_SAFETENSORS_CONVERSION")  # transformers' own switch, for any other path


def _interrupt(repo_id: str, missing: str) -> Path:
    """Leave the cache as a download killed while fetching ``missing`` leaves it."""
    found = snapshot(repo_id, "main")
    blob = (found.folder / missing).resolve()
    (found.folder / missing).unlink()
    blob.unlink()
    (blob.parent / f"{blob.name}.1a2b3c4d.incomplete").write_bytes(b"\0" * 100)  # the partial file left behind
    return found.folder


@pytest.mark.parametrize("listing", [True, False], ids=["listing", "no-listing"])
def test_an_incomplete_snapshot_is_named_then_resumed(online, hub, repos, monkeypatch, listing):
    ensure_snapshot(spec(FR_EN), bar=False)
    folder = _interrupt(FR_EN, "pytorch_model.bin")
    if not listing:  # a cache made by other means than huggingface_hub's snapshot_download
        shutil.rmtree(repo_folder(FR_EN) / "trees", ignore_errors=True)  # (older huggingface_hubs keep none)
    state = snapshot(FR_EN)
    assert not state.complete and "pytorch_model.bin" in " ".join(state.missing) and state.partial == 1

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as offline:
        load_translator(spec(FR_EN), "transformers", device="cpu")
    message = str(offline.value)
    assert "incomplete" in message and "pytorch_model.bin" in message and str(folder) in message
    assert f"trpipe models pull {FR_EN}" in message
    assert model_identity(spec(FR_EN)) == f"commit:{repos[FR_EN].commit}"  # what the resumed run will use

    monkeypatch.delenv("HF_HUB_OFFLINE")
    hub.requests.clear()
    translator = load_translator(spec(FR_EN), "transformers", device="cpu")
    assert translator.translate_batch(["Bonjour."])[0]
    fetched = [p.rsplit("/", 1)[1] for p in hub.paths("GET") if "/resolve/" in p]
    assert fetched == ["pytorch_model.bin"]  # the files already there are kept
    assert snapshot(FR_EN).complete


def test_an_interrupted_download_whose_commit_left_the_hub_takes_the_current_one(online, hub, repos):
    ensure_snapshot(spec(EN_FR), bar=False)
    _interrupt(EN_FR, "pytorch_model.bin")
    hub.repos[EN_FR] = Repo("f" * 40, dict(repos[EN_FR].files), repos[EN_FR].card)  # main was rewritten
    done = ensure_snapshot(spec(EN_FR), bar=False)
    assert done.complete and done.commit == "f" * 40
    assert (repo_folder(EN_FR) / "refs" / "main").read_text() == "f" * 40


def test_the_fix_is_named_when_the_hub_cannot_complete_a_snapshot(online, hub, monkeypatch):
    ensure_snapshot(spec(SUMMARY, "summarisation"), bar=False)
    _interrupt(SUMMARY, "pytorch_model.bin")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    download._REMOTE.clear()
    with pytest.raises(ModelError) as failed:
        ensure_snapshot(spec(SUMMARY, "summarisation"))
    message = str(failed.value)
    assert "incomplete in the Hugging Face cache" in message and "cannot be reached" in message
    assert f"trpipe models pull {SUMMARY}" in message


def test_downloads_go_through_the_proxy(online, hub, repos, monkeypatch):
    proxy = RecordingProxy()
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "")
        done = ensure_snapshot(spec(EN_FR), bar=False)
    finally:
        proxy.close()
    assert done.complete
    assert any(line.startswith(f"GET {hub.url}/api/models/{EN_FR}/revision/main") for line in proxy.requests)
    assert any(line.startswith(f"GET {hub.url}/{EN_FR}/resolve/") for line in proxy.requests)
    assert len(hub.requests) == len(proxy.requests)  # the hub saw nothing that did not pass the proxy


def test_https_goes_through_connect_and_a_refusing_proxy_is_named(online, monkeypatch):
    proxy = RecordingProxy()
    try:
        monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["models", "pull", FR_EN])
        elapsed = time.monotonic() - started
    finally:
        proxy.close()
    assert proxy.requests and proxy.requests[0].startswith("CONNECT hub.invalid:443 ")
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert f"the proxy {proxy.url}" in result.output and "https://hub.invalid" in result.output
    assert elapsed < 10


def test_a_silent_endpoint_is_an_error_within_the_timeout(online, monkeypatch, tmp_path):
    silent = SilentServer()
    try:
        monkeypatch.setenv("HF_ENDPOINT", silent.url)
        monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "1")
        monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "1")
        started = time.monotonic()
        with pytest.raises(ModelError) as failed:
            ensure_snapshot(spec(FR_EN))
        assert time.monotonic() - started < 6
        assert f"{silent.url} did not answer within 1 s" in str(failed.value)
        assert f"trpipe models pull {FR_EN}" in str(failed.value)

        # huggingface_hub's own calls that set no timeout are bounded too (trpipe's request hook)
        from huggingface_hub import HfApi

        download.prepare()
        started = time.monotonic()
        with pytest.raises(Exception, match="(?i)timed? ?out"):
            HfApi(endpoint=silent.url).list_repo_refs(FR_EN)
        assert time.monotonic() - started < 6

        registry = write_registry(tmp_path / "m.yaml", {"fr-en": FR_EN})
        article = tmp_path / "a.fr.txt"
        article.write_text(ARTICLE, encoding="utf-8")
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["translate", str(article), "--to", "en", "--from", "fr", "--no-summary",
                                          "--models", str(registry), "-o", str(tmp_path / "out.json")])  # fmt: skip
        assert time.monotonic() - started < 15
        assert result.exit_code == 4 and "did not answer within 1 s" in result.output
        assert "Traceback" not in result.output and not (tmp_path / "out.json").exists()
    finally:
        silent.close()


def test_model_identity_names_the_commit_a_download_will_fetch(online, hub, repos, monkeypatch):
    assert model_identity(spec(FR_EN)) == f"commit:{repos[FR_EN].commit}"
    assert model_available(spec(FR_EN)) and not model_available(spec("trpipe-tests/no-such-model"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    download._REMOTE.clear()
    assert model_identity(spec(EN_FR)) == "commit:uncached@main"
    assert not model_available(spec(EN_FR))


def test_the_second_run_skips_every_current_output(online, hub, repos, tmp_path):
    """First run: an empty cache, every model downloaded. Second run: nothing asked of the hub, all skipped."""
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": FR_EN, "en-fr": EN_FR}, {"en": SUMMARY})
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("a.fr.txt", "b.fr.txt"):
        (inputs / name).write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    args = ["translate", str(inputs), "--to", "en", "--from", "fr", "--backend", "transformers", "--models",
            str(registry), "--format", "json", "-o", str(out), "--summary-sentences", "1"]  # fmt: skip

    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert {FR_EN, EN_FR, SUMMARY} <= {p.split("/resolve/")[0][1:] for p in hub.paths("GET") if "/resolve/" in p}
    docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in out.iterdir()}
    assert len(docs) == 2
    for doc in docs.values():
        models = doc["provenance"]["models"]
        assert models["translation"]["commit"] == repos[FR_EN].commit
        assert models["summary"]["commit"] == repos[SUMMARY].commit
        assert models["back_translation"]["commit"] == repos[EN_FR].commit
    written = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    hub.requests.clear()
    download._REMOTE.clear()  # a new process would know nothing either
    second = CliRunner().invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert "2 skipped (current)" in second.output
    assert hub.requests == []
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == written


def test_models_pull_without_a_name_fetches_the_whole_job(online, hub, repos, tmp_path):
    registry = write_registry(tmp_path / "m.yaml", {"fr-en": FR_EN, "en-fr": EN_FR}, {"en": SUMMARY})
    runner = CliRunner()
    planned = runner.invoke(cli, ["models", "pull", "--dry-run", "--models", str(registry)])
    assert planned.exit_code == 0, planned.output
    lines = planned.output.splitlines()
    assert [line.split(":")[0] for line in lines] == ["translation fr-en", "summary en", "summary translation en-fr"]
    assert all("files to download" in line and "kB" in line for line in lines)
    assert not [p for p in hub.paths("GET") if "/resolve/" in p]  # a dry run downloads nothing

    pulled = runner.invoke(cli, ["models", "pull", "--models", str(registry), "-q"])
    assert pulled.exit_code == 0, pulled.output
    for repo_id in (FR_EN, EN_FR, SUMMARY):
        assert snapshot(repo_id).complete
        assert f"trpipe: downloading {repo_id}@main (commit {repos[repo_id].commit[:12]})" in pulled.output
    assert "apache-2.0" in pulled.output and "3 model(s) ready" in pulled.output

    again = runner.invoke(cli, ["models", "pull", "--models", str(registry), "--no-summary", "-q"])
    assert again.exit_code == 0 and "downloading" not in again.output
    assert again.output.count("->") == 1  # only the translation model without the summary


def test_licences_from_the_card_and_the_registry(online, hub, tmp_path):
    registry = tmp_path / "m.yaml"
    write_registry(registry, {"fr-en": FR_EN, "de-en": "trpipe-tests/non-commercial"})
    runner = CliRunner()
    info = runner.invoke(cli, ["models", "info", "de-en", "--models", str(registry)])
    assert info.exit_code == 0, info.output
    assert "on_this_machine: no" in info.output and "licence: cc-by-nc-sa-4.0" in info.output
    assert "non_commercial: yes" in info.output

    assert runner.invoke(cli, ["models", "pull", "de-en", "--models", str(registry), "-q"]).exit_code == 0
    listed = runner.invoke(cli, ["models", "list", "--models", str(registry)]).output.splitlines()
    (line,) = [line for line in listed if "trpipe-tests/non-commercial" in line]
    assert line.startswith("* translation") and line.endswith("cc-by-nc-sa-4.0 (non-commercial)")
    rows = [
        json.loads(r)
        for r in runner.invoke(cli, ["models", "list", "--json", "--models", str(registry)]).output.splitlines()
    ]
    row = next(r for r in rows if r["key"] == "de-en")
    assert (row["licence"], row["licence_source"], row["non_commercial"]) == ("cc-by-nc-sa-4.0", "model card", True)
    assert next(r for r in rows if r["key"] == "fr-en")["state"] == "missing"
