"""The tmx, xliff, jsonl and html renderings: units per sentence, notes per unit, several targets, scores."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from pathlib import Path

import pytest
from lxml import etree

import trpipe
from render_samples import hand_made, pipeline_document, units
from trpipe.records import Document
from trpipe.render import render
from trpipe.render.common import flag_sentence
from trpipe.render.html import LOW_SCORE, VERY_LOW_SCORE, render_html
from trpipe.render.json import render_json
from trpipe.render.jsonl import render_jsonl
from trpipe.render.tmx import render_tmx
from trpipe.render.xliff import XLIFF_NS, render_xliff

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
X = {"x": XLIFF_NS}
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "huawei-brumath.fr.txt"


@pytest.fixture
def sample_doc(echo_registry, sample_text) -> Document:
    from trpipe.models.registry import load_registry
    from trpipe.records import Source
    from trpipe.session import Session
    from trpipe.settings import Settings

    source = Source(path="samples/huawei-brumath.fr.txt", text=sample_text, encoding="utf-8", sha256="0" * 64)
    settings = Settings(targets=("en",), source_lang="fr", backend="test-echo", summary=False)
    with Session(load_registry(echo_registry), settings) as session:
        return session.run(source)


@pytest.fixture(scope="module")
def two_doc(tmp_path_factory) -> Document:
    """The sample's first paragraphs into en and de, with scores, flags (the echo is 'untranslated') and a summary."""
    text = SAMPLE.read_text(encoding="utf-8")[:2500]
    return pipeline_document(text, tmp_path_factory.mktemp("two"), ("en", "de"))


@pytest.fixture
def two_targets(two_doc) -> Document:
    return copy.deepcopy(two_doc)


def with_kept_segment(document: Document) -> Document:
    """``document`` (hand_made) into en and de, its title already English (kept for en, translated for de)."""
    document.target_langs = ["en", "de"]
    title = document.segments[0]
    title.lang, title.kept = "en", True
    title.translation = title.text
    for seg in document.segments:
        for sentence in seg.sentences:
            sentence.translations = {"en": sentence.translation, "de": f"DE {sentence.text}"}
            sentence.scores = {"de": -0.5}
    title.sentences[0].translations["en"] = title.text
    return document


def translated_units(document: Document):
    return [(seg, n, s) for seg, n, s in units(document) if s.translation]


# ------------------------------------------------------------------------------------------------------ TMX


@pytest.mark.parametrize("make", ["sample", "hand"])
def test_tmx_parses_back_with_one_unit_per_sentence(make, request):
    from translate.storage.tmx import tmxfile

    document = request.getfixturevalue("sample_doc") if make == "sample" else hand_made()
    store = tmxfile.parsestring(render(document, "tmx").encode("utf-8"))
    expected = translated_units(document)
    assert len(store.units) == len(expected) > 0
    for unit, (seg, n, sentence) in zip(store.units, expected):
        assert unit.source == sentence.text
        assert unit.gettarget("en") == sentence.translation
        props = {p.get("type"): p.text for p in unit.xmlelement.iter("prop") if p.getparent() is unit.xmlelement}
        assert props["x-segment"] == seg.id and props["x-sentence"] == str(n)
        assert (int(props["x-start"]), int(props["x-end"])) == (sentence.start, sentence.end)
        assert document.source.text[int(props["x-start"]) : int(props["x-end"])] == unit.source
        assert props["x-kind"] == seg.kind
        assert unit.xmlelement.get("tuid") == f"{seg.id}.{n}"
    assert store.getsourcelanguage() == "fr"


def test_tmx_header_names_trpipe_the_document_and_the_model():
    root = etree.fromstring(render_tmx(hand_made()).encode())
    header = root.find("header")
    assert header.get("creationtool") == "trpipe"
    assert header.get("creationtoolversion") == "0.1.0"  # the version that made the document
    assert header.get("srclang") == "fr" and header.get("segtype") == "sentence"
    props = {p.get("type"): p.text for p in header.findall("prop")}
    assert props["x-doc"] == "doc-7" and props["x-model:en"] == "echo/fr-en"
    document = hand_made()
    del document.provenance["trpipe"]
    header = etree.fromstring(render_tmx(document).encode()).find("header")
    assert header.get("creationtoolversion") == trpipe.__version__


def _tmx_notes(rendered: str) -> dict[str, list[str]]:
    root = etree.fromstring(rendered.encode())
    return {tu.get("tuid"): [n.text for n in tu.findall("note")] for tu in root.iter("tu")}


def test_tmx_flag_is_a_note_of_its_own_sentence_only():
    notes = _tmx_notes(render_tmx(hand_made()))
    assert notes["p2.1"] == ["flag numbers: sentence 1: 800 000 → 800,000 <b>"]
    assert notes["p2.2"] == [] and notes["p1.1"] == []


def test_tmx_and_xliff_flags_of_a_pipeline_document_land_on_the_sentence_they_name(two_targets):
    tmx, xliff = _tmx_notes(render_tmx(two_targets)), _xliff_notes(render_xliff(two_targets), "en")
    several = 0
    for seg in two_targets.segments:
        several += len(seg.sentences) > 1 and bool(seg.flags)
        for flag in seg.flags:
            index = flag_sentence(seg, flag)
            assert index is not None
            where = f"{seg.id}.{index + 1}"
            note = f"flag {flag['check']} (en): {flag['detail']}"
            assert note in tmx[where] and note in xliff[where]
            others = [u for u in tmx if u.startswith(seg.id + ".") and u != where]
            assert all(note not in tmx[u] and note not in xliff[u] for u in others)
    assert several, "the sample has flagged segments of several sentences"
    flags = sum(len(s.flags) for s in two_targets.segments)
    assert sum(len(v) for v in tmx.values()) == flags  # each flag once, none copied
    assert not any(_xliff_notes(render_xliff(two_targets), "de").values())  # flags concern the main target


def test_a_flag_about_the_whole_segment_goes_on_its_first_unit_only():
    document = hand_made()
    document.segments[1].flags = [{"check": "quotes", "detail": "a quote lost its closing mark"}]
    notes = _tmx_notes(render_tmx(document))
    assert notes["p2.1"] == ["flag quotes: a quote lost its closing mark"] and notes["p2.2"] == []
    xliff = _xliff_notes(render_xliff(document), "en")
    assert xliff["p2.1"] == ["flag quotes: a quote lost its closing mark"] and xliff["p2.2"] == []


def test_a_flag_with_a_sentence_number_key_is_placed_by_it():
    document = hand_made()
    document.segments[1].flags = [{"check": "names", "detail": "Huawei missing", "sentence": 2}]
    assert _tmx_notes(render_tmx(document))["p2.2"] == ["flag names: Huawei missing"]


def test_tmx_several_targets_one_tuv_per_language_with_scores(two_targets):
    root = etree.fromstring(render_tmx(two_targets).encode())
    tus = root.findall("body/tu")
    expected = translated_units(two_targets)
    assert len(tus) == len(expected)
    for tu, (_seg, _n, sentence) in zip(tus, expected):
        tuvs = tu.findall("tuv")
        assert [t.get(XML_LANG) for t in tuvs] == ["fr", "en", "de"]
        assert tuvs[0].findtext("seg") == sentence.text
        for tuv in tuvs[1:]:
            lang = tuv.get(XML_LANG)
            assert tuv.findtext("seg") == sentence.translations[lang]
            score = tuv.find("prop[@type='x-score']")
            assert float(score.text) == pytest.approx(sentence.scores[lang], abs=1e-4)
    header = {p.get("type"): p.text for p in root.find("header").findall("prop")}
    assert header["x-model:en"] == "echo/fr-en@c0ffee (scored-echo)"
    assert header["x-model:de"] == "echo/fr-de@c0ffee (scored-echo)"


def test_tmx_segment_already_in_a_target_has_no_tuv_for_it():
    root = etree.fromstring(render_tmx(with_kept_segment(hand_made())).encode())
    title = root.find("body/tu[@tuid='p1.1']")
    assert title.get("srclang") == "en"
    assert [t.get(XML_LANG) for t in title.findall("tuv")] == ["en", "de"]
    para = root.find("body/tu[@tuid='p2.1']")
    assert para.get("srclang") is None
    assert [t.get(XML_LANG) for t in para.findall("tuv")] == ["fr", "en", "de"]


# ---------------------------------------------------------------------------------------------------- XLIFF


def _xliff_notes(rendered: str, target: str) -> dict[str, list[str]]:
    root = etree.fromstring(rendered.encode())
    file = root.find(f"x:file[@target-language='{target}']", X)
    return {
        u.get("id"): [n.text for n in u.findall("x:note", X) if n.get("from") == "trpipe-check"]
        for u in file.iter(f"{{{XLIFF_NS}}}trans-unit")
    }


@pytest.mark.parametrize("make", ["sample", "hand"])
def test_xliff_parses_back_with_one_unit_per_sentence(make, request):
    from translate.storage.xliff import xlifffile

    document = request.getfixturevalue("sample_doc") if make == "sample" else hand_made()
    rendered = render_xliff(document)
    assert 'version="1.2"' in rendered and "urn:oasis:names:tc:xliff:document:1.2" in rendered
    store = xlifffile.parsestring(rendered.encode("utf-8"))
    found = [u for u in store.units if not u.isheader()]
    assert len(found) == len(units(document))
    assert store.getsourcelanguage() == "fr" and store.gettargetlanguage() == "en"
    for unit, (seg, n, sentence) in zip(found, units(document)):
        assert unit.source == sentence.text
        assert unit.target == sentence.translation
        assert unit.xmlelement.get("id") == f"{seg.id}.{n}"
        assert unit.xmlelement.get("resname") == seg.id
        note = unit.getnotes("trpipe")
        assert f"segment {seg.id} sentence {n}" in note
        start, end = map(int, re.search(r"source (\d+)-(\d+)", note).groups())
        assert document.source.text[start:end] == unit.source


def test_xliff_marks_machine_translation_scores_and_flags_per_unit():
    rendered = render_xliff(hand_made())
    root = etree.fromstring(rendered.encode())
    assert rendered.count('state="needs-review-translation"') == 3
    assert _xliff_notes(rendered, "en") == {"p1.1": [], "p2.1": ["flag numbers: sentence 1: 800 000 → 800,000 <b>"],
                                            "p2.2": []}  # fmt: skip
    scores = {
        u.get("id"): n.text
        for u in root.iter(f"{{{XLIFF_NS}}}trans-unit")
        for n in u.findall("x:note", X)
        if n.get("annotates") == "target" and n.get("from") == "trpipe"
    }
    assert scores["p2.2"] == "model score -2.5000 (mean log-probability per token)"
    tool = root.find("x:file/x:header/x:tool", X)
    assert (tool.get("tool-id"), tool.get("tool-name")) == ("trpipe", "trpipe")
    assert root.find("x:file", X).get("tool-id") == "trpipe"
    assert "<script>" not in rendered


def test_xliff_several_targets_one_file_per_language(two_targets):
    from translate.storage.xliff import xlifffile

    rendered = render_xliff(two_targets)
    root = etree.fromstring(rendered.encode())
    files = root.findall("x:file", X)
    assert [f.get("target-language") for f in files] == ["en", "de"]
    assert {f.get("source-language") for f in files} == {"fr"}
    for file in files:
        lang = file.get("target-language")
        found = file.findall(".//x:trans-unit", X)
        assert [u.get("id") for u in found] == [f"{seg.id}.{n}" for seg, n, _ in units(two_targets)]
        for unit, (_seg, _n, sentence) in zip(found, units(two_targets)):
            assert unit.findtext("x:target", namespaces=X) == sentence.translations[lang]
        assert lang in file.find("x:header/x:note", X).text
    assert len(xlifffile.parsestring(rendered.encode()).units) == 2 * len(units(two_targets))


def test_xliff_segment_already_in_the_target_is_not_for_translation():
    root = etree.fromstring(render_xliff(with_kept_segment(hand_made())).encode())
    en = root.find("x:file[@target-language='en']", X)
    de = root.find("x:file[@target-language='de']", X)
    kept = en.find(".//x:trans-unit[@id='p1.1']", X)
    assert kept.get("translate") == "no" and kept.find("x:target", X).get("state") == "final"
    assert kept.find("x:source", X).get(XML_LANG) == "en"
    other = de.find(".//x:trans-unit[@id='p1.1']", X)
    assert other.get("translate") is None and other.findtext("x:target", namespaces=X).startswith("DE ")


# ---------------------------------------------------------------------------------------------------- JSONL


@pytest.mark.parametrize("make", ["sample", "hand", "two"])
def test_jsonl_line_is_the_json_document_with_its_id(make, request):
    document = hand_made() if make == "hand" else request.getfixturevalue(f"{make}_doc")
    document.provenance.setdefault("fingerprint", "abc")
    rendered = render(document, "jsonl")
    assert rendered.endswith("\n") and rendered.count("\n") == 1
    line = json.loads(rendered)
    assert line == {"doc": line["doc"], **json.loads(render_json(document))}
    assert line["doc"] == (document.source.doc_id or document.source.path)
    assert list(line)[:2] == ["doc", "source"]
    for key in ("segments", "summary", "provenance"):
        assert line[key] == json.loads(render_json(document))[key]
    assert line["provenance"]["fingerprint"] == document.provenance["fingerprint"]


def test_jsonl_stream_of_several_documents_resumes_by_fingerprint(tmp_path, two_targets):
    from trpipe.engines.stream import StreamIndex, document_key

    documents = [hand_made(), two_targets, hand_made()]
    for n, document in enumerate(documents):
        document.provenance["fingerprint"] = f"print-{n}"
    stream = tmp_path / "out.jsonl"
    stream.write_text("".join(render_jsonl(d) for d in documents), encoding="utf-8")
    rows = [json.loads(line) for line in stream.read_text(encoding="utf-8").splitlines()]
    assert [r["doc"] for r in rows] == ["doc-7", "in/article.fr.txt", "doc-7"]
    index = StreamIndex([stream])
    try:  # found by fingerprint and article (two articles of the same text have the same fingerprint)
        assert all(index.has(document_key(f"print-{n}", row["doc"])) for n, row in enumerate(rows))
        assert not index.has(document_key("print-0", "in/article.fr.txt"))
    finally:
        index.close()


def test_jsonl_line_breaks_inside_strings_are_escaped():
    document = hand_made()
    document.segments[1].translation = "one\u2028two\u2029three\x85four\r\nfive\x1c"
    document.source.doc_id = "id\nwith\u2028breaks"
    rendered = render_jsonl(document)
    assert len(rendered.splitlines()) == 1 and len(rendered.encode().splitlines()) == 1
    assert json.loads(rendered)["segments"][1]["translation"] == document.segments[1].translation


def test_json_and_jsonl_leave_out_degenerate_scores_and_escape_lone_surrogates():
    document = hand_made()
    document.segments[1].sentences[0].score = float("-inf")
    document.segments[1].sentences[1].score = float("nan")
    document.segments[1].text = "bad \udce9 byte"
    for fmt in ("json", "jsonl"):
        rendered = render(document, fmt)
        rendered.encode("utf-8")  # encodable
        data = json.loads(rendered)
        assert [s.get("score", "absent") for s in data["segments"][1]["sentences"]] == ["absent", "absent"]
        assert data["segments"][1]["text"] == "bad \udce9 byte"


# ----------------------------------------------------------------------------------------------------- HTML


def _tree(page: str):
    return etree.fromstring(page.encode(), etree.HTMLParser())


def test_html_escapes_article_text_and_links_citations():
    page = render_html(hand_made())
    tree = _tree(page)
    assert len(tree.findall(".//script")) == 1  # only the page's own script; the article's <script> is text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<i>" not in page and "&lt;i&gt;" in page
    assert "x&lt;/pre&gt;" in page and "a &lt;b&gt;.txt" in page
    hrefs = [a.get("href") for a in tree.iter("a")]
    assert hrefs.count("#p2") >= 3 and "#p1" in hrefs
    p1, p2 = tree.find(".//section[@id='p1']"), tree.find(".//section[@id='p2']")
    assert "flagged" in p2.get("class") and "flagged" not in p1.get("class") and "kind-title" in p1.get("class")
    assert "unsupported: Paris" in page and "line 3" in page
    assert not tree.findall(".//img") and not tree.findall(".//link") and not tree.findall(".//iframe")
    assert "http://" not in page and "https://" not in page


def test_html_of_a_pipeline_document(sample_doc):
    page = render_html(sample_doc)
    tree = _tree(page)
    ids = [s.get("id") for s in tree.iter("section") if "segment" in s.get("class", "")]
    assert ids == [s.id for s in sample_doc.segments]
    assert tree.find(".//*[@id='summary']") is None  # no summary: no summary section
    assert tree.find(".//p[@class='legend']") is None  # the echo backend gives no scores: nothing shaded


def test_html_shows_the_source_title_beside_the_translated_one():
    tree = _tree(render_html(hand_made()))
    titles = tree.find(".//div[@class='titles']")
    assert titles.findtext("h1") == "The title <script>alert(2)</script>" and titles.find("h1").get("lang") == "en"
    source = titles.find("p[@class='source-title']")
    assert source.text == "Le titre <script>alert(1)</script>" and source.get("lang") == "fr"


def test_html_flag_overview_counts_each_check_and_chains_its_segments(two_targets):
    document = two_targets
    document.segments[0].flags.append({"check": "numbers", "detail": "800 000 missing"})
    tree = _tree(render_html(document))
    overview = tree.find(".//nav[@id='flags']")
    counts = {}
    for seg in document.segments:
        for flag in seg.flags:
            counts[flag["check"]] = counts.get(flag["check"], 0) + 1
    links = {a.get("data-check"): a for a in overview.findall("a")}
    assert set(links) == set(counts) and "numbers" in counts and len(counts) >= 2
    for check, n in counts.items():
        assert links[check].text == f"{check} {n}"
        chain = [s.id for s in document.segments if any(f["check"] == check for f in s.flags)]
        assert links[check].get("href") == f"#{chain[0]}"
        for i, seg_id in enumerate(chain):  # next and prev walk the chain, ends go back to the overview
            item = tree.find(f".//section[@id='{seg_id}']//li[@data-check='{check}']")
            assert item.find(".//a[@class='flag-next']").get("href") == (
                f"#{chain[i + 1]}" if i + 1 < len(chain) else "#flags"
            )
            assert item.find(".//a[@class='flag-prev']").get("href") == (f"#{chain[i - 1]}" if i else "#flags")
    assert "no flags" not in overview.xpath("string()").lower()


def test_html_without_flags_says_so():
    document = hand_made()
    document.segments[1].flags = []
    overview = _tree(render_html(document)).find(".//nav[@id='flags']")
    assert "No flags" in overview.xpath("string()") and not overview.findall("a")


def test_html_shades_low_scores_and_explains_it_is_not_a_check():
    tree = _tree(render_html(hand_made()))
    spans = tree.findall(".//section[@id='p2']//div[@class='tgt']/span")
    assert [s.text for s in spans] == ["Huawei gets 800,000 €.", "The MP worries & protests."]
    assert spans[0].get("class").split() == ["sent", "low", "has-flag"]  # -1.5; the flag is about sentence 1
    assert spans[1].get("class").split() == ["sent", "very-low"]  # -2.5
    assert float(spans[1].get("data-score")) == -2.5
    title = tree.find(".//section[@id='p1']//div[@class='tgt']/span")
    assert title.get("class") == "sent"  # -0.25: confident, not shaded
    legend = tree.find(".//p[@class='legend']").xpath("string()")
    assert "not a check" in legend and f"{LOW_SCORE:g}" in legend and f"{VERY_LOW_SCORE:g}" in legend
    assert "flagged" not in tree.find(".//section[@id='p1']").get("class")  # no flag raised from a score


def test_html_several_targets_one_column_each(two_targets):
    tree = _tree(render_html(two_targets))
    head = [d.text for d in tree.find(".//div[@class='row head']")]
    assert head == ["segment", "source (fr)", "translation (en)", "translation (de)"]
    for seg in two_targets.segments:
        cells = tree.findall(f".//section[@id='{seg.id}']/div[@class='tgt']")
        assert [c.get("lang") for c in cells] == ["en", "de"]
        for cell, lang in zip(cells, ("en", "de")):
            spans = cell.findall("span")
            assert ["".join(s.itertext()) for s in spans] == [s.translations[lang] for s in seg.sentences]
            assert [float(s.get("data-score")) for s in spans] == pytest.approx(
                [round(s.scores[lang], 4) for s in seg.sentences]
            )


def test_html_kept_segment_shows_it_was_not_translated():
    tree = _tree(render_html(with_kept_segment(hand_made())))
    en, de = tree.findall(".//section[@id='p1']/div[@class='tgt']")
    assert en.find("span[@class='kept']") is not None and de.find("span[@class='kept']") is None


def _csp_hashes(page: str) -> tuple[set[str], str]:
    tree = _tree(page)
    policy = tree.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")
    return set(re.findall(r"'sha256-([^']+)'", policy)), policy


def test_html_policy_allows_only_the_pages_own_style_and_script():
    page = render_html(hand_made())
    hashes, policy = _csp_hashes(page)
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy and "base-uri 'none'" in policy
    tree = _tree(page)
    inline = [tree.find(".//style").text, tree.find(".//script").text]
    digests = {base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() for text in inline}
    assert digests == hashes
    assert page.index("Content-Security-Policy") < page.index("<style>")  # in force before anything loads
    assert not tree.xpath("//@style") and not tree.xpath("//@*[starts-with(name(), 'on')]")


# ------------------------------------------------------------------------------------------------- Markdown


def test_markdown_shows_the_original_title_and_every_target(two_targets):
    from trpipe.render.markdown import render_markdown

    text = render_markdown(two_targets)
    title = next(s for s in two_targets.segments if s.kind == "title")
    assert text.startswith("# fr-en⟨")
    assert "*Original title (fr):* 800 000€ de subvention" in text
    for seg in two_targets.segments:
        block = text.split(f'<a id="{seg.id}"></a>', 1)[1].split("<a id=", 1)[0]
        assert block.count("\n*en:* ") == 1 and block.count("\n*de:* ") == 1
        assert block.index("*en:*") < block.index("*de:*")
    assert title.translations["de"].startswith("fr-de")
    assert "*translated fr → en, de with* en: echo/fr-en@c0ffee (scored-echo); de: echo/fr-de@c0ffee" in text


def test_markdown_escapes_names_ids_and_line_starts():
    from markdown_it import MarkdownIt

    from trpipe.render.markdown import escape

    document = hand_made()
    document.source.path = "a`b`<img src=x onerror=alert(1)>.txt"
    document.source.doc_id = "`</a><script>x</script>"
    document.segments[1].translation = "1. not a list"
    document.segments[1].flags = [{"check": "<b>", "detail": "- not a list either *really*"}]
    page = MarkdownIt("commonmark", {"html": True}).render(render(document, "md"))
    assert "<img" not in page and "<script" not in page and "<b>" not in page and "<code>" not in page
    assert "<ol" not in page and "<em>really</em>" not in page
    assert "a`b`&lt;img src=x onerror=alert(1)&gt;.txt" in page
    assert escape("1) x") == "1\\) x" and escape("2021.") == "2021\\." and escape("2021.5") == "2021.5"
