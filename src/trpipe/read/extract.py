"""Web pages and Markdown reduced to plain article text, block by block, with where each block came from.

``extract_html`` keeps the article of a saved page (trafilatura drops navigation, footer, cookie, share and
related-links boilerplate); ``extract_markdown`` renders Markdown to plain text (markdown-it-py), so that no
Markdown syntax reaches the model. Both return an :class:`Extracted`: the text that every later offset refers
to (blocks joined by blank lines, one line per block) and its blocks, each with a kind and, where known, a
path back into the input: an XPath into the page (``/html/body/main/article/p[2]``) or a Markdown source
line (``md:L12``). Every block is non-empty and stripped, and every non-whitespace character of the text lies
in exactly one block.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from types import SimpleNamespace

from trpipe.errors import InputError
from trpipe.read.blocks import Extracted, build, paragraph_kind, squash

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")


def detect_format(name: str, text: str | None = None) -> str:
    """``html``, ``markdown`` or ``text`` for an input named ``name`` (by suffix; stdin by sniffing HTML)."""
    suffix = PurePath(name).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if text is not None and not suffix and re.match(r"\s*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html)\b", text, re.I):
        return "html"
    return "text"


def extract(text: str, name: str, fmt: str | None = None) -> Extracted | None:
    """The extraction of ``text`` by its format (see ``detect_format``); None for plain text."""
    fmt = fmt or detect_format(name, text)
    if fmt == "html":
        return with_locations(extract_html(text, name), "html")
    if fmt == "markdown":
        return with_locations(extract_markdown(text, name), "markdown")
    return None


def with_locations(extracted: Extracted, fmt: str) -> Extracted:
    """Each block's ``location``: its path into the page (``/html/body/p[2]``) or Markdown line (``md:L12``)."""
    for block in extracted.blocks:
        location: dict = {"format": fmt, "path": block.path}
        if block.path and block.path.startswith("md:L"):
            location["line"] = int(block.path[4:])
        block.location = location
    return extracted


# ---------------------------------------------------------------------------------------------------- HTML

_BLOCK_TAGS = {"head", "p", "item", "row", "code", "quote", "list", "table", "cell", "div", "body", "main"}
_SKIP_TAGS = ("script", "style", "noscript", "template", "svg")


def _own_text(element) -> str:
    """Text of ``element`` without its nested blocks (a nested list in an item is a block of its own)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append(" ")
        elif child.tag not in _BLOCK_TAGS:
            parts.append(_own_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _walk(element, out: list[tuple[str, str, object]]) -> None:
    """Blocks of trafilatura's XML body, in document order, as ``(text, kind, xml element)``."""
    tag = element.tag
    if tag == "head":
        out.append((_own_text(element), "heading", element))
    elif tag == "item":
        out.append((_own_text(element), "list_item", element))
    elif tag == "row":
        cells = [squash("".join(cell.itertext())) for cell in element if cell.tag == "cell"]
        out.append((" · ".join(c for c in cells if c), "paragraph", element))
        return
    elif tag in ("p", "code"):
        out.append((_own_text(element), "paragraph", element))
    elif element.text and element.text.strip():  # loose text directly inside a container
        out.append((element.text, "paragraph", element))
    leaf = tag in ("p", "head", "item", "code")
    for child in element:
        if child.tag in _BLOCK_TAGS:
            _walk(child, out)
        elif not leaf:  # an element trafilatura did not wrap in a block: its text is a paragraph
            out.append(("".join(child.itertext()), "paragraph", child))
        if not leaf and child.tail and child.tail.strip():
            out.append((child.tail, "paragraph", element))


def _key(text: str) -> str:
    return "".join(text.split()).casefold()


class _PageIndex:
    """Finds the element of the original page that a block of extracted text came from (by its text)."""

    def __init__(self, html: str):
        from lxml import etree
        from trafilatura.utils import load_html

        tree = load_html(html)
        self.elements: list[tuple[str, object]] = []
        self.used: set[int] = set()
        if tree is None:
            return
        self.root = tree.getroottree()
        # Stripping these changes no XPath of a text element: an index counts siblings of the same tag only.
        etree.strip_elements(tree, *_SKIP_TAGS, with_tail=False)
        for el in tree.iter(etree.Element):
            self.elements.append((_key("".join(el.itertext())), el))
            if el.tag == "meta" and el.get("content"):
                self.elements.append((_key(el.get("content")), el))

    def path(self, text: str) -> str | None:
        key = _key(text)
        if not key:
            return None
        matches = [(i, el) for i, (k, el) in enumerate(self.elements) if k == key]
        # The page body first: a title is better located at its <h1> than at a <meta> or <title>.
        matches.sort(key=lambda m: (any(a.tag == "head" for a in m[1].iterancestors()), m[0]))
        for i, el in matches:
            # Deepest match: skip an element when a descendant has the same text (a <div><p>x</p></div>).
            if i in self.used or any(other is not el and el in other.iterancestors() for _, other in matches):
                continue
            self.used.add(i)
            path = self.root.getpath(el)
            return f"{path}/@content" if el.tag == "meta" else path
        return None


def _body_text(doc) -> str:
    return "" if doc is None or doc.body is None else squash("".join(doc.body.itertext()))


def _is_baseline(doc) -> bool:
    """Whether trafilatura gave its fallback: the whole text as one block with line breaks inside."""
    if doc is None or doc.body is None or len(doc.body) != 1:
        return False
    return "\n" in "".join(doc.body[0].itertext()).strip()


HTML_MAX_DEPTH = 255  # libxml2 drops whatever lies deeper (without its "huge" option)
MARKDOWN_MAX_NESTING = 256  # token levels (a list level takes two); markdown-it drops whatever lies deeper


def _too_deep(html: str) -> bool:
    """Whether the page nests elements deeper than the HTML parser keeps (the rest would be lost silently)."""
    from lxml import etree

    parser = etree.HTMLParser()
    try:
        etree.fromstring(html, parser)
    except (etree.ParserError, ValueError):
        return False
    return any(error.type_name == "ERR_RESOURCE_LIMIT" or "depth" in error.message for error in parser.error_log)


def extract_html(html: str, name: str) -> Extracted:
    """The article text of a saved web page, as blocks (title first) with XPaths into the page."""
    import trafilatura

    options = {
        "with_metadata": True,
        "include_comments": False,
        "include_tables": True,
        "include_images": False,
        "include_formatting": True,
        "deduplicate": False,
    }
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)  # lxml refuses str input that declares an encoding
    if _too_deep(html):
        raise InputError(
            name,
            f"is a web page nested more than {HTML_MAX_DEPTH} elements deep, whose text cannot be extracted "
            f"completely; save the article as text",
        )
    doc = trafilatura.bare_extraction(html, **options)
    if _is_baseline(doc):
        # On a short page trafilatura falls back to all the page's text in one block; its precise mode
        # usually still finds the article there.
        precise = trafilatura.bare_extraction(html, favor_precision=True, **options)
        doc = precise if _body_text(precise) else doc
    if not _body_text(doc):
        doc = trafilatura.bare_extraction(html, favor_recall=True, **options)
    if not _body_text(doc):
        raise InputError(name, "no article text found in the web page")

    found: list[tuple[str, str, object]] = []
    _walk(doc.body, found)
    index = _PageIndex(html)
    parts: list[tuple[str, str, str | None]] = []
    for text, kind, _element in found:
        if kind == "paragraph":
            kind = paragraph_kind(squash(text))
        parts.append((text, kind, index.path(text) if text.strip() else None))

    # The title: the page's <h1> when it opens the article (it is the article's own wording), else a
    # heading equal to the metadata title, else the metadata title as a block of its own.
    title = squash(doc.title or "")
    head = [i for i, (text, kind, _) in enumerate(parts[:3]) if kind == "heading" and _key(text) == _key(title)]
    head = head or [
        i for i in range(min(3, len(found))) if found[i][2].tag == "head" and found[i][2].get("rend") == "h1"
    ]
    if head:
        text, _, path = parts[head[0]]
        parts[head[0]] = (text, "title", path)
    elif title:
        parts.insert(0, (title, "title", index.path(title)))
    meta = {k: str(getattr(doc, k)) for k in ("author", "date", "sitename", "url", "language") if getattr(doc, k)}
    extracted = build(parts, meta)
    if not extracted.blocks:
        raise InputError(name, "no article text found in the web page")
    return extracted


# ------------------------------------------------------------------------------------------------ Markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def _inline_text(token) -> str:
    """Plain text of an inline token: markup dropped, link text kept (URL dropped), image alt text kept."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


def _front_matter(md: str) -> tuple[str, dict[str, str], int]:
    """YAML front matter (``---`` ... ``---``) split off: (rest, simple key: value pairs, lines skipped)."""
    m = _FRONT_MATTER.match(md)
    if not m:
        return md, {}, 0
    meta: dict[str, str] = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "-")) and value.strip():
            meta[key.strip().lower()] = value.strip().strip("'\"")
    return md[m.end() :], meta, md.count("\n", 0, m.end())


def extract_markdown(md: str, name: str) -> Extracted:
    """Markdown rendered to plain text blocks: headings, list items, paragraphs, quotes, table rows."""
    from markdown_it import MarkdownIt

    body, meta, skipped = _front_matter(md)
    parser = MarkdownIt("commonmark", {"maxNesting": MARKDOWN_MAX_NESTING}).enable(["table", "strikethrough"])
    try:
        tokens = parser.parse(body)
    except RecursionError:
        tokens = [SimpleNamespace(level=MARKDOWN_MAX_NESTING)]
    if any(token.level >= MARKDOWN_MAX_NESTING - 1 for token in tokens):
        raise InputError(
            name,
            "is Markdown nested too deeply (quotes or lists about a hundred levels deep), whose text "
            "cannot be extracted completely; save the article as text",
        )
    parts: list[tuple[str, str, str | None]] = []
    if meta.get("title"):
        parts.append((meta["title"], "title", "md:L1"))
    stack: list[str] = []  # enclosing block tokens (list_item_open, heading_open, tr_open, ...)
    row: list[str] = []
    row_line: str | None = None
    for token in tokens:
        line = f"md:L{token.map[0] + 1 + skipped}" if token.map else None
        if token.nesting == 1:
            stack.append(token.type)
            if token.type == "tr_open":
                row, row_line = [], line
            elif token.type == "heading_open":
                stack[-1] = f"heading_open:{token.tag}"
        elif token.nesting == -1:
            stack.pop()
            if token.type == "tr_close":
                parts.append((" · ".join(c for c in row if c), "paragraph", row_line))
        elif token.type == "inline":
            text = squash(_inline_text(token))
            where = stack[-1] if stack else ""
            if where in ("th_open", "td_open"):
                row.append(text)
            elif where.startswith("heading_open"):
                if where.endswith(":h1") and parts and parts[0][1] == "title" and _key(parts[0][0]) == _key(text):
                    parts.pop(0)  # the front matter's title is this heading
                first = where.endswith(":h1") and not any(t.strip() for t, _, _ in parts)
                parts.append((text, "title" if first else "heading", line))
            elif "list_item_open" in stack and stack[-2:] == ["list_item_open", "paragraph_open"]:
                parts.append((text, "list_item", line))
            else:
                only_images = all(c.type in ("image", "softbreak", "text") for c in token.children or []) and any(
                    c.type == "image" for c in token.children or []
                )
                parts.append((text, "caption" if only_images else paragraph_kind(text), line))
        elif token.type in ("fence", "code_block"):
            parts.append((token.content, "paragraph", line))
        elif token.type == "html_block":
            parts.append((_html_text(token.content), "paragraph", line))
    extracted = build(parts, meta)
    if not extracted.blocks:
        raise InputError(name, "contains no text once the Markdown markup is removed")
    return extracted


def _html_text(fragment: str) -> str:
    """Text of a raw HTML block inside Markdown (comments, scripts and styles dropped)."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):  # nothing parseable: keep nothing of the markup
        return ""
    etree.strip_elements(root, "script", "style", etree.Comment, with_tail=False)
    return "".join(root.itertext())
