"""The HTML report's skeleton, style and script are package data: loadable with importlib.resources, in the
page exactly as in their files, and allowed by the page's policy by the hashes of that exact text."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from importlib.resources import files

import pytest

from render_samples import hand_made
from trpipe.render.html import render_html
from trpipe.render.report import assets


@pytest.mark.parametrize("name", ["page.html", *assets.STYLES, *assets.SCRIPTS])
def test_each_asset_is_package_data(name):
    resource = files("trpipe.render.report").joinpath(name)
    assert resource.is_file()
    assert resource.read_text(encoding="utf-8").strip()
    assert assets.asset(name) == resource.read_text(encoding="utf-8")


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_the_page_inlines_the_asset_files_and_hashes_their_exact_text():
    page = render_html(hand_made())
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    assert style.strip() == "".join(assets.asset(n) for n in assets.STYLES).replace("COLS", "2").strip()
    assert script.strip() == "".join(assets.asset(n) for n in assets.SCRIPTS).strip()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    policy = html.unescape(policy)
    assert f"style-src {_digest(style)};" in policy and f"script-src {_digest(script)};" in policy
    skeleton = [line for line in assets.asset("page.html").splitlines() if "$" not in line]
    assert all(line in page.splitlines() for line in skeleton)
    assert "${" not in page
