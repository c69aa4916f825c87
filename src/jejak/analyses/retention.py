"""Retention: cohorts coming back period after period, and each period's lifecycle.

Definitions (periods are calendar weeks, Monday first, or calendar months, of the times
given; a workspace gives local times in its time zone, summer time included):
- A person is *active* in a period when they have a touchpoint matching ``active`` in it
  (by default any touchpoint but those the shop sends, ``sent_events`` in the settings;
  ``"order"`` asks who kept buying).
- *Cohort*: the period of a person's first touchpoint matching ``cohort`` (by default
  the same as ``active``: first seen, or first purchase). Period 0 is the cohort's own.
- *Retention* of a cohort at period k: the share of its people active k periods later
  (``returned="on"``). *On or after* (``returned="on_or_after"``, unbounded retention):
  the share active k periods later or at any time after, so a person counts until the
  last period they came back in. ``at_least=n``: active in a period means n touchpoints
  or more in it (the cohort's own start is still its first touchpoint). A cohort's later
  periods past the end of the data are left empty, not counted as 0; the last period is
  usually still running, so its share reads low.
- *Rolling retention* (:meth:`Retention.curve`): one curve for all cohorts. At period k,
  of the people of every cohort that has reached period k, the share active then: a
  large cohort weighs more than a small one, and young cohorts leave the later periods.
- *Trend* (:meth:`Retention.trend`): one period's retention (say the first month after)
  cohort by cohort, to see whether newer customers come back more or less.
- *Stickiness* (:func:`stickiness`): of the people active in a week (or month), how many
  were active on 1, 2, ... 7 of its days. Days are the calendar's in the time zone; the
  weeks the data only partly covers (the first and the running last) are shown but left
  out of the distribution over all weeks.
- *Lifecycle* of a period (PostHog's definitions): *new* people are active for the first
  time; *returning* were active in the period before too; *resurrecting* were active
  before, but not in the period before; *dormant* were active in the period before but
  not in this one (shown as a negative count).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd

from jejak.analyses.intervals import wilson
from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn, records
from jejak.engine.functions import from_utc_timestamp, unix_micros
from jejak.errors import JejakError
from jejak.language import gettext
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey

Period = Literal["week", "month"]
Returned = Literal["on", "on_or_after"]
RETURNED = ("on", "on_or_after")
_DAY_US = 86_400_000_000
_WEEK_US = 7 * 86_400_000_000
_MONDAY_US = 4 * 86_400_000_000  # 1970-01-05, the first Monday after the epoch


@dataclass
class Retention(Result):
    """``table``: one row per cohort and period offset (and group, when asked ``by``)."""

    def figure(self) -> Any:
        return drawn(self)

    def curve_figure(self) -> Any:
        """Rolling retention (:meth:`curve`) as a line with its interval."""
        return drawn(self, "curve")

    def trend_figure(self, period: int = 1) -> Any:
        """One period's retention, cohort by cohort (:meth:`trend`)."""
        return drawn(self, "trend", period=period)

    def curve(self) -> pd.DataFrame:
        """Rolling retention: all cohorts as one curve (see the module).

        Columns: the group (when asked ``by``), period (offset), cohorts (that reached
        it), people (in them), active, retention, ci_low, ci_high (95%, Wilson)."""
        keys = [self.meta["by"]] if "by" in self.meta else []
        table = self.table.groupby([*keys, "period"], sort=True, as_index=False).agg(
            cohorts=("cohort", "nunique"),
            people=("cohort_size", "sum"),
            active=("active", "sum"),
        )
        return _with_interval(table, "people")

    def trend(self, period: int = 1) -> pd.DataFrame:
        """Retention at one ``period`` offset (1: the period after the cohort's own), cohort
        by cohort, with its 95% interval.

        Columns: the group (when asked ``by``), cohort, cohort_size, active, retention,
        ci_low, ci_high. Cohorts that have not reached ``period`` yet are left out."""
        if not isinstance(period, int) or isinstance(period, bool) or period < 0:
            raise JejakError(
                gettext(
                    "the trend's period is a whole number of periods after the cohort's own"
                    " (0, 1, 2 ...), not {value!r}"
                ).format(value=period)
            )
        keys = [self.meta["by"]] if "by" in self.meta else []
        table = self.table[self.table["period"] == period]
        table = table[[*keys, "cohort", "cohort_size", "active"]].reset_index(drop=True)
        return _with_interval(table, "cohort_size")


@dataclass
class Stickiness(Result):
    """``table``: per period and number of active days, the people; ``days``: the
    distribution over the periods the data covers whole."""

    days: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        return drawn(self)

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"days": records(self.days)}


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
    at_least: int = 1,
) -> ibis.Table:
    """Distinct (person_id, period) of activity: ``at_least`` matching touchpoints in the
    period (without a rule: any touchpoint but the ``sent`` ones, which the shop did)."""
    events = _matching(events, journey, active, sent)
    periods = events.select("person_id", period=period_number(events.ts, period, zone))
    if at_least <= 1:
        return periods.distinct()
    counted = periods.group_by(["person_id", "period"]).aggregate(n=periods.count())
    return counted.filter(counted.n >= at_least).select("person_id", "period")


def _matching(events: ibis.Table, journey: Journey, active: Any, sent: Sequence[str]) -> ibis.Table:
    """The touchpoints that make a person active (without a rule: all but the ``sent``)."""
    matcher = FunnelStep.of(active).as_stage(journey) if active is not None else None
    if matcher is not None:
        marked = with_properties(events, [matcher])
        return marked.filter(stage_matches(marked, matcher))
    if sent:
        return events.filter(~events.event.isin(list(sent)))
    return events


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
    returned: Returned = "on",
    at_least: int = 1,
) -> Retention:
    """Cohort retention (see the module's definitions); ``until`` (default ``events``)
    is what the end of the data is read from, so a group's cohorts run to the end of all
    the data, not of the group's. Periods are the calendar's in ``zone``. ``returned``:
    "on" (active in the period) or "on_or_after" (in it or any later one); ``at_least``:
    touchpoints in a period that make a person active in it.

    ``table`` columns: cohort (the period's first day), cohort_size, period (offset, 0 =
    the cohort's own), active (people), retention (0-1).
    """
    _check_options(returned, at_least)
    firsts, joined = _cohorts(events, journey, period, active, cohort, sent, zone, at_least)
    cells = _cells(joined, ["cohort"], returned)
    sizes = firsts.group_by("cohort").aggregate(cohort_size=firsts.count()).to_pandas()
    end = _last_period(events if until is None else until, period, zone)
    options = {"returned": returned, "at_least": at_least}
    return _retention(sizes, cells.to_pandas(), end, period, active, cohort, zone, **options)


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
    returned: Returned = "on",
    at_least: int = 1,
) -> dict[str, Retention]:
    """:func:`retention` of each group's people (``groups``: person_id and ``by``, a
    person in several groups counts in each), by the group's value as text, with
    cohorts running to the end of all the data. One query for every group: a person's
    activity and cohort are their own, whichever group they are counted in."""
    _check_options(returned, at_least)
    firsts, joined = _cohorts(events, journey, period, active, cohort, sent, zone, at_least)
    # the groups (segments may take work to find) are read three times: found once
    with groups.select("person_id", _group=groups[by]).distinct().cache() as members:
        firsts = firsts.join(members, "person_id")
        joined = joined.join(members, "person_id")
        cells = _cells(joined, ["_group", "cohort"], returned)
        sizes = firsts.group_by(["_group", "cohort"]).aggregate(cohort_size=firsts.count())
        sizes, cells = sizes.to_pandas(), cells.to_pandas()
        named = members.select("_group").distinct().to_pandas()["_group"]
    end = _last_period(events, period, zone)
    values = sorted(named.astype(str))
    options = {"returned": returned, "at_least": at_least}
    parts = {}
    for value in values:
        size = sizes[sizes["_group"].astype(str) == value].drop(columns="_group")
        cell = cells[cells["_group"].astype(str) == value].drop(columns="_group")
        parts[value] = _retention(size, cell, end, period, active, cohort, zone, **options)
    return parts


def _check_options(returned: str, at_least: Any) -> None:
    if returned not in RETURNED:
        raise JejakError(
            gettext(
                "retention counts people who came back 'on' a period or 'on_or_after' it,"
                " not {value!r}"
            ).format(value=returned)
        )
    if not isinstance(at_least, int) or isinstance(at_least, bool) or at_least < 1:
        raise JejakError(
            gettext(
                "at_least is how many touchpoints in a period make a person active in it:"
                " a whole number from 1, not {value!r}"
            ).format(value=at_least)
        )


def _cells(joined: ibis.Table, keys: list[str], returned: str) -> ibis.Table:
    """People per ``keys`` and offset k: active at k ("on"), or, for "on_or_after", whose
    last active offset is k (summed from the end by :func:`_retention`)."""
    if returned == "on_or_after":
        last = joined.group_by(["person_id", *keys]).aggregate(k=joined.k.max())
        return last.group_by([*keys, "k"]).aggregate(active=last.count())
    return joined.group_by([*keys, "k"]).aggregate(active=joined.person_id.nunique())


def _cohorts(
    events: ibis.Table,
    journey: Journey,
    period: Period,
    active: Any,
    cohort: Any,
    sent: Sequence[str],
    zone: str,
    at_least: int = 1,
) -> tuple[ibis.Table, ibis.Table]:
    """Each person's cohort (person_id, cohort), and their periods of activity from it
    on (person_id, period, cohort, k: periods since the cohort's)."""
    activity = _activity(events, journey, active, period, sent, zone, at_least)
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
    *,
    returned: Returned = "on",
    at_least: int = 1,
) -> Retention:
    """The retention table from the cohorts' sizes (cohort, cohort_size) and the active
    people per cohort and offset (cohort, k, active; for "on_or_after", the people whose
    last offset is k), to the period ``end``."""
    # every cohort gets every offset up to the end of the data, zeros where nobody came
    grid = pd.DataFrame(
        [(c, k) for c in sizes["cohort"] for k in range(int(end - c) + 1)],
        columns=["cohort", "k"],
    )
    table = grid.merge(cells, on=["cohort", "k"], how="left")
    table = table.merge(sizes, on="cohort")
    table["active"] = table["active"].fillna(0).astype("int64")
    table = table.sort_values(["cohort", "k"]).reset_index(drop=True)
    if returned == "on_or_after":  # active at k or later: last seen at k or later
        reversed_ = table.iloc[::-1]
        table["active"] = reversed_.groupby("cohort")["active"].cumsum().iloc[::-1]
    table["retention"] = table["active"] / table["cohort_size"]
    table["cohort"] = period_start(table["cohort"], period, zone)
    table = table.rename(columns={"k": "period"})
    table = table[["cohort", "cohort_size", "period", "active", "retention"]]
    meta = {"period": period, "active": _label(active), "cohort": _label(cohort or active)}
    meta |= {"returned": returned, "at_least": at_least}
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


def cell_people(
    events: ibis.Table,
    journey: Journey,
    cohort: date,
    offset: int,
    *,
    period: Period = "month",
    active: Any = None,
    sent: Sequence[str] = (),
    zone: str = "UTC",
    returned: Returned = "on",
    joined: Any = None,
    at_least: int = 1,
) -> ibis.Table:
    """The person_id of the people in one cell of :func:`retention`'s table: the cohort of
    the period holding ``cohort``, active ``offset`` periods later (or later still, for
    "on_or_after"). ``joined`` is the table's own ``cohort`` touchpoint (what people join
    at the first of), and ``active``, ``returned`` and ``at_least`` are its own."""
    _check_options(returned, at_least)
    _, joined = _cohorts(events, journey, period, active, joined, sent, zone, at_least)
    # the period holding the day, numbered as the cohorts are (a wall-clock day: no zone)
    day = ibis.literal(datetime(cohort.year, cohort.month, cohort.day), "timestamp")
    joined = joined.filter(joined.cohort == period_number(day, period))
    later = joined.k >= offset if returned == "on_or_after" else joined.k == offset
    return joined.filter(later).select("person_id").distinct()


def stickiness(
    events: ibis.Table,
    journey: Journey,
    *,
    period: Period = "week",
    active: Any = None,
    sent: Sequence[str] = (),
    zone: str = "UTC",
) -> Stickiness:
    """On how many days of a week (or month) the people active in it were active (see
    the module): PostHog's and Mixpanel's stickiness, as a distribution.

    ``table`` columns: period (its first day), days (1 to 7, or to 31), people, share (of
    the people active in the period), whole (whether the data covers the period whole).
    ``days`` columns: days, people (person-periods over the whole periods), share; a
    month's days run up to the most anyone came.
    """
    matched = _matching(events, journey, active, sent)
    marked = matched.select(
        "person_id",
        period=period_number(matched.ts, period, zone),
        day=_local_day(matched.ts, zone),
    )
    per_person = marked.distinct().group_by(["person_id", "period"]).aggregate(days=ibis._.count())
    counts = per_person.group_by(["period", "days"]).aggregate(people=ibis._.count())
    bounds = events.aggregate(
        first=period_number(events.ts.min(), period, zone),
        last=period_number(events.ts.max(), period, zone),
        first_day=_local_day(events.ts.min(), zone),
        last_day=_local_day(events.ts.max(), zone),
    ).to_pandas()
    if bounds["last"].isna().all():
        raise JejakError(gettext("no touchpoints yet: load some before asking for stickiness"))
    table = counts.to_pandas()
    most = 7 if period == "week" else 31
    periods = range(int(bounds["first"].iloc[0]), int(bounds["last"].iloc[0]) + 1)
    grid = pd.MultiIndex.from_product([periods, range(1, most + 1)], names=["period", "days"])
    table = table.set_index(["period", "days"])["people"].reindex(grid, fill_value=0)
    table = table.astype("int64").reset_index()
    active_people = table.groupby("period")["people"].transform("sum")
    table["share"] = table["people"] / active_people.where(active_people > 0)
    starts = period_start(pd.Series(list(periods)), period, zone)
    first_days = _day_numbers(starts)
    ends = _day_numbers(period_start(pd.Series([p + 1 for p in periods]), period, zone))
    whole = (first_days >= int(bounds["first_day"].iloc[0])) & (
        ends - 1 <= int(bounds["last_day"].iloc[0])
    )
    # a day past the period's own (the 31st of a 30-day month) never happens: not shown
    lengths = dict(zip(periods, ends - first_days, strict=True))
    table = table[table["days"] <= table["period"].map(lengths)]
    table["whole"] = table["period"].map(dict(zip(periods, whole, strict=True)))
    table["period"] = table["period"].map(dict(zip(periods, starts, strict=True)))
    table = table[["period", "days", "people", "share", "whole"]].reset_index(drop=True)
    kept = table[table["whole"]]
    days = kept.groupby("days", as_index=False)["people"].sum()
    if period == "month" and (days["people"] > 0).any():  # up to the most anyone came
        days = days[days["days"] <= days.loc[days["people"] > 0, "days"].max()]
    total = days["people"].sum()
    days["share"] = days["people"] / total if total else np.nan
    meta = {"period": period, "active": _label(active), "whole_periods": int(whole.sum())}
    title = (
        gettext("Days active per week") if period == "week" else gettext("Days active per month")
    )
    return Stickiness(title=title, table=table, meta=meta, days=days)


def _local_day(ts: ibis.Value, zone: str) -> ibis.Value:
    """Days since 1970-01-01 of ``ts``'s date in ``zone``."""
    local = from_utc_timestamp(ts, zone) if zone != "UTC" else ts
    return unix_micros(local) // _DAY_US


def _day_numbers(moments: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of local midnights (their wall-clock date)."""
    wall = moments.dt.tz_localize(None)
    return ((wall - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy()


def _with_interval(table: pd.DataFrame, of: str) -> pd.DataFrame:
    """``table`` with retention (active / ``of``) and its 95% Wilson interval."""
    table = table.copy()
    table["retention"] = table["active"] / table[of].where(table[of] > 0)
    bounds = [
        wilson(k, n) if n > 0 else (np.nan, np.nan)
        for k, n in zip(table["active"], table[of], strict=True)
    ]
    table["ci_low"] = [low for low, _ in bounds]
    table["ci_high"] = [high for _, high in bounds]
    return table.reset_index(drop=True)


def _last_period(events: ibis.Table, period: Period, zone: str = "UTC") -> int:
    last = period_number(events.ts.max(), period, zone).to_pandas()
    if last is None or pd.isna(last):
        raise JejakError(gettext("no touchpoints yet: load some before asking for retention"))
    return int(last)


def _label(step: Any) -> str:
    return "any touchpoint" if step is None else FunnelStep.of(step).label
