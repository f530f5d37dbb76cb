"""simplemma's rules imported per language (trpipe.lemma_rules): the same lemmas, fewer modules."""

from __future__ import annotations

import json
import subprocess
import sys

from trpipe.lemma_rules import _modules

WORDS = ["nations", "Häuser", "universidades", "kirjoittaneet", "mesteparten", "ministrami", "организациями",
         "realizations", "Verwaltungen", "tradições", "lucrările", "beslutningene", "znanstvenikov"]  # fmt: skip

PROBE = """
import json, sys
if sys.argv[1] == "lazy":
    from trpipe.lemma_rules import install
    assert install()
import simplemma
from simplemma.strategies.rules import RulesStrategy
rules = RulesStrategy()._rules
before = sorted(m for m in sys.modules if m.startswith("simplemma.strategies.defaultrules."))
print(json.dumps({
    "languages": sorted(rules),
    "loaded_at_import": before,
    "lemmas": {lang: [rules[lang](w) for w in json.loads(sys.argv[2])] for lang in sorted(rules)},
    "strategy": simplemma.strategies.DefaultStrategy is not None,
    "missing": rules.get("fr"),
}))
"""


def _probe(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, mode, json.dumps(WORDS)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_lazy_rules_give_simplemmas_lemmas_and_import_only_what_is_asked():
    eager, lazy = _probe("eager"), _probe("lazy")
    assert len(eager["languages"]) >= 10
    assert lazy["languages"] == eager["languages"]
    assert lazy["lemmas"] == eager["lemmas"]  # every language's rules on every word
    assert lazy["strategy"] and eager["strategy"]  # simplemma's whole strategy stack imports on top of ours
    assert lazy["missing"] is None and eager["missing"] is None  # no rules for French either way
    assert len(eager["loaded_at_import"]) >= len(eager["languages"])  # simplemma's own: all at once
    assert lazy["loaded_at_import"] == []  # ours: none until a language's rules are asked for


def test_an_unexpected_package_shape_installs_nothing():
    assert _modules('from .en import apply_en\nRULE_FUNCTIONS = {\n    "en": apply_en,\n}\n') == {
        "en": ("en", "apply_en")
    }
    assert _modules("RULE_FUNCTIONS = load_rules()\n") is None  # another release's layout
    unimported = 'from .en import apply_en\nRULE_FUNCTIONS = {\n    "en": apply_en,\n    "de": apply_de,\n}\n'
    assert _modules(unimported) is None  # a function whose module the file does not name
