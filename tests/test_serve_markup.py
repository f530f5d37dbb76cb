"""Placeholders and tags survive translation exactly once, whatever the model writes (hypothesis draws the
model's output: sentinels dropped, repeated, reordered, mangled, invented; placeholders of its own)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from trpipe.serve.markup import PLACEHOLDER, html_units, mask, restore, tokens

ORIGINALS = ["%s", "%d", "%1$s", "%(name)s", "%%", "{0}", "{name}", "{{count}}", "${user}", "<b>", "</b>",
             '<a href="https://example.org/?a=1&b=2">', "</a>", "<br/>", "<!-- note -->", "[X6X]"]  # fmt: skip
WORDS = ["Le", "conseil", "a", "voté", "le", "budget", ",", ".", "50", "%", "mardi", "{", "}", "$", "<", ">", "_"]


@st.composite
def source_texts(draw):
    parts = draw(st.lists(st.one_of(st.sampled_from(WORDS[:9]), st.sampled_from(ORIGINALS)), min_size=1, max_size=14))
    return " ".join(parts)


@st.composite
def model_outputs(draw, masked):
    """What a model might write for ``masked.text``: words, its sentinels in any number and order (also
    with spaces inside), sentinels it never got, placeholders and tags of its own."""
    k = len(masked.originals)
    sentinel = st.integers(0, max(0, k + 2)).flatmap(
        lambda i: st.sampled_from([f"__{masked.prefix}{i}__", f"_ _{masked.prefix}{i}_ _", f"__{masked.prefix} {i}__"])
    )
    pieces = st.one_of(st.sampled_from(WORDS), sentinel, st.sampled_from(ORIGINALS), st.text(max_size=3))
    return draw(st.lists(pieces, max_size=20).map(lambda p: draw(st.sampled_from([" ", ""])).join(p)))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_placeholder_and_tag_comes_back_exactly_once(data):
    text = data.draw(source_texts())
    masked = mask(text)
    assert not PLACEHOLDER.search(masked.text.replace(f"__{masked.prefix}", ""))  # the model sees none
    output = data.draw(model_outputs(masked))
    restored = restore(masked, output)
    assert Counter(tokens(restored)) == Counter(tokens(text)), (text, output, restored)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_html_restores_tags_once_and_escapes_the_model_text(data):
    text = data.draw(source_texts()).replace("<!-- note -->", "")
    masked = mask(text, is_html=True)
    output = data.draw(model_outputs(masked))
    restored = restore(masked, output)
    assert Counter(t for t in tokens(restored) if t.startswith("<")) == Counter(
        t for t in tokens(text) if t.startswith("<")
    )
    without = restored
    for tag in set(tokens(text)):
        without = without.replace(tag, "")
    assert "<" not in without and ">" not in without  # whatever the model wrote stays text


def test_a_faithful_model_gets_everything_back_in_place():
    text = 'Bonjour %(name)s, vous avez {0} <b>nouveaux</b> <a href="/m">messages</a>.'
    masked = mask(text)
    assert restore(masked, masked.text) == text


def test_dropped_sentinels_go_back_near_their_place_and_pairs_stay_ordered():
    masked = mask("Cliquez <b>ici</b> pour lire la suite de l'article maintenant.")
    restored = restore(masked, f"Click __{masked.prefix}1__ here for the rest __{masked.prefix}0__ now.")
    assert restored.index("<b>") < restored.index("</b>")
    assert restore(masked, "Click here to read.").count("<b>") == 1


def test_html_units_keep_blocks_scripts_and_comments():
    page = (
        "<div><p>Un <em>beau</em> jour.</p><!-- x --><script>var a = '<p>';</script><pre>code <b>x</b></pre>Fin</div>"
    )
    units = html_units(page)
    assert "".join(u.text for u in units) == page
    translated = [u.text for u in units if not u.keep]
    assert translated == ["Un <em>beau</em> jour.", "Fin"]
