"""Finding the flags: the count per check in the header (each a link to the first segment it flagged),
and on each flag links to the previous and next segment flagged by the same check; each flag shows its
severity and evidence, and the overview counts error flags (warnings and notes apart)."""

from __future__ import annotations

from trpipe.checks.text import severity as flag_severity
from trpipe.records import Document
from trpipe.render.common import evidence_text
from trpipe.render.report.escape import esc
from trpipe.render.report.shading import legend


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def flag_chains(document: Document) -> dict[str, list[str]]:
    """For each check, in article order, the ids of the segments it flagged (each once)."""
    chains: dict[str, list[str]] = {}
    for segment in document.segments:
        for flag in segment.flags:
            chain = chains.setdefault(str(flag.get("check", "?")), [])
            if segment.id not in chain:
                chain.append(segment.id)
    return chains


def flag_item(flag: dict, segment_id: str, chains: dict[str, list[str]], lead: str = "", index: int = 0) -> str:
    """One flag of segment ``segment_id`` (``index``: its place among the segment's flags), with links along its
    check's chain (back to the overview at either end); ``lead``: markup before its text (its sentence)."""
    check = str(flag.get("check", "?"))
    chain = chains.get(check, [segment_id])
    at = chain.index(segment_id) if segment_id in chain else 0
    before = f"#{chain[at - 1]}" if at > 0 else "#flags"
    after = f"#{chain[at + 1]}" if at + 1 < len(chain) else "#flags"
    nav = (
        f'<nav><a class="flag-prev" href="{esc(before)}" title="previous segment flagged {esc(check)}">↑ prev</a>'
        f'<a class="flag-next" href="{esc(after)}" title="next segment flagged {esc(check)}">next ↓</a>'
        f"{at + 1}/{len(chain)}</nav>"
    )
    severity = flag_severity(flag)
    evidence = evidence_text(flag)
    shown = f' <span class="evidence">evidence: {esc(evidence)}</span>' if evidence else ""
    return (
        f'<li data-check="{esc(check)}" data-flag="{index}" data-severity="{severity}" class="sev-{severity}">'
        f'{lead}{esc(check)} <span class="severity">{severity}</span>: {esc(flag.get("detail", ""))}{shown}{nav}</li>'
    )


def overview(document: Document, chains: dict[str, list[str]]) -> list[str]:
    """The flag count per check, each linking to the first segment it flagged; what the shading means."""
    out = []
    counts: dict[str, list[int]] = {}  # check -> [errors, warnings and notes]
    for segment in document.segments:
        for flag in segment.flags:
            count = counts.setdefault(str(flag.get("check", "?")), [0, 0])
            count[0 if flag_severity(flag) == "error" else 1] += 1
    if counts:
        links = "".join(
            f'<a class="flag-link" data-check="{esc(check)}" data-warnings="{w}" href="#{esc(chains[check][0])}">'
            f"{esc(check)} {n if n else f'({w} warning{_s(w)})'}</a>"
            for check, (n, w) in counts.items()
        )
        total = sum(n for n, _ in counts.values())
        others = sum(w for _, w in counts.values())
        segments = sum(1 for s in document.segments if s.flags)
        more = f" and {others} warning{_s(others)} or note{_s(others)}" if others else ""
        out.append(
            f'<nav id="flags" class="flag-overview">⚠ {total} error flag{_s(total)}{more} in {segments} '
            f'segment{_s(segments)}: {links}<span class="hint">(n / p: next / previous flagged '
            "segment)</span></nav>"
        )
    else:
        out.append('<nav id="flags" class="flag-overview none">No flags: every check passed.</nav>')
    return [*out, *legend(document)]
