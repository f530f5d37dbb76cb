"""What the writers of documents in their own format share: each paragraph's translation found by its
segment's location, the record of what was written (``provenance.writer``), and the package written back.

A package (DOCX, ODT, PPTX, EPUB) is written member by member in the original's order, with each member's
name, date, permissions and compression: the parts holding translated text are replaced, every other part
(images, fonts, embedded objects, styles) is copied byte for byte. Two things are added: the provenance as
JSON (``trpipe-provenance.json``, declared as each format requires) and, in the ZIP comment, the run's
fingerprint, which a rerun reads to skip an output that is current.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from trpipe.errors import InputError
from trpipe.locations import label
from trpipe.records import Document, Segment
from trpipe.render.common import dumps, kept_for, segment_translation, targets, xml_text
from trpipe.render.runs import Placed, place_runs, sentence_ranges

PROVENANCE_NAME = "trpipe-provenance.json"


@dataclass
class Translated:
    """One paragraph to write: the segments located there, their text and their translation."""

    segments: list[Segment]
    source: str
    translation: str
    sentences: list[tuple[int, int, int, int]]
    location: dict[str, Any]


@dataclass
class WriteReport:
    """What a writer did, for ``provenance.writer``."""

    fmt: str
    bilingual: bool
    paragraphs: int = 0
    styled_kept: dict[str, int] = field(default_factory=dict)  # how → count (exact, sentence, position)
    flattened: list[dict[str, str]] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)  # segments whose place was not found again
    replaced: list[str] = field(default_factory=list)  # package members rewritten
    copied: int = 0  # members copied byte for byte
    notes: list[str] = field(default_factory=list)

    def placed(self, placed: Placed, where: dict[str, Any], describe: Callable[[Hashable], str]) -> None:
        for _style, _text, how in placed.kept:
            self.styled_kept[how] = self.styled_kept.get(how, 0) + 1
        for style, text, why in placed.flattened:
            self.flattened.append({"where": label(where), "text": text, "style": describe(style), "why": why})

    def field_as_text(self, where: dict[str, Any], text: str) -> None:
        """A field (page number, date) whose value the translation does not hold, written as text."""
        self.flattened.append({"where": label(where), "text": text, "style": "field", "why": "written as text"})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": self.fmt,
            "bilingual": self.bilingual,
            "paragraphs": self.paragraphs,
            "styled_runs_kept": dict(self.styled_kept),
            "flattened": list(self.flattened),
        }
        if self.replaced:
            out["parts_replaced"] = list(self.replaced)
            out["parts_copied"] = self.copied
        if self.not_found:
            out["not_found"] = list(self.not_found)
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def translation_of(document: Document, segment: Segment, lang: str | None = None) -> str | None:
    """The segment's text in ``lang`` (default the main target; its own text when already in that language);
    None when it has no translation."""
    lang = lang or document.target_lang
    if kept_for(document, segment, lang):
        return segment.text
    return segment_translation(document, segment, lang)


def by_place(
    document: Document, key: Callable[[dict[str, Any]], Hashable | None], lang: str | None = None
) -> dict[Hashable, Translated]:
    """The paragraphs of ``document`` translated into ``lang`` (default the main target) by ``key(location)``
    (several segments at one place joined)."""
    lang = lang or document.target_lang
    found: dict[Hashable, Translated] = {}
    for segment in document.segments:
        where = segment.location
        k = key(where) if isinstance(where, dict) else None
        text = translation_of(document, segment, lang)
        if k is None or text is None:
            continue
        text = xml_text(text)
        if k in found:
            entry = found[k]
            entry.segments.append(segment)
            entry.source += " " + segment.text
            entry.translation += " " + text
            entry.sentences = []
        else:
            kept = kept_for(document, segment, lang)
            sentences = [] if kept else sentence_ranges(document, segment, text, lang)
            found[k] = Translated([segment], segment.text, text, sentences, where)
    return found


def place(entry: Translated, runs: list[tuple[str, Hashable]]) -> Placed:
    return place_runs(runs, entry.source, entry.translation, entry.sentences)


def require_format(document: Document, fmt: str, what: str) -> bytes:
    """The original bytes of ``document``, which must be a ``fmt`` input (else an InputError naming the way)."""
    source = document.source
    if source.format != fmt or not source.original:
        raise InputError(
            source.path,
            f"--format {fmt} writes {what} back; this is a {source.format or 'text'} input "
            f"(use --format docx for a new document, or --format same)",
        )
    return source.original


def languages(document: Document, fmt: str, bilingual: bool) -> list[str]:
    """The target languages a document written back holds: one, or with ``bilingual`` every target (each
    translation after its source paragraph)."""
    langs = targets(document)
    if len(langs) > 1 and not bilingual:
        raise InputError(
            document.source.path,
            f"a {fmt} written back holds one language: give one --to, or --bilingual to interleave them all",
        )
    return langs


def provenance_bytes(document: Document, report: WriteReport) -> bytes:
    provenance = dict(document.provenance or {})
    provenance["writer"] = report.to_dict()
    document.provenance["writer"] = report.to_dict()
    return (dumps({"source": document.source.path, "provenance": provenance}, indent=2) + "\n").encode("utf-8")


def fingerprint_comment(document: Document) -> bytes:
    fingerprint = (document.provenance or {}).get("fingerprint")
    return f"trpipe-fingerprint: {fingerprint}".encode("ascii") if fingerprint else b"trpipe"


def write_package(
    document: Document,
    original: bytes,
    replaced: dict[str, bytes],
    report: WriteReport,
    provenance_member: str = PROVENANCE_NAME,
    *,
    copy_report: bool = True,
) -> bytes:
    """The package ``original`` with ``replaced`` members' new bytes and the others copied as they are, the
    provenance (with ``report``) added as ``provenance_member`` and the fingerprint as the ZIP comment."""
    name = document.source.path
    try:
        source = zipfile.ZipFile(io.BytesIO(original))
        infos = source.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # the reader opened it: should not happen
        raise InputError(name, f"cannot be written back: its package cannot be reopened ({exc})") from None
    names = list(dict.fromkeys(info.filename for info in infos if info.filename != provenance_member))
    if copy_report:
        report.replaced = [n for n in names if n in replaced]
        report.copied = len(names) - len(report.replaced)
    provenance = provenance_bytes(document, report)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", allowZip64=True) as target:
        seen: set[str] = set()
        for info in infos:
            if info.filename in seen or info.filename == provenance_member:
                continue
            seen.add(info.filename)
            data = replaced.get(info.filename)
            if data is None:
                data = source.read(info.filename)
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            copy.create_system = info.create_system
            copy.comment = info.comment
            target.writestr(copy, data)
        target.writestr(provenance_member, provenance, compress_type=zipfile.ZIP_DEFLATED)
        target.comment = fingerprint_comment(document)
    return out.getvalue()


def xml_bytes(root) -> bytes:
    """An lxml part serialised as its package wants it: UTF-8 with a declaration (standalone kept)."""
    from lxml import etree

    tree = root.getroottree()
    kwargs: dict[str, Any] = {"xml_declaration": True, "encoding": "UTF-8"}
    if tree.docinfo.standalone:
        kwargs["standalone"] = True
    return etree.tostring(tree, **kwargs)


def title_translation(document: Document, title: str | None) -> str | None:
    """The translation of a document's title (metadata), when a segment holds exactly that text."""
    if not title:
        return None
    wanted = " ".join(title.split())
    for segment in document.segments:
        if segment.text == wanted:
            return translation_of(document, segment)
    return None


@dataclass
class Writer:
    """How one format finds and rewrites its paragraphs.

    ``key(location)``: a segment's place; ``walk(root, part)``: ``(key, element)`` of a part's paragraphs,
    numbered as the reader numbers them; ``rewrite(element, Translated, report, describe, lang)``;
    ``twin(element)``: a new paragraph for a translation after it (bilingual); ``targets(element)``: the
    elements to rewrite for one place (a text box's fallback copy too); ``describe(part)``: a function
    naming a style for the provenance.
    """

    fmt: str
    key: Callable[[dict[str, Any]], Hashable | None]
    walk: Callable[[Any, str], Iterable[tuple[Hashable, Any]]]
    rewrite: Callable[..., None]
    twin: Callable[[Any], Any]
    targets: Callable[[Any], list] = lambda element: [element]
    describe: Callable[[str], Callable[[Hashable], str]] = lambda part: lambda style: "formatted"


def part_of(key: Hashable) -> str:
    return key[0] if isinstance(key, tuple) else str(key)


def write_parts(
    document: Document, package: Any, writer: Writer, bilingual: bool
) -> tuple[dict[str, bytes], WriteReport]:
    """Rewrite every part holding translated paragraphs (keys are tuples whose first item is the part).
    Returns the parts' new bytes and the report of what was done."""
    langs = languages(document, writer.fmt, bilingual)
    report = WriteReport(writer.fmt, bilingual)
    places = {lang: by_place(document, writer.key, lang) for lang in langs}
    main = places[langs[0]]
    replaced: dict[str, bytes] = {}
    found: set = set()
    for part in sorted({part_of(k) for k in main}):
        if not package.has(part):
            continue
        root = package.xml(part)
        describe = writer.describe(part)
        todo = []
        for k, element in writer.walk(root, part):
            if k in main and k not in found:
                found.add(k)
                todo.append((element, [places[lang].get(k) for lang in langs]))
        for element, entries in todo:
            for target in writer.targets(element):
                if not bilingual:
                    writer.rewrite(target, entries[0], report, describe, langs[0])
                    continue
                after = target
                for lang, entry in zip(langs, entries):
                    if entry is None:
                        continue
                    twin = writer.twin(target)
                    after.addnext(twin)
                    writer.rewrite(twin, entry, report, describe, lang)
                    after = twin
        replaced[part] = xml_bytes(root)
    report.not_found = [main[k].segments[0].id for k in main if k not in found]
    return replaced, report


def declare_part(types: bytes) -> bytes:
    """[Content_Types].xml declaring the provenance part (every OOXML part needs a content type)."""
    marker = f'PartName="/{PROVENANCE_NAME}"'.encode()
    if marker in types:
        return types
    override = f'<Override PartName="/{PROVENANCE_NAME}" ContentType="application/json"/>'.encode()
    return types.replace(b"</Types>", override + b"</Types>", 1)


DC = "http://purl.org/dc/elements/1.1/"


def retitle(document: Document, holder) -> None:
    """The Dublin Core metadata in ``holder`` (core properties, ODF meta, an OPF's metadata): the translated
    title, where a segment holds the title's text, and the target language (added when missing)."""
    from lxml import etree

    title = holder.find(f".//{{{DC}}}title")
    translated = title_translation(document, title.text if title is not None else None)
    if translated:
        title.text = translated
    language = holder.find(f".//{{{DC}}}language")
    if language is None:
        language = etree.SubElement(holder, f"{{{DC}}}language")
    language.text = document.target_lang


def core_metadata(document: Document, package: Any) -> dict[str, bytes]:
    """docProps/core.xml with the translated title and the target language; the styles' default language."""
    out: dict[str, bytes] = {}
    core = "docProps/core.xml"
    if package.has(core):
        root = package.xml(core)
        retitle(document, root)
        out[core] = xml_bytes(root)
    from trpipe.read.docx import w

    styles = "word/styles.xml"
    if package.has(styles):
        root = package.xml(styles)
        lang = root.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}/{w('lang')}")
        if lang is not None and lang.get(w("val")):
            lang.set(w("val"), document.target_lang)
            out[styles] = xml_bytes(root)
    return out
