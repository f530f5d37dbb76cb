"""Where each segment sits in the original document, in the report: its place ("p. 3", "slide 2, Title 1",
"table 1, row 2, cell 3", "chapter 4", from ``trpipe.locations.label``) beside its id in the article, and
after each summary citation, so a reader can go from a summary sentence to the page or slide it rests on.

A place links to the original itself where a URL can name it: a PDF fetched from the web opens at its page
(``#page=3``), a web page at the segment's text (a text fragment, ``#:~:text=``). Plain text, Markdown and
web pages have no place beyond their line or element (the row already shows the line).
"""

from __future__ import annotations

from urllib.parse import quote

from trpipe.locations import describe, label
from trpipe.records import Document, Segment
from trpipe.render.report.escape import esc

PLACED = ("docx", "odt", "pptx", "epub", "pdf")  # formats whose places say more than a line number
_TEXT_FRAGMENT_WORDS = 8


def place(segment: Segment) -> str:
    """The segment's place in its original ("" when its format has none beyond the line)."""
    where = segment.location
    if not isinstance(where, dict) or where.get("format") not in PLACED:
        return ""
    return label(where)


def place_href(document: Document, segment: Segment) -> str | None:
    """A URL that opens the original at the segment, when the original came from the web."""
    fetch = ((document.provenance or {}).get("extractor") or {}).get("fetch") or {}
    url = fetch.get("final_url") or fetch.get("url")
    where = segment.location or {}
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    base = url.split("#", 1)[0]
    if where.get("format") == "pdf" and where.get("page"):
        return f"{base}#page={int(where['page'])}"
    if where.get("format") == "html":
        words = segment.text.split()[:_TEXT_FRAGMENT_WORDS]
        return f"{base}#:~:text={quote(' '.join(words), safe='')}" if words else None
    return None


def place_meta(document: Document, segment: Segment) -> str:
    """The row's place: a span (a link to the original where there is one), titled with every detail."""
    text = place(segment)
    href = place_href(document, segment)
    if not text and not href:
        return ""
    title = esc(describe(segment.location))
    shown = esc(text or "in the original")
    if href:
        return f'<a class="place" href="{esc(href)}" title="{title}" rel="noreferrer">{shown}</a>'
    return f'<span class="place" title="{title}">{shown}</span>'


def cite_link(cite: str, segment: Segment | None) -> str:
    """A summary citation: a link to its segment's row, with the segment's place."""
    if segment is None:
        return f'<span class="cite">{esc(cite)}</span>'
    where = place(segment)
    if not where:
        return f'<a class="cite" href="#{esc(cite)}">{esc(cite)}</a>'
    return (
        f'<a class="cite" href="#{esc(cite)}" data-place="{esc(where)}" title="{esc(describe(segment.location))}">'
        f'{esc(cite)} <span class="place">{esc(where)}</span></a>'
    )
