"""Report sections of retention and the lifecycle (:mod:`jejak.analyses.retention`)."""

from __future__ import annotations

from typing import Any

from jejak.report.html.page import Section


def retention_sections(
    source: Any, *, by: str | None = None, period: str = "month"
) -> list[Section]:
    """Who kept buying: cohorts of first orders by month (or week), per group with ``by``
    (a first-touch field such as channel, or segment)."""
    from jejak.report.tables import retention_table

    kept = source.retention(period=period, active=source.settings.roles.step("purchase"), by=by)
    per = f", per {by}" if by else ""
    return [
        Section(
            heading="Who kept buying" + (f" by {by}" if by else ""),
            intro=(
                f"Buyers by the {period} of their first order{per}, and the share who "
                f"ordered again in each later {period}."
            ),
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
            intro="New, returning, resurrecting and dormant people each month: the trend.",
            figures=[cycle.figure()],
        )
    ]
