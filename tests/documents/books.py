"""EPUB e-books built with zipfile (EbookLib is AGPL-3.0: not used), valid and broken."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

CHAPTERS = [
    ("Chapitre premier", ["Le conseil régional a voté une aide de 800 000 euros.", "Des élus dénoncent un risque."]),
    ("Chapitre deux", ["Le président défend le projet.", "L'opposition demande un audit indépendant."]),
]
ITEMS = ["Premier élément de la liste.", "Second élément de la liste."]
BOOK_TITLE = "Chronique régionale"

_CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
    '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def chapter_xhtml(title: str, paragraphs: list[str], items: list[str] = ()) -> str:
    body = "".join(f"<p>{p.replace('800 000', '<b>800 000</b>')}</p>" for p in paragraphs)
    listed = "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" '
        f'lang="fr"><head><title>{title}</title></head><body><h1>{title}</h1>{body}{listed}</body></html>'
    )


def _opf(chapters: int, missing: bool = False) -> str:
    items = "".join(
        f'<item id="c{i}" href="ch{i}.xhtml#start" media-type="application/xhtml+xml"/>' for i in range(chapters)
    )
    refs = "".join(f'<itemref idref="c{i}"/>' for i in range(chapters)) + ('<itemref idref="gone"/>' if missing else "")
    return (
        '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
        'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">urn:uuid:1</dc:identifier><dc:title>{BOOK_TITLE}</dc:title>'
        f"<dc:language>fr</dc:language></metadata><manifest>{items}"
        '<item id="cover" href="cover.png" media-type="image/png"/></manifest>'
        f"<spine>{refs}</spine></package>"
    )


def epub(folder: Path, name: str = "book.fr.epub", *, broken: bool = False) -> tuple[Path, list[str]]:
    """An EPUB 3 of two chapters (a bold run, a list, a cover image). ``broken``: a spine entry naming no
    file, a chapter that is not well-formed XML: it still gives its text."""
    from documents.office import png_bytes

    buffer = io.BytesIO()
    written = [BOOK_TITLE] if False else []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        book.writestr("META-INF/container.xml", _CONTAINER)
        book.writestr("OEBPS/content.opf", _opf(len(CHAPTERS), missing=broken))
        for i, (title, paragraphs) in enumerate(CHAPTERS):
            page = chapter_xhtml(title, paragraphs, ITEMS if i == 0 else [])
            if broken and i == 1:
                page = page.replace("</p>", "", 1)  # an unclosed paragraph: not XML
            book.writestr(f"OEBPS/ch{i}.xhtml", page)
            written += [title, *paragraphs, *(ITEMS if i == 0 else [])]
        book.writestr("OEBPS/cover.png", png_bytes())
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path, written
