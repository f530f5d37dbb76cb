"""The checks read simplemma's dictionary of a language once per process, when they first need it, through its
stream backend (Swahili in ~5 s instead of ~13 s and 660 MB); with the same answers as simplemma's default."""

from __future__ import annotations

import subprocess
import sys

import simplemma

from trpipe.checks import lemmas

LANGUAGES = ("ms", "id", "eo", "se", "sq", "lv", "fa", "hi", "enm", "en")  # small ones, more than simplemma's 8


def test_each_language_is_read_once_however_many_languages_follow(monkeypatch):
    from simplemma.strategies.dictionaries import stream_dictionary_factory

    read: list[str] = []
    real = stream_dictionary_factory.StreamMap

    def counted(lang):
        read.append(lang)
        return real(lang)

    monkeypatch.setattr(stream_dictionary_factory, "StreamMap", counted)
    lemmas._engine.cache_clear()
    try:
        for _ in range(2):
            for lang in LANGUAGES:
                lemmas.lemmatize("votes", lang)
                lemmas.is_known("votes", lang)
        assert sorted(read) == sorted(LANGUAGES)
    finally:
        lemmas._engine.cache_clear()


def test_the_answers_are_simplemmas():
    for word, lang in [
        ("subventions", "fr"),
        ("votes", "en"),
        ("countries", "en"),
        ("xyzzy", "fr"),
        ("rapports", "fr"),
    ]:
        assert lemmas.lemmatize(word, lang) == simplemma.lemmatize(word, lang=lang)
        assert lemmas.is_known(word, lang) == simplemma.is_known(word, lang=lang)


def test_importing_the_checks_reads_no_dictionary():
    code = "import sys, trpipe.checks, trpipe.checks.lemmas; print('simplemma' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )
