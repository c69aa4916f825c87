"""Commands about customers: value, retention, nps, reviews, engagement, referrals,
rfm and clusters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jejak.cli.app import AsJson, TableFile, as_step, narrowed_workspace, out
from jejak.cli.output import print_table, write_people, write_result
from jejak.errors import JejakError
from jejak.language import gettext as _
from jejak.language import ngettext, pgettext, stage
from jejak.report import formatting as fmt

# The engagement groups' names: kept in data and segment definitions, shown translated
PURCHASE_HELP = "The touchpoint that is a purchase (default: roles: purchase in jejak.yaml)."


def value(
    by: Annotated[
        str, typer.Option(help="stage (current), a first-touch field, or segment.")
    ] = "stage",
    horizon: Annotated[float, typer.Option(help="How far ahead, in units.")] = 52,
    unit_days: Annotated[float, typer.Option(help="Days per unit (7: weeks).")] = 7,
    purchase: Annotated[str | None, typer.Option(help=PURCHASE_HELP)] = None,
    at_risk: Annotated[
        float | None,
        typer.Option(help="List buyers whose chance of still being a customer is below this."),
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Customer value: who is likely still a customer, and what they are expected to spend.

    Examples: jejak value --by channel | jejak value --at-risk 0.3 -o win_back.csv
    """
    from jejak.report.html import amount

    options = {"purchase": as_step(purchase), "horizon": horizon, "unit_days": unit_days}
    with narrowed_workspace() as ws:
        if at_risk is not None:
            result = ws.customer_value(**options)
            table = result.table[result.table["p_alive"] < at_risk]
            result.table = table.sort_values("expected_value", ascending=False)
            result.title = _("Buyers below {share} chance of still buying").format(
                share=fmt.percent(at_risk, 0)
            )
        else:
            result = ws.value_by(by, **options)
        money = amount(ws)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    if at_risk is not None:
        title = result.title[0].lower() + result.title[1:]
        out.print(_("{people}: {what}").format(people=fmt.headcount(len(result.table)), what=title))
        return
    from jejak.report.tables import value_by_table

    print_table(value_by_table(result.table, money), result.title)
    fit = result.meta["bg_nbd"]
    said = _("BG/NBD over {buyers} buyers: r {r}, alpha {alpha}, a {a}, b {b}")
    out.print(
        said.format(
            buyers=fmt.people(result.meta["customers"]),
            **{key: fmt.number(fit[key], 3) for key in ("r", "alpha", "a", "b")},
        )
    )


def retention(
    period: Annotated[str, typer.Option(help="week or month.")] = "month",
    active: Annotated[
        str | None, typer.Option(help="Count as active only this touchpoint (or stage:NAME).")
    ] = None,
    lifecycle: Annotated[
        bool, typer.Option(help="New, returning, resurrecting and dormant people per period.")
    ] = False,
    cohort: Annotated[
        str | None,
        typer.Option(help="Join at the first of this touchpoint (or stage:NAME); default: any."),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Cohorts per first-touch field (e.g. channel) or segment.")
    ] = None,
    on_or_after: Annotated[
        bool,
        typer.Option(
            "--on-or-after",
            help="Count a person until the last period they came back in (unbounded).",
        ),
    ] = False,
    at_least: Annotated[
        int, typer.Option(help="Touchpoints in a period that make a person active in it.")
    ] = 1,
    curve: Annotated[
        bool,
        typer.Option(help="All cohorts as one curve (rolling retention), with 95% intervals."),
    ] = False,
    trend: Annotated[
        int | None,
        typer.Option(help="The retention this many periods after joining, cohort by cohort."),
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Cohort retention: of the people who joined in a period, how many came back later.

    Examples: jejak retention --period week | jejak retention --active order --lifecycle |
    jejak retention --cohort stage:Convert --active order --by channel |
    jejak retention --on-or-after --curve | jejak retention --trend 1 --at-least 2
    """
    import dataclasses

    from jejak.report.figures.retention import trend_title
    from jejak.report.tables import (
        lifecycle_table,
        retention_curve_table,
        retention_table,
        retention_trend_table,
    )

    step = None if active is None else as_step(active)
    returned = "on_or_after" if on_or_after else "on"
    with narrowed_workspace() as ws:
        if lifecycle:
            result = ws.lifecycle(period=period, active=step)
        else:
            joined = None if cohort is None else as_step(cohort)
            result = ws.retention(
                period=period,
                active=step,
                cohort=joined,
                by=by,
                returned=returned,
                at_least=at_least,
            )
    if not lifecycle and (curve or trend is not None):
        # the curve or the trend stands for the cohort table: in files and JSON too
        if curve:
            shown = retention_curve_table(result.curve(), by)
            title = _("Rolling retention: all cohorts together")
            table = result.curve()
        else:
            table = result.trend(trend)
            shown = retention_trend_table(table, period, by)
            title = trend_title(period, trend)
        result = dataclasses.replace(result, title=title, table=table)
        if output:
            write_result(result, output)
        if as_json:
            out.print_json(data=result.to_dict())
        else:
            print_table(shown, title, labels=1 if by is None else 2)
        return
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
    elif lifecycle:
        print_table(lifecycle_table(result.table, period), result.title)
    elif by:
        for value, group in result.table.groupby(by, sort=False):
            shown = retention_table(group.drop(columns=by), period)
            print_table(
                shown, f"{result.title}: {by} = {value}", labels=1
            )  # Cohort; People and the shares are numbers
    else:
        print_table(
            retention_table(result.table, period), result.title, labels=1
        )  # Cohort; People and the shares are numbers


def stickiness(
    period: Annotated[str, typer.Option(help="week or month.")] = "week",
    active: Annotated[
        str | None, typer.Option(help="Count as active only this touchpoint (or stage:NAME).")
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """On how many days of a week (or month) people came: the distribution over the
    periods the data covers whole.

    Examples: jejak stickiness | jejak stickiness --period month --active order
    """
    from jejak.report.tables import stickiness_table

    step = None if active is None else as_step(active)
    with narrowed_workspace() as ws:
        result = ws.stickiness(period=period, active=step)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    whole = result.meta["whole_periods"]
    if not result.days.empty:
        print_table(stickiness_table(result.days), result.title, labels=0)
    out.print(_whole_periods(period, whole))


def _whole_periods(period: str, whole: int) -> str:
    """Over how many whole periods the distribution is, and where each period's are."""
    if period == "week":
        said = ngettext(
            "Over {count} whole week; each week's own counts: --output FILE.",
            "Over {count} whole weeks; each week's own counts: --output FILE.",
            whole,
        )
        return (
            said.format(count=fmt.people(whole))
            if whole
            else _("Each week's own counts: --output FILE.")
        )
    said = ngettext(
        "Over {count} whole month; each month's own counts: --output FILE.",
        "Over {count} whole months; each month's own counts: --output FILE.",
        whole,
    )
    return (
        said.format(count=fmt.people(whole))
        if whole
        else _("Each month's own counts: --output FILE.")
    )


def net_promoter(
    period: Annotated[str, typer.Option(help="week or month.")] = "month",
    survey: Annotated[
        str | None,
        typer.Option(help="The survey-answer touchpoint (default: roles: nps in jejak.yaml)."),
    ] = None,
    field: Annotated[
        str | None,
        typer.Option(help="The property holding the 0-10 score (default: from roles: nps)."),
    ] = None,
    output: TableFile = None,
) -> None:
    """Net Promoter Score with a 95% interval, per period, and where promoters are.

    Example: jejak nps --period week
    """
    import pandas as pd

    with narrowed_workspace() as ws:
        result = ws.nps(survey=as_step(survey), field=field, period=period)
    if output:
        write_result(result, output)
    table = result.table

    def score(value: float) -> str:
        return fmt.MISSING if fmt.is_missing(value) else f"{value:+.0f}"

    shown = pd.DataFrame(
        {
            _("Period"): table["period"],
            _("Answers"): table["answers"].map(fmt.people),
            _("Promoters"): table["promoters"].map(fmt.people),
            _("Passives"): table["passives"].map(fmt.people),
            _("Detractors"): table["detractors"].map(fmt.people),
            "NPS": table["nps"].map(score),
            _("95% interval"): [
                _("{low} to {high}").format(low=score(lo), high=score(hi))
                for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
            ],
        }
    )
    print_table(shown, result.title)


def reviews(
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Review ratings: mean with its interval, stars, month by month, and how reviewers at
    each star fare on the journey.

    Example: jejak reviews
    """
    import pandas as pd

    with narrowed_workspace() as ws:
        result = ws.reviews()
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table = result.table
    stars = [c for c in table.columns if c.startswith("stars_")]
    shown = pd.DataFrame(
        {
            _("Period"): table["period"],
            _("Reviews"): table["reviews"].map(fmt.people),
            _("Mean"): table["mean"].map(lambda v: fmt.number(v, 2)),
            _("95% interval"): [
                _("{low} to {high}").format(low=fmt.number(lo, 2), high=fmt.number(hi, 2))
                for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
            ],
            **{c.replace("stars_", "") + "★": table[c].map(fmt.percent) for c in stars},
        }
    )
    print_table(shown, result.title)
    for row in result.meta["journey"]:
        reached = ", ".join(
            _("{share} reached {stage}").format(share=fmt.percent(v), stage=stage(k))
            for k, v in row.items()
            if k not in ("kind", "people")
        )
        said = _("{stars}★ reviewers ({people}): {reached}")
        out.print(said.format(stars=row["kind"], people=fmt.people(row["people"]), reached=reached))


def engagement(
    threshold: Annotated[
        float, typer.Option(help="Engagement share from which a person follows content.")
    ] = 0.5,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write each person's share and group as CSV."),
    ] = None,
) -> None:
    """Engagement groups: who follows your content and who only transacts (the 77/23 split).

    Example: jejak engagement --threshold 0.3 -o groups.csv
    """
    import pandas as pd

    from jejak.report.tables import engagement_group

    with narrowed_workspace() as ws:
        result = ws.engagement_groups(threshold=threshold)
    if output:
        write_people(result.people, output)
    table = result.table
    shown = pd.DataFrame(
        {
            _("Group"): table["group"].map(engagement_group),
            _("People"): table["people"].map(fmt.people),
            _("Share"): table["share"].map(fmt.percent),
            _("Bought"): table["converted"].map(fmt.percent),
            _("Messages sent"): table["sent"].map(fmt.people),
            _("Opened"): table["open_rate"].map(fmt.percent),
            _("Clicked"): table["click_rate"].map(fmt.percent),
        }
    )
    print_table(shown, result.title)


def referrals(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the referrers as CSV (or .json)."),
    ] = None,
    top: Annotated[int, typer.Option(help="How many promoters to print.")] = 10,
) -> None:
    """Referrals: the K-factor, how deep chains go, and the promoters to reward.

    Example: jejak referrals -o promoters.csv
    """
    with narrowed_workspace() as ws:
        result = ws.referrals()
    if output:
        write_result(result, output)
    meta = result.meta
    said = _(
        "K-factor {k}: {invites} invites per customer x {conversion} referred customers per"
        " invite ({referred} referred customers of {customers}; chains up to {deepest} deep)"
    )
    out.print(
        said.format(
            k=fmt.number(meta["k_factor"], 2),
            invites=fmt.number(meta["invites_per_customer"], 2),
            conversion=fmt.number(meta["invite_conversion"], 2),
            referred=fmt.people(meta["referred_customers"]),
            customers=fmt.people(meta["customers"]),
            deepest=meta["deepest_chain"],
        )
    )
    import pandas as pd

    table = result.table.head(top)
    shown = pd.DataFrame(
        {
            _("Promoter"): table["person_id"],
            _("Invites"): table["invites"].map(fmt.people),
            _("Referred"): table["referred"].map(fmt.people),
            _("Became customers"): table["referred_customers"].map(fmt.people),
            _("Their revenue"): table["referred_revenue"].map(lambda v: fmt.number(v, 0)),
        }
    )
    print_table(shown, _("Top promoters"))


def rfm_segments(
    purchase: Annotated[str | None, typer.Option(help=PURCHASE_HELP)] = None,
    segment: Annotated[
        str | None, typer.Option(help="List the buyers of this segment, e.g. 'At risk'.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the buyers as CSV (or .json).")
    ] = None,
) -> None:
    """RFM: buyers scored 1-5 on recency, frequency and spend, in named segments.

    Examples: jejak rfm | jejak rfm --segment "At risk" -o win_back.csv
    """
    import pandas as pd

    from jejak.report.html import amount

    with narrowed_workspace() as ws:
        result = ws.rfm(purchase=as_step(purchase))
        money = amount(ws)
    if segment is not None:
        from jejak.analyses.rfm import SEGMENTS

        names = [name for name, _, _ in SEGMENTS]
        if segment not in names:
            raise JejakError(
                _("no RFM segment is called {name}; they are: {names}").format(
                    name=repr(segment), names=", ".join(names)
                )
            )
        result.table = result.table[result.table["segment"] == segment]
        out.print(
            _("{people} in {segment}").format(
                people=fmt.headcount(len(result.table)), segment=segment
            )
        )
    if output:
        write_result(result, output)
    summary = result.segments()
    shown = pd.DataFrame(
        {
            _("Segment"): summary["segment"].map(lambda name: pgettext("rfm", name)),
            _("Buyers"): summary["buyers"].map(fmt.people),
            _("Share"): summary["share"].map(fmt.percent),
            _("Days since last"): summary["recency_days"].map(lambda v: fmt.number(v, 0)),
            _("Purchases"): summary["frequency"].map(lambda v: fmt.number(v, 1)),
            _("Spent"): summary["monetary"].map(money),
        }
    )
    print_table(shown, result.title)


def clusters(
    k: Annotated[
        int | None, typer.Option(help="How many clusters (default: chosen, 3 to 8).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write each person's cluster as CSV."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Behavioural clusters: groups of people who move, arrive and act alike, in words.

    Example: jejak clusters --k 6 -o clusters.csv
    """
    import pandas as pd

    with narrowed_workspace() as ws:
        result = ws.clusters(k=k)
    if output:
        write_people(result.people, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table = result.table
    shown = pd.DataFrame(
        {
            _("Cluster"): table["cluster"],
            _("People"): table["people"].map(fmt.people),
            _("Share"): table["share"].map(fmt.percent),
            _("Who they are"): table["description"],
            _("Bought"): table["buyers"].map(fmt.percent),
            _("Revenue per person"): table["revenue"].map(lambda v: fmt.number(v, 0)),
        }
    )
    print_table(shown, f"{result.title} (k = {result.meta['k']})")
    out.print(_("Save one as a segment: jejak segments save NAME --cluster N --k K"))
