"""Report sections of advocacy: NPS, reviews and referrals."""

from __future__ import annotations

from typing import Any

from jejak.language import N_, gettext
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
                intro=gettext(
                    "NPS {nps} from {people} people's latest answers (95% interval {low} to"
                    " {high}), month by month."
                ).format(
                    nps=f"{overall['nps']:+.0f}",
                    people=fmt.people(overall["answers"]),
                    low=f"{overall['ci_low']:+.0f}",
                    high=f"{overall['ci_high']:+.0f}",
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
                intro=gettext(
                    "{mean} stars on average from {reviews} reviews (95% interval {low} to"
                    " {high}); {positive} gave 4 or 5, month by month."
                ).format(
                    mean=fmt.number(overall["mean"], 2),
                    reviews=fmt.people(overall["reviews"]),
                    low=fmt.number(overall["ci_low"], 2),
                    high=fmt.number(overall["ci_high"], 2),
                    positive=fmt.percent(overall["positive"]),
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
                intro=gettext(
                    "K-factor {k}: {invites} invites per customer, {conversion} referred"
                    " customers per invite (a shared link can bring several). The table lists"
                    " the promoters who brought the most customers."
                ).format(
                    k=fmt.number(meta["k_factor"], 2),
                    invites=fmt.number(meta["invites_per_customer"], 2),
                    conversion=fmt.number(meta["invite_conversion"], 2),
                ),
                figures=[referred.figure()],
                table=referred.table.head(10),
                columns=[
                    fmt.Column("person_id", N_("Promoter")),
                    fmt.Column("invites", N_("Invites"), fmt.people),
                    fmt.Column("referred", N_("Referred"), fmt.people),
                    fmt.Column("referred_customers", N_("Became customers"), fmt.people),
                    fmt.Column("referred_revenue", N_("Their revenue"), amount(source)),
                    fmt.Column("depth", N_("Depth"), fmt.people),
                ],
            )
        )
    return sections
