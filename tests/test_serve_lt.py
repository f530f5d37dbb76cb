"""LibreTranslate's API on the session's ``trpipe serve`` (tiny random-weight models): the published
``libretranslatepy`` client unmodified, and raw HTTP for each way of sending fields. Weights are random:
the tests assert on shapes, order, counts and the placeholders, never on wording."""

from __future__ import annotations

import httpx
import pytest

from trpipe.serve.markup import tokens

FR = "Le conseil régional a voté le budget mardi."
FR2 = "Les élus ont débattu pendant trois heures."


@pytest.fixture(scope="module")
def url(served):
    return served[0]


@pytest.fixture(scope="module")
def keys(served):
    return served[1]


def post(url, path, **kwargs):
    return httpx.post(f"{url}{path}", timeout=120, **kwargs)


def test_the_published_client_translates_detects_and_lists(url):
    from libretranslatepy import LibreTranslateAPI

    client = LibreTranslateAPI(url)
    translated = client.translate(FR, "fr", "en")
    assert isinstance(translated, str) and translated.strip()
    detected = client.detect(FR)
    assert detected[0]["language"] == "fr" and 0 < detected[0]["confidence"] <= 100
    languages = {entry["code"]: entry for entry in client.languages()}
    assert languages["fr"]["name"] == "French" and "en" in languages["fr"]["targets"]
    assert set(languages) == {"fr", "en"}


def test_fields_by_json_form_query_and_multipart_give_the_same_answer(url):
    fields = {"q": FR, "source": "fr", "target": "en"}
    answers = [
        post(url, "/translate", json=fields),
        post(url, "/translate", data=fields),
        post(url, "/translate", params=fields),  # fields in the URL of a POST (as popular clients send them)
        post(url, "/translate", files={k: (None, v) for k, v in fields.items()}),
        post(url, "/translate", params={"q": FR}, data={"source": "fr", "target": "en"}),
    ]
    assert [a.status_code for a in answers] == [200] * 5
    texts = {a.json()["translatedText"] for a in answers}
    assert len(texts) == 1 and next(iter(texts)).strip()


def test_raw_utf8_form_bodies_are_read_as_utf8(url):
    raw = post(url, "/translate", content=f"q={FR}&source=fr&target=en".encode(),
               headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert raw.json() == post(url, "/translate", json={"q": FR, "source": "fr", "target": "en"}).json()


def test_q_list_in_order(url):
    q = [FR, "", FR2, FR, "Bonjour."]
    answer = post(url, "/translate", json={"q": q, "source": "fr", "target": "en"}).json()
    out = answer["translatedText"]
    assert isinstance(out, list) and len(out) == len(q)
    assert out[1] == "" and out[0] == out[3] and all(out[i].strip() for i in (0, 2, 4))
    singles = [post(url, "/translate", json={"q": t, "source": "fr", "target": "en"}).json()["translatedText"]
               for t in (FR, FR2)]  # fmt: skip
    assert [out[0], out[2]] == singles
    form = post(url, "/translate", data={"q": [FR, FR2], "source": "fr", "target": "en"}).json()
    assert form["translatedText"] == singles


def test_auto_detects_the_language(url):
    one = post(url, "/translate", json={"q": FR, "source": "auto", "target": "en"}).json()
    assert one["detectedLanguage"]["language"] == "fr" and 0 < one["detectedLanguage"]["confidence"] <= 100
    many = post(url, "/translate", json={"q": [FR, FR2], "source": "auto", "target": "en"}).json()
    assert [d["language"] for d in many["detectedLanguage"]] == ["fr", "fr"]


def test_alternatives_are_capped(url):
    answer = post(url, "/translate", json={"q": FR, "source": "fr", "target": "en", "alternatives": 2}).json()
    assert isinstance(answer["alternatives"], list) and len(answer["alternatives"]) <= 2
    assert answer["translatedText"] not in answer["alternatives"]
    listed = post(url, "/translate", json={"q": [FR, FR2], "source": "fr", "target": "en", "alternatives": 1})
    assert len(listed.json()["alternatives"]) == 2
    huge = post(url, "/translate", json={"q": FR, "source": "fr", "target": "en", "alternatives": 100_000})
    assert huge.status_code == 400 and huge.json() == {"error": "Invalid request: alternatives parameter must be <= 3"}
    assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200


PLACEHOLDERS = [
    "Bonjour %s, vous avez %d messages.",
    "Bonjour %(name)s, voici {0} et {{count}} nouveaux ${user}.",
    'Cliquez <b>ici</b> pour lire <a href="https://example.org/a?b=1&c=2">l\'article</a> complet.',
    "Le <i>conseil</i> a voté {0} fois <br/> pour %1$s.",
]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_placeholders_and_tags_come_back_exactly_once(url, text):
    out = post(url, "/translate", json={"q": text, "source": "fr", "target": "en"}).json()["translatedText"]
    assert sorted(tokens(out)) == sorted(tokens(text)), out


def test_html_keeps_markup_and_escapes_the_model_text(url):
    page = "<p>Le <b>conseil</b> a voté.</p><script>var x = '<p>Bonjour</p>';</script><ul><li>Un</li><li>Deux</li></ul>"
    out = post(url, "/translate", json={"q": page, "source": "fr", "target": "en", "format": "html"}).json()
    text = out["translatedText"]
    assert "<script>var x = '<p>Bonjour</p>';</script>" in text  # kept as it was, not translated
    assert text.count("<li>") == 2 and text.count("<b>") == 1 and text.count("</b>") == 1
    assert text.startswith("<p>") and text.endswith("</ul>")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source": "fr", "target": "en"}, "Invalid request: missing q parameter"),
        ({"q": FR, "target": "en"}, "Invalid request: missing source parameter"),
        ({"q": FR, "source": "fr"}, "Invalid request: missing target parameter"),
        ({"q": FR, "source": "fr", "target": "xx"}, "xx is not supported"),
        ({"q": FR, "source": "de", "target": "en"}, "de is not supported"),
        ({"q": FR, "source": "fr", "target": "en", "format": "pdf"}, "pdf format is not supported"),
        (
            {"q": FR, "source": "fr", "target": "en", "alternatives": "many"},
            "Invalid request: alternatives parameter is not a number",
        ),
        (
            {"q": "x" * 5001, "source": "fr", "target": "en"},
            "Invalid request: request (5001) exceeds text limit (5000)",
        ),
        ({"q": ["a"] * 51, "source": "fr", "target": "en"}, "Invalid request: request (51) exceeds text limit (50)"),
        ({"q": [1, 2], "source": "fr", "target": "en"}, "Invalid request: q must be a string or a list of strings"),
    ],
)
def test_errors_are_libretranslates(url, fields, message):
    answer = post(url, "/translate", json=fields)
    assert answer.status_code == 400 and answer.json() == {"error": message}


def test_bad_json_and_bad_keys(url, keys):
    answer = post(url, "/translate", content=b"[1, 2", headers={"content-type": "application/json"})
    assert answer.status_code == 400 and answer.json() == {"error": "Invalid JSON format"}
    fields = {"q": FR, "source": "fr", "target": "en"}
    assert post(url, "/translate", json={**fields, "api_key": "not-a-key-at-all"}).status_code == 403
    assert post(url, "/translate", json={**fields, "api_key": keys["plain"]}).status_code == 200
    assert post(url, "/translate", data={**fields, "api_key": keys["plain"]}).status_code == 200
    assert post(url, "/translate", params={**fields, "api_key": keys["plain"]}).status_code == 200
    assert post(url, "/translate", json=fields, headers={"Authorization": f"Bearer {keys['plain']}"}).status_code == 200


def test_detect_and_frontend_settings(url):
    assert post(url, "/detect", data={"q": FR}).json()[0]["language"] == "fr"
    assert post(url, "/detect", json={}).json() == {"error": "Invalid request: missing q parameter"}
    assert post(url, "/detect", json={"q": "1234 !!"}).json() == [{"confidence": 0.0, "language": "en"}]
    settings = httpx.get(f"{url}/frontend/settings", timeout=10).json()
    assert settings["charLimit"] == 5000 and settings["apiKeys"] is True and settings["suggestions"] is True
    assert ".txt" in settings["supportedFilesFormat"] and settings["language"]["source"]["code"] == "auto"


def test_translate_file_round_trip(url):
    files = {"file": ("notes.fr.txt", f"{FR}\n\n{FR2}\n".encode())}
    answer = post(url, "/translate_file", data={"source": "fr", "target": "en"}, files=files)
    assert answer.status_code == 200, answer.text
    link = answer.json()["translatedFileUrl"]
    assert link.startswith(url) and "/download_file/" in link
    got = httpx.get(link, timeout=10)
    assert got.status_code == 200 and "notes.fr.en.txt" in got.headers["content-disposition"]
    assert got.text.count("\n\n") == 1 and got.text.strip()
    page = {"file": ("page.html", b"<html><body><p>Le <b>conseil</b> a vote.</p></body></html>")}
    html = httpx.get(post(url, "/translate_file", data={"source": "fr", "target": "en"}, files=page).json()
                     ["translatedFileUrl"], timeout=10)  # fmt: skip
    assert html.text.startswith("<html><body><p>") and html.headers["content-type"].startswith("text/plain")


def test_translate_file_refusals(url):
    def send(name, data, **extra):
        return post(
            url, "/translate_file", data={"source": "fr", "target": "en", **extra}, files={"file": (name, data)}
        )

    assert send("x.exe", b"MZ").json()["error"].startswith("Invalid request: file format not supported")
    assert send("x.txt", b"\x00\x01\x02binary").status_code == 400
    assert send("x.txt", b"a" * 70_000).status_code == 413
    assert post(url, "/translate_file", data={"source": "fr", "target": "en"}).json() == {
        "error": "Invalid request: missing file parameter"
    }
    escaping = send("../../etc/passwd.txt", FR.encode())
    assert escaping.status_code == 200
    assert "passwd.en.txt" in httpx.get(escaping.json()["translatedFileUrl"], timeout=10).headers["content-disposition"]
    assert httpx.get(f"{url}/download_file/..%2F..%2Fetc%2Fpasswd", timeout=10).status_code == 404


def test_suggestions_apply_only_from_a_suggest_key_and_can_be_revoked(url, keys):
    sentence = "Le maire a inauguré la nouvelle école."
    fields = {"q": sentence, "source": "fr", "target": "en"}
    before = post(url, "/translate", json=fields).json()["translatedText"]
    anonymous = post(url, "/suggest", data={**fields, "s": "ANONYMOUS VERSION"}).json()
    plain = post(url, "/suggest", json={**fields, "s": "PLAIN KEY VERSION", "api_key": keys["plain"]}).json()
    assert anonymous["success"] and not anonymous["applied"] and not plain["applied"]
    assert post(url, "/translate", json=fields).json()["translatedText"] == before
    applied = post(
        url, "/suggest", json={**fields, "s": "The mayor opened the new school.", "api_key": keys["suggest"]}
    )
    assert applied.json()["applied"] is True
    assert post(url, "/translate", json=fields).json()["translatedText"] == "The mayor opened the new school."
    doc = post(url, "/v1/translate", json={"text": sentence, "to": "en", "from": "fr", "summary": False}).json()
    assert doc["segments"][0]["translation"] == "The mayor opened the new school."
    assert doc["provenance"]["human"] == [{"segment": "p1", "start": 0, "end": len(sentence)}]
    mine = httpx.get(f"{url}/v1/suggestions", params={"api_key": keys["suggest"]}, timeout=10).json()
    assert [s["s"] for s in mine] == ["The mayor opened the new school."]
    assert httpx.get(f"{url}/v1/suggestions", timeout=10).status_code == 403  # anonymous: no listing
    other = httpx.delete(f"{url}/v1/suggestions/{mine[0]['id']}", params={"api_key": keys["plain"]}, timeout=10)
    assert other.status_code == 404  # not its suggestion
    revoked = httpx.delete(f"{url}/v1/suggestions/{mine[0]['id']}", params={"api_key": keys["suggest"]}, timeout=10)
    assert revoked.status_code == 200
    assert post(url, "/translate", json=fields).json()["translatedText"] == before
    everyone = httpx.get(f"{url}/v1/suggestions", params={"api_key": keys["admin"]}, timeout=10).json()
    assert len(everyone) >= 3 and any(s["revoked"] for s in everyone)
