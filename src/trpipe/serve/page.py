"""The web page at ``/``: plain HTML, one stylesheet and one script, served by the app (no build step, no CDN).

The page sends its work to ``/v1/jobs``, follows the job's events, and shows the result as trpipe's HTML
report in a sandboxed frame (``srcdoc``, no scripts but the report's own, which its policy allows): whatever
the input holds stays text.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter()

ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "frame-src 'self' blob: data: about:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _asset(name: str) -> bytes:
    return resources.files("trpipe.serve").joinpath("page", name).read_bytes()


def _headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


@router.get("/", include_in_schema=False)
async def index():
    return Response(_asset("index.html"), media_type="text/html; charset=utf-8", headers=_headers())


@router.get("/page/{name}", include_in_schema=False)
async def asset(name: str):
    if name not in ASSETS:  # a fixed list: no request names a file
        return Response(b'{"error": "Not found"}', status_code=404, media_type="application/json")
    return Response(_asset(name), media_type=f"{ASSETS[name]}; charset=utf-8", headers=_headers())
