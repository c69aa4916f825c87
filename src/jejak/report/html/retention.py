"""Report sections of retention and the lifecycle (:mod:`jejak.analyses.retention`)."""

from __future__ import annotations

from typing import Any

from jejak.analyses.effectiveness import MIN_PEOPLE
from jejak.language import gettext
from jejak.report.html.page import Section


def retention_sections(
    source: Any, *, by: str | None = None, period: str = "month", returned: str = "on"
) -> list[Section]:
    """Who kept buying: cohorts of first orders by month (or week), per group with ``by``
    (a first-touch field such as channel, or segment); without groups, all cohorts as one
    curve and the first period's retention cohort by cohort too. ``returned``: "on" or
    "on_or_after" (see :mod:`jejak.analyses.retention`)."""
    from jejak.report.figures.retention import trend_title
    from jejak.report.tables import (
        retention_curve_table,
        retention_table,
        retention_trend_table,
    )

    purchase = source.settings.roles.step("purchase")
    kept = source.retention(period=period, active=purchase, by=by, returned=returned)
    if period == "month":
        intro = gettext(
            "Buyers by the month of their first order, and the share who ordered again in"
            " each later month."
        )
    else:
        intro = gettext(
            "Buyers by the week of their first order, and the share who ordered again in"
            " each later week."
        )
    if returned == "on_or_after":
        intro += " " + gettext(
            "Counted on or after: a buyer counts in every period up to the last one they"
            " ordered in, even one they skipped."
        )
    if by:
        intro += " " + gettext("One table per {field}.").format(field=gettext(by))
    sections = [
        Section(
            heading=gettext("Who kept buying by {field}").format(field=gettext(by))
            if by
            else gettext("Who kept buying"),
            intro=intro,
            figures=[kept.figure()],
            table=retention_table(kept.table, period, by),
            cell_saves=None if by else retention_cells(kept.table, period, purchase, returned),
        )
    ]
    if by or kept.table.empty:
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
                intro=gettext(
                    "The share who ordered again in the period after their first, cohort by"
                    " cohort: is it rising or falling for newer buyers? Hollow points are"
                    " cohorts under {count} buyers; the whiskers are 95% intervals."
                ).format(count=MIN_PEOPLE),
                figures=[kept.trend_figure(1)],
                table=retention_trend_table(trend, period),
            )
        )
    return sections


def retention_cells(
    table: Any, period: str, active: Any, returned: str
) -> list[dict[str, dict[str, Any]]]:
    """Per row of :func:`~jejak.report.tables.retention_table` (a cohort), per period
    column with someone active, the retention cell that saves its people as a segment."""
    cells: list[dict[str, dict[str, Any]]] = []
    for cohort, periods in table.sort_values("cohort").groupby("cohort", sort=False):
        day = cohort.strftime("%Y-%m-%d")  # the cohort's own day, as the table shows it
        cell = {"cohort": day, "every": period, "active": active, "returned": returned}
        cells.append(
            {
                str(row.period): {"retention": {**cell, "period": int(row.period)}}
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
