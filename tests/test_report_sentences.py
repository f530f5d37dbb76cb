"""The report cites sentence by sentence: the source is split into the translation's sentences, a sentence
hovered or focused (Tab, as a reader does) highlights its counterparts and shows its span and score, a flag
names its sentence and marks the words it is about, the offsets show on demand and copy; Markdown shows
the segment offsets too. The browser part runs in headless Chromium through the DevTools protocol (real key
presses and mouse moves); it is skipped, with the reason, without Chromium (a failure in CI).
"""

from __future__ import annotations

import copy
import os
import re

import pytest
from lxml import html as lxml_html

from cdp import Browser, needs_chromium, shots
from trpipe.render import render
from trpipe.render.html import render_html
from trpipe.render.report.sentences import quoted_items


@pytest.fixture(scope="module")
def document():
    return shots.demo_document()


@pytest.fixture(scope="module")
def tree(document):
    return lxml_html.document_fromstring(render_html(document))


def _text(element) -> str:
    return "".join(element.itertext())


def test_the_source_is_split_into_the_translations_sentences(document, tree):
    for segment in document.segments:
        row = tree.get_element_by_id(segment.id)
        src = row.find_class("src")[0]
        assert _text(src) == segment.text  # the source cell is the segment's text, exactly
        spans = [s for s in src.iter("span") if s.get("data-s") is not None]
        assert [_text(s) for s in spans] == [s.text for s in segment.sentences]
        assert [(int(s.get("data-start")), int(s.get("data-end"))) for s in spans] == [
            (s.start, s.end) for s in segment.sentences
        ]
        assert all(s.get("tabindex") == "0" for s in spans)
        tgt = [s for s in row.find_class("tgt")[0].iter("span") if s.get("data-s") is not None]
        assert [s.get("data-s") for s in tgt] == [s.get("data-s") for s in spans]
        assert [s.get("data-start") for s in tgt] == [s.get("data-start") for s in spans]


def test_offsets_show_on_demand_ready_to_copy(document, tree):
    for segment in document.segments:
        details = tree.get_element_by_id(segment.id).find_class("offsets")[0]
        assert details.tag == "details" and details.get("open") is None  # shown on demand
        code = details.find(".//code").text
        assert code.startswith(f"{segment.id} {segment.start}-{segment.end} sentences ")
        assert code.split(" sentences ")[1].split() == [f"{s.start}-{s.end}" for s in segment.sentences]
        assert details.find(".//button").get("data-copy") == code


def test_a_flag_names_its_sentence_and_marks_its_words(document, tree):
    flagged = next(s for s in document.segments if "Glucksmann" in s.text and s.flags)  # 'sentence 2: ...'
    row = tree.get_element_by_id(flagged.id)
    (item,) = row.find_class("flags")[0].findall("li")
    button = item.find("button")
    assert button.text == "sentence 2" and button.get("data-s") == "1" and button.get("data-flag") == "0"
    assert "sentence 2: " not in _text(item)  # named once, by the button
    marks = [m for m in row.iter("mark") if m.get("data-flags") == "0"]
    assert [_text(m) for m in marks] and all(_text(m) == "Glucksmann" for m in marks)
    assert all(m.getparent().get("data-s") == "1" for m in marks)  # in the flagged sentence only


def test_a_flag_with_evidence_spans_marks_exactly_them(document):
    doc = copy.deepcopy(document)
    segment = next(s for s in doc.segments if len(s.sentences) > 1)
    sentence = segment.sentences[1]
    start = sentence.start + 3
    span = {"start": start, "end": start + 5, "text": doc.source.text[start : start + 5]}
    evidence = {"source": span, "target": {"start": 1, "end": 4}}
    segment.flags = [{"check": "numbers", "detail": "sentence 2: something", "sentence": 2, "evidence": evidence}]
    row = lxml_html.document_fromstring(render_html(doc)).get_element_by_id(segment.id)
    source_marks = [m for m in row.find_class("src")[0].iter("mark")]
    target_marks = [m for m in row.find_class("tgt")[0].iter("mark")]
    assert [_text(m) for m in source_marks] == [doc.source.text[start : start + 5]]
    assert [_text(m) for m in target_marks] == [sentence.translation[1:4]]


def test_quoted_items_of_flag_details():
    assert quoted_items('not in the translation: "800 000€"') == ["800 000€"]
    assert quoted_items("sentence 2: demo flag: 'Glucksmann' has no counterpart") == ["Glucksmann"]
    assert quoted_items('sentence 3: 1 negation(s) in the source ("n … pas"), 0 in the translation') == ["pas"]
    assert quoted_items("l'usine d'un groupe: « Huawei »") == ["Huawei"]  # apostrophes are not quotes
    assert quoted_items("the length is 140% of the source") == []


def test_markdown_shows_the_segment_offsets(document):
    text = render(document, "md")
    for segment in document.segments:
        assert (
            f"**{segment.id}** · {segment.kind} · line {segment.line} · characters {segment.start}–{segment.end}"
            in text
        )


# ------------------------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def browser(document, tmp_path_factory):
    binary = shots.find_chromium()
    if binary is None:
        pytest.fail("Chromium not found") if os.environ.get("CI") else pytest.skip("Chromium not installed")
    path = tmp_path_factory.mktemp("sentences") / "report.html"
    path.write_text(render_html(document), encoding="utf-8")
    with Browser(binary, shots.CHROMIUM_FLAGS) as browser:
        browser.url = path.as_uri()
        yield browser


STATE = """(function () {
  var el = document.activeElement, row = el && el.closest("section"), info = row && row.querySelector(".sent-info");
  function where(selector) {
    return Array.from(document.querySelectorAll(selector)).map(function (e) {
      return e.closest("div").className + ":" + e.getAttribute("data-s");
    });
  }
  return {active: el.className, s: el.getAttribute("data-s"), row: row ? row.id : null,
          sentence: document.body.getAttribute("data-sentence"), info: info && !info.hidden ? info.textContent : null,
          current: where(".sent.current"), paired: where(".sent.paired"),
          marks: document.querySelectorAll("mark.flag-word.active").length};
})()"""


def _tab_to(browser, test: str, limit: int = 200) -> dict:
    for _ in range(limit):
        browser.key("Tab")
        if browser.evaluate(f"(function () {{ var el = document.activeElement; return !!({test}); }})()"):
            return browser.evaluate(STATE)
    raise AssertionError(f"Tab never reached {test}")


@needs_chromium
def test_tab_to_a_sentence_highlights_its_counterpart_and_shows_its_span(browser, document):
    browser.open(browser.url)
    state = _tab_to(browser, 'el.matches(".src .sent[data-s]")')
    segment = next(s for s in document.segments if s.id == state["row"])
    sentence = segment.sentences[int(state["s"])]
    assert state["current"] == ["src:" + state["s"]] and state["paired"] == ["tgt:" + state["s"]]
    assert state["sentence"] == f"{segment.id}.{int(state['s']) + 1}"
    assert f"characters {sentence.start}–{sentence.end}" in state["info"]
    assert "model score en " in state["info"]
    following = _tab_to(browser, 'el.matches(".sent[data-s]")')  # its translation, from which the source lights
    assert (following["row"], following["s"]) == (state["row"], state["s"])
    assert following["current"] == ["tgt:" + state["s"]] and following["paired"] == ["src:" + state["s"]]
    assert browser.evaluate("document.querySelectorAll('.sent.current').length") == 1


@needs_chromium
def test_hovering_a_translated_sentence_shows_its_score(browser, document):
    browser.open(browser.url)
    browser.hover(".tgt .sent.low[data-s], .tgt .sent.very-low[data-s]")
    state = browser.evaluate(STATE.replace("document.activeElement", "document.querySelector('.sent.current')"))
    assert state["active"].split()[1] in ("low", "very-low") and state["paired"] == ["src:" + state["s"]]
    score = float(re.search(r"model score en (-?\d+\.\d\d)", state["info"])[1])
    assert score < -1


@needs_chromium
def test_tab_to_a_flag_shows_its_sentence_and_words(browser, document):
    browser.open(browser.url)
    state = _tab_to(browser, 'el.matches("button.flag-sentence[data-s]")')
    segment = next(s for s in document.segments if s.id == state["row"])
    assert state["paired"] and all(p.endswith(":" + state["s"]) for p in state["paired"])
    assert "flag 1 (" in state["info"] and state["sentence"] == f"{segment.id}.{int(state['s']) + 1}"
    if "Glucksmann" in segment.text:
        assert state["marks"] >= 1


@needs_chromium
def test_the_offsets_copy_from_the_keyboard(browser, document):
    browser.open(browser.url)
    _tab_to(browser, 'el.matches("details.offsets summary")')
    browser.key("Enter")  # opens the details
    state = _tab_to(browser, 'el.matches("button.copy")', limit=3)
    assert state["row"] == document.segments[0].id
    browser.key("Enter")
    copied = None
    for _ in range(50):
        copied = browser.evaluate("document.activeElement.getAttribute('data-copied')")
        if copied:
            break
    segment = document.segments[0]
    assert copied and copied.startswith(f"{segment.id} {segment.start}-{segment.end}")
    assert browser.evaluate("document.activeElement.textContent") in ("copied", "selected: press Ctrl+C")
