"""The LibreTranslate clients people use, against the session's ``trpipe serve`` (tiny random-weight models).

``deep-translator`` runs unmodified (``libretranslatepy`` is in test_serve_lt.py). The others cannot run in
the suite (JavaScript, Ruby, C++, Elixir, or a hard-coded server address), so each test replays their exact
requests: method, path as they build it, headers, body encoding and field names, and reads the answer as
they read it. Each cites the client's file and version; ``benchmarks/serve_clients.py`` drives the Python
and npm clients themselves against a running server. Weights are random: the tests assert on shapes,
codes, counts and placeholders, never on wording.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from urllib.parse import quote

import httpx
import pytest

from trpipe.serve.markup import tokens, visible_text

FR = "Le conseil municipal a voté le budget mardi."
FR2 = "Les élus ont débattu pendant deux heures."


@pytest.fixture(scope="module")
def url(served):
    """The session server's address (its keys: ``served[1]``)."""
    return served[0]


def send(method, address, **kwargs):
    return httpx.request(method, address, timeout=120, **kwargs)


def test_deep_translator_unmodified(url, served):
    from deep_translator import LibreTranslator
    from deep_translator.exceptions import AuthorizationException

    # deep-translator 1.11.4 (deep_translator/libre.py): POST base + "translate" with every field in the query
    # string and no body; it insists on an api_key, so a keyed server must know it
    key = served[1]["plain"]
    client = LibreTranslator(source="fr", target="en", custom_url=f"{url}/", api_key=key)
    one = client.translate(FR)
    assert isinstance(one, str) and one.strip()
    assert client.translate_batch([FR, FR2]) == [one, client.translate(FR2)]
    auto = LibreTranslator(source="auto", target="en", custom_url=f"{url}/", api_key=key)
    assert auto.translate(FR) == one
    with pytest.raises(AuthorizationException):
        LibreTranslator(source="fr", target="en", custom_url=f"{url}/", api_key="not-a-key").translate(FR)


def test_libretranslate_web_frontend(url):
    """LibreTranslate 1.9.6's own page (libretranslate/templates/app.js.template): settings and languages
    at start, then multipart FormData posts with ``alternatives=3`` and an empty ``api_key``."""
    settings = send("GET", f"{url}/frontend/settings").json()
    languages = send("GET", f"{url}/languages").json()
    assert settings["language"]["source"]["code"] == "auto" and isinstance(settings["charLimit"], int)
    assert settings["filesTranslation"] is True and ".txt" in settings["supportedFilesFormat"]
    assert settings["language"]["target"]["code"] in {entry["code"] for entry in languages}
    for fmt, text in (("text", FR), ("html", f"<p>{FR} <b>{FR2}</b></p>")):
        form = {"q": text, "source": "auto", "target": "en", "format": fmt, "alternatives": "3", "api_key": ""}
        answer = send("POST", f"{url}/translate", files={k: (None, v) for k, v in form.items()}).json()
        assert answer["translatedText"].strip() and isinstance(answer["alternatives"], list)
        assert answer["detectedLanguage"]["language"] == "fr" and answer["detectedLanguage"]["confidence"] > 0
    suggestion = {"q": FR, "s": "The regional council voted on Tuesday.", "source": "fr", "target": "en", "api_key": ""}
    answer = send("POST", f"{url}/suggest", files={k: (None, v) for k, v in suggestion.items()})
    assert answer.status_code == 200 and answer.json()["success"] is True
    upload = {"file": ("article.txt", FR.encode(), "text/plain")}
    fields = {k: (None, v) for k, v in {"source": "fr", "target": "en", "api_key": ""}.items()}
    link = send("POST", f"{url}/translate_file", files={**upload, **fields}).json()["translatedFileUrl"]
    assert send("GET", link).text.strip()


def test_weblate_batch_with_its_placeholder_stand_ins(url):
    """Weblate main, >= 5.17 (weblate/machinery/libretranslate.py): GET /languages, then JSON with ``q`` a list whose
    placeholders Weblate replaced by ``[X<offset>X]`` (base.py cleanup_text) and puts back afterwards; the
    key field is sent even when empty, codes use ``-``."""
    headers = {"Referer": "https://weblate.example/", "Accept": "application/json; charset=utf-8"}
    codes = [entry["code"] for entry in send("GET", f"{url}/languages", headers=headers).json()]
    assert {"fr", "en"} <= set(codes)
    texts = ["Bonjour [X8X], vous avez [X24X] nouveaux messages.", "Le conseil [X11X] a voté.", "[X0X]"]
    for key in (None, ""):
        body = {"api_key": key, "q": texts, "source": "fr", "target": "en"}
        out = send("POST", f"{url}/translate", json=body, headers=headers).json()["translatedText"]
        assert isinstance(out, list) and len(out) == len(texts)
        assert [sorted(re.findall(r"\[X\d+X\]", t)) for t in out] == [["[X24X]", "[X8X]"], ["[X11X]"], ["[X0X]"]], out
        assert out[2] == "[X0X]"  # nothing but a placeholder: back as it came


def test_mastodon_and_akkoma_html_with_auto_detection(url):
    """Mastodon main (app/lib/translation_service/libre_translate.rb): JSON with ``q`` a list of a status's
    HTML, ``format=html``, ``source`` auto, ``api_key`` null, Content-Type JSON on the GET too; the base URL
    as configured, often with a trailing slash (``//translate``). Akkoma
    (lib/pleroma/akkoma/translators/libre_translate.ex) sends one string the same way."""
    status = (
        f'<p>{FR} <a href="https://social.example/tags/conseil" class="mention hashtag" rel="tag">'
        f'#<span>conseil</span></a> <span class="invisible">https://</span></p><p>{FR2}</p>'
    )
    json_type = {"Content-Type": "application/json"}
    languages = send("GET", f"{url}//languages", headers=json_type).json()
    assert all(isinstance(entry["targets"], list) for entry in languages)
    body = {"q": [status, f"<p>{FR2}</p>"], "source": "auto", "target": "en", "format": "html", "api_key": None}
    answer = send("POST", f"{url}//translate", content=json.dumps(body), headers=json_type).json()
    assert [d["language"] for d in answer["detectedLanguage"]] == ["fr", "fr"]
    first = answer["translatedText"][0]
    assert sorted(tokens(first)) == sorted(tokens(status)) and first.startswith("<p>") and first.endswith("</p>")
    single = send("POST", f"{url}/translate", json={**body, "q": status}).json()
    assert single["translatedText"] == first and single["detectedLanguage"]["language"] == "fr"


def test_discourse_forms_through_a_base_url_with_a_slash(url):
    """discourse-translator (lib/discourse_translator/libre_translate.rb): urlencoded forms with the site's
    (empty) key, /detect on the stripped text, /languages to check the pair, /translate with format=html;
    the endpoint setting is joined with "/translate"."""
    base = f"{url}/"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    detected = send("POST", f"{base}/detect", content=f"q={quote(FR)}&api_key=", headers=form).json()
    assert detected[0]["language"] == "fr"
    assert any(entry["code"] == "en" for entry in send("GET", f"{base}/languages").json())
    body = f"q={quote('<p>' + FR + '</p>')}&source=fr&target=en&format=html&api_key="
    answer = send("POST", f"{base}/translate", content=body, headers=form).json()
    assert answer["translatedText"].startswith("<p>") and answer["translatedText"].endswith("</p>")


def test_crow_translate_and_translatepy_forms(url):
    """Crow Translate's QOnlineTranslator (src/qonlinetranslator.cpp): a form body built by hand that starts
    with ``&`` and ends with a raw, empty ``api_key=``. translatepy 2.3 (translatepy/translators/libre.py):
    a form with the public server's Origin, Host and Referer headers, and /detect's first candidate."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    crow = send("POST", f"{url}/translate", content=f"&q={quote(FR)}&source=fr&target=en&api_key=", headers=form)
    assert crow.status_code == 200 and crow.json()["translatedText"].strip()
    borrowed = {
        "Origin": "https://libretranslate.com",
        "Host": "libretranslate.com",
        "Referer": "https://libretranslate.com/",
    }
    assert send("POST", f"{url}/detect", data={"q": FR}, headers=borrowed).json()[0]["language"] == "fr"
    answer = send("POST", f"{url}/translate", data={"q": FR, "source": "fr", "target": "en"}, headers=borrowed)
    assert answer.json()["translatedText"] == crow.json()["translatedText"]


def test_npm_clients(url):
    """npm ``libretranslate`` 1.0.1 (dist/translate.js): GET /languages with a JSON Content-Type and no body,
    then JSON with the key as ``apiKey``. ``libretranslate-ts`` 0.5.12 (src/app.ts): axios JSON with
    ``api_key`` null, ``format`` on /detect too, ``alternatives`` only when asked. ``translate`` 3.1.0
    (engine libre): JSON to the /translate URL given, without ``api_key`` when there is none."""
    json_type = {"Content-Type": "application/json", "Accept": "application/json"}
    codes = [entry["code"] for entry in send("GET", f"{url}/languages", headers=json_type).json()]
    assert "fr" in codes and "en" in codes
    fields = {"q": FR, "source": "auto", "target": "en", "format": "text"}
    plain = send("POST", f"{url}/translate", json={**fields, "apiKey": ""}).json()["translatedText"]
    assert plain.strip()
    assert send("POST", f"{url}/translate", json={**fields, "apiKey": "not-a-key"}).status_code == 403  # read
    detected = send("POST", f"{url}/detect", json={"q": FR, "format": "text", "api_key": None}, headers=json_type)
    assert detected.json()[0]["language"] == "fr"
    ts = send("POST", f"{url}/translate", json={**fields, "source": "fr", "api_key": None, "alternatives": 2}).json()
    assert ts["translatedText"] == plain and len(ts["alternatives"]) <= 2
    bare = send("POST", f"{url}/translate", json={"q": FR, "source": "fr", "target": "en"}, headers=json_type).json()
    assert bare == {"translatedText": plain}


def test_subtitle_edit(url):
    """Subtitle Edit (src/libse/AutoTranslate/LibreTranslate.cs): a JSON text built by hand, one subtitle line
    (first letter capitalised, trimmed), ``accept: application/json``, the path "translate" under its base
    URL; it reads ``translatedText`` and turns ``<br />`` back into line ends. Its codes (``pb``, ``zt``) are
    in test_language_codes_clients_send."""
    body = '{"q": "' + FR + '", "source": "fr", "target": "en"}'
    headers = {"Content-Type": "application/json", "accept": "application/json"}
    answer = send("POST", f"{url}/translate", content=body.encode(), headers=headers)
    assert answer.status_code == 200 and answer.json()["translatedText"].strip()


@pytest.mark.parametrize(
    ("content_type", "start"),
    [
        ("text/plain;charset=UTF-8", b""),  # fetch() with a string body and no headers (a CORS "simple request")
        (None, b""),  # Python requests.post(url, data=json.dumps(fields)): no Content-Type at all
        ("application/x-www-form-urlencoded", b""),  # axios.post(url, JSON.stringify(fields)): a string is a form
        ("application/json", b"\xef\xbb\xbf"),  # a UTF-8 byte order mark first (Windows tools)
        (None, b"\xef\xbb\xbf\n"),
    ],
)
def test_a_json_body_whatever_its_declared_type(url, content_type, start):
    fields = {"q": [FR, FR2], "source": "fr", "target": "en"}
    headers = {"Content-Type": content_type} if content_type else {}
    answer = send("POST", f"{url}/translate", content=start + json.dumps(fields).encode(), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == send("POST", f"{url}/translate", json=fields).json()


def test_paths_head_and_text_with_nothing_to_read(url):
    fields = {"q": FR, "source": "fr", "target": "en"}
    expected = send("POST", f"{url}/translate", json=fields).json()
    for path in ("/translate/", "//translate", "//translate//"):  # no redirect: a POST keeps its body
        answer = send("POST", f"{url}{path}", json=fields)
        assert answer.status_code == 200 and answer.json() == expected, path
    for text in ("2026 !!", "🙂🙂", "12 345,67 €"):  # LibreTranslate: sent back, detected as en with 0
        answer = send("POST", f"{url}/translate", json={"q": text, "source": "auto", "target": "fr"}).json()
        assert answer == {"translatedText": text, "detectedLanguage": {"confidence": 0.0, "language": "en"}}
    for path in ("/health", "/languages", "/frontend/settings"):  # HEAD as Flask answers it (monitors)
        head = send("HEAD", f"{url}{path}")
        assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
    spec = send("GET", f"{url}/spec").json()  # LibreTranslate serves its API description here
    assert "/translate" in spec["paths"] and "/languages" in spec["paths"]


def test_html_is_detected_on_what_a_reader_sees(url):
    words = "the-quick-brown-fox-jumps-over-the-lazy-dog-and-runs-away-from-the-hunter-today"
    page = f'<p><a href="https://news.example/{words}" title="{words}">{FR2}</a></p><script>var a = "{words}";</script>'
    assert visible_text(page) == FR2
    answer = send("POST", f"{url}/translate", json={"q": page, "source": "auto", "target": "en", "format": "html"})
    assert answer.json()["detectedLanguage"]["language"] == "fr"


@pytest.mark.parametrize(
    ("given", "listed", "expected"),
    [
        ("zt", ["en", "zh", "zh-Hant"], "zh-Hant"),  # LibreTranslate's own code (SillyTavern sends it for zh-TW)
        ("pb", ["en", "pt"], "pt"),  # LibreTranslate's Brazilian Portuguese
        ("ZH-HANT", ["en", "zh-Hant"], "zh-Hant"),  # LibreTranslate lowercases what it gets
        ("zh_TW", ["en", "zh-Hant"], "zh-Hant"),  # Weblate's and Discourse's underscores
        ("pt_BR", ["en", "pt"], "pt"),
        ("zh-CN", ["en", "zh"], "zh"),
        ("iw", ["en", "he"], "he"),  # Discourse sends iw for Hebrew
        ("no", ["en", "nb", "nn"], "nb"),  # ... and no for Norwegian Bokmål
        ("nb", ["en", "no"], "no"),
        ("ko", ["en", "ko-Hang"], "ko-Hang"),  # Hangul is how Korean is written (NLLB's kor_Hang)
        ("ps", ["en", "pbt-Arab"], "pbt-Arab"),  # a macrolanguage for the one of its languages listed
        ("tl", ["en", "fil"], "fil"),  # LibreTranslate's Tagalog; langcodes' Filipino
        ("fil", ["en", "tl"], "tl"),
        ("fr-CA", ["en", "fr"], "fr"),
    ],
)
def test_language_codes_clients_send(given, listed, expected):
    from trpipe.serve.lt_api import _code

    service = SimpleNamespace(languages=lambda: [{"code": code, "name": code, "targets": []} for code in listed])
    assert _code(given, service) == expected


def test_unknown_codes_stay_refused():
    from starlette.exceptions import HTTPException

    from trpipe.serve.lt_api import _code

    service = SimpleNamespace(languages=lambda: [{"code": "en", "name": "English", "targets": []}])
    for given in ("zt", "no", "xx", "auto", ""):
        with pytest.raises(HTTPException) as caught:
            _code(given, service)
        assert caught.value.status_code == 400 and caught.value.detail == f"{given} is not supported"


def test_no_other_writing_and_no_guess_between_two():
    from trpipe.serve.codes import listed_code

    assert listed_code("zh", ["en", "zh-Hant", "yue"]) is None  # Simplified asked: neither is
    assert listed_code("zh-Hant", ["en", "yue"]) is None  # Cantonese is not Chinese (Traditional)
    assert listed_code("sr", ["en", "sr-Latn"]) is None  # Serbian is written in two scripts
    assert listed_code("ar", ["en", "ary", "arz"]) is None  # two Arabics: no guess
    assert listed_code("ar-EG", ["en", "ar", "arz"]) == "ar"  # a region is its language (as --to reads it)


def test_the_list_uses_the_codes_clients_know():
    from trpipe.serve.codes import plain_codes

    kept = ["ace", "ace-Arab", "ar", "ary", "nb", "nn", "sat-Beng", "yue", "zh", "zh-Hant"]  # each its own
    renamed = {"fil": "tl", "ko-Hang": "ko", "pbt-Arab": "ps"}
    assert plain_codes([*kept, *renamed]) == sorted([*kept, *renamed.values()])


def test_names_say_the_script_and_region():
    from trpipe.serve.codes import display_name

    names = [display_name(code) for code in ("zh-Hant", "sr-Latn", "pt-BR", "ko", "qqq")]
    assert names == ["Traditional Chinese", "Serbian (Latin)", "Brazilian Portuguese", "Korean", "qqq"]
