"""Summaries of a group of articles: chunks in shared batches at every level, progress announced first."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tiny_models import write_registry
from trpipe.models.registry import ModelSpec, load_registry
from trpipe.progress import SUMMARY_CHUNK_STEPS, Progress
from trpipe.read import decode_source
from trpipe.session import Session
from trpipe.settings import Settings
from trpipe.summarise import estimate_steps, summarise_documents
from trpipe.summarise.models import Summariser


class CountingSummariser(Summariser):
    """Deterministic: a chunk's summary is the first words of its first two units, each made a sentence,
    and a sentence of words found nowhere (so that its alignment needs attention: uniform here).

    Tokens are words (+1). Records each call (its chunks) and, when given a Progress, the bar's state
    during the call.
    """

    backend = "test-counting"

    def __init__(self, spec: ModelSpec, max_input_tokens: int = 1024, progress: Progress | None = None):
        super().__init__(spec)
        self.settings["max_input_tokens"] = max_input_tokens
        self.calls: list[list[list[str]]] = []
        self.attention_calls: list[int] = []
        self.progress = progress
        self.bar: list[tuple[float, float, str]] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def summarise(self, chunks, max_sentences, max_new_tokens):
        self.calls.append([list(c) for c in chunks])
        if self.progress is not None:
            self.bar.append((self.progress.done, self.progress.total(), self.progress.stage_name))
        out = []
        for units in chunks:
            firsts = [" ".join(u.split()[:8]).rstrip(".") + "." for u in units[:2]]
            firsts.append("Qqq zzz www vvv.")  # shares no word with its chunk: aligned by attention
            out.append(" ".join(" ".join(firsts).split()[: max(4, max_new_tokens)]))
        return out

    def attention(self, units, summary_sentence):
        return [1.0 / len(units)] * len(units)

    def attention_batch(self, pairs):
        self.attention_calls.append(len(pairs))
        return super().attention_batch(pairs)


def echo_translate(texts, source_lang, target_lang):
    return [f"⟨{t}⟩" for t in texts]


ARTICLE = "\n\n".join(
    f"Le paragraphe {i} de l'article {{n}} parle du sujet{i} et de la ville{i}. Il ajoute un détail{i}."
    for i in range(1, 25)
)


@pytest.fixture
def session(tmp_path):
    registry = write_registry(
        tmp_path / "models.yaml", {"fr-en": "echo/fr-en", "en-fr": "echo/en-fr"}, {"en": "test/counting"}
    )
    made: list[CountingSummariser] = []

    def factory(spec, settings):
        made.append(CountingSummariser(spec, max_input_tokens=100))
        return made[-1]

    s = Session(
        load_registry(registry),
        Settings(targets=("en",), source_lang="fr", backend="test-echo", summary_sentences=2),
        summariser_factory=factory,
    )
    s.made = made
    return s


def test_several_articles_share_summary_batches(session):
    sources = [decode_source(ARTICLE.replace("{n}", str(n)).encode(), f"a{n}.fr.txt") for n in range(5)]
    documents = session.run_group(sources)
    (summariser,) = session.made
    chunks_per_level = documents[0].provenance["summary"]["chunks_per_level"]
    assert len(chunks_per_level) >= 2 and chunks_per_level[0] > 1  # every article is map-reduced
    total_chunks = sum(sum(d.provenance["summary"]["chunks_per_level"]) for d in documents)
    seen = [chunk for call in summariser.calls for chunk in call]
    assert len(seen) == total_chunks  # each chunk generated once
    # fewer calls than one per article and level: calls hold chunks of several articles
    assert len(summariser.calls) < len(documents) * len(chunks_per_level)
    mixed = [call for call in summariser.calls if len({c[0].split("l'article ")[-1][:2] for c in call}) > 1]
    assert mixed, "no summarise call held chunks of more than one article"
    for document in documents:
        ids = {s.id for s in document.segments}
        assert document.summary["en"] and len(document.summary["en"]) <= 2
        assert all(s.cites and set(s.cites) <= ids for s in document.summary["en"])
        assert [s.cites for s in document.summary["fr"]] == [s.cites for s in document.summary["en"]]
        for sentence in document.summary["en"]:  # the made-up sentence is weakly supported, the others not
            assert sentence.support is not None
            assert sentence.weakly_supported == sentence.text.startswith("Qqq"), sentence.to_dict()
    # the weak alignments of a level were asked for together, not sentence by sentence
    assert summariser.attention_calls and max(summariser.attention_calls) > len(documents)


def test_batches_are_length_sorted_and_within_the_budget(session):
    short = "Une phrase courte sur la ville."
    sources = [decode_source(ARTICLE.replace("{n}", "1").encode(), "long.fr.txt")]
    sources += [decode_source(f"{short} Numéro {n}.".encode(), f"s{n}.fr.txt") for n in range(6)]
    session.run_group(sources)
    (summariser,) = session.made
    budget = summariser.batch_tokens
    for call in summariser.calls:
        lengths = [summariser.count_tokens(["\n".join(c)])[0] for c in call]
        assert lengths == sorted(lengths, reverse=True)
        assert max(lengths) * len(call) <= budget or len(call) == 1


def test_progress_is_announced_before_the_summaries_and_never_full_while_they_run(tmp_path, session):
    progress = Progress(enabled=False)
    made: list[CountingSummariser] = []
    seen_at_load: list[tuple[float, float]] = []

    def factory(spec, settings):
        seen_at_load.append((progress.done, progress.expected))
        made.append(CountingSummariser(spec, max_input_tokens=100, progress=progress))
        return made[-1]

    session = Session(session.registry, session.settings, summariser_factory=factory, progress=progress)
    sources = [decode_source(ARTICLE.replace("{n}", str(n)).encode(), f"a{n}.fr.txt") for n in range(3)]
    documents = session.run_group(sources)
    (summariser,) = made
    assert summariser.bar
    for done, total, stage in summariser.bar:
        assert done < total  # the bar is never at 100 % while a summary is generated
        assert stage.startswith("summarising: level ")
    assert summariser.bar[0][2].endswith("chunks")
    assert progress.done == pytest.approx(progress.expected)  # every announced step was done, no more
    chunks = sum(sum(d.provenance["summary"]["chunks_per_level"]) for d in documents)
    sentences = sum(len(s.sentences) for d in documents for s in d.segments)
    back = sum(len(d.summary["fr"]) for d in documents)
    assert progress.done == pytest.approx(sentences + chunks * SUMMARY_CHUNK_STEPS + back)
    # when the summariser was loaded, translation was done and the summaries were already expected
    ((done, expected),) = seen_at_load
    assert done == sentences and expected > sentences


def documents_of(texts: Sequence[str]):
    from trpipe.records import Document, Segment, Source

    documents = []
    for n, text in enumerate(texts):
        segments = [Segment(f"p{i + 1}", "paragraph", 0, 0, i, part) for i, part in enumerate(text.split("\n\n"))]
        for seg in segments:
            seg.translation = f"Paragraph {n} translated from {seg.id} about things."
        documents.append(Document(Source(f"d{n}", text, "utf-8", "0" * 64, "fr"), "en", segments, {}))
    return documents


def test_back_translation_is_one_call_per_language_pair():
    calls: list[tuple[int, str, str]] = []

    def translate(texts, source_lang, target_lang):
        calls.append((len(texts), source_lang, target_lang))
        return echo_translate(texts, source_lang, target_lang)

    texts = [f"Premier paragraphe {n} sur la ville.\n\nSecond paragraphe {n} sur le budget." for n in range(3)]
    documents = documents_of(texts)
    summariser = CountingSummariser(ModelSpec("summarisation", "en", "test/counting"))
    summarise_documents(documents, summariser, translate, [2, 2, 2], [["fr", "de"]] * 3)
    assert sorted((s, t) for _, s, t in calls) == [("en", "de"), ("en", "fr")]
    assert all(n == sum(len(d.summary["en"]) for d in documents) for n, _, _ in calls)
    assert len(summariser.calls) == 1  # the three one-chunk articles: one batch


def test_a_document_with_nothing_to_summarise_gets_an_empty_summary():
    documents = documents_of(["Un paragraphe sur la ville.", ""])
    documents[1].segments = []
    progress = Progress(enabled=False)
    summariser = CountingSummariser(ModelSpec("summarisation", "en", "test/counting"))
    traces = summarise_documents(documents, summariser, echo_translate, [None, None], [["fr"], ["fr"]], progress)
    assert documents[0].summary["en"] and documents[1].summary == {"en": [], "fr": []}
    assert traces[1].levels == 0
    assert progress.done == pytest.approx(progress.expected)


def test_an_estimate_announced_before_loading_is_replaced_by_the_real_work():
    texts = [
        "\n\n".join(f"Paragraphe {i} de l'article {n} sur la ville et le budget." for i in range(30)) for n in (1, 2)
    ]
    documents = documents_of(texts)
    for document in documents:
        for seg in document.segments:
            seg.translation = seg.text.replace("Paragraphe", "Paragraph")
    summariser = CountingSummariser(ModelSpec("summarisation", "en", "test/counting"), max_input_tokens=100)
    languages = [["fr"], ["fr"]]
    announced = estimate_steps(documents, [None, None], languages, max_input_tokens=100)
    assert announced >= 2 * SUMMARY_CHUNK_STEPS  # several chunks and levels foreseen
    progress = Progress(enabled=False)
    progress.expect(announced)  # what a caller does before loading the summariser
    summarise_documents(documents, summariser, echo_translate, [None, None], languages, progress, announced=announced)
    assert progress.done == pytest.approx(progress.expected)
    chunks = sum(len(call) for call in summariser.calls)
    back = sum(len(d.summary["fr"]) for d in documents)
    assert progress.done == pytest.approx(chunks * SUMMARY_CHUNK_STEPS + back)
