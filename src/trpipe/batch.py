"""Runs over many articles: expanding inputs, naming outputs, skipping finished work, reporting.

Inputs are streamed (a folder of thousands of files or a large JSONL file is never held in memory at
once); articles are translated in groups so that their sentences share batches; every output is
written atomically and carries a fingerprint of its source and settings, so a rerun skips what is
complete and current, and a killed run leaves no partial file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trpipe.errors import InputError, OutputError, PairError, TrpipeError, UsageError
from trpipe.read import STDIN, decode_source, extract_article, read_source
from trpipe.records import Document, Source

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
FINGERPRINT_MARK = "trpipe-fingerprint"
_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


@dataclass
class InputItem:
    """One article to translate: a file, stdin, or a record of a JSONL file."""

    name: str
    path: str | None = None
    output_stem: Path | None = None  # output path relative to the output folder, without suffix
    record_text: str | None = None
    error: str | None = None  # known bad before reading (e.g. a malformed JSONL line)
    doc_id: str | None = None  # a JSONL record's id

    def load(self, encoding: str | None = None) -> Source:
        if self.error:
            raise InputError(self.name, self.error)
        if self.record_text is not None:
            source = decode_source(self.record_text.encode("utf-8"), self.name)
            source.doc_id = self.doc_id
            return extract_article(source, sniff=True)  # a record holding a web page is extracted too
        return read_source(self.path or self.name, encoding)

    def output_path(self, folder: Path, suffix: str) -> Path:
        stem = self.output_stem or Path(Path(self.name).name)
        return folder / (str(stem) + suffix)


def _file_item(path: Path, relative: Path) -> InputItem:
    # "the last suffix replaced": article-03.fr.txt -> article-03.fr + .json
    return InputItem(name=str(path), path=str(path), output_stem=relative.with_suffix(""))


def _jsonl_items(path: Path) -> Iterator[InputItem]:
    """One item per record of a JSONL file; a bad line or record is an item that fails with its reason."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield InputItem(name=str(path), error=f"cannot be read ({exc.strerror or exc})")
        return
    with handle:
        seen: set[str] = set()
        for number, raw in enumerate(handle, 1):
            name = f"{path}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield InputItem(name=name, error="not UTF-8 (JSON Lines must be UTF-8)")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield InputItem(name=name, error=f"not valid JSON ({exc.msg})")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                yield InputItem(name=name, error='a record needs a "text" string')
                continue
            raw_id = record.get("id")
            doc_id = str(number) if raw_id is None or str(raw_id).strip() == "" else str(raw_id)
            stem = _UNSAFE.sub("_", doc_id).strip("._") or f"record-{number}"
            if stem in seen:
                yield InputItem(name=name, error=f"duplicate id {doc_id!r}")
                continue
            seen.add(stem)
            yield InputItem(name=f"{path}#{doc_id}", output_stem=Path(stem), record_text=record["text"], doc_id=doc_id)


def is_collection(inputs: Sequence[str]) -> bool:
    """Several inputs, a folder or a JSONL file: outputs go to a folder, one per article."""
    if len(inputs) != 1:
        return True
    path = Path(inputs[0])
    return inputs[0] != STDIN and (path.is_dir() or path.suffix.lower() in JSONL_SUFFIXES)


def expand_inputs(inputs: Sequence[str]) -> Iterator[InputItem]:
    """Files, folders (recursively: .txt, .md, .html), JSONL files of {id, text} records, or ``-``."""
    for given in inputs:
        if given == STDIN:
            yield InputItem(name="<stdin>", path=STDIN, output_stem=Path("stdin"))
            continue
        path = Path(given)
        if path.is_dir():
            found = False
            for file in sorted(path.rglob("*")):
                if file.suffix.lower() in ARTICLE_SUFFIXES and file.is_file() and not file.name.startswith("."):
                    found = True
                    yield _file_item(file, file.relative_to(path))
            if not found:
                yield InputItem(name=given, error=f"is a folder with no {', '.join(ARTICLE_SUFFIXES)} files")
        elif path.suffix.lower() in JSONL_SUFFIXES:
            yield from _jsonl_items(path)
        else:
            yield _file_item(path, Path(path.name))


def fingerprint(source: Source, run_signature: str) -> str:
    """What an output depends on: the source bytes and every setting of the run."""
    return hashlib.sha256(f"{source.sha256}|{run_signature}".encode()).hexdigest()


def output_is_current(path: Path, print_: str) -> bool:
    """The output exists, is complete (written atomically) and carries this fingerprint."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return print_ in handle.read()
    except OSError:
        return False


def remove_stale_temporaries(path: Path) -> None:
    """Temporary files a killed run left for ``path`` (see render.write_atomic)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)


@dataclass
class RunReport:
    """What a run did, for its closing line."""

    ok: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    sentences: int = 0
    cache_hits: int = 0
    started: float = field(default_factory=time.monotonic)

    def closing_line(self) -> str:
        seconds = max(time.monotonic() - self.started, 1e-9)
        parts = [f"{self.ok} article{'s' if self.ok != 1 else ''} ok", f"{len(self.failed)} failed"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped (current)")
        parts += [
            f"{self.sentences} sentences",
            f"{self.cache_hits} cache hits",
            f"{self.sentences / seconds:.1f} sentences/s",
        ]
        return ", ".join(parts)


def grouped(items: Iterable, max_articles: int, max_chars: int, size: Callable) -> Iterator[list]:
    """Consecutive groups of at most ``max_articles`` items and about ``max_chars`` characters."""
    group: list = []
    chars = 0
    for item in items:
        group.append(item)
        chars += size(item)
        if len(group) >= max_articles or chars >= max_chars:
            yield group
            group, chars = [], 0
    if group:
        yield group


Emit = Callable[[InputItem, Document, "Path | None"], None]


def run_articles(
    items: Iterable[InputItem],
    pipeline,
    emit: Emit,
    report: RunReport,
    *,
    folder: Path | None = None,
    suffix: str = "",
    fmt: str = "",
    force: bool = False,
    encoding: str | None = None,
    on_failure: Callable[[str, str], None] | None = None,
    group_articles: int = 16,
    group_chars: int = 200_000,
) -> RunReport:
    """Translate ``items`` with ``pipeline`` and hand each Document to ``emit``.

    With a ``folder``, an item whose output there is complete and current is skipped (unless
    ``force``). A failing article is reported through ``on_failure(name, reason)`` and the run goes
    on; errors that concern every article (a model that cannot be loaded, a bad option) stop it.
    """
    used: dict[Path, str] = {}

    def fail(name: str, reason: str) -> None:
        report.failed.append((name, reason))
        if on_failure:
            on_failure(name, reason)

    def pending() -> Iterator[tuple[InputItem, Source, Path | None, str]]:
        for item in items:
            out = item.output_path(folder, suffix) if folder is not None else None
            try:
                if out is not None:
                    if out in used:
                        raise InputError(item.name, f"its output {out} would overwrite that of {used[out]}")
                    used[out] = item.name
                source = item.load(encoding)
                print_ = fingerprint(source, pipeline.run_signature(pipeline.source_language(source), fmt))
            except (InputError, PairError) as exc:
                fail(item.name, exc.reason if isinstance(exc, InputError) else str(exc))
                continue
            if out is not None and not force and output_is_current(out, print_):
                report.skipped += 1
                continue
            yield item, source, out, print_

    size = lambda entry: len(entry[1].text)  # noqa: E731
    for group in grouped(pending(), group_articles, group_chars, size):

        def finished(index: int, result: Document | TrpipeError, group=group) -> None:
            # called for each article as soon as it is done, so a killed run loses at most one article
            item, _source, out, print_ = group[index]
            if isinstance(result, TrpipeError):
                if not isinstance(result, (InputError, PairError)):
                    raise result
                fail(item.name, result.reason if isinstance(result, InputError) else str(result))
                return
            result.provenance["fingerprint"] = print_
            report.sentences += sum(len(seg.sentences) for seg in result.segments)
            if out is not None:
                remove_stale_temporaries(out)
            emit(item, result, out)
            report.ok += 1

        pipeline.run_group([source for _, source, _, _ in group], on_result=finished)
    return report


def check_output_folder(output: str | os.PathLike | None) -> Path:
    if output is None:
        raise UsageError("several inputs: -o must name the output folder (or use --format jsonl for one stream)")
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {output}: several inputs need a folder, and this is a file")
    if not folder.exists() and folder.suffix.lower() == ".parquet":
        raise UsageError(f"-o {output}: one Parquet dataset is written by --engine ray; name a folder here")
    if not folder.exists() and folder.suffix.lower() in {".md", ".json", ".html", ".tmx", ".xlf", ".xliff"}:
        raise UsageError(
            f"-o {output}: several inputs write one file each into a folder; name a folder "
            f"(and --format for the format), or use --format jsonl -o FILE.jsonl for one stream"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output}: cannot create the output folder ({exc.strerror or exc})") from None
    return folder
