"""The HTML page in headless Chromium: it renders, a citation link lands on (and highlights) its segment,
the n/p keys walk the flagged segments, long tokens wrap, low scores are shaded, and nothing from the input
(nor a script slipped into the page) runs.

Needs Chromium (Debian: ``apt-get install -y chromium``); skipped with the reason when it is absent.
The document is built by docs/make_screenshot.py, so the script that makes the docs' screenshot is tested too.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib.util
import os
import re
from pathlib import Path

import pytest

from trpipe.records import Sentence
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


def with_script(page: str, script: str) -> str:
    """``page`` with ``script`` (``<script>...</script>``) added before ``</body>`` and allowed by the page's
    Content-Security-Policy (its hash added to script-src), as a test's own instrumentation."""
    body = script.split(">", 1)[1].rsplit("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    page = page.replace("script-src ", f"script-src 'sha256-{digest}' ", 1)
    return page.replace("</body>", script + "\n</body>", 1)


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
</script>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    document = shots.demo_document()
    target = document.summary["en"][-1].cites[0]  # far down the page: following it must scroll
    folder = tmp_path_factory.mktemp("html")
    path = folder / "report.html"
    html = render_html(document)
    path.write_text(html, encoding="utf-8")
    clicked = folder / "clicked.html"
    clicked.write_text(with_script(html, _CLICK.replace("TARGET", target)), encoding="utf-8")
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


def _attr(dom: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', _body(dom))
    assert found, f"no {name} on <body>: the test's script did not run"
    return found.group(1)


# Presses n, n, p, like a reader walking the flags, and records where each press landed.
_KEYS = """<script>
window.addEventListener("load", function () {
  var seen = [];
  function press(key) { document.dispatchEvent(new KeyboardEvent("keydown", {key: key})); }
  var keys = ["n", "n", "p"], i = 0;
  function step() {
    if (i > 0) seen.push(location.hash.slice(1));
    if (i === keys.length) { document.body.setAttribute("data-walk", seen.join(" ")); return; }
    press(keys[i++]);
    setTimeout(step, 50);
  }
  step();
});
</script>"""


def test_n_and_p_keys_walk_the_flagged_segments(page):
    flagged = [s.id for s in page["document"].segments if s.flags]
    assert len(flagged) >= 2
    path = page["folder"] / "keys.html"
    path.write_text(with_script(render_html(page["document"]), _KEYS), encoding="utf-8")
    dom = shots.run_chromium(path.as_uri(), "--dump-dom", "--virtual-time-budget=5000", "--window-size=1280,800")
    assert _attr(dom, "data-walk").split() == [flagged[0], flagged[1], flagged[0]]
    assert "highlight" in _classes(dom, flagged[0])


# Records the page's width against the viewport's, and the background of a shaded and a plain sentence.
_MEASURE = """<script>
window.addEventListener("load", function () {
  var b = document.body, root = document.documentElement;
  b.setAttribute("data-scroll-width", String(root.scrollWidth));
  b.setAttribute("data-client-width", String(root.clientWidth));
  var low = document.querySelector(".tgt .sent.low, .tgt .sent.very-low");
  var plain = document.querySelector(".tgt .sent:not(.low):not(.very-low)");
  b.setAttribute("data-low-bg", low ? getComputedStyle(low).backgroundColor : "none");
  b.setAttribute("data-plain-bg", plain ? getComputedStyle(plain).backgroundColor : "none");
});
</script>"""

LONG = "x" * 400 + "/" + "ÉÉ" * 150


def test_long_unbroken_tokens_wrap_everywhere_and_low_scores_are_shaded(page):
    document = copy.deepcopy(page["document"])
    title = next(s for s in document.segments if s.kind == "title")
    title.translation = f"Title {LONG}"
    title.sentences = [Sentence(title.start, title.end, title.text, title.translation, score=-0.1)]
    paragraph = next(s for s in document.segments if s.flags)
    paragraph.flags.append({"check": "numbers", "detail": f"not in the translation: {LONG}"})
    paragraph.sentences[0].translation = f"{LONG} {LONG}"
    document.summary["en"][0].text += " " + LONG
    document.source.path = f"in/{LONG}.txt"
    document.provenance["models"]["translation"]["model"] = LONG
    document.provenance["signature"] = LONG
    path = page["folder"] / "long.html"
    path.write_text(with_script(render_html(document), _MEASURE), encoding="utf-8")
    for width in (1280, 420):
        dom = shots.run_chromium(
            path.as_uri(), "--dump-dom", "--virtual-time-budget=3000", f"--window-size={width},900"
        )
        assert int(_attr(dom, "data-scroll-width")) <= int(_attr(dom, "data-client-width")), width
        assert _attr(dom, "data-low-bg") not in ("none", _attr(dom, "data-plain-bg"))


# Slipped into the page as if escaping had failed: a script and event handlers that would mark <body>.
_INJECTED = (
    '<script>document.body.setAttribute("data-pwned", "script")</script>'
    "<img src=\"x\" onerror=\"document.body.setAttribute('data-pwned', 'img')\">"
    "<svg onload=\"document.body.setAttribute('data-pwned', 'svg')\"></svg>"
)


def test_the_policy_stops_a_script_slipped_into_the_page(page):
    html = render_html(page["document"])
    path = page["folder"] / "injected.html"
    path.write_text(html.replace("<main", _INJECTED + "<main", 1), encoding="utf-8")
    dom = shots.run_chromium(path.as_uri(), "--dump-dom", "--virtual-time-budget=3000")
    assert "data-pwned" not in _body(dom)
    assert 'data-target=""' in _body(dom)  # while the page's own script ran


def test_hostile_input_runs_nothing(page):
    document = copy.deepcopy(page["document"])
    payload = _INJECTED + '"><script>document.body.setAttribute("data-pwned", "attr")</script>'
    for segment in document.segments[:3]:
        segment.text = segment.translation = payload
        for sentence in segment.sentences:
            sentence.translation = payload
        segment.flags.append({"check": payload, "detail": payload})
    document.source.path = document.source.doc_id = payload
    document.summary["en"][0].text = payload
    path = page["folder"] / "hostile.html"
    path.write_text(render_html(document), encoding="utf-8")
    dom = shots.run_chromium(path.as_uri(), "--dump-dom", "--virtual-time-budget=3000")
    assert "data-pwned" not in _body(dom) and 'data-target=""' in _body(dom)
    assert "<img" not in dom and "<svg" not in dom


# Focuses the first aligned word of a translation (as Tab would) and records the words highlighted with it.
_ALIGN = """<script>
window.addEventListener("load", function () {
  var word = document.querySelector(".tgt .w[data-a]");
  word.focus();
  var lit = document.querySelectorAll(".w.aligned");
  var shown = [];
  for (var i = 0; i < lit.length; i++) shown.push((lit[i].closest(".src") ? "src:" : "tgt:") + lit[i].textContent);
  document.body.setAttribute("data-aligned", shown.join("|"));
  word.blur();
  document.body.setAttribute("data-after-blur", String(document.querySelectorAll(".w.aligned").length));
});
</script>"""


def test_focusing_a_translated_word_highlights_its_aligned_source_word(page):
    path = page["folder"] / "align.html"
    path.write_text(with_script(render_html(page["document"]), _ALIGN), encoding="utf-8")
    dom = shots.run_chromium(path.as_uri(), "--dump-dom", "--virtual-time-budget=3000")
    shown = _attr(dom, "data-aligned").split("|")
    sources = [s[4:] for s in shown if s.startswith("src:")]
    targets = [s[4:] for s in shown if s.startswith("tgt:")]
    assert sources and targets and set(sources) == set(targets)  # the echo translation keeps every word
    assert _attr(dom, "data-after-blur") == "0"
