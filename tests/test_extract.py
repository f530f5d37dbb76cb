"""Web pages and Markdown reduced to article text: boilerplate dropped, kinds kept, spans exact."""

from __future__ import annotations

import pytest

from trpipe.errors import InputError
from trpipe.read.extract import detect_format, extract, extract_html, extract_markdown
from trpipe.segment import segment_blocks

PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Huawei reçoit 800 000 € de la région Grand Est | Le Journal de l'Est</title>
<meta property="og:title" content="Huawei reçoit 800 000 € de la région Grand Est">
<meta name="author" content="Laurent Gey">
<meta property="article:published_time" content="2021-03-12T10:00:00+01:00">
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}</script>
<style>body { font-family: sans-serif; } .cookie-consent { position: fixed; }</style>
</head>
<body>
<div id="cookie-banner" class="cookie-consent">Nous utilisons des cookies pour améliorer votre expérience
  de navigation. <button>Accepter les cookies</button> <a href="/privacy">Politique de confidentialité</a></div>
<header class="site-header">
  <a class="logo" href="/">Le Journal de l'Est</a>
  <nav class="main-nav"><ul>
    <li><a href="/">Accueil</a></li><li><a href="/politique">Politique</a></li>
    <li><a href="/economie">Économie</a></li><li><a href="/sport">Sport</a></li>
    <li><a href="/abonnement">S'abonner</a></li>
  </ul></nav>
</header>
<main>
<article>
  <h1>Huawei reçoit 800 000 € de la région Grand Est</h1>
  <div class="share-buttons"><a href="#">Partager sur Facebook</a> <a href="#">Partager sur Twitter</a>
    <a href="#">Envoyer par e-mail</a></div>
  <p>Le 12 février 2021, la région Grand Est a alloué une aide de 800.000 euros à Huawei pour la construction
     de sa première usine hors de Chine, en France, au sein du <a href="/brumath">Business Parc de Brumath</a>.
     Cette subvention fait <b>polémique</b>.</p>
  <p>Raphaël Glucksmann a interpellé le président de la région Grand Est le 24 février. Il a dénoncé
     l'installation de Huawei à Brumath avec de l'argent public.</p>
  <h2>Une usine au milieu des unités militaires</h2>
  <p>Ce qui inquiète le député européen est que Brumath se situe au milieu des unités de l'armée de Terre
     dédiées au renseignement. Selon des spécialistes, le site concentre le plus d'unités militaires au
     kilomètre carré.</p>
  <ul>
    <li>Une aide de 800 000 euros accordée par la région.</li>
    <li>Une usine de composants pour les réseaux 4G et 5G.</li>
    <li>Cinq cents emplois promis à terme.</li>
  </ul>
  <h2>Huawei, instrument du régime chinois</h2>
  <p>D'après un rapport du collectif d'experts en vidéosurveillance IPVM, publié par le Washington Post,
     Huawei a mis au point un système capable d'envoyer des alertes, basées sur la reconnaissance faciale.</p>
  <p>Selon le Wall Street Journal, Huawei aurait reçu 75 milliards de dollars sous forme de subventions du
     régime chinois pour devenir un des leaders mondiaux des télécommunications.</p>
  <div class="share-buttons"><a href="#">Partager</a> <a href="#">Tweeter</a></div>
</article>
<aside class="related"><h3>À lire aussi</h3><ul><li><a href="/a">Les autres articles du jour</a></li>
  <li><a href="/b">Le météo du week-end</a></li></ul></aside>
</main>
<footer class="site-footer"><p>© 2021 Le Journal de l'Est. Tous droits réservés.</p>
  <a href="/mentions">Mentions légales</a> <a href="/contact">Nous contacter</a></footer>
</body>
</html>
"""

BOILERPLATE = (
    "cookies",
    "Accepter",
    "Accueil",
    "Politique de confidentialité",
    "Partager",
    "Tweeter",
    "Mentions légales",
    "Tous droits réservés",
    "À lire aussi",
    "S'abonner",
    "dataLayer",
    "font-family",
)

MARKDOWN = """---
title: Huawei à Brumath
author: Laurent Gey
---

# Huawei à Brumath

Par Laurent Gey

Le **12 février 2021**, la région [Grand Est](https://www.grandest.fr/) a alloué une aide de `800.000` euros
à *Huawei* pour sa ~~première~~ usine.

## Une usine controversée

* Une aide de __800 000 euros__.
* Une usine de composants :
  1. pour la [4G](https://example.org/4g "4G") ;
  2. pour la 5G.

> Une citation **importante** du [député](https://example.org/depute).

![Photo : l'usine de Brumath](usine.jpg)

Selon le WSJ, Huawei aurait reçu 75 milliards de dollars.
"""


def assert_blocks(extracted):
    """Blocks are non-empty, stripped, ordered, and cover every non-space character exactly once."""
    text = extracted.text
    covered = [0] * len(text)
    previous = 0
    for block in extracted.blocks:
        chunk = text[block.start : block.end]
        assert chunk and chunk == chunk.strip(), block
        assert block.start >= previous
        previous = block.end
        for i in range(block.start, block.end):
            covered[i] += 1
    for i, ch in enumerate(text):
        assert ch.isspace() or covered[i] == 1, (i, ch)


def assert_segments(text, segments):
    covered = [0] * len(text)
    for seg in segments:
        assert text[seg.start : seg.end] == seg.text
        assert seg.line == text.count("\n", 0, seg.start) + 1
        for i in range(seg.start, seg.end):
            covered[i] += 1
        in_sentences = [0] * len(text)
        for sent in seg.sentences:
            assert text[sent.start : sent.end] == sent.text
            for i in range(sent.start, sent.end):
                in_sentences[i] += 1
        assert all(in_sentences[i] == 1 for i in range(seg.start, seg.end) if not text[i].isspace())
    assert all(covered[i] == 1 for i, ch in enumerate(text) if not ch.isspace())
    assert [s.id for s in segments] == [f"p{i + 1}" for i in range(len(segments))]


@pytest.fixture(scope="module")
def page():
    return extract_html(PAGE, "article.html")


def test_html_boilerplate_is_dropped(page):
    for word in BOILERPLATE:
        assert word not in page.text, word


def test_html_article_text_and_kinds(page):
    blocks = [(b.kind, page.text[b.start : b.end]) for b in page.blocks]
    assert blocks[0] == ("title", "Huawei reçoit 800 000 € de la région Grand Est")
    assert [t for k, t in blocks if k == "heading"] == [
        "Une usine au milieu des unités militaires",
        "Huawei, instrument du régime chinois",
    ]
    items = [t for k, t in blocks if k == "list_item"]
    assert items == [
        "Une aide de 800 000 euros accordée par la région.",
        "Une usine de composants pour les réseaux 4G et 5G.",
        "Cinq cents emplois promis à terme.",
    ]
    paragraphs = [t for k, t in blocks if k == "paragraph"]
    assert len(paragraphs) == 5
    # Inline markup is gone, link text is kept, hard-wrapped source lines are one line.
    assert paragraphs[0].endswith("au sein du Business Parc de Brumath. Cette subvention fait polémique.")
    assert "\n" not in paragraphs[0]
    assert page.text.count("Huawei reçoit 800 000 €") == 1  # the title is not repeated
    assert page.meta.get("author") == "Laurent Gey"
    assert_blocks(page)


def test_html_blocks_know_where_they_stood(page):
    paths = {page.text[b.start : b.end][:20]: b.path for b in page.blocks}
    assert paths["Huawei reçoit 800 00"] == "/html/body/main/article/h1"
    assert paths["Une usine au milieu "] == "/html/body/main/article/h2[1]"
    assert paths["Une aide de 800 000 "] == "/html/body/main/article/ul/li[1]"
    assert all(b.path for b in page.blocks)


def test_html_segments_keep_the_span_invariant(page):
    segments = segment_blocks(page.text, page.blocks, "fr")
    assert_segments(page.text, segments)
    assert [s.kind for s in segments] == [b.kind for b in page.blocks]
    assert segments[0].path == "/html/body/main/article/h1"
    assert len(segments[2].sentences) == 2


def test_html_with_xml_declaration_and_no_article():
    ok = extract_html('<?xml version="1.0" encoding="utf-8"?>\n' + PAGE, "a.xhtml")
    assert ok.blocks[0].kind == "title"
    with pytest.raises(InputError, match="no article text"):
        extract_html("<html><body><script>var x = 1;</script></body></html>", "empty.html")


def test_html_short_article_without_its_navigation():
    short = (
        "<html><head><title>Brève</title></head><body><nav><a href='/'>Accueil</a> <a href='/b'>Sport</a></nav>"
        "<article><h1>Brève</h1><p>La mairie ferme le pont samedi pour travaux.</p></article>"
        "<footer>© 2021 Journal</footer></body></html>"
    )
    page = extract_html(short, "breve.html")
    assert [(b.kind, page.text[b.start : b.end]) for b in page.blocks] == [
        ("title", "Brève"),
        ("paragraph", "La mairie ferme le pont samedi pour travaux."),
    ]


def test_markdown_syntax_does_not_reach_the_text():
    md = extract_markdown(MARKDOWN, "article.md")
    assert_blocks(md)
    blocks = [(b.kind, md.text[b.start : b.end]) for b in md.blocks]
    for _, text in blocks:
        for syntax in ("#", "**", "__", "](", "`", "~~", "> ", "* ", "![", "---", "http"):
            assert syntax not in text, (syntax, text)
    assert blocks[0] == ("title", "Huawei à Brumath")
    assert blocks[1] == ("byline", "Par Laurent Gey")
    assert blocks[2] == (
        "paragraph",
        "Le 12 février 2021, la région Grand Est a alloué une aide de 800.000 euros à Huawei pour sa première usine.",
    )
    assert ("heading", "Une usine controversée") in blocks
    assert [t for k, t in blocks if k == "list_item"] == [
        "Une aide de 800 000 euros.",
        "Une usine de composants :",
        "pour la 4G ;",
        "pour la 5G.",
    ]
    assert ("paragraph", "Une citation importante du député.") in blocks
    assert ("caption", "Photo : l'usine de Brumath") in blocks
    assert md.meta["author"] == "Laurent Gey"
    # Paths name the source line of each block (front matter included in the count).
    assert md.blocks[0].path == "md:L6"
    assert md.blocks[1].path == "md:L8"
    segments = segment_blocks(md.text, md.blocks, "fr")
    assert_segments(md.text, segments)
    assert [s.path for s in segments] == [b.path for b in md.blocks]


def test_markdown_without_heading_and_empty_markdown():
    md = extract_markdown("Un paragraphe *simple*.\n\n- un\n- deux\n", "a.md")
    assert [(b.kind, md.text[b.start : b.end]) for b in md.blocks] == [
        ("paragraph", "Un paragraphe simple."),
        ("list_item", "un"),
        ("list_item", "deux"),
    ]
    with pytest.raises(InputError):
        extract_markdown("---\n\n***\n", "rules.md")


def test_format_detection():
    assert detect_format("a.HTML") == "html"
    assert detect_format("a.htm") == "html"
    assert detect_format("notes.md") == "markdown"
    assert detect_format("a.txt", "<html>") == "text"
    assert detect_format("<stdin>", "<!DOCTYPE html><html>") == "html"
    assert detect_format("<stdin>", "Bonjour") == "text"
    assert extract("Bonjour", "a.txt") is None
    assert extract("# Titre\n\nTexte.", "a.md").blocks[0].kind == "title"
