"""Which touchpoints help or hurt: touchpoint-to-purchase ratios and effects within a stage.

Two views, for any touchpoint field (``by``: the touchpoint's name by default, or its
channel, campaign, context, need...):

*Ratios* (the business-side view the seeds call touchpoint-to-purchase ratios), over the
journeys :mod:`jejak.analyses.conversion_paths` cuts at each conversion of ``goal``:

- reach: people who had the touchpoint; occurrences: how often it happened;
- converting_journeys: conversions whose journey had it; per_conversion: its occurrences on
  those journeys per conversion (how many it takes, on average, per purchase);
- share_of_conversions: the share of all conversions whose journey had it.

*Effects* (the customer-side view), per stage, with the stage placement of the journey
map (a touchpoint happens in the furthest stage its person had entered): of the people in
the stage who had the touchpoint there, the share who moved on to a later stage, against
the same share for the people in the stage who did not have it. The difference comes with
a 95% interval (Newcombe's hybrid score interval for a difference of two proportions).
This is observational: people who read reviews may differ from those who do not in more
than the reviews, so a difference is a lead to test (a campaign with a holdout), not proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from jejak.analyses import conversion_paths as cp
from jejak.analyses.result import Result
from jejak.analyses.stages import placed
from jejak.errors import JejakError
from jejak.model.journey import Journey

MIN_PEOPLE = 30  # below this on either side a difference reads "too few people"


@dataclass
class TouchpointRatios(Result):
    """``table``: one row per touchpoint value, most reach first."""

    def figure(self) -> Any:
        from jejak.report.figures import touchpoint_ratio_figure

        return touchpoint_ratio_figure(self.table, self.meta["by"], self.title)


@dataclass
class TouchpointEffects(Result):
    """``table``: one row per stage and touchpoint value (stages in journey order)."""

    def figure(self) -> Any:
        from jejak.report.figures import touchpoint_effect_figure

        return touchpoint_effect_figure(self.table, self.meta["by"], self.title)


def touchpoint_ratios(
    events: ibis.Table, journey: Journey, goal: Any = None, *, by: str = "event"
) -> TouchpointRatios:
    """Reach, occurrences and conversions per touchpoint value (see the module's docs).

    ``table`` columns: the ``by`` value, reach, occurrences, converting_journeys,
    per_conversion, share_of_conversions (0-1).
    """
    if by not in cp.TOUCH_FIELDS:
        raise JejakError(f"cannot split touchpoints by {by!r}; use one of {cp.TOUCH_FIELDS}")
    step = cp.goal_step(journey, goal)
    present = events.filter(events[by].notnull())
    reach = present.group_by(touch=present[by]).aggregate(
        reach=present.person_id.nunique(), occurrences=present.count()
    )
    t = cp.touches(events, journey, step, by=by)
    won = t.filter(t.converted)
    journey_key = won.person_id + ":" + won.journey_no.cast("string")
    converting = won.group_by("touch").aggregate(
        converting_journeys=journey_key.nunique(), on_converting=won.count()
    )
    totals = cp.conversions(events, journey, step)
    conversions = int(totals.count().to_pandas() or 0)
    table = reach.to_pandas().merge(converting.to_pandas(), on="touch", how="left")
    table = table.fillna({"converting_journeys": 0, "on_converting": 0})
    table["converting_journeys"] = table["converting_journeys"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["per_conversion"] = table["on_converting"] / table["converting_journeys"].replace(
            0, np.nan
        )
    table["share_of_conversions"] = (
        table["converting_journeys"] / conversions if conversions else np.nan
    )
    table = table.sort_values(["reach", "touch"], ascending=[False, True])
    columns = [
        "touch",
        "reach",
        "occurrences",
        "converting_journeys",
        "per_conversion",
        "share_of_conversions",
    ]
    table = table[columns].rename(columns={"touch": by}).reset_index(drop=True)
    meta = {"goal": step.label, "by": by, "conversions": conversions}
    return TouchpointRatios(title=f"Touchpoints and {step.label}", table=table, meta=meta)


def touchpoint_effects(
    events: ibis.Table, journey: Journey, *, by: str = "event", min_people: int = MIN_PEOPLE
) -> TouchpointEffects:
    """Per stage, moving on with and without each touchpoint value (see the module's docs).

    ``table`` columns: stage, stage_index (1-based), the ``by`` value, people_with,
    moved_on_with (0-1), people_without, moved_on_without (0-1), difference (with minus
    without, in shares), ci_low, ci_high (95%), verdict ("helps", "hurts", "unclear" or
    "too few people"). The last stage has no later one and is left out.
    """
    if by not in cp.TOUCH_FIELDS:
        raise JejakError(f"cannot split touchpoints by {by!r}; use one of {cp.TOUCH_FIELDS}")
    at = placed(events, journey)
    last = len(journey.stages) - 1
    at = at.filter((at.stage_index >= 0) & (at.stage_index < last))
    at = at.select("person_id", "stage_index", "current_index", touch=at[by])
    moved = at.current_index > at.stage_index
    population = at.group_by("stage_index").aggregate(
        people=at.person_id.nunique(), moved=at.person_id.nunique(where=moved)
    )
    present = at.filter(at.touch.notnull())
    present_moved = present.current_index > present.stage_index
    cells = present.group_by(["stage_index", "touch"]).aggregate(
        people_with=present.person_id.nunique(),
        moved_with=present.person_id.nunique(where=present_moved),
    )
    table = cells.to_pandas().merge(population.to_pandas(), on="stage_index")
    table["people_without"] = table["people"] - table["people_with"]
    table["moved_without"] = table["moved"] - table["moved_with"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["moved_on_with"] = table["moved_with"] / table["people_with"]
        table["moved_on_without"] = table["moved_without"] / table["people_without"].replace(
            0, np.nan
        )
    table["difference"] = table["moved_on_with"] - table["moved_on_without"]
    table["ci_low"], table["ci_high"] = _difference_interval(table)
    enough = (table["people_with"] >= min_people) & (table["people_without"] >= min_people)
    table["verdict"] = np.select(
        [~enough, table["ci_low"] > 0, table["ci_high"] < 0],
        ["too few people", "helps", "hurts"],
        default="unclear",
    )
    names = journey.stage_names
    table["stage"] = [names[int(i)] for i in table["stage_index"]]
    table["stage_index"] = table["stage_index"] + 1
    order = ["stage_index", "people_with", "touch"]
    table = table.sort_values(order, ascending=[True, False, True])
    columns = [
        "stage",
        "stage_index",
        "touch",
        "people_with",
        "moved_on_with",
        "people_without",
        "moved_on_without",
        "difference",
        "ci_low",
        "ci_high",
        "verdict",
    ]
    table = table[columns].rename(columns={"touch": by}).reset_index(drop=True)
    meta = {
        "by": by,
        "journey": journey.name,
        "stages": names,
        "min_people": min_people,
        "interval": "95%, Newcombe hybrid score (difference of two proportions)",
        "observational": True,
    }
    title = f"Which {'touchpoints' if by == 'event' else by + ' values'} help people move on"
    return TouchpointEffects(title=title, table=table, meta=meta)


def _difference_interval(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """95% Newcombe intervals of moved_on_with - moved_on_without; NaN without two groups."""
    low = np.full(len(table), np.nan)
    high = np.full(len(table), np.nan)
    ok = (table["people_with"] > 0) & (table["people_without"] > 0)
    if ok.any():
        rows = table[ok]
        lo, hi = confint_proportions_2indep(
            rows["moved_with"].to_numpy(float),
            rows["people_with"].to_numpy(float),
            rows["moved_without"].to_numpy(float),
            rows["people_without"].to_numpy(float),
            method="newcomb",
            compare="diff",
        )
        low[ok.to_numpy()] = lo
        high[ok.to_numpy()] = hi
    return low, high
