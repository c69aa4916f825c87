"""The report section of a comparison of two segments (:mod:`jejak.analyses.comparison`)."""

from __future__ import annotations

from typing import Any

from jejak.analyses.comparison import REST, side_name
from jejak.language import N_, gettext, stage
from jejak.report.comparisons import MOST, comparison_table, overlap_note, shown
from jejak.report.html.page import Section

# what each kind of comparison compares, for its introduction
INTROS: dict[str, str] = {
    "stages": N_(
        "Of each group, the share who reached each stage, and of those the share who went on"
        " to the next stage."
    ),
    "map": N_(
        "Of the transitions out of each touchpoint, the share that went straight to each"
        " next one: the clear changes first, then the others, each the largest first."
    ),
    "paths": N_("Of each group, the share whose journey to {goal} took each of the top paths."),
    "journey": N_(
        "Per stage, the share of the people who reached it who had each touchpoint there,"
        " and of those the share who moved on to a later stage."
    ),
}


def why_empty(result: Any) -> str:
    """Why a comparison has no row with a share on both sides, in a sentence: a side with
    nobody in it, transitions too rare to keep, or no row the two sides share."""
    meta = result.meta
    unit = "transitions" if meta["what"] == "map" else "people"
    for side in ("a", "b"):
        if not meta.get(f"{unit}_{side}"):
            if meta[side] == REST:  # everyone else: nobody is left beside the segment
                return gettext(
                    "Everyone here is in {a}, so nobody is left to compare it with."
                ).format(a=side_name(meta["a"]))
            name = side_name(meta[side])
            return gettext(
                "There is nobody in {side} here, so it has no share to compare with the"
                " other group's."
            ).format(side=name)
    a, b = side_name(meta["a"]), side_name(meta["b"])
    if meta["what"] == "map" and int(meta.get("min_count") or 1) > 1:
        return gettext(
            "No transition was seen at least {count} times in {a} and {b} together, so"
            " none is left to compare."
        ).format(count=meta["min_count"], a=a, b=b)
    return gettext(
        "No row has a share in both {a} and {b}, so there is no difference to show."
    ).format(a=a, b=b)


def comparison_sections(result: Any, more: str = "") -> list[Section]:
    """The report section for a comparison: each difference with its 95% interval as a
    chart, and the same rows as a table (at most :data:`MOST`, those with a share on both
    sides); with no such row, a sentence saying why instead of an empty chart. ``more``:
    a sentence after the one saying what is compared."""
    meta = result.meta
    intro_words = INTROS[meta["what"]]
    what = " ".join(
        filter(None, [gettext(intro_words).format(goal=stage(meta.get("goal", ""))), more])
    )
    if shown(result).empty:
        return [Section(heading=result.title, intro=what, notes=[why_empty(result)])]
    a, b = side_name(meta["a"]), side_name(meta["b"])
    intro = " ".join(
        [
            what,
            gettext(
                "A dot is {a}'s share minus {b}'s, in percentage points; its whiskers are the"
                " 95% interval (Newcombe). A difference is clear, in colour, when the interval"
                " leaves out 0. At most {most} rows are shown."
            ).format(a=a, b=b, most=MOST),
            overlap_note(result),
        ]
    ).strip()
    return [
        Section(
            heading=result.title,
            intro=intro,
            figures=[result.figure()],
            table=comparison_table(result),
        )
    ]


MOST_COMPARED = 3  # the report compares this many segments (the largest) with the rest
PATH_STEPS = 4  # the compared paths' touchpoints before the goal, as the report's top paths
# the journey map's touchpoints per stage of each side: its 20 rows (a touchpoint's share
# and its moving on) then reach every stage of an eight-stage journey, not only the first
JOURNEY_TOP = 1


def segment_comparison_sections(
    source: Any, most: int = MOST_COMPARED, *, goal: Any = None, min_count: int = 1
) -> list[Section]:
    """The report's comparisons: each of the ``most`` largest saved segments against
    everyone else (two sides nobody shares, so the intervals hold) on the stage funnel,
    and the largest also on the journey map, the process map (transitions seen fewer than
    ``min_count`` times left out) and the paths to ``goal`` (by default the journey's
    Convert stage, or its middle one). None without saved segments; saved segments that
    all have nobody in them: a section saying so."""
    if not source.segment_definitions():
        return []
    segments = source.segments().table
    segments = segments[segments["people"] > 0]
    if segments.empty:
        return [
            Section(
                heading=gettext("Segments compared with everyone else"),
                notes=[
                    gettext(
                        "None of the saved segments has anybody in it here, so none is"
                        " compared with everyone else."
                    )
                ],
            )
        ]
    largest = segments.sort_values(["people", "segment"], ascending=[False, True]).head(most)
    sections: list[Section] = []
    for i, name in enumerate(largest["segment"]):
        sides = source.compare(name)
        sections += comparison_sections(sides.stages())
        if i == 0:  # the largest: where its people go, and how, beside everyone else's
            each = gettext(
                "Each stage shows its most common touchpoint in each group, so every stage fits."
            )
            sections += comparison_sections(sides.journey_map(top=JOURNEY_TOP), each)
            sections += comparison_sections(sides.process_map(min_count=min_count))
            sections += comparison_sections(sides.paths(goal, steps=PATH_STEPS))
    return sections
