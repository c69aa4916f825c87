"""``jejak watch``: check the watch rules in jejak.yaml now, and send what fired."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from jejak.cli.app import AsJson, opened_workspace, out
from jejak.errors import JejakError
from jejak.language import gettext as _
from jejak.language import ngettext


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        said = _("{value} is not a time; write it like 2026-03-02 or 2026-03-02T09:00:00+07:00")
        raise JejakError(said.format(value=repr(text))) from None


def watch(
    notify: Annotated[
        bool,
        typer.Option("--notify", help="Send what fired (log, webhook, email), each alert once."),
    ] = False,
    every_rule: Annotated[
        bool, typer.Option("--all", help="Show the rules that did not fire too.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The data's 'now' for the conversion rules (default: the latest touchpoint).",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Check the watch rules in jejak.yaml (watch: rules:) now, and print what fired with
    its numbers and the dashboard view that shows it.

    Examples: jejak watch | jejak watch --notify | jejak watch --all --json
    """
    with opened_workspace() as ws:
        if not ws.settings.watch.rules:
            raise JejakError(
                _(
                    "no watch rules yet; write them under 'watch: rules:' in jejak.yaml"
                    " (jejak init writes an example)"
                )
            )
        findings = ws.watch(as_of=_moment(as_of))
        sent = ws.notify(findings) if notify else {}
    if as_json:
        out.print_json(data=findings.to_dict() | ({"sent": sent} if notify else {}))
        return
    link = ws.settings.watch.link
    shown = findings.findings if every_rule else findings.fired
    for finding in shown:
        mark = "[red]![/red]" if finding.fired else "[green]ok[/green]"
        out.print(f"{mark} [bold]{finding.rule}[/bold]: {finding.message}", highlight=False)
        out.print(f"   {finding.url(link)}", highlight=False)
    fired = len(findings.fired)
    said = ngettext(
        "{fired} of {count} finding fired",
        "{fired} of {count} findings fired",
        len(findings.findings),
    ).format(fired=fired, count=len(findings.findings))
    out.print(said, highlight=False)
    for channel, count in sent.items():
        out.print(
            ngettext(
                "Sent {count} new alert by {channel}", "Sent {count} new alerts by {channel}", count
            ).format(count=count, channel=channel),
            highlight=False,
        )
