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

from jejak.analyses.result import Result, drawn, records
from jejak.analyses.sequence import following, position
from jejak.analyses.stages import placed
from jejak.engine.functions import unix_micros
from jejak.engine.plans import remembered
from jejak.language import gettext
from jejak.model.journey import Journey

START, END = "(start)", "(end)"
NO_STAGE = "(before any stage)"


@dataclass
class ProcessMap(Result):
    """``table``: one row per transition; ``nodes``: one row per touchpoint."""

    nodes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        return drawn(self)

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"nodes": records(self.nodes)}


def _in_range(events: ibis.Table, start: datetime | None, end: datetime | None) -> ibis.Table:
    if start is not None:
        events = events.filter(events.ts >= ibis.literal(pd.Timestamp(start), "timestamp('UTC')"))
    if end is not None:
        events = events.filter(events.ts < ibis.literal(pd.Timestamp(end), "timestamp('UTC')"))
    return events


def pair_counts(events: ibis.Table) -> ibis.Table:
    """Per directly-follows pair (source, target; (end) after a person's last): transitions,
    people, median seconds between, and ``starts``: how many of the source's touchpoints
    are a person's first; from one pass over the ordered touchpoints."""
    timed = events.mutate(us=unix_micros(events.ts))
    ordered = timed.mutate(
        target=following(timed, "event").fill_null(END),
        next_us=following(timed, "us"),
        position=position(timed),
    )
    return ordered.group_by([ordered.event.name("source"), "target"]).aggregate(
        transitions=ordered.count(),
        people=ordered.person_id.nunique(),
        median_seconds=((ordered.next_us - ordered.us) / 1e6).quantile(0.5),
        # each person has one first touchpoint: the (start) rows, summed per touchpoint below
        starts=ordered.count(where=ordered.position == 0),
    )


def transitions(pairs: ibis.Table, min_count: int) -> ibis.Table:
    """Every directly-follows pair, (start) and (end) included, with counts, people, median
    seconds between and share of the source's transitions; those seen ``min_count`` times
    or more, most frequent first. ``pairs``: :func:`pair_counts`."""
    firsts = pairs.group_by("source").aggregate(people=pairs.starts.sum().cast("int64"))
    firsts = firsts.filter(firsts.people > 0)
    started = firsts.select(
        source=ibis.literal(START),
        target=firsts.source,
        transitions=firsts.people,
        people=firsts.people,
        median_seconds=ibis.null("float64"),
    )
    ended = pairs.target == END
    table = pairs.select(
        "source",
        "target",
        "transitions",
        "people",
        median_seconds=ibis.ifelse(ended, ibis.null("float64"), pairs.median_seconds),
    )
    table = ibis.union(table, started)
    outgoing = table.transitions.sum().over(group_by=table.source)
    table = table.mutate(share_of_source=table.transitions / outgoing)
    table = table.filter(table.transitions >= min_count)
    return table.order_by([ibis.desc("transitions"), "source", "target"])


def in_stages(touchpoints: ibis.Table, journey: Journey) -> ibis.Table:
    """:func:`touchpoint_stages`' rows with their stage's name and 1-based index, by stage,
    then most frequent first."""
    names = [NO_STAGE, *journey.stage_names]
    index = touchpoints.stage_index + 1
    nodes = touchpoints.select(
        touchpoint=touchpoints.event,
        occurrences=touchpoints.occurrences,
        people=touchpoints.people,
        stage=ibis.cases(*[(index == i, name) for i, name in enumerate(names)]),
        stage_index=index.cast("int8"),
    )
    return nodes.order_by(["stage_index", ibis.desc("occurrences"), "touchpoint"])


def touchpoint_stages(events: ibis.Table, journey: Journey) -> ibis.Table:
    """Per touchpoint name: occurrences, people, and the stage it happens in most often."""
    at = placed(events, journey)
    counts = at.group_by(["event", "stage_index"]).aggregate(hits=at.count())
    best = ibis.row_number().over(
        group_by=counts.event, order_by=[ibis.desc(counts.hits), counts.stage_index]
    )
    modal = counts.mutate(_r=best)
    modal = modal.filter(modal._r == 0).select("event", "stage_index")
    # people counted as one row per (touchpoint, person): cheaper than a distinct count
    each = events.group_by(["event", "person_id"]).aggregate(hits=events.count())
    totals = each.group_by("event").aggregate(occurrences=each.hits.sum(), people=each.count())
    return totals.join(modal, "event")


@remembered
def _queries(
    events: ibis.Table,
    journey: Journey,
    min_count: int,
    start: datetime | None,
    end: datetime | None,
) -> tuple[ibis.Table, ibis.Table]:
    """The transitions' and the touchpoints' queries (built once per table and parameters)."""
    events = _in_range(events, start, end)
    table = transitions(pair_counts(events), min_count)
    return table, in_stages(touchpoint_stages(events, journey), journey)


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
    table, nodes = _queries(events, journey, min_count, start, end)
    # one row per pair of touchpoint names, and per touchpoint name: small, into Python
    # through Arrow (for text, counts and seconds the frame to_pandas() gives, for less work)
    table, nodes = table.to_pyarrow().to_pandas(), nodes.to_pyarrow().to_pandas()
    meta = {
        "journey": journey.name,
        "stages": [NO_STAGE, *journey.stage_names],
        "min_count": min_count,
        "start": start,
        "end": end,
        "transitions": int(table["transitions"].sum()) if len(table) else 0,
    }
    return ProcessMap(title=gettext("Process map"), table=table, meta=meta, nodes=nodes)
