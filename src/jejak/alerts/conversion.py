"""Rule ``conversion_drop``: a transition's conversion in a week, against the weeks before.

Definitions:
- A *week* runs from Monday 00:00 to the next Monday 00:00 in the workspace's time zone.
- A week's *people* entered ``from`` (their first touchpoint matching it, as in the stage
  funnel) in that week. They *moved* when they reached ``to`` no later than ``within``
  after entering ``from``; reaching ``to`` earlier counts, as reaching both stages is
  converting in the stage funnel. Conversion = moved / people.
- A week's *window closes* at its end + ``within``. The week checked is the latest whose
  window has closed by ``as_of``; the weeks before it are the ``weeks`` weeks just before.
- The *mean* is the mean of the weekly conversions of those weeks that have at least
  ``min_people`` people (each week counts once, whatever its size). The rule fires when
  the week checked has at least ``min_people`` people and its conversion is more than
  ``drop`` percent below the mean: conversion < mean x (1 - drop/100).
- Its link opens the dashboard's funnel of the two stages with the same window, over the
  week: the same people enter it (a date range bounds when people enter a funnel, and
  their moves count after it). The funnel counts a move in order only, where the rule
  also counts reaching ``to`` first.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from jejak.alerts.findings import Finding, dashboard_path
from jejak.analyses.stages import entered_column, stage_entries
from jejak.engine.functions import unix_micros
from jejak.language import gettext, ngettext
from jejak.language import stage as stage_name
from jejak.model.journey import Journey
from jejak.model.watch import ConversionDrop
from jejak.report import formatting as fmt

WEEK = timedelta(days=7)


def checked_week(as_of: datetime, within: timedelta, zone: str) -> datetime:
    """The start (local Monday 00:00, aware) of the latest week whose window has closed by
    ``as_of``: it ends at the last local Monday 00:00 at or before ``as_of - within``."""
    local = (as_of - within).astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    end = datetime.combine(monday, time(), ZoneInfo(zone))
    return _local_monday(end.date() - WEEK, zone)


def _local_monday(day: object, zone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(zone))  # type: ignore[arg-type]


def weekly_conversion(
    events: ibis.Table,
    journey: Journey,
    rule: ConversionDrop,
    starts: list[datetime],
) -> pd.DataFrame:
    """People, moved and conversion per week starting at each of ``starts`` (consecutive
    local Mondays): week_start, people, moved, conversion (0-1, NaN with no people)."""
    zone = starts[0].tzinfo
    bounds = [*starts, datetime.combine(starts[-1].date() + WEEK, time(), zone)]
    utc = [pd.Timestamp(b.astimezone(UTC)) for b in bounds]
    i, j = journey.index_of(rule.from_), journey.index_of(rule.to)
    wide = stage_entries(events, journey)
    entered, reached = wide[entered_column(i)], wide[entered_column(j)]

    def at(k: int) -> ibis.Value:
        return ibis.literal(utc[k], "timestamp('UTC')")

    week = ibis.cases(*[(entered < at(k + 1), k) for k in range(len(starts))])
    within_us = int(rule.within.total_seconds() * 1_000_000)
    moved = reached.notnull() & (unix_micros(reached) - unix_micros(entered) <= within_us)
    cohort = wide.filter(entered >= at(0), entered < at(len(starts)))
    cohort = cohort.mutate(_week=week, _moved=moved)
    # one row per week: small, so it comes into Python here
    counts = (
        cohort.group_by("_week")
        .aggregate(people=cohort.count(), moved=cohort.count(where=cohort._moved))
        .to_pandas()
    )
    found = {int(r["_week"]): (int(r["people"]), int(r["moved"])) for _, r in counts.iterrows()}
    rows = []
    for k, start in enumerate(starts):
        people, moved_people = found.get(k, (0, 0))
        rate = moved_people / people if people else float("nan")
        counted = {"people": people, "moved": moved_people, "conversion": rate}
        rows.append({"week_start": start.date(), **counted})
    return pd.DataFrame(rows, columns=["week_start", "people", "moved", "conversion"])


def _duration_text(within: timedelta) -> str:
    seconds = int(within.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def check_conversion(
    name: str,
    rule: ConversionDrop,
    events: ibis.Table,
    journey: Journey,
    zone: str,
    as_of: datetime,
) -> Finding:
    """The rule on the latest week whose window has closed by ``as_of``."""
    week = checked_week(as_of, rule.within, zone)
    starts = [_local_monday(week.date() - WEEK * (rule.weeks - k), zone) for k in range(rule.weeks)]
    starts.append(week)
    weeks = weekly_conversion(events, journey, rule, starts)
    this, before = weeks.iloc[-1], weeks.iloc[:-1]
    counted = before[before["people"] >= rule.min_people]
    mean = float(counted["conversion"].mean()) if len(counted) else float("nan")
    enough = int(this["people"]) >= rule.min_people and len(counted) > 0
    rate = float(this["conversion"])
    fired = enough and mean > 0 and rate < mean * (1 - rule.drop / 100)
    fall = 1 - rate / mean if enough and mean > 0 else float("nan")
    names = journey.stage_names
    from_label = stage_name(names[journey.index_of(rule.from_)])
    to_label = stage_name(names[journey.index_of(rule.to)])
    week_end = _local_monday(week.date() + WEEK, zone)
    numbers = {
        "from": rule.from_,
        "to": rule.to,
        "week_start": week.date().isoformat(),
        "people": int(this["people"]),
        "moved": int(this["moved"]),
        "conversion": rate,
        "mean": mean,
        "weeks_in_mean": len(counted),
        "fall": fall,
        "drop": rule.drop / 100,
        "within_days": rule.within.total_seconds() / 86_400,
    }
    if not enough:
        message = ngettext(
            "{transition}: the week of {week} has too few people to check ({people}), or"
            " no earlier week has {min} person",
            "{transition}: the week of {week} has too few people to check ({people}), or"
            " no earlier week has {min} people",
            rule.min_people,
        )
    else:
        message = gettext(
            "{transition}: conversion in the week of {week} was {rate} ({moved} of {people}),"
            " {fall} below its {weeks}-week mean of {mean}"
        )
        if rate >= mean:
            message = gettext(
                "{transition}: conversion in the week of {week} was {rate} ({moved} of"
                " {people}); its {weeks}-week mean is {mean}"
            )
    text = message.format(
        transition=gettext("{start} to {end}").format(start=from_label, end=to_label),
        week=fmt.day(week),
        rate=fmt.percent(rate),
        moved=fmt.people(int(this["moved"])),
        people=fmt.people(int(this["people"])),
        fall=fmt.percent(fall),
        weeks=len(counted),
        mean=fmt.percent(mean),
        min=fmt.people(rule.min_people),
    )
    # the funnel of the two stages entered in the week (its moves count after the week)
    path = dashboard_path(
        "funnels",
        steps=f"stage:{rule.from_},stage:{rule.to}",
        window=_duration_text(rule.within),
        since=week.date().isoformat(),
        until=week_end.date().isoformat(),
    )
    return Finding(name, rule.kind, week.date().isoformat(), fired, text, path, numbers)
