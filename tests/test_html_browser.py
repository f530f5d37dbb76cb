"""The HTML page in headless Chromium: it renders, and a citation link lands on (and highlights) its segment.

Needs Chromium (Debian: ``apt-get install -y chromium``); skipped with the reason when it is absent.
The document is built by docs/make_screenshot.py, so the script that makes the docs' screenshot is tested too.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

from trpipe.render.html import render_html

DOCS_SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "make_screenshot.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("make_screenshot", DOCS_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shots = _load_script()
# In CI (.ci/run installs Chromium) a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    shots.find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium not installed (Debian: apt-get install -y chromium; or set TRPIPE_CHROMIUM)",
)

# Appended to a copy of the page: on load, click the summary's first citation of TARGET like a reader
# would; once the hash change is handled, record where the cited segment ended up in the viewport.
_CLICK = """<script>
window.addEventListener("hashchange", function () {
  setTimeout(function () {
    var el = document.getElementById(location.hash.slice(1));
    var top = el ? Math.round(el.getBoundingClientRect().top) : -9999;
    document.body.setAttribute("data-landed-top", String(top));
    document.body.setAttribute("data-scroll-y", String(Math.round(window.scrollY)));
  }, 50);
});
window.addEventListener("load", function () {
  document.querySelector('.summary a.cite[href="#TARGET"]').click();
});
</script>
</body>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    document = shots.demo_document()
    target = document.summary["en"][-1].cites[0]  # far down the page: following it must scroll
    folder = tmp_path_factory.mktemp("html")
    path = folder / "report.html"
    html = render_html(document)
    path.write_text(html, encoding="utf-8")
    clicked = folder / "clicked.html"
    clicked.write_text(html.replace("</body>", _CLICK.replace("TARGET", target), 1), encoding="utf-8")
    return {"document": document, "path": path, "clicked": clicked, "target": target, "folder": folder}


def _body(dom: str) -> str:
    return re.search(r"<body[^>]*>", dom).group(0)


def _classes(dom: str, element_id: str) -> list[str]:
    m = re.search(rf'<section id="{element_id}" class="([^"]*)"', dom)
    assert m, f"no section {element_id} in the DOM"
    return m.group(1).split()


def test_page_renders_every_segment(page):
    dom = shots.run_chromium(page["path"].as_uri(), "--dump-dom")
    ids = re.findall(r'<section id="(p\d+)" class="row segment', dom)
    assert ids == [s.id for s in page["document"].segments]
    assert "highlight" not in " ".join(_classes(dom, ids[0]))
    assert 'data-target=""' in _body(dom)  # the page's script ran


def test_a_url_fragment_highlights_its_segment(page):
    target = page["target"]
    dom = shots.run_chromium(page["path"].as_uri() + f"#{target}", "--dump-dom")
    assert f'data-target="{target}"' in _body(dom)
    assert "highlight" in _classes(dom, target)
    assert sum("highlight" in _classes(dom, s.id) for s in page["document"].segments) == 1


def test_following_a_citation_lands_on_its_segment(page):
    target = page["target"]
    dom = shots.run_chromium(
        page["clicked"].as_uri(), "--dump-dom", "--virtual-time-budget=5000", "--window-size=1280,800"
    )
    body = _body(dom)
    assert f'data-target="{target}"' in body
    assert "highlight" in _classes(dom, target)
    top = int(re.search(r'data-landed-top="(-?\d+)"', body).group(1))
    scrolled = int(re.search(r'data-scroll-y="(\d+)"', body).group(1))
    assert scrolled > 0 and 0 <= top < 100, (top, scrolled)  # scrolled so that the segment is at the top


def test_screenshot(page):
    png = page["folder"] / "report.png"
    shots.screenshot(page["path"], png, 1000, 800)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
