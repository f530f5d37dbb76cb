"""trpipe's own API on the session's server: /v1/translate answers the JSON document of
``trpipe translate --format json`` (checked by the same contract validator) or another rendering; jobs run
in the background, report each stage by server-sent events, are private to their key and deletable;
/metrics moves with the traffic."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from lxml import etree

from trpipe.validate import validate_document

ARTICLE = (
    "Le conseil régional vote son budget\n\n"
    "Le conseil régional a voté mardi un budget de 800 000 euros pour les lycées de la région.\n\n"
    "Les élus de l'opposition ont dénoncé une hausse des impôts. Le président a répondu qu'elle restait "
    "modérée.\n"
)
PAGE = (
    "<!doctype html><html><head><title>Conseil</title></head><body><article><h1>Le conseil vote</h1>"
    "<p>Le conseil régional a voté mardi un budget pour les lycées.</p>"
    "<p>Les élus de l'opposition ont dénoncé une hausse des impôts.</p></article></body></html>"
)


@pytest.fixture(scope="module")
def url(served):
    return served[0]


@pytest.fixture(scope="module")
def keys(served):
    return served[1]


def post(url, path, **kwargs):
    return httpx.post(f"{url}{path}", timeout=300, **kwargs)


def test_v1_translate_answers_the_cli_json_contract(url):
    answer = post(url, "/v1/translate", json={"text": ARTICLE, "to": "en", "from": "fr"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    doc = answer.json()
    assert validate_document(doc, summary=True) == []
    assert doc["source"]["text"] == ARTICLE and doc["target_lang"] == "en"
    assert doc["provenance"]["models"] and doc["summary"]["en"] and doc["summary"]["fr"]
    nosummary = post(url, "/v1/translate", data={"text": ARTICLE, "to": "en", "from": "fr", "summary": "false"})
    assert nosummary.json()["summary"] is None and validate_document(nosummary.json()) == []


def test_v1_translate_reads_html_and_detects_the_language(url):
    doc = post(url, "/v1/translate", json={"html": PAGE, "to": "en", "summary": False}).json()
    assert validate_document(doc) == []
    assert doc["source"]["lang"] == "fr" and "<p>" not in doc["source"]["text"]
    assert [s["kind"] for s in doc["segments"]][:1] == ["title"]


@pytest.mark.parametrize(
    ("how", "marker"),
    [
        ({"params": {"format": "html"}}, "<html"),
        ({"params": {"format": "md"}}, "# "),
        ({"params": {"format": "jsonl"}}, '"segments":'),
        ({"headers": {"Accept": "application/x-tmx+xml"}}, "<tmx"),
        ({"headers": {"Accept": "application/xliff+xml"}}, "<xliff"),
        ({"headers": {"Accept": "text/markdown, */*"}}, "# "),
    ],
)
def test_v1_translate_renders_other_formats(url, how, marker):
    body = {"text": ARTICLE, "to": "en", "from": "fr", "summary": False}
    answer = post(url, "/v1/translate", json=body, **how)
    assert answer.status_code == 200 and marker in answer.text
    if "<tmx" in marker or "<xliff" in marker:
        etree.fromstring(answer.content)  # well-formed XML
    if marker == "<html":
        assert "default-src 'none'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"text": ARTICLE}, 400, "Invalid request: missing to parameter"),
        ({"to": "en"}, 400, "Invalid request: missing text, html, url, documents or file"),
        ({"text": ARTICLE, "to": "en", "format": "pdf"}, 400, "Invalid request: format 'pdf' is not one of"),
        ({"text": ARTICLE, "to": "zz-@"}, 400, "Invalid request: to zz-@: not a language code"),
        ({"text": ARTICLE, "to": "de", "from": "fr"}, 400, "no translation model for fr-de"),
        ({"text": "   ", "to": "en"}, 400, "Invalid request: <text> is empty"),
        ({"text": ARTICLE, "to": "en", "glossary": [["a", "b", "c"]]}, 400, "Invalid request: glossary entry 1"),
    ],
)
def test_v1_errors(url, body, status, message):
    answer = post(url, "/v1/translate", json=body)
    assert answer.status_code == status and answer.json()["error"].startswith(message), answer.text


def test_a_request_glossary_checks_the_terms(url):
    body = {
        "text": ARTICLE,
        "to": "en",
        "from": "fr",
        "summary": False,
        "glossary": "conseil régional\tregional council",
    }
    doc = post(url, "/v1/translate", json=body).json()
    flags = [f["check"] for s in doc["segments"] for f in s["flags"]]
    assert "terms" in flags  # random weights never write "regional council"
    unchecked = post(url, "/v1/translate", json={**body, "checks": False}).json()
    assert all(not s["flags"] for s in unchecked["segments"])


def events(url, job, params=None):
    """The job's server-sent events, until ``end``: [(event, data)]."""
    out = []
    with httpx.stream("GET", f"{url}/v1/jobs/{job}/events", params=params, timeout=300) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                out.append((name, json.loads(line[6:])))
                if name == "end":
                    break
    return out


def test_a_job_runs_in_the_background_and_reports_each_stage(url, keys):
    body = {
        "documents": [{"text": ARTICLE, "name": "a.txt"}, {"html": PAGE, "name": "b.html"}, {"text": "1 2 3 4"}],
        "to": "en",
        "api_key": keys["plain"],
    }
    created = post(url, "/v1/jobs", json=body)
    assert created.status_code == 202, created.text
    job = created.json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", job["id"]) and created.headers["location"].endswith(job["id"])
    assert job["state"] in ("queued", "running") and job["total"] == 3
    seen = events(url, job["id"], {"api_key": keys["plain"]})
    kinds = [name for name, _ in seen]
    stages = [data["name"] for name, data in seen if name == "stage"]
    assert kinds[-1] == "end" and seen[-1][1]["state"] == "done"
    assert any(s.startswith("translating fr→en") for s in stages)
    assert any(s.startswith("summarising") for s in stages) and any(s.startswith("back-translating") for s in stages)
    assert sorted(d["index"] for n, d in seen if n == "document") == [0, 1, 2]
    progress = [d["progress"] for n, d in seen if n == "progress"]
    assert progress == sorted(progress) and progress[-1] == 1
    state = httpx.get(f"{url}/v1/jobs/{job['id']}", params={"api_key": keys["plain"]}, timeout=30).json()
    assert (state["state"], state["done"], state["failed"]) == ("done", 2, 1)
    assert [d["state"] for d in state["documents"]] == ["done", "done", "failed"]
    assert "cannot tell its language" in state["documents"][2]["error"]  # no letters: pass --from
    assert [s["kind"] for s in state["stages"]].count("translating") >= 1
    first = httpx.get(state["documents"][0]["url"], params={"api_key": keys["plain"]}, timeout=30)
    assert validate_document(first.json(), summary=True) == [] and first.json()["source"]["text"] == ARTICLE
    html = httpx.get(state["documents"][1]["url"], params={"api_key": keys["plain"], "format": "html"}, timeout=30)
    assert html.status_code == 200 and "<html" in html.text
    failed = httpx.get(f"{url}/v1/jobs/{job['id']}/documents/2", params={"api_key": keys["plain"]}, timeout=30)
    assert failed.status_code == 422


def test_jobs_are_private_to_their_key_and_deletable(url, keys):
    body = {"text": ARTICLE, "to": "en", "from": "fr", "summary": False}
    job = post(url, "/v1/jobs", json={**body, "api_key": keys["other"]}).json()["id"]
    owner, intruder = {"api_key": keys["other"]}, {"api_key": keys["plain"]}
    assert httpx.get(f"{url}/v1/jobs/{job}", params=intruder, timeout=30).status_code == 404
    assert httpx.get(f"{url}/v1/jobs/{job}", timeout=30).status_code == 404  # anonymous
    assert httpx.get(f"{url}/v1/jobs/{job}/events", params=intruder, timeout=30).status_code == 404
    assert httpx.delete(f"{url}/v1/jobs/{job}", params=intruder, timeout=30).status_code == 404
    deadline = time.monotonic() + 120
    while httpx.get(f"{url}/v1/jobs/{job}", params=owner, timeout=30).json()["state"] != "done":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert httpx.get(f"{url}/v1/jobs/{job}/documents/0", params=owner, timeout=30).status_code == 200
    assert httpx.delete(f"{url}/v1/jobs/{job}", params=owner, timeout=30).status_code == 204
    assert httpx.get(f"{url}/v1/jobs/{job}", params=owner, timeout=30).status_code == 404
    assert httpx.get(f"{url}/v1/jobs/{job}/documents/0", params=owner, timeout=30).status_code == 404


def test_a_job_of_uploaded_files(url):
    files = [("file", ("one.txt", ARTICLE.encode("utf-8"))), ("file", ("two.html", PAGE.encode("utf-8")))]
    created = post(url, "/v1/jobs", data={"to": "en", "summary": "false"}, files=files)
    assert created.status_code == 202, created.text
    assert events(url, created.json()["id"])[-1][1]["state"] == "done"
    names = [d["name"] for d in httpx.get(created.headers["location"], timeout=30).json()["documents"]]
    assert names == ["one.txt", "two.html"]
    refused = post(url, "/v1/jobs", data={"to": "en"}, files=[("file", ("x.pdf", b"%PDF-1.4"))])
    assert refused.status_code == 400 and "not supported" in refused.json()["error"]


def _metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def test_metrics_move_with_the_traffic(url):
    before = httpx.get(f"{url}/metrics", timeout=30).text
    for i in range(3):
        q = f"Le conseil numéro {i} a voté un budget de {i}00 euros."
        assert post(url, "/translate", json={"q": q, "source": "fr", "target": "en"}).status_code == 200
    after = httpx.get(f"{url}/metrics", timeout=30).text
    route = 'trpipe_requests_total{method="POST",route="/translate",status="200"}'
    assert _metric(after, route) == _metric(before, route) + 3
    assert _metric(after, "trpipe_sentences_total") >= _metric(before, "trpipe_sentences_total") + 3
    assert _metric(after, "trpipe_batch_sentences_count") > _metric(before, "trpipe_batch_sentences_count")
    assert _metric(after, 'trpipe_request_seconds_count{route="/translate"}') > 0
    for name in ("trpipe_queue_sentences", "trpipe_sentences_per_second", "trpipe_requests_in_flight", "trpipe_jobs"):
        assert f"# TYPE {name} gauge" in after
    assert _metric(after, "trpipe_sentences_per_second") > 0


def test_health_and_readiness(url):
    assert httpx.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = httpx.get(f"{url}/readyz", timeout=5).json()
    assert ready["ready"] is True and ready["models"]
    assert httpx.get(f"{url}/openapi.json", timeout=5).json()["paths"]["/v1/jobs"]
    assert httpx.get(f"{url}/docs", timeout=5).status_code == 200
