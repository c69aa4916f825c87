"""Report sections of campaigns (:mod:`jejak.analyses.campaigns`)."""

from __future__ import annotations

from typing import Any

from jejak.report import formatting as fmt
from jejak.report.html.customer_value import amount
from jejak.report.html.page import Section


def campaign_sections(source: Any) -> list[Section]:
    """Every campaign on its transition, then each campaign's groups (none: no section)."""
    if not source.settings.campaigns:
        return []
    listed = source.campaigns()
    sections = [
        Section(
            heading=listed.title,
            intro=(
                "Each campaign against the people it held out: the lift is the extra share "
                "of its audience that moved on to the target stage within its window, with a "
                "95% interval. Transitions without a campaign are listed too."
            ),
            figures=[listed.figure()],
            table=listed.table,
            columns=[
                fmt.Column("transition", "Transition"),
                fmt.Column("campaign", "Campaign"),
                fmt.Column("exposed", "Exposed", fmt.people),
                fmt.Column("audience_fit", "In target stage", fmt.percent),
                fmt.Column("response_rate", "Answered the call", fmt.percent),
                fmt.Column("exposed_rate", "Moved (exposed)", fmt.percent),
                fmt.Column("comparison_rate", "Moved (others)", fmt.percent),
                fmt.Column("lift", "Lift", fmt.signed_points),
                fmt.Column("incremental_customers", "Extra people moved", fmt.number),
                fmt.Column("verdict", "Verdict"),
            ],
        )
    ]
    money = amount(source)
    for name in source.settings.campaigns:
        effect = source.campaign(name)
        meta = effect.meta
        kind = "observational: no holdout" if meta["observational"] else "against its holdout"
        sections.append(
            Section(
                heading=effect.title,
                intro=(
                    f"{meta['verdict'].capitalize()} ({kind}). Lift "
                    f"{fmt.signed_points(meta['lift'])}, 95% interval "
                    f"{fmt.signed_points(meta['lift_low'])} to "
                    f"{fmt.signed_points(meta['lift_high'])}; about "
                    f"{fmt.number(meta['incremental_customers'], 0)} extra people moved; "
                    f"revenue difference {money(meta['incremental_revenue'])} (95% "
                    f"interval {money(meta['incremental_revenue_low'])} to "
                    f"{money(meta['incremental_revenue_high'])}). "
                    f"{fmt.percent(meta['audience_fit'])} of the exposed were in the target stage."
                ),
                figures=[effect.figure()],
                table=effect.table,
                columns=[
                    fmt.Column("group", "Group"),
                    fmt.Column("people", "People", fmt.people),
                    fmt.Column("in_target_share", "In target stage", fmt.percent),
                    fmt.Column("response_rate", "Answered the call", fmt.percent),
                    fmt.Column("transition_rate", "Moved on", fmt.percent),
                    fmt.Column("median_days_to_move", "Median days", fmt.days),
                    fmt.Column("revenue_per_person", "Revenue per person", money),
                ],
            )
        )
    return sections
