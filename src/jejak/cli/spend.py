"""``jejak spend``: keep what the ads cost, and set it against what they brought back."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from jejak.cli.app import AsJson, TableFile, narrowed_workspace, opened_workspace, out
from jejak.cli.helptexts import HelpCommand, HelpGroup
from jejak.cli.output import print_table, write_result
from jejak.language import gettext as _
from jejak.language import ngettext
from jejak.report import formatting as fmt

spend_app = typer.Typer(
    cls=HelpGroup,
    help="Ad spend: load what the ads cost, then see cost per acquisition and return.",
    no_args_is_help=True,
)


@spend_app.command("load", cls=HelpCommand)
def spend_load(
    files: Annotated[list[Path], typer.Argument(help="Spend files (CSV).")],
    channel: Annotated[
        str | None,
        typer.Option(help="The touchpoints' channel a platform's export bought (e.g. ads)."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="The touchpoints' traffic source the file bought (e.g. instagram)."),
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="The currency, when the file names none (e.g. IDR).")
    ] = None,
) -> None:
    """Keep what the ads cost per day, channel, campaign and traffic source: a Google Ads,
    Meta or TikTok export by day, or a CSV of date, channel, campaign, source, spend
    (campaign and source may be left out). A day loaded again replaces the figure loaded
    before.

    Examples: jejak spend load google-ads.csv --channel ads | jejak spend load biaya.csv
    """
    with opened_workspace(analyses=False) as ws:
        for path in files:
            kept = ws.load_spend(path, channel=channel, source=source, currency=currency)
            total = (
                fmt.money(kept.total, kept.currency) if kept.currency else fmt.number(kept.total, 0)
            )
            said = ngettext(
                "Kept {count} line of spend from {file} (a day of a channel and campaign),"
                " {first} to {last}, {total} in all",
                "Kept {count} lines of spend from {file} (a day of a channel and campaign"
                " each), {first} to {last}, {total} in all",
                kept.rows,
            ).format(
                count=fmt.people(kept.rows),
                file=kept.file,
                first=fmt.day(date.fromisoformat(kept.first_day)),
                last=fmt.day(date.fromisoformat(kept.last_day)),
                total=total,
            )
            if kept.replaced:
                said += " " + ngettext(
                    "({count} replaced a figure loaded before)",
                    "({count} replaced figures loaded before)",
                    kept.replaced,
                ).format(count=fmt.people(kept.replaced))
            out.print(said)


@spend_app.command("return", cls=HelpCommand)
def spend_return(
    by: Annotated[str, typer.Option(help="channel, campaign or source.")] = "channel",
    goal: Annotated[
        str | None, typer.Option(help="The stage a customer is acquired at (default: Convert).")
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(help="Attribution models to compare (default: all eight)."),
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """What each channel (campaign or traffic source) cost and brought back: cost per
    acquisition, and ROAS under each attribution model side by side, with where the models
    disagree.

    Examples: jejak spend return | jejak spend return --by campaign --model first_touch
    --model markov | jejak spend return --by source | jejak --since 2026-01-01 spend
    return
    """
    from jejak.report.tables import campaign_returns_table, spend_models_table, spend_table

    with narrowed_workspace() as ws:
        result = ws.spend_return(by=by, goal=goal, models=model or None)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    currency = result.meta["currency"]
    print_table(spend_table(result.table, by, currency), result.title)
    print_table(
        spend_models_table(result.models, by, currency),
        _("Return on ad spend by attribution model"),
    )
    if not result.campaigns.empty:
        print_table(
            campaign_returns_table(result.campaigns, currency),
            _("What the campaigns caused for what they cost"),
        )
