"""The report section of drivers (:mod:`jejak.analyses.drivers`)."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext, ngettext
from jejak.language import stage as stage_label
from jejak.report import formatting as fmt
from jejak.report.figures.drivers import staged
from jejak.report.figures.effectiveness import MOST_PER_STAGE, shown_effects
from jejak.report.html.page import Section


def driver_sections(result: Any, chosen: bool = False) -> list[Section]:
    """The report section on what drives people on from each stage, and what holds them
    back; of a split funnel, of its one group (``chosen`` by the reader, or the one that
    loses the most people at the step)."""
    from jejak.report.tables import driver_table

    meta = result.meta
    if "step" in meta:  # a funnel's step
        intro = gettext(
            "Every touchpoint, channel and campaign people had after reaching {step}, tested"
            " at once: how fast people went on to {next} after it (within the funnel's"
            " window), compared with people who had reached {step} as long ago and had not"
            " had it. {people} reached {step}; {moved} of them went on."
        ).format(
            step=stage_label(meta["label"]),
            next=stage_label(meta["next"]),
            people=fmt.headcount(meta["people"]),
            moved=fmt.people(meta["moved"]),
        )
    else:
        intro = gettext(
            "Every touchpoint, channel and campaign people had in a stage, tested at once:"
            " how fast people moved on to a later stage after it, compared with people at"
            " the same time in the stage who had not had it."
        )
    if meta.get("group") is not None:
        field = str(meta["by"])  # a split's field, as the catalogue names it
        group = fmt.split_group(field, meta["group"])
        intro = (
            (
                gettext(
                    "The funnel is split by {by}: these drivers are of {group} only, chosen under"
                    " 'Drivers for'; the people counted here are theirs."
                )
                if chosen
                else gettext(
                    "The funnel is split by {by}: these drivers are of {group} only, the group"
                    " that loses the most people at this step; choose another under 'Drivers"
                    " for'. The people counted here are theirs."
                )
            ).format(by=gettext(field), group=group)
            + " "
            + intro
        )
    intro += " " + gettext(
        "1x: no difference; the whiskers are 95% intervals. Testing many values finds some"
        " by chance, so a value is called a driver (or said to hold people back) only when"
        " its q-value, its chance corrected for the {count} values tested"
        " (Benjamini-Hochberg), is under {level}. A verdict needs at least {people} people"
        " on each side."
    ).format(
        count=fmt.people(meta["tested"]),
        level=fmt.number(meta["q_level"], 2),
        people=fmt.people(meta["min_people"]),
    )
    intro += "\n\n" + gettext(
        "Observational: people who had a touchpoint may differ in other ways too. Test a"
        " promising one with a campaign and a holdout before moving budget."
    )
    shown, left_out = shown_effects(staged(result.table))
    shown = result.table.loc[shown.index]  # as the analysis names them (a step or a stage)
    intro += "\n\n" + gettext(
        "Per stage, the chart and the table show the drivers and what holds people back"
        " first, each by the moves on it gained or lost (the people it concerns), then the"
        " other values, {most} at most."
    ).format(most=MOST_PER_STAGE)
    if left_out:
        intro += " " + ngettext(
            "{count} more row is left out here; 'jejak drivers --output drivers.csv' exports"
            " every row.",
            "{count} more rows are left out here; 'jejak drivers --output drivers.csv' exports"
            " every row.",
            left_out,
        ).format(count=fmt.people(left_out))
    return [
        Section(
            heading=result.title,
            intro=intro,
            figures=[result.figure()],
            table=driver_table(shown, meta["min_people"]),
        )
    ]
