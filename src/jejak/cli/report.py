"""``jejak report`` (the self-contained HTML report) and ``jejak demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jejak.cli.app import narrowed_workspace, out, state
from jejak.cli.output import print_funnel, progress_bar
from jejak.language import gettext as _
from jejak.report import formatting as fmt


def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "report.html"
    ),
    min_count: Annotated[
        int, typer.Option(help="Leave transitions rarer than this out of the process map.")
    ] = 1,
) -> None:
    """Write a self-contained HTML report (opens offline; mail it to a colleague).

    Example: jejak report -o report.html
    """
    from jejak.report.html import journey_report_sections, write_report

    with narrowed_workspace(warned=False) as ws:  # the report shows them in its sections
        scope = [
            f"{k} {v}"
            for k, v in (
                ("since", state.since),
                ("until", state.until),
                ("only", state.only),
                ("acquired", state.acquired),
                ("segment", state.segment),
            )
            if v
        ]
        path = write_report(
            output,
            journey_report_sections(ws, min_count=min_count),
            title=_("Customer journey report"),
            subtitle=" · ".join([_("journey {name}").format(name=ws.journey.name), *scope]),
        )
    out.print(_("Wrote {file}").format(file=path))


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the demo.")] = Path(
        "demo"
    ),
    customers: Annotated[int, typer.Option(help="People in the simulated shop.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same shop).")] = 7,
) -> None:
    """Simulate a shop, load it, compute the journey, print the funnel, write report.html.

    Example: jejak demo --customers 5000
    """
    from jejak.demo import run_demo

    bar, report_progress = progress_bar()
    with bar:
        outcome = run_demo(directory, customers=customers, seed=seed, on_progress=report_progress)
    said = _("Simulated {people} people and {touchpoints} touchpoints into {workspace}")
    out.print(
        said.format(
            people=fmt.people(outcome.people),
            touchpoints=fmt.people(outcome.touchpoints),
            workspace=outcome.workspace,
        )
    )
    print_funnel(outcome.funnel)
    out.print(_("Report: {report}").format(report=outcome.report))
    out.print(_("Planted truth: {truth}").format(truth=outcome.truth))
