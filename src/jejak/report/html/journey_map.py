"""The report section of the journey map (:mod:`jejak.analyses.journey_map`)."""

from __future__ import annotations

import html
from typing import Any

from jejak.analyses.result import drawn
from jejak.language import N_, gettext
from jejak.report import journey_wall, wall_lanes
from jejak.report.html.page import Section


def journey_map_sections(journey_map: Any) -> list[Section]:
    """The report sections for a journey map: a wall chart with one lane per kind of
    customer; with the map's CX lanes, first who these people are and how they feel
    along the journey (the emotion curve), and the wall's rows of feeling, pain points
    and opportunities. An empty lane says why in its row."""
    by = journey_map.meta.get("by")
    lanes = getattr(journey_map, "lanes", None)
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
    wall = journey_wall.journey_wall_html(journey_map.table, journey_map.meta["stages"], by, lanes)
    if lanes is None:
        return [Section(heading=journey_map.title, intro=intro, html=wall, wide=True)]
    intro += "\n\n" + gettext(
        "Under the touchpoints, each lane shows how people felt in each stage (people with"
        " a good, neutral or bad experience there, and the NPS and review stars given"
        " there), the biggest pain points, and the opportunities worth a campaign."
    )
    no_curve = _empty(lanes, "feeling")
    # an empty lane says why in its row of the wall; no curve says why where it would be
    why = lanes.reasons.get("feeling") or gettext("Nothing to show for this lane.")
    return [
        Section(
            heading=gettext("{title}: who they are and how they feel").format(
                title=journey_map.title
            ),
            intro="" if no_curve else gettext(_FEELING_BY if by else _FEELING),
            html=personas_html(journey_map, lanes),
            figures=[] if no_curve else [drawn(journey_map, "feeling")],
            notes=[why] if no_curve else [],
            notes_title=gettext("Why there is no feeling curve"),
            wide=True,  # printed with the wall, on its landscape page
        ),
        Section(
            heading=journey_map.title,
            intro=intro,
            html=wall,
            wide=True,
            notes=_partial(lanes),
            notes_title=gettext("Worth knowing first"),
        ),
    ]


_FEELING = N_(
    "The feeling score is the share of people with a good experience in a stage less the"
    " share with a bad one, per 100 people: +100 when all had a good one, -100 when all"
    " had a bad one. The shaded band is its 95% interval."
)
_FEELING_BY = N_(
    "The feeling score is the share of people with a good experience in a stage less the"
    " share with a bad one, per 100 people: +100 when all had a good one, -100 when all"
    " had a bad one. The bars on each group's curve are its 95% interval."
)


def _partial(lanes: Any) -> list[str]:
    """What a lane with rows could not show (an empty lane says why in its own row)."""
    names = {
        "feeling": gettext("Feeling"),
        "pains": gettext("Pain points"),
        "opportunities": gettext("Opportunities"),
    }
    return [
        f"{name}: {lanes.reasons[lane]}"
        for lane, name in names.items()
        if not _empty(lanes, lane) and lanes.reasons.get(lane)
    ]


def _empty(lanes: Any, lane: str) -> bool:
    frame = getattr(lanes, lane)
    return frame is None or frame.empty


def personas_html(journey_map: Any, lanes: Any) -> str:
    """Each lane's persona, one paragraph each, its group named first."""
    by = journey_map.meta.get("by")
    paragraphs = []
    for value in wall_lanes.groups(journey_map.table, by, lanes):
        text = lanes.personas.get("" if value is None else str(value), "")
        if not text:
            continue
        name = (
            gettext("{field} = {value}").format(field=gettext(by), value=value)
            if by
            else gettext("Who these people are")
        )
        paragraphs.append(f"<p><b>{html.escape(str(name))}:</b> {html.escape(str(text))}</p>")
    return f'<div class="personas">{"".join(paragraphs)}</div>' if paragraphs else ""
