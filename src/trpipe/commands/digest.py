"""``trpipe digest``: parse the options, call ``trpipe.digest.digest``."""

from __future__ import annotations

import logging

import click

from trpipe.commands.options import BackendType, DeviceType, setup_logging
from trpipe.commands.options import option as _option

DIGEST_FORMATS = ("json", "html", "md", "atom")


@click.command("digest")
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@_option("--to", "target", env="TRPIPE_TO", required=True, metavar="LANG", help="The reader's language, e.g. en.")
@_option("--from", "source_lang", env="TRPIPE_FROM", metavar="LANG", help="Source language (detected when omitted).")
@_option("-o", "--output", env="TRPIPE_DIGEST_OUTPUT", type=click.Path(dir_okay=False), default="digest.json",
         show_default=True, help="The digest file; other formats and the articles' folder go beside it.")  # fmt: skip
@_option("--format", "formats", env="TRPIPE_DIGEST_FORMAT", type=click.Choice(DIGEST_FORMATS), multiple=True,
         help="json (default), html, md, atom; repeatable.")  # fmt: skip
@_option("--also", env="TRPIPE_ALSO", multiple=True, metavar="LANG",
         help="Summaries also in LANG (repeatable; default: each story's main source language).")  # fmt: skip
@_option("--threshold", env="TRPIPE_THRESHOLD", type=click.FloatRange(0, 2), metavar="T",
         help="Mean similarity that joins articles into a story (default 0.27; higher: smaller stories).")  # fmt: skip
@_option("--base-url", env="TRPIPE_BASE_URL", metavar="URL",
         help="Where the HTML digest is published: the Atom feed links its entries there.")  # fmt: skip
@_option("--embed", env="TRPIPE_EMBED", is_flag=True, help="Put each article's JSON document inside the digest.")
@_option("--no-reports", env="TRPIPE_NO_REPORTS", is_flag=True, help="Do not write each article's HTML report.")
@_option("--state", "state_dir", env="TRPIPE_STATE", type=click.Path(file_okay=False), metavar="DIR",
         help="Keep stories (and feed entries) between runs; the digest marks what changed.")  # fmt: skip
@_option("--no-summary", env="TRPIPE_NO_SUMMARY", is_flag=True, help="Stories without summaries.")
@_option("--summary-model", env="TRPIPE_SUMMARY_MODEL", metavar="ID_OR_PATH", help="Summarisation model for this run.")
@_option("--summary-sentences", env="TRPIPE_SUMMARY_SENTENCES", type=click.IntRange(1, 20), metavar="N",
         help="Sentences in each story's summary (default: 3-5 by length).")  # fmt: skip
@_option("--models", "models_file", env="TRPIPE_MODELS", type=click.Path(), help="Model registry file.")
@_option("--backend", env="TRPIPE_BACKEND", type=BackendType(), default="auto", show_default=True,
         help="auto: CTranslate2 for every model it can convert, transformers otherwise.")  # fmt: skip
@_option("--device", env="TRPIPE_DEVICE", type=DeviceType(), help="Where models run (default: auto).")
@_option("--cache-dir", env="TRPIPE_CACHE_DIR", type=click.Path(file_okay=False),
         help="Folder of the translation memory and converted models.")  # fmt: skip
@_option("--no-cache", env="TRPIPE_NO_CACHE", is_flag=True, help="Do not use the translation memory.")
@_option("--force", env="TRPIPE_FORCE", is_flag=True, help="Translate again articles whose documents are current.")
@_option("--urls", "url_file", env="TRPIPE_URLS", metavar="FILE", help="A file of URLs, one a line (- for stdin).")
@_option("--feed", "feeds", env="TRPIPE_FEED", multiple=True, metavar="URL_OR_FILE",
         help="An RSS or Atom feed: each entry is an article (repeatable).")  # fmt: skip
@_option("--since", env="TRPIPE_SINCE", metavar="DATE", help="Feeds: only entries published on or after DATE.")
@_option("--limit", env="TRPIPE_LIMIT", type=click.IntRange(1), metavar="N", help="Feeds: at most N entries.")
@_option("--allow-private-urls", env="TRPIPE_ALLOW_PRIVATE_URLS", is_flag=True,
         help="Fetch URLs on private, loopback and link-local addresses (refused by default).")  # fmt: skip
@_option("-v", "--verbose", env="TRPIPE_VERBOSE", count=True, help="More messages (-v info, -vv debug).")
def digest(inputs, target, source_lang, output, formats, also, threshold, base_url, embed, no_reports, state_dir,
           no_summary, summary_model, summary_sentences, models_file, backend, device, cache_dir, no_cache, force,
           url_file, feeds, since, limit, allow_private_urls, verbose) -> None:  # fmt: skip
    """Digest many articles into stories: near-duplicates merged, same-story articles grouped (across
    languages too), one cited summary per story in LANG and the source language, and where the sources differ.

    INPUT is anything translate takes (files, folders, JSONL, URLs; --urls, --feed) or trpipe JSON documents
    already written (not translated again). Writes -o (digest.json) and, beside it, each article's JSON document
    and HTML report in DIGEST.articles/. Exit 1 when some articles failed (the others are digested).
    """
    from trpipe.digest import DigestOptions
    from trpipe.digest import digest as make_digest
    from trpipe.inputs import web_inputs
    from trpipe.languages import split_codes
    from trpipe.session import Session
    from trpipe.settings import Settings

    inputs, extra = web_inputs(list(inputs), url_file, feeds, None, since, limit, allow_private_urls)
    options = DigestOptions(
        output=output,
        formats=tuple(dict.fromkeys(formats)) or ("json",),
        threshold=threshold,
        also=tuple(split_codes(also)),
        embed=embed,
        state_dir=state_dir,
        force=force,
        reports=not no_reports,
        extra=extra,
        base_url=base_url,
    )
    settings = Settings(targets=(target,), source_lang=source_lang, backend=backend, device=device,
                        summary=not no_summary, summary_model=summary_model, summary_sentences=summary_sentences,
                        extra=extra)  # fmt: skip
    warn = lambda message: click.echo(" ".join(f"trpipe: {message}".split()), err=True)  # noqa: E731
    handler = setup_logging(verbose, None, lambda line: click.echo(line, err=True))
    failed = []
    try:
        with Session(models_file, settings, cache=not no_cache, cache_dir=cache_dir,
                     on_warning=lambda m: warn(f"warning: {m}")) as session:  # fmt: skip
            result = make_digest(inputs, session, options, warn=warn)
            failed = result["provenance"].get("failed") or []
    finally:
        logging.getLogger().removeHandler(handler)
    stories = len(result["stories"])
    click.echo(f"trpipe: digest: {len(result['articles'])} articles, {stories} stories, {len(failed)} failed -> "
               f"{output}", err=True)  # fmt: skip
    if failed:
        raise click.exceptions.Exit(1)
