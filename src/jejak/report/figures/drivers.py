"""The chart of drivers (:mod:`jejak.analyses.drivers`): a forest plot of every value
tested, as touchpoint effects draw theirs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.drivers import Drivers
from jejak.analyses.effectiveness import MIN_PEOPLE
from jejak.language import N_, gettext
from jejak.report.figures.effectiveness import FEW, touchpoint_effect_figure
from jejak.report.figures.registry import draws

# the analysis's verdicts (data, in English), shown through gettext
DRIVER_COLORS = {
    N_("drives"): "#59A14F",
    N_("holds back"): "#E15759",
    N_("unclear"): "#9AA5B1",
    FEW: "#A9B2BC",  # drawn hollow: too few people to judge
}


def driver_label(field: str, value: object) -> str:
    """A value as the chart and the table name it: the field, then the value (channel:
    ads); a touchpoint's name alone."""
    if field == "event":
        return str(value)
    return gettext("{field}: {value}").format(field=gettext(field), value=value)


def staged(table: pd.DataFrame) -> pd.DataFrame:
    """Drivers of a funnel's step as a stage's are drawn and listed: the step's label
    where a stage's name goes, its number where the stage's."""
    if "step" not in table.columns:
        return table
    return table.rename(columns={"label": "stage", "step": "stage_index"})


def drivers_figure(table: pd.DataFrame, title: str, few: int = MIN_PEOPLE) -> go.Figure:
    """How many times as fast people move on after each value (95% interval), per stage
    (or funnel step): drivers and brakes first, then the values most people had (those
    with too few people hollow)."""
    table = staged(table)
    labelled = table.assign(
        label=[driver_label(f, v) for f, v in zip(table["field"], table["value"], strict=True)]
    )
    return touchpoint_effect_figure(labelled, "label", title, few, DRIVER_COLORS)


@draws(Drivers)
def _drivers(result: Drivers) -> go.Figure:
    return drivers_figure(result.table, result.title, result.meta.get("min_people", MIN_PEOPLE))
