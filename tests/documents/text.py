"""Text-format samples: plain text, Markdown, a web page, JSON Lines; each returns (path, strings written)."""

from __future__ import annotations

import json
from pathlib import Path

PARAGRAPHS = [
    "Le conseil régional a voté mardi une aide de 800 000 euros à l'entreprise Huawei.",
    "La décision a été critiquée par plusieurs élus de l'opposition, qui parlent d'un risque.",
    "Le président de la région défend un projet créateur d'emplois dans la vallée.",
]
TITLE = "Huawei reçoit une aide régionale"


def text(folder: Path, name: str = "article.fr.txt") -> tuple[Path, list[str]]:
    path = folder / name
    path.write_text("\n\n".join([TITLE, *PARAGRAPHS]) + "\n", encoding="utf-8")
    return path, [TITLE, *PARAGRAPHS]


def markdown(folder: Path, name: str = "article.fr.md") -> tuple[Path, list[str]]:
    path = folder / name
    body = "\n\n".join(p.replace("800 000 euros", "**800 000 euros**") for p in PARAGRAPHS)
    path.write_text(f"# {TITLE}\n\n{body}\n", encoding="utf-8")
    return path, [TITLE, *PARAGRAPHS]


def html(folder: Path, name: str = "article.fr.html") -> tuple[Path, list[str]]:
    path = folder / name
    paragraphs = "\n".join(f"<p>{p.replace('Huawei', '<b>Huawei</b>', 1)}</p>" for p in PARAGRAPHS)
    path.write_text(
        f"<!DOCTYPE html><html lang='fr'><head><title>{TITLE}</title></head><body><nav><a href='/'>Accueil</a></nav>"
        f"<article><h1>{TITLE}</h1>\n{paragraphs}\n</article><footer>© Journal</footer></body></html>\n",
        encoding="utf-8",
    )
    return path, [TITLE, *PARAGRAPHS]


def jsonl(folder: Path, name: str = "articles.jsonl") -> tuple[Path, list[str]]:
    path = folder / name
    path.write_text("".join(json.dumps({"id": f"a{i}", "text": p}) + "\n" for i, p in enumerate(PARAGRAPHS)))
    return path, list(PARAGRAPHS)
