"""The report says where each cited segment sits in the original: every summary citation of a PDF, a
presentation or a Word file shows its segment's place ("p. 2", "slide 1, Title 1", "table 1, row 1,
cell 2") as ``trpipe.locations.label`` words it, each row shows its place, a PDF fetched from the web links
to its page, and in Chromium a citation with its place still lands on its segment."""

from __future__ import annotations

import re

import pytest

from documents import office, pdfs
from trpipe.locations import label
from trpipe.models.registry import load_registry
from trpipe.records import SummarySentence
from trpipe.render.html import render_html
from trpipe.session import Session
from trpipe.settings import Settings


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """A PDF and a presentation translated by the echo backend, each with a summary citing every segment."""
    from trpipe.models.demo import write_registry

    folder = tmp_path_factory.mktemp("places")
    registry = write_registry(folder / "models.yaml", {"fr-en": "echo/fr-en"})
    settings = Settings(targets=("en",), source_lang="fr", backend="test-echo", summary=False)
    out = {}
    with Session(load_registry(registry), settings, cache=False) as session:
        for name, (path, _) in {"pdf": pdfs.pdf(folder, pages=3), "pptx": office.pptx(folder)}.items():
            document = session.translate_file(path)
            cites = [s.id for s in document.segments]
            document.summary = {"en": [SummarySentence(f"Point {i}.", [c]) for i, c in enumerate(cites)]}
            out[name] = document
    return folder, out


def test_every_citation_and_row_shows_its_place(documents):
    _folder, found = documents
    for document in found.values():
        html = render_html(document)
        for segment in document.segments:
            place = label(segment.location)
            assert place
            cite = re.search(rf'<a class="cite" href="#{segment.id}" data-place="([^"]*)"[^>]*>(.*?)</a>', html)
            assert cite, segment.id
            assert cite.group(1) == place.replace("'", "&#x27;")
            assert f'<span class="place">{cite.group(1)}</span>' in cite.group(2)
            row = html.split(f'<section id="{segment.id}"', 1)[1].split("</section>", 1)[0]
            assert f">{cite.group(1)}</span>" in row
    pages = {label(s.location) for s in found["pdf"].segments}
    assert pages == {"p. 1", "p. 2", "p. 3"}
    slides = {label(s.location).split(",")[0] for s in found["pptx"].segments}
    assert slides == {"slide 1", "slide 2"}


def test_a_pdf_from_the_web_links_each_place_to_its_page(documents):
    _folder, found = documents
    document = found["pdf"]
    document.provenance.setdefault("extractor", {})["fetch"] = {"final_url": "https://example.org/r.pdf#x"}
    html = render_html(document)
    for segment in document.segments:
        page = segment.location["page"]
        assert f'href="https://example.org/r.pdf#page={page}"' in html
    del document.provenance["extractor"]["fetch"]


def test_text_inputs_keep_their_plain_citations(documents):
    from trpipe.render.report.places import cite_link, place

    _folder, found = documents
    segment = found["pdf"].segments[0]
    plain = type(segment)(**{**segment.__dict__, "location": {"format": "text", "line": 3}})
    assert place(plain) == "" and cite_link("p1", plain) == '<a class="cite" href="#p1">p1</a>'


def test_in_chromium_a_citation_with_its_place_lands_on_its_segment(documents):
    shots = pytest.importorskip("test_html_browser").shots
    if shots.find_chromium() is None:
        pytest.skip("Chromium not installed")
    from test_html_browser import _CLICK, _body, _classes, with_script

    folder, found = documents
    document = found["pdf"]
    target = document.segments[-1].id
    path = folder / "clicked.html"
    path.write_text(with_script(render_html(document), _CLICK.replace("TARGET", target)), encoding="utf-8")
    dom = shots.run_chromium(path.as_uri(), "--dump-dom", "--virtual-time-budget=5000", "--window-size=1280,800")
    assert f'data-target="{target}"' in _body(dom)
    assert "highlight" in _classes(dom, target)
    assert re.search(rf'href="#{target}"[^>]*>{target} <span class="place">p\. 3</span>', dom)
