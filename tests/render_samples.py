"""Documents the render tests share: a hand-made one, and pipeline ones with one or two targets and scores."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tiny_models import write_registry
from trpipe.records import Document, Segment, Sentence, Source, SummarySentence
from trpipe.translate.base import Translator


def hand_made() -> Document:
    """Two segments, one with a <script> in its text and a flag, and a bilingual summary citing both."""
    text = "Le titre <script>alert(1)</script>\n\nHuawei reçoit 800 000 €. Le député s'inquiète & proteste.\n"
    title_end = text.index("\n")
    para_start = text.index("Huawei")
    cut = text.index(" Le député")
    para_end = len(text) - 1
    segments = [
        Segment(
            "p1",
            "title",
            0,
            title_end,
            1,
            text[:title_end],
            [Sentence(0, title_end, text[:title_end], "The title <script>alert(2)</script>", score=-0.25)],
            "The title <script>alert(2)</script>",
        ),
        Segment(
            "p2",
            "paragraph",
            para_start,
            para_end,
            3,
            text[para_start:para_end],
            [
                Sentence(para_start, cut, text[para_start:cut], "Huawei gets 800,000 €.", score=-1.5),
                Sentence(cut + 1, para_end, text[cut + 1 : para_end], "The MP worries & protests.", score=-2.5),
            ],
            "Huawei gets 800,000 €. The MP worries & protests.",
            flags=[{"check": "numbers", "detail": "sentence 1: 800 000 → 800,000 <b>"}],
        ),
    ]
    summary = {
        "en": [
            SummarySentence("Huawei receives public money <i>.", ["p2"]),
            SummarySentence("An MP protests.", ["p1", "p2"], unsupported=["Paris"]),
        ],
        "fr": [SummarySentence("Huawei reçoit de l'argent public.", ["p2"])],
    }
    source = Source("a <b>.txt", text, "utf-8", "f" * 64, lang="fr", doc_id="doc-7")
    provenance = {"trpipe": "0.1.0", "models": {"translation": {"model": "echo/fr-en"}}, "signature": "x</pre>"}
    return Document(source, "en", segments, provenance, summary)


class ScoredEcho(Translator):
    """``<key>⟨text⟩`` (``fr-de⟨Bonjour.⟩``) with a made-up score that falls with the text's length
    (and is lower into German, so that the two targets' scores differ)."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        return [f"{self.spec.key}⟨{t}⟩" for t in texts]

    def translate_batch_scored(self, texts: Sequence[str]) -> list[tuple[str, float | None]]:
        offset = 0.5 if self.spec.key.endswith("-de") else 0.0
        return [(out, -len(t) / 100 - offset) for out, t in zip(self.translate_batch(texts), texts)]

    def describe(self) -> dict:
        return {"model": f"echo/{self.spec.key}", "revision": "main", "commit": "c0ffee", "backend": "scored-echo"}


def pipeline_document(text: str, folder: Path, targets: Sequence[str] = ("en", "de"), doc_id: str | None = None):
    """``text`` (French) through the real pipeline into ``targets`` with ScoredEcho, a summary attached."""
    from trpipe.models.registry import load_registry
    from trpipe.session import Session
    from trpipe.settings import Settings

    pairs = {f"fr-{t}": f"echo/fr-{t}" for t in targets} | {f"{t}-fr": f"echo/{t}-fr" for t in targets}
    registry = load_registry(write_registry(folder / "models.yaml", pairs))
    settings = Settings(targets=tuple(targets), source_lang="fr", summary=False)
    source = Source("in/article.fr.txt", text, "utf-8", "0" * 64, doc_id=doc_id)
    factory = lambda spec, _settings: ScoredEcho(spec)  # noqa: E731
    with Session(registry, settings, cache=False, translator_factory=factory) as session:
        document = session.run(source)
    ids = [s.id for s in document.segments]
    document.summary = {
        lang: [SummarySentence(f"{lang} summary one.", ids[:2]), SummarySentence(f"{lang} two.", ids[-1:], ["X"])]
        for lang in (*targets, "fr")
    }
    document.provenance["fingerprint"] = "f1ng3rpr1nt"
    return document


def units(document: Document):
    """(segment, sentence number from 1, sentence) for every sentence of the document, in order."""
    return [(seg, n, s) for seg in document.segments for n, s in enumerate(seg.sentences, start=1)]
