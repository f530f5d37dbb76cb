"""LibreTranslate 1.9.6 serving the benchmark's model, run by serve_bench.py with the python of
benchmarks/.work/lt-venv (LibreTranslate is not one of trpipe's dependencies).

LibreTranslate runs unchanged, with its default settings, on two argos packages (fr→en, en→fr: with one it
tries to download the package index at start) that hold the benchmark's random-weight CTranslate2
conversions. One change, for equal work: argos passes no ``max_decoding_length``, and the random models never
emit EOS (build_model.py), so every sentence would run to CTranslate2's default of 256 tokens; the launcher
fixes the output at K - 1 target tokens, as trpipe's registry and the floor do. It also counts what the
engine does (calls, sentences per call, tokens generated) and writes them to ``--stats`` when stopped.

    lt-venv/bin/python lt_child.py --stats S.json --new-tokens K -- [libretranslate options]
"""

from __future__ import annotations

import argparse
import atexit
import json
import signal
import sys
import threading


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stats", required=True)
    parser.add_argument("--new-tokens", type=int, required=True)
    args, rest = parser.parse_known_args()
    rest = [a for a in rest if a != "--"]
    import ctranslate2

    stats = {"calls": 0, "sentences": 0, "tokens": 0, "batch_sizes": {}}
    lock = threading.Lock()
    original = ctranslate2.Translator

    class Fixed:
        """The CTranslate2 translator argos creates, its output length fixed and its work counted."""

        def __init__(self, *a, **kw):
            self._inner = original(*a, **kw)

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def translate_batch(self, source, *a, **kw):
            kw["max_decoding_length"] = args.new_tokens - 1
            results = self._inner.translate_batch(source, *a, **kw)
            with lock:
                stats["calls"] += 1
                stats["sentences"] += len(source)
                size = str(len(source))
                stats["batch_sizes"][size] = stats["batch_sizes"].get(size, 0) + 1
                stats["tokens"] += sum(len(r.hypotheses[0]) for r in results)
            return results

    ctranslate2.Translator = Fixed

    def write() -> None:
        with open(args.stats, "w", encoding="utf-8") as handle:
            json.dump(stats, handle)

    atexit.register(write)
    signal.signal(signal.SIGTERM, lambda *_: (write(), sys.exit(0)))
    from libretranslate.main import main as libretranslate

    sys.argv = ["libretranslate", *rest]
    libretranslate()


if __name__ == "__main__":
    main()
