"""The report section of the journey map (:mod:`jejak.analyses.journey_map`)."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext
from jejak.report import journey_wall
from jejak.report.html.page import Section


def journey_map_sections(journey_map: Any) -> list[Section]:
    """The report section for a journey map: a wall chart with one lane per kind of customer."""
    by = journey_map.meta.get("by")
    intro = gettext(
        "Each column is a stage; in it, the touchpoints people had while in that stage, most"
        " people first. A card says how many people had it, how many of them moved on to a"
        " later stage (green: most did; red: few did), and the context and need it served"
        " most often."
    )
    if by:
        intro += " " + gettext(
            "One lane per first-touch {field}, stages aligned, so the kinds of customer"
            " compare stage by stage."
        ).format(field=gettext(by))
    wall = journey_wall.journey_wall_html(journey_map.table, journey_map.meta["stages"], by)
    return [Section(heading=journey_map.title, intro=intro, html=wall, wide=True)]
