"""The process map: which touchpoint directly follows which, in people's journeys.

Definitions:
- "b directly follows a" when b is the person's next touchpoint after a (ordered by
  time, then event_id: :mod:`jejak.analyses.sequence`), as process mining's
  directly-follows graph (pm4py's ``discover_dfg``) counts it.
- ``(start)`` -> a counts people's first touchpoints, a -> ``(end)`` their last ones.
- Each touchpoint sits in the journey stage people were in when it happened most
  often (the furthest stage entered at or before it), so the map reads left to right.
- ``start``/``end`` keep touchpoints with ``start <= ts < end`` before ordering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import pandas as pd

from jejak.analyses.result import Result, records
from jejak.analyses.sequence import following, position
from jejak.analyses.stages import placed
from jejak.engine.functions import unix_micros
from jejak.model.journey import Journey

START, END = "(start)", "(end)"
NO_STAGE = "(before any stage)"


@dataclass
class ProcessMap(Result):
    """``table``: one row per transition; ``nodes``: one row per touchpoint."""

    nodes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        from jejak.report.figures import process_map_figure

        return process_map_figure(self.nodes, self.table, self.meta["stages"], self.title)

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"nodes": records(self.nodes)}


def _in_range(events: ibis.Table, start: datetime | None, end: datetime | None) -> ibis.Table:
    if start is not None:
        events = events.filter(events.ts >= ibis.literal(pd.Timestamp(start), "timestamp('UTC')"))
    if end is not None:
        events = events.filter(events.ts < ibis.literal(pd.Timestamp(end), "timestamp('UTC')"))
    return events


def transitions(events: ibis.Table) -> ibis.Table:
    """Every directly-follows pair with counts, people and median seconds between."""
    timed = events.mutate(us=unix_micros(events.ts))
    ordered = timed.mutate(
        next_event=following(timed, "event"),
        next_us=following(timed, "us"),
        position=position(timed),
    )
    pairs = ordered.filter(ordered.next_event.notnull())
    inner = pairs.group_by([pairs.event.name("source"), pairs.next_event.name("target")]).aggregate(
        transitions=pairs.count(),
        people=pairs.person_id.nunique(),
        median_seconds=((pairs.next_us - pairs.us) / 1e6).quantile(0.5),
    )
    firsts = ordered.filter(ordered.position == 0)
    starts = firsts.group_by(firsts.event.name("target")).aggregate(
        transitions=firsts.count(), people=firsts.person_id.nunique()
    )
    lasts = ordered.filter(ordered.next_event.isnull())
    ends = lasts.group_by(lasts.event.name("source")).aggregate(
        transitions=lasts.count(), people=lasts.person_id.nunique()
    )
    return ibis.union(
        inner,
        starts.select(
            source=ibis.literal(START),
            target="target",
            transitions="transitions",
            people="people",
            median_seconds=ibis.null("float64"),
        ),
        ends.select(
            source="source",
            target=ibis.literal(END),
            transitions="transitions",
            people="people",
            median_seconds=ibis.null("float64"),
        ),
    )


def touchpoint_stages(events: ibis.Table, journey: Journey) -> ibis.Table:
    """Per touchpoint name: occurrences, people, and the stage it happens in most often."""
    at = placed(events, journey)
    counts = at.group_by(["event", "stage_index"]).aggregate(hits=at.count())
    best = ibis.row_number().over(
        group_by=counts.event, order_by=[ibis.desc(counts.hits), counts.stage_index]
    )
    modal = counts.mutate(_r=best)
    modal = modal.filter(modal._r == 0).select("event", "stage_index")
    totals = events.group_by("event").aggregate(
        occurrences=events.count(), people=events.person_id.nunique()
    )
    return totals.join(modal, "event")


def process_map(
    events: ibis.Table,
    journey: Journey,
    min_count: int = 1,
    start: datetime | None = None,
    end: datetime | None = None,
) -> ProcessMap:
    """Which touchpoint follows which, how often, for how many people, how fast.

    ``table`` columns: source, target (touchpoint names, or (start)/(end)),
    transitions (count), people (distinct), median_seconds (between the two; NULL for
    start/end), share_of_source (0-1: of the source's outgoing transitions).
    Transitions seen fewer than ``min_count`` times are left out.
    ``nodes``: touchpoint, occurrences, people, stage, stage_index (1-based; 0 when it
    happens before any stage was entered).
    """
    events = _in_range(events, start, end)
    # both results are one row per touchpoint name or pair: small, so they come into Python
    table = transitions(events).to_pandas()
    outgoing = table.groupby("source")["transitions"].transform("sum")
    table["share_of_source"] = table["transitions"] / outgoing
    table = table[table["transitions"] >= min_count]
    table = table.sort_values(["transitions", "source", "target"], ascending=[False, True, True])
    table = table.reset_index(drop=True)
    nodes = touchpoint_stages(events, journey).to_pandas()
    names = [NO_STAGE, *journey.stage_names]
    nodes["stage"] = [names[int(i) + 1] for i in nodes["stage_index"]]
    nodes["stage_index"] = nodes["stage_index"] + 1
    nodes = nodes.rename(columns={"event": "touchpoint"})
    nodes = nodes.sort_values(
        ["stage_index", "occurrences", "touchpoint"], ascending=[True, False, True]
    ).reset_index(drop=True)
    nodes = nodes[["touchpoint", "occurrences", "people", "stage", "stage_index"]]
    meta = {
        "journey": journey.name,
        "stages": [NO_STAGE, *journey.stage_names],
        "min_count": min_count,
        "start": start,
        "end": end,
        "transitions": int(table["transitions"].sum()) if len(table) else 0,
    }
    return ProcessMap(title="Process map", table=table, meta=meta, nodes=nodes)
