"""Finding the flags: the count per check in the header (each a link to the first segment it flagged),
and on each flag links to the previous and next segment flagged by the same check."""

from __future__ import annotations

from trpipe.records import Document
from trpipe.render.report.escape import esc
from trpipe.render.report.shading import legend


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
    return (
        f'<li data-check="{esc(check)}" data-flag="{index}">{lead}{esc(check)}: {esc(flag.get("detail", ""))}{nav}</li>'
    )


def overview(document: Document, chains: dict[str, list[str]]) -> list[str]:
    """The flag count per check, each linking to the first segment it flagged; what the shading means."""
    out = []
    counts: dict[str, int] = {}
    for segment in document.segments:
        for flag in segment.flags:
            counts[str(flag.get("check", "?"))] = counts.get(str(flag.get("check", "?")), 0) + 1
    if counts:
        links = "".join(
            f'<a class="flag-link" data-check="{esc(check)}" href="#{esc(chains[check][0])}">{esc(check)} {n}</a>'
            for check, n in counts.items()
        )
        total, segments = sum(counts.values()), sum(1 for s in document.segments if s.flags)
        out.append(
            f'<nav id="flags" class="flag-overview">⚠ {total} flag{"s" if total > 1 else ""} in {segments} '
            f'segment{"s" if segments > 1 else ""}: {links}<span class="hint">(n / p: next / previous flagged '
            "segment)</span></nav>"
        )
    else:
        out.append('<nav id="flags" class="flag-overview none">No flags: every check passed.</nav>')
    return [*out, *legend(document)]
