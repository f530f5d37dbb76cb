"""The benchmark's French text: the sample article, and 50 news briefs generated from it deterministically.

Every generated brief is a title, then body paragraphs of 1 or 2 sentences until it reaches a word count
drawn uniformly from [MIN_WORDS, MAX_WORDS] (45-75 words: the naive baseline generates about 21 tokens/s
on the 2-core reference machine, so 50 articles of 150-300 words would take it about 15 minutes a run).
Body sentences come from a pool: the sentences of the sample article (pysbd, through trpipe's segmenter)
that have at least 8 words, plus the French news sentences below. Each drawn sentence is varied so that no
sentence occurs twice in the whole corpus (trpipe translates a repeated sentence once, the naive loop every
time: repeats would not be equal work): the brief's own company, town, region and people replace the
sample's, every number is redrawn, and a lead-in ("Selon l'AFP, ", "Mardi, ", ...) is added to about half
the sentences and to any sentence that would otherwise repeat. Same seed, same corpus.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "huawei-brumath.fr.txt"
ARTICLES = 50
MIN_WORDS, MAX_WORDS = 45, 75
SEED = 2021

# Generic French news sentences ({slots} are filled per article).
EXTRA_FR = """\
Le conseil régional de {region} a adopté mardi un nouveau budget après un long débat en séance plénière.
Selon les élus, l’argent servira à construire des routes, des écoles et des hôpitaux dans les communes rurales.
L’entreprise {company} a annoncé que sa première usine hors de Chine ouvrira l’année prochaine près de {town}.
Plusieurs opposants estiment que les fonds publics ne devraient pas soutenir une société accusée d’espionnage.
Le ministre a déclaré aux journalistes que le gouvernement étudiait la question avec la plus grande attention.
D’après un rapport publié la semaine dernière, plusieurs centaines d’emplois pourraient être créés d’ici 2025.
Les habitants de {town} s’inquiètent de la sécurité aux abords de la base militaire voisine.
Le maire a salué l’investissement mais a promis de rester vigilant sur le respect des engagements pris.
Des experts ont averti que cette technologie pourrait servir à la surveillance de masse de la population.
Dans un communiqué, le Parlement européen a demandé l’ouverture d’une enquête indépendante sur ces accusations.
Les États-Unis ont interdit les équipements de {company} sur leurs réseaux de télécommunications dès 2019.
Les prix ont fortement augmenté en mars, portés par la hausse des coûts de l’énergie et de l’alimentation.
De fortes pluies ont provoqué des inondations dans plusieurs villes, et les écoles sont restées fermées lundi.
La police a interpellé trois personnes soupçonnées de fraude et de blanchiment d’argent dans la région.
Un porte-parole de {company} a rejeté l’ensemble des accusations et affirmé que l’entreprise respectait la loi.
Le président de la région doit se rendre sur le site de {town} à la fin du mois pour rencontrer les syndicats.
Les agriculteurs affirment que la sécheresse a détruit une grande partie de la récolte de cette année.
La nouvelle loi, qui entrera en vigueur le 1er janvier, vise à mieux protéger les données personnelles des citoyens.
Les négociations entre les deux pays ont repris après une pause de plusieurs mois, sans calendrier précis.
{person} a dénoncé « un manque total de transparence » dans l’attribution des aides publiques aux industriels étrangers.
La préfecture a indiqué qu’aucune autorisation d’exploiter n’avait encore été délivrée pour le site de {town}.
Les syndicats réclament des garanties sur les conditions de travail et sur le nombre réel d’emplois promis.
Une pétition en ligne demandant l’annulation de la subvention a déjà recueilli plus de 12 000 signatures.
Le chantier, estimé à 200 millions d’euros, devrait durer deux ans et mobiliser une cinquantaine d’entreprises locales.
"""

COMPANIES = ["Huawei", "ZTE", "Xiaomi", "Hikvision", "Lenovo", "Alibaba", "Tencent", "BYD", "Dahua", "Oppo"]
TOWNS = ["Brumath", "Haguenau", "Saverne", "Sélestat", "Molsheim", "Obernai", "Colmar", "Wissembourg", "Erstein"]
REGIONS = ["Grand Est", "Hauts-de-France", "Occitanie", "Normandie", "Bretagne", "Nouvelle-Aquitaine", "Bourgogne"]
PEOPLE = ["Raphaël Glucksmann", "Marie Lefèvre", "Antoine Dubreuil", "Claire Moreau", "Julien Garnier", "Sophie Roux"]
PRESIDENTS = ["Jean Rottner", "Franck Leroy", "Carole Delga", "Hervé Morin", "Loïg Chesnais-Girard", "Alain Rousset"]
PARTNERS = ["Megvii", "SenseTime", "iFlytek", "Yitu", "CloudWalk"]
MEDIA = [
    "l’AFP",
    "Reuters",
    "Le Monde",
    "Libération",
    "Le Figaro",
    "Les Echos",
    "franceinfo",
    "Mediapart",
    "Ouest-France",
    "les Dernières Nouvelles d’Alsace",
    "Rue89 Strasbourg",
    "L’Express",
    "Le Parisien",
]
DAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
LEADS = [
    "Selon {media}, ",
    "D’après {media}, ",
    "{day}, ",
    "Par ailleurs, ",
    "En outre, ",
    "De plus, ",
    "Comme l’a rappelé {media}, ",
    "Toujours selon {media}, ",
    "{day} matin, ",
    "Dans le même temps, ",
    "Selon une source proche du dossier, ",
    "Interrogé par {media}, un responsable a confirmé que ",
]
TITLES = [
    "{amount} € de subvention régionale pour l’usine {company} de {town}",
    "{company} à {town} : {amount} € d’aides, la région {region} sous le feu des critiques",
    "Surveillance de masse : {person} dénonce {amount} € d’aides de la région {region}",
    "L’usine {company} de {town} et ses {amount} € d’aides divisent les élus de la région {region}",
    "Aides publiques : {amount} euros pour {company}, une décision contestée à {town}",
]
_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f.,]\d+)*")


def sample_sentences(path: Path = SAMPLE) -> list[str]:
    """The sample's sentences of at least 8 words (trpipe's own segmenter, so pysbd cuts them)."""
    from trpipe.segment import segment_text

    text = path.read_text(encoding="utf-8")
    return [s.text for seg in segment_text(text, "fr") for s in seg.sentences if len(s.text.split()) >= 8]


def _redraw_numbers(text: str, rng: random.Random) -> str:
    def redraw(match: re.Match) -> str:
        digits = match.group(0)
        if re.fullmatch(r"(19|20)\d\d", digits):
            return str(rng.randint(2008, 2024))
        if re.fullmatch(r"\d\d?", digits):  # days, counts
            return str(rng.randint(2, 28))
        out = []
        for i, ch in enumerate(digits):
            out.append(str(rng.randint(1 if i == 0 else 0, 9)) if ch.isdigit() else ch)
        return "".join(out)

    return _NUMBER.sub(redraw, text)


def _lead(text: str, lead: str) -> str:
    first = text.split(" ", 1)[0]
    keep_case = first[:1] in '«"“' or first[:1].isdigit() or first.isupper() or first.strip(",") in _PROPER
    return lead + (text if keep_case else text[:1].lower() + text[1:])


_PROPER = set(COMPANIES + TOWNS + PARTNERS) | {"EpochTimes", "Huawei"} | {p.split()[0] for p in PEOPLE + PRESIDENTS}


def make_articles(count: int = ARTICLES, seed: int = SEED) -> list[str]:
    """``count`` French briefs of MIN_WORDS..MAX_WORDS words; no sentence repeats across them."""
    pool = sample_sentences() + [line for line in EXTRA_FR.splitlines() if line.strip()]
    rng = random.Random(seed)
    seen: set[str] = set()
    articles = []
    for _ in range(count):
        slots = {
            "company": rng.choice(COMPANIES),
            "town": rng.choice(TOWNS),
            "region": rng.choice(REGIONS),
            "person": rng.choice(PEOPLE),
            "president": rng.choice(PRESIDENTS),
            "partner": rng.choice(PARTNERS),
        }

        def fill(text: str, slots: dict = slots) -> str:
            text = text.replace("Huawei", slots["company"]).replace("Brumath", slots["town"])
            text = text.replace("Grand Est", slots["region"]).replace("Raphaël Glucksmann", slots["person"])
            text = text.replace("Jean Rottner", slots["president"]).replace("Megvii", slots["partner"])
            return _redraw_numbers(text.format(**slots), rng)

        def unique(text: str, lead: bool = True) -> str:
            for attempt in range(100):
                if lead and (attempt or rng.random() < 0.5):
                    candidate = _lead(text, rng.choice(LEADS).format(media=rng.choice(MEDIA), day=rng.choice(DAYS)))
                else:
                    candidate = text
                if candidate not in seen:
                    seen.add(candidate)
                    return candidate
                text = fill(text)  # new numbers, then another lead-in
            raise RuntimeError(f"cannot make a unique variant of {text!r}")

        amount = f"{rng.randint(2, 9)}{rng.randint(0, 9)}0 000"
        title = unique(fill(rng.choice(TITLES).format(amount=amount, **slots)), lead=False)
        target = rng.randint(MIN_WORDS, MAX_WORDS)
        words = len(title.split())
        paragraphs: list[list[str]] = []
        sizes: list[int] = []
        while words < target:
            sentence = unique(fill(rng.choice(pool)))
            if words + len(sentence.split()) > MAX_WORDS:
                if words >= MIN_WORDS:
                    break
                continue
            if not paragraphs or len(paragraphs[-1]) >= sizes[-1]:
                paragraphs.append([])
                sizes.append(rng.randint(1, 2))
            paragraphs[-1].append(sentence)
            words += len(sentence.split())
        body = [" ".join(p) for p in paragraphs]
        articles.append("\n\n".join([title, *body]) + "\n")
    return articles


def write_articles(folder: Path, count: int = ARTICLES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(make_articles(count), 1):
        path = folder / f"article-{i:02d}.fr.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
