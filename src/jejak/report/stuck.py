"""What to say of the stuck beside their counts (the CLI and the report): kept out of
the HTML report's modules, which load the charts."""

from __future__ import annotations

from typing import Any

from jejak.language import localised, ngettext


def recently_stuck_note(found: Any) -> str:
    """Why no one is recently stuck though some are stuck (everyone stalled earlier), and
    how to look further back; empty when someone is, or nobody is stuck at all."""
    table = found.table
    if not table["stuck"].sum() or table["recently_stuck"].sum():
        return ""
    within = float(found.meta["within"])
    said = ngettext(
        "Nobody passed a stage's usual time in the last {days} day: everyone stuck stalled"
        " earlier, so no one joined or moved on late enough in the data. To look further"
        " back, count over more days: --within in the CLI, within= in the library and API.",
        "Nobody passed a stage's usual time in the last {days} days: everyone stuck stalled"
        " earlier, so no one joined or moved on late enough in the data. To look further"
        " back, count over more days: --within in the CLI, within= in the library and API.",
        1 if within == 1 else 2,
    )
    return said.format(days=localised(f"{within:g}"))
