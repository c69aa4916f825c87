"""Report sections of spend and return (:mod:`jejak.analyses.spend`)."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext, stage
from jejak.report.html.page import Section


def spend_sections(source: Any, *, by: str = "channel") -> list[Section]:
    """What each channel cost per customer and brought back under each attribution model
    (no spend loaded: no section)."""
    from jejak.report.tables import campaign_returns_table, spend_models_table, spend_table

    if source.ad_spend().empty:
        return []
    result = source.spend_return(by=by)
    currency = result.meta["currency"]
    intro = gettext(
        "What the ads cost and what they brought back. Cost per acquisition: the spend over"
        " the people the {field} brought in (their first touch) who reached {goal}. ROAS:"
        " the revenue each attribution model credits it, over the spend; above 1x it paid"
        " back. Where the models disagree (one says it pays, another not, or their credit is"
        " more than twice apart), test with a campaign and a holdout before moving budget."
    ).format(field=gettext(by), goal=stage(result.meta["goal"]))
    sections = [
        Section(
            heading=result.title,
            intro=intro,
            figures=[result.figure()],
            table=spend_table(result.table, by, currency),
        ),
        Section(
            heading=gettext("Return on ad spend by attribution model"),
            intro=gettext(
                "Each model's credited conversions and revenue, the cost per credited"
                " conversion and the return, side by side."
            ),
            table=spend_models_table(result.models, by, currency),
        ),
    ]
    if not result.campaigns.empty:
        sections.append(
            Section(
                heading=gettext("What the campaigns caused for what they cost"),
                intro=gettext(
                    "For each campaign the ad spend was loaded for: the customers it moved"
                    " beyond its holdout (its lift times the people it reached), the revenue"
                    " that came with them, and that revenue over its spend. Attribution shares"
                    " out what happened; this is what the campaign itself caused. An interval"
                    " that reaches zero or below means it may have caused nothing."
                ),
                table=campaign_returns_table(result.campaigns, currency),
            )
        )
    return sections
