"""``trpipe digest``: inputs → translated articles (the Session and batches of ``translate``) → stories →
summaries and disagreements → the digest JSON, each article's JSON document and HTML report beside it.

Articles are translated by the local engine's ``run_many`` into ``<digest>.articles/`` (JSON documents named
after their inputs, as ``translate -o FOLDER --format json`` names them), so a rerun reuses every document that
is current and the translation memory answers what was translated before; trpipe JSON documents given as
inputs are read, never translated again, and copied there. Then ``build_digest`` does the rest from Python.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trpipe.digest.articles import Article, make_article
from trpipe.digest.build import relative_path
from trpipe.errors import InputError, UsageError, shown
from trpipe.records import CONTRACT_VERSION, Document, document_from_dict

DIGEST_FORMATS = {"json": ".json", "html": ".html", "md": ".md", "atom": ".atom"}


@dataclass(frozen=True)
class DigestOptions:
    """What a digest is asked for, apart from its inputs and the Session's settings."""

    output: str = "digest.json"
    formats: tuple[str, ...] = ("json",)
    threshold: float | None = None
    also: tuple[str, ...] = ()
    embed: bool = False
    state_dir: str | None = None
    force: bool = False
    reports: bool = True  # each article's HTML report beside its JSON document
    base_url: str | None = None  # where the HTML digest is published: the Atom feed's links
    extra: dict[str, Any] = field(default_factory=dict)  # feeds and URL options (``inputs.web_inputs``)

    def __post_init__(self) -> None:
        from trpipe.languages import normalize_tag

        if self.base_url is not None:
            from urllib.parse import urlsplit

            parts = urlsplit(str(self.base_url).strip())
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise UsageError(
                    f"--base-url {shown(self.base_url)}: expected an absolute http(s) URL, such as "
                    "https://example.org/news/ (where the HTML digest is published)"
                )
        also = (self.also,) if isinstance(self.also, str) else self.also
        object.__setattr__(self, "also", tuple(dict.fromkeys(normalize_tag(lang, "--also") for lang in also)))


def _stem(output: str) -> Path:
    """``-o`` without a digest format's suffix (``out/digest.json`` → ``out/digest``)."""
    base = Path(output)
    return base.with_suffix("") if base.suffix.lower() in DIGEST_FORMATS.values() else base


def paths_for(output: str, formats: Sequence[str]) -> dict[str, Path]:
    """The file of each format: ``-o``'s name with the format's suffix (digest.json, digest.html, ...)."""
    stem = _stem(output)
    return {fmt: stem.with_name(stem.name + DIGEST_FORMATS[fmt]) for fmt in formats}


def articles_folder(output: str) -> Path:
    """The folder of the articles' documents and reports: ``-o``'s name with ``.articles``."""
    stem = _stem(output)
    return stem.with_name(stem.name + ".articles")


def is_document_file(path: Path) -> bool:
    return path.suffix.lower() == ".json" and path.is_file()


def read_document(path: Path) -> Document:
    """A trpipe JSON document read back (InputError when it is not one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(str(path), f"cannot be read as a trpipe JSON document ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("source"), dict) or "segments" not in data:
        raise InputError(str(path), "is JSON but not a trpipe document (no source and segments)")
    version = data.get("contract_version", "1.0")
    if not isinstance(version, str) or version.split(".")[0] != CONTRACT_VERSION.split(".")[0]:
        reason = f"is a trpipe document of contract {version!r}; this trpipe reads contract {CONTRACT_VERSION}"
        raise InputError(str(path), reason)
    try:
        return document_from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(str(path), f"is not a valid trpipe document ({type(exc).__name__}: {exc})") from None


def split_inputs(inputs: Sequence[str], own: Sequence[Path] = ()) -> tuple[list[str], list[Path]]:
    """Inputs to translate, and the trpipe JSON documents given (files, or the .json files of folders).
    ``own``: the digest's own files and articles folder, which a folder's files never include (a rerun of a
    digest written inside its input folder does not read it back)."""
    from trpipe.inputs import inside

    translate: list[str] = []
    documents: list[Path] = []
    for given in inputs:
        path = Path(given)
        if is_document_file(path):
            documents.append(path)
        elif path.is_dir():
            files = [p for p in sorted(path.rglob("*")) if p.is_file() and not any(inside(p, o) for o in own)]
            found = [p for p in files if p.suffix.lower() == ".json" and not p.name.startswith(".")]
            documents += found
            others = [p for p in files if p.suffix.lower() != ".json"]
            if others or not found:
                translate.append(given)
        else:
            translate.append(given)
    return translate, documents


def check_outputs(outputs: Sequence[Path], inputs: Sequence[str], files: Sequence[Path]) -> None:
    """Refuse (UsageError, exit 2) before anything runs: an output that is one of the input ``files`` or is not
    a file, and an output that an article reader takes (the HTML or Markdown digest) inside an input folder,
    where the next run would translate it as an article."""
    from trpipe.engines.plan import refuse_unsafe_output
    from trpipe.inputs import folder_suffixes, inside

    folders = [Path(given) for given in inputs if Path(given).is_dir()]
    for path in outputs:
        refuse_unsafe_output(path, files)
        within = next((f for f in folders if inside(path, f)), None)
        if within is not None and path.suffix.lower() in folder_suffixes():
            raise UsageError(
                f"-o {shown(path)}: lies in the input folder {shown(within)}, where the next run would read it as "
                f"an article; choose another folder for the digest"
            )


def translate_inputs(
    inputs: Sequence[str],
    session,
    settings,
    folder: Path,
    options: DigestOptions,
    warn: Callable[[str], None],
    on_done: Callable[[str, Path, Document], None] | None = None,
) -> tuple[list[tuple[str, Path, Document]], list[tuple[str, str]]]:
    """The inputs' articles translated into JSON documents in ``folder`` (those already there and current are
    read back): ``[(input name, its document's path, Document)]`` in input order, and the failures.
    ``on_done(name, path, document)`` is told of each as soon as it is written or read back."""
    from trpipe.engines.local import run_many
    from trpipe.engines.plan import Plan
    from trpipe.engines.report import RunReport
    from trpipe.engines.sinks import open_sink

    if not inputs and not options.extra.get("feeds"):
        return [], []
    plan = Plan(
        list(inputs),
        str(folder) + os.sep,
        "json",
        options.force,
        max_bytes=settings.max_bytes,
        feeds=options.extra.get("feeds"),
        allow_private=bool(options.extra.get("allow_private_urls")),
        targets=settings.targets,
    )
    plan.prepare()
    report = RunReport()
    done: list[tuple[str, Path, Document]] = []

    def on_article(name: str, out: Path | None, document: Document | None) -> None:
        assert out is not None
        done.append((name, out, document if document is not None else read_document(out)))
        if on_done is not None:
            on_done(*done[-1])

    sink = open_sink(plan.mode, plan.output, lambda text: None)
    kept = False
    before, session.settings = session.settings, settings  # run_many translates with the session's settings
    try:
        run_many(plan, session, sink, report, warn, on_article=on_article)
        kept = True
    finally:
        session.settings = before
        sink.close(keep=kept)
    return done, report.failed


def digest(
    inputs: Sequence[str | os.PathLike | Document],
    session,
    options: DigestOptions | None = None,
    *,
    to: str | None = None,
    warn: Callable[[str], None] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Digest ``inputs`` (paths, URLs, folders, JSONL files, trpipe JSON documents, or Documents) with
    ``session``'s models; write the digest (every format of ``options.formats``) and its articles' files;
    return the digest's JSON dict. Articles that fail are reported through ``warn`` and listed under
    ``provenance.failed``; the others go on."""
    from trpipe.digest.build import build_digest
    from trpipe.digest.state import DigestState

    options = options or DigestOptions()
    warn = warn or session.on_warning
    settings = session.settings_for(to, **overrides)
    outputs = paths_for(options.output, options.formats)
    _check_renderers(options.formats)
    folder = articles_folder(options.output)
    state = DigestState(options.state_dir, str(outputs.get("json") or next(iter(outputs.values()))))
    given_docs = [d for d in inputs if isinstance(d, Document)]
    given = [os.fspath(i) for i in inputs if not isinstance(i, Document)]
    translate, document_files = split_inputs(given, [*outputs.values(), folder])
    check_outputs(list(outputs.values()), given, [Path(t) for t in translate if Path(t).is_file()] + document_files)
    if state.path is not None and options.extra.get("feeds"):
        from dataclasses import replace

        # the feed entries this digest has done, beside its state (not those a translate run marked done)
        feeds = replace(options.extra["feeds"], state_dir=str(state.path.with_suffix(".feeds")))
        options = replace(options, extra={**options.extra, "feeds": feeds})
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from trpipe.errors import OutputError

        raise OutputError(f"{shown(folder)}: cannot create the articles folder ({exc.strerror or exc})") from None
    # the articles are translated without summaries of their own: the stories are summarised
    base = next(iter(outputs.values())).parent

    def remember(name: str, out: Path, document: Document) -> None:  # a run stopped later loses no article
        state.remember(name, state.article_id(name), relative_path(out, base), document.source.sha256)

    translated, failed = translate_inputs(
        translate, session, settings.replace(summary=False), folder, options, warn, remember if state.enabled else None
    )
    entries: list[tuple[str, Document, Path | None]] = [(name, doc, out) for name, out, doc in translated]
    for path in document_files:
        try:
            entries.append((str(path), read_document(path), None))
        except InputError as exc:
            warn(f"error: {shown(exc.path)}: {exc.reason}")
            failed.append((str(path), exc.reason))
    for document in given_docs:
        entries.append((document.source.path, document, None))
    articles: list[Article] = []
    seen: set[str] = set()
    for name, document, out in entries:
        if name in seen:
            continue
        seen.add(name)
        article = make_article(state.article_id(name), name, document)
        article.path = str(out) if out is not None else None
        articles.append(article)
    articles += previous_articles(state, seen, outputs, warn)
    if not articles:
        raise UsageError("digest: no article could be read or translated; nothing to digest")
    return build_digest(articles, session, settings, options, outputs, folder, state, failed, warn)


def previous_articles(state, seen: set[str], outputs: dict[str, Path], warn: Callable[[str], None]) -> list[Article]:
    """The articles of the last digest (``--state``) that this run's inputs no longer list (feed entries done)."""
    base = next(iter(outputs.values())).parent
    out: list[Article] = []
    for name, entry in state.articles.items():
        if name in seen or not entry.get("document"):
            continue
        path = base / entry["document"]
        try:
            document = read_document(path)
        except InputError as exc:
            warn(f"warning: {shown(name)}: left out of the digest: {exc.reason} ({shown(path)})")
            continue
        article = make_article(entry["id"], name, document)
        article.path = str(path)
        out.append(article)
    return out


def _check_renderers(formats: Sequence[str]) -> None:
    """Every format other than json needs trpipe.render.digest (its HTML, Markdown and Atom renderers)."""
    if all(fmt == "json" for fmt in formats):
        return
    try:
        import trpipe.render.digest  # noqa: F401
    except ImportError:
        wanted = ", ".join(f for f in formats if f != "json")
        raise UsageError(
            f"--format {wanted}: the digest renderers (trpipe.render.digest) are not in this build; use --format json"
        ) from None
