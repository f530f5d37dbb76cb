"""The service reaches the many-to-many languages as the command line does: ``GET /languages`` lists the
``many:`` model's languages with every other one as a target (beside the registry's pairs), and ``/translate``
and ``/v1/translate`` route a pair through the same routing (``prefer``) as ``trpipe translate``, on the tiny
NLLB-200 model (random weights: the tests assert on routes, tokens and shapes, never on wording)."""

from __future__ import annotations

import httpx
import pytest
import yaml

from conftest import many_registry
from serve_fixtures import LocalServer

FR = "Le conseil régional a voté le budget mardi. Les travaux commenceront en 2027."


@pytest.fixture(scope="module")
def server(family_models, tiny_models, tmp_path_factory):
    from trpipe.serve import ServeSettings

    folder = tmp_path_factory.mktemp("serve-many")
    registry = many_registry(folder / "models.yaml", family_models["nllb"])
    data = yaml.safe_load(registry.read_text(encoding="utf-8"))
    data["translation"] = {"fr-en": {"model": str(tiny_models["fr-en"])}}  # a registry pair beside many:
    registry.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = ServeSettings(models_file=str(registry), backend="ctranslate2", cache=False, summary=False,
                             state_dir=folder / "state", cache_dir=str(folder / "cache"))  # fmt: skip
    running = LocalServer(settings)
    try:
        yield running
    finally:
        running.stop()


def test_languages_lists_the_many_to_many_models_languages(server):
    from trpipe.models.families import family_of_spec

    listed = {entry["code"]: entry for entry in httpx.get(f"{server.url}/languages", timeout=60).json()}
    family = family_of_spec(server.service.session.registry.many_spec())
    assert len(listed) >= len(family.codes) * 0.9  # every FLORES-200 language (a few codes share a tag)
    for code in ("fr", "en", "sw", "ar", "zh", "zh-Hant", "ha", "am", "my", "km"):
        assert code in listed, code
    assert listed["sw"]["name"] == "Swahili"
    assert {"fr", "en", "ar", "zh-Hant"} <= set(listed["sw"]["targets"]) and "sw" not in listed["sw"]["targets"]
    assert "prs" in listed  # Dari: listed by a code that reads back as itself (prs, not fa-AF)


def test_translate_routes_a_many_to_many_pair_as_the_command_line_does(server):
    session = server.service.session
    answer = httpx.post(f"{server.url}/translate", json={"q": FR, "source": "fr", "target": "sw"}, timeout=120)
    assert answer.status_code == 200, answer.text
    assert isinstance(answer.json()["translatedText"], str)
    assert session.models.plan("fr", "sw", session.settings_for("sw")).kind == "many"
    assert session.models.plan("fr", "en", session.settings_for("en")).kind == "pair"  # prefer: pair first
    # a script the model names (zh-Hant), and a tag read by its language (sw-KE is sw)
    for target in ("zh-Hant", "sw-KE"):
        answer = httpx.post(f"{server.url}/translate", json={"q": FR, "source": "fr", "target": target}, timeout=120)
        assert answer.status_code == 200, answer.text
    refused = httpx.post(f"{server.url}/translate", json={"q": FR, "source": "fr", "target": "tlh"}, timeout=60)
    assert refused.status_code == 400 and "tlh is not supported" in refused.json()["error"]
    # one loaded NLLB model for every pair, one queue per pair (a batch never mixes target languages)
    loaded = [key for key in session.models._models if key[0] == str(server.service.session.registry.many_spec().model)]
    assert len(loaded) == 1
    names = {queue.name for queue in server.service.batcher.queues}
    assert {"fr-sw", "fr-zh-Hant"} <= names


def test_v1_translate_records_the_many_to_many_route(server):
    answer = httpx.post(f"{server.url}/v1/translate", json={"text": FR, "from": "fr", "to": "sw"}, timeout=120)
    assert answer.status_code == 200, answer.text
    provenance = answer.json()["provenance"]
    assert provenance["routes"]["sw"]["kind"] == "many"
    assert provenance["models"]["translation"]["target_token"] == "swh_Latn"


def test_the_list_uses_the_codes_clients_know_and_each_reaches_its_own_model_language(server):
    """LibreTranslate's clients compare their codes with the list (Weblate, Mastodon, Discourse): Korean is
    ``ko`` (not ``ko-Hang``), Pashto ``ps`` (not ``pbt-Arab``), Tagalog ``tl``; every listed code routes to a
    model language of its own, and the tags trpipe writes for them are still read."""
    session = server.service.session
    names = {entry["code"]: entry["name"] for entry in httpx.get(f"{server.url}/languages", timeout=60).json()}
    listed = list(names)
    assert {"ko", "ps", "tl"} <= set(listed) and not {"ko-Hang", "pbt-Arab", "fil"} & set(listed)
    assert [names[c] for c in ("ko", "zh-Hant", "ace-Arab")] == ["Korean", "Traditional Chinese", "Acehnese (Arabic)"]
    tokens = {}
    for code in listed:
        route = session.models.plan("en", code, session.settings_for(code))
        if route is not None and route.kind == "many":
            tokens[code] = route.specs[-1].target_token
    assert len(set(tokens.values())) == len(tokens)  # no two codes for one model language
    expected = {"ko": "kor_Hang", "ps": "pbt_Arab", "tl": "tgl_Latn", "zh": "zho_Hans", "zh-Hant": "zho_Hant"}
    assert {code: tokens[code] for code in expected} == expected
    for target in ("ko", "ko-Hang", "fil", "pbt-Arab"):
        answer = httpx.post(f"{server.url}/translate", json={"q": FR, "source": "fr", "target": target}, timeout=120)
        assert answer.status_code == 200, (target, answer.text)
    korean = "서울시는 화요일에 새로운 예산안을 발표했다. 시의회는 다음 주에 표결할 예정이다."
    assert httpx.post(f"{server.url}/detect", json={"q": korean}, timeout=60).json()[0]["language"] == "ko"
