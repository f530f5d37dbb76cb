"""py3langid's model scored without numpy (trpipe.langid_model): the answers py3langid gives, to a few parts
in a million, on every text of the language-identification evaluation, before and after numpy takes over."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import trpipe.langid_model as langid_model
import trpipe.tablecache as tablecache

EVAL = Path(__file__).resolve().parent.parent / "benchmarks" / "langid_eval"


def _texts() -> list[str]:
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in ("tune.yaml", "test.yaml"):
        walk(yaml.safe_load((EVAL / name).read_text(encoding="utf-8")))
    article = (EVAL.parent.parent / "samples" / "huawei-brumath.fr.txt").read_text(encoding="utf-8")
    return [*found, article, "", "12 345 — 67", "ⵜⴰⵎⴰⵣⵉⵖⵜ", "ПРИВЕТ МИР", "\u0301\u0301"]


@pytest.fixture()
def identifier(tmp_path, monkeypatch):
    monkeypatch.setenv(tablecache.TABLES_ENV, str(tmp_path / "tables"))
    tablecache.language_identifier.cache_clear()
    yield tablecache.language_identifier()
    tablecache.language_identifier.cache_clear()


def test_pure_python_scores_are_py3langid_s(identifier, monkeypatch):
    from py3langid import langid

    reference = langid.LanguageIdentifier.from_modelpath(langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True)
    monkeypatch.setattr(langid_model, "NUMPY_AFTER", 10**9)
    texts = _texts()
    assert len(texts) > 900
    for text in texts:
        lang, prob = identifier.classify(text)
        want, wanted = reference.classify(text)
        assert lang == want and prob == pytest.approx(wanted, abs=1e-5), text
    ranked, wanted = identifier.rank(texts[0]), reference.rank(texts[0])
    assert [lang for lang, _ in ranked[:5]] == [lang for lang, _ in wanted[:5]]
    assert len(ranked) == len(wanted) == len(set(identifier.nb_classes))
    assert identifier._numpy is None  # numpy never asked for


def test_numpy_takes_over_after_the_first_texts_with_the_same_answers(identifier):
    text = "Le conseil municipal a voté le budget de la commune."
    first = [identifier.classify(text) for _ in range(langid_model.NUMPY_AFTER // len(text.encode()) + 1)]
    assert identifier._numpy is None
    later = identifier.classify(text)
    assert identifier._numpy is not None
    assert later[0] == first[0][0] == "fr" and later[1] == pytest.approx(first[0][1], abs=1e-5)


def test_the_latin_letters_known_without_regex_are_latin_for_regex_too():
    import regex

    from trpipe.languages import _latin_letter

    known = [chr(c) for c in range(0x2000) if _latin_letter(chr(c))]
    assert len(known) > 600 and "µ" not in known and "ª" not in known  # U+00B5 is Common, left to regex
    assert all(regex.match(r"\p{sc=Latn}", c) for c in known)
