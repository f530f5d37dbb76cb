"""argos-translate translating an article with the benchmark's model packaged for it (run by job.py with
the python of benchmarks/.work/argos-venv; argostranslate is not one of trpipe's dependencies).

The package (made by job.py) holds the same CTranslate2 int8 conversion of the fr-en model that trpipe
runs, its source SentencePiece model as ``sentencepiece.model``, and a blank spaCy pipeline, so that
``ARGOS_CHUNK_TYPE=SPACY`` gives argos its lightest sentence splitter (spaCy's rule-based
``sentencizer``; its other splitters, Stanza and MiniSBD, are models that would have to be downloaded).
Equal work: argos's ``translate_batch`` keeps its own options (beam 4, batches of 32 tokens...) except the
output length, fixed at trpipe's K - 1 tokens per sentence (EOS is suppressed in the model, so otherwise
every sentence would run to CTranslate2's default of 256); the tokens generated are counted.

    python argos_child.py --result R.json --text ARTICLE --new-tokens K
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--result", required=True)
    parser.add_argument("--text", required=True)
    parser.add_argument("--new-tokens", type=int, required=True)
    args = parser.parse_args()
    import argostranslate.translate as translate

    imported = time.perf_counter()
    stats = {"tokens": 0, "sentences": 0, "model_s": 0.0}
    engine = translate.ctranslate2.Translator

    class Fixed:
        """The CTranslate2 translator argos creates, its output length fixed and its work counted."""

        def __init__(self, *a, **kw):
            self.wrapped = engine(*a, **kw)

        def translate_batch(self, source, *a, **kw):
            kw["max_decoding_length"] = args.new_tokens - 1
            start = time.perf_counter()
            results = self.wrapped.translate_batch(source, *a, **kw)
            stats["model_s"] += time.perf_counter() - start
            stats["sentences"] += len(source)
            stats["tokens"] += sum(len(r.hypotheses[0]) for r in results)
            return results

    translate.ctranslate2 = type(sys)("ctranslate2_fixed")
    translate.ctranslate2.Translator = Fixed
    text = Path(args.text).read_text(encoding="utf-8")
    start = time.perf_counter()
    translation = translate.get_translation_from_codes("fr", "en")
    translation.translate("Bonjour.")  # loads the model and the splitter
    loaded = time.perf_counter()
    stats.update(tokens=0, sentences=0, model_s=0.0)
    started = time.perf_counter()
    output = translation.translate(text)
    work = time.perf_counter() - started
    with open("/proc/self/status", encoding="ascii") as handle:
        peak = next(int(line.split()[1]) / 1024 for line in handle if line.startswith("VmHWM:"))
    stats.update(
        import_s=imported - STARTED,
        load_s=loaded - start,
        work_s=work,
        run_s=work,
        output_chars=len(output),
        peak_rss_self_mb=peak,
        torch_imported="torch" in sys.modules,
        tokens_by_stage={"translation": stats["tokens"]},
    )
    Path(args.result).write_text(json.dumps(stats), encoding="utf-8")


if __name__ == "__main__":
    main()
