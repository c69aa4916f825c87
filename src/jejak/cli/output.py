"""How commands show and write answers: tables, funnels, progress bars, CSV and JSON files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from jejak.cli.app import err, out, state

if TYPE_CHECKING:
    from rich.progress import Progress


def progress_bar() -> tuple[Progress, object]:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    tasks: dict[str, int] = {}

    def report(step: str, fraction: float | None) -> None:
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=1.0)
        bar.update(tasks[step], completed=fraction or 0.0)

    return bar, report


def print_table(frame, title: str, labels: int = 1) -> None:
    """A table whose first ``labels`` columns name the row; the rest are formatted numbers."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, column in enumerate(frame.columns):
        table.add_column(str(column), justify="left" if i < labels else "right", no_wrap=i < labels)
    for row in frame.itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in row])
    out.print(table)


def print_funnel(funnel) -> None:
    from jejak.report.tables import funnel_table

    by = funnel.meta.get("by")
    if by is None:
        print_table(funnel_table(funnel.table), f"{funnel.title}: {funnel.meta['people']:,} people")
        return
    for value, group in funnel.table.groupby(by, sort=False):
        people = int(group["reached"].iloc[0]) if group["stage_index"].iloc[0] == 1 else None
        size = f": {people:,} reached {group['stage'].iloc[0]}" if people is not None else ""
        print_table(funnel_table(group), f"{by} = {value}{size}")


def write_result(result, output: Path) -> None:
    from jejak.report.exports import for_export

    if output.suffix == ".json":
        output.write_text(json.dumps(result.to_dict(), indent=2), "utf-8")
    else:
        for_export(result.table, state.timezone).to_csv(output, index=False)
    out.print(f"Wrote {len(result.table):,} rows to {output}")


def write_people(people, output: Path) -> None:
    """One row per person (groups, clusters, best hours) as CSV."""
    from jejak.report.exports import for_export

    for_export(people, state.timezone).to_csv(output, index=False)
    out.print(f"Wrote {len(people):,} people to {output}")
