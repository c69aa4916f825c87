"""The report sections of touchpoint effectiveness (:mod:`jejak.analyses.effectiveness`)."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext, ngettext, stage
from jejak.report import formatting as fmt
from jejak.report.figures.effectiveness import MOST_PER_STAGE, shown_effects
from jejak.report.html.page import Section


def touchpoint_sections(ratios: Any, effects: Any) -> list[Section]:
    """The report sections on which touchpoints come before conversions and which help."""
    from jejak.report.tables import touchpoint_effect_table, touchpoint_ratio_table

    goal = stage(ratios.meta["goal"])
    ratio_intro = gettext(
        "For every touchpoint, how many people had it, how many conversions to {goal} it came"
        " before, and how many times it happened on the way to each of them (the"
        " touchpoint-to-purchase ratio). This is the business-side view; the next section asks"
        " whether a touchpoint helped."
    ).format(goal=goal)
    by = effects.meta["by"]
    effect_intro = gettext(
        "Per stage, how fast people moved on to a later stage after a {field} touch there,"
        " compared with people at the same time in the stage who had not had it (1x: no"
        " difference; the whiskers are 95% intervals). A verdict needs at least {count} people"
        " on each side."
    ).format(field=gettext(by), count=effects.meta["min_people"])
    effect_intro += "\n\n" + gettext(
        "Observational: people who had a touchpoint may differ in other ways too. Test a"
        " promising one with a campaign and a holdout before moving budget."
    )
    shown, left_out = shown_effects(effects.table)
    effect_intro += "\n\n" + gettext(
        "The chart and the table show the same rows: per stage, the {most} values most people"
        " had. A value with fewer than {count} people on a side is a hollow dot, with its"
        " interval, too few to judge; an arrowhead marks an interval that runs past the"
        " chart's edge."
    ).format(most=MOST_PER_STAGE, count=effects.meta["min_people"])
    if left_out:
        effect_intro += " " + ngettext(
            "{count} more row, with fewer people, is left out here; 'jejak touchpoints"
            " --effects --by {field} --output effects.csv' exports every row.",
            "{count} more rows, with fewer people, are left out here; 'jejak touchpoints"
            " --effects --by {field} --output effects.csv' exports every row.",
            left_out,
        ).format(count=fmt.people(left_out), field=by)
    return [
        Section(
            heading=ratios.title,
            intro=ratio_intro,
            figures=[ratios.figure()],
            table=touchpoint_ratio_table(ratios.table.head(15)),
        ),
        Section(
            heading=effects.title,
            intro=effect_intro,
            figures=[effects.figure()],
            table=touchpoint_effect_table(shown, effects.meta["min_people"]),
        ),
    ]
