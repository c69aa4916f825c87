"""Retention: cohorts coming back period after period, and each period's lifecycle.

Definitions (periods are calendar weeks, Monday first, or calendar months, of the times
given; a workspace gives local times in its time zone, summer time included):
- A person is *active* in a period when they have a touchpoint matching ``active`` in it
  (by default any touchpoint but those the shop sends, ``sent_events`` in the settings;
  ``"order"`` asks who kept buying).
- *Cohort*: the period of a person's first touchpoint matching ``cohort`` (by default
  the same as ``active``: first seen, or first purchase). Period 0 is the cohort's own.
- *Retention* of a cohort at period k: the share of its people active k periods later.
  A cohort's later periods past the end of the data are left empty, not counted as 0;
  the last period is usually still running, so its share reads low.
- *Lifecycle* of a period (PostHog's definitions): *new* people are active for the first
  time; *returning* were active in the period before too; *resurrecting* were active
  before, but not in the period before; *dormant* were active in the period before but
  not in this one (shown as a negative count).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn
from jejak.engine.functions import from_utc_timestamp, unix_micros
from jejak.errors import JejakError
from jejak.language import gettext
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey

Period = Literal["week", "month"]
_WEEK_US = 7 * 86_400_000_000
_MONDAY_US = 4 * 86_400_000_000  # 1970-01-05, the first Monday after the epoch


@dataclass
class Retention(Result):
    """``table``: one row per cohort and period offset."""

    def figure(self) -> Any:
        return drawn(self)


@dataclass
class Lifecycle(Result):
    """``table``: one row per period with new, returning, resurrecting and dormant people."""

    def figure(self) -> Any:
        return drawn(self)


def period_number(ts: ibis.Value, period: Period, zone: str = "UTC") -> ibis.Value:
    """Consecutive integers for consecutive periods (weeks since 1970, months since year 0)
    of the calendar in ``zone`` (summer time included)."""
    if zone != "UTC":
        ts = from_utc_timestamp(ts, zone)
    if period == "month":
        return ts.year() * 12 + ts.month() - 1
    if period == "week":
        # 1970-01-05 was a Monday: count whole weeks from it
        return (unix_micros(ts) - _MONDAY_US) // _WEEK_US
    raise JejakError(
        gettext("a period is 'week' or 'month', not {period}").format(period=repr(period))
    )


def period_start(number: pd.Series, period: Period, zone: str = "UTC") -> pd.Series:
    """The moment each period begins: midnight of its first day in ``zone``."""
    if period == "month":
        years, months = np.divmod(number.astype("int64"), 12)
        days = pd.to_datetime({"year": years, "month": months + 1, "day": 1})
    else:
        days = pd.Timestamp("1970-01-05") + pd.to_timedelta(number * 7, unit="D")
    days = pd.Series(days)
    standard = np.zeros(len(days), dtype=bool)  # a midnight that happens twice: the later
    return days.dt.tz_localize(zone, ambiguous=standard, nonexistent="shift_forward")


def _activity(
    events: ibis.Table,
    journey: Journey,
    active: Any,
    period: Period,
    sent: Sequence[str] = (),
    zone: str = "UTC",
) -> ibis.Table:
    """Distinct (person_id, period) of activity (without a rule: any touchpoint but the
    ``sent`` ones, which the shop did)."""
    matcher = FunnelStep.of(active).as_stage(journey) if active is not None else None
    if matcher is not None:
        marked = with_properties(events, [matcher])
        events = marked.filter(stage_matches(marked, matcher))
    elif sent:
        events = events.filter(~events.event.isin(list(sent)))
    return events.select("person_id", period=period_number(events.ts, period, zone)).distinct()


def retention(
    events: ibis.Table,
    journey: Journey,
    *,
    period: Period = "month",
    active: Any = None,
    cohort: Any = None,
    sent: Sequence[str] = (),
    until: ibis.Table | None = None,
    zone: str = "UTC",
) -> Retention:
    """Cohort retention (see the module's definitions); ``until`` (default ``events``)
    is what the end of the data is read from, so a group's cohorts run to the end of all
    the data, not of the group's. Periods are the calendar's in ``zone``.

    ``table`` columns: cohort (the period's first day), cohort_size, period (offset, 0 =
    the cohort's own), active (people), retention (0-1).
    """
    firsts, joined = _cohorts(events, journey, period, active, cohort, sent, zone)
    cells = joined.group_by(["cohort", "k"]).aggregate(active=joined.person_id.nunique())
    sizes = firsts.group_by("cohort").aggregate(cohort_size=firsts.count()).to_pandas()
    end = _last_period(events if until is None else until, period, zone)
    return _retention(sizes, cells.to_pandas(), end, period, active, cohort, zone)


def group_retention(
    events: ibis.Table,
    journey: Journey,
    groups: ibis.Table,
    by: str,
    *,
    period: Period = "month",
    active: Any = None,
    cohort: Any = None,
    sent: Sequence[str] = (),
    zone: str = "UTC",
) -> dict[str, Retention]:
    """:func:`retention` of each group's people (``groups``: person_id and ``by``, a
    person in several groups counts in each), by the group's value as text, with
    cohorts running to the end of all the data. One query for every group: a person's
    activity and cohort are their own, whichever group they are counted in."""
    firsts, joined = _cohorts(events, journey, period, active, cohort, sent, zone)
    # the groups (segments may take work to find) are read three times: found once
    with groups.select("person_id", _group=groups[by]).distinct().cache() as members:
        firsts = firsts.join(members, "person_id")
        joined = joined.join(members, "person_id")
        cells = joined.group_by(["_group", "cohort", "k"]).aggregate(
            active=joined.person_id.nunique()
        )
        sizes = firsts.group_by(["_group", "cohort"]).aggregate(cohort_size=firsts.count())
        sizes, cells = sizes.to_pandas(), cells.to_pandas()
        named = members.select("_group").distinct().to_pandas()["_group"]
    end = _last_period(events, period, zone)
    values = sorted(named.astype(str))
    parts = {}
    for value in values:
        size = sizes[sizes["_group"].astype(str) == value].drop(columns="_group")
        cell = cells[cells["_group"].astype(str) == value].drop(columns="_group")
        parts[value] = _retention(size, cell, end, period, active, cohort, zone)
    return parts


def _cohorts(
    events: ibis.Table,
    journey: Journey,
    period: Period,
    active: Any,
    cohort: Any,
    sent: Sequence[str],
    zone: str,
) -> tuple[ibis.Table, ibis.Table]:
    """Each person's cohort (person_id, cohort), and their periods of activity from it
    on (person_id, period, cohort, k: periods since the cohort's)."""
    activity = _activity(events, journey, active, period, sent, zone)
    starts = _activity(
        events, journey, cohort if cohort is not None else active, period, sent, zone
    )
    firsts = starts.group_by("person_id").aggregate(cohort=starts.period.min())
    joined = activity.join(firsts, "person_id")
    joined = joined.filter(joined.period >= joined.cohort)
    return firsts, joined.mutate(k=joined.period - joined.cohort)


def _retention(
    sizes: pd.DataFrame,
    cells: pd.DataFrame,
    end: int,
    period: Period,
    active: Any,
    cohort: Any,
    zone: str,
) -> Retention:
    """The retention table from the cohorts' sizes (cohort, cohort_size) and the active
    people per cohort and offset (cohort, k, active), to the period ``end``."""
    # every cohort gets every offset up to the end of the data, zeros where nobody came
    grid = pd.DataFrame(
        [(c, k) for c in sizes["cohort"] for k in range(int(end - c) + 1)],
        columns=["cohort", "k"],
    )
    table = grid.merge(cells, on=["cohort", "k"], how="left")
    table = table.merge(sizes, on="cohort")
    table["active"] = table["active"].fillna(0).astype("int64")
    table["retention"] = table["active"] / table["cohort_size"]
    table = table.sort_values(["cohort", "k"]).reset_index(drop=True)
    table["cohort"] = period_start(table["cohort"], period, zone)
    table = table.rename(columns={"k": "period"})
    table = table[["cohort", "cohort_size", "period", "active", "retention"]]
    meta = {"period": period, "active": _label(active), "cohort": _label(cohort or active)}
    title = gettext("Monthly retention") if period == "month" else gettext("Weekly retention")
    return Retention(title=title, table=table, meta=meta)


def lifecycle(
    events: ibis.Table,
    journey: Journey,
    *,
    period: Period = "month",
    active: Any = None,
    sent: Sequence[str] = (),
    zone: str = "UTC",
) -> Lifecycle:
    """Each period's new, returning, resurrecting and dormant people (see the module).

    ``table`` columns: period (its first day), new, returning, resurrecting, dormant
    (negative), active (new + returning + resurrecting).
    """
    activity = _activity(events, journey, active, period, sent, zone)
    ordered = ibis.window(group_by=activity.person_id, order_by=activity.period)
    marked = activity.mutate(
        before=activity.period.lag().over(ordered), after=activity.period.lead().over(ordered)
    )
    kind = ibis.cases(
        (marked.before.isnull(), "new"),
        (marked.before == marked.period - 1, "returning"),
        else_="resurrecting",
    )
    typed = marked.mutate(kind=kind)
    kinds = typed.group_by(["period", "kind"]).aggregate(n=typed.count())
    # dormant in p + 1: active in p, and not again in the very next period
    gone = marked.filter(marked.after.isnull() | (marked.after > marked.period + 1))
    dormant = gone.group_by(period=gone.period + 1).aggregate(dormant=gone.count())
    table = kinds.to_pandas().pivot_table(
        index="period", columns="kind", values="n", aggfunc="sum", fill_value=0
    )
    for column in ("new", "returning", "resurrecting"):
        if column not in table:
            table[column] = 0
    end = _last_period(events, period, zone)
    first = int(table.index.min()) if len(table) else end
    table = table.reindex(range(first, end + 1), fill_value=0)
    lost = dormant.to_pandas().set_index("period")["dormant"]
    table["dormant"] = -lost.reindex(table.index, fill_value=0)
    table = table[["new", "returning", "resurrecting", "dormant"]].astype("int64")
    table["active"] = table[["new", "returning", "resurrecting"]].sum(axis=1)
    table = table.rename_axis("period").reset_index()
    table["period"] = period_start(table["period"], period, zone)
    meta = {"period": period, "active": _label(active)}
    title = gettext("Monthly lifecycle") if period == "month" else gettext("Weekly lifecycle")
    return Lifecycle(title=title, table=table, meta=meta)


def _last_period(events: ibis.Table, period: Period, zone: str = "UTC") -> int:
    last = period_number(events.ts.max(), period, zone).to_pandas()
    if last is None or pd.isna(last):
        raise JejakError(gettext("no touchpoints yet: load some before asking for retention"))
    return int(last)


def _label(step: Any) -> str:
    return "any touchpoint" if step is None else FunnelStep.of(step).label
