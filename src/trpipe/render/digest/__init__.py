"""The digest's renderers (issue 26, part 5), from the digest JSON (docs/digest.md, "digest 1.0"):

- ``digest_html``: one self-contained page (inline style and script allowed by a Content-Security-Policy,
  nothing loaded from the network): the stories, each with its ``change`` badge, its summary in every
  language (``lang``/``dir`` set, right-to-left languages included; side by side, or one at a time with the
  language switch when scripts run), each citation a link to the article's report at the cited segment (its
  JSON document when it has no report), flagged sentences marked, where the sources differ (both facts side
  by side, each span highlighted in its source text), its articles (copies of one wire story grouped) and
  its timeline;
- ``digest_markdown``: the same in Markdown (citations as reference-style links);
- ``digest_atom``: an Atom 1.0 feed, one entry per story.

Modules: ``text`` (cleaning and escaping, writing direction), ``links`` (reading the digest dict: articles,
citations' links, dates, groups), ``sources`` (the text around a span, from the articles' documents),
``summary``, ``disagreements``, ``stories`` and ``page`` (the HTML page, with ``page.html``, ``digest.css``,
``digest.js``), ``markdown``, ``atom``. Every string from the digest is hostile input: escaped, control and
bidirectional-override characters dropped.
"""

from trpipe.render.digest.atom import digest_atom
from trpipe.render.digest.markdown import digest_markdown
from trpipe.render.digest.page import digest_html

__all__ = ["digest_atom", "digest_html", "digest_markdown"]
