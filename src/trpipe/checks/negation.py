"""Negation markers per language, counted the way the language builds a negation.

French "ne ... pas" is one negation; "ne ... que" is a restriction ("only"), not a negation, and an
expletive "ne" (avant qu'il ne parte) none. Spanish, Italian, Portuguese, Russian, Ukrainian and Polish
have negative concord: "no ... nada", "не ... никогда", "nie ... nic" are one negation. "sans", "without",
"ohne", "без" are negations, and absorb the negative words after them ("sans jamais" = "without ever").
English "n't" and "cannot" count; "neither ... nor" and "weder ... noch" are one. A negative word after a
comparative or a superlative means "ever" (plus que jamais, más que nunca, la plus forte jamais mesurée);
"ne ... plus que" is a restriction (now only); "sans doute" is an adverb. Words negated by an affix
(unpaid, driverless, inconnu, ungeschlagen, нереальный) and privative verbs (priver) say a negation without
a marker: the negation check makes a difference of one such word a warning.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from trpipe.checks.text import base_lang, fold


class Spec(NamedTuple):
    primary: frozenset[str]  # the clause negator that concord words join (ne, no, non, не, nie)
    concord: frozenset[str]  # negative words that join a primary in the same clause
    alone: frozenset[str]  # words that negate by themselves
    absorbers: frozenset[str]  # "sans": a negation that takes the concord words after it
    strict: bool  # whether the primary negates without a concord word (es "no": yes; fr "ne": no)
    pairs: frozenset[str] = frozenset()  # the second half of a pair: nor, noch (after a negation: no count)


def _spec(primary: str, concord: str, alone: str, absorbers: str, strict: bool, pairs: str = "") -> Spec:
    def words(text: str) -> frozenset[str]:
        return frozenset(fold(w) for w in text.split())

    return Spec(words(primary), words(concord), words(alone) | words(absorbers), words(absorbers), strict, words(pairs))


_SPECS = {
    "fr": _spec(
        "ne n",
        "pas plus jamais rien personne aucun aucune nul nulle guère point ni nullement",
        "jamais rien aucun aucune nullement non",
        "sans",
        False,
    ),
    "es": _spec(
        "no",
        "nada nadie nunca jamás ningún ninguno ninguna ningunos ningunas tampoco ni",
        "nada nadie nunca jamás ningún ninguno ninguna tampoco",
        "sin",
        True,
    ),
    "it": _spec(
        "non",
        "mai niente nulla nessuno nessuna nessun neanche nemmeno neppure né mica affatto",
        "mai niente nulla nessuno nessuna nessun neanche nemmeno neppure",
        "senza",
        True,
    ),
    "pt": _spec(
        "não nao",
        "nada ninguém nunca jamais nenhum nenhuma nem tampouco",
        "nada ninguém nunca jamais nenhum nenhuma tampouco",
        "sem",
        True,
    ),
    "ru": _spec(
        "не",
        "ничего ничто никто никого никому никем никогда нигде никуда никакой никакого никакие никаких никакая "
        "ни нисколько ничем ничему никак",
        "нет никто ничего ничто никогда нигде никакой никакие",
        "без",
        True,
    ),
    "uk": _spec(
        "не",
        "нічого ніщо ніхто нікого нікому ніколи ніде нікуди жоден жодного жодна жодних жодної ні ніяк",
        "ні немає ніхто нічого ніщо ніколи ніде жоден жодна",
        "без",
        True,
    ),
    "pl": _spec(
        "nie",
        "nic nikt nigdy nigdzie żaden żadna żadne żadnego żadnych ani niczego nikogo nikomu",
        "nic nikt nigdy nigdzie żaden żadna żadne",
        "bez",
        True,
    ),
    "en": _spec(
        "",
        "",
        "not never no nobody nothing none nowhere neither cannot nor non unable",
        "without",
        False,
        "nor",
    ),
    "de": _spec(
        "",
        "",
        "nicht kein keine keinen keinem keiner keines nie niemals nichts niemand nirgends nirgendwo weder keineswegs",
        "ohne",
        False,
    ),
    "nl": _spec("", "", "niet geen nooit niets niemand nergens noch geenszins", "zonder", False, "noch"),
    "sv": _spec("", "", "inte icke ej aldrig ingen inget inga ingenting ingenstans varken", "utan", False),
    "tr": _spec("", "", "değil yok hiçbir asla hiç", "olmadan", False),
    "ar": _spec("", "", "لا لم لن ليس ليست ليسوا لست لسنا", "بدون", False),
}
# English "nor" and Dutch "noch" are a negation of their own only when none comes before them; German
# "noch" is "still", or closes "weder ... noch": never counted.
_TR_SUFFIX = re.compile(  # tried at word starts only: linear on a word of any length
    r"(?<![^\W\d_])[^\W\d_]{2,}(?:m[ae]d[ıi]|m[ıiuü]yor|m[ae]y[ae]c[ae]k|m[ae]m[ıi]ş|m[ae]z(?:ler)?)(?![^\W\d_]{3})"
)
_EN_NT = re.compile(r"(?<![^\W\d_])[^\W\d_]+n['’]t\b", re.I)
_ZH = re.compile(r"不|没|沒|未|无|無|非|别|別|勿|莫")
_ZH_NOT = re.compile(
    r"不过|不過|不断|不斷|不少|不久|不同|不管|不论|不論|无论|無論|非常|否则|否則|未来|未來|无数|無數|除非|是否|非洲|"
    r"无人机|無人機|不得不|非法|不满|不安|不良|不利|无关|无法无天|莫斯科|别人|别的|特别|特別|区别|區別|级别|級別|"
    r"性别|告别|分别|个别|類別|类别|未成年|并非|並非|不仅|不僅|不但"
)
_ZH_ONLY = re.compile(r"不仅|不僅|不但|并非|並非")  # one negation each ("not only" counts its "not")
_JA = re.compile(r"(?<![少危])ない|なかった|ません|ず[、。にも]|無い|ぬ[、。]|非")
_JA_NOT = re.compile(
    r"なければならない|なければなりません|なくてはならない|かもしれない|かもしれません|に違いない|非常"
)
_CLAUSE = re.compile(r"[,;:.!?()\[\]«»\"“”„—–]|\s-\s")
_DETERMINERS = frozenset("un le les ce son mon ton du au des premier dernier".split())
# Negative words that mean "ever" after a comparative's "than" or a superlative (fr, es, pt, it); the
# restriction "ne ... plus que" (only); the noun that makes "sans doute" an adverb.
_NPI = frozenset("jamais nunca jamas mai".split())
_COMPARATIVE_THAN = frozenset("que qu che".split())
_SUPERLATIVE = frozenset("plus moins mas mais piu premier premiere seul seule".split())
_RESTRICTIVE = frozenset({"plus"})
_RESTRICTION = frozenset({"que", "qu"})
# After "sans", "sin", "without": the noun that makes the pair an adverb (sans doute = probably, sin embargo =
# however, sans cesse = constantly), not a negation.
_DOUBT = frozenset("doute duda dubbio duvida doubt zweifel embargo cesse".split())


@lru_cache(maxsize=1024)
def _tokens(text: str) -> tuple[tuple[str, ...], ...]:
    clauses = _CLAUSE.split(text)
    return tuple(tuple(fold(re.sub(r"['’]", " ' ", clause)).split()) for clause in clauses)


def negations(text: str, lang: str) -> list[str]:
    """The negation markers of ``text`` in ``lang``, one item per negation."""
    lang = base_lang(lang)
    if lang == "zh":
        found = [m[0] for m in _ZH.finditer(_ZH_NOT.sub(" ", text))]
        return found + [m[0] for m in _ZH_ONLY.finditer(text)]
    if lang == "ja":
        return [m[0] for m in _JA.finditer(_JA_NOT.sub(" ", text))]
    spec = _SPECS.get(lang)
    if spec is None:
        return []
    found: list[str] = []
    if lang == "en":
        found += [m[0] for m in _EN_NT.finditer(text)]
        text = _EN_NT.sub(" ", text)
        text = re.sub(r"\bNo\.?\s*\d", " ", text)  # No. 1, No 4 seed: "number"
        text = re.sub(r"(?<![^\W\d_])no-(?=[^\W\d_])", " ", text, flags=re.I)  # a no-confidence motion: a noun
    if lang == "tr":
        found += [m[0] for m in _TR_SUFFIX.finditer(text)]
    negated_before = bool(found)
    for clause in _tokens(text):
        found += _clause_negations(clause, lang, spec, negated_before or bool(found))
        negated_before = negated_before or bool(found)
    return found


def _ever(clause: tuple[str, ...], i: int) -> bool:
    """A negative word after a comparative or a superlative ("plus que jamais", "más que nunca", "che mai",
    "la plus importante jamais réalisée"): it means "ever", a negative-polarity item, not a negation."""
    before = clause[max(0, i - 6) : i]
    if not before:
        return False
    return before[-1] in _COMPARATIVE_THAN or (bool(_SUPERLATIVE & set(before)) and "ne" not in before)


def _clause_negations(clause: tuple[str, ...], lang: str, spec: Spec, negated_before: bool) -> list[str]:
    """The negations of one clause: each effective primary and absorber, else one for its negative words."""
    found: list[str] = []
    used = [False] * len(clause)
    for i, word in enumerate(clause):
        if word in spec.primary:
            after = range(i + 1, min(len(clause), i + 9))
            partner = next((j for j in after if not used[j] and clause[j] in spec.concord), None)
            if partner is None:
                partner = next((j for j in range(i) if not used[j] and clause[j] in spec.concord), None)
            used[i] = True
            if partner is not None:
                used[partner] = True
                if clause[partner] in _RESTRICTIVE and _RESTRICTION.intersection(clause[partner + 1 :]):
                    continue  # "ne ... plus que": "now only", a restriction
                found.append(f"{word} … {clause[partner]}")
            elif spec.strict:
                found.append(word)
        elif word in spec.absorbers and not used[i]:
            used[i] = True
            if lang == "sv" and (negated_before or found):
                continue  # "inte X utan Y": utan is "but"
            if i + 1 < len(clause) and clause[i + 1] in _DOUBT:
                continue  # "sans doute", "sin duda", "without doubt": an adverb, "probably" or "certainly"
            found.append(word)
            for j in range(i + 1, min(len(clause), i + 6)):
                if clause[j] in spec.concord:
                    used[j] = True
    concord_language = bool(spec.concord)
    for i, word in enumerate(clause):
        if used[i]:
            continue
        if word in spec.pairs:
            if not (negated_before or found):
                found.append(word)
        elif word in spec.alone or (lang == "fr" and word == "pas" and (i == 0 or clause[i - 1] not in _DETERMINERS)):
            if word in _NPI and _ever(clause, i):
                continue
            if concord_language and found:
                continue  # "nunca dijo nada": one negation
            found.append(word)
    return found


# Words that negate without a negation marker ("unless" = "if not", "failed to", "lost", "too few", "refused"):
# a translation may render "ne ... pas" with one of them, or a negation with one of the source's. No library
# lists them; these are dictionary forms (simplemma), folded.
_IMPLICIT = {
    "en": "unless fail lack lose few refuse neglect stop avoid prevent deny absence absent deprive reject cease "
    "ignore miss insufficient shortage",
    "fr": "sauf manquer manque refuser eviter empecher priver nier negliger echouer cesser absence insuffisant "
    "deconseiller peu faute ignorer rejeter perdre prive",
    "de": "ausser fehlen mangel verweigern vermeiden verhindern verlieren leugnen scheitern aufhoren wenig abraten "
    "ablehnen unterlassen erst",
    "es": "salvo faltar falta negar rechazar evitar impedir perder privar fracasar poco escaso insuficiente",
    "pt": "salvo faltar falta negar recusar evitar impedir perder privar fracassar pouco insuficiente",
    "it": "salvo mancare mancanza rifiutare evitare impedire perdere negare poco insufficiente",
    "nl": "tenzij ontbreken gebrek weigeren vermijden voorkomen verliezen ontkennen mislukken stoppen weinig",
    "pl": "brak brakowac odmowic unikac zapobiec stracic zaprzeczyc malo zaniedbac",
    "ru": "кроме нехватка отказаться избегать предотвратить потерять лишить отрицать мало",
    "uk": "крім нестача відмовитися уникати запобігти втратити позбавити заперечувати мало",
}


# Negative affixes: a word made of one and a word of the language negates by its form (unpaid, driverless,
# inconnue, ungeschlagen, нереалистичный, sin-, des-). (prefixes, suffixes) per language.
_AFFIXES = {
    "en": (("un", "non"), ("less",)),
    "fr": (("in", "im", "ir", "il", "non", "mal"), ()),
    "de": (("un", "nicht"), ("los", "lose", "losen", "loser", "loses")),
    "nl": (("on", "niet"), ("loos", "loze")),
    "es": (("des", "sin", "no"), ()),
    "pt": (("des", "sem", "não"), ()),
    "it": (("non",), ()),
    "ru": (("не", "без", "бес"), ()),
    "uk": (("не", "без"), ()),
    "pl": (("nie", "bez"), ()),
}
AFFIX_MIN_STEM = 4  # letters of the word the affix negates
_ASSIMILATED = frozenset({"in", "im", "ir", "il"})


@lru_cache(maxsize=65536)
def affixal_negative(word: str, lang: str) -> bool:
    """Whether ``word`` negates by a negative affix on a word of ``lang``'s dictionary (unpaid = un + paid,
    driverless = driver + less); a word the dictionary knows as a whole is no such word unless its base is."""
    from trpipe.checks.text import known_word, lemma

    prefixes, suffixes = _AFFIXES.get(base_lang(lang), ((), ()))
    low = word.lower()
    for prefix in prefixes:
        rest = low[len(prefix) :].lstrip("-")
        size = AFFIX_MIN_STEM + 2 * (prefix in _ASSIMILATED)  # in-, im-: many words only look negated
        if low.startswith(prefix) and len(rest) >= size and known_word(rest, lang):
            return not (rest.endswith("s") and len(lemma(rest, lang)) < AFFIX_MIN_STEM)  # not un + ions
    for suffix in suffixes:
        stem = low[: -len(suffix)].rstrip("-")
        if low.endswith(suffix) and len(stem) >= AFFIX_MIN_STEM - 1 and known_word(stem, lang):
            return True
    return False


def implicit_negatives(text: str, lang: str) -> list[str]:
    """Words of ``text`` that negate without a negation marker (see ``_IMPLICIT``), or by a negative affix
    (``affixal_negative``)."""
    from trpipe.checks.text import lemma

    words = frozenset(fold(w) for w in _IMPLICIT.get(base_lang(lang), "").split())
    found = []
    for word in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text):
        if fold(word) in words or fold(lemma(word, lang)) in words or affixal_negative(word, lang):
            found.append(word)
    return found
