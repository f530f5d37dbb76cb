"""The service and documents (issue 21): ``/translate_file`` gives a Word, OpenDocument, PowerPoint or EPUB
file back in its own format (a PDF as a Word file), and ``/v1/translate`` fetches a ``url``, refusing
loopback addresses unless the server allows private URLs (a server in this process, on the ``test-hold``
backend, with a page served from 127.0.0.1)."""

from __future__ import annotations

import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from documents import office, pdfs
from serve_fixtures import local_server

PAGE = (
    "<!doctype html><html><head><title>Conseil</title></head><body><article><h1>Le conseil vote le budget</h1>"
    "<p>Le conseil régional a voté mardi un budget de 800 000 euros pour les lycées de la région.</p>"
    "<p>Les élus de l'opposition ont dénoncé une hausse des impôts locaux.</p></article></body></html>"
).encode()


@pytest.fixture(scope="module")
def page_url():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/article.html"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two in-process servers: the default (private URLs refused) and one allowing them."""
    from trpipe.models.demo import write_registry

    folder = tmp_path_factory.mktemp("serve-docs")
    registry = write_registry(folder / "models.yaml", {"fr-en": "hold/fr-en", "en-fr": "hold/en-fr"})
    with (
        local_server(folder / "a", registry) as strict,
        local_server(folder / "b", registry, allow_private_urls=True) as open_,
    ):
        yield strict.url, open_.url


def test_an_uploaded_document_comes_back_in_its_own_format(servers, tmp_path):
    import docx

    url, _ = servers
    path, _ = office.docx(tmp_path)
    answer = httpx.post(
        f"{url}/translate_file", data={"source": "fr", "target": "en"}, files={"file": (path.name, path.read_bytes())}
    )
    assert answer.status_code == 200, answer.text
    got = httpx.get(answer.json()["translatedFileUrl"])
    assert got.status_code == 200 and "note.fr.en.docx" in got.headers["content-disposition"]
    assert got.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    before, after = docx.Document(path), docx.Document(io.BytesIO(got.content))
    assert [p.style.name for p in after.paragraphs] == [p.style.name for p in before.paragraphs]
    assert f"[{office.BODY[0]}]" in [p.text for p in after.paragraphs]  # test-hold: x -> [x]
    image = next(n for n in zipfile.ZipFile(path).namelist() if n.startswith("word/media/"))
    assert zipfile.ZipFile(io.BytesIO(got.content)).read(image) == zipfile.ZipFile(path).read(image)
    report, _ = pdfs.pdf(tmp_path, pages=1)
    pdf = httpx.post(
        f"{url}/translate_file", data={"source": "fr", "target": "en"}, files={"file": ("r.pdf", report.read_bytes())}
    )
    assert "r.en.docx" in httpx.get(pdf.json()["translatedFileUrl"]).headers["content-disposition"]
    broken = httpx.post(
        f"{url}/translate_file", data={"source": "fr", "target": "en"}, files={"file": ("x.docx", b"PK\x03\x04junk")}
    )
    assert broken.status_code == 400 and "damaged or truncated Word document" in broken.json()["error"]
    assert ".docx" in httpx.get(f"{url}/frontend/settings").json()["supportedFilesFormat"]


def test_a_url_is_fetched_with_loopback_refused_unless_allowed(servers, page_url):
    strict, open_ = servers
    fields = {"url": page_url, "to": "en", "from": "fr", "summary": False}
    refused = httpx.post(f"{strict}/v1/translate", json=fields)
    assert refused.status_code == 400 and "loopback" in refused.json()["error"]
    done = httpx.post(f"{open_}/v1/translate", json=fields, timeout=60)
    assert done.status_code == 200, done.text
    document = done.json()
    assert document["provenance"]["extractor"]["fetch"]["final_url"] == page_url
    assert any(s["translation"] == f"[{s['text']}]" for s in document["segments"])
    ftp = httpx.post(f"{open_}/v1/translate", json={**fields, "url": "ftp://example.org/a"})
    assert ftp.status_code == 400 and "only http and https" in ftp.json()["error"]
