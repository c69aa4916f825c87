"""Report sections of experiences (:mod:`jejak.analyses.experience`)."""

from __future__ import annotations

from typing import Any

from jejak.analyses.effectiveness import MIN_PEOPLE
from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.html.page import Section


def experience_sections(source: Any) -> list[Section]:
    """Where experiences were bad, and what a bad one did to moving on (none: no section)."""
    felt = source.experience()
    if not felt.meta["signals"]:
        return []
    meta = felt.meta
    churn = felt.churn.set_index("group")["churn_rate"]
    from jejak.report.figures.effectiveness import shown_effects
    from jejak.report.tables import touchpoint_effect_table

    # the chart's rows, in its words: the experiences (data, in English) in the reader's
    shown = shown_effects(felt.effects)[0]
    if "experience" in shown:
        shown = shown.assign(experience=[gettext(str(v)) for v in shown["experience"]])
    return [
        Section(
            heading=felt.title,
            intro=gettext(
                "{signals} touchpoints said how an interaction felt: {good} good, {neutral}"
                " neutral, {bad} bad, by the rules in jejak.yaml. Buyers with a bad experience"
                " churned {churned} against {others} (difference {difference}, 95% interval"
                " {low} to {high}; observational)."
            ).format(
                signals=fmt.people(meta["signals"]),
                good=fmt.people(meta["good"]),
                neutral=fmt.people(meta["neutral"]),
                bad=fmt.people(meta["bad"]),
                churned=fmt.percent(churn.get("bad experience")),
                others=fmt.percent(churn.get("none")),
                difference=fmt.signed_points(meta["churn_difference"]),
                low=fmt.signed_points(meta["churn_difference_low"]),
                high=fmt.signed_points(meta["churn_difference_high"]),
            ),
            figures=[felt.figure()],
            table=felt.table.head(15),
            columns=[
                fmt.Column("stage", N_("Stage")),
                fmt.Column("touchpoint", N_("Touchpoint")),
                fmt.Column("signals", N_("Signals"), fmt.people),
                fmt.Column("good", N_("Good"), fmt.people),
                fmt.Column("neutral", N_("Neutral"), fmt.people),
                fmt.Column("bad", N_("Bad"), fmt.people),
                fmt.Column("bad_share", N_("Bad share"), fmt.percent),
            ],
        ),
        Section(
            heading=gettext("Journeys to a bad experience"),
            intro=gettext(
                "The touchpoints just before each bad experience, most common first: the parts"
                " of the journey to fix."
            ),
            table=felt.journeys.head(10),
            columns=[
                fmt.Column("path", N_("Path")),
                fmt.Column("occurrences", N_("Times"), fmt.people),
                fmt.Column("people", N_("People"), fmt.people),
            ],
        ),
        Section(
            heading=gettext("After a bad or good experience"),
            intro=gettext(
                "Per stage, how fast people moved on after a bad (or good) experience there,"
                " against people at the same time in the stage without one (1x: no"
                " difference; observational)."
            )
            + "\n\n"
            + gettext(
                "A hollow dot, and '(few)' in the table: fewer than {count} people on a side,"
                " too few to judge; an arrowhead: an interval that runs past the chart's edge."
            ).format(count=MIN_PEOPLE),
            figures=[felt.effect_figure()] if len(shown) else [],
            table=touchpoint_effect_table(shown),  # ratios to 2 decimals
        ),
    ]
