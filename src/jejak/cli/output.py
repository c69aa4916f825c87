"""How commands show and write answers: tables, funnels, progress bars, CSV and JSON files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from jejak.cli.app import err, out, state
from jejak.language import NP_, ngettext, pgettext, stage
from jejak.language import gettext as _
from jejak.report import formatting as fmt

if TYPE_CHECKING:
    from rich.progress import Progress


# A finding's level (jejak check) as the analysis keeps it, shown translated
LEVELS = (NP_("finding", "fix"), NP_("finding", "warn"), NP_("finding", "info"))


def level(word: str) -> str:
    """A finding's level (fix, warn, info) as people read it."""
    return pgettext("finding", word)


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


def print_table(frame, title: str, labels: int = 1, words: int = 0) -> None:
    """A table whose first ``labels`` columns name the row; the rest are formatted
    numbers, but for the last ``words`` columns, which are text."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    text = len(frame.columns) - words
    for i, column in enumerate(frame.columns):
        left = i < labels or i >= text
        table.add_column(str(column), justify="left" if left else "right", no_wrap=i < labels)
    for row in frame.itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in row])
    out.print(table)


def print_funnel(funnel) -> None:
    from jejak.report.tables import funnel_table

    by = funnel.meta.get("by")
    if by is None:
        people = funnel.meta["people"]
        print_table(funnel_table(funnel.table), f"{funnel.title}: {fmt.headcount(people)}")
        return
    for value, group in funnel.table.groupby(by, sort=False):
        people = int(group["reached"].iloc[0]) if group["stage_index"].iloc[0] == 1 else None
        if people is None:
            print_table(funnel_table(group), f"{by} = {value}")
            continue
        heading = _("{by} = {value}: {count} reached {stage}")
        print_table(
            funnel_table(group),
            heading.format(
                by=by, value=value, count=fmt.people(people), stage=stage(group["stage"].iloc[0])
            ),
        )


def open_windows_line(meta: dict) -> str:
    """Under a funnel's table: how many people may still convert, what the table did
    with them and the option that does the other (empty when nobody may)."""
    count = int(meta.get("open_people") or 0)
    if not count:
        return ""
    if meta.get("open_windows") == "exclude":
        said = ngettext(
            "{count} person still has time to convert"
            " (left out; --open-windows include to count them)",
            "{count} people still have time to convert"
            " (left out; --open-windows include to count them)",
            count,
        )
    else:
        said = ngettext(
            "{count} person still has time to convert"
            " (counted as not converted yet; --open-windows exclude to leave them out)",
            "{count} people still have time to convert"
            " (counted as not converted yet; --open-windows exclude to leave them out)",
            count,
        )
    return said.format(count=fmt.people(count))


def write_result(result, output: Path) -> None:
    from jejak.report.exports import for_export

    if output.suffix == ".json":
        output.write_text(json.dumps(result.to_dict(), indent=2), "utf-8")
    else:
        for_export(result.table, state.timezone).to_csv(output, index=False)
    rows = len(result.table)
    out.print(
        ngettext("Wrote {count} row to {file}", "Wrote {count} rows to {file}", rows).format(
            count=fmt.people(rows), file=output
        )
    )


def write_people(people, output: Path) -> None:
    """One row per person (groups, clusters, best hours) as CSV."""
    from jejak.report.exports import for_export

    for_export(people, state.timezone).to_csv(output, index=False)
    out.print(_("Wrote {people} to {file}").format(people=fmt.headcount(len(people)), file=output))
