"""The whole HTML digest page: the header (counts, languages, the language switch), the list of stories, each
story (``stories``), and the footer (what made the digest), in the skeleton ``page.html`` with the inline
style ``digest.css`` and script ``digest.js`` (package data), under a Content-Security-Policy that allows only
that style and script by their hashes (the report's: ``trpipe.render.report.assets``)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from string import Template

from trpipe.render.common import finite
from trpipe.render.digest.links import anchor, articles, languages, mapping, shown_date, stories
from trpipe.render.digest.sources import Documents
from trpipe.render.digest.stories import contents, story_section
from trpipe.render.digest.text import esc, language_label
from trpipe.render.report.assets import content_security_policy


@cache
def asset(name: str) -> str:
    """The text of the package data file ``name`` (``page.html``, ``digest.css``, ``digest.js``)."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def _header(digest: dict, found: list[dict], sids: list[str], langs: list[str], target: str | None) -> list[str]:
    prov = mapping(digest.get("provenance"))
    count = len(articles(digest))
    meta = [f"{len(found)} stor{'ies' if len(found) != 1 else 'y'}", f"{count} article{'s' * (count != 1)}"]
    if langs:
        meta.append("summaries in " + ", ".join(esc(language_label(lang)) for lang in langs))
    if prov.get("created"):
        meta.append(f"made {esc(shown_date(prov['created']))}")
    out = ["<h1>Digest</h1>", f'<p class="meta">{" · ".join(meta)}</p>']
    if len(langs) > 1:
        buttons = "".join(
            f'<button type="button" data-lang="{esc(lang)}" aria-pressed="false">{esc(language_label(lang))}</button>'
            for lang in langs
        )
        out.append(
            '<nav class="lang-switch" aria-label="Summary language" hidden>'
            f'<button type="button" data-lang="" aria-pressed="true">All languages</button>{buttons}</nav>'
        )
    return out + (contents(found, sids, target) if found else [])


def _footer(digest: dict) -> list[str]:
    prov = mapping(digest.get("provenance"))
    made = f"trpipe {esc(prov['trpipe'])}" if prov.get("trpipe") else "trpipe"
    fmt = f"{esc(digest.get('format') or 'trpipe-digest')} {esc(digest.get('version') or '')}".strip()
    out = [f"<p>Made by {made} ({fmt}). Citations link to each article's own report at the cited segment.</p>"]
    if prov:
        dump = json.dumps(finite(prov), indent=2, ensure_ascii=False, default=str)
        out.append(f"<details><summary>Provenance</summary><pre>{esc(dump)}</pre></details>")
    return out


def unique_ids(found: list[dict]) -> list[str]:
    """Each story's anchor (``story-<id>``), made unique when two stories share an id."""
    seen: set[str] = set()
    out = []
    for n, story in enumerate(found, start=1):
        sid = anchor("story", story.get("id", n))
        while sid in seen:
            sid = anchor(sid, n)
        seen.add(sid)
        out.append(sid)
    return out


def digest_html(digest: dict, *, base: Path | None = None) -> str:
    """The digest as one self-contained HTML page (``base``: the folder the digest's paths are relative to,
    where the articles' documents are read for the text around disagreements; None: the current folder)."""
    digest = mapping(digest)
    found, langs, known = stories(digest), languages(digest), articles(digest)
    target = digest.get("target") if isinstance(digest.get("target"), str) else (langs[0] if langs else None)
    documents = Documents(known, base)
    sids = unique_ids(found)
    body = []
    for n, (story, sid) in enumerate(zip(found, sids, strict=True), start=1):
        body += story_section(known, documents, story, n, sid, langs, target)
    if not found:
        body.append('<p class="none">No stories.</p>')
    style, script = "\n" + asset("digest.css"), "\n" + asset("digest.js")
    return Template(asset("page.html")).substitute(
        policy=esc(content_security_policy(style, script)),
        title=esc(f"Digest: {len(found)} stor{'ies' if len(found) != 1 else 'y'}"),
        style=style,
        header="\n".join(_header(digest, found, sids, langs, target)),
        stories="\n".join(body),
        footer="\n".join(_footer(digest)),
        script=script,
    )
