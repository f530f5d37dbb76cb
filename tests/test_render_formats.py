"""The html, tmx, xliff and jsonl renderings of pipeline documents (test-echo backend) and hand-made ones."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from trpipe.records import Document, Segment, Sentence, Source, SummarySentence
from trpipe.render.html import render_html
from trpipe.render.jsonl import render_jsonl
from trpipe.render.tmx import render_tmx
from trpipe.render.xliff import render_xliff


@pytest.fixture
def sample_doc(echo_registry, sample_text) -> Document:
    from trpipe.registry import load_registry
    from trpipe.session import Session
    from trpipe.settings import Settings

    source = Source(path="samples/huawei-brumath.fr.txt", text=sample_text, encoding="utf-8", sha256="0" * 64)
    pipeline = Session(
        load_registry(echo_registry), Settings(targets=("en",), source_lang="fr", backend="test-echo", summary=False)
    )
    try:
        return pipeline.run(source)
    finally:
        pipeline.close()


def hand_made() -> Document:
    """Two segments, one with a <script> in its text and a flag, and a bilingual summary citing both."""
    text = "Le titre <script>alert(1)</script>\n\nHuawei reçoit 800 000 €. Le député s'inquiète & proteste.\n"
    title_end = text.index("\n")
    para_start = text.index("Huawei")
    cut = text.index(" Le député")
    para_end = len(text) - 1
    segments = [
        Segment(
            "p1",
            "title",
            0,
            title_end,
            1,
            text[:title_end],
            [Sentence(0, title_end, text[:title_end], "The title <script>alert(2)</script>")],
            "The title <script>alert(2)</script>",
        ),
        Segment(
            "p2",
            "paragraph",
            para_start,
            para_end,
            3,
            text[para_start:para_end],
            [
                Sentence(para_start, cut, text[para_start:cut], "Huawei gets 800,000 €."),
                Sentence(cut + 1, para_end, text[cut + 1 : para_end], "The MP worries & protests."),
            ],
            "Huawei gets 800,000 €. The MP worries & protests.",
            flags=[{"check": "numbers", "detail": "800 000 → 800,000 <b>"}],
        ),
    ]
    summary = {
        "en": [
            SummarySentence("Huawei receives public money <i>.", ["p2"]),
            SummarySentence("An MP protests.", ["p1", "p2"], unsupported=["Paris"]),
        ],
        "fr": [SummarySentence("Huawei reçoit de l'argent public.", ["p2"])],
    }
    source = Source("a <b>.txt", text, "utf-8", "f" * 64, lang="fr", doc_id="doc-7")
    provenance = {"trpipe": "0.1.0", "models": {"translation": {"model": "echo/fr-en"}}, "signature": "x</pre>"}
    return Document(source, "en", segments, provenance, summary)


def sentence_count(document: Document) -> int:
    return sum(len(s.sentences) for s in document.segments)


# ------------------------------------------------------------------------------------------------------ TMX


@pytest.mark.parametrize("make", ["sample", "hand"])
def test_tmx_parses_back_with_one_unit_per_sentence(make, request):
    from translate.storage.tmx import tmxfile

    document = request.getfixturevalue("sample_doc") if make == "sample" else hand_made()
    store = tmxfile.parsestring(render_tmx(document).encode("utf-8"))
    units = [u for u in store.units if u.source]
    assert len(units) == sentence_count(document)
    sentences = [(seg, n, s) for seg in document.segments for n, s in enumerate(seg.sentences, start=1)]
    for unit, (seg, n, sentence) in zip(units, sentences):
        assert unit.source == sentence.text
        assert unit.gettarget("en") == sentence.translation
        props = {p.get("type"): p.text for p in unit.xmlelement.iter("{*}prop", "prop")}
        assert props["x-segment"] == seg.id and props["x-sentence"] == str(n)
        assert (int(props["x-start"]), int(props["x-end"])) == (sentence.start, sentence.end)
        assert document.source.text[int(props["x-start"]) : int(props["x-end"])] == unit.source
        assert unit.xmlelement.get("tuid") == f"{seg.id}.{n}"
    assert store.gettargetlanguage() in (None, "en")
    assert store.getsourcelanguage() == "fr"


def test_tmx_carries_flags_and_document_id():
    from translate.storage.tmx import tmxfile

    store = tmxfile.parsestring(render_tmx(hand_made()).encode("utf-8"))
    flagged = [u for u in store.units if "numbers" in u.getnotes()]
    assert len(flagged) == 2  # both sentences of p2
    assert "800 000 → 800,000 <b>" in flagged[0].getnotes()
    props = {p.text for p in store.units[0].xmlelement.iter("{*}prop", "prop") if p.get("type") == "x-doc"}
    assert props == {"doc-7"}


# ---------------------------------------------------------------------------------------------------- XLIFF


@pytest.mark.parametrize("make", ["sample", "hand"])
def test_xliff_parses_back_with_one_unit_per_sentence(make, request):
    from translate.storage.xliff import xlifffile

    document = request.getfixturevalue("sample_doc") if make == "sample" else hand_made()
    rendered = render_xliff(document)
    assert 'version="1.2"' in rendered and "urn:oasis:names:tc:xliff:document:1.2" in rendered
    assert "document:1.1" not in rendered
    store = xlifffile.parsestring(rendered.encode("utf-8"))
    units = [u for u in store.units if not u.isheader()]
    assert len(units) == sentence_count(document)
    assert store.getsourcelanguage() == "fr" and store.gettargetlanguage() == "en"
    sentences = [(seg, n, s) for seg in document.segments for n, s in enumerate(seg.sentences, start=1)]
    for unit, (seg, n, sentence) in zip(units, sentences):
        assert unit.source == sentence.text
        assert unit.target == sentence.translation
        assert unit.xmlelement.get("id") == f"{seg.id}.{n}"
        assert unit.xmlelement.get("resname") == seg.id
        note = unit.getnotes("trpipe")
        assert f"segment {seg.id} sentence {n}" in note
        start, end = map(int, re.search(r"source (\d+)-(\d+)", note).groups())
        assert document.source.text[start:end] == unit.source


def test_xliff_marks_machine_translation_and_flags():
    rendered = render_xliff(hand_made())
    assert rendered.count('state="needs-review-translation"') == 3
    assert rendered.count("flag numbers: 800 000 → 800,000 &lt;b&gt;") == 2
    assert "<script>" not in rendered


# ---------------------------------------------------------------------------------------------------- JSONL


def test_jsonl_one_object_per_segment(sample_doc):
    lines = render_jsonl(sample_doc).splitlines()
    assert len(lines) == len(sample_doc.segments)
    for line, segment in zip(lines, sample_doc.segments):
        row = json.loads(line)
        assert row["doc"] == "samples/huawei-brumath.fr.txt"
        assert (row["source_lang"], row["target_lang"]) == ("fr", "en")
        assert row == {"doc": row["doc"], "source_lang": "fr", "target_lang": "en", **segment.to_dict()}
        assert sample_doc.source.text[row["start"] : row["end"]] == row["text"]


def test_jsonl_uses_doc_id_and_streams_concatenate(sample_doc):
    both = render_jsonl(hand_made()) + render_jsonl(sample_doc)
    rows = [json.loads(line) for line in both.splitlines()]
    assert len(rows) == 2 + len(sample_doc.segments)
    assert {r["doc"] for r in rows[:2]} == {"doc-7"}
    assert rows[1]["flags"] == [{"check": "numbers", "detail": "800 000 → 800,000 <b>"}]


# ----------------------------------------------------------------------------------------------------- HTML


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.scripts = 0
        self.external: list[str] = []
        self.classes: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
            self.classes[a["id"]] = a.get("class", "")
        if a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "script":
            self.scripts += 1
        if tag in ("link", "img", "iframe") or a.get("src"):
            self.external.append(tag)


def parse(page: str) -> _Collect:
    collected = _Collect()
    collected.feed(page)
    return collected


def test_html_escapes_article_text_and_links_citations():
    document = hand_made()
    page = render_html(document)
    found = parse(page)
    assert found.scripts == 1  # only the page's own script; the article's <script> is text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<i>" not in page and "&lt;i&gt;" in page
    assert "x&lt;/pre&gt;" in page and "a &lt;b&gt;.txt" in page
    assert {"p1", "p2"} <= set(found.ids)
    assert found.hrefs.count("#p2") >= 3 and "#p1" in found.hrefs
    assert "segment" in found.classes["p2"] and "flagged" in found.classes["p2"]
    assert "flagged" not in found.classes["p1"]
    assert "kind-title" in found.classes["p1"]
    assert "unsupported: Paris" in page
    assert "line 3" in page
    assert not found.external and "http://" not in page and "https://" not in page


def test_html_of_a_pipeline_document(sample_doc):
    page = render_html(sample_doc)
    found = parse(page)
    assert [i for i in found.ids if re.fullmatch(r"p\d+", i)] == [s.id for s in sample_doc.segments]
    assert "Summary" not in page  # no summary: no summary section
    assert page.count('class="row segment') == len(sample_doc.segments)
    assert not found.external
