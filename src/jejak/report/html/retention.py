"""Report sections of retention and the lifecycle (:mod:`jejak.analyses.retention`)."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext
from jejak.report.html.page import Section


def retention_sections(
    source: Any, *, by: str | None = None, period: str = "month"
) -> list[Section]:
    """Who kept buying: cohorts of first orders by month (or week), per group with ``by``
    (a first-touch field such as channel, or segment)."""
    from jejak.report.tables import retention_table

    kept = source.retention(period=period, active=source.settings.roles.step("purchase"), by=by)
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
    if by:
        intro += " " + gettext("One table per {field}.").format(field=gettext(by))
    return [
        Section(
            heading=gettext("Who kept buying by {field}").format(field=gettext(by))
            if by
            else gettext("Who kept buying"),
            intro=intro,
            figures=[kept.figure()],
            table=retention_table(kept.table, period, by),
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
