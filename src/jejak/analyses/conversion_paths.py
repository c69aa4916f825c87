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
_DIGITS = 9  # positions up to a billion touches per journey sort as text
_RS, _US = "\x1e", "\x1f"  # ASCII record and unit separators: never in a channel's name


def check_touch_field(by: str, doing: str) -> None:
    """A clear error when ``by`` is not a touchpoint field one can group touches by."""
    if by not in TOUCH_FIELDS:
        raise JejakError(f"cannot {doing} by {by!r}; use one of {', '.join(TOUCH_FIELDS)}")


def goal_step(journey: Journey, goal: Any) -> FunnelStep:
    """The goal as a step; by default the journey's Convert stage (its middle stage without)."""
    if goal is None:
        names = journey.stage_names
        goal = {"stage": "Convert" if "Convert" in names else names[len(names) // 2]}
    return FunnelStep.of(goal)


def _cut(events: ibis.Table, journey: Journey, goal: Any, by: str | None = None) -> ibis.Table:
    """Touchpoints with ``us``, ``journey_no`` (conversions strictly before them) and
    ``_conversion``; for a stage goal, only those up to entering it. With ``by``, also
    ``_touch`` (it is a touch) and ``_seen`` (the person's touches so far, this one included),
    from the same ordered pass."""
    step = goal_step(journey, goal)
    each = step.stage is None  # a stage is entered once
    matcher = step.as_stage(journey)
    marked = with_properties(events, [matcher])
    # only the columns needed from here on: windows carry every column through their sort
    needed = ["person_id", "event_id", "revenue", *([by] if by else [])]
    marked = marked.select(
        *dict.fromkeys(needed), us=unix_micros(marked.ts), _hit=stage_matches(marked, matcher)
    )
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
    check_touch_field(by, "attribute")
    marked = _cut(events, journey, goal, by)
    # one sorted pass counted touches and conversions; the rest is per journey, unordered
    journey_window = ibis.window(group_by=[marked.person_id, marked.journey_no])
    conversion_us = ibis.ifelse(marked._conversion, marked.us, None)
    conversion_value = ibis.ifelse(marked._conversion, marked.revenue.fill_null(0.0), None)
    marked = marked.mutate(
        conv_us=conversion_us.max().over(journey_window),
        value=conversion_value.max().over(journey_window).fill_null(0.0),
        _before=(marked._seen - marked._touch.ifelse(1, 0)).min().over(journey_window),
        _last=marked._seen.max().over(journey_window),
    )
    kept = marked.filter(marked._touch)
    kept = kept.select(
        "person_id",
        "journey_no",
        "us",
        "conv_us",
        "value",
        touch=kept[by],
        converted=kept.conv_us.notnull(),
        position=kept._seen - kept._before,
        touches=kept._last - kept._before,
    )
    if lookback is not None:
        window = ibis.window(group_by=[kept.person_id, kept.journey_no])
        kept = kept.mutate(_end=kept.conv_us.fill_null(kept.us.max().over(window)))
        limit = int(lookback / timedelta(microseconds=1))
        kept = kept.filter(kept._end - kept.us <= limit)
        # the touches kept are the journey's last ones: renumber them from 1
        window = ibis.window(group_by=[kept.person_id, kept.journey_no])
        kept = kept.mutate(_first=kept.position.min().over(window))
        kept = kept.mutate(
            position=kept.position - kept._first + 1, touches=kept.touches - kept._first + 1
        )
    return kept.select(
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


def path_table(
    events: ibis.Table,
    journey: Journey,
    goal: Any = None,
    *,
    by: str = "channel",
    lookback: timedelta | None = None,
) -> pd.DataFrame:
    """Distinct paths with their counts: path (tuple of touches in order), conversions,
    nulls (journeys on that path that did not convert), value; most journeys first.

    Journeys without a touch are left out. Without a lookback the paths come straight from
    the one ordered pass (positions as the person's running touch count); with one, from
    :func:`touches`.
    """
    if lookback is not None:
        t = touches(events, journey, goal, by=by, lookback=lookback)
        rows = t.select(
            "person_id", "journey_no", "position", "touch", "converted", "value", touch_row=True
        )
    else:
        check_touch_field(by, "attribute")
        cut = _cut(events, journey, goal, by)
        cut = cut.filter(cut._touch | cut._conversion)
        rows = cut.select(
            "person_id",
            "journey_no",
            position=cut._seen,
            touch=cut[by],
            converted=cut._conversion,
            value=ibis.ifelse(cut._conversion, cut.revenue.fill_null(0.0), None),
            touch_row=cut._touch,
        )
    # each touch as "<position, zero-padded>RS<touch>": sorting the texts orders the path,
    # and one joined text per journey groups faster than a list; split in Python
    step = rows.position.cast("string").lpad(_DIGITS, "0") + _RS + rows.touch
    per_journey = rows.group_by(["person_id", "journey_no"]).aggregate(
        steps=step.collect(where=rows.touch_row),
        converted=rows.converted.max(),
        value=rows.value.max().fill_null(0.0),  # a refund's negative value stays negative
    )
    per_journey = per_journey.filter(per_journey.steps.length() > 0)
    # sorted, the position prefixes have done their job: drop them so equal paths group
    ordered = per_journey.steps.sort().map(lambda text: text.substr(_DIGITS + 1))
    per_journey = per_journey.mutate(path=ordered.join(_US))
    grouped = per_journey.group_by("path").aggregate(
        conversions=per_journey.converted.ifelse(1, 0).sum(),
        nulls=per_journey.converted.ifelse(0, 1).sum(),
        value=per_journey.value.sum(),
    )
    table = grouped.to_pandas()
    table["path"] = [tuple(text.split(_US)) for text in table["path"]]
    table["journeys"] = table["conversions"] + table["nulls"]
    table = table.sort_values(["journeys", "path"], ascending=[False, True])
    return table[["path", "conversions", "nulls", "value"]].reset_index(drop=True)
