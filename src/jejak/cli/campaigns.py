"""Commands about campaigns and contact: did a campaign move its audience, and how
messages fare."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jejak.cli.app import AsJson, TableFile, narrowed_workspace, out
from jejak.cli.output import print_table, write_people, write_result
from jejak.language import current
from jejak.language import gettext as _
from jejak.report import formatting as fmt


def campaigns(
    name: Annotated[
        str | None, typer.Argument(help="One campaign from jejak.yaml (default: all of them).")
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Campaigns: did each move its audience across the transition it targets, more than
    the people it held out? Without a name, every campaign on its transition.

    Examples: jejak campaigns | jejak campaigns spring-signup --json
    """
    import pandas as pd

    from jejak.report.tables import transition, verdict

    with narrowed_workspace() as ws:
        result = ws.campaign(name) if name else ws.campaigns()
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    if name is None:
        table = result.table
        shown = pd.DataFrame(
            {
                _("Transition"): table["transition"].map(transition),
                _("Campaign"): table["campaign"].fillna("–"),
                _("Exposed"): table["exposed"].map(fmt.people),
                _("In target"): table["audience_fit"].map(fmt.percent),
                _("Moved (exposed)"): table["exposed_rate"].map(fmt.percent),
                _("Moved (others)"): table["comparison_rate"].map(fmt.percent),
                _("Lift"): table["lift"].map(fmt.signed_points),
                _("95% interval"): [
                    _("{low} to {high}").format(
                        low=fmt.signed_points(lo), high=fmt.signed_points(hi)
                    )
                    if pd.notna(lo)
                    else "–"
                    for lo, hi in zip(table["lift_low"], table["lift_high"], strict=True)
                ],
                _("Verdict"): table["verdict"].map(verdict),
            }
        )
        print_table(shown, result.title, labels=2)
        return
    meta, table = result.meta, result.table
    shown = pd.DataFrame(
        {
            _("Group"): table["group"],
            _("People"): table["people"].map(fmt.people),
            _("In target stage"): table["in_target_share"].map(fmt.percent),
            _("Answered the call"): table["response_rate"].map(fmt.percent),
            _("Moved on"): table["transition_rate"].map(fmt.percent),
            _("Median days"): table["median_days_to_move"].map(fmt.days),
            _("Revenue per person"): table["revenue_per_person"].map(lambda v: fmt.number(v, 0)),
        }
    )
    print_table(shown, result.title)
    said = _(
        "Lift {lift} (95% interval {low} to {high}): {verdict}; about {people} people moved"
        " because of it. Revenue difference {revenue} (95% interval {revenue_low} to"
        " {revenue_high})."
    )
    out.print(
        said.format(
            lift=fmt.signed_points(meta["lift"]),
            low=fmt.signed_points(meta["lift_low"]),
            high=fmt.signed_points(meta["lift_high"]),
            verdict=verdict(meta["verdict"]),
            people=fmt.number(meta["incremental_customers"], 0),
            revenue=fmt.number(meta["incremental_revenue"], 0),
            revenue_low=fmt.number(meta["incremental_revenue_low"], 0),
            revenue_high=fmt.number(meta["incremental_revenue_high"], 0),
        )
    )
    if meta["wrong_audience"]:
        said = _(
            "Only {share} of the exposed were in the target stage:"
            " most were the wrong customers for this campaign."
        )
        out.print(said.format(share=fmt.percent(meta["audience_fit"])))
    if meta["observational"]:
        out.print(_("No holdout: compared with people who were not exposed (observational)."))


def contact(
    by: Annotated[
        str, typer.Option(help="campaign, channel, source, medium or segment.")
    ] = "campaign",
    frequency: Annotated[
        bool, typer.Option("--frequency", help="Messages per week against the response.")
    ] = False,
    send_time: Annotated[
        bool,
        typer.Option("--send-time", help="Open rates by send hour, and each person's best hour."),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the table as CSV (with --send-time: everyone's best hour).",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Contact: what happened to your messages, how often is too often, when to send.

    Examples: jejak contact --by campaign | jejak contact --frequency |
    jejak contact --send-time -o best_hours.csv
    """
    import pandas as pd

    with narrowed_workspace() as ws:
        if send_time:
            result = ws.send_times()
        elif frequency:
            result = ws.contact_frequency()
        else:
            result = ws.contact_metrics(by=by)
    if output:
        if send_time:
            write_people(result.people, output)
        else:
            write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table, meta = result.table, result.meta
    if table.empty:
        out.print(
            _(
                "No messages yet: load the touchpoints of what you send (email_sent, sms_sent,"
                " ...; names in contact: of jejak.yaml)."
            )
        )
        return
    if send_time:
        top = table.sort_values(["open_rate", "messages"], ascending=False)
        top = top[top["messages"] >= max(30, int(table["messages"].median()))].head(10)
        if top.empty:  # few messages: show the hours there are
            top = table.sort_values(["open_rate", "messages"], ascending=False).head(10)
        shown = pd.DataFrame(
            {
                _("Sent"): [
                    f"{_weekday(d)} {h:02d}:00"
                    for d, h in zip(top["day"], top["hour"], strict=True)
                ],
                _("Messages"): top["messages"].map(fmt.people),
                _("Opened"): top["open_rate"].map(fmt.percent),
                _("Clicked"): top["click_rate"].map(fmt.percent),
            }
        )
        print_table(shown, _("The hours messages were opened most"))
        own = int((result.people["from"] == "own history").sum())
        said = _(
            "Best hours per person: {people} from their own history, the rest from"
            " everyone's (use -o to export them)."
        )
        out.print(said.format(people=fmt.people(own)))
        return
    if frequency:
        shown = pd.DataFrame(
            {
                _("Messages a week"): [
                    f"{n}+" if n == meta["cap"] else str(n) for n in table["per_week"]
                ],
                _("Person-weeks"): table["person_weeks"].map(fmt.people),
                _("Opened"): table["open_rate"].map(fmt.percent),
                _("Clicked"): table["click_rate"].map(fmt.percent),
                _("Clicks per person-week"): table["clicks_per_person_week"].map(
                    lambda v: fmt.number(v, 3)
                ),
                _("Unsubscribed"): table["unsubscribe_rate"].map(lambda v: fmt.percent(v, 2)),
                _("Moved on a stage"): table["moved_on"].map(fmt.percent),
            }
        )
        print_table(shown, result.title)
        if meta["returns_fall_after"] is not None:
            said = _(
                "Returns fall beyond {count} messages a week: more bring"
                " fewer clicks per person (observational: who gets more is your choice)."
            )
            out.print(said.format(count=meta["returns_fall_after"]))
        return
    shown = pd.DataFrame(
        {
            fmt.label(by): table[by],
            **({_("Channel"): table["channel"]} if "channel" in table and by != "channel" else {}),
            _("Sent"): table["sent"].map(fmt.people),
            _("Opened"): table["open_rate"].map(fmt.percent),
            _("Clicked"): table["click_rate"].map(fmt.percent),
            _("Click-to-open"): table["click_to_open"].map(fmt.percent),
            _("Unsubscribed"): table["unsubscribe_rate"].map(lambda v: fmt.percent(v, 2)),
            _("Complaints"): table["complaint_rate"].map(lambda v: fmt.percent(v, 2)),
        }
    )
    print_table(shown, result.title)
    said = _("{count} messages: {share} were clicked.")
    out.print(said.format(count=fmt.people(meta["sent"]), share=fmt.percent(meta["click_rate"])))


def _weekday(day: str) -> str:
    """A weekday's English short name (Mon, as the analysis keeps it) as people read it."""
    from jejak.analyses.contact import DAYS

    if current() == "en" or day not in DAYS:
        return day
    from babel.dates import get_day_names

    return get_day_names("abbreviated", locale=current())[DAYS.index(day)]
