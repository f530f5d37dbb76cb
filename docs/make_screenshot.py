"""Render the sample article as the bilingual HTML page and take a screenshot with headless Chromium.

    python docs/make_screenshot.py                  # demo document → docs/html-report.png
    python docs/make_screenshot.py out.json         # a real `trpipe translate --format json` output instead

Without an argument no model is used: the demo translation of a sentence is the sentence itself in
⟨angle brackets⟩, the summary is hand-written, two flags are made up and so are the model scores (a few
sentences get a low one), so that every part of the page shows: the title beside the source title, the
flag overview, the shading of low-confidence sentences and the citation links.
Needs Chromium (Debian: ``apt-get install -y chromium``); ``TRPIPE_CHROMIUM`` names another binary.
tests/test_html_browser.py runs these functions too, so the script cannot silently rot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "huawei-brumath.fr.txt"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """The Chromium binary: $TRPIPE_CHROMIUM, else chromium / chromium-browser on PATH."""
    named = os.environ.get("TRPIPE_CHROMIUM")
    if named:
        return shutil.which(named)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(url: str, *args: str, timeout: float = 60) -> str:
    """Run headless Chromium on ``url`` with extra ``args``; its stdout (the DOM with --dump-dom)."""
    binary = find_chromium()
    if binary is None:
        raise RuntimeError("Chromium not found (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="trpipe-chromium-") as profile:
        done = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited with {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def screenshot(html_path: Path, png_path: Path, width: int = 1280, height: int = 1600) -> None:
    run_chromium(html_path.resolve().as_uri(), f"--screenshot={png_path.resolve()}", f"--window-size={width},{height}")


def demo_document():
    """The sample article through the pipeline with an echo translator, a hand-written summary and a flag."""
    from trpipe.models.registry import load_registry
    from trpipe.read import read_source
    from trpipe.records import SummarySentence
    from trpipe.session import Session
    from trpipe.settings import Settings
    from trpipe.translate.base import Translator

    class Echo(Translator):
        backend = "demo-echo"

        def count_tokens(self, texts):
            return [len(t.split()) + 1 for t in texts]

        def translate_batch(self, texts):
            return [f"⟨{t}⟩" for t in texts]

        def translate_batch_scored(self, texts):
            # Made-up scores: sentences with a digit and a quote look unsure, the rest confident.
            return [(f"⟨{t}⟩", demo_score(t)) for t in texts]

        def describe(self):
            return {"model": "none (demo: translation = ⟨source⟩)", "backend": self.backend}

    source = read_source(SAMPLE)
    source.path = "samples/huawei-brumath.fr.txt"
    settings = Settings(targets=("en",), source_lang="fr", summary=False)
    with Session(load_registry(None), settings, cache=False, translator_factory=lambda spec, _: Echo(spec)) as session:
        document = session.run(source)

    def cite(*needles: str) -> list[str]:
        return [next(s.id for s in document.segments if needle in s.text) for needle in needles]

    document.summary = {
        "en": [
            SummarySentence(
                "The Grand Est region granted Huawei €800,000 for its factory in Brumath.", cite("800.000")
            ),
            SummarySentence(
                "An MEP objects that the site lies among army intelligence units.",
                cite("Glucksmann", "Selon des spécialistes"),
            ),
            SummarySentence("Huawei reportedly received $75 billion in Chinese state support.", cite("75 milliards")),
        ],
        "fr": [
            SummarySentence("La région Grand Est a accordé 800 000 € à Huawei pour son usine.", cite("800.000")),
            SummarySentence("Un député européen s'inquiète de la proximité d'unités militaires.", cite("Glucksmann")),
            SummarySentence("Huawei aurait reçu 75 milliards de dollars d'aides.", cite("75 milliards")),
        ],
    }
    for segment in document.segments:  # the echo "translation" fails the checks everywhere: made-up flags only
        segment.flags = []
    flagged = next(s for s in document.segments if "2eme budget" in s.text)
    flagged.flags = [{"check": "numbers", "detail": "demo flag: '2eme' has no counterpart in the translation"}]
    quoted = next(s for s in document.segments if "Glucksmann" in s.text)
    quoted.flags = [
        {"check": "names", "detail": "sentence 2: demo flag: 'Glucksmann' has no counterpart in the translation"}
    ]
    document.provenance["note"] = "demo rendering: no model; hand-written summary; made-up flags and scores"
    return document


def demo_score(text: str) -> float:
    """A made-up model score: low for sentences with a digit and a quotation mark or colon, else high."""
    digits = any(ch.isdigit() for ch in text)
    if digits and any(ch in text for ch in '«»“”"'):
        return -2.3
    if digits and ":" in text:
        return -1.4
    return -0.3


def _load(path: Path):
    from trpipe.records import Document, Segment, Sentence, Source, SummarySentence

    data = json.loads(path.read_text(encoding="utf-8"))
    src = data["source"]
    source = Source(
        src["path"], src["text"], src.get("encoding", "?"), src.get("sha256", ""), src.get("lang"), src.get("id")
    )
    segments = [
        Segment(
            s["id"],
            s["kind"],
            s["start"],
            s["end"],
            s["line"],
            s["text"],
            [
                Sentence(x["start"], x["end"], x["text"], x.get("translation"), score=x.get("score"))
                for x in s.get("sentences", [])
            ],
            s.get("translation"),
            s.get("flags", []),
        )
        for s in data["segments"]
    ]
    summary = data.get("summary")
    if summary is not None:
        summary = {
            lang: [SummarySentence(x["text"], x.get("cites", []), x.get("unsupported", [])) for x in sentences]
            for lang, sentences in summary.items()
        }
    return Document(source, data["target_lang"], segments, data.get("provenance", {}), summary)


def main(argv: list[str]) -> None:
    from trpipe.render.html import render_html

    document = _load(Path(argv[0])) if argv else demo_document()
    png = REPO / "docs" / "html-report.png"
    with tempfile.TemporaryDirectory() as tmp:
        html_path = Path(tmp) / "report.html"
        html_path.write_text(render_html(document), encoding="utf-8")
        screenshot(html_path, png)
    print(f"wrote {png.relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:])
