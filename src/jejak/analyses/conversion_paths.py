"""Conversion journeys: each conversion and the touches that led to it.

Every attribution model and touchpoint measure reads journeys cut the same way:

- The *goal* is a touchpoint, a rule or a stage. With a touchpoint or rule every matching
  touchpoint is a conversion (a repeat order converts again); with a stage, entering it is
  the person's one conversion, and what they do afterwards is left out.
- A person's touchpoints in order (:mod:`jejak.analyses.sequence`) are cut at each
  conversion: those after the previous conversion, up to and including this one, are its
  journey. What follows the last conversion (all of it, for someone who never converted)
  is a journey that did not convert.
- A *touch* is a touchpoint whose ``by`` field (channel, by default) is set. The converting
  touchpoint is the last touch when it carries the field (the channel that brought the
  person to buy), except by touchpoint name (``event``), where it is the conversion itself.
- ``lookback``: touches longer than this before the conversion (before the journey's last
  touch, when it did not convert) are left out.
- A journey's *value* is the revenue on its converting touchpoint (0 when it has none).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import ibis
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.stages import BREAKDOWNS
from jejak.engine.functions import unix_micros
from jejak.errors import JejakError
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey

TOUCH_FIELDS = BREAKDOWNS  # channel, source, medium, campaign, context, need, event


def goal_step(journey: Journey, goal: Any) -> FunnelStep:
    """The goal as a step; by default the journey's Convert stage (its middle stage without)."""
    if goal is None:
        names = journey.stage_names
        goal = {"stage": "Convert" if "Convert" in names else names[len(names) // 2]}
    return FunnelStep.model_validate(goal)


def _cut(events: ibis.Table, journey: Journey, goal: Any) -> ibis.Table:
    """Touchpoints with ``us``, ``journey_no`` (conversions strictly before them) and
    ``_conversion``; for a stage goal, only those up to entering it."""
    step = goal_step(journey, goal)
    each = step.stage is None  # a stage is entered once
    matcher = step.as_stage(journey)
    marked = with_properties(events, [matcher])
    marked = marked.mutate(us=unix_micros(marked.ts), _hit=stage_matches(marked, matcher))
    running = ibis.window(
        group_by=marked.person_id,
        order_by=[marked.us, marked.event_id],
        preceding=None,
        following=0,
    )
    marked = marked.mutate(_hits=marked._hit.ifelse(1, 0).sum().over(running))
    marked = marked.mutate(journey_no=marked._hits - marked._hit.ifelse(1, 0))
    marked = marked.mutate(_conversion=marked._hit & ((marked._hits == 1) | ibis.literal(each)))
    if not each:  # after entering the stage, a person's journey to it is over
        marked = marked.filter(marked.journey_no == 0)
    return marked


def conversions(events: ibis.Table, journey: Journey, goal: Any = None) -> ibis.Table:
    """Every conversion, touched or not (person_id, journey_no, conv_us, value): the
    totals the models share out."""
    marked = _cut(events, journey, goal)
    hits = marked.filter(marked._conversion)
    return hits.select(
        "person_id", "journey_no", conv_us=hits.us, value=hits.revenue.fill_null(0.0)
    )


def touches(
    events: ibis.Table,
    journey: Journey,
    goal: Any = None,
    *,
    by: str = "channel",
    lookback: timedelta | None = None,
) -> ibis.Table:
    """One row per touch on a journey (see the module's definitions).

    Columns: person_id, journey_no (0 for the person's first journey), converted (bool),
    value (revenue of the conversion, 0 without), conv_us (NULL when not converted),
    touch (the ``by`` value), us, position (1-based on the journey), touches (the
    journey's count).
    """
    if by not in TOUCH_FIELDS:
        raise JejakError(f"cannot attribute by {by!r}; use one of {', '.join(TOUCH_FIELDS)}")
    marked = _cut(events, journey, goal)
    hits = marked.filter(marked._conversion)
    converted = hits.select(
        cp=hits.person_id, cj=hits.journey_no, conv_us=hits.us, value=hits.revenue.fill_null(0.0)
    )
    is_touch = marked[by].notnull()
    if by == "event":
        is_touch &= ~marked._conversion
    kept = marked.filter(is_touch).select(
        "person_id", "journey_no", "event_id", "us", touch=marked[by]
    )
    joined = kept.left_join(
        converted, (kept.person_id == converted.cp) & (kept.journey_no == converted.cj)
    )
    joined = joined.mutate(converted=joined.conv_us.notnull(), value=joined.value.fill_null(0.0))
    if lookback is not None:
        last = joined.us.max().over(ibis.window(group_by=[joined.person_id, joined.journey_no]))
        joined = joined.mutate(_end=joined.conv_us.fill_null(last))
        limit = int(lookback / timedelta(microseconds=1))
        joined = joined.filter(joined._end - joined.us <= limit)
    ordered = ibis.window(
        group_by=[joined.person_id, joined.journey_no], order_by=[joined.us, joined.event_id]
    )
    joined = joined.mutate(
        position=ibis.row_number().over(ordered) + 1,
        touches=joined.count().over(ibis.window(group_by=[joined.person_id, joined.journey_no])),
    )
    return joined.select(
        "person_id",
        "journey_no",
        "converted",
        "value",
        "conv_us",
        "touch",
        "us",
        "position",
        "touches",
    )


def path_table(journey_touches: ibis.Table) -> pd.DataFrame:
    """Distinct paths with their counts: path (tuple of touches in order), conversions,
    nulls (journeys on that path that did not convert), value; most journeys first."""
    t = journey_touches
    step = ibis.struct({"position": t.position, "touch": t.touch})
    per_journey = t.group_by(["person_id", "journey_no"]).aggregate(
        steps=step.collect(), converted=t.converted.max(), value=t.value.max()
    )
    per_journey = per_journey.mutate(path=per_journey.steps.sort().map(lambda s: s.touch))
    grouped = per_journey.group_by("path").aggregate(
        conversions=per_journey.converted.ifelse(1, 0).sum(),
        nulls=per_journey.converted.ifelse(0, 1).sum(),
        value=per_journey.value.sum(),
    )
    table = grouped.to_pandas()
    table["path"] = [tuple(p) for p in table["path"]]
    table["journeys"] = table["conversions"] + table["nulls"]
    table = table.sort_values(["journeys", "path"], ascending=[False, True])
    return table[["path", "conversions", "nulls", "value"]].reset_index(drop=True)
