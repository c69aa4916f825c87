"""``jejak compare``: two segments or groups side by side, and where their shares differ."""

from __future__ import annotations

from typing import Annotated

import typer

from jejak.cli.app import AsJson, TableFile, as_step, narrowed_workspace, out
from jejak.cli.output import print_table, write_result


def compare(
    a: Annotated[
        str,
        typer.Argument(
            help="A segment's name, or a group: people who had channel=social, stage:Convert,"
            " had:page_view...; first:channel=social for a first touch."
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(help="Another segment or group, or rest: everyone not in the first."),
    ] = "rest",
    what: Annotated[
        str, typer.Option(help="What to compare: stages, map, paths or journey.")
    ] = "stages",
    goal: Annotated[
        str | None, typer.Option(help="The paths' goal (default: stage:Convert).")
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(help="Paths (default 10) or touchpoints per stage (default 6) per side."),
    ] = None,
    min_count: Annotated[
        int, typer.Option(help="Map: leave out transitions seen fewer times than this.")
    ] = 1,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Two segments or groups (or one and everyone else) side by side: each share, the
    difference in points and its 95% interval, for the stage funnel, the process map,
    paths or the journey map.

    Examples: jejak compare instagram | jejak compare instagram rest --what map |
    jejak compare vip newcomers --what paths --goal stage:Convert |
    jejak compare first:channel=social first:channel=search
    """
    from jejak.report.comparisons import comparison_table, overlap_note

    with narrowed_workspace() as ws:
        result = ws.compare(a, b).of(
            what, goal=None if goal is None else as_step(goal), top=top, min_count=min_count
        )
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    print_table(comparison_table(result), result.title)
    note = overlap_note(result)
    if note:
        out.print(note)
