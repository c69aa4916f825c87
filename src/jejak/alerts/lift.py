"""Rule ``campaign_lift``: a campaign whose 95% lift interval excludes zero.

The lift and its interval are the campaigns analysis' (:mod:`jejak.analyses.campaigns`):
the exposed transition rate minus the held-out one. ``up`` fires when the whole interval
is above zero (the campaign moved people), ``down`` when it is below (it held them
back), ``any`` on either. One finding per campaign; its subject is the campaign and the
direction, so a campaign that turns from up to down is told again.
"""

from __future__ import annotations

import math

import pandas as pd

from jejak.alerts.findings import Finding, dashboard_path
from jejak.language import gettext
from jejak.model.watch import CampaignLift
from jejak.report import formatting as fmt


def check_lift(name: str, rule: CampaignLift, overview: pd.DataFrame) -> list[Finding]:
    """The rule on each campaign of ``overview`` (the campaigns analysis' table)."""
    found = []
    campaigns = overview[overview["campaign"].notna()]
    if rule.campaign is not None:
        campaigns = campaigns[campaigns["campaign"] == rule.campaign]
    for _, row in campaigns.iterrows():
        low, high = float(row["lift_low"]), float(row["lift_high"])
        up, down = low > 0, high < 0
        if math.isnan(low) or math.isnan(high):
            up = down = False
        fired = (up and rule.direction != "down") or (down and rule.direction != "up")
        if up:
            message = gettext(
                "Campaign {campaign} moved people: lift {lift} (95% interval {low} to {high})"
            )
        elif down:
            message = gettext(
                "Campaign {campaign} held people back: lift {lift} (95% interval {low} to {high})"
            )
        else:
            message = gettext(
                "Campaign {campaign}: lift {lift} (95% interval {low} to {high}) includes zero"
            )
        text = message.format(
            campaign=row["campaign"],
            lift=fmt.signed_points(row["lift"]),
            low=fmt.signed_points(low),
            high=fmt.signed_points(high),
        )
        direction = "up" if up else "down" if down else "none"
        numbers = {
            "campaign": row["campaign"],
            "transition": row["transition"],
            "exposed": int(row["exposed"]),
            "lift": float(row["lift"]),
            "lift_low": low,
            "lift_high": high,
            "direction": direction,
        }
        subject = f"{row['campaign']}:{direction}"
        path = dashboard_path("campaigns")
        found.append(Finding(name, rule.kind, subject, fired, text, path, numbers))
    return found
