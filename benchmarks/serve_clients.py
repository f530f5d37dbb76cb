"""Drive a running ``trpipe serve`` with the published LibreTranslate clients themselves, unmodified.

    trpipe models demo benchmarks/.work/demo
    TRPIPE_MODELS=benchmarks/.work/demo/models.yaml trpipe serve --load fr-en --port 5077 &
    python benchmarks/serve_clients.py --setup --url http://127.0.0.1:5077

``--setup`` installs the clients at the versions below into ``benchmarks/.work/`` (a virtual environment of
their own for the Python ones, an npm folder for the JavaScript ones; never the project's dependencies).
Each client translates (source given and ``auto``), detects and lists languages where it can; a line per
call says what came back. translatepy has its server's address written in its code: its session gets a
transport that sends its requests, headers and all, to ``--url`` instead. The suite replays these clients'
requests in tests/test_serve_clients.py; this script is the check against the clients' own code.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import venv
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
PYTHON_CLIENTS = ["deep-translator==1.11.4", "translatepy==2.3", "libretranslatepy==2.1.4"]
NPM_CLIENTS = ["libretranslate@1.0.1", "libretranslate-ts@0.5.12", "translate@3.1.0"]
FR = "Le conseil régional a voté le budget mardi."

PYTHON_DRIVER = r"""
import sys
from requests.adapters import HTTPAdapter

URL, FR = sys.argv[1], sys.argv[2]

def show(client, call, run):
    try:
        print(f"ok    {client:<18} {call:<28} {str(run())[:60]!r}")
    except Exception as exc:
        print(f"FAIL  {client:<18} {call:<28} {type(exc).__name__}: {exc}"[:160])

from deep_translator import LibreTranslator
dt = LibreTranslator(source="fr", target="en", custom_url=URL + "/", api_key="any")
show("deep-translator", "translate fr-en", lambda: dt.translate(FR))
show("deep-translator", "translate_batch", lambda: dt.translate_batch([FR, FR]))
auto = LibreTranslator(source="auto", target="en", custom_url=URL + "/", api_key="any")
show("deep-translator", "translate auto", lambda: auto.translate(FR))

from libretranslatepy import LibreTranslateAPI
lt = LibreTranslateAPI(URL)
show("libretranslatepy", "translate fr-en", lambda: lt.translate(FR, "fr", "en"))
show("libretranslatepy", "detect", lambda: lt.detect(FR))
show("libretranslatepy", "languages", lambda: len(lt.languages()))

from translatepy.translators.libre import LibreTranslate
from translatepy.utils.request import Request

class ToServer(HTTPAdapter):
    def send(self, request, **kwargs):
        request.url = request.url.replace("https://libretranslate.com", URL)
        return super().send(request, **kwargs)

session = Request()
session.session.mount("https://libretranslate.com", ToServer())
tp = LibreTranslate(request=session)
show("translatepy", "translate fr-en", lambda: tp.translate(FR, "English", "French").result)
show("translatepy", "translate auto", lambda: tp.translate(FR, "English").result)
"""

NODE_DRIVER = r"""
import lt from "libretranslate";
import { libreTranslate } from "libretranslate-ts";
import translate from "translate";
const [url, fr] = process.argv.slice(2);
async function show(client, call, run) {
  try {
    const got = await run();
    if (got === undefined || got === "" || (got && got.error)) throw new Error(JSON.stringify(got));
    console.log(`ok    ${client.padEnd(18)} ${call.padEnd(28)} ${JSON.stringify(got).slice(0, 60)}`);
  } catch (e) {
    console.log(`FAIL  ${client.padEnd(18)} ${call.padEnd(28)} ${e.message}`.slice(0, 160));
  }
}
const given = { query: fr, source: "fr", target: "en", apiurl: url };
await show("libretranslate", "translate fr-en", () => lt.translate(given));
await show("libretranslate", "translate auto", () => lt.translate({ query: fr, target: "en", apiurl: url }));
libreTranslate.setApiEndpoint(url);
await show("libretranslate-ts", "listLanguages", async () => (await libreTranslate.listLanguages()).length);
await show("libretranslate-ts", "detect", () => libreTranslate.detect(fr));
await show("libretranslate-ts", "translate fr-en, 2 alts", () => libreTranslate.translate(fr, "fr", "en", 2));
await show("libretranslate-ts", "translate auto", () => libreTranslate.translate(fr, "auto", "en"));
translate.engine = "libre";
translate.url = url + "/translate";
await show("translate", "translate fr-en", () => translate(fr, { from: "fr", to: "en" }));
"""


def setup() -> None:
    env = WORK / "clients-venv"
    if not env.exists():
        venv.create(env, with_pip=True)
    subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", *PYTHON_CLIENTS], check=True)
    npm = WORK / "npm"
    npm.mkdir(parents=True, exist_ok=True)
    if not (npm / "package.json").exists():
        (npm / "package.json").write_text('{"name": "trpipe-clients", "private": true}\n', encoding="utf-8")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", *NPM_CLIENTS], cwd=npm, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000", help="the running trpipe serve")
    parser.add_argument("--setup", action="store_true", help="install the clients into benchmarks/.work first")
    args = parser.parse_args()
    if args.setup:
        setup()
    url = args.url.rstrip("/")
    python = WORK / "clients-venv" / "bin" / "python"
    out = subprocess.run([str(python), "-c", PYTHON_DRIVER, url, FR], capture_output=True, text=True)
    print(out.stdout + out.stderr, end="")
    script = WORK / "npm" / "drive.mjs"
    script.write_text(NODE_DRIVER, encoding="utf-8")
    node = subprocess.run(["node", str(script), url, FR], capture_output=True, text=True, cwd=script.parent)
    print(node.stdout + node.stderr, end="")
    failed = (out.stdout + node.stdout).count("FAIL") + out.returncode + node.returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
