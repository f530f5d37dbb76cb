"""Real-world shapes of documents and feeds nobody here wrote (an adversarial pass over the readers).

Declared encodings checked against the bytes (feeds, web pages): a byte-order mark decides; a declaration
the bytes bear out is used; one they contradict (a lying XML declaration, a server's default charset over a
UTF-8 page) gives way. Undeclared Central European and Turkish code pages; long paragraphs split in linear
time; PDF hyphenation, ligatures and library warnings; EPUB entities, ruby, HTML chapters and DRM; JSON Feed."""

from __future__ import annotations

import codecs
import datetime as _dt

import pytest

from trpipe.read import read_source
from trpipe.read.decode import declared_encoding
from trpipe.read.feeds import FeedOptions, entries

TITLE, BODY = "Совет области утвердил бюджет", "Оппозиция требует независимого аудита расходов региона."
FR_TITLE, FR_BODY = "L’été « chaud » à Noël", "Le conseil régional a voté une aide de 800 000 € à l’entreprise."


def _rss(title: str, body: str, declaration: str = "") -> str:
    items = "".join(f"<item><title>{title} {n}</title><guid>g{n}</guid><description>{body}</description></item>"
                    for n in range(2))  # fmt: skip
    channel = f"<channel><title>t</title><link>x</link><description>d</description>{items}</channel>"
    return f'{declaration}<rss version="2.0">{channel}</rss>'


@pytest.mark.parametrize(
    ("data", "title", "body"),
    [
        (
            codecs.BOM_UTF16_LE
            + _rss(FR_TITLE, FR_BODY, '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16-le"),
            FR_TITLE,
            FR_BODY,
        ),
        (_rss(TITLE, BODY, '<?xml version="1.0" encoding="utf-32"?>').encode("utf-32"), TITLE, BODY),
        (_rss(TITLE, BODY, '<?xml version="1.0" encoding="utf-8"?>').encode("koi8-r"), TITLE, BODY),
        (_rss(FR_TITLE, FR_BODY, "<?xml version='1.0' encoding='utf-8'?>").encode("cp1252"), FR_TITLE, FR_BODY),
        (
            codecs.BOM_UTF8 + _rss(FR_TITLE, FR_BODY, '<?xml version="1.0" encoding="windows-1252"?>').encode(),
            FR_TITLE,
            FR_BODY,
        ),
        (_rss(FR_TITLE, FR_BODY, '<?xml version="1.0" encoding="iso-8859-1"?>').encode("cp1252"), FR_TITLE, FR_BODY),
    ],
    ids=[
        "utf16-bom-declared",
        "utf32-bom-declared",
        "koi8r-declared-utf8",
        "cp1252-declared-utf8",
        "utf8-bom-declared-cp1252",
        "cp1252-declared-latin1",
    ],
)
def test_a_feed_is_decoded_by_what_its_bytes_bear_out(tmp_path, data, title, body):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(data)
    found = [entry for entry, _state in entries(FeedOptions(sources=(str(feed),)))]
    assert [e.title for e in found] == [f"{title} 0", f"{title} 1"]
    assert all(e.content == body for e in found)


PL = "Rada miejska przyjęła budżet na przyszły rok. Prace rozpoczną się w marcu, powiedział burmistrz Łodzi."


@pytest.mark.parametrize(
    ("head", "encoding", "expected"),
    [
        ("<meta charset='windows-1250'>", "cp1250", "cp1250"),  # the page's own declaration, borne out
        ("<meta http-equiv='Content-Type' content='text/html; charset=iso-8859-2'>", "iso8859-2", "iso8859-2"),
        ("<meta charset='iso-8859-1'>", "utf-8", "utf-8"),  # declared Latin-1, bytes UTF-8: UTF-8
    ],
)
def test_a_web_page_file_is_read_in_the_charset_it_declares_when_its_bytes_agree(tmp_path, head, encoding, expected):
    page = tmp_path / "page.html"
    page.write_bytes(f"<html><head>{head}</head><body><article><p>{PL}</p><p>{PL}</p></article></body></html>"
                     .encode(encoding))  # fmt: skip
    source = read_source(page)
    assert source.encoding == expected and PL in source.text


def test_declared_encoding_rules():
    cp1252 = "L’été « chaud » coûte 5 €".encode("cp1252")
    assert declared_encoding(cp1252, "iso-8859-1") == "cp1252"  # 0x80-0x9F used: as browsers read it
    assert declared_encoding(cp1252, "utf-8", "windows-1252") == "cp1252"  # the first borne out
    assert declared_encoding(cp1252, "utf-8") is None and declared_encoding(cp1252, "x-nonsense") is None
    assert declared_encoding("été".encode(), "iso-8859-1") == "utf-8" and declared_encoding(b"ascii", None) is None
    assert declared_encoding("été".encode("utf-16-le"), "utf-16") is None  # no byte order, no mark: detected


def test_a_long_paragraph_is_split_by_pysbd_in_windows_with_the_same_cuts(monkeypatch):
    """pysbd's time grows with the square of a paragraph's length: long ones go to it in windows of whole
    sentences, which must cut exactly where one pass would."""
    import trpipe.segment as segment

    text = "Le conseil a voté le budget. M. Dupont a dit 3,5 fois non ! Les travaux commenceront en mars. " * 40
    whole = segment.split_sentences(text, 0, len(text), "fr")
    monkeypatch.setattr(segment, "PYSBD_WINDOW", 300)
    windowed = segment.split_sentences(text, 0, len(text), "fr")
    assert [(s.start, s.end) for s in windowed] == [(s.start, s.end) for s in whole] and len(whole) == 120


def _pdf(lines: list[str]) -> bytes:
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    for n, line in enumerate(lines):
        page.drawString(50, 780 - 14 * n, line)
    page.save()
    return out.getvalue()


def test_pdf_words_hyphenated_at_line_ends_are_joined(tmp_path):
    lines = ["Le porte-parole du conseil a dit que le bud-", "get de la ville, voté par le porte-", "parole,",
             "finance les tra-", "vaux de Jean-", "Pierre entre 1990-", "2000 et la rue Nord - Sud."]  # fmt: skip
    path = tmp_path / "hyphens.pdf"
    path.write_bytes(_pdf(lines))
    source = read_source(path)
    assert source.text.strip() == (
        "Le porte-parole du conseil a dit que le budget de la ville, voté par le porte-parole, finance les "
        "travaux de Jean-Pierre entre 1990-2000 et la rue Nord - Sud."
    )
    assert len(source.blocks[0].location["boxes"]) == len(lines)  # each line's box kept


def test_a_repaired_pdf_prints_no_library_lines_and_says_what_was_repaired(tmp_path, caplog):
    import re

    path = tmp_path / "xref.pdf"
    path.write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n999999", _pdf(["Texte du document."])))
    with caplog.at_level("WARNING"):
        source = read_source(path)
    assert source.text.strip() == "Texte du document."
    assert "startxref" in source.meta["library_warnings"]
    assert not [r for r in caplog.records if r.name.startswith(("pypdf", "pdfminer"))]


def test_pdf_ligatures_are_spelt_out(tmp_path):
    import io
    from pathlib import Path

    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Vera", str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont("Vera", 12)
    page.drawString(50, 780, "La \ufb01nance des pro\ufb01ts a \ufb02anché.")  # the fi and fl glyphs Vera has
    page.save()
    (tmp_path / "ligatures.pdf").write_bytes(out.getvalue())
    assert read_source(tmp_path / "ligatures.pdf").text.strip() == "La finance des profits a flanché."


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Rada miejska przyjęła budżet na przyszły rok. Prace rozpoczną się w marcu, powiedział burmistrz.", "cp1250"),
        ("A városi tanács elfogadta a jövő évi költségvetést. A munkálatok márciusban kezdődnek.", "iso8859-2"),
        ("Belediye meclisi gelecek yılın bütçesini onayladı. Çalışmalar martta başlayacak.", "cp1254"),
        ("Le président a dit : « Ça va très bien », et c’est tout, à côté de l’église.", "cp1252"),
        ("Der Stadtrat hat den Haushalt für das nächste Jahr beschlossen, sagte der Bürgermeister.", "cp1252"),
    ],
)
def test_an_undeclared_legacy_code_page_is_not_read_as_western_when_that_reads_worse(tmp_path, text, encoding):
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    assert read_source(path).text == text


def _book(tmp_path, chapters: list[bytes], extra: dict[str, str] | None = None):
    import io
    import zipfile

    from documents.books import _CONTAINER, _opf

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        book.writestr("META-INF/container.xml", _CONTAINER)
        book.writestr("OEBPS/content.opf", _opf(len(chapters)))
        for i, chapter in enumerate(chapters):
            book.writestr(f"OEBPS/ch{i}.xhtml", chapter)
        for member, text in (extra or {}).items():
            book.writestr(member, text)
    path = tmp_path / "book.epub"
    path.write_bytes(buffer.getvalue())
    return path


XHTML11 = (
    '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
    '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><body>{}</body></html>'
)


def test_epub_chapters_keep_html_entities_drop_ruby_readings_and_html_ones_are_utf8(tmp_path):
    chapters = [
        XHTML11.format("<p>L&rsquo;&eacute;t&eacute;&nbsp;&mdash; fin &amp; suite.</p>").encode(),
        XHTML11.format("<p>東京の<ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>字<rt>じ</rt></ruby>の本。</p>").encode(),
        "<html><body><p>Un chapitre en HTML, pas en XML : été<br><p>Deux</body></html>".encode(),
    ]
    source = read_source(_book(tmp_path, chapters))
    texts = [source.text[b.start : b.end] for b in source.blocks]
    assert texts == ["L’été — fin & suite.", "東京の漢字の本。", "Un chapitre en HTML, pas en XML : été", "Deux"]


ENCRYPTION = (
    '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">'
    '<enc:EncryptedData><enc:EncryptionMethod Algorithm="{}"/><enc:CipherData><enc:CipherReference URI="{}"/>'
    "</enc:CipherData></enc:EncryptedData></encryption>"
)


def test_a_drm_epub_is_refused_and_font_obfuscation_is_not_drm(tmp_path):
    from trpipe.errors import InputError

    chapter = XHTML11.format("<p>Le conseil a voté le budget.</p>").encode()
    aes = ENCRYPTION.format("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "OEBPS/ch0.xhtml")
    with pytest.raises(InputError, match=r"is a DRM-protected EPUB \(1 of 1 chapters encrypted\)"):
        read_source(_book(tmp_path, [b"\x8f\x02" * 400], {"META-INF/encryption.xml": aes}))
    fonts = ENCRYPTION.format("http://www.idpf.org/2008/embedding", "OEBPS/font.otf")
    assert "budget" in read_source(_book(tmp_path, [chapter], {"META-INF/encryption.xml": fonts})).text


def test_a_json_feed_gives_entries_like_rss(tmp_path):
    import json

    from trpipe.errors import InputError
    from trpipe.read.feeds import entry_source

    items = [
        {"id": 1, "url": "https://news.example/a", "title": "Premier", "date_published": "2021-03-01T10:00:00Z"},
        {"id": "2", "title": "Deux", "content_html": "<p>Le conseil a voté.</p>", "date_modified": "2021-03-02"},
        {"id": "3", "content_text": "Texte brut du maire."},
        "not an item",
    ]
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}))
    found = [entry for entry, _state in entries(FeedOptions(sources=(str(feed),), since="2021-03-02"))]
    assert [(e.key, e.link, e.published) for e in found] == [
        ("2", None, "2021-03-02T00:00:00+00:00"),
        ("3", None, None),
    ]
    assert entry_source(found[0]).text.split() == ["Deux", "Le", "conseil", "a", "voté."]
    assert entry_source(found[1]).text.strip() == "Texte brut du maire."
    feed.write_text('{"a": 1}')
    with pytest.raises(InputError, match="is a JSON document, not a feed"):
        list(entries(FeedOptions(sources=(str(feed),))))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_url_list_with_a_byte_order_mark_is_read(tmp_path, encoding):
    from trpipe.inputs import url_list

    path = tmp_path / "urls.txt"
    path.write_bytes("# liste\r\nhttps://news.example/a\r\n\r\n  https://news.example/é  \r\n".encode(encoding))
    assert url_list(str(path)) == ["https://news.example/a", "https://news.example/é"]


def test_a_damaged_feed_gives_the_entries_before_the_damage_and_says_so(tmp_path, caplog):
    feed = tmp_path / "feed.xml"
    feed.write_text(_rss(FR_TITLE, FR_BODY)[:-40], encoding="utf-8")  # cut inside the last item
    with caplog.at_level("WARNING", logger="trpipe"):
        found = [entry for entry, _state in entries(FeedOptions(sources=(str(feed),)))]
    assert [e.title for e in found][:1] == [f"{FR_TITLE} 0"] and found[0].content == FR_BODY
    (warning,) = [r.getMessage() for r in caplog.records if "not well-formed" in r.getMessage()]
    assert "the feed is not well-formed XML (line 1, column" in warning and "\n" not in warning


def test_html_entities_in_a_feed_are_text_and_no_damage(tmp_path, caplog):
    feed = tmp_path / "feed.xml"
    feed.write_text(_rss("Caf&eacute; &amp; th&eacute;&nbsp;&mdash; &copy;", "L&rsquo;&eacute;t&eacute;."), "utf-8")
    with caplog.at_level("WARNING", logger="trpipe"):
        found = [entry for entry, _state in entries(FeedOptions(sources=(str(feed),)))]
    assert found[0].title == "Café & thé\u00a0— © 0" and found[0].content == "L’été."
    assert not [r for r in caplog.records if "well-formed" in r.getMessage()]


def test_ruby_readings_in_word_and_opendocument_are_not_text(tmp_path):
    import io

    import docx
    from docx.oxml import parse_xml as docx_xml
    from odf.opendocument import OpenDocumentText
    from odf.text import P, Ruby, RubyBase, RubyText

    from trpipe.render.office_docx import units

    document = docx.Document()
    paragraph = document.add_paragraph("東京の")
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.append(docx_xml(f"<w:ruby {ns}><w:rt><w:r><w:t>かんじ</w:t></w:r></w:rt>"
                                 "<w:rubyBase><w:r><w:t>漢字</w:t></w:r></w:rubyBase></w:ruby>"))  # fmt: skip
    paragraph.add_run("の本。")
    buffer = io.BytesIO()
    document.save(buffer)
    (tmp_path / "ruby.docx").write_bytes(buffer.getvalue())
    source = read_source(tmp_path / "ruby.docx")
    assert source.text.strip() == "東京の漢字の本。"
    assert "".join(el.findtext(".//{*}t") or "" for _, el in units(paragraph._p)) == "東京の漢字の本。"  # the writer
    odt = OpenDocumentText()
    line = P(text="東京の")
    ruby = Ruby()
    ruby.addElement(RubyBase(text="漢字"))
    ruby.addElement(RubyText(text="かんじ"))
    line.addElement(ruby)
    line.addText("の本。")
    odt.text.addElement(line)
    odt.save(str(tmp_path / "ruby.odt"))
    assert read_source(tmp_path / "ruby.odt").text.strip() == "東京の漢字の本。"


def test_the_feed_state_forgets_entries_long_gone_from_the_feed(tmp_path):
    import json

    from trpipe.read.feeds import Entry, FeedState

    feed, folder = tmp_path / "feed.xml", str(tmp_path / "state")
    feed.write_text(_rss(FR_TITLE, FR_BODY), "utf-8")
    state = FeedState(folder, str(feed))
    old, recent = "2020-01-01T00:00:00+00:00", _dt.datetime.now(_dt.timezone.utc).isoformat()
    state.entries = {
        "gone-long-ago": {"sha256": "x", "done": old},
        "gone-lately": {"sha256": "x", "done": recent},
        "g0": {"sha256": "x", "done": old},
    }  # fmt: skip  (g0: old, but the feed still lists it)
    state.done(Entry(str(feed), "other", None, "t", None, "", "text/plain", "y"), None)
    (written,) = (tmp_path / "state").glob("*.json")
    assert len(json.loads(written.read_text())["entries"]) == 4
    (entry, live), *_ = list(entries(FeedOptions(sources=(str(feed),), state_dir=folder)))
    live.done(entry, None)
    assert sorted(json.loads(written.read_text())["entries"]) == ["g0", "gone-lately", "other"]
