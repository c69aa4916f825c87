"""Report sections of experiences (:mod:`jejak.analyses.experience`)."""

from __future__ import annotations

from typing import Any

from jejak.report import formatting as fmt
from jejak.report.html.page import Section


def experience_sections(source: Any) -> list[Section]:
    """Where experiences were bad, and what a bad one did to moving on (none: no section)."""
    felt = source.experience()
    if not felt.meta["signals"]:
        return []
    meta = felt.meta
    churn = felt.churn.set_index("group")["churn_rate"]
    from jejak.report.tables import touchpoint_effect_table

    shown = felt.effects[felt.effects["verdict"] != "too few people"]
    return [
        Section(
            heading=felt.title,
            intro=(
                f"{fmt.people(meta['signals'])} touchpoints said how an interaction felt: "
                f"{fmt.people(meta['good'])} good, {fmt.people(meta['neutral'])} neutral, "
                f"{fmt.people(meta['bad'])} bad, by the rules in jejak.yaml. Buyers with a bad "
                f"experience churned {fmt.percent(churn.get('bad experience'))} against "
                f"{fmt.percent(churn.get('none'))} (difference "
                f"{fmt.signed_points(meta['churn_difference'])}, 95% interval "
                f"{fmt.signed_points(meta['churn_difference_low'])} to "
                f"{fmt.signed_points(meta['churn_difference_high'])}; observational)."
            ),
            figures=[felt.figure()],
            table=felt.table.head(15),
            columns=[
                fmt.Column("stage", "Stage"),
                fmt.Column("touchpoint", "Touchpoint"),
                fmt.Column("signals", "Signals", fmt.people),
                fmt.Column("good", "Good", fmt.people),
                fmt.Column("neutral", "Neutral", fmt.people),
                fmt.Column("bad", "Bad", fmt.people),
                fmt.Column("bad_share", "Bad share", fmt.percent),
            ],
        ),
        Section(
            heading="Journeys to a bad experience",
            intro=(
                "The touchpoints just before each bad experience, most common first: the "
                "parts of the journey to fix."
            ),
            table=felt.journeys.head(10),
            columns=[
                fmt.Column("path", "Path"),
                fmt.Column("occurrences", "Times", fmt.people),
                fmt.Column("people", "People", fmt.people),
            ],
        ),
        Section(
            heading="After a bad or good experience",
            intro=(
                "Per stage, how fast people moved on after a bad (or good) experience there, "
                "against people at the same time in the stage without one (1x: no "
                "difference; observational)."
            ),
            figures=[felt.effect_figure()] if len(shown) else [],
            table=touchpoint_effect_table(shown),  # the chart's rows, ratios to 2 decimals
        ),
    ]
