"""Report sections of retention and the lifecycle (:mod:`jejak.analyses.retention`)."""

from __future__ import annotations

from typing import Any

from jejak.analyses.effectiveness import MIN_PEOPLE
from jejak.language import gettext, stage
from jejak.report.html.page import Section


def _named(value: Any) -> str:
    """A touchpoint, rule or stage as the reader names it (a stage in the page's words)."""
    from jejak.model.funnel import FunnelStep

    chosen = FunnelStep.of(value)
    return stage(chosen.stage) if chosen.stage is not None else chosen.label


def _retention_words(
    period: str,
    returned: str,
    by: str | None,
    chosen: tuple[str, str] | None,
    active: str,
    at_least: int,
) -> tuple[str, str]:
    """The retention section's heading and intro: of buyers (``chosen`` None: cohorts of
    first orders, active with an order) or of the ``chosen`` (joined, active) touchpoints;
    ``active`` names what makes a period active (counted ``at_least`` times)."""
    later = returned == "on_or_after"
    if chosen is None:
        if by:
            heading = (
                gettext("Who kept buying by {field}, in the period or later")
                if later
                else gettext("Who kept buying by {field}")
            ).format(field=gettext(by))
        else:
            heading = (
                gettext("Who kept buying, in the period or later")
                if later
                else gettext("Who kept buying")
            )
        intro = (
            gettext(
                "Buyers by the month of their first order, and the share who ordered again in"
                " each later month."
            )
            if period == "month"
            else gettext(
                "Buyers by the week of their first order, and the share who ordered again in"
                " each later week."
            )
        )
    else:
        if by:
            heading = (
                gettext("Who came back by {field}, in the period or later")
                if later
                else gettext("Who came back by {field}")
            ).format(field=gettext(by))
        else:
            heading = (
                gettext("Who came back, in the period or later")
                if later
                else gettext("Who came back")
            )
        intro = (
            gettext(
                "People by the month of their first {joined}, and the share active ({active})"
                " in each later month."
            )
            if period == "month"
            else gettext(
                "People by the week of their first {joined}, and the share active ({active})"
                " in each later week."
            )
        ).format(joined=chosen[0], active=chosen[1])
    if at_least > 1:
        intro += " " + (
            gettext("Active in a month means {active} at least {count} times in it.")
            if period == "month"
            else gettext("Active in a week means {active} at least {count} times in it.")
        ).format(active=active, count=at_least)
    if later:
        intro += " " + (
            gettext(
                "Counted on or after: a buyer counts in every period up to the last one they"
                " ordered in, even one they skipped."
            )
            if chosen is None
            else gettext(
                "Counted on or after: a person counts in every period up to the last one they"
                " came back in, even one they skipped."
            )
        )
    if by:
        intro += " " + gettext("One table per {field}.").format(field=gettext(by))
    return heading, intro


def retention_sections(
    source: Any,
    *,
    by: str | None = None,
    period: str = "month",
    returned: str = "on",
    active: Any = None,
    joined: Any = None,
    at_least: int = 1,
    pooled: bool = True,
) -> list[Section]:
    """Who kept buying: cohorts of first orders by month (or week), per group with ``by``
    (a first-touch field such as channel, or segment); without groups, all cohorts as one
    curve and the first period's retention cohort by cohort too (``pooled``). ``returned``:
    "on" or "on_or_after" (see :mod:`jejak.analyses.retention`). ``active`` (default: a
    purchase), ``joined`` (the cohort's touchpoint, default: the first active one) and
    ``at_least`` (touchpoints that make a period active) are the retention's own, and
    its cells' (saved as segments)."""
    from jejak.report.figures.retention import trend_title
    from jejak.report.tables import (
        retention_curve_table,
        retention_table,
        retention_trend_table,
    )

    custom = active is not None or joined is not None
    active = source.settings.roles.step("purchase") if active is None else active
    options = {"returned": returned, "at_least": at_least}
    kept = source.retention(period=period, active=active, cohort=joined, by=by, **options)
    chosen = (_named(active if joined is None else joined), _named(active)) if custom else None
    heading, intro = _retention_words(period, returned, by, chosen, _named(active), at_least)
    saves = None if by else retention_cells(kept.table, period, active, returned, joined, at_least)
    sections = [
        Section(
            heading=heading,
            intro=intro,
            figures=[kept.figure()],
            table=retention_table(kept.table, period, by),
            cell_saves=saves,
        )
    ]
    if by or kept.table.empty or not pooled:
        return sections
    curve = kept.curve()
    sections.append(
        Section(
            heading=gettext("Rolling retention: all cohorts together"),
            intro=gettext(
                "Every cohort pooled: at each period since the first order, the share of the"
                " buyers of all the cohorts that have reached it who ordered again, with its"
                " 95% interval (the band). Young cohorts leave the later periods, so those"
                " rest on fewer buyers."
            )
            if chosen is None
            else gettext(
                "Every cohort pooled: at each period since joining, the share of the people"
                " of all the cohorts that have reached it who were active again, with its 95%"
                " interval (the band). Young cohorts leave the later periods, so those rest"
                " on fewer people."
            ),
            figures=[kept.curve_figure()],
            table=retention_curve_table(curve),
        )
    )
    trend = kept.trend(1)
    if len(trend) >= 2:
        sections.append(
            Section(
                heading=trend_title(period, 1),
                intro=(
                    gettext(
                        "The share who ordered again in the period after their first, cohort"
                        " by cohort: is it rising or falling for newer buyers? Hollow points"
                        " are cohorts under {count} buyers; the whiskers are 95% intervals."
                    )
                    if chosen is None
                    else gettext(
                        "The share active again in the period after joining, cohort by"
                        " cohort: is it rising or falling for newer people? Hollow points are"
                        " cohorts under {count} people; the whiskers are 95% intervals."
                    )
                ).format(count=MIN_PEOPLE),
                figures=[kept.trend_figure(1)],
                table=retention_trend_table(trend, period),
            )
        )
    return sections


def retention_cells(
    table: Any,
    period: str,
    active: Any,
    returned: str,
    joined: Any = None,
    at_least: int = 1,
) -> list[dict[str, dict[str, Any]]]:
    """Per row of :func:`~jejak.report.tables.retention_table` (a cohort), per period
    column with someone active, the retention cell that saves its people as a segment
    (with the retention's ``joined`` touchpoint and ``at_least`` when not the default)."""
    cells: list[dict[str, dict[str, Any]]] = []
    options: dict[str, Any] = {"joined": joined} if joined is not None else {}
    options |= {"at_least": at_least} if at_least != 1 else {}
    for cohort, periods in table.sort_values("cohort").groupby("cohort", sort=False):
        day = cohort.strftime("%Y-%m-%d")  # the cohort's own day, as the table shows it
        cell = {"cohort": day, "every": period, "active": active, "returned": returned}
        cells.append(
            {
                str(row.period): {"retention": {**cell, **options, "period": int(row.period)}}
                for row in periods.itertuples(index=False)
                if row.active > 0  # not an empty (or future) cell
            }
        )
    return cells


def stickiness_sections(source: Any, *, period: str = "week") -> list[Section]:
    """On how many days of a week people come (any touchpoint of theirs)."""
    from jejak.report.tables import stickiness_table

    sticky = source.stickiness(period=period)
    if sticky.days.empty:
        return []
    intro = gettext(
        "Of the people who came in a week, on how many of its days they came: one day is a"
        " visit, most days a habit. Over the {count} weeks the data covers whole."
    ).format(count=sticky.meta["whole_periods"])
    if period == "month":
        intro = gettext(
            "Of the people who came in a month, on how many of its days they came. Over the"
            " {count} months the data covers whole."
        ).format(count=sticky.meta["whole_periods"])
    return [
        Section(
            heading=sticky.title,
            intro=intro,
            figures=[sticky.figure()],
            table=stickiness_table(sticky.days),
        )
    ]


def lifecycle_sections(source: Any) -> list[Section]:
    """New, returning, resurrecting and dormant people month by month: the trend."""
    cycle = source.lifecycle(period="month")
    return [
        Section(
            heading=cycle.title,
            intro=gettext("New, returning, resurrecting and dormant people each month: the trend."),
            figures=[cycle.figure()],
        )
    ]
