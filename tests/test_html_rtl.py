"""The report sets the direction of each segment (issue 25, part 4): Arabic, Hebrew, Persian and Urdu sources read
right to left beside a left-to-right translation, asserted from the computed style in headless Chromium."""

from __future__ import annotations

import hashlib

from test_html_browser import pytestmark, shots, with_script  # noqa: F401  (skipped without Chromium, as there)
from trpipe.records import Document, Source
from trpipe.render.html import render_html
from trpipe.render.report.direction import direction
from trpipe.segment import segment_text

ARTICLES = {
    "ar": "قال الرئيس إن الاقتصاد سينمو بنسبة خمسة في المئة هذا العام.\n\nوافق المجلس على الميزانية.",
    "he": "הנשיא אמר שהכלכלה תצמח בחמישה אחוזים השנה.\n\nהמועצה אישרה את התקציב.",
    "fa": "رئیس جمهور گفت اقتصاد امسال پنج درصد رشد خواهد کرد.\n\nمجلس بودجه را تصویب کرد.",
    "ur": "صدر نے کہا کہ اس سال معیشت پانچ فیصد بڑھے گی۔\n\nحکومت نے رقم ادا کی۔",
}

_DIRECTIONS = """<script>
window.addEventListener("load", function () {
  var out = [];
  document.querySelectorAll("section.segment").forEach(function (row) {
    var src = row.querySelector(".src"), tgt = row.querySelector(".tgt");
    out.push(getComputedStyle(src).direction + "/" + getComputedStyle(tgt).direction);
  });
  document.body.setAttribute("data-directions", out.join(" "));
});
</script>"""


def _document(lang: str, text: str) -> Document:
    source = Source("article.txt", text, "utf-8", hashlib.sha256(text.encode()).hexdigest(), lang=lang)
    segments = segment_text(text, lang)
    for seg in segments:
        for sentence in seg.sentences:
            sentence.translation = sentence.translations["en"] = "The council approved the budget."
        seg.translation = seg.translations["en"] = " ".join(s.translation for s in seg.sentences)
    return Document(source, "en", segments, {"trpipe": "test"}, target_langs=["en"])


def test_directions_follow_each_languages_script():
    assert [direction(t) for t in ("ar", "he", "fa", "ur", "ps", "yi", "ku-Arab", "en", "az", "zh-Hant")] == [
        *["rtl"] * 7,
        *["ltr"] * 3,
    ]


def test_right_to_left_sources_are_computed_right_to_left_in_chromium(tmp_path):
    # one Arabic article whose paragraphs are in Arabic, Hebrew, Persian and Urdu (each segment's own language)
    langs = sorted(ARTICLES)
    document = _document("ar", "\n\n".join(ARTICLES[lang] for lang in langs))
    for segment in document.segments:
        segment.lang = next(lang for lang in langs if segment.text in ARTICLES[lang])
    html = render_html(document)
    for lang in langs:
        assert f'class="src" lang="{lang}" dir="rtl"' in html
    assert 'class="tgt" lang="en" dir="ltr"' in html
    path = tmp_path / "report.html"
    path.write_text(with_script(html, _DIRECTIONS), encoding="utf-8")
    dom = shots.run_chromium(path.as_uri(), "--dump-dom", "--virtual-time-budget=3000")
    found = dom.split('data-directions="', 1)[1].split('"', 1)[0].split()
    assert found == ["rtl/ltr"] * len(document.segments) == ["rtl/ltr"] * 8, found
