"""The digest's renderers (trpipe.render.digest) on digests built in memory (tests/digest_samples.py): the HTML
page's structure (every citation links to an existing anchor of an existing report, or to an existing JSON
document), its policy, languages and directions, disagreements with their source text, escaping of hostile
strings; the Markdown's links and escaping; the Atom feed parsed back by feedparser."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest

from digest_samples import HOSTILE, build
from trpipe.render.digest import digest_atom, digest_html, digest_markdown
from trpipe.render.digest.links import file_href

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x1b]")


class Tree(HTMLParser):
    """Every element as (tag, attributes, text directly inside it), in order."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, list[str]]] = []
        self.open: list[tuple[str, dict, list[str]]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        element = (tag, dict(attrs), [])
        self.elements.append(element)
        if tag not in ("meta", "br", "img", "input", "link"):
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for element in self.open:
            element[2].append(data)

    def find(self, tag: str | None = None, **attrs: str) -> list[tuple[str, dict, list[str]]]:
        def matches(element) -> bool:
            return (tag is None or element[0] == tag) and all(
                value in (element[1].get(key.rstrip("_")) or "").split() for key, value in attrs.items()
            )

        return [e for e in self.elements if matches(e)]

    def text(self, element) -> str:
        return "".join(element[2])


@pytest.fixture
def sample(tmp_path):
    return tmp_path, build(tmp_path)


def _ids(page: str) -> set[str]:
    return {e[1]["id"] for e in Tree(page).elements if "id" in e[1]}


def test_every_citation_links_to_an_existing_anchor_of_an_existing_report(sample):
    folder, digest = sample
    tree = Tree(digest_html(digest, base=folder))
    cites = tree.find("a", class_="cite")
    assert len(cites) >= 8  # the summaries' and the disagreements'
    kinds = set()
    for _, attrs, _ in cites:
        href = attrs["href"]
        path, _, fragment = href.partition("#")
        target = folder / unquote(path)
        assert not Path(path).is_absolute() and target.is_file(), href
        if "report" in attrs["class"].split():
            kinds.add("report")
            assert unquote(fragment) in _ids(target.read_text(encoding="utf-8")), href
        else:  # a4 has no report: its JSON document
            kinds.add("document")
            assert not fragment and path.endswith("a4.json")
    assert kinds == {"report", "document"}


def test_page_policy_structure_and_languages(sample):
    folder, digest = sample
    page = digest_html(digest, base=folder)
    tree = Tree(page)
    policy = tree.find("meta", **{"http-equiv": "Content-Security-Policy"})[0][1]["content"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy and "unsafe-inline" not in policy
    assert tree.find("main") and tree.find("header") and tree.find("footer") and tree.find("nav")
    assert len(tree.find("h1")) == 1
    stories = tree.find("article", class_="story")
    assert [e[1]["id"] for e in stories] == ["story-s1", "story-s2", "story-s3"]
    assert [tree.text(e) for e in tree.find("span", class_="badge")][:2] == ["new", "updated"]
    lists = {(e[1].get("lang"), e[1].get("dir")) for e in tree.find("ol") if e[1].get("lang")}
    assert lists == {("en", "ltr"), ("ar", "rtl")}
    assert {e[1]["lang"] for e in tree.find(dir="rtl")} == {"ar"}
    assert len(tree.find("section", class_="summary-lang")) == 4  # two stories, two languages each
    contents = [e[1]["href"] for e in tree.find("nav", class_="contents")[0:1] for e in tree.find("a") if
                e[1].get("href", "").startswith("#story-") and e[1]["href"].count("-") == 1]  # fmt: skip
    assert contents == ["#story-s1", "#story-s2", "#story-s3"]
    for _, attrs, _ in tree.find("a"):  # every in-page link lands on an element; every link has text
        if attrs["href"].startswith("#"):
            assert attrs["href"][1:] in _ids(page), attrs["href"]
    assert all(tree.text(e).strip() for e in tree.find("a"))
    assert "No summary." in page  # story 3


def test_duplicates_timeline_flags_and_disagreements(sample):
    folder, digest = sample
    tree = Tree(digest_html(digest, base=folder))
    story = tree.find("article", id="story-s1")[0]
    wire = tree.find("li", class_="wire")
    assert len(wire) == 1 and "Same wire copy (2 articles)" in tree.text(wire[0])
    timeline = [tree.text(e) for e in tree.find("section", class_="timeline")]
    assert "2026-12-01 08:00 UTC" in timeline[0] and "undated" in timeline[1]
    assert timeline[1].index("2026-12-04") < timeline[1].index("undated")
    flags = [e[1]["data-flag"] for e in tree.find("span", class_="flag")]
    assert flags == ["unsupported", "made_up_flag<b>", "weakly_supported", "wrong_citation"]
    assert "unsupported: 500" in tree.text(tree.find("span", class_="flag")[0])
    assert len(tree.find("li", class_="flagged")) == 3
    facts = tree.find("figure", class_="fact")
    assert len(facts) == 4
    marks = [tree.text(e) for e in tree.find("mark")]
    assert marks == ["300 emplois", "500 emplois", "3. März", "4. März"]
    first = tree.text(tree.find("blockquote")[0])
    assert first == "Le constructeur supprime 300 emplois à Flins, a-t-il dit lundi."  # the span in its segment
    assert "between copies of one wire story" in tree.text(tree.find("div", class_="disagreement")[0])
    notes = [tree.text(e) for e in tree.find("p", class_="note")]
    assert len(notes) == 1 and "source text not available" in notes[0] and "a5.json" in notes[0]
    assert story[1]["aria-labelledby"] == "story-s1-title"


def test_contexts_from_embedded_documents_and_bad_offsets(sample):
    folder, digest = sample
    digest = copy.deepcopy(digest)
    a1 = next(a for a in digest["articles"] if a["id"] == "a1")
    a1["document"] = json.loads((folder / a1["document"]).read_text(encoding="utf-8"))  # --embed
    (folder / "digest.articles/a1.json").unlink()
    tree = Tree(digest_html(digest, base=folder))
    assert tree.text(tree.find("blockquote")[0]).startswith("Le constructeur supprime 300 emplois")
    a1["document"]["source"]["text"] = a1["document"]["source"]["text"].replace("300", "301")
    digest["stories"][0]["disagreements"][0]["b"]["start"] = 10_000
    tree = Tree(digest_html(digest, base=folder))
    notes = [tree.text(e) for e in tree.find("p", class_="note")]
    assert any("offsets" in n for n in notes) and any("is not the fact's" in n for n in notes)
    assert [tree.text(e) for e in tree.find("mark")][:2] == ["300 emplois", "500 emplois"]  # the facts' texts
    (folder / "digest.articles/a4.json").write_text("{not json", encoding="utf-8")
    notes = [tree.text(e) for e in Tree(digest_html(digest, base=folder)).find("p", class_="note")]
    assert any("a4.json is not JSON" in n for n in notes)


def test_hostile_strings_are_inert(sample):
    folder, digest = sample
    digest = copy.deepcopy(digest)
    digest["stories"][0]["id"] = 's1"><script>x</script>'
    digest["languages"].append('x"><script>')
    page = digest_html(digest, base=folder)
    assert (
        page.count("<script") == 1
        and "<img" not in page
        and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    )
    assert not BIDI.search(page)
    assert "javascript:" not in page.replace("javascript:alert(1)", "")  # only shown as text, never a link
    tree = Tree(page)
    assert all(not e[1].get("href", "").lower().startswith("javascript") for e in tree.elements)
    assert any(HOSTILE[:30] in tree.text(e) for e in tree.find("li"))  # shown, as text
    assert tree.find(id="story-s1%22%3E%3Cscript%3Ex%3C%2Fscript%3E")


BROKEN_STORY = {
    "summary": {"en": [{}]},
    "disagreements": [{}],
    "articles": ["zz"],
    "duplicates": [["zz"]],
    "timeline": [{}],
}


@pytest.mark.parametrize("broken", [{}, {"stories": "x", "articles": 3}, {"stories": [BROKEN_STORY]}])
def test_malformed_digests_render_what_is_there(broken, tmp_path):
    page = digest_html(broken, base=tmp_path)
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    assert digest_markdown(broken).startswith("# Digest")
    assert feedparser.parse(digest_atom(broken)).bozo == 0


def test_markdown(sample):
    folder, digest = sample
    text = digest_markdown(digest, base=folder)
    assert "<script" not in text and "<img" not in text and not BIDI.search(text)
    assert "&lt;script&gt;" in text and "\\*" not in HOSTILE and "W" * 300 in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[0] == "## 1\\. Renault cuts jobs *(new)*" and len(headings) == 3
    assert "\n### Summary in Arabic (ar)\n" in text and "\n### Where the sources differ (1)\n" in text
    refs = dict(re.findall(r"^\[(\d+)\]: <([^>]*)>$", text, re.M))
    used = set(re.findall(r"\]\[(\d+)\]", text))
    assert used == set(refs)  # every reference-style link is defined, every definition used
    for href in refs.values():
        if not href.startswith("https://") and "a5.json" not in href:  # a5's document is missing on purpose
            path = href.partition("#")[0]
            assert (folder / unquote(path)).is_file(), href
    assert "digest.articles/a1.html#p2" in refs.values()
    assert "**300 emplois**" in text and "source text not available" in text
    assert "- Same wire copy (2 articles):" in text and "⚠ *made\\_up\\_flag&lt;b&gt;*" in text
    assert "javascript" not in "".join(refs.values())


def test_atom_feed_parses_back(sample):
    digest = sample[1]
    data = digest_atom(digest, base_url="https://news.example/digest/index.html")
    ET.fromstring(data)  # well-formed XML
    assert b"\x1b" not in data and b"\x00" not in data
    feed = feedparser.parse(data)
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.id.startswith("urn:trpipe:digest:")
    assert feed.feed.updated == "2026-12-05T06:00:00Z" and feed.feed.author == "trpipe"
    assert feed.entries[0].title == "Renault cuts jobs" and len(feed.entries) == 3
    assert len({e.id for e in feed.entries}) == 3
    first = feed.entries[0]
    assert first.updated == "2026-12-03T08:00:00Z" and first.tags[0].term == "new"
    alternate = [link.href for link in first.links if link.rel == "alternate"]
    assert alternate == ["https://news.example/digest/index.html#story-s1"]
    related = [link.href for link in first.links if link.rel == "related"]
    assert related == ["https://site-a1.example/news/a1?a=1&b=2", "https://site-a3.example/news/a3?a=1&b=2"]
    assert first.summary.startswith("Renault is cutting 300 jobs")
    html = first.content[0].value
    assert 'href="https://news.example/digest/digest.articles/a1.html#p2"' in html
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html  # text inside the HTML
    assert feed.entries[1].title.startswith('<script>alert("x")')  # a title is text, shown as it is
    again = feedparser.parse(digest_atom(copy.deepcopy(digest), base_url="https://news.example/digest/index.html"))
    assert [e.id for e in again.entries] == [e.id for e in feed.entries] and again.feed.id == feed.feed.id
    bare = feedparser.parse(digest_atom(digest))
    assert bare.bozo == 0 and all(link.href.startswith("https://") for e in bare.entries for link in e.get("links", []))


def test_the_policy_allows_exactly_the_inline_style_and_script(sample):
    folder, digest = sample
    page = digest_html(digest, base=folder)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    policy = Tree(page).find("meta", **{"http-equiv": "Content-Security-Policy"})[0][1]["content"]
    assert f"style-src {_sha(style)};" in policy and f"script-src {_sha(script)};" in policy
    assert "img-src 'none'" in policy and "base-uri 'none'" in policy and "form-action 'none'" in policy
    assert script.strip() == files("trpipe.render.digest").joinpath("digest.js").read_text(encoding="utf-8").strip()
    assert "${" not in page and "http://" not in page.replace("http://www.w3.org", "")


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_atom_falls_back_to_another_language_and_keeps_controls_out(sample):
    digest = copy.deepcopy(sample[1])
    del digest["stories"][1]["summary"]["en"]
    digest["stories"][0]["title"] = "A\x00B\x1bC\ufffeD\u202eE"
    feed = feedparser.parse(digest_atom(digest))
    assert feed.bozo == 0 and feed.entries[0].title == "ABCDE"
    second = feed.entries[1]
    assert second.summary == "التصويت في مارس." and second.summary_detail.language == "ar"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("digest.articles/a 1#x?.html", "digest.articles/a%201%23x%3F.html"),
        ("javascript:alert(1)", "javascript%3Aalert%281%29"),  # a relative path, never a scheme
        ("//evil.example/x", None),
        ("\\\\server\\share\\x.html", None),
        ("/srv/digest/a1.html", "file:///srv/digest/a1.html"),
        ("https://example.org/a b.html", "https://example.org/a%20b.html"),
        ("", None),
        (None, None),
    ],
)
def test_file_links_stay_files(given, expected):
    assert file_href(given) == expected


def test_a_reader_of_a_right_to_left_language(sample):
    folder, digest = sample
    digest = copy.deepcopy(digest)
    digest["target"], digest["languages"] = "ar", ["ar", "en"]
    tree = Tree(digest_html(digest, base=folder))
    title = tree.find("h2", id="story-s1-title")[0]
    assert tree.find("a", href="#story-s1")[0][1]["dir"] == "rtl"
    assert [e[1]["data-lang"] for e in tree.find("section", class_="summary-lang")][:2] == ["ar", "en"]
    assert any(e[1].get("dir") == "rtl" for e in tree.elements if "Renault cuts jobs" in tree.text(e)), title
