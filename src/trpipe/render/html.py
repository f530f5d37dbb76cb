"""The HTML report (``--format html``): the renderer lives in the package ``trpipe.render.report``."""

from __future__ import annotations

from trpipe.render.report.assets import content_security_policy
from trpipe.render.report.nav import flag_chains
from trpipe.render.report.page import render_html
from trpipe.render.report.shading import LOW_SCORE, VERY_LOW_SCORE

__all__ = ["LOW_SCORE", "VERY_LOW_SCORE", "content_security_policy", "flag_chains", "render_html"]
