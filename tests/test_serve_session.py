"""What the service added to the Session and the model pool: ``translate`` batches all its texts, the pool
loads a model once however many threads ask, ``wrap_engine`` sits below the memory, and people's
translations (``Session.human``) win and are named in the provenance."""

from __future__ import annotations

import threading
import time

from trpipe.session import Session
from trpipe.validate import validate_document


def test_translate_sends_every_text_in_shared_batches(echo_registry):
    with Session(echo_registry, backend="test-echo", cache=False, to="en") as session:
        out = session.translate(["Bonjour.", "", "Au revoir. À demain.", "Merci."], source_lang="fr")
        engine = session.models.translators()[0]
        assert out == ["⟨Bonjour.⟩", "", "⟨Au revoir.⟩ ⟨À demain.⟩", "⟨Merci.⟩"]
        assert len(engine.batches) == 1 and sorted(engine.batches[0]) == sorted(
            ["Bonjour.", "Au revoir.", "À demain.", "Merci."]
        )


def test_the_pool_loads_a_model_once_for_many_threads(echo_registry):
    from trpipe.translate.base import load_translator

    calls = []

    def slow_factory(spec, settings):
        calls.append(spec.model)
        time.sleep(0.2)
        return load_translator(spec, "test-echo")

    with Session(echo_registry, translator_factory=slow_factory, cache=False, to="en") as session:
        settings = session.settings_for("en")
        found = []
        threads = [
            threading.Thread(target=lambda: found.append(session.models.translator_for("fr", "en", settings)))
            for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(calls) == 1 and len({id(t) for t in found}) == 1 and session.models.loads == 1


def test_wrap_engine_sits_below_the_memory(echo_registry, private_cache):
    wrapped = []

    def wrap(engine):
        wrapped.append(engine)
        return engine

    with Session(echo_registry, backend="test-echo", wrap_engine=wrap, to="en") as session:
        session.translate("Bonjour.", source_lang="fr")
        pool_translator = session.models.translators()[0]
        assert type(pool_translator).__name__ == "CachedTranslator" and pool_translator.inner is wrapped[0]


def test_human_translations_win_and_are_named_in_the_provenance(echo_registry):
    with Session(echo_registry, backend="test-echo", cache=False, to="en", summary=False) as session:
        session.human = lambda source, target, texts: (
            {"Bonjour.": "Hello there."} if (source, target) == ("fr", "en") else {}
        )
        doc = session.translate_text("Bonjour. Au revoir.", source_lang="fr")
        assert [s.translation for s in doc.segments[0].sentences] == ["Hello there.", "⟨Au revoir.⟩"]
        assert doc.provenance["human"] == [{"segment": "p1", "start": 0, "end": 8}]
        assert validate_document(doc.to_dict()) == []
        plain = session.translate_text("Au revoir.", source_lang="fr")
        assert "human" not in plain.provenance
