"""trpipe digest (issue 26): stories, near-duplicates, cited story summaries, disagreements, the JSON contract
(every cite resolves), incremental runs with --state, and the grouping on the labelled set (tune half)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner

from trpipe.cli import cli

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from digest_eval import build_document, evaluate, load_half  # noqa: E402

from trpipe.digest.articles import make_article  # noqa: E402
from trpipe.digest.compare import disagreements  # noqa: E402
from trpipe.digest.minhash import candidate_pairs, jaccard, shingles, signature  # noqa: E402
from trpipe.digest.stories import group_articles  # noqa: E402
from trpipe.validate_digest import validate_digest  # noqa: E402

FACTORY = (
    "Le groupe Valmont va supprimer 300 emplois dans son usine de Metz, a annoncé la direction mardi.\n\n"
    "L'usine, ouverte en 1987, emploie aujourd'hui 1 200 personnes. Les syndicats appellent à la grève jeudi.\n\n"
    "La direction promet un plan de reclassement de 15 millions d'euros pour les salariés concernés.\n"
)
FACTORY_EN = [
    "The Valmont group will cut 300 jobs at its Metz plant, management announced on Tuesday.",
    "The plant, opened in 1987, now employs 1,200 people. The unions are calling for a strike on Thursday.",
    "Management promises a 15-million-euro redeployment plan for the employees concerned.",
]
OTHER = (
    "Le festival de jazz de Colmar a attiré 40 000 spectateurs cette année, un record selon les organisateurs.\n\n"
    "La pianiste Lena Morel a clos la dernière soirée devant un public debout sous la pluie.\n"
)
OTHER_EN = [
    "The Colmar jazz festival drew 40,000 spectators this year, a record according to the organisers.",
    "Pianist Lena Morel closed the last evening in front of a standing audience in the rain.",
]


def article(aid: str, text: str, translation: list[str], lang: str = "fr", **meta):
    item = {"id": aid, "lang": lang, "text": text, "translation": "\n\n".join(translation), "title": meta.get(
        "title", text.split(".")[0]), "site": meta.get("site", "exemple.fr"), "date": meta.get("date", "2026-05-02"),
        "url": f"https://exemple.fr/{aid}"}  # fmt: skip
    return make_article(aid, aid, build_document(item))


def test_shingles_and_minhash_are_deterministic_and_find_copies():
    a, b = shingles(FACTORY), shingles(FACTORY.replace("300", "500"))
    assert 0.5 < jaccard(a, b) < 1 and jaccard(a, shingles(OTHER)) == 0
    assert (signature(a) == signature(shingles(FACTORY))).all()
    assert candidate_pairs([signature(a), signature(b), signature(shingles(OTHER))]) == {(0, 1)}


def test_two_copies_that_differ_in_one_number_are_duplicates_and_disagree():
    one = article("a1", FACTORY, FACTORY_EN)
    two = article("a2", FACTORY.replace("300 emplois", "500 emplois"), [FACTORY_EN[0].replace("300", "500"),
                  *FACTORY_EN[1:]])  # fmt: skip
    other = article("a3", OTHER, OTHER_EN)
    grouping = group_articles([one, two, other])
    assert grouping.duplicates == [[0, 1]] and grouping.stories == [[0, 1], [2]]
    (found,) = disagreements([one, two], [["a1", "a2"]])
    assert found["kind"] == "number" and found["duplicates"] is True and found["about"] == "job"
    assert (found["a"]["value"], found["b"]["value"]) == ("300", "500")
    for side, art in ((found["a"], one), (found["b"], two)):
        assert art.document.source.text[side["start"] : side["end"]] == side["text"]
        assert any(s.id == side["segment"] and s.start <= side["start"] < s.end for s in art.document.segments)


def test_different_quantities_of_different_things_are_not_disagreements():
    one = article("a1", FACTORY, FACTORY_EN)
    text = FACTORY.replace("emploie aujourd'hui 1 200 personnes", "emploie aujourd'hui 900 personnes").replace(
        "300 emplois", "15 millions d'euros d'économies et 300 emplois")  # fmt: skip
    translated = [FACTORY_EN[0].replace("300 jobs", "15 million euros in savings and 300 jobs"),
                  FACTORY_EN[1].replace("1,200", "900"), FACTORY_EN[2]]  # fmt: skip
    two = article("a2", text, translated)
    found = disagreements([one, two])
    # 1,200 against 900 people is one (the same thing); euros are never compared with jobs
    assert [(d["a"]["value"], d["b"]["value"]) for d in found] == [("1200", "900")]
    years = article("a3", "En 2023, l'usine a produit 300 moteurs.\n", ["In 2023, the plant made 300 engines."])
    later = article("a4", "En 2024, l'usine a produit 500 moteurs.\n", ["In 2024, the plant made 500 engines."])
    assert disagreements([years, later]) == []


def test_grouping_on_the_labelled_tune_half():
    result = evaluate(load_half("tune"))
    assert result["duplicates_merged"] >= 0.95 and result["wrong_duplicates"] == []
    assert result["different_stories_merged"] == 0
    assert result["pairwise"]["f1"] >= 0.8
    assert result["disagreements"]["recall"] >= 0.8 and result["disagreements"]["precision"] >= 0.8
    assert result["disagreements"]["not_disagreements_reported"] == []


def _write_articles(folder: Path) -> None:
    folder.mkdir()
    (folder / "a.fr.txt").write_text("Valmont supprime des emplois à Metz\n\n" + FACTORY, encoding="utf-8")
    (folder / "b.fr.txt").write_text(
        "Metz : Valmont taille dans ses effectifs\n\n" + FACTORY.replace("300 emplois", "500 emplois"), encoding="utf-8"
    )
    (folder / "c.fr.txt").write_text("Record au festival de Colmar\n\n" + OTHER, encoding="utf-8")


def _run(*args, registry: Path, echo: bool = False):
    more = ["--backend", "test-echo", "--from", "fr"] if echo else []
    return CliRunner().invoke(cli, ["digest", *args, "--models", str(registry), *more], catch_exceptions=False)


def test_digest_command_writes_the_contract_and_every_cite_resolves(tmp_path, tiny_registry):
    _write_articles(tmp_path / "in")
    out = tmp_path / "out" / "digest.json"
    result = _run(str(tmp_path / "in"), "--to", "en", "-o", str(out), registry=tiny_registry)
    assert result.exit_code == 0, result.output
    digest = json.loads(out.read_text(encoding="utf-8"))
    assert digest["format"] == "trpipe-digest" and digest["target"] == "en" and digest["languages"][0] == "en"
    assert [len(s["articles"]) for s in digest["stories"]] == [2, 1]
    first = digest["stories"][0]
    assert first["duplicates"] == [first["articles"]] and first["disagreements"][0]["kind"] == "number"
    assert set(first["summary"]) == {"en", "fr"} and first["summary"]["en"]
    assert [len(v) for v in first["summary"].values()] == [len(first["summary"]["en"])] * 2
    assert all(isinstance(s["flags"], list) for v in first["summary"].values() for s in v)
    assert [a["id"] for a in digest["articles"]] == ["a1", "a2", "a3"]
    for a in digest["articles"]:
        assert (out.parent / a["document"]).is_file() and (out.parent / a["report"]).is_file()
    assert digest["provenance"]["chunks"][first["id"]] and digest["provenance"]["models"]["summary"]
    assert validate_digest(digest, out.parent) == []
    checked = CliRunner().invoke(cli, ["validate", str(out)])
    assert checked.exit_code == 0 and "every cite and span resolved" in checked.output
    # a cite to a segment that does not exist is reported
    first["summary"]["en"][0]["cites"] = [{"article": first["articles"][0], "segment": "p999"}]
    out.write_text(json.dumps(digest), encoding="utf-8")
    broken = CliRunner().invoke(cli, ["validate", str(out)])
    assert broken.exit_code == 1 and "p999: no such segment" in broken.output
    # the chunks' provenance resolves too, and each article is in exactly one story
    wrong = json.loads(json.dumps(digest))
    wrong["provenance"]["chunks"][first["id"]][0].append({"article": first["articles"][0], "segment": "p999"})
    wrong["stories"][1]["articles"].append(first["articles"][0])
    found = {(p.where, p.message) for p in validate_digest(wrong, out.parent)}
    assert (f"provenance.chunks.{first['id']}[0]", f"{first['articles'][0]} p999: not a segment of the story") in found
    assert (f"articles ({first['articles'][0]})", "is in 2 stories (each article is in one)") in found
    # the JSON documents written are inputs too: digested again without translating, embedded on request
    again = tmp_path / "again" / "digest.json"
    docs = sorted((out.parent / "digest.articles").glob("*.json"))
    result = _run(*map(str, docs), "--to", "en", "-o", str(again), "--embed", "--no-summary", registry=tiny_registry)
    assert result.exit_code == 0, result.output
    embedded = json.loads(again.read_text(encoding="utf-8"))
    assert isinstance(embedded["articles"][0]["document"], dict) and embedded["stories"][0]["summary"] == {}
    assert validate_digest(embedded, again.parent) == []


def test_incremental_runs_keep_story_ids_and_mark_changes(tmp_path, echo_registry):
    inputs, state, out = tmp_path / "in", tmp_path / "state", tmp_path / "out" / "digest.json"
    _write_articles(inputs)
    moved = tmp_path / "b.fr.txt"
    (inputs / "b.fr.txt").rename(moved)
    args = [str(inputs), "--to", "en", "-o", str(out), "--state", str(state), "--no-summary"]
    assert _run(*args, registry=echo_registry, echo=True).exit_code == 0
    first = json.loads(out.read_text(encoding="utf-8"))
    assert [s["change"] for s in first["stories"]] == ["new", "new"]
    moved.rename(inputs / "b.fr.txt")  # the next day: a copy of the first story
    assert _run(*args, registry=echo_registry, echo=True).exit_code == 0
    second = json.loads(out.read_text(encoding="utf-8"))
    story_of = {a: s["id"] for s in second["stories"] for a in s["articles"]}
    before = {a: s["id"] for s in first["stories"] for a in s["articles"]}
    assert all(story_of[a] == sid for a, sid in before.items())  # ids kept
    assert sorted((s["id"], s["change"]) for s in second["stories"]) == sorted(
        [(before["a1"], "updated"), (before["a2"], "unchanged")]
    )
    assert _run(*args, registry=echo_registry, echo=True).exit_code == 0
    assert {s["change"] for s in json.loads(out.read_text(encoding="utf-8"))["stories"]} == {"unchanged"}
    (saved,) = state.glob("digest-*.json")
    saved.write_text("{not json", encoding="utf-8")
    corrupt = _run(*args, registry=echo_registry, echo=True)
    assert corrupt.exit_code == 2 and "corrupt digest state file" in corrupt.output
    assert len(corrupt.output.strip().splitlines()) == 1


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Actualités</title><link>https://exemple.fr/</link><description>d</description>
{items}</channel></rss>"""
ITEM = (
    "<item><title>{title}</title><guid>{guid}</guid><pubDate>{date}</pubDate><description>{body}</description></item>"
)


def test_a_daily_feed_adds_new_entries_to_existing_stories(tmp_path, echo_registry):
    feed, state, out = tmp_path / "feed.xml", tmp_path / "state", tmp_path / "out" / "digest.json"
    one = ITEM.format(title="Valmont", guid="e1", date="Tue, 05 May 2026 08:00:00 GMT", body=FACTORY)
    two = ITEM.format(title="Colmar", guid="e2", date="Tue, 05 May 2026 09:00:00 GMT", body=OTHER)
    three = ITEM.format(title="Metz", guid="e3", date="Wed, 06 May 2026 07:00:00 GMT",
                        body=FACTORY.replace("300", "500"))  # fmt: skip
    feed.write_text(FEED.format(items=one + two), encoding="utf-8")
    args = ["--feed", str(feed), "--to", "en", "-o", str(out), "--state", str(state), "--no-summary"]
    assert _run(*args, registry=echo_registry, echo=True).exit_code == 0
    feed.write_text(FEED.format(items=one + two + three), encoding="utf-8")
    result = _run(*args, registry=echo_registry, echo=True)
    assert result.exit_code == 0, result.output
    digest = json.loads(out.read_text(encoding="utf-8"))
    assert len(digest["articles"]) == 3 and digest["articles"][0]["date"] == "2026-05-05T08:00:00Z"
    (grown,) = [s for s in digest["stories"] if len(s["articles"]) == 2]
    assert grown["change"] == "updated" and grown["disagreements"]
    assert [t["date"] for t in grown["timeline"]] == ["2026-05-05T08:00:00Z", "2026-05-06T07:00:00Z"]
    assert validate_digest(digest, out.parent) == []


def test_html_markdown_and_atom_beside_the_json_and_bad_input_is_one_line(tmp_path, echo_registry):
    from xml.etree import ElementTree

    _write_articles(tmp_path / "in")
    out = tmp_path / "out" / "digest.json"
    args = [str(tmp_path / "in"), "--to", "en", "-o", str(out), "--no-summary", "--base-url", "https://news.example/d/"]
    result = _run(*args, *[f"--format={f}" for f in ("json", "html", "md", "atom")], registry=echo_registry,
                  echo=True)  # fmt: skip
    assert result.exit_code == 0, result.output
    digest = json.loads(out.read_text(encoding="utf-8"))
    page = (out.parent / "digest.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "digest.articles/" in page
    assert (out.parent / "digest.md").read_text(encoding="utf-8").strip()
    feed = ElementTree.fromstring((out.parent / "digest.atom").read_bytes())
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == len(digest["stories"]) and digest["id"]
    again = _run(*args, "--format=json", registry=echo_registry, echo=True)
    assert again.exit_code == 0 and json.loads(out.read_text(encoding="utf-8"))["id"] == digest["id"]  # stable
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a document"}', encoding="utf-8")
    result = _run(str(bad), "--to", "en", "-o", str(tmp_path / "d.json"), registry=echo_registry, echo=True)
    assert result.exit_code == 2 and "not a trpipe document" in result.output
    assert len(result.output.strip().splitlines()) == 2  # the article's error, then the run's


def test_bad_inputs_are_one_line_errors_naming_the_file(tmp_path, echo_registry):
    _write_articles(tmp_path / "in")
    out = tmp_path / "out" / "digest.json"
    assert _run(str(tmp_path / "in"), "--to", "en", "-o", str(out), "--no-summary", registry=echo_registry,
                echo=True).exit_code == 0  # fmt: skip
    document = json.loads(sorted((out.parent / "digest.articles").glob("*.json"))[0].read_text(encoding="utf-8"))
    cases = {"future.json": json.dumps({**document, "contract_version": "9.0"}), "text.json": "not JSON at all"}
    for name, body in cases.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
        result = _run(str(tmp_path / name), "--to", "en", "-o", str(tmp_path / "d.json"), registry=echo_registry,
                      echo=True)  # fmt: skip
        assert result.exit_code == 2 and name in result.output.splitlines()[0], result.output
        assert "Traceback" not in result.output and not (tmp_path / "d.json").exists()
    (tmp_path / "empty").mkdir()
    result = _run(str(tmp_path / "empty"), "--to", "en", "-o", str(tmp_path / "d.json"), registry=echo_registry,
                  echo=True)  # fmt: skip
    assert result.exit_code == 2 and "empty" in result.output and "Traceback" not in result.output
    state = tmp_path / "state"
    args = [str(tmp_path / "in"), "--to", "en", "-o", str(out), "--no-summary", "--state", str(state)]
    assert _run(*args, registry=echo_registry, echo=True).exit_code == 0
    (state_file,) = state.glob("digest-*.json")
    state_file.write_text('{"format": "trpipe-digest-state", "articl', encoding="utf-8")
    result = _run(*args, registry=echo_registry, echo=True)
    assert result.exit_code == 2 and "corrupt digest state" in result.output and state_file.name in result.output
    assert state_file.read_text(encoding="utf-8").endswith("articl")  # reported, not reset
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    result = _run(*args[:-1], str(blocked / "state"), "-o", str(tmp_path / "e.json"), registry=echo_registry,
                  echo=True)  # fmt: skip
    assert result.exit_code == 2 and "state folder cannot be made" in result.output
    assert not list((tmp_path / "e.articles").glob("*.json"))  # refused before anything was translated
    result = _run(*args[:-2], "--threshold", "5", registry=echo_registry, echo=True)
    assert result.exit_code == 2 and "--threshold" in result.output


def test_a_digest_inside_its_input_folder_never_reads_itself_back_nor_overwrites_an_input(tmp_path, echo_registry):
    inputs = tmp_path / "in"
    _write_articles(inputs)
    out = inputs / "digest.json"
    for _ in range(2):  # the rerun reads neither digest.json nor digest.articles/ as inputs
        result = _run(str(inputs), "--to", "en", "-o", str(out), "--no-summary", registry=echo_registry, echo=True)
        assert result.exit_code == 0, result.output
        assert [a["id"] for a in json.loads(out.read_text(encoding="utf-8"))["articles"]] == ["a1", "a2", "a3"]
    result = _run(str(inputs), "--to", "en", "-o", str(out), "--format=html", registry=echo_registry, echo=True)
    assert result.exit_code == 2 and "digest.html: lies in the input folder" in result.output
    assert not (inputs / "digest.html").exists()
    document = sorted((inputs / "digest.articles").glob("*.json"))[0]
    before = document.read_bytes()
    result = _run(str(document), "--to", "en", "-o", str(document), registry=echo_registry, echo=True)
    assert result.exit_code == 2 and "never writes over its inputs" in result.output
    assert document.read_bytes() == before


def test_a_story_unchanged_is_summarised_again_when_its_summary_is_asked_differently(tmp_path, tiny_registry):
    _write_articles(tmp_path / "in")
    out, state = tmp_path / "out" / "digest.json", tmp_path / "state"
    args = [str(tmp_path / "in"), "--to", "en", "-o", str(out), "--state", str(state)]
    assert _run(*args, registry=tiny_registry).exit_code == 0
    assert {lang for s in json.loads(out.read_text(encoding="utf-8"))["stories"] for lang in s["summary"]} == {
        "en",
        "fr",
    }
    result = _run(*args, "--also", "en", registry=tiny_registry)  # the target only: no French summary now
    assert result.exit_code == 0, result.output
    again = json.loads(out.read_text(encoding="utf-8"))
    assert {s["change"] for s in again["stories"]} == {"unchanged"}
    assert [set(s["summary"]) for s in again["stories"]] == [{"en"}] * len(again["stories"])
