"""The JSON document contract, checked: ``trpipe validate DOC.json [--summary]`` and :func:`validate_document`.

A document (``--format json``, or one line of a JSONL stream of documents) holds the decoded source
text and the segments cut from it. The contract, as docs/how-it-works.md states it:

* ``source.text`` is a string; ``source.sha256`` a SHA-256 hex digest; ``target_lang`` a language code,
  and ``target_langs`` (several targets only) the list of targets, ``target_lang`` first.
* Segments: unique ids, a known kind, integer ``start``/``end`` with ``source.text[start:end] == text``,
  in order and not overlapping, ``line`` the 1-based line of ``start``; every non-whitespace character of
  the source lies in exactly one segment. A segment with text has a translation (and, with several
  targets, one per target in ``translations``).
* Sentences: the same span rule, inside their segment, in order, covering every non-whitespace character
  of it, each with a translation.
* Flags: ``{check, detail}`` strings.
* Summary: null, or a mapping of language → sentences, each with text and the ids of existing segments
  it cites; every language has the same number of sentences with the same cites (the back-translation
  keeps them). With ``summary=True`` the summary must exist in the target language(s) and the source
  language.
* Provenance: the trpipe version, creation time, models (the summariser too when there is a summary)
  and the signature.

Every problem names where it is (``segments[3] (p4).sentences[1]``) and what is wrong.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from typing import Any

from trpipe.jsonfile import json_kind, read_documents
from trpipe.runlog import counted
from trpipe.schemas import schema, schema_problems
from trpipe.segment import KINDS

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Problem:
    """One broken invariant: where it is in the document, and what is wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _blank(text: Any) -> bool:
    return not isinstance(text, str) or not text.strip()


class _Checker:
    def __init__(self, doc: dict[str, Any], summary: bool, min_segments: int):
        self.doc = doc
        self.want_summary = summary
        self.min_segments = min_segments
        self.problems: list[Problem] = []
        source = doc.get("source")
        self.source: dict[str, Any] = source if isinstance(source, dict) else {}
        text = self.source.get("text")
        self.text: str | None = text if isinstance(text, str) else None
        targets = doc.get("target_langs")
        self.targets: list[str] = targets if isinstance(targets, list) else [doc.get("target_lang")]
        self.ids: list[str] = []

    def bad(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def run(self) -> list[Problem]:
        self.check_head()
        self.check_segments()
        self.check_summary()
        self.check_provenance()
        return self.problems

    # ------------------------------------------------------------------------------- source, targets

    def check_head(self) -> None:
        if not isinstance(self.doc.get("source"), dict):
            self.bad("source", "missing or not an object")
        if self.text is None:
            self.bad("source.text", "missing or not a string")
        sha = self.source.get("sha256")
        if sha is not None and not (isinstance(sha, str) and _SHA256.match(sha)):
            self.bad("source.sha256", f"not a SHA-256 hex digest: {sha!r}")
        for key in ("path", "encoding", "lang"):
            if key in self.source and self.source[key] is not None and not isinstance(self.source[key], str):
                self.bad(f"source.{key}", "not a string")
        target = self.doc.get("target_lang")
        if _blank(target):
            self.bad("target_lang", "missing or empty")
        if "target_langs" in self.doc:
            targets = self.doc["target_langs"]
            if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
                self.bad("target_langs", "not a list of language codes")
            elif len(set(targets)) != len(targets):
                self.bad("target_langs", f"repeats a language: {targets}")
            elif targets[:1] != [target]:
                self.bad("target_langs", f"does not start with target_lang {target!r}: {targets}")

    # ------------------------------------------------------------------------------------ segments

    def check_segments(self) -> None:
        segments = self.doc.get("segments")
        if not isinstance(segments, list):
            self.bad("segments", "missing or not a list")
            return
        if len(segments) < self.min_segments:
            self.bad("segments", f"{len(segments)} segments, expected at least {self.min_segments}")
        covered = bytearray(len(self.text or ""))
        previous_end, seen = 0, set()
        for i, seg in enumerate(segments):
            where = f"segments[{i}]"
            if not isinstance(seg, dict):
                self.bad(where, "not an object")
                continue
            seg_id = seg.get("id")
            if isinstance(seg_id, str) and seg_id:
                where = f"segments[{i}] ({seg_id})"
                if seg_id in seen:
                    self.bad(where, f"id {seg_id!r} is used by an earlier segment")
                seen.add(seg_id)
                self.ids.append(seg_id)
            else:
                self.bad(where, "no id")
            if seg.get("kind") not in KINDS:
                self.bad(where, f"kind {seg.get('kind')!r} is not one of {', '.join(KINDS)}")
            if not self.check_span(where, seg, 0, len(self.text or "")):
                continue
            start, end = seg["start"], seg["end"]
            if start < previous_end:
                self.bad(
                    where, f"starts at {start}, inside or before the previous segment (which ends at {previous_end})"
                )
            previous_end = max(previous_end, end)
            for k in range(start, end):
                covered[k] = 1
            assert self.text is not None  # check_span passed
            line = self.text.count("\n", 0, start) + 1
            if seg.get("line") != line:
                self.bad(where, f"line {seg.get('line')!r}, but its start is on line {line}")
            self.check_translation(where, seg)
            self.check_sentences(where, seg)
            self.check_flags(where, seg.get("flags"))
            for key in ("lang", "path"):
                if key in seg and not isinstance(seg[key], str):
                    self.bad(f"{where}.{key}", "not a string")
            self.check_location(where, seg.get("location"))
            if "kept" in seg and seg["kept"] is not True:
                self.bad(f"{where}.kept", "present but not true")
        if self.text is not None:
            missed = [k for k, ch in enumerate(self.text) if not ch.isspace() and not covered[k]]
            if missed:
                first = missed[0]
                self.bad(
                    "segments",
                    f"{len(missed)} non-space characters of source.text lie in no segment, the first at "
                    f"{first}: {self.text[first : first + 40]!r}",
                )

    def check_location(self, where: str, location: Any) -> None:
        """A PDF box is a rectangle (x0 <= x1, y0 <= y1); the shape is the schema's."""
        if not isinstance(location, dict):
            return
        for k, box in enumerate(location.get("boxes") or []):
            bbox = box.get("bbox") if isinstance(box, dict) else None
            numbers = isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)
            if numbers and (bbox[0] > bbox[2] or bbox[1] > bbox[3]):
                self.bad(f"{where}.location.boxes[{k}]", f"bbox {bbox} is not x0 <= x1, y0 <= y1")

    def check_span(self, where: str, item: dict[str, Any], low: int, high: int) -> bool:
        """``start``/``end`` are integers in ``[low, high]`` and ``source.text[start:end] == text``."""
        start, end = item.get("start"), item.get("end")
        if not (_is_int(start) and _is_int(end)):
            self.bad(where, f"start and end must be integers (got {start!r}, {end!r})")
            return False
        if not low <= start <= end <= high:
            self.bad(where, f"span {start}:{end} is outside {low}:{high}")
            return False
        if self.text is None:
            return False
        if self.text[start:end] != item.get("text"):
            self.bad(
                where, f"source.text[{start}:{end}] != text ({self.text[start:end][:40]!r} vs {item.get('text')!r:.40})"
            )
            return False
        return True

    def check_translation(self, where: str, seg: dict[str, Any]) -> None:
        translation = seg.get("translation")
        if not isinstance(translation, str):
            self.bad(where, "no translation")
        elif seg["text"].strip() and not translation.strip():
            self.bad(where, "empty translation of a non-empty segment")
        translations = seg.get("translations")
        if len(self.targets) > 1:
            if not isinstance(translations, dict):
                self.bad(where, f"no translations object for the targets {self.targets}")
                return
            missing = [t for t in self.targets if _blank(translations.get(t)) and seg["text"].strip()]
            if missing:
                self.bad(f"{where}.translations", f"no translation into {', '.join(map(str, missing))}")
            if translations.get(self.targets[0]) != translation:
                self.bad(f"{where}.translations", f"[{self.targets[0]!r}] differs from translation")
        elif translations is not None:
            self.bad(f"{where}.translations", "present, but the document has a single target language")

    def check_sentences(self, where: str, seg: dict[str, Any]) -> None:
        sentences = seg.get("sentences")
        if not isinstance(sentences, list):
            self.bad(f"{where}.sentences", "missing or not a list")
            return
        start, end = seg["start"], seg["end"]
        covered = bytearray(end - start)
        previous_end = start
        for j, sentence in enumerate(sentences):
            at = f"{where}.sentences[{j}]"
            if not isinstance(sentence, dict):
                self.bad(at, "not an object")
                continue
            if not self.check_span(at, sentence, start, end):
                continue
            if sentence["start"] < previous_end:
                self.bad(at, f"starts at {sentence['start']}, before the previous sentence ends ({previous_end})")
            previous_end = max(previous_end, sentence["end"])
            for k in range(sentence["start"], sentence["end"]):
                covered[k - start] = 1
            translation = sentence.get("translation")
            if not isinstance(translation, str) or (sentence["text"].strip() and not translation.strip()):
                self.bad(at, "no translation")
            if "score" in sentence and not isinstance(sentence["score"], (int, float)):
                self.bad(f"{at}.score", "not a number")
            if "alignment" in sentence:
                self.check_alignment(at, sentence, translation if isinstance(translation, str) else "")
        text = seg["text"]
        missed = [k for k, ch in enumerate(text) if not ch.isspace() and not covered[k]]
        if missed:
            self.bad(
                f"{where}.sentences",
                f"{len(missed)} non-space characters of the segment lie in no sentence, the first at "
                f"{start + missed[0]}: {text[missed[0] : missed[0] + 40]!r}",
            )

    def check_alignment(self, where: str, sentence: dict[str, Any], translation: str) -> None:
        """Word links ``[source start, source end, target start, target end]``: source offsets inside the
        sentence's span of the source text, target offsets inside its translation."""
        pairs = sentence["alignment"]
        if not isinstance(pairs, list):
            self.bad(f"{where}.alignment", "not a list")
            return
        for k, pair in enumerate(pairs):
            ok = isinstance(pair, list) and len(pair) == 4 and all(_is_int(v) for v in pair)
            if not ok or not (sentence["start"] <= pair[0] < pair[1] <= sentence["end"]):
                self.bad(f"{where}.alignment[{k}]", "not [source start, source end, ...] inside the sentence")
                return
            if not 0 <= pair[2] < pair[3] <= len(translation):
                self.bad(f"{where}.alignment[{k}]", "its target span is not inside the translation")
                return

    def check_flags(self, where: str, flags: Any) -> None:
        if flags is None:
            return
        if not isinstance(flags, list):
            self.bad(f"{where}.flags", "not a list")
            return
        for k, flag in enumerate(flags):
            if not (
                isinstance(flag, dict) and isinstance(flag.get("check"), str) and isinstance(flag.get("detail"), str)
            ):
                self.bad(f"{where}.flags[{k}]", "not a {check, detail} object of strings")
                continue
            self.check_flag_evidence(f"{where}.flags[{k}]", flag)

    def check_flag_evidence(self, where: str, flag: dict) -> None:
        """A flag's optional severity and evidence (older documents have neither)."""
        from trpipe.checks.text import SEVERITIES

        if "severity" in flag and flag["severity"] not in SEVERITIES:
            self.bad(f"{where}.severity", f"not one of {', '.join(SEVERITIES)}")
        evidence = flag.get("evidence")
        if evidence is None:
            return
        if not isinstance(evidence, dict):
            self.bad(f"{where}.evidence", "not an object")
            return
        for side in ("source", "target"):
            span = evidence.get(side)
            if span is None:
                continue
            start, end = (span.get("start"), span.get("end")) if isinstance(span, dict) else (None, None)
            if not (_is_int(start) and _is_int(end) and 0 <= start <= end):
                self.bad(f"{where}.evidence.{side}", "not a {start, end} span")
            elif side == "source" and span.get("text", (self.text or "")[start:end]) != (self.text or "")[start:end]:
                self.bad(f"{where}.evidence.source", "its text is not source.text[start:end]")
        for key in ("value", "threshold"):
            number = evidence.get(key, 0)
            if not isinstance(number, (int, float)) or isinstance(number, bool):
                self.bad(f"{where}.evidence.{key}", "not a number")

    # ------------------------------------------------------------------------------------- summary

    def summary_languages(self) -> list[str]:
        """The languages a summary must be in: every target, then the source language."""
        wanted = [*self.targets, self.source.get("lang")]
        return [lang for lang in dict.fromkeys(wanted) if isinstance(lang, str) and lang]

    def check_summary(self) -> None:
        summary = self.doc.get("summary")
        if summary is None:
            if self.want_summary:
                error = (
                    (self.doc.get("provenance") or {}).get("summary_error")
                    if isinstance(self.doc.get("provenance"), dict)
                    else None
                )
                self.bad("summary", "null" + (f" (provenance.summary_error: {error})" if error else ""))
            return
        if not isinstance(summary, dict):
            self.bad("summary", "neither null nor an object of language → sentences")
            return
        ids = set(self.ids)
        shapes: dict[str, list[list[str]]] = {}
        for lang, sentences in summary.items():
            where = f"summary.{lang}"
            if not isinstance(sentences, list):
                self.bad(where, "not a list of sentences")
                continue
            if not sentences:
                self.bad(where, "no sentences")
            cites_of: list[list[str]] = []
            for j, sentence in enumerate(sentences):
                at = f"{where}[{j}]"
                if not isinstance(sentence, dict):
                    self.bad(at, "not an object")
                    continue
                if _blank(sentence.get("text")):
                    self.bad(at, "no text")
                cites = sentence.get("cites")
                if not isinstance(cites, list) or not cites:
                    self.bad(at, "cites no segment")
                    cites = []
                unknown = [c for c in cites if c not in ids]
                if unknown:
                    self.bad(at, f"cites segments that do not exist: {unknown}")
                if len(set(map(str, cites))) != len(cites):
                    self.bad(at, f"cites a segment twice: {cites}")
                unsupported = sentence.get("unsupported")
                if unsupported is not None and not (
                    isinstance(unsupported, list) and all(isinstance(u, str) for u in unsupported)
                ):
                    self.bad(f"{at}.unsupported", "not a list of strings")
                if "wrong_citation" in sentence and not isinstance(sentence["wrong_citation"], bool):
                    self.bad(f"{at}.wrong_citation", "not true or false")
                cited_as = sentence.get("cited_as")
                if cited_as is not None and not (isinstance(cited_as, list) and all(c in ids for c in cited_as)):
                    self.bad(f"{at}.cited_as", "not a list of the document's segment ids")
                cites_of.append([str(c) for c in cites])
            shapes[lang] = cites_of
        if shapes:
            first_lang, first = next(iter(shapes.items()))
            for lang, cites_of in shapes.items():
                if len(cites_of) != len(first):
                    has = f"{counted(len(cites_of), 'sentence')}, but summary.{first_lang} has {len(first)}"
                    self.bad(f"summary.{lang}", has)
                elif cites_of != first:
                    k = next(k for k, (a, b) in enumerate(zip(cites_of, first)) if a != b)
                    self.bad(
                        f"summary.{lang}[{k}]", f"cites {cites_of[k]}, but summary.{first_lang}[{k}] cites {first[k]}"
                    )
        if self.want_summary:
            for lang in self.summary_languages():
                if lang not in summary:
                    self.bad("summary", f"no summary in {lang!r}")

    # ---------------------------------------------------------------------------------- provenance

    def check_provenance(self) -> None:
        provenance = self.doc.get("provenance")
        if not isinstance(provenance, dict) or not provenance:
            self.bad("provenance", "missing or empty")
            return
        if _blank(provenance.get("trpipe")):
            self.bad("provenance.trpipe", "no trpipe version")
        created = provenance.get("created")
        try:
            _dt.datetime.fromisoformat(str(created))
        except ValueError:
            self.bad("provenance.created", f"not an ISO 8601 time: {created!r}")
        models = provenance.get("models")
        if not isinstance(models, dict):
            self.bad("provenance.models", "missing or not an object")
        elif isinstance(self.doc.get("summary"), dict):
            described = models.get("summary")
            if not (isinstance(described, dict) and described.get("model")):
                self.bad("provenance.models.summary", "the document has a summary but does not name its model")
        if not isinstance(provenance.get("signature"), str):
            self.bad("provenance.signature", "missing or not a string")


def document_schema() -> dict[str, Any]:
    """The JSON Schema of the document contract (``trpipe/schemas/document.schema.json``)."""
    return schema("document")


def _schema_problems(doc: dict[str, Any]) -> list[Problem]:
    """What the JSON Schema finds wrong, each placed like the checker places its problems."""
    return [Problem(where, what) for where, what in schema_problems(doc, "document")]


def _bare(where: str) -> str:
    return re.sub(r" \([^)]*\)", "", where)


def validate_document(doc: Any, *, summary: bool = False, min_segments: int = 1) -> list[Problem]:
    """Every way ``doc`` (a parsed JSON document) breaks the contract; an empty list when it holds.

    The JSON Schema (``document_schema``) checks the shape, then the checker what a schema cannot say
    (spans, coverage, order, cites). ``summary=True`` also requires a summary in every target language and
    the source language; ``min_segments`` the least number of segments expected.
    """
    if not isinstance(doc, dict):
        return [Problem("", f"a document is a JSON object, not {json_kind(doc)}")]
    problems = _Checker(doc, summary, min_segments).run()
    placed = [_bare(p.where) for p in problems]
    for problem in _schema_problems(doc):
        # A place the checker already reported (or one inside it, or around it) is said once.
        if not any(problem.where.startswith(w) or w.startswith(problem.where) for w in placed if w):
            problems.append(problem)
    return problems


@dataclass
class FileReport:
    """What :func:`check_file` found in one file."""

    problems: list[Problem]
    documents: int = 0
    segments: int = 0
    characters: int = 0
    stories: int | None = None  # a digest: its stories


def check_file(path: str | os.PathLike, *, summary: bool = False, min_segments: int = 1) -> FileReport:
    """Check every document in ``path`` (JSON, or JSONL of documents); problems are placed by line.

    Raises InputError when the file cannot be read or is not JSON.
    """
    report = FileReport([])
    for label, doc in read_documents(path):
        report.documents += 1
        if _digest(doc):  # a digest (trpipe digest): its own contract, its articles' documents beside it
            from trpipe.validate_digest import validate_digest

            report.stories = len(doc.get("stories") or [])
            found = validate_digest(doc, os.path.dirname(os.fspath(path)) or ".", validate_document)
            report.problems += [Problem(where, message) for where, message in found]
            continue
        if isinstance(doc, dict) and "source" not in doc and {"doc", "start", "end"} <= doc.keys():
            report.problems.append(Problem(label, "a segment row of a --format jsonl stream, not a whole document"))
            continue
        for problem in validate_document(doc, summary=summary, min_segments=min_segments):
            report.problems.append(Problem(": ".join(p for p in (label, problem.where) if p), problem.message))
        if isinstance(doc, dict):
            segments, source = doc.get("segments"), doc.get("source")
            report.segments += len(segments) if isinstance(segments, list) else 0
            text = source.get("text") if isinstance(source, dict) else None
            report.characters += len(text) if isinstance(text, str) else 0
    return report


def _digest(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("format") == "trpipe-digest"


def validate_file(path: str | os.PathLike, *, summary: bool = False, min_segments: int = 1) -> list[Problem]:
    """The problems of every document in ``path`` (an empty list when all hold); see :func:`check_file`."""
    return check_file(path, summary=summary, min_segments=min_segments).problems
