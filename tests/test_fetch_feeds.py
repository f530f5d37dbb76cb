"""URLs and feeds, served by a local HTTP server started by the test: the fetcher's limits and errors, the
SSRF guard (loopback refused unless allowed, each hop's address pinned, rebinding refused with a fake
resolver), the conditional cache, feeds with their state folder."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from click.testing import CliRunner

from documents import text as samples
from documents.hostile import html_feed
from trpipe.cli import cli
from trpipe.errors import InputError
from trpipe.read.fetch import fetch_source, fetch_url

PAGE, _ = None, None


def _page(n: int) -> bytes:
    paragraphs = "".join(f"<p>{p} Article {n}.</p>" for p in samples.PARAGRAPHS)
    return (
        f"<!DOCTYPE html><html><head><title>Article {n}</title><link rel='canonical' href='https://news.example/a{n}'>"
        f"</head><body><article><h1>{samples.TITLE} {n}</h1>{paragraphs}</article></body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path
        if path.startswith("/article"):
            n = int(path.removeprefix("/article").split(".")[0] or 0)
            if self.headers.get("If-None-Match") == f'"v{n}"':
                self.send_response(304)
                self.end_headers()
                return
            self._send(200, _page(n), ETag=f'"v{n}"')
        elif path == "/loop-a":
            self._send(302, b"", Location="/loop-b")
        elif path == "/loop-b":
            self._send(302, b"", Location="/loop-a")
        elif path == "/moved":
            self._send(301, b"", Location="/article7.html")
        elif path == "/slow":
            time.sleep(2)
            self._send(200, _page(0))
        elif path == "/huge":
            self._send(200, b"<p>" + b"x" * 300_000 + b"</p>")
        elif path == "/image":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
        elif path == "/feed.xml":
            self._send(200, FEED.encode(), "application/rss+xml")
        elif path.startswith("/flaky"):  # fails (503, then a reset) before it answers; /flaky-down never does
            TRIES[path] = TRIES.get(path, 0) + 1
            if path == "/flaky-down" or TRIES[path] == 1:
                self._send(503, b"busy", "text/plain", Retry_After="0")
            elif TRIES[path] == 2:
                self.send_response(200)
                self.send_header("Content-Length", "5000")
                self.end_headers()
                self.wfile.write(b"<p>cut")  # the connection closes before the announced length
            else:
                self._send(200, _page(4))
        elif path == "/later":
            self._send(429, b"slow down", "text/plain", Retry_After="120")
        elif path == "/private":  # HTTP Basic: user "ana", password "p@ss"
            if self.headers.get("Authorization") == "Basic YW5hOnBAc3M=":
                self._send(200, _page(9))
            else:
                self._send(401, b"who are you?", "text/plain", WWW_Authenticate='Basic realm="x"')
        elif path in ("/refresh", "/refresh-self"):  # a page that sends the reader on, to a page or to itself
            target = "article5.html" if path == "/refresh" else "/refresh-self"
            self._send(200, f"<html><head><meta http-equiv='refresh' content='0; url={target}'></head></html>".encode())
        elif path == "/moved-feed":
            self._send(301, b"", Location="/news/relative.xml")
        elif path == "/news/relative.xml":  # relative links, a guid that is no URL, an HTML title; UTF-16
            self._send(200, RELATIVE_FEED.encode("utf-16"), "text/xml; charset=utf-16")
        else:
            self._send(404, b"not found", "text/plain")


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Actualités</title><link>{base}/</link><description>d</description>
<item><title>Premier</title><link>{base}/article1.html</link><guid>e1</guid>
<pubDate>Mon, 01 Mar 2021 10:00:00 GMT</pubDate></item>
<item><title>Deuxième</title><link>{base}/gone.html</link><guid>e2</guid>
<pubDate>Tue, 02 Mar 2021 10:00:00 GMT</pubDate>
<description>&lt;p&gt;Le conseil régional a voté une aide de 800 000 euros à une entreprise
de la vallée.&lt;/p&gt;</description>
</item>
<item><title>Troisième</title><link>{base}/article3.html</link><guid>e3</guid>
<pubDate>Wed, 03 Mar 2021 10:00:00 GMT</pubDate></item>
</channel></rss>
"""


TRIES: dict[str, int] = {}
RELATIVE_FEED = """<?xml version="1.0" encoding="UTF-16"?>
<rss version="2.0"><channel><title>T</title><link>/</link><description>d</description>
<item><title>Un</title><link>/article1.html</link><guid isPermaLink="false">r1</guid></item>
<item><title>Deux</title><link>../article2.html</link><guid isPermaLink="false">r2</guid></item>
<item><title>Été &lt;b&gt;gras&lt;/b&gt;</title><guid>r3</guid><description>Le conseil a voté.</description></item>
</channel></rss>
"""


@pytest.fixture(scope="module")
def server():
    global FEED
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    FEED = FEED.replace("{base}", base)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()


def test_loopback_is_refused_unless_allowed(server, tmp_path):
    with pytest.raises(InputError, match=r"refused: 127\.0\.0\.1 resolves to a loopback address"):
        fetch_url(f"{server}/article1.html", cache_dir=False)
    fetched = fetch_url(f"{server}/article1.html", allow_private=True, cache_dir=tmp_path)
    assert fetched.status == 200 and b"Article 1" in fetched.data and fetched.charset == "utf-8"


def test_a_fetched_page_records_its_provenance_and_the_cache_answers_304(server, tmp_path):
    source = fetch_source(f"{server}/moved", allow_private=True, cache_dir=tmp_path)
    fetch = source.meta["fetch"]
    assert fetch["final_url"].endswith("/article7.html") and fetch["redirects"] == [f"{server}/article7.html"]
    assert fetch["canonical_url"] == "https://news.example/a7" and fetch["title"].endswith("7")
    assert len(fetch["sha256"]) == 64 and fetch["fetched_at"] and source.format == "html"
    first = fetch_url(f"{server}/article2.html", allow_private=True, cache_dir=tmp_path)
    again = fetch_url(f"{server}/article2.html", allow_private=True, cache_dir=tmp_path)
    assert not first.from_cache and again.from_cache and again.data == first.data


@pytest.mark.parametrize(
    ("path", "options", "reason"),
    [
        ("/loop-a", {}, "redirect loop at"),
        ("/nothing", {}, "the server answered HTTP 404 Not Found"),
        ("/slow", {"read_timeout": 0.3}, "stopped answering: nothing for 0.3 s"),
        ("/huge", {"max_bytes": 100_000}, "is larger than the size limit of 100000 bytes"),
        ("/image", {}, "is a PNG image, which trpipe does not read"),
    ],
)
def test_fetch_errors_are_one_line(server, path, options, reason):
    with pytest.raises(InputError) as caught:
        fetch_source(f"{server}{path}", allow_private=True, cache_dir=False, **options)
    assert reason in str(caught.value) and "\n" not in str(caught.value)


def test_only_http_and_https(tmp_path):
    with pytest.raises(InputError, match="trpipe reads http and https URLs only"):
        fetch_url("ftp://example.org/a.txt", cache_dir=False)


def test_each_hop_connects_to_the_address_checked_and_rebinding_is_refused():
    """The fake resolver answers a public address first, then loopback (a rebinding DNS): the connection goes
    to the address checked, and a redirect to a name that now resolves to loopback is refused."""
    answers = {"news.example": ["93.184.216.34", "127.0.0.1"], "evil.example": ["93.184.216.35", "10.0.0.8"]}
    calls: list[str] = []

    def resolver(host, port):
        calls.append(host)
        addresses = answers[host]
        return [addresses.pop(0)] if len(addresses) > 1 else addresses

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers["host"] == "news.example":
            return httpx.Response(302, headers={"Location": "http://evil.example/x"})
        return httpx.Response(200, html="<p>never</p>")

    transport = httpx.MockTransport(handler)
    fetched_first = None
    with pytest.raises(InputError, match=r"refused: evil.example resolves to a private address \(10\.0\.0\.8\)"):
        # evil.example is public on its first answer: resolved once, then asked again on the redirect hop
        answers["evil.example"].pop(0)
        fetched_first = fetch_url("http://news.example/a", resolver=resolver, transport=transport, cache_dir=False)
    assert fetched_first is None
    assert seen[0].url.host == "93.184.216.34" and seen[0].headers["host"] == "news.example"
    assert calls == ["news.example", "evil.example"]  # one resolution per hop: the checked address is used


def test_translate_a_url_and_a_url_list(server, tmp_path, monkeypatch, echo_registry):
    monkeypatch.setenv("TRPIPE_MODELS", str(echo_registry))
    base = ["translate", "--to", "en", "--from", "fr", "--backend", "test-echo", "--no-summary", "--no-cache"]
    refused = CliRunner().invoke(cli, [*base, f"{server}/article1.html"])
    assert refused.exit_code == 2 and "loopback" in refused.output
    one = CliRunner().invoke(cli, [*base, f"{server}/article1.html", "--allow-private-urls", "--format", "json"])
    assert one.exit_code == 0, one.output
    doc = json.loads(one.stdout)
    assert doc["source"]["format"] == "html" and doc["provenance"]["extractor"]["fetch"]["status"] == 200
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# a list\n{server}/article1.html\n\n{server}/nothing\n{server}/article3.html\n")
    out = tmp_path / "out"
    args = [*base, "--urls", str(urls), "--allow-private-urls", "-o", str(out), "--format", "json"]
    batch = CliRunner().invoke(cli, args)
    assert batch.exit_code == 1 and "2 articles ok, 1 failed" in batch.output
    assert "HTTP 404" in batch.output
    again = CliRunner().invoke(cli, args)
    assert "2 skipped (current)" in again.output


def test_a_feed_becomes_articles_and_the_state_skips_what_is_done(server, tmp_path, monkeypatch, echo_registry):
    monkeypatch.setenv("TRPIPE_MODELS", str(echo_registry))
    base = ["translate", "--to", "en", "--from", "fr", "--backend", "test-echo", "--no-summary", "--no-cache"]
    state, out = tmp_path / "state", tmp_path / "out"
    args = [*base, "--feed", f"{server}/feed.xml", "--allow-private-urls", "--state", str(state), "-o", str(out)]
    first = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert first.exit_code == 0, first.output
    assert "3 articles ok" in first.output
    docs = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    used = sorted(d["provenance"]["extractor"]["feed"]["article"] for d in docs)
    assert used[0].startswith("entry content (the linked page could not be had: the server answered HTTP 404")
    assert used[1:] == ["linked page", "linked page"]
    (state_file,) = state.glob("*.json")
    saved = json.loads(state_file.read_text())
    assert saved["format"] == "trpipe-feed-state" and sorted(saved["entries"]) == ["e1", "e2", "e3"]
    second = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert second.exit_code == 0 and "0 articles ok" in second.output and "3 skipped" in second.output
    state_file.write_text("{not json")
    corrupt = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert corrupt.exit_code == 1 and "is a corrupt feed state file" in corrupt.output
    assert state_file.read_text() == "{not json"  # reported, never reset


def test_feed_since_limit_and_a_feed_that_is_a_web_page(server, tmp_path, monkeypatch, echo_registry):
    monkeypatch.setenv("TRPIPE_MODELS", str(echo_registry))
    base = ["translate", "--to", "en", "--from", "fr", "--backend", "test-echo", "--no-summary", "--no-cache"]
    args = [*base, "--feed", f"{server}/feed.xml", "--allow-private-urls", "--format", "json"]
    limited = CliRunner().invoke(cli, [*args, "--since", "2021-03-02", "--limit", "1", "-o", str(tmp_path / "a")])
    assert limited.exit_code == 0 and "1 article ok" in limited.output
    (doc,) = [json.loads(p.read_text()) for p in (tmp_path / "a").glob("*.json")]
    assert doc["provenance"]["extractor"]["feed"]["entry"] == "e2"
    page = html_feed(tmp_path)
    bad = CliRunner().invoke(cli, [*base, "--feed", str(page), "-o", str(tmp_path / "b")])
    assert bad.exit_code == 1 and "is a web page, not an RSS or Atom feed" in bad.output


@pytest.mark.parametrize(
    ("encoding", "title", "body"),
    [
        (
            "windows-1252",
            "Le conseil régional vote l’aide",
            "L’opposition dénonce « un chèque » de 800 000 €.",
        ),
        ("koi8-r", "Совет области утвердил бюджет", "Оппозиция требует независимого аудита расходов региона."),
    ],
)
def test_a_feed_in_a_legacy_encoding_without_declaration_is_decoded(tmp_path, encoding, title, body):
    """No XML declaration, no charset (a file): the bytes are not UTF-8, so the encoding is detected."""
    from trpipe.read.feeds import FeedOptions, entries

    items = "".join(
        f"<item><title>{title} {n}</title><guid>g{n}</guid><description>{body} No {n}. {body}</description></item>"
        for n in range(3)
    )
    feed = tmp_path / "legacy.xml"
    rss = f'<rss version="2.0"><channel><title>{title}</title><link>x</link><description>d</description>{items}'
    feed.write_bytes((rss + "</channel></rss>").encode(encoding, errors="replace"))
    with pytest.raises(UnicodeDecodeError):
        feed.read_bytes().decode("utf-8")
    found = [entry for entry, _state in entries(FeedOptions(sources=(str(feed),)))]
    assert [e.title for e in found] == [f"{title} {n}" for n in range(3)]
    assert all(body in e.content for e in found)


def test_feed_links_resolve_against_the_feeds_final_url(server, tmp_path):
    """A feed reached through a redirect, in UTF-16: relative links resolve against where it was found;
    an RSS guid that is no URL is not fetched (the entry's own content is its article)."""
    from trpipe.read.feeds import FeedOptions, entries, entry_source

    found = [entry for entry, _state in entries(FeedOptions(sources=(f"{server}/moved-feed",)), allow_private=True)]
    assert [e.key for e in found] == ["r1", "r2", "r3"]
    assert [e.link for e in found] == [f"{server}/article1.html", f"{server}/article2.html", None]
    assert found[2].title == "Été gras"  # a title holding markup (escaped HTML): its text
    first = entry_source(found[0], allow_private=True)
    assert first.meta["feed"]["article"] == "linked page" and "Article 1" in first.text
    own = entry_source(found[2], allow_private=True)
    assert own.meta["feed"]["article"] == "entry content (the entry has no link)"


def test_a_meta_refresh_page_is_followed_like_a_redirect(server):
    source = fetch_source(f"{server}/refresh", allow_private=True, cache_dir=False)
    assert "Article 5" in source.text and source.meta["fetch"]["redirects"] == [f"{server}/article5.html"]
    assert source.meta["fetch"]["url"] == f"{server}/refresh"
    with pytest.raises(InputError, match="no article text found"):
        fetch_source(f"{server}/refresh-self", allow_private=True, cache_dir=False)


def test_credentials_in_a_url_are_sent_to_its_host_and_never_recorded(server):
    host = server.removeprefix("http://")
    source = fetch_source(f"http://ana:p%40ss@{host}/private", allow_private=True, cache_dir=False)
    assert "Article 9" in source.text and "p%40ss" not in repr(source.meta) and "ana" not in source.path
    with pytest.raises(InputError) as caught:
        fetch_source(f"http://ana:wrong@{host}/private", allow_private=True, cache_dir=False)
    assert "HTTP 401" in str(caught.value) and "wrong" not in str(caught.value)


def test_transient_failures_are_tried_again(server):
    source = fetch_source(f"{server}/flaky", allow_private=True, cache_dir=False)
    assert "Article 4" in source.text and TRIES["/flaky"] == 3
    with pytest.raises(InputError, match=r"HTTP 503 Service Unavailable \(tried 3 times\)$"):
        fetch_source(f"{server}/flaky-down", allow_private=True, cache_dir=False)
    with pytest.raises(InputError, match=r"HTTP 429 Too Many Requests \(it asks to come back in 120 s\)$"):
        fetch_source(f"{server}/later", allow_private=True, cache_dir=False)
