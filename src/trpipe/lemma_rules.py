"""simplemma's per-language suffix rules, each language's module imported when it is first asked for.

simplemma's ``strategies.defaultrules`` package imports the rule modules of its 21 languages at once, and most
of them compile their regular expressions at import: about 40 ms of every process that lemmatises a word,
although an article's checks need the rules of two languages at most (French has none). :func:`install`
puts in ``sys.modules`` the same package with its ``RULE_FUNCTIONS`` as a mapping that imports
``defaultrules.<language>`` on first use: the same functions from the same modules, so lemmas are unchanged
(tested in ``tests/test_lemma_rules.py``). It reads the package's own ``__init__.py`` to learn which module
holds which language's function; when that file does not have the shape expected (another simplemma
release), nothing is installed and simplemma imports its rules as it always has.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

PACKAGE = "simplemma.strategies.defaultrules"
_IMPORT = re.compile(r"^from \.(\w+) import (apply_\w+)$", re.M)
_ENTRY = re.compile(r'^\s+"(\w+)": (apply_\w+),$', re.M)

Rule = Callable[[str], "str | None"]


class LazyRules(Mapping[str, Rule]):
    """``RULE_FUNCTIONS``: language code -> rule function, each module imported on first use."""

    def __init__(self, package: str, modules: dict[str, tuple[str, str]]) -> None:
        self._package = package
        self._modules = modules  # language -> (module, function name)
        self._loaded: dict[str, Rule] = {}

    def __getitem__(self, lang: str) -> Rule:
        rule = self._loaded.get(lang)
        if rule is None:
            module, function = self._modules[lang]  # KeyError for a language without rules, as a dict
            rule = getattr(importlib.import_module(f"{self._package}.{module}"), function)
            self._loaded[lang] = rule
        return rule

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


def _modules(init: str) -> dict[str, tuple[str, str]] | None:
    """language -> (module, function) read from the package's ``__init__.py``; None if its shape is another."""
    module_of = {function: module for module, function in _IMPORT.findall(init)}
    entries = _ENTRY.findall(init)
    if not entries or any(function not in module_of for _, function in entries):
        return None
    if "RULE_FUNCTIONS" not in init or len(module_of) != len(entries):
        return None
    return {lang: (module_of[function], function) for lang, function in entries}


def install() -> bool:
    """Put the lazy ``defaultrules`` package in ``sys.modules`` before simplemma is imported; True if it is there
    (now or before), False when simplemma is missing, already imported with its own, or of another shape."""
    current = sys.modules.get(PACKAGE)
    if current is not None:
        return isinstance(getattr(current, "RULE_FUNCTIONS", None), LazyRules)
    if "simplemma" in sys.modules:  # imported already: its rules are loaded, nothing to save
        return False
    try:
        spec = importlib.util.find_spec("simplemma")  # finds the package without importing it
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.origin:
        return False
    folder = Path(spec.origin).parent / "strategies" / "defaultrules"
    try:
        modules = _modules((folder / "__init__.py").read_text(encoding="utf-8"))
    except OSError:
        return False
    if modules is None:
        return False
    package_spec = importlib.util.spec_from_file_location(
        PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if package_spec is None:
        return False
    package = importlib.util.module_from_spec(package_spec)  # its code is not run: RULE_FUNCTIONS is ours
    package.RULE_FUNCTIONS = LazyRules(PACKAGE, modules)  # type: ignore[attr-defined]
    sys.modules[PACKAGE] = package
    return True
