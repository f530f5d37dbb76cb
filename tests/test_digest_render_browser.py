"""The HTML digest in headless Chromium (tests/cdp.py), at a phone's width (360 px): it renders with scripts on
and off, logs no error, requests nothing, fits the width, shows its disagreements, and every citation opens
its article's report at an element with the cited segment's id (highlighted by the report's script).

Needs Chromium (Debian: ``apt-get install -y chromium``); skipped with the reason when it is absent (a failure
in CI)."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from cdp import Browser, find_chromium, needs_chromium
from digest_samples import build
from trpipe.render.digest import digest_html

pytestmark = needs_chromium

STATE = """(function () {
  var root = document.documentElement, box = document.querySelector(".disagreement");
  box.scrollIntoView();
  var r = box.getBoundingClientRect(), marks = box.querySelectorAll("mark");
  var shown = Array.prototype.filter.call(document.querySelectorAll(".summary-lang"), function (p) {
    return p.offsetParent !== null; });
  return {scroll: root.scrollWidth, client: root.clientWidth, target: document.body.getAttribute("data-target"),
          box: [r.left, r.right, r.height], marks: Array.prototype.map.call(marks, function (m) {
            return [m.textContent, m.getBoundingClientRect().width > 0]; }),
          panels: shown.map(function (p) { return p.getAttribute("data-lang"); }),
          langSwitch: !document.querySelector(".lang-switch").hidden,
          cites: Array.prototype.map.call(document.querySelectorAll("a.cite"), function (a) { return a.href; })};
})()"""


def _problems(tab: Browser, allowed: set[str]) -> list[str]:
    """Errors logged and requests made, from the events seen since the page was opened."""
    tab.evaluate("1")  # lets pending events arrive
    out = []
    for event in tab.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            out.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            out.append(f"console: {json.dumps(params.get('args'))[:300]}")
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            out.append(f"log: {params['entry']['text'][:300]}")
        elif method == "Network.requestWillBeSent" and params["request"]["url"].split("#")[0] not in allowed:
            out.append(f"request: {params['request']['url']}")
    return out


def test_the_digest_in_chromium_with_scripts_on_and_off(tmp_path):
    digest = build(tmp_path)
    path = tmp_path / "digest.html"
    path.write_text(digest_html(digest, base=tmp_path), encoding="utf-8")
    url = path.as_uri()
    with Browser(find_chromium(), width=360, height=800) as tab:
        tab.send("Network.enable", session=True)
        tab.send("Log.enable", session=True)
        tab.open(url)
        state = tab.evaluate(STATE)
        assert _problems(tab, {url}) == []
        assert state["target"] == ""  # the page's script ran
        assert state["scroll"] <= state["client"], state  # nothing wider than the phone
        left, right, height = state["box"]
        assert left >= 0 and right <= state["client"] and height > 50
        assert state["marks"] == [["300 emplois", True], ["500 emplois", True]]
        assert state["langSwitch"] and state["panels"] == ["en", "ar", "en", "ar"]
        tab.evaluate("document.querySelector('.lang-switch button[data-lang=\"ar\"]').click()")
        assert tab.evaluate(STATE)["panels"] == ["ar", "ar"]

        reports = sorted({c for c in state["cites"] if ".html#" in c})
        assert len(reports) >= 3
        for cite in reports:  # each citation lands on its segment in the article's report
            tab.open(cite)
            fragment = unquote(cite.split("#", 1)[1])
            assert tab.evaluate(f"!!document.getElementById({json.dumps(fragment)})"), cite
            assert tab.evaluate("document.body.getAttribute('data-target')") == fragment
            assert _problems(tab, {cite.split("#")[0]}) == []

        tab.send("Emulation.setScriptExecutionDisabled", {"value": True}, session=True)
        tab.open(url)
        tab.send("Runtime.evaluate", {"expression": "1"}, session=True)
        off = tab.evaluate(STATE)  # DevTools may still evaluate; the page's own script did not run
        assert off["target"] is None and not off["langSwitch"]
        assert off["panels"] == ["en", "ar", "en", "ar"]  # every language shown, side by side or stacked
        assert off["marks"] == [["300 emplois", True], ["500 emplois", True]]
        assert off["scroll"] <= off["client"]
        assert _problems(tab, {url}) == []


@pytest.mark.parametrize("width", [1280])
def test_wide_page_puts_the_facts_side_by_side(tmp_path, width):
    digest = build(tmp_path)
    path = tmp_path / "digest.html"
    path.write_text(digest_html(digest, base=tmp_path), encoding="utf-8")
    with Browser(find_chromium(), width=width, height=900) as tab:
        tab.open(path.as_uri())
        tops = tab.evaluate(
            "Array.prototype.map.call(document.querySelectorAll('.disagreement')[0].querySelectorAll('.fact'),"
            " function (f) { var r = f.getBoundingClientRect(); return [Math.round(r.top), Math.round(r.left)]; })"
        )
        assert tops[0][0] == tops[1][0] and tops[0][1] < tops[1][1]  # side by side
        direction = tab.evaluate("getComputedStyle(document.querySelector('ol[lang=ar]')).direction")
        assert direction == "rtl"
