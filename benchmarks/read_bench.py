"""Benchmark of reading documents, feeds and URL lists (issue 21's goals), written to benchmarks/READ.md.

    python benchmarks/read_bench.py           # everything (about 10-20 minutes on 2 cores); writes READ.md
    python benchmarks/read_bench.py --quick   # one repetition each, smaller batches; prints, writes nothing

1. **Reading costs little beside translating.** A 50-page PDF (reportlab) and a 100-page DOCX (python-docx:
   headings, paragraphs with bold and italic runs, a table every ten pages, a header and a footer; a page
   is counted as 3,000 characters of text, about 500 words) are built from the benchmark's French news
   briefs (corpus.py). Each is read and segmented in a process of its own (``read_source`` then
   ``segment_blocks``: what ``trpipe read`` does; the document libraries' imports included, as a run pays
   them). Translating the whole document with the benchmark's fr-en model of the real opus-mt shape
   (build_model.py: 4 beams, a constant K new tokens a sentence, CTranslate2 int8 as trpipe's default)
   would take hours on this machine, so it is measured on a **sample**: the document's first segments,
   about SAMPLE_CHARS characters, translated by trpipe in a process of its own after the model is loaded
   and warmed; the time is **extrapolated per character** to the whole document (plus the model's
   loading, once). The goal: reading and segmenting under 5 % of that.
2. **Feeds and URL lists in bounded memory.** A local HTTP server (127.0.0.1, in this process) serves
   article pages and RSS feeds; ``trpipe translate --feed`` of 50 and of 500 entries, and ``--urls`` of 50, 500
   and of 1,000 lines, each run in a child process with the ``test-echo`` backend (no model: the memory
   measured is the batch machinery's, not a model's constant), interleaved, repeated; peak RSS from
   ``wait4``. The goal: 500 entries within 10 % of 50, for the feed and for the URL list; the URL list
   also runs 1,000 lines, to show where the memory levels off.

The machine is shared with other work: the load average is recorded with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work" / "read"
RESULTS = HERE / "READ.md"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

PDF_PAGES = 50
DOCX_PAGES = 100
PAGE_CHARS = 3000  # a DOCX "page": about 500 words of running text
SAMPLE_CHARS = 6000  # the translated sample: about two pages
GOAL_SHARE = 0.05
GOAL_MEMORY = 0.10


# ------------------------------------------------------------------------------------------ documents


def _paragraphs(count_chars: int) -> list[str]:
    """Paragraphs of the corpus's briefs (titles marked with a leading '#'), at least ``count_chars`` long."""
    import corpus

    out: list[str] = []
    total, n = 0, 64
    while total < count_chars:
        out, total = [], 0
        for article in corpus.make_articles(n, seed=corpus.SEED + 21):
            parts = article.strip().split("\n\n")
            out.append("#" + parts[0])
            out += parts[1:]
            total += sum(len(p) for p in parts)
            if total >= count_chars:
                break
        n *= 2
    return out


def build_pdf(path: Path, pages: int) -> None:
    """``pages`` A4 pages of news briefs: each title in bold, paragraphs wrapped at 90 characters."""
    import textwrap

    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setTitle("Revue de presse régionale")
    paragraphs = iter(_paragraphs(pages * PAGE_CHARS * 2))
    for _page in range(pages):
        y = 790.0
        while y > 80:
            text = next(paragraphs)
            title = text.startswith("#")
            lines = textwrap.wrap(text.lstrip("#"), 80 if title else 95)
            if y - 14 * len(lines) < 60:
                break
            c.setFont("Helvetica-Bold" if title else "Helvetica", 12 if title else 10)
            for line in lines:
                c.drawString(60, y, line)
                y -= 14
            y -= 10
        c.setFont("Helvetica", 8)
        c.drawString(290, 40, str(_page + 1))
        c.showPage()
    c.save()


def build_docx(path: Path, pages: int) -> None:
    """About ``pages`` x PAGE_CHARS characters: headings, paragraphs (a bold name, an italic phrase), a
    table every ten pages, a header and a footer."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Revue de presse régionale"
    document.sections[0].header.paragraphs[0].text = "Revue de presse régionale — édition du matin"
    document.sections[0].footer.paragraphs[0].text = "Document interne, diffusion restreinte"
    written = 0
    for n, text in enumerate(_paragraphs(pages * PAGE_CHARS)):
        if written >= pages * PAGE_CHARS:
            break
        if text.startswith("#"):
            document.add_heading(text[1:], 2)
        else:
            words = text.split(" ")
            paragraph = document.add_paragraph(" ".join(words[:3]) + " ")
            paragraph.add_run(" ".join(words[3:5]) + " ").bold = True
            paragraph.add_run(" ".join(words[5:9]) + " ").italic = True
            paragraph.add_run(" ".join(words[9:]))
        written += len(text)
        if n % 300 == 299:
            table = document.add_table(rows=3, cols=2)
            for r, row in enumerate((("Année", "Montant"), ("2021", "800 000 euros"), ("2022", "1,2 million"))):
                for k, value in enumerate(row):
                    table.cell(r, k).text = value
    document.save(str(path))


# ------------------------------------------------------------------------------------------ children


def child_read(path: str) -> dict:
    from trpipe.read import read_source
    from trpipe.segment import segment_blocks

    started = time.perf_counter()
    source = read_source(path)
    read_s = time.perf_counter() - started
    segments = segment_blocks(source.text, source.blocks, "fr")
    total = time.perf_counter() - started
    sentences = sum(len(s.sentences) for s in segments)
    sample, size = [], 0
    for segment in segments:
        if size >= SAMPLE_CHARS:
            break
        sample.append(segment.text)
        size += len(segment.text)
    return {
        "read_s": read_s,
        "read_segment_s": total,
        "chars": len(source.text),
        "segments": len(segments),
        "sentences": sentences,
        "sample": "\n\n".join(sample) + "\n",
    }


def child_translate(text_path: str, registry: str) -> dict:
    from trpipe.models.registry import load_registry
    from trpipe.session import Session
    from trpipe.settings import Settings

    settings = Settings(targets=("en",), source_lang="fr", summary=False, device="cpu")
    session = Session(load_registry(registry), settings, cache=False)
    started = time.perf_counter()
    translator = session.models.translator_for("fr", "en", settings)
    session.translate_text("Le conseil a voté le budget mardi.", summary=False)  # warm
    load_s = time.perf_counter() - started
    text = Path(text_path).read_text(encoding="utf-8")
    started = time.perf_counter()
    document = session.translate_text(text, summary=False)
    translate_s = time.perf_counter() - started
    backend = type(translator).__name__
    session.close()
    return {
        "load_s": load_s,
        "translate_s": translate_s,
        "chars": len(text),
        "sentences": sum(len(s.sentences) for s in document.segments),
        "backend": backend,
    }


def run_child(argv: list[str], env: dict | None = None) -> dict:
    """A child process; its JSON result (stdout's last line) with wall time and peak RSS (MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    status = proc.returncode
    if status != 0:
        raise RuntimeError(f"{' '.join(map(str, argv[:6]))} failed ({status}): {err.decode()[-2000:]}")
    lines = out.decode().strip().splitlines()
    data = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    data["wall_s"] = wall
    return data


def peak_rss(argv: list[str], env: dict) -> tuple[float, float, int]:
    """``(peak RSS MB, wall s, exit status)`` of a child process."""
    started = time.perf_counter()
    with open(WORK / "child.stderr", "w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024, time.perf_counter() - started, os.waitstatus_to_exitcode(status)


# ------------------------------------------------------------------------------------------ server


def _pages(count: int) -> list[bytes]:
    import corpus

    out = []
    for n, article in enumerate(corpus.make_articles(count, seed=corpus.SEED + 7)):
        parts = article.strip().split("\n\n")
        body = "".join(f"<p>{p}</p>" for p in parts[1:])
        out.append(
            (
                f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>{parts[0]}</title></head><body>"
                "<nav><a href='/'>Accueil</a> <a href='/region'>Région</a> <a href='/monde'>Monde</a></nav>"
                f"<article><h1>{parts[0]}</h1><p class='byline'>Par la rédaction, article {n}</p>{body}</article>"
                "<footer><p>© Journal régional. Tous droits réservés.</p></footer></body></html>"
            ).encode()
        )
    return out


def _feed(base: str, entries: int) -> bytes:
    items = "".join(
        f"<item><title>Article {n}</title><link>{base}/a{n}.html</link><guid>e{n}</guid>"
        f"<pubDate>Mon, 01 Mar 2021 10:{n % 60:02d}:00 GMT</pubDate></item>"
        for n in range(entries)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Journal</title>'
        f"<link>{base}/</link><description>Actualités</description>{items}</channel></rss>"
    ).encode()


def serve(pages: list[bytes]):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    feeds: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = self.path
            if path.startswith("/a") and path.endswith(".html"):
                body, kind = pages[int(path[2:-5]) % len(pages)], "text/html; charset=utf-8"
            elif path in feeds:
                body, kind = feeds[path], "application/rss+xml"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    return httpd, base, feeds


# The test-echo backend, without the record of every batch it keeps for the tests (it would grow with the run);
# every SAMPLE_EVERY articles, the RSS (and whether trafilatura has loaded its justext stoplists) to a file.
CLI = (
    "import sys; sys.path.insert(0, {tests!r}); sys.path.insert(0, {here!r}); import echo_backend, read_bench; "
    "echo_backend.EchoTranslator.translate_batch = lambda self, texts: [f'<{{t}}>' for t in texts]; "
    "read_bench.sample_rss({samples!r}); from trpipe.cli import main; sys.argv = ['trpipe'] + {args!r}; main()"
)
SAMPLE_EVERY = 50


def sample_rss(path: str) -> None:
    """In a batch child: after every SAMPLE_EVERY articles, append ``count rss_mb justext`` to ``path``."""
    import trpipe.engines.report as report

    count = report.RunReport.count
    done = [0]

    def counted(self, document) -> None:
        count(self, document)
        done[0] += 1
        if done[0] % SAMPLE_EVERY == 0:
            status = Path("/proc/self/status").read_text()
            rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024
            external = sys.modules.get("trafilatura.external")
            justext = int(getattr(external, "JT_STOPLIST", None) is not None)
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(f"{done[0]} {rss:.0f} {justext}\n")

    report.RunReport.count = counted


def batch_argv(kind: str, size: int, base: str, registry: Path) -> list[str]:
    out = WORK / f"out-{kind}-{size}"
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(WORK / "cache", ignore_errors=True)
    args = ["translate", "--to", "en", "--from", "fr", "--backend", "test-echo", "--no-summary", "--models"]
    args += [str(registry), "--allow-private-urls", "-o", str(out), "--format", "json", "-q"]
    args += ["--cache-dir", str(WORK / "cache")]
    if kind == "feed":
        args += ["--feed", f"{base}/feed{size}.xml"]
    else:
        urls = WORK / f"urls{size}.txt"
        urls.write_text("".join(f"{base}/a{n}.html\n" for n in range(size)), encoding="utf-8")
        args += ["--urls", str(urls)]
    samples = WORK / f"rss-{kind}-{size}.txt"
    samples.unlink(missing_ok=True)
    code = CLI.format(tests=str(REPO / "tests"), here=str(HERE), samples=str(samples), args=args)
    return [sys.executable, "-c", code]


# ------------------------------------------------------------------------------------------ main


def measure_documents(args, registry: Path) -> list[dict]:
    WORK.mkdir(parents=True, exist_ok=True)
    documents = {"pdf": WORK / f"press-{PDF_PAGES}p.pdf", "docx": WORK / f"press-{DOCX_PAGES}p.docx"}
    if not documents["pdf"].is_file() or args.rebuild:
        build_pdf(documents["pdf"], PDF_PAGES)
    if not documents["docx"].is_file() or args.rebuild:
        build_docx(documents["docx"], DOCX_PAGES)
    rows = []
    for fmt, path in documents.items():
        reads = []
        for _ in range(args.reps):
            reads.append(run_child([sys.executable, __file__, "--child", "read", str(path)]))
        read = min(reads, key=lambda r: r["read_segment_s"])
        sample = WORK / f"sample-{fmt}.txt"
        sample.write_text(read["sample"], encoding="utf-8")
        translations = [
            run_child([sys.executable, __file__, "--child", "translate", str(sample), str(registry)])
            for _ in range(args.reps)
        ]
        translation = min(translations, key=lambda t: t["translate_s"])
        per_char = translation["translate_s"] / translation["chars"]
        whole = per_char * read["chars"] + translation["load_s"]
        rows.append(
            {
                "format": fmt,
                "pages": PDF_PAGES if fmt == "pdf" else DOCX_PAGES,
                "bytes": path.stat().st_size,
                "chars": read["chars"],
                "segments": read["segments"],
                "sentences": read["sentences"],
                "read_s": [round(r["read_segment_s"], 2) for r in reads],
                "read_best_s": read["read_segment_s"],
                "sample_chars": translation["chars"],
                "sample_sentences": translation["sentences"],
                "sample_translate_s": [round(t["translate_s"], 2) for t in translations],
                "load_s": translation["load_s"],
                "backend": translation["backend"],
                "translate_whole_s": whole,
                "share": read["read_segment_s"] / whole,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def measure_batches(args, echo_registry: Path) -> list[dict]:
    """Peak RSS of batches of each size, interleaved; the goal compares 500 entries with 50."""
    sizes = {"feed": (50, 500), "urls": (50, 500, 1000)}
    if args.quick:
        sizes = {"feed": (10, 100), "urls": (10, 100, 200)}
    pages = _pages(max(max(s) for s in sizes.values()))
    httpd, base, feeds = serve(pages)
    for size in sizes["feed"]:
        feeds[f"/feed{size}.xml"] = _feed(base, size)
    env = {**os.environ, "TRPIPE_QUIET": "1", "HF_HUB_OFFLINE": "1"}
    runs: dict[tuple[str, int], list[tuple[float, float]]] = {}
    curves: dict[tuple[str, int], list[str]] = {}  # the last run's RSS samples along the batch
    try:
        for _rep in range(args.reps):
            for kind, chosen in sizes.items():
                for size in chosen:
                    rss, wall, status = peak_rss(batch_argv(kind, size, base, echo_registry), env)
                    if status != 0:
                        errors = (WORK / "child.stderr").read_text(encoding="utf-8")[-2000:]
                        raise RuntimeError(f"{kind} {size}: exit {status}: {errors}")
                    done = len(list((WORK / f"out-{kind}-{size}").glob("*.json")))
                    if done != size:
                        raise RuntimeError(f"{kind} {size}: {done} outputs")
                    runs.setdefault((kind, size), []).append((rss, wall))
                    samples = WORK / f"rss-{kind}-{size}.txt"
                    curves[kind, size] = samples.read_text(encoding="utf-8").split() if samples.is_file() else []
                    print(f"{kind} {size}: {rss:.0f} MB, {wall:.1f} s", flush=True)
    finally:
        httpd.shutdown()
        httpd.server_close()
    rows = []
    for kind, chosen in sizes.items():
        base_rss = statistics.median(r for r, _ in runs[kind, chosen[0]])
        for size in chosen:
            rss = [r for r, _ in runs[kind, size]]
            rows.append(
                {
                    "kind": kind,
                    "size": size,
                    "rss": [round(r) for r in rss],
                    "wall": statistics.median(w for _, w in runs[kind, size]),
                    "growth": statistics.median(rss) / base_rss - 1,
                    "base": chosen[0],
                    "goal": size == chosen[1],
                    "curve": [
                        (int(c), int(r), int(j)) for c, r, j in zip(*[iter(curves[kind, size])] * 3, strict=True)
                    ],
                }
            )
    return rows


def write_results(documents: list[dict], batches: list[dict], machine: dict) -> None:
    """READ.md from the measurements; its hand-written Analysis (between the markers) is kept."""
    import bench

    analysis = bench.kept_analysis(RESULTS)
    lines = [
        "# Reading documents, feeds and URL lists: measurements",
        "",
        "Written by `python benchmarks/read_bench.py` (see its docstring for the method). The machine was shared "
        "with other work (load average below); each figure is the best (documents) or the median (batches) of "
        "interleaved runs, each in a process of its own.",
        "",
        "## Reading beside translating (goal: reading and segmenting under 5 % of translating)",
        "",
        "| document | size | text | segments / sentences | read + segment (runs) | sample translated "
        "| whole translation (extrapolated) | share | goal |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in documents:
        met = "met" if row["share"] < GOAL_SHARE else "**missed**"
        lines.append(
            f"| {row['pages']}-page {row['format'].upper()} | {row['bytes'] / 1024:.0f} KB | {row['chars']:,} chars "
            f"| {row['segments']:,} / {row['sentences']:,} "
            f"| {row['read_best_s']:.2f} s ({', '.join(map(str, row['read_s']))}) "
            f"| {row['sample_chars']:,} chars, {row['sample_sentences']} sentences in "
            f"{min(row['sample_translate_s']):.1f} s | {row['translate_whole_s'] / 60:.0f} min "
            f"(+ {row['load_s']:.1f} s loading) | {100 * row['share']:.2f} % | {met} |"
        )
    lines += [
        "",
        f"Translation: the benchmark's fr-en model of the real opus-mt shape (build_model.py), trpipe's default "
        f"backend ({documents[0]['backend'] if documents else '?'}), 4 beams, K new tokens a sentence, on the CPU; "
        "measured on the sample and extrapolated per character to the whole document.",
        "",
        "## Feeds and URL lists in bounded memory (goal: 500 entries' peak RSS within 10 % of 50's)",
        "",
        "| batch | peak RSS (runs) | against the smallest | wall | goal |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in batches:
        name = "feed entries" if row["kind"] == "feed" else "URL list lines"
        goal = ""
        if row["goal"]:
            goal = "met" if row["growth"] <= GOAL_MEMORY else "**missed**"
        against = "" if row["size"] == row["base"] else f"{100 * row['growth']:+.1f} % (vs {row['base']})"
        lines.append(
            f"| {row['size']} {name} | {statistics.median(row['rss']):.0f} MB ({', '.join(map(str, row['rss']))}) "
            f"| {against} | {row['wall']:.0f} s | {goal} |"
        )
    largest = max(batches, key=lambda r: r["size"], default=None)
    if largest and largest["curve"]:
        justext = next((c for c, _r, j in largest["curve"] if j), None)
        lines += [
            "",
            f"RSS along the largest batch ({largest['size']} {largest['kind']}), every {SAMPLE_EVERY} articles: "
            + ", ".join(f"{c}: {r}" for c, r, _j in largest["curve"])
            + " MB"
            + (
                f"; trafilatura had loaded its justext stoplists (all languages) by article {justext}."
                if justext
                else "; trafilatura never needed its justext fallback."
            ),
        ]
    lines += [
        "",
        "Batches: the `test-echo` backend (no model), each page fetched from a local HTTP server, extracted, "
        "segmented, checked and written as JSON; the fetch cache on.",
        "",
        *bench.analysis_lines(analysis),
        "## Machine",
        "",
        f"- {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('ram_gib')} GiB; {machine.get('os')}",
        f"- trpipe {machine.get('trpipe')}, ctranslate2 {machine.get('ctranslate2')}; load average at the start / "
        f"end: {machine.get('load_start')} / {machine.get('load_end')}",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition, small batches; write nothing")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the documents")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", choices=("documents", "batches"))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.child:
        kind, *rest = args.child
        result = child_read(*rest) if kind == "read" else child_translate(*rest)
        print(json.dumps(result))
        return
    if args.quick:
        args.reps = 1
    import bench
    import build_model

    machine = {**bench.machine_info(), "load_start": bench.loadavg()}
    WORK.mkdir(parents=True, exist_ok=True)
    documents = batches = []
    if args.only != "batches":
        build_model.build()
        documents = measure_documents(args, build_model.REGISTRY)
    if args.only != "documents":
        from trpipe.models.demo import write_registry

        echo = write_registry(WORK / "echo.yaml", {"fr-en": "echo/fr-en", "en-fr": "echo/en-fr"})
        batches = measure_batches(args, echo)
    machine["load_end"] = bench.loadavg()
    if not args.quick and not args.only:
        write_results(documents, batches, machine)
    print(json.dumps({"documents": documents, "batches": batches, "machine": machine}, indent=2, default=str))


if __name__ == "__main__":
    main()
