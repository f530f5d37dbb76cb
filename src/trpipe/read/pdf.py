"""PDF documents: the text layer, page by page, in reading order (columns apart, vertical text too), each
paragraph a block whose location holds its page and the box of every line, in PDF points from the page's
lower-left corner.

pypdf looks at the file first: encryption (a document that opens without a password, with only an owner
password, is read; one that needs a user password is refused) and whether it is damaged. pdfminer.six then
lays the text out (``LAParams``: columns, vertical CJK text); a page's invisible OCR layer is read like any
text. Refused, each with its reason: no text layer at all (a scan: OCR is needed, trpipe does no OCR), and
glyphs that a font cannot map to Unicode (translating them would translate garbage).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import statistics
from collections.abc import Iterator
from typing import Any

from trpipe.errors import InputError
from trpipe.read.blocks import build, paragraph_kind, squash
from trpipe.read.package import library_version

_CID = re.compile(r"\(cid:\d+\)")
MAX_UNMAPPED = 0.05  # share of a document's glyphs with no Unicode mapping above which it is refused
MAX_PAGES = 5000


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(" ".join(record.getMessage().split())[:200])


@contextlib.contextmanager
def _libraries_quiet() -> Iterator[list[str]]:
    """pypdf's and pdfminer's warnings (a damaged xref they repair, a missing EOF marker...) kept for the
    provenance instead of printed as bare lines on stderr (a refusal stays one line)."""
    kept = _Kept()
    loggers = [logging.getLogger(name) for name in ("pypdf", "pdfminer")]
    saved = [(logger, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(kept)
        logger.propagate = False
    try:
        yield kept.messages
    finally:
        for logger, propagate in saved:
            logger.removeHandler(kept)
            logger.propagate = propagate


def _check_with_pypdf(data: bytes, name: str) -> dict[str, Any]:
    """Encryption and structure, by pypdf: what pdfminer should be told, or an InputError."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    facts: dict[str, Any] = {}
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                result = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise InputError(name, f"is an encrypted PDF whose cipher cannot be read here ({exc})") from None
            if not result:
                raise InputError(
                    name, "is a PDF protected by a password (a user password is needed to open it): remove it first"
                )
            facts["encrypted"] = "owner password only: read without it"
        facts["pages"] = len(reader.pages)
    except InputError:
        raise
    except FileNotDecryptedError:
        raise InputError(name, "is a PDF protected by a password: remove it first") from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError) as exc:
        facts["damaged"] = f"pypdf: {type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
    except RecursionError:
        facts["damaged"] = "pypdf: nested too deeply"
    return facts


_BROKEN = re.compile(r"(\w+)[-\u00ad\u2010]$")  # a word hyphenated at the end of a line
_GOES_ON = re.compile(r"^(\w+)")
_WORDS = re.compile(r"\w+(?:-\w+)*")
_LIGATURES = re.compile("[\ufb00-\ufb06]")  # ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ: typesetting glyphs, not letters


def _spelt(text: str) -> str:
    """``text`` with its ligatures spelt out (``ﬁnance`` → ``finance``)."""
    import unicodedata

    return _LIGATURES.sub(lambda found: unicodedata.normalize("NFKC", found.group()), text)


def _line_text(line) -> str:
    """A line's text, squashed, unmapped glyphs dropped and ligatures spelt out."""
    return _spelt(squash(_CID.sub("", line.get_text())))


def _joined(lines: list[str], vocabulary: set[str]) -> str:
    """A paragraph's lines as one text: a word hyphenated across a line end is joined (``bud-`` + ``get``
    → ``budget``) when the next line goes on in lower case, unless the document writes the hyphenated
    form elsewhere (``porte-parole``) and not the joined one; a soft hyphen always goes; before a capital
    or a digit the hyphen stays, without a space (``Jean-Pierre``, ``1990-2000``)."""
    text = ""
    for line in lines:
        broken = _BROKEN.search(text) if text else None
        after = _GOES_ON.match(line)
        if broken is None or after is None:
            text = f"{text} {line}" if text else line
        elif text.endswith("\u00ad") or (after.group(1)[0].islower() and not _compound(broken, after, vocabulary)):
            text = text[:-1] + line
        else:
            text += line
    return text


def _compound(broken: re.Match, after: re.Match, vocabulary: set[str]) -> bool:
    first, second = broken.group(1).lower(), after.group(1).lower()
    return f"{first}-{second}" in vocabulary and f"{first}{second}" not in vocabulary


def _lines(box) -> list:
    from pdfminer.layout import LTTextLine

    return [line for line in box if isinstance(line, LTTextLine)]


def _round(bbox) -> list[float]:
    return [round(float(v), 2) for v in bbox]


def _font_size(line) -> float:
    from pdfminer.layout import LTChar

    sizes = [c.size for c in line if isinstance(c, LTChar)]
    return statistics.median(sizes) if sizes else 0.0


def read_pdf(data: bytes, name: str) -> tuple[Any, dict[str, Any]]:
    with _libraries_quiet() as warnings:
        extracted, meta = _read_pdf(data, name)
    if warnings:  # the document was read: what the libraries repaired goes into the provenance
        meta["library_warnings"] = "; ".join(list(dict.fromkeys(warnings))[:10])
        logging.getLogger("trpipe").debug("%s: %s", name, meta["library_warnings"])
    return extracted, meta


def _read_pdf(data: bytes, name: str) -> tuple[Any, dict[str, Any]]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTFigure, LTImage, LTTextBox, LTTextLine
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    facts = _check_with_pypdf(data, name)
    params = LAParams(detect_vertical=True, all_texts=False)
    boxes: list[tuple[int, Any]] = []  # (page, text box)
    images = pages = 0
    try:
        for page_number, page in enumerate(extract_pages(io.BytesIO(data), password="", laparams=params), start=1):
            pages = page_number
            if page_number > MAX_PAGES:
                raise InputError(name, f"is a PDF of more than {MAX_PAGES} pages: split it")
            for element in page:
                if isinstance(element, LTTextBox):
                    boxes.append((page_number, element))
                elif isinstance(element, LTTextLine):  # a line the layout left out of every box
                    boxes.append((page_number, [element]))
                elif isinstance(element, (LTFigure, LTImage)):
                    images += 1
    except InputError:
        raise
    except PDFPasswordIncorrect:
        raise InputError(name, "is a PDF protected by a password: remove it first") from None
    except PDFEncryptionError as exc:
        raise InputError(name, f"is an encrypted PDF that cannot be read ({exc})") from None
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AssertionError, IndexError) as exc:
        raise InputError(name, f"is a damaged or truncated PDF ({type(exc).__name__}: {str(exc)[:100]})") from None
    except RecursionError:
        raise InputError(name, "is a damaged PDF (its objects nest without end)") from None

    all_lines = [(p, line) for p, box in boxes for line in _lines(box)]
    text = "".join(line.get_text() for _, line in all_lines)
    unmapped = len(_CID.findall(text))
    glyphs = len(_CID.sub("x", text).replace(" ", "").replace("\n", ""))
    if glyphs and unmapped / glyphs > MAX_UNMAPPED:
        raise InputError(
            name,
            f"is a PDF whose fonts have no Unicode map for {unmapped} of {glyphs} glyphs: its text cannot be "
            f"read reliably (export it again with embedded Unicode fonts, or OCR it)",
        )
    if not squash(text):
        if images or pages:
            raise InputError(
                name,
                f"is a PDF with no text layer ({pages} page{'s' if pages != 1 else ''}, scanned images?): it needs "
                f"OCR first (e.g. ocrmypdf), which trpipe does not do",
            )
        raise InputError(name, "is a PDF with no text")

    vocabulary = set(_WORDS.findall(_spelt(text).lower()))
    sizes = [s for _, line in all_lines if (s := _font_size(line))]
    body_size = statistics.median(sizes) if sizes else 0.0
    blocks: list[tuple] = []
    for page, box in boxes:
        lines = [line for line in _lines(box) if squash(_CID.sub("", line.get_text()))]
        if not lines:
            continue
        words = _joined([_line_text(line) for line in lines], vocabulary)
        location = {
            "format": "pdf",
            "page": page,
            "boxes": [{"page": page, "bbox": _round(line.bbox)} for line in lines],
        }
        size = statistics.median([_font_size(line) for line in lines])
        kind = paragraph_kind(words)
        if body_size and size > 1.25 * body_size and len(words) < 200:
            kind = "title" if not blocks else "heading"
        blocks.append((words, kind, None, location))
    meta: dict[str, Any] = {"library": f"{library_version('pdfminer.six')} (text, boxes), {library_version('pypdf')}"}
    meta.update({k: v for k, v in facts.items() if k in ("encrypted", "damaged", "pages")})
    if unmapped:
        meta["unmapped_glyphs"] = unmapped
    extracted = build(blocks, meta)
    return extracted, meta
