"""Where each person is on the journey, and how people move between stages.

Definitions (used by every face):
- A person *reached* a stage when at least one of their touchpoints matches the
  stage's rules; the stage's *entry time* is the first such touchpoint.
- A person's *current stage* is the furthest stage reached. Earlier stages they
  never reached are *skipped* (someone can buy without subscribing).
- *Conversion to next* is the share of people who reached a stage and also reached
  the next one; *moved on* counts those who reached any later stage.
- *Days to next* is measured from entering a stage to entering the next, over
  people who entered the next stage at or after the first (in days, 86,400 s).
- ``as_of`` defaults to the latest touchpoint, so "days in stage" on historical
  data means days up to the end of the data, not up to today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn, records
from jejak.engine.functions import unix_micros
from jejak.engine.plans import remembered
from jejak.language import N_, gettext, localised, ngettext
from jejak.language import stage as language_stage
from jejak.model.journey import Journey
from jejak.store.identity import ANONYMOUS_PREFIX

MICROSECONDS_PER_DAY = 86_400e6
STOPPED = "(stopped)"


def entered_column(i: int) -> str:
    """The name of stage i's entry-time column in :func:`stage_entries`."""
    return f"entered_{i}"


def entry_id_column(i: int) -> str:
    """The name of stage i's entry-touchpoint column in :func:`stage_entries` with ids."""
    return f"entry_id_{i}"


def stage_entries(
    events: ibis.Table, journey: Journey, *, ids: bool = False, first: Sequence[str] = ()
) -> ibis.Table:
    """One row per person: ``person_id`` and ``entered_<i>`` (entry time of stage i, or NULL).

    ``ids`` adds what tells touchpoints at the same time apart, for
    :func:`placed_by_entries`: ``entry_id_<i>``, the event_id of stage i's entry (the
    least at its time), and the person's first touchpoint's ``first_ts`` and ``first_id``;
    with ``first``, that touchpoint's fields too, as ``first_<field>`` (as
    :func:`first_touch` finds them, before its labelling of missing values).
    """
    events = with_properties(events, journey.stages)
    if not ids:
        entries = {
            entered_column(i): events.ts.min(where=stage_matches(events, stage))
            for i, stage in enumerate(journey.stages)
        }
        return events.group_by("person_id").aggregate(**entries)
    # the least (time, event_id) of each: a touchpoint's place in the person's order
    order = ibis.struct({"ts": events.ts, "id": events.event_id})
    touch = ibis.struct({"ts": events.ts, "id": events.event_id, **{f: events[f] for f in first}})
    earliest = touch.argmin(order)
    # a stage every touchpoint enters (any: true; the time is never null) is entered on
    # the first one: the same aggregate, which the engine works out once
    every = events.ts.notnull()
    tests = [stage_matches(events, stage) for stage in journey.stages]
    firsts = {
        f"_{i}": earliest if test.equals(every) else order.min(where=test)
        for i, test in enumerate(tests)
    }
    wide = events.group_by("person_id").aggregate(**firsts, _first=earliest)
    columns: dict[str, ibis.Value] = {}
    for i in range(len(journey.stages)):
        columns[entered_column(i)] = wide[f"_{i}"]["ts"]
        columns[entry_id_column(i)] = wide[f"_{i}"]["id"]
    columns |= {f"first_{f}": wide._first[f] for f in touch.names}
    return wide.select("person_id", **columns)


def placed(
    events: ibis.Table,
    journey: Journey,
    *,
    before: bool = False,
    counts: dict[str, ibis.Deferred] | None = None,
) -> ibis.Table:
    """Touchpoints with the stage the person was in when each happened, and their furthest.

    Adds ``stage_index`` (0-based: the furthest stage whose entry touchpoint is this one or
    came before it, in (time, event_id) order; -1 before any) and ``current_index`` (the
    furthest stage the person ever reached). ``before`` adds ``stage_before``: the
    previous touchpoint's ``stage_index`` (a first touchpoint's own), in the same pass.
    ``counts`` adds, per name, how many of the person's touchpoints up to this one (in
    the same order) meet a test: e.g. the number of a touchpoint among the person's own.
    """
    events = with_properties(events, journey.stages)
    n = len(journey.stages)
    # the furthest stage each touchpoint itself matches; a stage's entry is the first
    # touchpoint matching it, so the furthest stage entered so far is a running maximum
    matched = ibis.cases(
        *[(stage_matches(events, journey.stages[i]), i) for i in reversed(range(n))], else_=-1
    )
    events = events.mutate(_matched=matched)
    so_far = ibis.window(
        group_by=events.person_id,
        order_by=[events.ts, events.event_id],
        preceding=None,
        following=0,
    )
    ever = ibis.window(group_by=events.person_id)
    stage = events._matched.max().over(so_far)
    columns = {"stage_index": stage, "current_index": events._matched.max().over(ever)}
    if before:
        earlier = ibis.window(
            group_by=events.person_id, order_by=[events.ts, events.event_id], rows=(None, -1)
        )
        columns["stage_before"] = ibis.coalesce(events._matched.max().over(earlier), stage)
    for name, test in (counts or {}).items():
        columns[name] = test.resolve(events).ifelse(1, 0).sum().over(so_far)
    return events.mutate(**columns).drop("_matched")


def placed_by_entries(
    events: ibis.Table,
    journey: Journey,
    wide: ibis.Table,
    *,
    before: bool | ibis.Deferred = False,
) -> ibis.Table:
    """:func:`placed`'s columns (``before`` too) read off each person's stage entries
    instead of a running maximum: the same numbers, with a join on the people instead of
    a sort of every touchpoint. ``wide``: :func:`stage_entries` of ``events`` with ids,
    :func:`with_current_stage`. ``before`` may be a test (e.g. ``_.rating.notnull()``):
    ``stage_before`` is then worked out on the touchpoints that meet it only (NULL on
    the rest).

    A touchpoint is in the furthest stage whose entry is it or came before it, in
    (time, event_id) order, as in :func:`placed`; event_ids are unique, and a missing one
    comes last (touchpoints sharing both, which :func:`placed` orders among themselves
    at random, are each other's equals here).
    """
    n = len(journey.stages)
    kept = ["person_id", "current_index", "first_ts", "first_id"]
    kept += [c for i in range(n) for c in (entered_column(i), entry_id_column(i))]
    at = events.join(wide.select(*kept), "person_id")

    def entered(i: int, strictly: bool = False) -> ibis.Value:
        """Whether stage i's entry is this touchpoint or came before it (``strictly``: before)."""
        entry = (at[entered_column(i)], at[entry_id_column(i)])
        return _no_later(entry, (at.ts, at.event_id), strictly)

    stage = ibis.cases(*[(entered(i), i) for i in reversed(range(n))], else_=-1)
    columns = {"stage_index": stage, "current_index": at.current_index}
    if before is not False:
        # the stage before a touchpoint: of those before it, or its own on a first one
        first = (at.ts == at.first_ts) & at.event_id.identical_to(at.first_id)
        alone = ibis.ifelse(first, stage, -1)
        earlier = ibis.cases(
            *[(entered(i, strictly=True), i) for i in reversed(range(n))], else_=alone
        )
        if before is not True:
            earlier = ibis.ifelse(before.resolve(at), earlier, ibis.null(earlier.type()))
        columns["stage_before"] = earlier
    return at.mutate(**columns).drop(*kept[2:])


def _no_later(
    touch: tuple[ibis.Value, ibis.Value], other: tuple[ibis.Value, ibis.Value], strictly: bool
) -> ibis.Value:
    """Whether ``touch`` (time, event_id) comes before ``other`` in a person's order, or
    is it (``strictly``: before); at the same time the event_ids decide, a missing one last."""
    (when, entry), (ts, event_id) = touch, other
    if strictly:
        tie = (entry < event_id).fill_null(entry.notnull() & event_id.isnull())
    else:
        tie = (entry <= event_id).fill_null(event_id.isnull())
    return (when < ts) | ((when == ts) & tie)


def stages_visited(wide: ibis.Table, journey: Journey) -> ibis.Table:
    """One row per person and stage a touchpoint of theirs is placed in (``person_id``,
    ``stage_index``), as :func:`placed_by_entries` places them, read off their entries
    alone (``wide``: :func:`stage_entries` with ids): the stages they entered before any
    later one."""
    n = len(journey.stages)

    def entry(i: int) -> tuple[ibis.Value, ibis.Value]:
        return wide[entered_column(i)], wide[entry_id_column(i)]

    parts = []
    for i in range(n):
        visited = wide[entered_column(i)].notnull()
        for later in range(i + 1, n):  # (not entered: the test is NULL)
            visited &= ~_no_later(entry(later), entry(i), strictly=False).fill_null(False)
        parts.append(wide.filter(visited).select("person_id", stage_index=ibis.literal(i, "int8")))
    return ibis.union(*parts)


def entries(events: ibis.Table, journey: Journey) -> ibis.Table:
    """One row per stage a person reached: person_id, stage, stage_index (1-based), entered_at."""
    wide = stage_entries(events, journey)
    parts = [
        wide.filter(wide[entered_column(i)].notnull()).select(
            "person_id",
            stage=ibis.literal(stage.name),
            stage_index=ibis.literal(i + 1, "int64"),
            entered_at=wide[entered_column(i)],
        )
        for i, stage in enumerate(journey.stages)
    ]
    return ibis.union(*parts)


def _furthest(wide: ibis.Table, n: int) -> ibis.Value:
    """Index of the furthest stage reached (-1 if none)."""
    branches = [(wide[entered_column(i)].notnull(), i) for i in reversed(range(n))]
    return ibis.cases(*branches, else_=-1)


def _days(later: ibis.Value, earlier: ibis.Value) -> ibis.Value:
    return (unix_micros(later) - unix_micros(earlier)) / MICROSECONDS_PER_DAY


USUAL_SHARE = 0.9  # the usual time to move on: what 9 in 10 who moved on took at most


def days_to_next(wide: ibis.Table, i: int) -> tuple[ibis.Value, ibis.Value]:
    """Per person of ``wide``, the days from entering stage ``i`` (0-based) to entering
    the next, and whether they moved on (entered both, the next at or after)."""
    days = _days(wide[entered_column(i + 1)], wide[entered_column(i)])
    entered = wide[entered_column(i)].notnull() & wide[entered_column(i + 1)].notnull()
    return days, entered & (days >= 0)


def usual_days_to_next(wide: ibis.Table, i: int) -> ibis.Value:
    """Stage ``i``'s usual time to move on (days, not rounded): the 90th percentile of
    :func:`days_to_next` among those who moved on. Someone in the stage longer is stuck
    (:func:`is_stuck`); the overview's stuck and the journey map's both count by it."""
    days, moved = days_to_next(wide, i)
    return days.quantile(USUAL_SHARE, where=moved)


def is_stuck(days_in_stage: ibis.Value, usual: Any, within: Any = None) -> ibis.Value:
    """Whether someone ``days_in_stage`` into their furthest stage is stuck there: in it
    longer than ``usual`` days (:func:`usual_days_to_next`, or a number given). With
    ``within``: recently stuck, past ``usual`` for at most ``within`` days (they stalled
    within the last ``within`` days, while a nudge may still move them)."""
    stuck = days_in_stage > usual
    return stuck if within is None else stuck & (days_in_stage <= usual + within)


RECENT_DAYS = 30.0  # "recently stuck": past the usual time within the last 30 days


def with_current_stage(wide: ibis.Table, journey: Journey) -> ibis.Table:
    """Adds ``current_index`` (0-based furthest stage) and ``current_entered``."""
    n = len(journey.stages)
    wide = wide.mutate(current_index=_furthest(wide, n))
    entered = ibis.cases(*[(wide.current_index == i, wide[entered_column(i)]) for i in range(n)])
    return wide.mutate(current_entered=entered)


def _funnel_aggregates(wide: ibis.Table, n: int) -> dict[str, ibis.Value]:
    """Every funnel number as one aggregate each, so the engine scans the people once."""
    reached = [wide[entered_column(i)].notnull() for i in range(n)]
    aggs: dict[str, ibis.Value] = {"people": wide.count()}
    for i in range(n):
        aggs[f"reached_{i}"] = wide.count(where=reached[i])
        aggs[f"current_{i}"] = wide.count(where=wide.current_index == i)
        if i > 0:
            skipped = ibis.or_(*[~r for r in reached[:i]])
            aggs[f"skipped_into_{i}"] = wide.count(where=reached[i] & skipped)
        if i + 1 < n:
            aggs[f"converted_{i}"] = wide.count(where=reached[i] & reached[i + 1])
            aggs[f"moved_on_{i}"] = wide.count(where=reached[i] & (wide.current_index > i))
            gap, forward = days_to_next(wide, i)
            aggs[f"median_days_{i}"] = gap.quantile(0.5, where=forward)
            aggs[f"p90_days_{i}"] = usual_days_to_next(wide, i)
        # flows for the stage-to-stage chart: i -> j, the next stage actually reached
        for j in range(i + 1, n):
            between = [~reached[k] for k in range(i + 1, j)]
            aggs[f"flow_{i}_{j}"] = wide.count(where=ibis.and_(reached[i], reached[j], *between))
    return aggs


@dataclass
class StageFunnel(Result):
    """People per stage, conversion between stages, time between them, and the flows."""

    flows: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        """The funnel; one funnel per group, side by side in one chart, when split ``by``."""
        return drawn(self)

    def flow_figure(self) -> Any:
        """Stage-to-stage flows (a Sankey) of everyone; split funnels sum their groups."""
        return drawn(self, "flow")

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"flows": records(self.flows)}


BREAKDOWNS = ("channel", "source", "medium", "campaign", "context", "need", "event")
NONE_LABEL = "(none)"


def split_title(title: str, by: str | None, given: bool) -> str:
    """A title with its split: ``Stage funnel by channel`` (groups given) or ``... by
    first-touch channel`` (each person's first touchpoint's value)."""
    if not by:
        return title
    words = gettext("{title} by {field}") if given else gettext("{title} by first-touch {field}")
    return words.format(title=title, field=gettext(by))


def check_breakdown(by: str, message: str) -> None:
    """``by`` is a first-touch field (or ``segment``, which the caller resolves); if not,
    the error says ``message`` (marked with N_, its ``{by}`` and ``{choices}`` filled in)."""
    if by not in BREAKDOWNS:
        from jejak.errors import JejakError

        choices = ", ".join((*BREAKDOWNS, "segment"))
        raise JejakError(gettext(message).format(by=repr(by), choices=choices))


def first_touch(events: ibis.Table, field: str, *more: str) -> ibis.Table:
    """Each person's ``field`` (and ``more`` fields) on their first touchpoint (ties
    broken by event_id)."""
    # the earliest time per person first, then the ties at it in event_id order: the engine
    # sorts those few touchpoints, not every one (the time is required: never null)
    earliest = events.group_by("person_id").aggregate(_first_ts=events.ts.min())
    at_first = events.join(earliest, ["person_id", events.ts == earliest._first_ts])
    order = ibis.row_number().over(group_by=at_first.person_id, order_by=at_first.event_id)
    ranked = at_first.mutate(_order=order)
    first = ranked.filter(ranked._order == 0)
    fields = dict.fromkeys((field, *more))
    return first.select("person_id", **{f: first[f].fill_null(NONE_LABEL) for f in fields})


TABLE_COLUMNS = [
    "stage",
    "stage_index",
    "reached",
    "reached_share",
    "converted_to_next",
    "conversion_to_next",
    "moved_on",
    "median_days_to_next",
    "p90_days_to_next",
    "current",
    "skipped_into",
]


def _stage_rows(row: pd.Series, journey: Journey) -> list[dict[str, Any]]:
    n, people = len(journey.stages), _count(row["people"])
    rows = []
    for i, stage in enumerate(journey.stages):
        reached = _count(row[f"reached_{i}"])
        last = i + 1 == n
        converted = None if last else _count(row[f"converted_{i}"])
        rows.append(
            {
                "stage": stage.name,
                "stage_index": i + 1,
                "reached": reached,
                "reached_share": reached / people if people else float("nan"),
                "converted_to_next": converted,
                "conversion_to_next": (
                    converted / reached if converted is not None and reached else float("nan")
                ),
                "moved_on": None if last else _count(row[f"moved_on_{i}"]),
                "median_days_to_next": _float(None if last else row[f"median_days_{i}"]),
                "p90_days_to_next": _float(None if last else row[f"p90_days_{i}"]),
                "current": _count(row[f"current_{i}"]),
                "skipped_into": 0 if i == 0 else _count(row[f"skipped_into_{i}"]),
            }
        )
    return rows


def _flow_rows(row: pd.Series, journey: Journey) -> list[dict[str, Any]]:
    names, n = journey.stage_names, len(journey.stages)
    pairs = [(i, j, f"flow_{i}_{j}") for i in range(n) for j in range(i + 1, n)]
    flows = [
        {"from_stage": names[i], "to_stage": names[j], "people": _count(row[key])}
        for i, j, key in pairs
        if _count(row[key])
    ]
    stops = [(i, _count(row[f"current_{i}"])) for i in range(n)]
    return flows + [
        {"from_stage": names[i], "to_stage": STOPPED, "people": count}
        for i, count in stops
        if count
    ]


def stage_funnel(
    events: ibis.Table,
    journey: Journey,
    by: str | None = None,
    *,
    groups: ibis.Table | None = None,
) -> StageFunnel:
    """How many people reached each stage, moved on, and how long it took.

    ``events`` are stitched touchpoints (with ``person_id``). Columns of ``table``:
    stage, stage_index (1-based), reached (people), reached_share (of everyone, 0-1),
    converted_to_next (people), conversion_to_next (0-1), moved_on (people),
    median_days_to_next and p90_days_to_next (days), current (people whose furthest
    stage this is), skipped_into (people who reached it without an earlier stage).

    ``by`` splits the funnel by a field of each person's first touchpoint (e.g.
    ``channel``: the acquisition channel); the table and flows then start with that
    column, one funnel per value, largest group first. ``groups`` (person_id and a ``by``
    column; a person may be in several groups) splits by something else, e.g. segments.
    """
    given = groups is not None
    if by is not None and groups is None:
        check_breakdown(by, N_("cannot split the funnel by {by}; use one of {choices}"))
    if given:
        grouped = _funnel_query(events, journey, by, groups)
    else:  # the same expressions on every call: built once (see jejak.engine.plans)
        grouped = _remembered_funnel_query(events, journey, by)
    # one row of aggregates per group: small, so it comes into Python here (through Arrow:
    # one row of many columns, which Ibis's own conversion takes column by column)
    groups = grouped.to_pyarrow().to_pandas()
    if by is not None:
        groups = groups.sort_values(["people", by], ascending=[False, True])
    tables, flows = [], []
    for _, row in groups.iterrows():
        label = {by: row[by]} if by is not None else {}
        tables += [label | r for r in _stage_rows(row, journey)]
        flows += [label | r for r in _flow_rows(row, journey)]
    flow_columns = ([by] if by else []) + ["from_stage", "to_stage", "people"]
    table = pd.DataFrame(tables, columns=([by] if by else []) + TABLE_COLUMNS)
    table = table.astype({"converted_to_next": "Int64", "moved_on": "Int64"})
    meta = {
        "journey": journey.name,
        "people": _count(groups["people"].sum()),
        "stages": journey.stage_names,
        "by": by,
    }
    title = split_title(gettext("Stage funnel ({journey})").format(journey=journey.name), by, given)
    return StageFunnel(
        title=title, table=table, meta=meta, flows=pd.DataFrame(flows, columns=flow_columns)
    )


def _funnel_query(
    events: ibis.Table, journey: Journey, by: str | None, groups: ibis.Table | None
) -> ibis.Table:
    """One row of :func:`_funnel_aggregates` per group (``groups`` or the first touch's
    ``by``), or one row of everyone."""
    n = len(journey.stages)
    wide = with_current_stage(stage_entries(events, journey), journey)
    if by is None:
        return wide.aggregate(**_funnel_aggregates(wide, n))
    if groups is None:
        groups = first_touch(events, by)
    wide = wide.join(groups, "person_id")
    return wide.group_by(by).aggregate(**_funnel_aggregates(wide, n))


@remembered
def _remembered_funnel_query(events: ibis.Table, journey: Journey, by: str | None) -> ibis.Table:
    return _funnel_query(events, journey, by, None)


def _count(value: Any) -> int:
    """A count from the engine; Spark counts nothing as NULL on an empty table."""
    return 0 if value is None or pd.isna(value) else int(value)


def _float(value: Any) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def current_stages(events: ibis.Table, journey: Journey) -> ibis.Table:
    """One row per person: person_id, customer_id, stage, stage_index (1-based), entered_at.

    People who match no stage at all (possible when Awareness has rules) are left out.
    """
    wide = with_current_stage(stage_entries(events, journey), journey)
    names = ibis.cases(*[(wide.current_index == i, s.name) for i, s in enumerate(journey.stages)])
    placed = wide.filter(wide.current_index >= 0)
    return placed.select(
        "person_id",
        customer_id=ibis.ifelse(
            placed.person_id.startswith(ANONYMOUS_PREFIX), ibis.null("string"), placed.person_id
        ),
        stage=names,
        stage_index=placed.current_index + 1,
        entered_at=placed.current_entered,
    )


def _time_in_stage(events: ibis.Table, journey: Journey, as_of: datetime | None) -> ibis.Table:
    """:func:`current_stages` with ``days_in_stage``: days from entering it to ``as_of``
    (a naive time is UTC; None: NULL, so no one is stuck)."""
    if as_of is None:
        as_of_value = ibis.null("timestamp('UTC')")
    else:
        when = pd.Timestamp(as_of)
        when = when.tz_convert("UTC") if when.tz else when.tz_localize("UTC")
        as_of_value = ibis.literal(when, "timestamp('UTC')")
    placed = current_stages(events, journey)
    return placed.mutate(days_in_stage=_days(as_of_value, placed.entered_at))


def usual_days(funnel: pd.DataFrame) -> dict[str, float]:
    """Each stage's usual time to move on, from a stage funnel's table: its
    p90_days_to_next (:func:`usual_days_to_next`, not rounded, as the journey map's stuck
    audiences count it; past it, someone is stuck); a stage nobody left, or the last,
    has none."""
    usual = funnel.dropna(subset=["p90_days_to_next"])
    return {str(row.stage): float(row.p90_days_to_next) for row in usual.itertuples(index=False)}


def stuck_counts(
    events: ibis.Table,
    journey: Journey,
    days: dict[str, float],
    as_of: datetime | None,
    within: float = RECENT_DAYS,
) -> pd.DataFrame:
    """How many people :func:`stuck` finds in each stage of ``days`` (stage: its days), in
    one query. Columns: stage, stage_index (1-based), current (people whose furthest
    stage it is), days, stuck (of them, in it over ``days``), recently_stuck (of those,
    stuck for at most ``within`` days: :func:`stuck` with ``within``)."""
    placed = _time_in_stage(events, journey, as_of)
    limits = pd.DataFrame(
        {
            "_index": [journey.index_of(name) + 1 for name in days],
            "_days": [float(d) for d in days.values()],
        }
    )
    given = ibis.memtable(limits)
    limited = placed.join(given, placed.stage_index == given._index)
    counts = limited.group_by("stage_index").aggregate(
        current=limited.count(),
        stuck=limited.count(where=is_stuck(limited.days_in_stage, limited._days)),
        recently_stuck=limited.count(
            where=is_stuck(limited.days_in_stage, limited._days, float(within))
        ),
    )
    # one row per stage asked for (none in a stage nobody is in now): small
    indexes = [journey.index_of(name) + 1 for name in days]
    found = counts.to_pandas().set_index("stage_index")[["current", "stuck", "recently_stuck"]]
    found = found.reindex(indexes).fillna(0).astype("int64")  # Spark: NULL for none too
    return pd.DataFrame(
        {
            "stage": [journey.stages[i - 1].name for i in indexes],
            "stage_index": indexes,
            "current": found["current"].to_numpy(),
            "days": [float(d) for d in days.values()],
            "stuck": found["stuck"].to_numpy(),
            "recently_stuck": found["recently_stuck"].to_numpy(),
        }
    )


def stuck(
    events: ibis.Table,
    journey: Journey,
    stage: str,
    days: float,
    as_of: datetime | None,
    within: float | None = None,
) -> Result:
    """Who has been in ``stage`` (as their furthest) for more than ``days`` days: an audience;
    with ``within``, only those stuck for at most ``within`` days more (recently stuck).

    ``as_of`` is the moment days are counted to (a naive time is UTC; None: no data, no
    one). Columns: person_id, customer_id (NULL for people never identified), stage,
    entered_at (UTC), days_in_stage, last_seen.
    """
    index = journey.index_of(stage)
    placed = _time_in_stage(events, journey, as_of)
    last_seen = events.group_by("person_id").aggregate(last_seen=events.ts.max())
    in_stage = placed.filter(placed.stage_index == index + 1)
    audience = (
        in_stage.filter(is_stuck(in_stage.days_in_stage, days, within))
        .join(last_seen, "person_id")
        .select("person_id", "customer_id", "stage", "entered_at", "days_in_stage", "last_seen")
        .order_by([ibis.desc("days_in_stage"), "person_id"])
    )
    table = audience.to_pandas()
    name = journey.stages[index].name
    meta = {
        "journey": journey.name,
        "stage": name,
        "days": days,
        "within": within,
        "as_of": as_of,
        "people": len(table),
    }
    return Result(title=stuck_title(name, days, within), table=table, meta=meta)


def stuck_title(stage: str, days: float, within: float | None) -> str:
    """ "Stuck in Subscribe for more than 30 days", and when only the recently stuck:
    ", past it within the last 14 days"."""
    title = ngettext(
        "Stuck in {stage} for more than {days} day",
        "Stuck in {stage} for more than {days} days",
        2 if days != 1 else 1,
    ).format(stage=language_stage(stage), days=localised(f"{days:g}"))
    return past_within(title, within)


def past_within(said: str, within: float | None) -> str:
    """``said`` of the stuck, with ", past it within the last 14 days" when ``within``
    narrows them to the recently stuck."""
    if within is None:
        return said
    recent = ngettext(
        "{stuck}, past it within the last {days} day",
        "{stuck}, past it within the last {days} days",
        2 if within != 1 else 1,
    )
    return recent.format(stuck=said, days=localised(f"{within:g}"))
