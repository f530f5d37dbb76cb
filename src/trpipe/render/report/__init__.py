"""One self-contained bilingual HTML page: no external assets, works offline from a file.

The header shows the translated title beside the source title, the flag count per check (each a link to
the first segment it flagged) and what the shading means. The bilingual summary comes next, each citation
a link to its segment; then the article, one row per segment with its id, kind and line, the source and
every translation side by side, its flags, and links from each flag to the previous and next segment
flagged by the same check (``n``/``p`` keys jump between flagged segments). A translated sentence whose
model score (mean log-probability per token) is low is shaded; that is the model's own confidence, shown
for reading, never a flag. Following a citation highlights the segment (CSS ``:target``, plus a few lines of
inline script that put a ``highlight`` class on it, so the state is visible in the DOM too). Provenance is
in the footer.

The page is inert whatever the input: every string from the input or a model goes through
``html.escape``, and a Content-Security-Policy meta tag allows only the page's own style and script (by
their SHA-256 hashes), no other script, no external resource, no form target, no base URL.

Modules: ``page`` (the whole page, header, footer), ``summary``, ``segments`` (the article's rows),
``sentences`` (the sentence view: source and translations split alike, focusable sentences with their spans
and scores, the words a flag is about, the offsets on demand), ``nav`` (flag overview and chains),
``shading`` (score thresholds), ``escape``, ``assets`` (the package data ``page.html``, the styles
``report.css`` and ``sentences.css``, the scripts ``report.js`` and ``sentences.js``, and the policy).
A feature adds its module here and its style and script files to ``assets.STYLES`` and ``assets.SCRIPTS``.
``trpipe.render.html`` is the entry point.
"""
