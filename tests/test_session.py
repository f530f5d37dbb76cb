"""The Session: Python users get what the CLI gets (text in, text out, models kept, memory on)."""

from __future__ import annotations

import os
import sys

import pytest

from trpipe import Document, Session, Settings, UsageError
from trpipe.models.registry import load_registry
from trpipe.translate.base import load_translator

TEXT = (
    "Le conseil régional a voté un budget de 800 000 euros.\n\nLes travaux commenceront en 2027. Ils dureront deux ans."
)


@pytest.fixture
def counting(echo_registry):
    """A Session on the test-echo backend that counts model loads and translated sentences."""
    loads: list[str] = []

    def factory(spec, settings):
        loads.append(spec.model)
        return load_translator(spec, "test-echo")

    session = Session(load_registry(echo_registry), to="en", summary=False, translator_factory=factory)
    yield session, loads
    session.close()


def test_text_in_document_out(counting):
    session, _ = counting
    doc = session.translate_text(TEXT, source_lang="fr")
    assert isinstance(doc, Document)
    assert doc.source.path == "<text>" and doc.source.lang == "fr"
    assert [seg.text for seg in doc.segments] == [TEXT.split("\n\n")[0], TEXT.split("\n\n")[1]]
    for seg in doc.segments:
        assert doc.source.text[seg.start : seg.end] == seg.text
        assert seg.translation.startswith("⟨")
    # the translated text keeps the article's layout: a blank line between the paragraphs
    assert doc.translated_text().count("\n\n") == 1
    assert doc.translated_text().startswith("⟨Le conseil régional")


def test_plain_translate_returns_strings(counting):
    session, _ = counting
    assert session.translate("Bonjour le monde.", source_lang="fr") == "⟨Bonjour le monde.⟩"
    out = session.translate(["Bonjour.", "", "Au revoir. À demain."], source_lang="fr")
    assert out == ["⟨Bonjour.⟩", "", "⟨Au revoir.⟩ ⟨À demain.⟩"]


def test_models_load_once_across_calls(counting):
    session, loads = counting
    for _ in range(3):
        session.translate_text(TEXT, source_lang="fr")
    session.translate("Encore une phrase.", source_lang="fr")
    list(session.translate_many([{"id": "a", "text": TEXT}, {"id": "b", "text": TEXT}], source_lang="fr"))
    assert loads == ["echo/fr-en"] and session.models.loads == 1


def test_memory_is_on_for_python_users(counting):
    session, _ = counting
    session.translate_text(TEXT, source_lang="fr")
    assert session.cache_hits() == 0
    session.translate_text(TEXT, source_lang="fr")
    assert session.cache_hits() == 3  # every sentence of the second call came from the memory


def test_memory_can_be_bypassed(echo_registry):
    with Session(load_registry(echo_registry), to="en", backend="test-echo", cache=False, summary=False) as session:
        session.translate_text(TEXT, source_lang="fr")
        session.translate_text(TEXT, source_lang="fr")
        assert session.memory is None and session.cache_hits() == 0


def test_translate_many_gives_failures_as_values(counting, tmp_path):
    session, _ = counting
    good = tmp_path / "a.fr.txt"
    good.write_text(TEXT, encoding="utf-8")
    empty = tmp_path / "b.fr.txt"
    empty.write_bytes(b"")
    results = list(session.translate_many([good, empty, {"id": "r1", "text": TEXT}, tmp_path / "missing.txt"]))
    assert [r.ok for r in results] == [True, False, True, False]
    assert results[1].error.reason == "is empty" and "no such file" in str(results[3].error)
    assert results[2].document.source.doc_id == "r1"


def test_each_call_may_change_the_settings(counting):
    session, _ = counting
    doc = session.translate_text(TEXT, to=["en"], source_lang="fr", summary=False)
    assert doc.target_lang == "en" and doc.summary is None
    with pytest.raises(TypeError, match="unknown setting"):
        session.translate_text(TEXT, source_lang="fr", colour="blue")


def test_a_target_language_is_required(echo_registry):
    with Session(load_registry(echo_registry), backend="test-echo", cache=False) as session, pytest.raises(UsageError):
        session.translate_text(TEXT)


def test_an_article_already_in_the_target_language_is_kept(counting):
    session, loads = counting
    doc = session.translate_text("The regional council voted a budget of 800,000 euros on Tuesday.", source_lang="en")
    assert all(seg.kept and seg.translation == seg.text for seg in doc.segments)
    assert loads == []  # no en-en model was needed


def test_settings_normalise_language_codes():
    settings = Settings(targets=("EN", "pt-BR"), source_lang="fr_FR")
    assert settings.targets == ("en", "pt") and settings.source_lang == "fr"
    assert settings.replace(to="de").targets == ("de",)


def test_the_first_model_loads_while_the_article_is_prepared_and_the_checks_data_is_read_meanwhile(echo_registry):
    """The first translator loads in a thread while the article is checked and segmented; a failed load is
    raised to the caller as it would be without the thread. The checks' data is read in a low-priority
    thread (trpipe.idle) while the run translates, once per process and pair, and is ready before the checks."""
    import threading
    import time

    from trpipe import idle
    from trpipe.models.pool import ModelPool

    loaded_in = []

    def slow(spec, settings):
        loaded_in.append(threading.current_thread().name)
        time.sleep(0.3)
        return load_translator(spec, "test-echo")

    pool = ModelPool(load_registry(echo_registry), translator_factory=slow)
    settings = Settings(targets=("en",), source_lang="fr", backend="test-echo")
    translators = pool.translators_soon("fr", ["en", "fr"], settings)()
    assert loaded_in == ["trpipe-load"] and len(translators) == 1
    assert pool.translators_soon("fr", ["en"], settings)() == translators and loaded_in == ["trpipe-load"]
    failing = ModelPool(load_registry(echo_registry), translator_factory=slow)
    with pytest.raises(Exception, match="no translation model for fr-xx"):
        failing.translators_soon("fr", ["xx"], settings)()
    ran, nice = [], []

    def work():
        nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        ran.append(threading.current_thread().name)
        time.sleep(0.2)

    key = ("test", time.time())
    wait = idle.soon(key, work)
    assert idle.soon(key, work) == wait  # once per key
    wait()
    assert ran == ["trpipe-idle"]  # waited for, and done once
    assert sys.platform != "linux" or nice == [19]
    idle.soon(("failing", time.time()), lambda: 1 / 0)()  # its errors are logged, not raised
    session = Session(load_registry(echo_registry), to="en", summary=False, translator_factory=slow, cache=False)
    doc = session.translate_text(TEXT, source_lang="fr")
    assert loaded_in[-1] == "trpipe-load" and doc.provenance["checks"]
    assert ("checks", "fr", ("en",)) in idle._started  # read meanwhile, in its thread
    session.close()
