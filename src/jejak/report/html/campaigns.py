"""Report sections of campaigns (:mod:`jejak.analyses.campaigns`)."""

from __future__ import annotations

from typing import Any

from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.html.customer_value import amount
from jejak.report.html.page import Section
from jejak.report.tables import transition, verdict


def campaign_sections(source: Any) -> list[Section]:
    """Every campaign on its transition, then each campaign's groups (none: no section)."""
    if not source.settings.campaigns:
        return []
    listed = source.campaigns()
    sections = [
        Section(
            heading=listed.title,
            intro=gettext(
                "Each campaign against the people it held out: the lift is the extra share of"
                " its audience that moved on to the target stage within its window, with a 95%"
                " interval. Transitions without a campaign are listed too."
            ),
            figures=[listed.figure()],
            table=listed.table,
            columns=[
                fmt.Column("transition", N_("Transition"), transition),
                fmt.Column("campaign", N_("Campaign")),
                fmt.Column("exposed", N_("Exposed"), fmt.people),
                fmt.Column("audience_fit", N_("In target stage"), fmt.percent),
                fmt.Column("response_rate", N_("Answered the call"), fmt.percent),
                fmt.Column("exposed_rate", N_("Moved (exposed)"), fmt.percent),
                fmt.Column("comparison_rate", N_("Moved (others)"), fmt.percent),
                fmt.Column("lift", N_("Lift"), fmt.signed_points),
                fmt.Column("incremental_customers", N_("Extra people moved"), fmt.number),
                fmt.Column("verdict", N_("Verdict"), verdict),
            ],
        )
    ]
    money = amount(source)
    for name in source.settings.campaigns:
        effect = source.campaign(name)
        meta = effect.meta
        kind = (
            gettext("observational: no holdout")
            if meta["observational"]
            else gettext("against its holdout")
        )
        said = str(meta["verdict"])
        shown = gettext(said)
        sections.append(
            Section(
                heading=effect.title,
                intro=gettext(
                    "{verdict} ({kind}). Lift {lift}, 95% interval {low} to {high}; about"
                    " {extra} extra people moved; revenue difference {revenue} (95% interval"
                    " {revenue_low} to {revenue_high}). {fit} of the exposed were in the target"
                    " stage."
                ).format(
                    verdict=shown[:1].upper() + shown[1:],
                    kind=kind,
                    lift=fmt.signed_points(meta["lift"]),
                    low=fmt.signed_points(meta["lift_low"]),
                    high=fmt.signed_points(meta["lift_high"]),
                    extra=fmt.number(meta["incremental_customers"], 0),
                    revenue=money(meta["incremental_revenue"]),
                    revenue_low=money(meta["incremental_revenue_low"]),
                    revenue_high=money(meta["incremental_revenue_high"]),
                    fit=fmt.percent(meta["audience_fit"]),
                ),
                figures=[effect.figure()],
                table=effect.table,
                columns=[
                    fmt.Column("group", N_("Group"), gettext),
                    fmt.Column("people", N_("People"), fmt.people),
                    fmt.Column("in_target_share", N_("In target stage"), fmt.percent),
                    fmt.Column("response_rate", N_("Answered the call"), fmt.percent),
                    fmt.Column("transition_rate", N_("Moved on"), fmt.percent),
                    fmt.Column("median_days_to_move", N_("Median days"), fmt.days),
                    fmt.Column("revenue_per_person", N_("Revenue per person"), money),
                ],
            )
        )
    return sections
