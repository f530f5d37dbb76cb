"""Generators of hostile and broken documents: zip bombs, external entities, entity expansion, truncated and
renamed files, packages naming parts they lack, documents with no text. Each returns the path it wrote."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from documents import office

XXE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!DOCTYPE w:document [<!ENTITY xxe SYSTEM '
    b'"file:///etc/passwd">]>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Texte &xxe; secret</w:t></w:r></w:p></w:body></w:document>"
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE w:document [<!ENTITY a "hahahahahahahahahaha">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&e;</w:t></w:r></w:p></w:body></w:document>"
)


def _rewrite(data: bytes, changes: dict[str, bytes | None], *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The zip ``data`` with members replaced (``None`` removes one), others copied as they are."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as target:
        for info in source.infolist():
            if info.filename in changes:
                if changes[info.filename] is not None:
                    target.writestr(info.filename, changes[info.filename])
            else:
                target.writestr(info, source.read(info.filename))
        for name, body in changes.items():
            if body is not None and name not in source.namelist():
                target.writestr(name, body)
    return out.getvalue()


def _docx_bytes(folder: Path) -> bytes:
    path, _ = office.docx(folder, "base-for-hostile.docx")
    data = path.read_bytes()
    path.unlink()
    return data


def zip_bomb(folder: Path, name: str = "bomb.docx") -> Path:
    """A DOCX whose document part unpacks 1000-fold (16 MB of spaces from about 16 KB)."""
    data = _rewrite(_docx_bytes(folder), {"word/document.xml": b" " * (16 * 1024 * 1024)})
    path = folder / name
    path.write_bytes(data)
    return path


def external_entity(folder: Path, name: str = "xxe.docx") -> Path:
    """A DOCX whose document part declares an external entity (file:///etc/passwd)."""
    path = folder / name
    path.write_bytes(_rewrite(_docx_bytes(folder), {"word/document.xml": XXE}))
    return path


def entity_expansion(folder: Path, name: str = "laughs.docx") -> Path:
    """A DOCX whose document part nests entity definitions (a "billion laughs")."""
    path = folder / name
    path.write_bytes(_rewrite(_docx_bytes(folder), {"word/document.xml": LAUGHS}))
    return path


def truncated(folder: Path, name: str = "truncated.docx") -> Path:
    data = _docx_bytes(folder)
    path = folder / name
    path.write_bytes(data[: len(data) // 2])
    return path


def dangling_part(folder: Path, name: str = "dangling.docx") -> tuple[Path, list[str]]:
    """A DOCX whose relationships name an image part it lacks (python-docx refuses it; the text is there)."""
    base = folder / "base-dangling.docx"
    base, written = office.docx(folder, base.name)
    source = zipfile.ZipFile(base)
    media = [n for n in source.namelist() if n.startswith("word/media/")]
    data = _rewrite(base.read_bytes(), dict.fromkeys(media))
    base.unlink()
    path = folder / name
    path.write_bytes(data)
    return path, written


def empty_docx(folder: Path, name: str = "empty.docx") -> Path:
    """A Word document with only an image: no text at all."""
    import docx as python_docx

    document = python_docx.Document()
    document.add_picture(io.BytesIO(office.png_bytes()))
    path = folder / name
    document.save(str(path))
    return path


def renamed_pdf(folder: Path, name: str = "really-a-pdf.docx") -> Path:
    from documents import pdfs

    pdf, _ = pdfs.pdf(folder, "for-renaming.pdf", pages=1)
    path = folder / name
    path.write_bytes(pdf.read_bytes())
    pdf.unlink()
    return path


def renamed_text(folder: Path, name: str = "really-text.docx") -> Path:
    path = folder / name
    path.write_text("Le conseil régional a voté le budget mardi.\n", encoding="utf-8")
    return path


def html_feed(folder: Path, name: str = "feed.xml") -> Path:
    """A "feed" that is a web page."""
    path = folder / name
    path.write_text("<!DOCTYPE html><html><body><p>Pas un flux.</p></body></html>", encoding="utf-8")
    return path
