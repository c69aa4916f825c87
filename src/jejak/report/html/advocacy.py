"""Report sections of advocacy: NPS, reviews and referrals."""

from __future__ import annotations

from typing import Any

from jejak.report import formatting as fmt
from jejak.report.html.customer_value import amount
from jejak.report.html.page import Section


def nps_sections(source: Any) -> list[Section]:
    """Net Promoter Score per month (none without answers)."""
    sections: list[Section] = []
    promoters = source.nps()
    overall = promoters.table.iloc[0]
    if overall["answers"]:
        sections.append(
            Section(
                heading=promoters.title,
                intro=(
                    f"NPS {overall['nps']:+.0f} from {fmt.people(overall['answers'])} "
                    f"people's latest answers (95% interval {overall['ci_low']:+.0f} to "
                    f"{overall['ci_high']:+.0f}), month by month."
                ),
                figures=[promoters.figure()],
            )
        )
    return sections


def review_sections(source: Any) -> list[Section]:
    """Review ratings per month (none without reviews)."""
    sections: list[Section] = []
    rated = source.reviews()
    overall = rated.table.iloc[0]
    if overall["reviews"]:
        sections.append(
            Section(
                heading=rated.title,
                intro=(
                    f"{fmt.number(overall['mean'], 2)} stars on average from "
                    f"{fmt.people(overall['reviews'])} reviews (95% interval "
                    f"{fmt.number(overall['ci_low'], 2)} to {fmt.number(overall['ci_high'], 2)}"
                    f"); {fmt.percent(overall['positive'])} gave 4 or 5, month by month."
                ),
                figures=[rated.figure()],
            )
        )
    return sections


def referral_sections(source: Any) -> list[Section]:
    """Referrals and the promoters to reward (none without any)."""
    sections: list[Section] = []
    referred = source.referrals()
    meta = referred.meta
    if meta["invites"] or meta["referred"]:
        sections.append(
            Section(
                heading=referred.title,
                intro=(
                    f"K-factor {fmt.number(meta['k_factor'], 2)}: "
                    f"{fmt.number(meta['invites_per_customer'], 2)} invites per customer, "
                    f"{fmt.number(meta['invite_conversion'], 2)} referred customers per "
                    "invite (a shared link can bring several). The table lists the "
                    "promoters who brought the most customers."
                ),
                figures=[referred.figure()],
                table=referred.table.head(10),
                columns=[
                    fmt.Column("person_id", "Promoter"),
                    fmt.Column("invites", "Invites", fmt.people),
                    fmt.Column("referred", "Referred", fmt.people),
                    fmt.Column("referred_customers", "Became customers", fmt.people),
                    fmt.Column("referred_revenue", "Their revenue", amount(source)),
                    fmt.Column("depth", "Depth", fmt.people),
                ],
            )
        )
    return sections
