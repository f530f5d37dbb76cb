"""The ``names`` check: every name of the source in the translation, and no name the source lacks.

Names are found with one list for the whole article (``ArticleNames``): a word written with a capital
in mid-sentence anywhere in the article is a name in every sentence, so the name a sentence opens with is
checked too. Acronyms (IPVM) and words with an inner capital (FusionSphere) are names anywhere; a
sentence's first word also is when the language's dictionary (simplemma) does not know it. German
capitalises every noun: there a capitalised word is a name when the dictionary does not know it, when
CLDR knows it as a place, or when it stands next to another capitalised word (Deutsche Bank).

A name is kept when its whole form or a CLDR equivalent of the whole name (Chine = China, Moscou =
Moscow, Nations unies = United Nations) appears, or its acronym or expansion (LR = Les Républicains), or
when one of its distinctive words appears and nothing different stands in the place of the others
("Glucksmann" keeps "Raphaël Glucksmann", "André Glucksmann" does not; "New York Post" does not keep the
"Washington Post"). Generic heads (région, parti, président) are not distinctive and may be translated;
equivalences apply to whole names, never to words inside a name ("Great East" is not "Grand Est").
Names in another script are compared through a transliteration (anyascii) and a spelling skeleton.
"""

from __future__ import annotations

import re

from trpipe.checks import locale
from trpipe.checks.bilingual import exonyms, rendered_name
from trpipe.checks.lexicon import generic_words
from trpipe.checks.name_runs import (
    _PARTICLES,
    _TOKEN,
    ArticleNames,
    _known_place,
    _not_names,
    _Run,
    common_word,
    find_names,  # noqa: F401 (re-exported: trpipe.checks, digest)
    name_runs,
)
from trpipe.checks.name_variants import (
    added_word,
    cognate_exonym,
    context_country,
    dropped_word,
    exonym_pairs,
    language_adjective,
    languages_named,
    nationality_named,
    rendered_by_lexicon,
    translated,
)
from trpipe.checks.spelling import (
    Words,
    demonym_prefixes,
    generic,
    places_in,
    same_word,
    skeleton,
    source_word,
    transliterated,
    word_equivalents,
)
from trpipe.checks.text import (
    ERROR,
    UNCASED_LANGS,
    WARNING,
    Flag,
    base_lang,
    flag,
    fold,
    fold_keep,
    is_latin,
    lemma,
    phrase_span,
    quoted,
    unelide,
)

_INFLECTED = frozenset({"ru", "uk", "pl", "cs", "sk", "sl", "hr", "sr", "bg", "lt", "lv", "fi", "et", "hu", "tr"})
_MEASURE = "name, its CLDR forms, FreeDict exonyms, acronym or transliteration"


# ----------------------------------------------------------------------------------------- matching


class _Target:
    """The translation's words, folded and transliterated, ready for lookups."""

    def __init__(self, translation: str, lang: str, article: ArticleNames | None) -> None:
        self.text = translation
        self.folded = fold(translation)
        self.words = self.folded.split()
        self.index = Words(self.words)
        cased = base_lang(lang) not in UNCASED_LANGS
        capitalised = [fold(t) for t in _TOKEN.findall(translation) if not cased or not t[:1].islower()]
        self.names = Words([w for t in capitalised for w in t.split()])
        self.lang = base_lang(lang)
        self.runs = name_runs(translation, lang, article)
        self.sequences = _capitalised_sequences(translation) if cased else [r.words for r in self.runs]
        self.acronyms = {"".join(w[0] for w in seq) for seq in self.sequences if len(seq) > 1}
        self.raw_acronyms = {fold(t) for t in re.findall(r"\b[A-ZА-Я]{2,}\b", translation)}

    def has_word(self, word: str) -> bool:
        return self.index.has(word)

    def has_phrase(self, phrase: str) -> bool:
        if not phrase:
            return False
        if self.lang in UNCASED_LANGS and not phrase.isascii():
            return phrase in self.folded
        if " " not in phrase:
            return self.has_word(phrase) if len(phrase) >= 4 else phrase in self.words
        return re.search(rf"(?<!\w){re.escape(phrase)}(?:s|es|n|en)?(?!\w)", self.folded) is not None


def _word_in(word: str, target: _Target) -> bool:
    """A word of a source name in the translation: as written (with a capital where the target has case),
    inflected, or a CLDR form of it."""
    if target.names.has(word) or (len(word) <= 3 and word in target.names.set):
        return True
    if any(target.has_phrase(form) for form in word_equivalents(word) if form != word):
        return True
    stems = demonym_prefixes(word)
    if stems and any(w.startswith(stem) for w in target.words for stem in stems):
        return True
    return not word_equivalents(word).isdisjoint(target.index.places)


def name_kept(name: str, target: _Target | str, lang: str = "en") -> bool:
    """Whether ``name`` (from the source) is kept in ``target`` (a translation or its _Target)."""
    if isinstance(target, str):
        target = _Target(target, lang, None)
    return _kept(name, fold(name).split(), target, set())[0]


def _descriptive(run: _Run, lang: str) -> bool:
    """A name made of the language's common words around a generic head (Agencia Estatal de Meteorología,
    Tweede Kamer) or of one common word (Nordsee, Grünen): translated word by word, so not judged. A name of
    common words without a generic head (Grand Est, Wall Street Journal) is kept as written and judged."""
    if run.strong:
        return False
    words = [w for w in run.words if w not in _PARTICLES]
    distinctive = [w for w in words if not generic(w)]
    tokens = run.text.split()
    if any(_known_place(w) or locale.place_keys(lemma(w, lang)) for w in words):
        return False
    if any(not common_word(t.strip(".,;:()"), lang) for t in tokens if fold(t) in distinctive):
        return False
    return len(distinctive) <= 1 or len(distinctive) < len(words)


def _kept(name: str, words: list[str], target: _Target, source_words: set[str], lang: str = "") -> tuple[bool, str]:
    """(kept, what stands in its place when it is not)."""
    folded = " ".join(words)
    if any(target.has_phrase(form) for form in word_equivalents(folded)):
        return True, ""
    if len(words) == 1 and (words[0] in target.acronyms or fold(words[0]) in target.raw_acronyms):
        return True, ""
    if len(folded) > 4 and " " not in folded and folded in target.folded.replace(" ", ""):
        return True, ""  # EpochTimes = Epoch Times
    initials = "".join(w[0] for w in words if w not in _PARTICLES)
    if len(words) > 1 and initials in target.raw_acronyms:
        return True, ""  # Wall Street Journal -> WSJ
    distinctive = [w for w in words if w not in _PARTICLES and not generic(w)]
    if not distinctive:
        return any(target.has_word(g) for w in words for g in generic_words().get(w, {w})), ""
    found = [w for w in distinctive if _word_in(w, target)]
    if not found:
        return False, ""
    if len(found) == len(distinctive):
        return True, ""
    written = {fold(p): p for p in re.split(r"[\s\-‐]+", name) if p}
    for word in distinctive:  # Marchal-Dufour -> Marchal: half of a double name (no common word in it) dropped
        parts = [p for p in word.split() if p not in _PARTICLES and not generic(p)]
        if any(common_word(written.get(p, p), lang) for p in parts):
            continue  # BVB-Trainer, U-Bahn-Linie: a compound of a name and words that are translated
        kept = len(parts) > 1 and word not in found and not target.has_phrase(word)
        if kept and 0 < sum(_word_in(p, target) for p in parts) < len(parts):
            return False, ""
    initial = _initialled(distinctive, found, target)
    if initial:
        return False, initial  # Franziska Bauer -> F. Bauer: a given name reduced to its initial
    # Part of the name is kept: is something different standing in the place of the rest?
    for sequence in target.sequences:
        if not any(same_word(f, w) for f in found for w in sequence):
            continue
        strangers = [
            w
            for w in sequence
            if w not in _PARTICLES
            and not generic(w)
            and not any(same_word(w, d) for d in distinctive)
            and not any(same_word(w, s) for s in source_words)
        ]
        if strangers:
            return False, " ".join(sequence)
    return True, ""


def _initialled(distinctive: list[str], found: list[str], target: _Target) -> str:
    """The translation's "F. Bauer" where the source's name is "Franziska Bauer": an initial and a period
    before a kept word of the name, where a word of it that the translation lacks begins with that letter."""
    letters = {w[0] for w in distinctive if w not in found and len(w) >= 2 and w.isalpha()}
    for word in found:
        match = re.search(rf"(?<![^\W\d_])([^\W\d_])\.[ \u00a0]?{re.escape(word)}(?![^\W\d_])", fold_keep(target.text))
        if match and match[1] in letters:
            return target.text[match.start() : match.end()]
    return ""


def _capitalised_sequences(text: str) -> list[list[str]]:
    """Folded words of each run of adjacent capitalised tokens (a sentence's first word only with others)."""
    sequences: list[list[str]] = []
    previous_end = -2
    for match in _TOKEN.finditer(text):
        start, end, token = unelide(match.start(), match.end(), match[0])
        if not token[:1].isupper():
            if fold(token) in _PARTICLES and previous_end >= 0 and not text[previous_end:start].strip():
                previous_end = end  # Hugo de Jonge: a particle inside a name
            else:
                previous_end = -2
            continue
        if sequences and not text[previous_end:start].strip() and previous_end >= 0:
            sequences[-1].append(fold(token))
        else:
            sequences.append([fold(token)])
        previous_end = end
    return sequences


def accounted_for(run: _Run, source_folded: str, source_words: list[str] | Words, source_lang: str) -> bool:
    """Whether a name of the translation comes from the source (same name, equivalent, acronym)."""
    index = source_words if isinstance(source_words, Words) else Words(list(source_words))
    source_words = index.all
    words = [w for w in run.words if w not in _PARTICLES]
    if not words or all(generic(w) for w in words):
        return True
    if _not_names("en") & set(words) or all(w in _not_names(source_lang) for w in words):
        return True
    joined = " ".join(run.words)
    for form in word_equivalents(joined):
        if index.has(form) or (" " in form and re.search(rf"(?<!\w){re.escape(form)}", source_folded)):
            return True
    if len(words) == 1 and len(words[0]) >= 2:
        letters = words[0]
        expansions = ["".join(w[0] for w in source_words[i : i + len(letters)]) for i in range(len(source_words))]
        if letters in expansions:
            return True
    # A source name compounded with words written in lower case (Ludwigshafen-based): the name is what counts.
    named = [t for t in re.split(r"[\s\-‐]+", run.text) if t[:1].isupper()]
    if len(named) == 1 and "-" in run.text and source_word(fold(named[0]), index, source_folded):
        return True
    return any(source_word(word, index, source_folded) for word in words)


def check_names(
    source: str,
    translation: str,
    source_lang: str,
    target_lang: str,
    article: ArticleNames | None = None,
    target_article: ArticleNames | None = None,
) -> list[Flag]:
    """Flag source names the translation lacks or changes, and names it adds (see the module docstring)."""
    source_lang, target_lang = base_lang(source_lang), base_lang(target_lang)
    target = _Target(translation, target_lang, target_article)
    source_folded = fold(source)
    source_words = source_folded.split()
    if source_lang in UNCASED_LANGS:
        source_words = source_words + [skeleton(w) for w in source_words if not w.isascii()]
    if source_lang in _INFLECTED:  # Polsce -> Polska, России -> Россия: the forms CLDR knows
        source_words = source_words + [fold(lemma(w, source_lang)) for w in source_words]
    source_index = Words(source_words)
    runs = name_runs(source, source_lang, article)
    missing: list[tuple[str, str, tuple[int, int] | None]] = []
    changed: list[tuple[str, str, tuple[int, int] | None]] = []
    spare = 0  # source names not found in the translation: it may have translated them
    for run in runs:
        if target_lang in UNCASED_LANGS and not _known_place(" ".join(run.words)):
            continue  # a name in a script without case (华为 for Huawei) cannot be looked for, but a place can
        words = run.words
        if source_lang in _INFLECTED:
            words = [w if _known_place(w) else fold(lemma(w, source_lang)) for w in words]
        kept, stand_in = _kept(run.text, words, target, set(source_words), source_lang)
        if kept:
            continue
        if _descriptive(run, source_lang):
            spare += 1
            continue
        (changed if stand_in else missing).append((run.text, stand_in, (run.start, run.end)))
    for place in places_in(source, source_lang) if source_lang in UNCASED_LANGS else []:
        if not any(target.has_phrase(form) for form in locale.equivalents(place)):
            at = fold(source).find(place)
            missing.append((place, "", (at, at + len(place)) if at >= 0 else None))
    added: list[_Run] = []
    if target_lang not in UNCASED_LANGS:
        judged = is_latin(source) or source_lang not in UNCASED_LANGS
        stand_ins = {fold(s) for _, s, _ in changed}
        for run in target.runs:
            if fold(run.text) in stand_ins or not _judged_in_target(run, target_lang):
                continue
            if judged and not accounted_for(run, source_folded, source_index, source_lang):
                added.append(run)
            elif not judged and _known_place(fold(run.text)):
                # Chinese abbreviates a country to its first character (中美 = China and the US, 中方).
                forms = [f for f in locale.equivalents(fold(run.text)) if not f.isascii()]
                if not any(
                    f in source_folded or (source_lang in ("zh", "ja") and f[0] in source_folded) for f in forms
                ):
                    added.append(run)
    # A name in another script and a Latin one that sounds like it: a transliteration, sure enough of neither.
    foreign = [(n, r.text) for n, _, _ in missing if not is_latin(n) for r in added if is_latin(r.text)]
    spelt = {(name, other) for name, other in foreign if transliterated(name, other)}
    flags = []
    for name, other in sorted(spelt):
        detail = f"{quoted(name)} may be transliterated as {quoted(other)}"
        span = next(p for n, _, p in missing if n == name)
        flags.append(_flag(detail, WARNING, source=span, target=phrase_span(translation, fold(other)), found=other))
    spelt |= exonyms([n for n, _, _ in missing], [r.text for r in added], source_lang, target_lang)
    spelt |= exonym_pairs([n for n, _, _ in missing], [r.text for r in added], source, target_lang)
    capitals = [n for n, _, _ in missing]
    tokens = [part for t in _TOKEN.findall(source) if t[:1].isupper() for part in re.split(r"[\-‐]", t)]
    capitals += [t for t in tokens if t[:1].isupper() and not target.has_word(fold(t))]  # Nouvelle-Calédonie
    for name, other in sorted({(a, r.text) for a in capitals for r in added if cognate_exonym(a, r.text)}):
        if other in {o for _, o in spelt}:
            continue
        at = phrase_span(translation, fold(other))
        flags.append(_flag(f"{quoted(other)} may be the exonym of {quoted(name)}", WARNING, target=at, found=other))
        spelt.add((name, other))
    missing = [m for m in missing if m[0] not in {n for n, _ in spelt}]
    added = [r for r in added if r.text not in {o for _, o in spelt}]
    for name, _, span in {n: (n, s, p) for n, s, p in missing}.values():
        # Named elsewhere in the article's translation, no other name in its place: a pronoun may stand for it.
        elsewhere = target_article is not None and _in_article(name, target_article) and not added
        note = " (named elsewhere in the article: a pronoun may stand for it)" if elsewhere else ""
        detail = f"not in the translation: {quoted(name)}{note}"
        said = elsewhere or nationality_named(name, translation)  # "la France" -> "French": its nationality
        sure = WARNING if said or dropped_word(name, span, source, source_lang, [r.text for r in added]) else ERROR
        if sure == ERROR and rendered_by_lexicon(name, translation, source_lang, target_lang):
            sure = WARNING  # Superintendencia de Transporte = the transport superintendency
        flags.append(_flag(detail, sure, source=span, expected=name))
    for name, stand_in, span in {(n, s): (n, s, p) for n, s, p in changed}.values():
        at = phrase_span(translation, fold(stand_in))
        stand_in = translation[at[0] : at[1]] if at else stand_in
        detail = f"{quoted(name)} became {quoted(stand_in)}"
        initial = re.match(r"[^\W\d_]\.", stand_in)  # Franziska Bauer -> F. Bauer: never a rendering
        sure = WARNING if translated(name, stand_in, source, target_lang) and not initial else ERROR  # Prado Museum
        flags.append(_flag(detail, sure, source=span, target=at, expected=name, found=stand_in))
    source_places = {" ".join(r.words) for r in runs} | {fold(t) for t in _TOKEN.findall(source) if t[:1].isupper()}
    source_places |= article.words if article is not None else set()
    if len(added) > spare:
        for run in {r.text: r for r in added}.values():
            # Named elsewhere in the article's source: the translation may have named whom a pronoun meant.
            elsewhere = article is not None and _in_article(run.text, article)
            note = " (named elsewhere in the source)" if elsewhere else ""
            detail = f"not in the source: {quoted(run.text)}{note}"
            sure = WARNING if elsewhere or added_word(run, translation, source, target_lang) else ERROR
            if sure == ERROR and rendered_name(run.text, source, source_lang, target_lang):
                sure = WARNING  # Oberfranken = Upper Franconia: the pair's dictionary renders it so
            if sure == ERROR and context_country(run.text, source_places):
                sure = WARNING  # "Colombia's regulator" in an article on Bogotá
            if language_adjective(run.text) and not languages_named(source, source_lang):
                sure = WARNING  # "the German government" for "die Bundesregierung": no nationality in the source
            flags.append(_flag(detail, sure, target=(run.start, run.end), found=run.text))
    return flags


def _flag(detail: str, severity: str = ERROR, **evidence) -> Flag:
    return flag("names", detail, severity, measure=_MEASURE, **evidence)


def _in_article(name: str, article: ArticleNames) -> bool:
    """Whether the distinctive words of ``name`` are names of the article (anywhere in it), as written,
    inflected or in another language's form (Austria: Österreich)."""
    words = [w for w in fold(name).split() if w not in _PARTICLES and not generic(w)]
    return bool(words) and all(
        w in article.words
        or any(same_word(w, a) for a in article.words)
        or not article.words.isdisjoint(word_equivalents(w))
        for w in words
    )


def _judged_in_target(run: _Run, lang: str) -> bool:
    """A name of the translation is looked for in the source when it holds an acronym, a CLDR place, or a
    word the target language's dictionary does not know (Olaf Scholz); a run of common words (North Sea,
    Central Bank) may be the translation of a name and is not judged."""
    if run.strong:
        return True
    tokens = [unelide(0, 0, t)[2] for t in _TOKEN.findall(run.text)]  # as written: the dictionary has accents
    words = [t for t in tokens if fold(t) not in _PARTICLES and not generic(fold(t))]
    return any(_known_place(fold(w)) or not common_word(w, lang) for w in words)
