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
from jejak.language import N_, gettext
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey

TOUCH_FIELDS = BREAKDOWNS  # channel, source, medium, campaign, context, need, event
_US = "\x1f"  # ASCII unit separator: never in a channel's name


def check_touch_field(by: str, message: str) -> None:
    """A clear error when ``by`` is not a touchpoint field one can group touches by: it
    says ``message`` (marked with N_, its ``{by}`` and ``{fields}`` filled in)."""
    if by not in TOUCH_FIELDS:
        raise JejakError(gettext(message).format(by=repr(by), fields=", ".join(TOUCH_FIELDS)))


def goal_step(journey: Journey, goal: Any) -> FunnelStep:
    """The goal as a step; by default the journey's Convert stage (its middle stage without)."""
    if goal is None:
        names = journey.stage_names
        goal = {"stage": "Convert" if "Convert" in names else names[len(names) // 2]}
    return FunnelStep.of(goal)


def _cut(events: ibis.Table, journey: Journey, goal: Any, by: str | None = None) -> ibis.Table:
    """The touchpoints that match the goal or are touches by ``by`` (every one by ``event``),
    with ``us``, ``journey_no`` (conversions strictly before them) and ``_conversion``; for a
    stage goal, only those up to entering it. With ``by``, also ``_touch`` (it is a touch)
    and ``_seen`` (the person's touches so far, this one included), from the same ordered
    pass."""
    step = goal_step(journey, goal)
    each = step.stage is None  # a stage is entered once
    matcher = step.as_stage(journey)
    marked = with_properties(events, [matcher])
    # only the columns needed from here on: windows carry every column through their sort
    needed = ["person_id", "event_id", "revenue", *([by] if by else [])]
    marked = marked.select(
        *dict.fromkeys(needed), us=unix_micros(marked.ts), _hit=stage_matches(marked, matcher)
    )
    if by != "event":
        # a touchpoint that is neither changes no count: it stays out of the sort
        counted = marked._hit if by is None else marked._hit | marked[by].notnull()
        marked = marked.filter(counted)
    running = ibis.window(
        group_by=marked.person_id,
        order_by=[marked.us, marked.event_id],
        preceding=None,
        following=0,
    )
    counts = {"_hits": marked._hit.ifelse(1, 0).sum().over(running)}
    if by is not None and by != "event":
        counts["_seen"] = marked[by].notnull().ifelse(1, 0).sum().over(running)
    elif by == "event":  # every touchpoint but the conversions
        counts["_seen"] = ibis.row_number().over(running) + 1
    marked = marked.mutate(**counts)
    hit = marked._hit.ifelse(1, 0)
    marked = marked.mutate(
        journey_no=marked._hits - hit,
        _conversion=marked._hit & ((marked._hits == 1) | ibis.literal(each)),
    )
    if by == "event":
        converted_so_far = marked._hits if each else ibis.least(marked._hits, 1)
        marked = marked.mutate(_seen=marked._seen - converted_so_far, _touch=~marked._conversion)
    elif by is not None:
        marked = marked.mutate(_touch=marked[by].notnull())
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


def journeys(
    events: ibis.Table,
    journey: Journey,
    goal: Any = None,
    *,
    by: str = "channel",
    lookback: timedelta | None = None,
) -> ibis.Table:
    """One row per journey, touched or not (see the module's definitions), from one ordered
    pass over the touchpoints.

    Columns: person_id, journey_no (0 for the person's first journey), converted (bool),
    value (revenue of the conversion, 0 without), conv_us (NULL when not converted), steps
    (the touches in order, each a struct of ``seen``: the person's running touch count,
    ``us`` and ``touch``: the ``by`` value; NULL or empty when the journey has none).
    """
    check_touch_field(by, N_("cannot attribute by {by}; use one of {fields}"))
    cut = _cut(events, journey, goal, by)
    cut = cut.filter(cut._touch | cut._conversion)
    step = ibis.struct({"seen": cut._seen, "us": cut.us, "touch": cut[by]})
    # per journey by hashing, not a second sort: the touches travel as a list, put in order
    # by sorting each (short) list on its first field
    per = cut.group_by(["person_id", "journey_no"]).aggregate(
        conv_us=cut.us.max(where=cut._conversion),
        value=cut.revenue.fill_null(0.0).max(where=cut._conversion),
        last_us=cut.us.max(where=cut._touch),
        steps=step.collect(where=cut._touch),
    )
    steps = per.steps.sort()
    if lookback is not None:
        limit = int(lookback / timedelta(microseconds=1))
        end = per.conv_us.fill_null(per.last_us)
        steps = steps.filter(lambda s: end - s.us <= limit)
    return per.select(
        "person_id",
        "journey_no",
        converted=per.conv_us.notnull(),
        value=per.value.fill_null(0.0),  # a refund's negative value stays negative
        conv_us=per.conv_us,
        steps=steps,
    )


def touches_of(journeys: ibis.Table) -> ibis.Table:
    """The touches of :func:`journeys`, one row each.

    Columns: person_id, journey_no, converted, value, conv_us, touch, us, position
    (1-based on the journey), touches (the journey's count).
    """
    touched = journeys.filter(journeys.steps.length() > 0)
    touched = touched.mutate(_first=touched.steps[0].seen, touches=touched.steps.length())
    rows = touched.unnest("steps")
    return rows.select(
        "person_id",
        "journey_no",
        "converted",
        "value",
        "conv_us",
        touch=rows.steps.touch,
        us=rows.steps.us,
        position=rows.steps.seen - rows._first + 1,
        touches=rows.touches,
    )


def touches(
    events: ibis.Table,
    journey: Journey,
    goal: Any = None,
    *,
    by: str = "channel",
    lookback: timedelta | None = None,
) -> ibis.Table:
    """One row per touch on a journey (see :func:`touches_of` for the columns)."""
    return touches_of(journeys(events, journey, goal, by=by, lookback=lookback))


def paths_of(journeys: ibis.Table) -> pd.DataFrame:
    """Distinct paths of :func:`journeys` with their counts: path (tuple of touches in
    order), conversions, nulls (journeys on that path that did not convert), value; most
    journeys first. Journeys without a touch are left out."""
    touched = journeys.filter(journeys.steps.length() > 0)
    path = touched.steps.map(lambda s: s.touch).join(_US)
    touched = touched.mutate(path=path)
    grouped = touched.group_by("path").aggregate(
        conversions=touched.converted.ifelse(1, 0).sum(),
        nulls=touched.converted.ifelse(0, 1).sum(),
        value=touched.value.sum(),
    )
    # one row per distinct path: small
    import pyarrow as pa  # here, as pandas reads its results: importing jejak stays quick
    import pyarrow.compute as pc

    table = grouped.to_pandas()
    # split by Arrow, not string by string in Python
    table["path"] = list(map(tuple, pc.split_pattern(pa.array(table["path"]), _US).to_pylist()))
    table["journeys"] = table["conversions"] + table["nulls"]
    table = table.sort_values(["journeys", "path"], ascending=[False, True])
    return table[["path", "conversions", "nulls", "value"]].reset_index(drop=True)


def path_table(
    events: ibis.Table,
    journey: Journey,
    goal: Any = None,
    *,
    by: str = "channel",
    lookback: timedelta | None = None,
) -> pd.DataFrame:
    """The distinct paths of the journeys to ``goal`` (see :func:`paths_of`)."""
    return paths_of(journeys(events, journey, goal, by=by, lookback=lookback))
