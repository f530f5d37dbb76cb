"""PDF documents written with reportlab (pypdf for encryption; raw bytes for a font with no Unicode map),
each returning ``(path, strings written)``; ``POSITIONS[path]`` holds where each string was drawn
(page, x, y in points), so tests check that a segment's boxes hold its characters."""

from __future__ import annotations

import io
from pathlib import Path

POSITIONS: dict[Path, list[tuple[str, int, float, float]]] = {}
LINES = [
    "Le conseil régional a voté mardi une aide de 800 000 euros.",
    "La décision a été critiquée par plusieurs élus de la région.",
    "Le président défend un projet créateur d'emplois.",
]
COLUMNS = (["Colonne gauche, première ligne.", "Colonne gauche, seconde ligne."],
           ["Colonne droite, première ligne.", "Colonne droite, seconde ligne."])  # fmt: skip
OCR_TEXT = "Texte reconnu par OCR sous une image numérisée."


def _canvas(buffer):
    from reportlab.pdfgen import canvas

    return canvas.Canvas(buffer, pagesize=(595, 842))


def pdf(folder: Path, name: str = "report.fr.pdf", *, pages: int = 2, columns: bool = False) -> tuple[Path, list[str]]:
    """``pages`` pages: a title on the first (a larger font), then paragraphs of LINES; with ``columns`` the
    last page holds two columns side by side."""
    buffer = io.BytesIO()
    c = _canvas(buffer)
    written, positions = [], []
    for page in range(1, pages + 1):
        y = 780.0
        if page == 1:
            c.setFont("Helvetica-Bold", 20)
            c.drawString(72, y, "Rapport sur le budget régional")
            written.append("Rapport sur le budget régional")
            positions.append(("Rapport sur le budget régional", page, 72.0, y))
            y -= 50
        c.setFont("Helvetica", 11)
        for k, line in enumerate(LINES):
            text = f"{line} Page {page}, paragraphe {k + 1}."
            c.drawString(72, y, text)
            written.append(text)
            positions.append((text, page, 72.0, y))
            y -= 40  # a gap: one paragraph per line
        if columns and page == pages:
            y -= 20
            for column, x in zip(COLUMNS, (72.0, 330.0)):
                yy = y
                for line in column:
                    c.drawString(x, yy, line)
                    written.append(line)
                    positions.append((line, page, x, yy))
                    yy -= 14
        c.showPage()
    c.save()
    path = folder / name
    path.write_bytes(buffer.getvalue())
    POSITIONS[path] = positions
    return path, written


def encrypted(folder: Path, *, user: str, owner: str = "owner-secret", name: str = "locked.pdf") -> Path:
    """``pdf`` encrypted by pypdf: with ``user == ""`` only an owner password (it opens without one)."""
    from pypdf import PdfReader, PdfWriter

    plain, _ = pdf(folder, "plain-for-lock.pdf", pages=1)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    path = folder / name
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def scanned(folder: Path, *, ocr_layer: bool, name: str = "scan.pdf") -> tuple[Path, list[str]]:
    """A page that is an image; with ``ocr_layer`` the recognised text lies under it, invisible (render mode 3)."""
    from reportlab.lib.utils import ImageReader

    from documents.office import png_bytes

    buffer = io.BytesIO()
    c = _canvas(buffer)
    c.drawImage(ImageReader(io.BytesIO(png_bytes())), 50, 400, 400, 300)
    if ocr_layer:
        text = c.beginText(72, 600)
        text.setTextRenderMode(3)
        text.setFont("Helvetica", 12)
        text.textLine(OCR_TEXT)
        c.drawText(text)
    c.showPage()
    c.save()
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path, [OCR_TEXT] if ocr_layer else []


def cid_japanese(folder: Path, name: str = "cid.pdf") -> tuple[Path, list[str]]:
    """Japanese text in a CID font (reportlab's HeiseiMin-W3 with the UniJIS-UCS2-H CMap)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3"))
    text = "地方議会は火曜日に予算を可決した。"
    buffer = io.BytesIO()
    c = _canvas(buffer)
    c.setFont("HeiseiMin-W3", 14)
    c.drawString(72, 700, text)
    c.showPage()
    c.save()
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path, [text]


VERTICAL = ["地方議会は火曜日に予算を可決した。", "野党は独立した監査を求めている。"]


def vertical_japanese(folder: Path, name: str = "vertical.pdf") -> tuple[Path, list[str]]:
    """Japanese set vertically (reportlab's HeiseiMin-W3 with the UniJIS-UCS2-V CMap): columns top to
    bottom, the first on the right, as a Japanese newspaper prints them. ``POSITIONS`` holds each column's
    top (x, y)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3", isVertical=True))
    buffer = io.BytesIO()
    c = _canvas(buffer)
    c.setFont("HeiseiMin-W3", 14)
    positions = []
    for i, text in enumerate(VERTICAL):
        x = 500.0 - 30 * i
        c.drawString(x, 780, text)
        positions.append((text, 1, x, 780.0))
    c.showPage()
    c.save()
    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3"))  # the horizontal font again, for other builders
    path = folder / name
    path.write_bytes(buffer.getvalue())
    POSITIONS[path] = positions
    return path, list(VERTICAL)


def _raw_pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def unmapped_font(folder: Path, name: str = "nomap.pdf") -> Path:
    """Text in a font whose encoding names glyphs no Unicode table knows and that has no ToUnicode map."""
    content = b"BT /F1 12 Tf 72 700 Td <0041004200430044004500460047004800490003004a004b004c> Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Custom /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Custom /DW 600 /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /Custom /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0 "
        b"/Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>",
    ]
    path = folder / name
    path.write_bytes(_raw_pdf(objects))
    return path
