"""The few word lists CLDR has no data for: generic heads of names, cross-language acronyms, religions.

Place, language and demonym-like names come from CLDR (trpipe.checks.locale); these lists hold what it
lacks. Each line is one group of equivalents in the shipped languages, folded (no accents, lower case); a line
ending in "|" goes on on the next one.
"""

from __future__ import annotations

from functools import lru_cache

from trpipe.checks.text import fold

# Common nouns and titles that head or precede a name and are translated with it ("Région Grand Est" ->
# "Grand Est region", "le président Macron" -> "President Macron"): never the distinctive part of a name.
GENERIC_GROUPS = """
region|regions|regional|regionale|regional|regione|regiao|regio|regiona|region|bolge|региона|регион|wojewodztwo
party|parti|partei|partido|partito|partij|partia|партия|партии|parti
parliament|parlement|parlament|parlamento|парламент|meclis
council|conseil|rat|consejo|consiglio|conselho|raad|rada|rady|совет|råd|rad|konsey|conseils|councils
ministry|ministere|ministerium|ministerio|ministero|ministerie|ministerstwo|министерство|bakanligi|departement
minister|ministre|ministro|министр|bakan|minister|ministerin|ministra
president|presidente|prasident|prasidentin|президент|prezydent|baskan|presidenten|presidents
government|gouvernement|regierung|gobierno|governo|regering|rzad|правительство|hukumet|regeringen
university|universite|universitat|universidad|universita|universidade|universiteit|uniwersytet|университет|
universitet|universite|universitesi
court|cour|tribunal|gericht|gerichtshof|corte|tribunale|hof|sad|суд|mahkeme|domstol|mahkemesi
republic|republique|republik|republica|repubblica|republiek|republika|республика|cumhuriyet|cumhuriyeti
assembly|assemblee|versammlung|asamblea|assemblea|assembleia|vergadering|ассамблея|zgromadzenie
senate|senat|senado|senato|senaat|сенат
army|armee|ejercito|esercito|exercito|leger|armia|армия|ordu|armen|bundeswehr|terre|heer|land
bank|banque|banco|banca|банк|bankasi|bundesbank|zentralbank|centralbank
industry|industrie|industria|industria|промышленность|przemysl|sanayi|industri
fund|fonds|fondo|fundo|fundusz|fonden|fon|klimafonds
association|verband|asociacion|associazione|associacao|vereniging|stowarzyszenie|ассоциация|dernek|forbund|
federation|federacion|federazione|federacao|federatie|федерация|federacja|federasyon
chamber|chambre|kammer|kamer|camara|camera|izba|палата|kammare|house|haus|sejm|bundestag|bundesrat|duma|дума
agency|agentur
company|societe|compagnie|firma|empresa|societa|bedrijf|компания|spolka|sirket|foretag|group|groupe|gruppe|
grupo|gruppo|groep|группа|grupa|grup|koncern|konzern
union|unie|unione|uniao|союз|unia|birligi|unionen
state|etat|staat|estado|stato|государство|panstwo|devlet|staten|states|etats
city|ville|stadt|ciudad|citta|cidade|stad|город|miasto|sehir|municipality|commune|gemeinde
park|parc|parque|parco|парк|parki
street|rue|strasse|calle|via|rua|straat|улица|ulica|sokak|gatan
commission|kommission|comision|commissione|comissao|commissie|комиссия|komisja|komisyon|kommissionen
agency|agence|agentur|agencia|agenzia|agencia|agentschap|агентство|agencja|ajans|myndighet
committee|comite|komitee|ausschuss|comitato|comissao|commissie|комитет|komitet|komite|kommitten
foundation|fondation|stiftung|fundacion|fondazione|fundacao|stichting|фонд|fundacja|vakif|stiftelse
institute|institut|instituto|istituto|instituut|институт|instytut|enstitu
church|eglise|kirche|iglesia|chiesa|igreja|kerk|церковь|kosciol|kilise|kyrkan
province|provincia|provinz|provincie|провинция|prowincja|il|provinsen
department|departement|departamento|dipartimento
district|arrondissement|bezirk|distrito|distretto|район|dzielnica|ilce
national|nationale|nacional|nazionale|nationaal|narodowy|национальный|ulusal
federal|federale|federal|федеральный|federalny
organisation|organization|organisation|organisation|organizacion|organizzazione|organizacao|organisatie|
организация|organizacja|orgut
office|bureau|buro|oficina|ufficio|gabinete|kantoor|бюро|biuro
mr|mrs|ms|dr|m|mme|mlle|herr|frau|senor|sr|sra|signor|sig|pan|pani|sir|lord|dame
general|generale|генерал|generał|genel
pope|pape|papst|papa|папа|papiez
king|roi|konig|rey|re|rei|koning|король|krol|kral|kungen
queen|reine|konigin|reina|regina|rainha|koningin|королева|krolowa|kralice|drottningen
prince|prinz|principe|prins|принц|ksiaze|prens|prinsen
chancellor|chancelier|kanzler|kanzlerin|canciller|cancelliere|chanceler|kanselier|канцлер|kanclerz|sansolye
mayor|maire|burgermeister|burgermeisterin|alcalde|alcaldesa|sindaco|prefeito|burgemeester|мэр|burmistrz|belediye
deputy|depute|deputee|mep|abgeordnete|abgeordneter|diputado|diputada|deputato|deputada|kamerlid|депутат|posel
senator|senateur|senatorin|senador|senatore|senator|сенатор|senator
governor|gouverneur|gobernador|governatore|governador|gouverneur|губернатор|gubernator|vali
secretary|secretaire|sekretar|secretario|segretario|secretaris|секретарь|sekretarz
prime|premier|premiere|premierminister|ministerprasident|primer|primo|primeiro|премьер|premier
"""

# Acronyms that change from one language to another (the rest are kept as written, or spelt out).
ACRONYM_GROUPS = """
un|onu|uno|oon|ooh|оон|bm|fn|vn|оон
eu|ue|ес|ab|eu
nato|otan|нато
imf|fmi|iwf|мвф|imf|mvf
who|oms|вооз|воз|dso|who
ecb|bce|ezb|ецб|ebc|ecb
gdp|pib|bip|ввп|pkb|gsyih|bnp
wto|omc|wto|вто|dto
ngo|ong|ngo|нпо|нко|ngo|osk
ussr|urss|udssr|ссср|zsrr
eib|bei|eib
"""

# Short names of territories that CLDR spells out only ("United States"): added to the territory's forms.
PLACE_ALIASES = """
T:US|us|usa|u s|u s a|eeuu|ee uu|eua|сша|abd|vs|amerique|america|amerika|америка
T:GB|uk|u k|ru|vk|gb|britain|great britain|grande bretagne|gran bretana|gran bretagna|grossbritannien|англия
T:EU|ue|eu|ес|ab
T:UN|onu|un|uno|oon|оон|bm|fn|vn
T:RU|rf|рф
T:CN|rpc|prc|кнр
T:AE|eau|uae|оаэ|bae
"""

# Religions and their adjectives (English capitalises them; CLDR has no data for them).
RELIGION_GROUPS = """
muslim|muslims|musulman|musulmane|musulmans|musulmanes|muslimisch|muslime|musulman|musulmano|musulmani|
muculmano|moslim|moslims|muzulmanin|muzulmanie|muzulmanski|мусульманин|мусульмане|мусульманский|musluman|muslimsk
islamic|islamique|islamisch|islamico|islamica|islamitisch|islamski|исламский|islami|islamisk|islam
christian|chretien|chretienne|christlich|cristiano|cristiana|christelijk|chrzescijanski|христианский|hristiyan
jewish|juif|juive|juifs|judisch|judio|ebreo|ebraico|judeu|joods|zydowski|еврейский|yahudi|judisk
catholic|catholique|katholisch|catolico|cattolico|katholiek|katolicki|католический|katolik|katolsk
protestant|protestante|protestantisch|protestantse|протестантский
orthodox|orthodoxe|orthodox|ortodoxo|ortodosso|orthodox|prawoslawny|православный|ortodoks|ortodox
buddhist|bouddhiste|buddhistisch|budista|buddista|boeddhistisch|buddyjski|буддийский|budist
hindu|hindou|hinduistisch|hindu|indu|hindoe|hinduski|индуистский
sunni|sunnite|sunnitisch|suni|sunnita|soennitisch|sunnicki|суннитский|sunni
shia|shiite|chiite|schiitisch|chii|chiita|sciita|xiita|sjiitisch|szyicki|шиитский|sii
"""


def _groups(text: str) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for line in text.strip().replace("|\n", "|").splitlines():
        group = {fold(w) for w in line.split("|") if w.strip()}
        for word in group:
            table.setdefault(word, set()).update(group)
    return {w: frozenset(g) for w, g in table.items()}


@lru_cache(maxsize=1)
def generic_words() -> dict[str, frozenset[str]]:
    """Folded generic word -> its equivalents in the shipped languages."""
    return _groups(GENERIC_GROUPS)


@lru_cache(maxsize=1)
def acronyms() -> dict[str, frozenset[str]]:
    return _groups(ACRONYM_GROUPS)


@lru_cache(maxsize=1)
def religions() -> dict[str, frozenset[str]]:
    return _groups(RELIGION_GROUPS)


@lru_cache(maxsize=1)
def place_aliases() -> dict[str, frozenset[str]]:
    """CLDR territory key -> its short names."""
    table = {}
    for line in PLACE_ALIASES.strip().splitlines():
        key, *names = line.split("|")
        table[key] = frozenset(fold(n) for n in names)
    return table
