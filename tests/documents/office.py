"""Word, OpenDocument and PowerPoint documents built with their own libraries (python-docx, odfpy,
python-pptx), each returning ``(path, strings written)``; the structures a real program writes that the
libraries cannot (footnotes, text boxes with their fallback copy, comments) are added as raw XML."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

TITLE = "Le budget de la région"
HEADING = "Une aide contestée"
BODY = [
    "Le conseil régional a voté mardi une aide de 800 000 euros à l'entreprise Huawei.",
    "La décision a été critiquée par plusieurs élus, qui dénoncent un risque pour la sécurité.",
]
STYLED = (
    "Le président ",
    "Jean Rottner",
    " a défendu un projet ",
    "créateur d'emplois",
    " selon le ",
    "communiqué",
    ".",
)
LIST = ["Premier point de la liste des mesures.", "Second point de la liste des mesures."]
TABLE = [["Année", "Montant prévu"], ["2021", "800 000 euros"], ["2022", "Montant fusionné sur deux colonnes"]]
HEADER = "Journal régional — édition du matin"
FOOTER = "Page de pied du document régional"
FOOTNOTE = "Source : délibération du conseil régional du 12 février 2021."
TEXTBOX = "Encadré : les chiffres clés du projet régional."
COMMENT = "Commentaire interne à ne pas traduire"


def styled_text() -> str:
    return "".join(STYLED)


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _hyperlink(paragraph, text: str, url: str) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


_TEXTBOX = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps">'
    "<w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></wps:txbx>"
    "</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t>"
    "</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
)
_FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:footnote></w:footnotes>'
)
_COMMENTS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:comment w:id="0" w:author="A"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:comment></w:comments>'
)
_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml"


def _add_parts(data: bytes) -> bytes:
    """A footnote and a comment, as Word writes them (python-docx has no API for either)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                extra = (
                    f'<Override PartName="/word/footnotes.xml" ContentType="{_WORD}.footnotes+xml"/>'
                    f'<Override PartName="/word/comments.xml" ContentType="{_WORD}.comments+xml"/>'
                )
                body = body.replace(b"</Types>", extra.encode() + b"</Types>")
            elif info.filename == "word/_rels/document.xml.rels":
                rels = (
                    '<Relationship Id="rIdFn1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/footnotes" Target="footnotes.xml"/><Relationship Id="rIdCm1" Type="http://'
                    'schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/>'
                )
                body = body.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            elif info.filename == "word/document.xml":
                body = body.replace(b"FOOTNOTE-MARK", b"", 1)
            target.writestr(info, body)
        target.writestr("word/footnotes.xml", _FOOTNOTES.format(text=FOOTNOTE))
        target.writestr("word/comments.xml", _COMMENTS.format(text=COMMENT))
    return out.getvalue()


def docx(folder: Path, name: str = "note.fr.docx", *, paragraphs: int = 0) -> tuple[Path, list[str]]:
    """A Word document with a title, a heading, styled runs (bold, italic, a link), a list, a table with merged
    cells, an image, a text box (with its fallback copy), a header, a footer, a footnote and a comment.
    ``paragraphs`` more body paragraphs make it longer (for benchmarks)."""
    import docx as python_docx
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import qn

    document = python_docx.Document()
    document.core_properties.title = TITLE
    document.core_properties.author = "Rédaction"
    document.add_heading(TITLE, 0)
    document.add_heading(HEADING, 1)
    for text in BODY:
        document.add_paragraph(text)
    styled = document.add_paragraph(STYLED[0])
    styled.add_run(STYLED[1]).bold = True
    styled.add_run(STYLED[2])
    styled.add_run(STYLED[3]).italic = True
    styled.add_run(STYLED[4])
    _hyperlink(styled, STYLED[5], "https://example.org/communique")
    styled.add_run(STYLED[6])
    # A footnote reference after the styled paragraph's text.
    ref = OxmlElement("w:r")
    mark = OxmlElement("w:footnoteReference")
    mark.set(qn("w:id"), "1")
    ref.append(mark)
    styled._p.append(ref)
    for text in LIST:
        document.add_paragraph(text, style="List Bullet")
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate(TABLE[:2]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = TABLE[2][1]
    TABLE_WRITTEN = [t for row in TABLE[:2] for t in row] + [TABLE[2][1]]
    document.add_picture(io.BytesIO(png_bytes()))
    holder = document.add_paragraph()
    holder._p.append(parse_xml(_TEXTBOX.format(text=TEXTBOX)))
    for i in range(paragraphs):
        document.add_paragraph(f"{BODY[i % 2]} Paragraphe supplémentaire numéro {i + 1}.")
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = FOOTER
    buffer = io.BytesIO()
    document.save(buffer)
    path = folder / name
    path.write_bytes(_add_parts(buffer.getvalue()))
    return path, [TITLE, HEADING, *BODY, styled_text(), *LIST, *TABLE_WRITTEN, TEXTBOX, HEADER, FOOTER, FOOTNOTE]


def odt(folder: Path, name: str = "note.fr.odt") -> tuple[Path, list[str]]:
    """An OpenDocument text (odfpy): title, heading, paragraphs with a bold span and a link, a list, a table,
    a footnote, a header and a footer."""
    from odf.opendocument import OpenDocumentText
    from odf.style import Footer, Header, MasterPage, PageLayout, Style, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import A, H, List, ListItem, Note, NoteBody, NoteCitation, P, Span

    document = OpenDocumentText()
    bold = Style(name="Bold", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    layout = PageLayout(name="Layout")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header, footer = Header(), Footer()
    header.addElement(P(text=HEADER))
    footer.addElement(P(text=FOOTER))
    master.addElement(header)
    master.addElement(footer)
    document.masterstyles.addElement(master)
    document.text.addElement(H(outlinelevel=1, text=TITLE))
    document.text.addElement(H(outlinelevel=2, text=HEADING))
    for text in BODY:
        document.text.addElement(P(text=text))
    styled = P(text=STYLED[0])
    styled.addElement(Span(stylename=bold, text=STYLED[1]))
    styled.addText(STYLED[2] + STYLED[3] + STYLED[4])
    styled.addElement(A(href="https://example.org/communique", text=STYLED[5]))
    styled.addText(STYLED[6])
    note = Note(id="ftn1", noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text=FOOTNOTE))
    note.addElement(body)
    styled.addElement(note)
    document.text.addElement(styled)
    items = List()
    for text in LIST:
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    document.text.addElement(items)
    table = Table(name="Montants")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for row in TABLE:
        tr = TableRow()
        for text in row:
            cell = TableCell()
            cell.addElement(P(text=text))
            tr.addElement(cell)
        table.addElement(tr)
    document.text.addElement(table)
    path = folder / name
    document.save(str(path))
    cells = [t for row in TABLE for t in row]
    return path, [TITLE, HEADING, *BODY, styled_text(), *LIST, *cells, HEADER, FOOTER, FOOTNOTE]


SLIDES = [
    ("Le budget régional en trois points", ["Une aide de 800 000 euros votée mardi.", "Des élus dénoncent un risque."]),
    ("Les réactions", ["Le président défend un projet créateur d'emplois.", "L'opposition demande un audit."]),
]
NOTES = "Notes de l'orateur : rappeler le vote du conseil."
GROUPED = "Texte dans une forme groupée."


def pptx(folder: Path, name: str = "slides.fr.pptx", *, slides: int = 0) -> tuple[Path, list[str]]:
    """A presentation (python-pptx): title slides with bulleted bodies (a bold run), a table, a grouped shape,
    a picture and speaker notes. ``slides`` more slides make it longer."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    written = []
    for i, (title, bullets) in enumerate(SLIDES + [(f"Diapositive {k}", [BODY[k % 2]]) for k in range(slides)]):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        frame = slide.placeholders[1].text_frame
        frame.text = bullets[0]
        for bullet in bullets[1:]:
            paragraph = frame.add_paragraph()
            paragraph.level = 1
            run = paragraph.add_run()
            run.text = bullet
            run.font.bold = True
        written += [title, *bullets]
        if i == 0:
            slide.notes_slide.notes_text_frame.text = NOTES
            written.append(NOTES)
            table = slide.shapes.add_table(2, 2, Inches(1), Inches(5), Inches(4), Inches(1)).table
            for r, row in enumerate(TABLE[:2]):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
                    written.append(text)
            group = slide.shapes.add_group_shape()
            box = group.shapes.add_textbox(Inches(5), Inches(1), Inches(3), Inches(1))
            box.text_frame.text = GROUPED
            written.append(GROUPED)
            slide.shapes.add_picture(io.BytesIO(png_bytes()), Inches(8), Inches(6))
    path = folder / name
    prs.save(str(path))
    return path, written
