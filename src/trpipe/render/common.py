"""What the renderers share: the target languages, a sentence's translation and score per target, which
sentence a flag concerns, the document id, what produced a translation, and text that XML 1.0 can hold.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from trpipe.records import Document, Segment, Sentence

# Characters XML 1.0 cannot hold at all, not even as character references (C0 controls other than tab and
# newlines, lone surrogates, U+FFFE/U+FFFF). Form feed and vertical tab stand between words: a space.
_NOT_XML = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"  # compiled on first use: 5 ms
_SPACE_LIKE = {"\x0b": " ", "\x0c": " "}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters that are not line breaks or tabs: nothing a reader should get in a page.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
# A flag's detail starts with "sentence N: " when its segment has several sentences (trpipe.checks).
_SENTENCE_PREFIX = re.compile(r"sentence (\d+): ")


def xml_text(value: object) -> str:
    """``value`` as text that XML 1.0 can hold: characters it cannot hold dropped (form feed and vertical tab
    become spaces). lxml escapes ``<``, ``&`` and quotes; this removes what no escaping can carry."""
    text = str(value)
    return re.sub(_NOT_XML, lambda m: _SPACE_LIKE.get(m.group(0), ""), text)


def printable(value: object) -> str:
    """``value`` as text for a reader: control characters dropped (form feed and vertical tab become
    spaces), lone surrogates replaced by U+FFFD."""
    return encodable(_CONTROL.sub(lambda m: _SPACE_LIKE.get(m.group(0), ""), str(value)))


def encodable(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8 cannot encode) replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _not_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def finite(value: Any) -> Any:
    """A copy of a JSON-like value without NaN and infinities (a degenerate model score), which JSON cannot
    hold: a key with such a value is left out, as the records leave out a score they do not have; in a
    list it becomes None."""
    if isinstance(value, float):
        return None if _not_finite(value) else value
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items() if not _not_finite(v)}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text of ``value`` (without NaN/inf: see ``finite``; other objects as their ``str``), non-ASCII
    kept as it is unless the value holds lone surrogates, which are then written as ``\\udXXX`` escapes so
    the text can still be encoded."""
    separators = None if indent else (",", ":")
    data = finite(value)
    options = {"allow_nan": False, "indent": indent, "separators": separators, "default": str}
    text = json.dumps(data, ensure_ascii=False, **options)
    if _LONE_SURROGATE.search(text):
        text = json.dumps(data, ensure_ascii=True, **options)
    return text


def doc_id(document: Document) -> str:
    """The id a document goes by: ``source.doc_id`` when the input gave one (JSONL), else the source path."""
    return document.source.doc_id or document.source.path


def targets(document: Document) -> list[str]:
    """Every target language, the main one (``target_lang``) first."""
    langs = [document.target_lang]
    langs += [t for t in document.target_langs if t not in langs]
    return langs


def sentence_translation(document: Document, sentence: Sentence, target: str) -> str | None:
    if target == document.target_lang and sentence.translation is not None:
        return sentence.translation
    return sentence.translations.get(target)


def segment_translation(document: Document, segment: Segment, target: str) -> str | None:
    if target == document.target_lang and segment.translation is not None:
        return segment.translation
    return segment.translations.get(target)


def sentence_score(document: Document, sentence: Sentence, target: str) -> float | None:
    """The translation model's mean log-probability per token for ``sentence`` into ``target`` (finite)."""
    score = sentence.score if target == document.target_lang else None
    if score is None:
        score = sentence.scores.get(target)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        return None
    return float(score)


def kept_for(document: Document, segment: Segment, target: str) -> bool:
    """Whether ``segment`` is already in ``target`` (kept as it is, not translated)."""
    if target == document.target_lang and segment.kept:
        return True
    return (segment.lang or document.source.lang) == target


def flag_target(document: Document, flag: dict[str, Any]) -> str:
    """The target language a flag is about: its own ``target`` when it says, else the main target."""
    named = flag.get("target") or flag.get("lang")
    return named if isinstance(named, str) and named else document.target_lang


def flag_sentence(segment: Segment, flag: dict[str, Any]) -> int | None:
    """The index (from 0) of the sentence of ``segment`` that ``flag`` concerns, None when it is about the
    whole segment: the flag's own ``sentence`` number (from 1), or its detail's ``sentence N:`` prefix, or
    the segment's only sentence."""
    count = len(segment.sentences)
    number = flag.get("sentence")
    if isinstance(number, bool) or not isinstance(number, int):
        found = _SENTENCE_PREFIX.match(str(flag.get("detail", "")))
        number = int(found.group(1)) if found and count > 1 else None
    if isinstance(number, int) and 1 <= number <= count:
        return number - 1
    return 0 if count == 1 else None


def evidence_text(flag: dict[str, Any]) -> str:
    """A flag's evidence on one line: the source and target text that fired it, expected and found, the measure
    with its value and threshold ('' when the flag has none)."""
    evidence = flag.get("evidence")
    if not isinstance(evidence, dict):
        return ""
    parts = []
    for side in ("source", "target"):
        span = evidence.get(side)
        if isinstance(span, dict) and span.get("text"):
            parts.append(f"{side} «{span['text']}»")
        elif isinstance(span, dict) and "start" in span:
            parts.append(f"{side} {span.get('start')}-{span.get('end')}")
    for key in ("expected", "found"):
        if evidence.get(key) not in (None, ""):
            parts.append(f"{key} {evidence[key]}")
    measure = evidence.get("measure")
    if measure:
        value, threshold = evidence.get("value"), evidence.get("threshold")
        shown = f"{measure}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown += f" {value:g}"
        if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
            shown += f" (threshold {threshold:g})"
        parts.append(shown)
    return " · ".join(parts)


def model_label(document: Document, target: str) -> str | None:
    """What translated into ``target``: ``model@commit`` (pivots as ``A@x > B@y``), with its backend."""
    models = (document.provenance or {}).get("models") or {}
    per_target = models.get("translations") or {}
    described = per_target.get(target) if isinstance(per_target, dict) else None
    if described is None and target == document.target_lang:
        described = models.get("translation")
    if not isinstance(described, dict) or not described:
        return None
    legs = described.get("legs") if isinstance(described.get("legs"), list) else [described]
    names = []
    for leg in legs:
        if not isinstance(leg, dict):
            continue
        pin = leg.get("commit") or leg.get("revision")
        names.append(f"{leg.get('model', '?')}@{pin}" if pin else str(leg.get("model", "?")))
    backend = described.get("backend")
    label = " > ".join(names) or "?"
    return f"{label} ({backend})" if backend else label


def translator_label(document: Document, target: str) -> str:
    """What translated into ``target``, for a reader: the model (``model_label``), or why there is none: the
    article already in ``target`` (kept as it is), or a document that does not record it."""
    label = model_label(document, target)
    if label:
        return label
    if document.source.lang == target or all(kept_for(document, s, target) for s in document.segments):
        return f"no model: already in {target}, kept as it is"
    return "a model this document does not record"
