"""Limits and safety on small in-process servers: required keys, rate limits per key and per address, CORS
only when asked, body limits with and without a declared length, escaping, no path chosen by a request,
and access logs without text (unless --log-text)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from serve_fixtures import local_server
from trpipe.serve.limits import KeyRing, RateLimiter

KEY, OTHER = "first-key-123456", "second-key-654321"
FIELDS = {"q": "Bonjour le monde.", "source": "fr", "target": "en"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    from trpipe.models.demo import write_registry

    return write_registry(tmp_path_factory.mktemp("limits") / "models.yaml", {"fr-en": "echo/fr-en"})


@pytest.fixture(scope="module")
def keys_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.txt"
    path.write_text(f"{KEY} suggest  # the newsroom\n\n{OTHER}\n", encoding="utf-8")
    return path


def test_required_keys_by_every_way_of_sending_them(registry, keys_file, tmp_path):
    with local_server(tmp_path, registry, api_keys_file=str(keys_file), require_key=True) as server:
        url = f"{server.url}/translate"
        missing = httpx.post(url, json=FIELDS, timeout=30)
        assert missing.status_code == 403 and missing.json() == {"error": "This server requires an API key (api_key)"}
        wrong = httpx.post(url, json={**FIELDS, "api_key": KEY + "x"}, timeout=30)
        assert wrong.status_code == 403 and wrong.json() == {"error": "Invalid API key"}
        assert httpx.post(url, json={**FIELDS, "api_key": KEY}, timeout=30).status_code == 200
        assert httpx.post(url, data={**FIELDS, "api_key": OTHER}, timeout=30).status_code == 200
        assert httpx.post(url, params={**FIELDS, "api_key": KEY}, timeout=30).status_code == 200
        assert httpx.post(url, json=FIELDS, headers={"X-API-Key": OTHER}, timeout=30).status_code == 200
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200  # health needs no key
        assert httpx.get(f"{server.url}/v1/jobs/whatever", timeout=5).status_code == 403


def test_keys_file_and_lookup(tmp_path, keys_file):
    ring = KeyRing.from_file(str(keys_file))
    assert len(ring) == 2 and ring.lookup(KEY).roles == {"suggest"} and ring.lookup(OTHER).roles == frozenset()
    assert ring.lookup("nope") is None and ring.lookup("") is None and KEY not in repr(ring.lookup(KEY))
    bad = tmp_path / "bad.txt"
    bad.write_text("short\n", encoding="utf-8")
    with pytest.raises(Exception, match="at least 8 characters"):
        KeyRing.from_file(str(bad))
    bad.write_text("long-enough-key root\n", encoding="utf-8")
    with pytest.raises(Exception, match="unknown role 'root'"):
        KeyRing.from_file(str(bad))


def test_rate_limits_per_key_and_per_address(registry, keys_file, tmp_path):
    with local_server(tmp_path, registry, api_keys_file=str(keys_file), req_limit=3) as server:
        url = f"{server.url}/translate"
        assert [httpx.post(url, json=FIELDS, timeout=30).status_code for _ in range(3)] == [200] * 3
        slow = httpx.post(url, json=FIELDS, timeout=30)
        assert slow.status_code == 429 and 1 <= int(slow.headers["retry-after"]) <= 60
        assert slow.json()["error"].startswith("Slowdown:")
        keyed = [httpx.post(url, json={**FIELDS, "api_key": KEY}, timeout=30).status_code for _ in range(4)]
        assert keyed == [200, 200, 200, 429]  # a key has its own count
        assert httpx.post(url, json={**FIELDS, "api_key": OTHER}, timeout=30).status_code == 200
        batch = httpx.post(url, json={**FIELDS, "q": ["a", "b", "c", "d"], "api_key": OTHER}, timeout=30)
        assert batch.status_code == 429  # a q list costs one request per text, as LibreTranslate counts it


def test_rate_limiter_window():
    limiter = RateLimiter(2, window=0.2)
    assert [limiter.check("a"), limiter.check("a")] == [0, 0] and limiter.check("a") >= 1
    assert limiter.check("b") == 0
    import time

    time.sleep(0.25)
    assert limiter.check("a") == 0


def test_cors_only_with_cors_origin(registry, tmp_path):
    origin = {"Origin": "https://news.example"}
    with local_server(tmp_path / "a", registry) as server:
        answer = httpx.post(f"{server.url}/translate", json=FIELDS, headers=origin, timeout=30)
        assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers
    with local_server(tmp_path / "b", registry, cors_origins=("https://news.example",)) as server:
        answer = httpx.post(f"{server.url}/translate", json=FIELDS, headers=origin, timeout=30)
        assert answer.headers["access-control-allow-origin"] == "https://news.example"
        preflight = httpx.options(
            f"{server.url}/translate",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
            timeout=30,
        )
        assert (
            preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "https://news.example"
        )
        stranger = httpx.post(f"{server.url}/translate", json=FIELDS, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers


def test_body_limits_with_and_without_a_declared_length(registry, tmp_path):
    with local_server(tmp_path, registry, body_limit=2048, char_limit=100_000) as server:
        big = json.dumps({**FIELDS, "q": "mot " * 1000}).encode()
        declared = httpx.post(f"{server.url}/translate", content=big, headers={"content-type": "application/json"})
        assert declared.status_code == 413 and "too large" in declared.json()["error"]

        def chunks():
            for i in range(0, len(big), 512):
                yield big[i : i + 512]

        streamed = httpx.post(f"{server.url}/translate", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert httpx.post(f"{server.url}/translate", json=FIELDS, timeout=30).status_code == 200


def test_user_text_is_escaped_and_no_request_names_a_path(registry, tmp_path):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> Le conseil a voté.'
    with local_server(tmp_path, registry) as server:
        page = httpx.post(f"{server.url}/v1/translate", params={"format": "html"},
                          json={"text": hostile, "to": "en", "from": "fr"}, timeout=60)  # fmt: skip
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text and "&lt;script&gt;" in page.text
        md = httpx.post(f"{server.url}/v1/translate", params={"format": "md"},
                        json={"text": hostile, "to": "en", "from": "fr"}, timeout=60)  # fmt: skip
        assert "<script>" not in md.text
        for path in ("/page/../../etc/passwd", "/page/..%2F..%2Fetc%2Fpasswd", "/download_file/..%2Fserve.sqlite3"):
            assert httpx.get(f"{server.url}{path}", timeout=5).status_code == 404
        glossary = httpx.post(f"{server.url}/v1/translate", json={"text": "Le conseil.", "to": "en", "from": "fr",
                                                                  "glossary": "/etc/passwd"}, timeout=60)  # fmt: skip
        assert glossary.status_code == 200  # the glossary is its content: a one-term glossary, no file read


def test_access_logs_carry_no_text_unless_asked(registry, keys_file, tmp_path, caplog):
    secret = "Le texte confidentiel du journaliste."
    caplog.set_level(logging.INFO, logger="trpipe.access")
    with local_server(tmp_path / "a", registry, api_keys_file=str(keys_file)) as server:
        httpx.post(f"{server.url}/translate", params={"api_key": KEY}, data={**FIELDS, "q": secret}, timeout=30)
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "trpipe.access"]
    line = next(r for r in records if r["route"] == "/translate")
    assert line["status"] == 200 and line["chars"] == len(secret) and line["key"] != "-"
    assert secret not in caplog.text and KEY not in caplog.text and "confidentiel" not in caplog.text
    caplog.clear()
    with local_server(tmp_path / "b", registry, log_text=True) as server:
        httpx.post(f"{server.url}/translate", json={**FIELDS, "q": secret}, timeout=30)
    assert secret in caplog.text
