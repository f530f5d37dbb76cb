"""Checks that need no model: each compares one source sentence with its translation.

A check returns a list of flags ``{"check": name, "detail": one line quoting the offending item}``; an
empty list means the sentence passed. ``check_sentence`` runs them all, ``summarise_flags`` counts them.

numbers       Every number of the source is in the translation, compared by value after locale
              normalisation: 800 000 € = €800,000; 800.000 (fr) = 800,000 (en); 75 milliards = 75 billion;
              12 février 2021 = February 12, 2021 (dates compare as day, month, year); 2eme = 2nd = second.
              The source is read with its own convention; the translation with the target's and, as a
              tolerance for copied figures, the source's. Words zero..ten and first..tenth count too.
names         Capitalised names and acronyms of the source appear in the translation (see ``check_names``).
quotes        The translation quotes at least as many passages as the source, in any quote style.
terms         Each occurrence of a glossary term in the source has its required translation.
length        Translation/source length outside the pair's usual range: omission or hallucination.
repetition    An n-gram looping in the translation more than anything loops in the source.
untranslated  The translation equals the source, or is identified as still in the source language.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from trpipe.errors import InputError
from trpipe.languages import identify
from trpipe.numbers import MONTHS, base_lang, find_numbers

CHECKS = ("numbers", "names", "quotes", "terms", "length", "repetition", "untranslated")

Flag = dict[str, str]

# Length: (lowest, highest) ratio of translation characters to source characters, by (source, target).
DEFAULT_LENGTH_BOUNDS = (0.5, 2.0)
LENGTH_BOUNDS = {
    **{(src, "en"): (0.5, 1.6) for src in ("fr", "de", "es", "it", "pt", "nl")},
    **{("en", tgt): (0.6, 2.0) for tgt in ("fr", "de", "es", "it", "pt", "nl")},
    **{(src, "en"): (1.0, 8.0) for src in ("zh", "ja", "ko")},
    **{("en", tgt): (0.12, 1.0) for tgt in ("zh", "ja", "ko")},
}
MIN_LENGTH_CHARS = 40  # shorter sources (titles, datelines) are only flagged for a grossly long output
# Repetition: an n-gram (n <= 4) repeated this many times in a row, or a 3/4-gram this many times in all.
MIN_TANDEM_REPEATS = 4
MIN_NGRAM_REPEATS = 3
# Untranslated: language identification is trusted only on this many words at this probability.
LANGID_MIN_WORDS = 6
LANGID_MIN_PROB = 0.9


def _flag(check: str, detail: str) -> Flag:
    return {"check": check, "detail": " ".join(detail.split())}


def _quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


def fold(text: str) -> str:
    """Casefolded, accents stripped, punctuation as spaces: 'États-Unis' -> 'etats unis'."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


_lang = base_lang


# ---------------------------------------------------------------------------------------------- numbers


def check_numbers(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag numbers and dates of the source that the translation lacks."""
    accepted: set = set()
    for lang in {_lang(target_lang), _lang(source_lang)}:
        for mention in find_numbers(translation, lang, lenient=True):
            accepted |= mention.values
    missing = [m.text for m in find_numbers(source, source_lang) if not m.values & accepted]
    missing = list(dict.fromkeys(missing))
    if not missing:
        return []
    return [_flag("numbers", "not in the translation: " + ", ".join(map(_quoted, missing)))]


# ------------------------------------------------------------------------------------------------ names

_STOPWORDS = frozenset(
    fold(
        # fr
        "le la les l un une des du de d au aux à a en dans sur sous par pour avec sans selon après avant depuis"
        " pendant entre chez vers contre parmi il elle ils elles on nous vous je tu ce cet cette ces c ça cela"
        " ceci celui celle ceux qui que qu quoi dont où mais et donc or ni car si alors ainsi aussi enfin puis"
        " comme lorsque quand tout tous toute toutes son sa ses leur leurs notre nos votre vos mon ma mes ne pas"
        " plus moins très déjà encore cependant pourtant toutefois néanmoins certes oui non voici voilà environ"
        " lors face afin grâce monsieur madame mme mlle mm me"
        # en
        " the an and but if when while as at by for from in into of on to with without after before since"
        " during about against this that these those it its he she they we you i his her their our my your"
        " who what which where there here however also then so yet not no yes according mr mrs ms dr"
        # es, it, de (German nouns are all capitalised: only acronyms are checked there)
        " el los las unos unas y o pero con por para según desde tras sobre este esta estos estas ese esa eso"
        " lo se su sus ellos ellas yo cuando donde también il lo gli di della dei delle alla senza per tra fra"
        " da dal dalla questo questa quello quella che chi quando dove anche così secondo der die das den dem"
        " ein eine und oder aber wenn als im am auf aus bei mit nach von vom zu zum zur für über unter es er"
        " sie wir ich"
        # weekdays (months come from the month table)
        " lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday saturday"
        " sunday montag dienstag mittwoch donnerstag freitag samstag sonntag lunes martes miércoles jueves"
        " viernes sábado domingo lunedì martedì mercoledì giovedì venerdì sabato domenica " + " ".join(MONTHS)
    ).split()
)
_PARTICLES = frozenset("de du des d la le von van der den di da del della dos das y".split())
# Names and capitalised words that a translation renders differently; each line is one group of equivalents.
_EQUIVALENT_GROUPS = """
china|chine|cina; united states|etats unis|us|usa|u s|america|amerique|vereinigte staaten|estados unidos|eeuu|stati
uniti; united kingdom|royaume uni|uk|u k|britain|grande bretagne|great britain|reino unido|regno unito;
germany|allemagne|deutschland|alemania|germania; france|frankreich|francia; spain|espagne|spanien|espana|spagna;
italy|italie|italien|italia; russia|russie|russland|rusia; japan|japon|giappone; india|inde|indien;
belgium|belgique|belgien|belgica|belgio; switzerland|suisse|schweiz|suiza|svizzera; netherlands|pays
bas|niederlande|paises bajos|paesi bassi|holland|hollande; europe|europa; european union|union
europeenne|eu|ue|europaische union|union europea|unione europea; united nations|nations unies|un|onu|uno|vereinte
nationen|naciones unidas|nazioni unite; nato|otan; imf|fmi|iwf; ecb|bce|ezb; gdp|pib|bip; london|londres|londra;
beijing|pekin|peking|pechino; moscow|moscou|moskau|moscu|mosca; brussels|bruxelles|brussel|bruselas;
uighur|uyghur|uigur|uygur|ouighour|ouigour|ouighur|uiguren; chinese|chinois|chinoise|chinesisch|chino|china|cinese;
european|europeen|europeenne|europaisch|europeo|europea; french|francais|franzosisch|frances|francese;
american|americain|amerikanisch|americano; state|etat|staat|estado|stato; party|parti|partei|partido|partito;
parliament|parlement|parlament|parlamento; council|conseil|rat|consejo|consiglio;
government|gouvernement|regierung|gobierno|governo;
ministry|minister|ministere|ministre|ministerium|ministerio|ministero|ministro; president|prasident|presidente;
republic|republique|republik|republica|repubblica; assembly|assemblee|versammlung|asamblea|assemblea;
senate|senat|senado|senato; court|cour|tribunal|gericht|corte;
university|universite|universitat|universidad|universita; army|armee|ejercito|esercito;
earth|land|terre|army|ground|erde|tierra|terra; church|eglise|kirche|iglesia|chiesa; park|parc|parque|parco;
street|rue|strasse|calle; east|est|ost|este; west|ouest|oeste|ovest; north|nord|norte; south|sud|sued;
great|grand|grande|gross; saint|st|san|santo|sankt; premier|prime|first; occident|west|western; bourse|stock exchange;
moyen orient|middle east|nahost|oriente medio; proche orient|near east|middle east; afrique|africa|afrika;
amerique|america|amerika; asie|asia|asien; angleterre|england|inghilterra|inglaterra; ecosse|scotland;
irlande|ireland; grece|greece|griechenland|grecia; turquie|turkey|turkei|turquia|turchia; pologne|poland|polen;
coree|korea; syrie|syria|syrien; irak|iraq; liban|lebanon|libanon; egypte|egypt|agypten; maroc|morocco|marokko;
algerie|algeria|algerien; tunisie|tunisia|tunesien; bresil|brazil|brasilien|brasil; mexique|mexico|mexiko;
australie|australia|australien; autriche|austria|osterreich; suede|sweden|schweden; norvege|norway|norwegen;
danemark|denmark|dinamarca; hongrie|hungary|ungarn; roumanie|romania|rumanien; congress|congres|kongress;
white house|maison blanche|weisses haus|casa blanca|casa bianca; pentagon|pentagone; god|dieu|gott|dios|dio;
christmas|noel|weihnachten|navidad|natale; easter|paques|ostern|pascua|pasqua
"""
_EQUIVALENTS: dict[str, set[str]] = {}
for _line in " ".join(_EQUIVALENT_GROUPS.split()).split(";"):
    _group = {fold(form) for form in _line.split("|") if form.strip()}
    for _form in _group:
        _EQUIVALENTS.setdefault(_form, set()).update(_group)
_NON_LATIN_LANGS = frozenset("ar bg el fa he hi ja ka ko mk ru sr th uk zh".split())  # names are transliterated
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_OPENERS = '.!?…:«“„"'


def _equivalents(form: str) -> set[str]:
    forms = {form} | _EQUIVALENTS.get(form, set())
    if len(form) > 3 and form[-1] in "sx":
        forms |= _EQUIVALENTS.get(form[:-1], set())
    return forms


def _mentions(folded_text: str, form: str) -> bool:
    """``form`` starts a word of ``folded_text``; forms of 3 letters or fewer must be whole words."""
    tail = r"(?![^\W\d_])" if len(form) <= 3 else ""
    return re.search(rf"(?<![^\W\d_]){re.escape(form)}{tail}", folded_text) is not None


def name_kept(name: str, folded_translation: str) -> bool:
    folded = fold(name)
    if any(_mentions(folded_translation, form) for form in _equivalents(folded)):
        return True
    if len(folded) > 4 and folded.replace(" ", "") in folded_translation.replace(" ", ""):
        return True  # EpochTimes / Epoch Times
    words = [w for w in folded.split() if w not in _PARTICLES]  # the last word: the surname or the head
    return len(words) > 1 and any(_mentions(folded_translation, form) for form in _equivalents(words[-1]))


def find_names(text: str, lang: str) -> list[str]:
    """Capitalised names and acronyms of ``text``, multi-word names as one item.

    A word counts when it is an acronym (IPVM) or has an inner capital (FusionSphere), or when it is
    capitalised, not a stopword, month or weekday, and not the first word of a sentence (or after an
    opening quote or colon) unless another capitalised word follows it. Capitalised words next to each
    other, or joined by a particle (de, von, ...), form one name. Text in capitals is skipped; German text and
    title-case headlines only yield acronyms and inner-capital words.
    """
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return []
    tokens = [(m.start(), m.end(), m[0]) for m in _WORD.finditer(text)]
    strong = [len(t) >= 2 and (t.isupper() or any(c.isupper() for c in t[1:])) for _, _, t in tokens]
    title_case = len(tokens) >= 4 and sum(t[0].isupper() for _, _, t in tokens) >= 0.7 * len(tokens)
    only_strong = title_case or _lang(lang) == "de"
    namely = [
        s or (not only_strong and t[0].isupper() and len(t) >= 2 and fold(t) not in _STOPWORDS)
        for s, (_, _, t) in zip(strong, tokens)
    ]
    runs: list[list[int]] = []
    for i, (start, _, token) in enumerate(tokens):
        joined = bool(runs) and runs[-1][-1] == i - 1 and not text[tokens[i - 1][1] : start].strip()
        if namely[i] and joined and (namely[i - 1] or tokens[i - 1][2] in _PARTICLES):
            runs[-1].append(i)
        elif namely[i]:
            runs.append([i])
        elif token in _PARTICLES and joined and namely[i - 1]:
            runs[-1].append(i)  # kept only if a name follows
    names = []
    for run in runs:
        while run and not namely[run[-1]]:
            run.pop()
        before = text[: tokens[run[0]][0]].rstrip()
        initial = not before or before[-1] in _OPENERS
        if len(run) == 1 and initial and not strong[run[0]]:
            continue
        names.append(text[tokens[run[0]][0] : tokens[run[-1]][1]])
    return list(dict.fromkeys(names))


def check_names(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag source names missing from the translation.

    A name is kept when it appears accent- and case-insensitively (as a word prefix, so plurals and
    possessives count), or one of its equivalents does (Chine = China, Etats Unis = United States). A
    multi-word name is also kept when its last word (the surname or head: Glucksmann, Brumath), or that word's
    equivalent, appears. Not judged for targets in a non-Latin script, where names are transliterated.
    """
    if _lang(target_lang) in _NON_LATIN_LANGS:
        return []
    folded = fold(translation)
    missing = [name for name in find_names(source, source_lang) if not name_kept(name, folded)]
    if not missing:
        return []
    return [_flag("names", "not in the translation: " + ", ".join(map(_quoted, missing)))]


# ----------------------------------------------------------------------------------------------- quotes

_QUOTE_PAIR = re.compile(r"«[^«»]*[^\s«»][^«»]*»|“[^“”]*”|„[^„“”]*[“”]|\"[^\"]+\"|‹[^‹›]*›|‘[^‘’]*’")
_QUOTE_PAIR_LOOSE = re.compile(_QUOTE_PAIR.pattern + r"|(?<![\w'])'[^']+'(?!\w)|「[^「」]*」|『[^『』]*』")
_QUOTE_MARK = re.compile(r"[«»“”„‹›‘\"「」『』]|(?<!\w)'|'(?!\w)")


def check_quotes(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag a translation that quotes fewer passages than the source (any quote style counts)."""
    passages = [p for p in _QUOTE_PAIR.findall(source) if not p.startswith("‘")]  # ‘ doubles as apostrophe
    if passages:
        quoted = len(_QUOTE_PAIR_LOOSE.findall(translation))
        if quoted < len(passages):
            listed = ", ".join(_quoted(p, 40) for p in passages)
            return [_flag("quotes", f"{len(passages)} quoted in the source ({listed}), {quoted} in the translation")]
    elif (mark := re.search(r"[«»“”„]", source)) and not _QUOTE_MARK.search(translation):
        return [_flag("quotes", f"the source has a quote mark ({mark[0]}) of a cut quote, the translation none")]
    return []


# ------------------------------------------------------------------------------------------------ terms


class GlossaryEntry(NamedTuple):
    """A source term and its required translation; ``target`` None means: keep the term untranslated."""

    source: str
    target: str | None


@dataclass
class Glossary:
    """The terms of a ``--glossary`` file."""

    entries: list[GlossaryEntry] = field(default_factory=list)
    path: str | None = None


def load_glossary(path: str | Path) -> Glossary:
    """Read a UTF-8 TSV glossary: ``term<TAB>translation`` or ``term`` alone; ``#`` lines are comments."""
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(name, "glossary file not found") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory, not a glossary file") from None
    except UnicodeDecodeError as exc:
        raise InputError(name, f"glossary is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(name, f"cannot read the glossary: {exc.strerror or exc}") from None
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) > 2 or not all(fields):
            shown = line if len(line) <= 60 else line[:59] + "…"
            raise InputError(name, f"line {number}: expected 'term<TAB>translation' or 'term', got {shown!r}")
        entries.append(GlossaryEntry(fields[0], fields[1] if len(fields) == 2 else None))
    if not entries:
        raise InputError(name, "the glossary has no entries")
    return Glossary(entries, name)


def _count_term(folded_text: str, term: str) -> int:
    words = fold(term).split()
    if not words:
        return 0
    return len(re.findall(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?:s|es|x)?(?!\w)", folded_text))


def check_terms(
    source: str, translation: str, source_lang: str, target_lang: str, glossary: Glossary | None
) -> list[Flag]:
    """Flag glossary terms of the source whose required rendering is missing, occurrence by occurrence."""
    if not glossary:
        return []
    folded_source, folded_translation = fold(source), fold(translation)
    flags = []
    for term, target in glossary.entries:
        wanted = _count_term(folded_source, term)
        if not wanted:
            continue
        found = _count_term(folded_translation, target or term)
        if found < wanted:
            rule = f"must be translated {_quoted(target)}" if target else "must stay untranslated"
            flags.append(_flag("terms", f"{_quoted(term)} {rule}: {found} of {wanted} in the translation"))
    return flags


# ------------------------------------------------------------------------------ length, loops, language


def check_length(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag a translation far shorter (omission) or longer (hallucination) than the pair's usual ratio.

    Omission is judged only on sources of ``MIN_LENGTH_CHARS`` or more (an empty translation always is);
    a short source is flagged only when the translation is too long even for a source of that length.
    """
    source_chars, translation_chars = len(" ".join(source.split())), len(" ".join(translation.split()))
    lowest, highest = LENGTH_BOUNDS.get((_lang(source_lang), _lang(target_lang)), DEFAULT_LENGTH_BOUNDS)
    usual = f"usual {lowest:.0%}–{highest:.0%}"
    if not translation_chars and re.search(r"\w", source):
        return [_flag("length", "empty translation: possible omission")]
    ratio = translation_chars / max(source_chars, 1)
    if source_chars >= MIN_LENGTH_CHARS and ratio < lowest:
        return [_flag("length", f"translation is {ratio:.0%} of the source length ({usual}): possible omission")]
    if translation_chars > highest * max(source_chars, MIN_LENGTH_CHARS):
        return [_flag("length", f"translation is {ratio:.0%} of the source length ({usual}): possible hallucination")]
    return []


def _longest_tandem(tokens: list[str], n: int) -> tuple[int, tuple[str, ...]]:
    """The most consecutive repeats of one n-gram, and that n-gram."""
    best: tuple[int, tuple[str, ...]] = (0, ())
    for i in range(len(tokens) - n + 1):
        gram, count = tuple(tokens[i : i + n]), 1
        while tuple(tokens[i + count * n : i + (count + 1) * n]) == gram:
            count += 1
        best = max(best, (count, gram))
    return best


def check_repetition(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag a loop: an n-gram (n <= 4) repeated ``MIN_TANDEM_REPEATS`` times in a row, or a 3/4-gram
    occurring ``MIN_NGRAM_REPEATS`` times, when the source repeats nothing as often."""
    source_tokens, tokens = re.findall(r"\w+", source.casefold()), re.findall(r"\w+", translation.casefold())
    for n in range(1, 5):
        count, gram = _longest_tandem(tokens, n)
        if count >= MIN_TANDEM_REPEATS and count > _longest_tandem(source_tokens, n)[0]:
            return [_flag("repetition", f"{_quoted(' '.join(gram))} repeated {count} times in a row")]
    for n in (3, 4):
        grams = Counter(zip(*(tokens[i:] for i in range(n))))
        source_grams = Counter(zip(*(source_tokens[i:] for i in range(n))))
        if grams:
            gram, count = grams.most_common(1)[0]
            if count >= MIN_NGRAM_REPEATS and count > max(source_grams.values(), default=0):
                return [_flag("repetition", f"{_quoted(' '.join(gram))} occurs {count} times")]
    return []


def check_untranslated(source: str, translation: str, source_lang: str, target_lang: str) -> list[Flag]:
    """Flag a translation identical to the source, or identified as the source language.

    Identity counts only when the source has two or more lowercase words of 3+ letters (names, figures and
    datelines are legitimately copied). Identification needs ``LANGID_MIN_WORDS`` words and ``LANGID_MIN_PROB``.
    """
    source_lang, target_lang = _lang(source_lang), _lang(target_lang)
    if source_lang == target_lang or not translation.strip():
        return []
    common_words = [w for w in re.findall(r"[^\W\d_]{3,}", source) if w[0].islower()]
    if fold(source) == fold(translation) and len(common_words) >= 2:
        return [_flag("untranslated", "translation is identical to the source")]
    if len(re.findall(r"[^\W\d_]+", translation)) >= LANGID_MIN_WORDS:
        lang, prob = identify(translation)
        if lang == source_lang and prob >= LANGID_MIN_PROB:
            return [_flag("untranslated", f"translation is still in the source language ({lang}, p={prob:.2f})")]
    return []


# ---------------------------------------------------------------------------------------------- all of it


def check_sentence(
    source: str, translation: str, source_lang: str, target_lang: str, glossary: Glossary | None = None
) -> list[Flag]:
    """Every check on one sentence and its translation, flags in the order of ``CHECKS``."""
    if not source.strip():
        return []
    translation = translation or ""
    args = (source, translation, source_lang, target_lang)
    return [
        *check_numbers(*args),
        *check_names(*args),
        *check_quotes(*args),
        *check_terms(*args, glossary),
        *check_length(*args),
        *check_repetition(*args),
        *check_untranslated(*args),
    ]


def check_document(document, glossary: Glossary | None = None) -> None:
    """Flag every translated sentence of ``document`` (a trpipe.records.Document) that fails a check.

    Each flag is added to its segment's ``flags`` as ``{"check", "detail"}``; segments kept as they are
    (already in the target language) are not checked.
    """
    target_lang = document.target_lang
    for seg in document.segments:
        if seg.kept:
            continue
        source_lang = seg.lang or document.source.lang or ""
        for index, sentence in enumerate(seg.sentences):
            for flag in check_sentence(sentence.text, sentence.translation or "", source_lang, target_lang, glossary):
                where = f"sentence {index + 1}: " if len(seg.sentences) > 1 else ""
                seg.flags.append({"check": flag["check"], "detail": where + flag["detail"]})


# ------------------------------------------------------------------------------------------- summaries


def unsupported_items(sentence: str, lang: str, support: Sequence[tuple[str, str]]) -> list[str]:
    """Numbers and names of ``sentence`` (in ``lang``) found in none of the ``(text, lang)`` supports.

    Numbers are compared by value after locale normalisation and names as the translation checks
    compare them (trpipe.checks), so "800 000 €" supports "€800,000" and "Chine" supports "China".
    """
    values: set = set()
    for text, text_lang in support:
        for mention in find_numbers(text, text_lang, lenient=True):
            values |= mention.values
    missing = [m.text for m in find_numbers(sentence, lang) if not m.values & values]
    folded = fold(" ".join(text for text, _ in support))
    missing += [name for name in find_names(sentence, lang) if not name_kept(name, folded)]
    return list(dict.fromkeys(missing))


def summarise_flags(flag_lists: Iterable[Iterable[Flag]]) -> dict[str, int]:
    """Count flags by check: every name of ``CHECKS`` in order (zeros included), then any other name."""
    counts = dict.fromkeys(CHECKS, 0)
    for flags in flag_lists:
        for flag in flags:
            counts[flag["check"]] = counts.get(flag["check"], 0) + 1
    return counts
