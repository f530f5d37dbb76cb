"""Documents written back in their own format: each output reopened with its format's library (python-docx,
odfpy, python-pptx, zipfile and lxml for EPUB) keeps the generator's paragraph, table, slide and chapter
counts and styles; every string the generator wrote comes back translated; every bold, italic and link run
stays styled or is listed as flattened; untouched package members are the input's bytes. The test-echo
backend translates ``x`` as ``⟨x⟩``; one test runs the tiny random model, whose words share nothing with
the source (styles placed by position)."""

from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from documents import books, office, pdfs
from trpipe.cli import cli

ECHO = ["--to", "en", "--from", "fr", "--backend", "test-echo", "--no-summary", "--no-cache"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Each format's sample (built once) and a registry for the echo backend."""
    from trpipe.models.demo import write_registry

    folder = tmp_path_factory.mktemp("write")
    registry = write_registry(folder / "models.yaml", {"fr-en": "echo/fr-en", "en-fr": "echo/en-fr"})
    samples = {
        "docx": office.docx(folder),
        "odt": office.odt(folder),
        "pptx": office.pptx(folder),
        "epub": books.epub(folder),
        "pdf": pdfs.pdf(folder, pages=2),
    }
    return folder, registry, samples


def translate(made, *args):
    _folder, registry, _samples = made
    return CliRunner().invoke(cli, ["translate", *ECHO, "--models", str(registry), *map(str, args)])


@pytest.fixture(scope="module")
def outputs(made):
    """Every format written back once (and bilingual), shared by the tests of this module."""
    folder, _registry, samples = made
    out = {}
    for fmt in ("docx", "odt", "pptx", "epub"):
        for bilingual in (False, True):
            target = folder / f"out{'-bi' if bilingual else ''}.en.{fmt}"
            result = translate(made, samples[fmt][0], "-o", target, *(["--bilingual"] if bilingual else []))
            assert result.exit_code == 0, result.output
            out[fmt, bilingual] = target
    return out


def provenance(path, member="trpipe-provenance.json"):
    return json.loads(zipfile.ZipFile(path).read(member))["provenance"]


def untouched_members_are_copied(original, written, member="trpipe-provenance.json"):
    before, after = zipfile.ZipFile(original), zipfile.ZipFile(written)
    writer = provenance(written, member)["writer"]
    assert [n for n in after.namelist() if n != member] == before.namelist()  # same members, same order
    for name in before.namelist():
        if name not in writer["parts_replaced"]:
            assert after.read(name) == before.read(name), name
    assert writer["parts_copied"] == len(before.namelist()) - len(writer["parts_replaced"])
    assert after.comment.startswith(b"trpipe-fingerprint: ")
    return writer


def echoed(strings, text):
    """Every generated string's echo translation is in ``text``."""
    missing = [s for s in strings if f"⟨{s}⟩" not in text]
    assert not missing, missing


# ------------------------------------------------------------------------------------------------ DOCX


def _docx_styles(paragraph) -> set[str]:
    found = {name for run in paragraph.runs for name in ("bold", "italic") if getattr(run, name)}
    return found | ({"link"} if paragraph._p.findall(f"{W}hyperlink") else set())


def test_docx_keeps_structure_styles_and_parts(made, outputs):
    import docx

    _folder, _registry, samples = made
    path, strings = samples["docx"]
    before, after = docx.Document(path), docx.Document(outputs["docx", False])
    assert len(after.paragraphs) == len(before.paragraphs)
    assert [p.style.name for p in after.paragraphs] == [p.style.name for p in before.paragraphs]
    assert [(len(t.rows), len(t.columns)) for t in after.tables] == [
        (len(t.rows), len(t.columns)) for t in before.tables
    ]
    writer = untouched_members_are_copied(path, outputs["docx", False])
    flattened = {(f["where"], f["style"]) for f in writer["flattened"]}
    for old, new in zip(before.paragraphs, after.paragraphs):
        lost = _docx_styles(old) - _docx_styles(new)
        assert not lost or flattened, (old.text, lost)
    styled = next(p for p in after.paragraphs if "Jean Rottner" in p.text)
    assert [r.text for r in styled.runs if r.bold] == ["Jean Rottner"]  # echo keeps the words: exact places
    assert [r.text for r in styled.runs if r.italic] == ["créateur d'emplois"]
    assert styled._p.find(f"{W}hyperlink").get(f"{{{docx.oxml.ns.nsmap['r']}}}id")  # the link's relationship
    assert styled._p.find(f".//{W}footnoteReference") is not None  # what is not text stays
    assert len(after.inline_shapes) == len(before.inline_shapes) == 1
    text = zipfile.ZipFile(outputs["docx", False])
    everything = "".join(
        text.read(n).decode("utf-8") for n in text.namelist() if n.startswith("word/") and n.endswith(".xml")
    )
    echoed(strings, _texts(text))
    assert "Commentaire interne" in everything and "⟨Commentaire" not in everything  # comments are not translated
    body = text.read("word/document.xml").decode()
    assert body.count("⟨Encadré") == 2  # the text box and its fallback copy
    assert after.core_properties.language == "en" and after.core_properties.title == f"⟨{office.TITLE}⟩"
    assert writer["styled_runs_kept"] == {"exact": 3} and writer["flattened"] == []


def _texts(package) -> str:
    """The text of every paragraph of a DOCX package, one line each."""
    lines = []
    for name in package.namelist():
        if name.startswith("word/") and name.endswith(".xml"):
            root = etree.fromstring(package.read(name))
            lines += ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]
    return "\n".join(lines)


def test_docx_bilingual_interleaves_source_and_translation(made, outputs):
    import docx

    _folder, _registry, samples = made
    before, after = docx.Document(samples["docx"][0]), docx.Document(outputs["docx", True])
    texts = [p.text for p in after.paragraphs]
    for paragraph in before.paragraphs:
        if paragraph.text.strip():
            at = texts.index(paragraph.text)
            assert texts[at + 1] == f"⟨{paragraph.text}⟩"
    assert [c.text for c in after.tables[0].rows[0].cells] == ["Année\n⟨Année⟩", "Montant prévu\n⟨Montant prévu⟩"]
    body = zipfile.ZipFile(outputs["docx", True]).read("word/document.xml").decode()
    assert body.count("footnoteReference") == 1 and body.count("<w:sectPr") == 1  # not copied into translations


# ------------------------------------------------------------------------------------------------ ODT


def test_odt_keeps_structure_styles_and_notes(made, outputs):
    from odf import opendocument, table, text

    _folder, _registry, samples = made
    path, strings = samples["odt"]
    before, after = opendocument.load(str(path)), opendocument.load(str(outputs["odt", False]))

    def shape(doc):
        return (
            len(doc.getElementsByType(text.P)),
            len(doc.getElementsByType(text.H)),
            len(doc.getElementsByType(table.TableCell)),
            len(doc.getElementsByType(text.ListItem)),
            len(doc.getElementsByType(text.Note)),
        )

    assert shape(after) == shape(before)
    spans = [s for s in after.getElementsByType(text.Span) if s.getAttribute("stylename") == "Bold"]
    assert [str(s) for s in spans] == ["Jean Rottner"]
    links = after.getElementsByType(text.A)
    assert [(str(a), a.getAttribute("href")) for a in links] == [("communiqué", "https://example.org/communique")]
    everything = "\n".join(str(p) for p in after.getElementsByType(text.P) + after.getElementsByType(text.H))
    everything += "\n".join(str(p) for p in after.masterstyles.getElementsByType(text.P))
    echoed([s for s in strings if s not in (office.styled_text(), office.FOOTNOTE)], everything)
    assert f"⟨{office.FOOTNOTE}⟩" in everything
    writer = untouched_members_are_copied(path, outputs["odt", False])
    assert zipfile.ZipFile(outputs["odt", False]).infolist()[0].filename == "mimetype"
    assert zipfile.ZipFile(outputs["odt", False]).infolist()[0].compress_type == zipfile.ZIP_STORED
    manifest = zipfile.ZipFile(outputs["odt", False]).read("META-INF/manifest.xml").decode()
    assert 'manifest:full-path="trpipe-provenance.json"' in manifest
    assert writer["paragraphs"] == len(strings)
    bilingual = opendocument.load(str(outputs["odt", True]))
    assert len(bilingual.getElementsByType(text.P)) + len(bilingual.getElementsByType(text.H)) == (
        shape(before)[0] + shape(before)[1] + len(strings)
    )
    assert len(bilingual.getElementsByType(text.Note)) == 1  # notes are not copied into translations


# ------------------------------------------------------------------------------------------------ PPTX


def test_pptx_keeps_slides_shapes_layout_and_media(made, outputs):
    from pptx import Presentation

    _folder, _registry, samples = made
    path, strings = samples["pptx"]
    before, after = Presentation(path), Presentation(outputs["pptx", False])
    assert len(after.slides) == len(before.slides)

    def shapes(prs):
        return [
            [(s.shape_type, s.name, s.left, s.top, s.width, s.height) for s in slide.shapes] for slide in prs.slides
        ]

    assert shapes(after) == shapes(before)
    picture = next(s for s in after.slides[0].shapes if s.shape_type == 13)
    assert picture.image.blob == office.png_bytes()
    table = next(s for s in after.slides[0].shapes if s.has_table).table
    assert [c.text for c in table.rows[0].cells] == ["⟨Année⟩", "⟨Montant prévu⟩"]
    bold = [r.text for s in after.slides for sh in s.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs
            for r in p.runs if r.font.bold]  # fmt: skip
    assert bold == ["⟨Des élus dénoncent un risque.⟩", "⟨L'opposition demande un audit.⟩"]
    assert after.slides[0].notes_slide.notes_text_frame.text == f"⟨{office.NOTES}⟩"
    untouched_members_are_copied(path, outputs["pptx", False])
    xml = "".join(zipfile.ZipFile(outputs["pptx", False]).read(f"ppt/slides/slide{i}.xml").decode() for i in (1, 2))
    echoed([s for s in strings if s != office.NOTES], xml)
    bilingual = Presentation(outputs["pptx", True])
    body = [p.text for p in bilingual.slides[0].placeholders[1].text_frame.paragraphs]
    assert body == [office.SLIDES[0][1][0], f"⟨{office.SLIDES[0][1][0]}⟩", office.SLIDES[0][1][1],
                    f"⟨{office.SLIDES[0][1][1]}⟩"]  # fmt: skip


# ------------------------------------------------------------------------------------------------ EPUB


def _chapters(path) -> list[tuple[str, list[str]]]:
    book = zipfile.ZipFile(path)
    opf = etree.fromstring(book.read("OEBPS/content.opf"))
    ns = {"o": "http://www.idpf.org/2007/opf"}
    manifest = {i.get("id"): i.get("href").split("#")[0] for i in opf.iterfind(".//o:item", ns)}
    out = []
    for ref in opf.iterfind(".//o:itemref", ns):
        root = etree.fromstring(book.read("OEBPS/" + manifest[ref.get("idref")]))
        tags = [etree.QName(el).localname for el in root.iter() if isinstance(el.tag, str)]
        out.append((manifest[ref.get("idref")], tags))
    return out


def test_epub_keeps_spine_chapters_elements_and_metadata(made, outputs):
    _folder, _registry, samples = made
    path, strings = samples["epub"]
    assert _chapters(outputs["epub", False]) == _chapters(path)
    writer = untouched_members_are_copied(path, outputs["epub", False], "META-INF/trpipe-provenance.json")
    book = zipfile.ZipFile(outputs["epub", False])
    first = book.infolist()[0]
    assert (first.filename, first.compress_type, book.read("mimetype")) == ("mimetype", 0, b"application/epub+zip")
    assert book.read("OEBPS/cover.png") == office.png_bytes()
    chapter = book.read("OEBPS/ch0.xhtml").decode()
    assert "<b>800 000</b>" in chapter and 'lang="en"' in chapter
    opf = book.read("OEBPS/content.opf").decode()
    assert "<dc:language>en</dc:language>" in opf and "<spine>" in opf
    echoed(strings, "".join(t for i in range(2) for t in etree.fromstring(book.read(f"OEBPS/ch{i}.xhtml")).itertext()))
    assert writer["styled_runs_kept"] == {"exact": 1}
    bilingual = zipfile.ZipFile(outputs["epub", True]).read("OEBPS/ch0.xhtml").decode()
    assert bilingual.count('class="trpipe-translation" lang="en"') == 1 + 2 + 2  # h1, two p, two li


# ------------------------------------------------------------------------------------------------ others


def test_a_pdf_is_written_as_a_new_word_document(made):
    import docx

    folder, _registry, samples = made
    path, strings = samples["pdf"]
    out = folder / "report.en.docx"
    result = translate(made, path, "-o", out)
    assert result.exit_code == 0, result.output
    document = docx.Document(out)
    texts = [p.text for p in document.paragraphs if p.text]
    plain = "\n".join(texts).replace("⟨", "").replace("⟩", "")  # echo translates each sentence
    assert all(s in plain for s in strings) and all(t.startswith("⟨") and t.endswith("⟩") for t in texts)
    assert document.paragraphs[0].style.name == "Title"
    breaks = zipfile.ZipFile(out).read("word/document.xml").decode().count('w:type="page"')
    assert breaks == 1  # two pages
    assert provenance(out)["writer"]["notes"] == ["a new document from the pdf input's segments"]


def test_a_web_page_comes_back_with_its_article_translated(made, tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(
        "<!DOCTYPE html><html lang='fr'><head><meta charset='windows-1252'><title>T</title></head><body>"
        "<nav><a href='/'>Accueil du site</a></nav><article><h1>Le budget de la région</h1>"
        "<p>Le conseil régional a voté mardi une aide de <b>800 000 euros</b> selon le <a href='https://e.org/c'>"
        "communiqué officiel</a> publié hier soir par la région.</p>"
        "<p>La décision a été critiquée par plusieurs élus, qui dénoncent un risque pour la sécurité.</p>"
        "</article></body></html>".encode("cp1252")
    )
    out = tmp_path / "page.en.html"
    result = translate(made, page, "--format", "same", "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and '<meta charset="utf-8">' in html
    assert "<b>800 000 euros</b>" in html and '<a href="https://e.org/c">communiqué officiel</a>' in html
    assert "⟨Le budget de la région⟩" in html and "Accueil du site" in html  # the page around is kept
    assert 'id="trpipe-provenance"' in html
    report = tmp_path / "report.html"
    assert translate(made, page, "-o", report).exit_code == 0
    assert 'id="trpipe-provenance"' not in report.read_text(encoding="utf-8")  # -o x.html stays the report


def test_a_current_output_is_skipped_and_a_folder_takes_each_format_back(made, tmp_path):
    _folder, _registry, samples = made
    inputs = tmp_path / "in"
    inputs.mkdir()
    for fmt in ("docx", "odt", "pdf"):
        (inputs / samples[fmt][0].name).write_bytes(samples[fmt][0].read_bytes())
    out = tmp_path / "out"
    result = translate(made, inputs, "--format", "same", "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["note.fr.docx", "note.fr.odt", "report.fr.docx"]
    again = translate(made, inputs, "--format", "same", "-o", out)
    assert again.exit_code == 0 and "3 skipped" in again.output, again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "docx"], "--format docx writes a file: give -o"),
        (["-o", "{tmp}/x.docx", "--to", "de"], "a document written back holds one language"),
        (["-o", "{tmp}/x.md", "--bilingual"], "--bilingual applies to documents written back"),
        (["-o", "{tmp}/x.odt"], "--format odt writes OpenDocument texts back; this is a docx input"),
        (["-o", "{tmp}/x.pdf"], "trpipe does not write .pdf files"),
    ],
)
def test_what_cannot_be_written_is_refused_in_one_line(made, tmp_path, args, message):
    _folder, _registry, samples = made
    result = translate(made, samples["docx"][0], *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("x.")]


def test_a_text_input_has_no_format_of_its_own(made, tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("Le conseil régional a voté le budget mardi.", encoding="utf-8")
    result = translate(made, text, "--format", "same", "-o", tmp_path / "a.en")
    assert result.exit_code == 2 and "this text input has none" in result.output


def test_random_model_styles_placed_by_position_or_listed(made, tiny_registry, tmp_path, monkeypatch):
    """With a model whose words share nothing with the source, every bold, italic and link stretch is on
    some words of its paragraph's translation, or listed as flattened."""
    import docx

    _folder, _registry, samples = made
    monkeypatch.setenv("TRPIPE_MODELS", str(tiny_registry))
    out = tmp_path / "note.en.docx"
    args = ["translate", samples["docx"][0], "--to", "en", "--from", "fr", "--no-summary", "--no-cache", "-o", out]
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    before, after = docx.Document(samples["docx"][0]), docx.Document(out)
    writer = provenance(out)["writer"]
    flattened = {f["style"] for f in writer["flattened"]}
    for old, new in zip(before.paragraphs, after.paragraphs):
        for style in _docx_styles(old) - _docx_styles(new):
            assert any(style in f for f in flattened), (old.text, style, writer)
    assert sum(writer["styled_runs_kept"].values()) + len(writer["flattened"]) == 3
    assert len(after.paragraphs) == len(before.paragraphs)


def test_styles_are_placed_by_text_by_sentence_by_position_or_listed():
    from trpipe.render.runs import place_runs

    runs = [("Le président ", "plain"), ("Jean Rottner", "bold"), (" a parlé. ", "plain"), ("Tout va bien.", "i")]
    source = "Le président Jean Rottner a parlé. Tout va bien."
    sentences = [(0, 34, 0, 30), (35, 48, 31, 44)]
    translation = "President Jean Rottner spoke. All is going well."
    placed = place_runs(runs, source, translation, sentences)
    assert ("Jean Rottner", "bold") in placed.pieces and ("All is going", "i") not in placed.pieces
    assert [how for _style, _text, how in placed.kept] == ["exact", "sentence"]
    assert "".join(text for text, _ in placed.pieces) == translation
    japanese = place_runs(runs[:3], source[:34], "ロットナー会長が話した。", [(0, 34, 0, 12)])
    assert [how for *_, how in japanese.kept] == ["position"] and len(japanese.pieces) == 3  # characters as words
    crowded = place_runs([("a ", "p"), ("b", "x"), (" c ", "p"), ("d", "y"), (" e", "p")], "a b c d e", "Z")
    assert len(crowded.kept) == 1 and crowded.flattened[0][2] == "no free words left in the translation"


def test_a_field_whose_value_the_translation_holds_stays_a_field(made, tmp_path):
    """A field stays a field; a run holding text and a mark (Word's last rendered page break) keeps the mark;
    a tracked deletion of the source's text is dropped."""
    import docx
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    paragraph = document.add_paragraph("Voir le tableau de la page ")
    paragraph._p.append(
        parse_xml(f'<w:fldSimple {ns} w:instr=" PAGEREF budget "><w:r><w:t>12</w:t></w:r></w:fldSimple>')
    )
    paragraph._p.append(
        parse_xml(f'<w:del {ns} w:id="7" w:author="A"><w:r><w:delText>ancien</w:delText></w:r></w:del>')
    )
    paragraph._p.append(parse_xml(f"<w:r {ns}><w:lastRenderedPageBreak/><w:t> du rapport annuel.</w:t></w:r>"))
    path = tmp_path / "field.docx"
    document.save(path)
    out = tmp_path / "field.en.docx"
    assert translate(made, path, "-o", out).exit_code == 0
    body = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert body.count("<w:fldSimple") == 1 and 'w:instr=" PAGEREF budget "' in body
    assert body.count("<w:lastRenderedPageBreak/>") == 1 and "delText" not in body
    first = docx.Document(out).paragraphs[0]._p
    assert "".join(t.text for t in first.iter(f"{W}t")) == "⟨Voir le tableau de la page 12 du rapport annuel.⟩"
