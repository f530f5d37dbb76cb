"""Reading documents: every segment's location points at text that holds it (checked with the format's own
library or the raw XML), PDF line boxes hold the characters drawn there, and every hostile or broken
document ends with its own one-line reason (exit 2), never a traceback, never resolving an entity."""

from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from documents import books, hostile, office, pdfs
from trpipe.cli import cli
from trpipe.errors import InputError
from trpipe.read import read_source
from trpipe.read.blocks import squash


def _segments(source):
    from trpipe.segment import segment_blocks

    return segment_blocks(source.text, source.blocks)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each format's sample, built once for the module."""
    folder = tmp_path_factory.mktemp("documents")
    return {
        "docx": office.docx(folder),
        "odt": office.odt(folder),
        "pptx": office.pptx(folder),
        "epub": books.epub(folder),
        "pdf": pdfs.pdf(folder, columns=True),
    }


def _xml_paragraph_texts(data: bytes, part: str, tags: tuple[str, ...]) -> list[str]:
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(part))
    out = []
    for p in root.iter(*tags):
        if any(a.tag.endswith("}Fallback") for a in p.iterancestors()):
            continue
        out.append(squash("".join(p.itertext())))
    return out


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_office_locations_point_at_their_paragraph(built, fmt):
    path, _ = built[fmt]
    source = read_source(path)
    data = path.read_bytes()
    tags = (
        ("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p",)
        if fmt == "docx"
        else ("{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p", "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}h")
    )
    wheres = set()
    for seg in _segments(source):
        loc = seg.location
        wheres.add(loc["where"])
        texts = _xml_paragraph_texts(data, loc["part"], tags)
        assert seg.text in texts[loc["paragraph"] - 1], (seg.text, loc)
    assert {"body", "header", "footer", "footnote"} <= wheres


def test_docx_table_cells_are_located_as_python_docx_counts_them(built):
    import docx as python_docx

    path, _ = built["docx"]
    document = python_docx.Document(str(path))
    cells = [s for s in _segments(read_source(path)) if "table" in s.location]
    assert len(cells) == 5
    for seg in cells:
        loc = seg.location
        table = document.tables[loc["table"] - 1]
        assert seg.text in table.rows[loc["row"] - 1].cells[loc["cell"] - 1].text


def test_docx_text_box_is_read_once_and_comments_never(built):
    path, _ = built["docx"]
    source = read_source(path)
    assert source.text.count(office.TEXTBOX) == 1
    assert office.COMMENT not in source.text
    assert any(s.location["where"] == "textbox" for s in _segments(source))


def test_pptx_locations_name_slide_shape_and_paragraph(built):
    from pptx import Presentation

    path, _ = built["pptx"]
    prs = Presentation(str(path))
    for seg in _segments(read_source(path)):
        loc = seg.location
        slide = prs.slides[loc["slide"] - 1]
        if loc.get("notes"):
            assert seg.text in slide.notes_slide.notes_text_frame.text
            continue
        shapes = {s.shape_id: s for s in slide.shapes}
        for group in [s for s in slide.shapes if s.shape_type == 6]:
            shapes.update({s.shape_id: s for s in group.shapes})
        shape = shapes[loc["shape"]]
        if "table" in loc:
            cell = shape.table.cell(loc["row"] - 1, loc["cell"] - 1)
            assert seg.text in cell.text_frame.paragraphs[loc["paragraph"] - 1].text
        else:
            assert seg.text in shape.text_frame.paragraphs[loc["paragraph"] - 1].text.replace("\v", " ")
    assert read_source(path).meta["slides"] == 2


def test_epub_locations_are_spine_items_and_element_paths(built):
    path, _written = built["epub"]
    book = zipfile.ZipFile(path)
    for seg in _segments(read_source(path)):
        loc = seg.location
        root = etree.fromstring(book.read(loc["part"]))
        (element,) = root.getroottree().xpath(loc["path"])
        assert seg.text in squash("".join(element.itertext()))
        assert loc["part"] == f"OEBPS/ch{loc['spine'] - 1}.xhtml"


def test_pdf_line_boxes_hold_the_characters_drawn_there(built):
    path, _written = built["pdf"]
    segments = _segments(read_source(path))
    for string, page, x, y in pdfs.POSITIONS[path]:
        holder = [s for s in segments if string in s.text]
        assert len(holder) == 1, string
        boxes = [b["bbox"] for b in holder[0].location["boxes"] if b["page"] == page]
        assert any(x0 - 0.5 <= x + 1 <= x1 and y0 - 0.5 <= y + 1 <= y1 for x0, y0, x1, y1 in boxes), (string, boxes)
    left, right = pdfs.COLUMNS
    assert [s.text for s in segments if s.text.startswith("Colonne")] == [" ".join(left), " ".join(right)]
    assert segments[0].kind == "title" and segments[0].location["page"] == 1


def test_vertical_japanese_is_read_column_by_column_right_to_left(tmp_path):
    """Each vertical column is one segment, in reading order (the rightmost first), its box a tall one that
    holds the column's first character."""
    path, written = pdfs.vertical_japanese(tmp_path)
    segments = _segments(read_source(path))
    assert [s.text for s in segments] == written
    for segment, (_text, page, x, y) in zip(segments, pdfs.POSITIONS[path]):
        ((x0, y0, x1, y1),) = [b["bbox"] for b in segment.location["boxes"] if b["page"] == page]
        assert y1 - y0 > 5 * (x1 - x0)  # a column, not a line
        assert x0 - 1 <= x <= x1 and y0 <= y <= y1 + 2, ((x, y), (x0, y0, x1, y1))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (hostile.zip_bomb, "is a zip bomb: its part word/document.xml would unpack to 16 MB"),
        (hostile.external_entity, "its part word/document.xml declares XML entities"),
        (hostile.entity_expansion, "its part word/document.xml declares XML entities"),
        (hostile.truncated, "is a damaged or truncated Word document (.docx)"),
        (hostile.empty_docx, "is a Word document with no text"),
        (hostile.renamed_text, "is named .docx but is not a Word document (.docx): its content is text"),
        (lambda f: pdfs.encrypted(f, user="secret"), "is a PDF protected by a password"),
        (lambda f: pdfs.scanned(f, ocr_layer=False)[0], "is a PDF with no text layer (1 page, scanned images?)"),
        (pdfs.unmapped_font, "is a PDF whose fonts have no Unicode map for 13 of 13 glyphs"),
    ],
    ids=["zip-bomb", "xxe", "laughs", "truncated", "no-text", "renamed-text", "user-password", "scan", "no-unicode"],
)
def test_bad_documents_get_their_own_one_line_reason(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        read_source(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and reason in message and "\n" not in message
    assert "root:" not in message  # no entity was ever resolved


@pytest.mark.parametrize(
    ("make", "expected", "note"),
    [
        (lambda f: (pdfs.encrypted(f, user=""), [pdfs.LINES[0]]), "pdf", "owner password only"),
        (lambda f: pdfs.scanned(f, ocr_layer=True), "pdf", None),
        (pdfs.cid_japanese, "pdf", None),
        (hostile.dangling_part, "docx", "read from the raw XML parts"),
        (lambda f: books.epub(f, broken=True), "epub", "parsed as HTML"),
        (lambda f: (hostile.renamed_pdf(f), [pdfs.LINES[0]]), "pdf", None),
    ],
    ids=["owner-password", "ocr-layer", "cid", "dangling-part", "broken-epub", "renamed-pdf"],
)
def test_real_documents_as_they_come_are_read_and_say_how(tmp_path, make, expected, note):
    path, written = make(tmp_path)
    source = read_source(path)
    assert source.format == expected
    for string in written:
        assert squash(string) in squash(source.text)
    if note:
        assert note in (source.meta.get("fallback") or source.meta.get("encrypted") or "")


def test_in_a_batch_only_the_bad_document_fails_and_nothing_is_overwritten(tmp_path, monkeypatch, echo_registry):
    monkeypatch.setenv("TRPIPE_MODELS", str(echo_registry))
    folder = tmp_path / "in"
    folder.mkdir()
    office.docx(folder)
    hostile.external_entity(folder)
    hostile.zip_bomb(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    args = ["translate", "--to", "en", "--from", "fr", "--backend", "test-echo", "--no-summary", "--no-cache"]
    result = CliRunner().invoke(cli, [*args, str(folder), "-o", str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert "1 article ok, 2 failed" in result.output
    assert "xxe.docx: its part word/document.xml declares XML entities" in result.output
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["note.fr.json"]
