"""The report section of the process map (:mod:`jejak.analyses.process_map`)."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext
from jejak.report.html.page import Section


def process_map_sections(process_map: Any, top: int = 20) -> list[Section]:
    """The report section for a process map: the map and its most frequent transitions."""
    from jejak.report.tables import transitions_table

    intro = gettext(
        "Which touchpoint people do next. Each dot is a touchpoint, in the stage people were"
        " in when it happened most often; each line is people going straight from one"
        " touchpoint to the next, thicker when more frequent. The table lists the {top} most"
        " frequent transitions."
    ).format(top=top)
    table = process_map.table.head(top)
    return [
        Section(
            heading=gettext("How people move between touchpoints"),
            intro=intro,
            figures=[process_map.figure()],
            table=transitions_table(table),
        )
    ]
