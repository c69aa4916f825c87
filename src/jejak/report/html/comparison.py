"""The report section of a comparison of two segments (:mod:`jejak.analyses.comparison`)."""

from __future__ import annotations

from typing import Any

from jejak.analyses.comparison import side_name
from jejak.language import N_, gettext
from jejak.report.comparisons import MOST, comparison_table, overlap_note
from jejak.report.html.page import Section

# what each kind of comparison compares, for its introduction
INTROS: dict[str, str] = {
    "stages": N_(
        "Of each group, the share who reached each stage, and of those the share who went on"
        " to the next stage."
    ),
    "map": N_(
        "Of the transitions out of each touchpoint, the share that went straight to each"
        " next one: the transitions that gained or lost the most share first."
    ),
    "paths": N_("Of each group, the share whose journey to {goal} took each of the top paths."),
    "journey": N_(
        "Per stage, the share of the people who reached it who had each touchpoint there,"
        " and of those the share who moved on to a later stage."
    ),
}


def comparison_sections(result: Any) -> list[Section]:
    """The report section for a comparison: each difference with its 95% interval as a
    chart, and the same rows as a table (at most :data:`MOST`, those with a share on both
    sides)."""
    meta = result.meta
    intro_words = INTROS[meta["what"]]
    a, b = side_name(meta["a"]), side_name(meta["b"])
    intro = " ".join(
        [
            gettext(intro_words).format(goal=meta.get("goal", "")),
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


def segment_comparison_sections(source: Any, most: int = MOST_COMPARED) -> list[Section]:
    """The report's comparisons: each of the ``most`` largest saved segments against
    everyone else, on the stage funnel (two sides nobody shares, so the intervals hold);
    none without saved segments that have people."""
    segments = source.segments().table
    segments = segments[segments["people"] > 0]
    largest = segments.sort_values(["people", "segment"], ascending=[False, True]).head(most)
    sections: list[Section] = []
    for name in largest["segment"]:
        sections += comparison_sections(source.compare(name).stages())
    return sections
