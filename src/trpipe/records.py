"""Plain records passed between the stages. Every record carries the span of the source it came from.

All offsets are Python string indices into ``Source.text``, the decoded input (BOM dropped, line endings kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The version of the JSON document contract (trpipe/schemas/document.schema.json). 1.1 added segment
# locations and source.format; a document without ``contract_version`` is 1.0.
CONTRACT_VERSION = "1.1"


@dataclass
class Source:
    """The decoded input document."""

    path: str
    text: str
    encoding: str
    sha256: str
    lang: str | None = None
    doc_id: str | None = None
    # Set when the input was a web page or Markdown: the blocks of the extracted text (trpipe.read.blocks.Block)
    # and what the page said about itself. Not serialised: ``text`` is already the extracted text.
    blocks: list[Any] | None = field(default=None, repr=False)
    meta: dict[str, Any] = field(default_factory=dict, repr=False)
    # How ``lang`` was found when it was detected (a trpipe.languages.Detection: the guess, its confidence,
    # the characters it went on); None when it was given (--from) or is not known yet. Not serialised here:
    # the provenance records it.
    detection: Any = field(default=None, repr=False, compare=False)
    # The reader that made it (text, markdown, html, docx, odt, pptx, epub, pdf; trpipe.read.registry) and,
    # for formats written back in their own format, the original bytes (not serialised).
    format: str | None = None
    original: bytes | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.doc_id is not None:
            out["id"] = self.doc_id  # a JSONL record's id
        out.update(lang=self.lang, encoding=self.encoding, sha256=self.sha256, text=self.text)
        if self.format is not None:
            out["format"] = self.format
        return out


@dataclass
class Sentence:
    """One unit sent to the translation model: ``source.text[start:end] == text``."""

    start: int
    end: int
    text: str
    translation: str | None = None
    translations: dict[str, str] = field(default_factory=dict)  # every target language, with several
    # The translation model's confidence in ``translation``: mean log-probability per generated token
    # (None when the backend cannot tell, or the sentence was kept as it is).
    score: float | None = None
    scores: dict[str, float] = field(default_factory=dict)  # per target language, with several
    # Word alignment with ``translation`` (trpipe.checks.align): [source start, source end, target start,
    # target end] per link, source offsets into Source.text, target offsets into ``translation``.
    alignment: list[list[int]] = field(default_factory=list)
    # "human" when a person's translation (an applied suggestion) was used instead of a model's; the
    # document's provenance lists those sentences (``provenance["human"]``). Not serialised here.
    origin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text, "translation": self.translation}
        if self.score is not None:
            out["score"] = round(self.score, 4)
        if self.alignment:
            out["alignment"] = [list(pair) for pair in self.alignment]
        if len(self.translations) > 1:
            out["translations"] = dict(self.translations)
            if self.scores:
                out["scores"] = {lang: round(score, 4) for lang, score in self.scores.items()}
        return out


@dataclass
class Segment:
    """A paragraph-level unit of the article (title, heading, byline, date, caption, paragraph, list item)."""

    id: str
    kind: str
    start: int
    end: int
    line: int
    text: str
    sentences: list[Sentence] = field(default_factory=list)
    translation: str | None = None
    flags: list[dict[str, str]] = field(default_factory=list)
    path: str | None = None  # where the segment stood in a web page or Markdown file (also location["path"])
    lang: str | None = None  # the segment's own language (differs from the article's for a quote, say)
    kept: bool = False  # already in the target language: kept as it is, not translated
    translations: dict[str, str] = field(default_factory=dict)  # every target language, with several
    # Where the segment sits in the original document (trpipe.locations): a paragraph, table cell, header,
    # footer or footnote of a Word/OpenDocument file, a slide's shape and paragraph, an EPUB chapter's
    # element, a PDF page with the box of each line, a web page's element path.
    location: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "text": self.text,
            "translation": self.translation,
            "sentences": [s.to_dict() for s in self.sentences],
            "flags": list(self.flags),
        }
        if self.path is not None:
            out["path"] = self.path
        if self.location is not None:
            out["location"] = self.location
        if self.lang is not None:
            out["lang"] = self.lang
        if self.kept:
            out["kept"] = True
        if len(self.translations) > 1:
            out["translations"] = dict(self.translations)
        return out


@dataclass
class SummarySentence:
    """A summary sentence and the ids of the source segments it draws on."""

    text: str
    cites: list[str]
    unsupported: list[str] = field(default_factory=list)  # numbers, units and names no cited segment holds
    # Share of the sentence's content words that its cited segments hold (trpipe.checks.summary_flags);
    # ``weakly_supported`` when it is under the documented threshold.
    support: float | None = None
    weakly_supported: bool = False
    # The citation pointed at a segment that supports the sentence less than another: ``cites`` was corrected
    # to that one, ``cited_as`` keeps what the alignment cited (trpipe.checks.claims.check_citation).
    wrong_citation: bool = False
    cited_as: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "cites": list(self.cites)}
        if self.unsupported:
            out["unsupported"] = list(self.unsupported)
        if self.support is not None:
            out["support"] = round(self.support, 3)
        if self.weakly_supported:
            out["weakly_supported"] = True
        if self.wrong_citation:
            out["wrong_citation"] = True
            out["cited_as"] = list(self.cited_as)
        return out


@dataclass
class Document:
    """The result of translating one article."""

    source: Source
    target_lang: str
    segments: list[Segment]
    provenance: dict[str, Any]
    summary: dict[str, list[SummarySentence]] | None = None
    target_langs: list[str] = field(default_factory=list)  # all targets, the first is target_lang

    def translated_text(self, lang: str | None = None) -> str:
        """The whole article in translation (``lang``: one of the targets, default the main one): each
        segment replaced by its translation, the source's line breaks and spacing between segments kept."""
        text, parts, cursor = self.source.text, [], 0
        for seg in self.segments:
            parts.append(text[cursor : seg.start])
            translated = seg.translations.get(lang) if lang else seg.translation
            parts.append(translated if translated is not None else seg.text)
            cursor = seg.end
        parts.append(text[cursor:])
        return "".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.to_dict(),
            "target_lang": self.target_lang,
            **({"target_langs": list(self.target_langs)} if len(self.target_langs) > 1 else {}),
            "segments": [s.to_dict() for s in self.segments],
            "summary": (
                None
                if self.summary is None
                else {lang: [s.to_dict() for s in sents] for lang, sents in self.summary.items()}
            ),
            "provenance": self.provenance,
            "contract_version": CONTRACT_VERSION,
        }


def document_from_dict(data: dict[str, Any]) -> Document:
    """A Document from its JSON form (``Document.to_dict``): a stored result, or a document read back from disk."""
    src = data["source"]
    source = Source(
        src.get("path", ""),
        src["text"],
        src.get("encoding", "utf-8"),
        src.get("sha256", ""),
        src.get("lang"),
        src.get("id"),
    )
    segments = []
    for seg in data["segments"]:
        sentences = [
            Sentence(
                s["start"],
                s["end"],
                s["text"],
                s.get("translation"),
                dict(s.get("translations") or {}),
                s.get("score"),
                dict(s.get("scores") or {}),
                alignment=[list(pair) for pair in s.get("alignment") or []],
            )
            for s in seg.get("sentences", [])
        ]
        segments.append(
            Segment(
                seg["id"],
                seg["kind"],
                seg["start"],
                seg["end"],
                seg["line"],
                seg["text"],
                sentences,
                seg.get("translation"),
                list(seg.get("flags") or []),
                seg.get("path"),
                seg.get("lang"),
                bool(seg.get("kept", False)),
                dict(seg.get("translations") or {}),
                seg.get("location"),
            )
        )
    summary = None
    if data.get("summary") is not None:
        summary = {
            lang: [
                SummarySentence(
                    s["text"],
                    list(s.get("cites", [])),
                    list(s.get("unsupported", [])),
                    s.get("support"),
                    bool(s.get("weakly_supported", False)),
                    wrong_citation=bool(s.get("wrong_citation", False)),
                    cited_as=list(s.get("cited_as") or []),
                )
                for s in sentences
            ]
            for lang, sentences in data["summary"].items()
        }
    targets = data.get("target_langs") or [data["target_lang"]]
    return Document(source, data["target_lang"], segments, data.get("provenance") or {}, summary, list(targets))
