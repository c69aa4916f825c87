"""The ``jejak`` command: one command per task; the library does the work."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from jejak import __version__
from jejak.errors import JejakError, LoadError, WorkspaceError
from jejak.model import PRESETS
from jejak.report import formatting as fmt

if TYPE_CHECKING:
    from rich.progress import Progress

    from jejak.model.config import Settings

# Only what every command needs is imported above, so that --help, --version and usage
# errors answer at once; each command imports the library it uses (the workspace brings
# DuckDB, Ibis, pandas and SciPy; settings bring Pydantic).

# Parameters several commands share, spelled once
Goal = Annotated[
    str | None,
    typer.Argument(help="What converts: a touchpoint, or stage:NAME (default: Convert)."),
]
TableFile = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the table as CSV (or .json).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


app = typer.Typer(
    help="jejak: customer-journey analytics. Load touchpoints, see where people are on the"
    " journey, and who to move next.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
# piped output is not cut to 80 columns: tables stay whole in files and logs
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)


DEFAULT_CONFIG = Path("jejak.yaml")


class State:
    config: Path | None = None  # given with --config: must exist
    workspace: Path | None = None
    debug: bool = False
    since: str | None = None
    until: str | None = None
    only: str | None = None
    acquired: str | None = None
    segment: str | None = None
    timezone: str = "UTC"  # the workspace's, once opened: exports write times in it


state = State()


def _show_version(shown: bool) -> None:
    if shown:
        out.print(f"jejak {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show jejak's version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Settings file \\[default: jejak.yaml].")
    ] = None,
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="Workspace file (overrides settings).")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    since: Annotated[
        str | None, typer.Option(help="Only touchpoints from this date, e.g. 2026-01-01.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only touchpoints before this date.")] = None,
    only: Annotated[
        str | None,
        typer.Option(help="Only people who had this: a touchpoint, stage:NAME or field=value."),
    ] = None,
    acquired: Annotated[
        str | None,
        typer.Option(help="Only people whose first touchpoint matches, e.g. channel=ads."),
    ] = None,
    segment: Annotated[
        str | None, typer.Option(help="Only the people of this saved segment (jejak segments).")
    ] = None,
) -> None:
    state.config, state.workspace, state.debug = config, workspace, debug
    state.since, state.until, state.only, state.acquired = since, until, only, acquired
    state.segment = segment


def _config_path() -> Path:
    return state.config or DEFAULT_CONFIG


def _open(*, must_exist: bool = True, analyses: bool = True):
    """The workspace named by --workspace or the settings; read commands need it to exist.
    Without ``analyses``, only its storage (loading imports neither pandas nor SciPy)."""
    from jejak.model.config import Settings, load_settings, workspace_path

    path = _config_path()
    if state.config is not None or path.exists():
        settings, folder = load_settings(path), path.parent
    else:
        settings, folder = Settings(), Path(".")
    target = state.workspace or workspace_path(settings, folder)
    state.timezone = settings.timezone
    if must_exist and not target.exists():
        raise JejakError(
            f"{target}: no workspace yet; load touchpoints first: jejak load events.csv"
        )
    try:
        if not analyses:
            from jejak.store.storage import Storage  # DuckDB and Ibis: only from here

            return Storage(target, settings)
        from jejak.store.workspace import open_workspace  # and pandas, SciPy

        return open_workspace(target, settings)
    except WorkspaceError as exc:  # locked: by a jejak serve, whose control file says so
        from jejak.server.control import explained

        raise explained(target, exc) from None


@contextmanager
def _analyse(warned: bool = True) -> Iterator[Any]:
    """The workspace, narrowed by --since/--until/--only/--acquired/--segment when given;
    the warnings of its answers (why one is empty) are printed when the command ends."""
    with _open() as ws:
        source = ws
        if state.since or state.until:
            source = source.between(state.since, state.until)
        if state.only:
            source = source.only(_step(state.only))
        if state.acquired:
            source = source.only(_step(state.acquired), first=True)
        if state.segment:
            source = source.segment(state.segment)
        if not warned:
            yield source
            return
        from jejak.analyses.diagnosis import Noting

        noting = Noting(source)
        try:
            yield noting
        finally:
            for note in noting.take():  # why an answer is empty, and what to set
                err.print(f"[yellow]warning:[/yellow] {note}", highlight=False)


def _progress() -> tuple[Progress, object]:
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


def _print_table(frame, title: str, labels: int = 1) -> None:
    """A table whose first ``labels`` columns name the row; the rest are formatted numbers."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, column in enumerate(frame.columns):
        table.add_column(str(column), justify="left" if i < labels else "right", no_wrap=i < labels)
    for row in frame.itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in row])
    out.print(table)


def _print_funnel(funnel) -> None:
    from jejak.report.tables import funnel_table

    by = funnel.meta.get("by")
    if by is None:
        _print_table(
            funnel_table(funnel.table), f"{funnel.title}: {funnel.meta['people']:,} people"
        )
        return
    for value, group in funnel.table.groupby(by, sort=False):
        people = int(group["reached"].iloc[0]) if group["stage_index"].iloc[0] == 1 else None
        size = f": {people:,} reached {group['stage'].iloc[0]}" if people is not None else ""
        _print_table(funnel_table(group), f"{by} = {value}{size}")


@app.command()
def init(
    journey: Annotated[str, typer.Option(help=f"Journey preset: {', '.join(PRESETS)}.")] = (
        "value-journey"
    ),
    timezone: Annotated[
        str | None,
        typer.Option(
            help="Zone of timestamps without offset \\[default: UTC; guessed with --from]."
        ),
    ] = None,
    workspace: Annotated[str, typer.Option(help="Workspace file to create.")] = "jejak.duckdb",
    force: Annotated[bool, typer.Option(help="Overwrite an existing jejak.yaml.")] = False,
    from_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--from",
            help="Propose the settings from these files (or folders): columns, separator,"
            " amounts, time format and event roles, each guess said in a comment.",
        ),
    ] = None,
    more_files: Annotated[
        list[Path] | None, typer.Argument(help="More files for --from.", show_default=False)
    ] = None,
) -> None:
    """Write a commented jejak.yaml (journey preset and column mapping).

    Example: jejak init --timezone Asia/Jakarta
    Example: jejak init --from export.csv orders.xlsx
    """
    target = _config_path()
    if target.exists() and not force:
        raise JejakError(f"{target} exists; edit it, or pass --force to overwrite it")
    if more_files and not from_files:
        raise JejakError(f"to read {more_files[0]}, write: jejak init --from {more_files[0]}")
    from pydantic import ValidationError

    from jejak.model.config import Settings, settings_template

    try:  # the options, checked before anything is written
        Settings(timezone=timezone or "UTC", journey=journey)
    except ValidationError as exc:
        problem = exc.errors()[0]
        option = "--timezone" if problem["loc"][0] == "timezone" else "--journey"
        raise JejakError(f"{option}: {problem['msg'].removeprefix('Value error, ')}") from None
    if from_files:
        from jejak.proposal import propose_settings

        files = [*from_files, *(more_files or [])]
        proposal = propose_settings(files, timezone=timezone, journey=journey, workspace=workspace)
        target.write_text(proposal.text, "utf-8")
        for line in proposal.summary():
            out.print(line, soft_wrap=True, markup=False, highlight=False)
        out.print(f"Wrote {target}: check the guesses in its comments", soft_wrap=True)
        out.print(f"Next: jejak load {' '.join(map(str, files))}, then jejak stages")
        return
    timezone = timezone or "UTC"
    target.write_text(settings_template(workspace, timezone, journey), "utf-8")
    out.print(f"Wrote {target}: journey {journey}, time zone {timezone}, workspace {workspace}")
    out.print("Next: jejak load events.csv, then jejak stages")


@app.command()
def load(
    files: Annotated[
        list[Path],
        typer.Argument(help="CSV, TSV, Excel .xlsx, Parquet or JSON Lines (.gz ok), or folders."),
    ],
    skip_invalid: Annotated[
        bool, typer.Option(help="Store valid rows; write invalid ones to <file>.rejected.csv.")
    ] = False,
    identities: Annotated[
        bool, typer.Option(help="The files map anonymous_id to customer_id.")
    ] = False,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="A documented export: ga4 (BigQuery export, Parquet or JSON), segment"
            " (Segment/RudderStack messages, JSON), shopify (orders CSV), or touchpoints"
            " (a plain file). Default: recognised by the file's columns.",
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="The jejak.yaml source that reads the files (its columns, constants and"
            " ids). Default: the source whose 'files' pattern matches each file's name.",
        ),
    ] = None,
) -> None:
    """Store touchpoints from files; a file with invalid rows stores nothing.

    GA4 BigQuery exports, Segment/RudderStack message files and Shopify orders CSV
    exports are recognised by their columns (or name one with --format).

    A folder loads every touchpoint file in it, one load per file; a file that fails
    does not stop the others (the command then ends with an error). --format applies
    to each file of the folder.

    With sources in jejak.yaml, each file is read by the source its name matches
    (or the one named with --source); an identities-only source stores its links.

    Example: jejak load events.csv orders.parquet --skip-invalid
    Example: jejak load pesanan_maret.csv --source orders
    """
    for path in files:  # before the workspace is made: a typo leaves no empty workspace
        if not path.exists():
            raise LoadError.no_such_file(path)
    from jejak.store.loading import count as count_of

    failed = 0
    with _open(must_exist=False, analyses=False) as ws:
        for path in files:
            if identities:
                links = count_of(ws.load_identities(path), "identity link")
                out.print(f"{links} stored from {path}")
                continue
            bar, report = _progress()
            with bar:
                summary = ws.load(
                    path,
                    skip_invalid=skip_invalid,
                    on_progress=report,
                    format=format,
                    source=source,
                )
            out.print(str(summary), soft_wrap=True)
            failed += len(getattr(summary, "failed", ()))
    if failed:
        raise JejakError(f"{count_of(failed, 'file')} not loaded; see above")


@app.command()
def loads(
    rejected: Annotated[
        bool, typer.Option("--rejected", help="Show the rejected rows kept in the workspace.")
    ] = False,
    load_id: Annotated[
        int | None, typer.Option("--load", help="Only this load's rejected rows.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rejected rows.")] = 50,
) -> None:
    """What was loaded: each file or collector batch, when, rows read, stored, rejected.

    Example: jejak loads --rejected --load 3
    """
    with _open() as ws:
        if not (rejected or load_id is not None):
            table = ws.loads()
            if table.empty:
                out.print("Nothing loaded yet: jejak load events.csv")
                return
            table["loaded_at"] = table["loaded_at"].dt.strftime("%Y-%m-%d %H:%M")
            counts = ("rows_read", "rows_stored", "rows_rejected", "rows_repeated")
            for column in (*counts, "rows_conflicting"):
                table[column] = table[column].map(lambda n: f"{int(n):,}")
            _print_table(table.drop(columns="rejects_file").fillna(""), "Loads", labels=3)
            return
        rows = ws.rejected(load_id, limit=limit)
        if rows.empty:
            out.print("No rejected rows kept" + (f" for load {load_id}" if load_id else ""))
            return
        _print_table(rows.fillna(""), f"Rejected rows (up to {limit:,})", labels=6)


@app.command()
def check(
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with 1 when something needs fixing.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """What jejak makes of the data: matches per stage rule and role, touchpoints that
    match nothing, answers that will be empty and why, suspicious data.

    Example: jejak check --strict
    """
    import pandas as pd

    with _analyse(warned=False) as ws:
        result = ws.check()
    if as_json:
        out.print_json(data=result.to_dict())
    else:
        table = result.table
        for kind, title in (("stage", "Stage rules"), ("role", "Event roles")):
            part = table[table["kind"] == kind]
            shown = pd.DataFrame(
                {
                    "Stage" if kind == "stage" else "Role": part["name"],
                    "Matches": part["rule"],
                    "Touchpoints": part["touchpoints"].map(fmt.people),
                    "People": part["people"].map(fmt.people),
                }
            )
            _print_table(shown, title, labels=2)
        if len(result.unplaced):
            unplaced = result.unplaced
            shown = pd.DataFrame(
                {
                    "Touchpoint": unplaced["event"],
                    "Touchpoints": unplaced["touchpoints"].map(fmt.people),
                    "People": unplaced["people"].map(fmt.people),
                }
            )
            _print_table(shown, "Touchpoints no role or stage rule names")
        colours = {"fix": "red", "warn": "yellow", "info": "blue"}
        for finding in result.findings.itertuples():
            colour = colours[finding.level]
            out.print(f"[{colour}]{finding.level}[/{colour}] {finding.message}", highlight=False)
        if result.findings.empty:
            out.print("Nothing to fix: every answer has what it needs.")
    if strict and result.needs_fixing:
        raise typer.Exit(1)


@app.command()
def stages(
    stuck: Annotated[
        str | None, typer.Option(help="List people whose furthest stage is this one.")
    ] = None,
    days: Annotated[
        float, typer.Option(help="With --stuck: in the stage over this many days.")
    ] = 30,
    output: TableFile = None,
    as_json: AsJson = False,
    by: Annotated[
        str | None,
        typer.Option(
            help="One funnel per value of the first touchpoint's field (e.g. channel),"
            " or per saved segment: --by segment."
        ),
    ] = None,
) -> None:
    """The stage funnel, or (with --stuck) who has stalled in a stage.

    Examples: jejak stages --by channel | jejak stages --stuck Subscribe --days 30 -o audience.csv
    """
    with _analyse() as ws:
        result = ws.stuck(stuck, days) if stuck else ws.stages(by=by)
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
    elif stuck:
        out.print(
            f"{fmt.headcount(result.meta['people'])} stuck in {result.meta['stage']} for more than"
            f" {days:g} days (as of {fmt.timestamp(result.meta['as_of'])})"
        )
        if not output:
            _print_table(result.table.head(20), "First 20 (use -o to export all)")
    else:
        _print_funnel(result)


@app.command()
def funnel(
    steps: Annotated[
        list[str],
        typer.Argument(help="Touchpoint names in order; stage:NAME for a journey stage."),
    ],
    window: Annotated[str, typer.Option(help="Conversion window from step 1: 30d, 12h, 45m.")] = (
        "30d"
    ),
    order: Annotated[str, typer.Option(help="ordered, strict (nothing between) or any.")] = (
        "ordered"
    ),
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="Touchpoints that void an attempt between the first and last step."),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(help="Split by a field of step 1 (e.g. channel), or --by segment."),
    ] = None,
    dropped_at: Annotated[
        int | None, typer.Option(help="List who reached this step (1-based) and not the next.")
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """A funnel over touchpoints or stages, or (with --dropped-at) who dropped off where.

    Examples: jejak funnel page_view product_view order --window 7d --by channel |
    jejak funnel stage:Subscribe stage:Convert --dropped-at 1 -o follow_up.csv
    """
    parsed = [_step(s) for s in steps]
    options = {"window": window, "order": order, "exclusions": exclude or []}
    with _analyse() as ws:
        if dropped_at is not None:
            result = ws.funnel_dropoffs(parsed, dropped_at, **options)
        else:
            result = ws.funnel(parsed, by=by, **options)
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
    elif dropped_at is not None:
        out.print(f"{fmt.headcount(len(result.table))} {result.title[0].lower()}{result.title[1:]}")
        if not output:
            _print_table(result.table.head(20), "First 20 (use -o to export all)")
    else:
        from jejak.report.tables import funnel_steps_table

        table = result.table
        groups = table.groupby(by, sort=False) if by else [(None, table)]
        for value, group in groups:
            heading = result.title if value is None else f"{by} = {value}"
            _print_table(funnel_steps_table(group), heading)


def _write(result, output: Path) -> None:
    from jejak.report.exports import for_export

    if output.suffix == ".json":
        output.write_text(json.dumps(result.to_dict(), indent=2), "utf-8")
    else:
        for_export(result.table, state.timezone).to_csv(output, index=False)
    out.print(f"Wrote {len(result.table):,} rows to {output}")


def _write_people(people, output: Path) -> None:
    """One row per person (groups, clusters, best hours) as CSV."""
    from jejak.report.exports import for_export

    for_export(people, state.timezone).to_csv(output, index=False)
    out.print(f"Wrote {len(people):,} people to {output}")


def _step(text: str | None) -> Any:
    """A touchpoint name, stage:NAME, role:NAME, field=value (e.g. channel=ads) or a JSON
    rule; None (not given) stays None: the analysis reads the roles in jejak.yaml."""
    from jejak.model.funnel import parse_step

    return None if text is None else parse_step(text)


PURCHASE_HELP = "The touchpoint that is a purchase (default: roles: purchase in jejak.yaml)."


@app.command()
def paths(
    after: Annotated[
        str | None, typer.Option(help="Paths from this touchpoint (or stage:NAME).")
    ] = (None),
    before: Annotated[
        str | None, typer.Option(help="Paths up to this touchpoint (or stage:NAME).")
    ] = None,
    to: Annotated[
        str | None, typer.Option(help="Top complete paths to this goal, with conversion.")
    ] = None,
    steps: Annotated[int, typer.Option(help="Touchpoints on a path.")] = 5,
    top: Annotated[int, typer.Option(help="Touchpoints kept by name; the rest read 'other'.")] = (
        10
    ),
    keep_repeats: Annotated[
        bool, typer.Option(help="Keep a touchpoint repeated right after itself.")
    ] = False,
    output: TableFile = None,
) -> None:
    """Where people go after a touchpoint, come from before one, or which paths reach a goal.

    Examples: jejak paths --after page_view | jejak paths --before stage:Convert |
    jejak paths --to order --steps 4
    """
    with _analyse() as ws:
        if to is not None:
            result = ws.top_paths(_step(to), steps=steps, collapse=not keep_repeats)
        else:
            result = ws.paths(
                after=None if after is None else _step(after),
                before=None if before is None else _step(before),
                steps=steps,
                top=top,
                collapse=not keep_repeats,
            )
    if output:
        _write(result, output)
    table = result.table
    if to is not None:
        from jejak.report.tables import top_paths_table

        _print_table(top_paths_table(table), result.title)
        return
    shown = table.assign(people=table["people"].map(fmt.people)).rename(columns=str.capitalize)
    _print_table(shown.groupby("Step").head(5), f"{result.title}: the 5 largest flows per step", 3)


@app.command()
def journey(
    by: Annotated[
        str | None,
        typer.Option(help="One map per first-touch field value (e.g. channel), or segment."),
    ] = None,
    top: Annotated[int, typer.Option(help="Touchpoints per stage.")] = 6,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the map as CSV, .json or .html.")
    ] = None,
) -> None:
    """The journey map: per stage, the touchpoints people have there and how they fare.

    Example: jejak journey --by channel -o map.html
    """
    with _analyse() as ws:
        result = ws.journey_map(by=by, top=top)
    if output and output.suffix == ".html":
        from jejak.report.html import journey_map_sections, write_report

        write_report(output, journey_map_sections(result), title=result.title)
        out.print(f"Wrote {output}")
    elif output:
        _write(result, output)
    from jejak.report.tables import journey_map_table

    table = result.table
    groups = table.groupby(by, sort=False) if by else [(None, table)]
    for value, group in groups:
        heading = result.title if value is None else f"{by} = {value}"
        _print_table(journey_map_table(group), heading, labels=2)


@app.command()
def attribution(
    goal: Goal = None,
    by: Annotated[str, typer.Option(help="Credit channels, campaigns, sources, events...")] = (
        "channel"
    ),
    model: Annotated[
        list[str] | None,
        typer.Option(help="Models to compare (repeat); default: all eight."),
    ] = None,
    lookback: Annotated[
        str, typer.Option(help="Touches older than this before a conversion are ignored.")
    ] = "90d",
    half_life: Annotated[str, typer.Option(help="Time decay: a touch this old counts half.")] = (
        "7d"
    ),
    order: Annotated[int, typer.Option(help="Markov order: 1, 2 or 3 touches of memory.")] = 1,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the table as CSV, .json or .html."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Which channels (or campaigns, touchpoints) get the credit for conversions, per model.

    Examples: jejak attribution order --by campaign |
    jejak attribution stage:Subscribe --model markov --model shapley --order 2
    """
    with _analyse() as ws:
        result = ws.attribution(
            None if goal is None else _step(goal),
            by=by,
            models=model,
            lookback=lookback,
            half_life=half_life,
            order=order,
        )
    if output and output.suffix == ".html":
        from jejak.report.html import attribution_sections, write_report

        write_report(output, attribution_sections(result), title=result.title)
        out.print(f"Wrote {output}")
    elif output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    from jejak.report.tables import attribution_table

    _print_table(attribution_table(result.table, result.meta["models"]), result.title)
    untouched = result.meta["untouched_conversions"]
    if untouched:
        out.print(f"{fmt.people(untouched)} conversions had no {by} touch and are not shared.")
    if "last_non_direct" in result.meta["models"]:
        from jejak.report.html import direct_note

        out.print(direct_note(result.meta), highlight=False)


@app.command()
def touchpoints(
    goal: Goal = None,
    by: Annotated[str, typer.Option(help="event (the touchpoint), channel, campaign...")] = (
        "event"
    ),
    effects: Annotated[
        bool, typer.Option(help="Per stage: who moved on with and without each touchpoint.")
    ] = False,
    min_people: Annotated[
        int, typer.Option(help="Effects: fewest people on each side for a verdict.")
    ] = 30,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Which touchpoints come before conversions, and which help people move on.

    Examples: jejak touchpoints order | jejak touchpoints --effects --by channel
    """
    from jejak.report.tables import touchpoint_effect_table, touchpoint_ratio_table

    with _analyse() as ws:
        if effects:
            result = ws.touchpoint_effects(by=by, min_people=min_people)
        else:
            result = ws.touchpoint_ratios(None if goal is None else _step(goal), by=by)
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
    elif effects:
        _print_table(touchpoint_effect_table(result.table), result.title, labels=2)
        out.print(
            "Observational: people who had a touchpoint may differ in other ways too; "
            "test a promising one with a holdout."
        )
    else:
        _print_table(touchpoint_ratio_table(result.table), result.title)


@app.command()
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

    options = {"purchase": _step(purchase), "horizon": horizon, "unit_days": unit_days}
    with _analyse() as ws:
        if at_risk is not None:
            result = ws.customer_value(**options)
            table = result.table[result.table["p_alive"] < at_risk]
            result.table = table.sort_values("expected_value", ascending=False)
            result.title = f"Buyers below {fmt.percent(at_risk, 0)} chance of still buying"
        else:
            result = ws.value_by(by, **options)
        money = amount(ws)
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    if at_risk is not None:
        title = result.title[0].lower() + result.title[1:]
        out.print(f"{fmt.headcount(len(result.table))}: {title}")
        return
    from jejak.report.tables import value_by_table

    _print_table(value_by_table(result.table, money), result.title)
    fit = result.meta["bg_nbd"]
    out.print(
        f"BG/NBD over {fmt.people(result.meta['customers'])} buyers: r {fit['r']:.3f}, "
        f"alpha {fit['alpha']:.3f}, a {fit['a']:.3f}, b {fit['b']:.3f}"
    )


@app.command()
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
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Cohort retention: of the people who joined in a period, how many came back later.

    Examples: jejak retention --period week | jejak retention --active order --lifecycle |
    jejak retention --cohort stage:Convert --active order --by channel
    """
    from jejak.report.tables import lifecycle_table, retention_table

    step = None if active is None else _step(active)
    with _analyse() as ws:
        if lifecycle:
            result = ws.lifecycle(period=period, active=step)
        else:
            joined = None if cohort is None else _step(cohort)
            result = ws.retention(period=period, active=step, cohort=joined, by=by)
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
    elif lifecycle:
        _print_table(lifecycle_table(result.table, period), result.title)
    elif by:
        for value, group in result.table.groupby(by, sort=False):
            shown = retention_table(group.drop(columns=by), period)
            _print_table(
                shown, f"{result.title}: {by} = {value}", labels=1
            )  # Cohort; People and the shares are numbers
    else:
        _print_table(
            retention_table(result.table, period), result.title, labels=1
        )  # Cohort; People and the shares are numbers


@app.command(name="nps")
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

    with _analyse() as ws:
        result = ws.nps(survey=_step(survey), field=field, period=period)
    if output:
        _write(result, output)
    table = result.table

    def score(value: float) -> str:
        return fmt.MISSING if fmt.is_missing(value) else f"{value:+.0f}"

    shown = pd.DataFrame(
        {
            "Period": table["period"],
            "Answers": table["answers"].map(fmt.people),
            "Promoters": table["promoters"].map(fmt.people),
            "Passives": table["passives"].map(fmt.people),
            "Detractors": table["detractors"].map(fmt.people),
            "NPS": table["nps"].map(score),
            "95% interval": [
                f"{score(lo)} to {score(hi)}"
                for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
            ],
        }
    )
    _print_table(shown, result.title)


@app.command()
def reviews(
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Review ratings: mean with its interval, stars, month by month, and how reviewers at
    each star fare on the journey.

    Example: jejak reviews
    """
    import pandas as pd

    with _analyse() as ws:
        result = ws.reviews()
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table = result.table
    stars = [c for c in table.columns if c.startswith("stars_")]
    shown = pd.DataFrame(
        {
            "Period": table["period"],
            "Reviews": table["reviews"].map(fmt.people),
            "Mean": table["mean"].map(lambda v: fmt.number(v, 2)),
            "95% interval": [
                f"{fmt.number(lo, 2)} to {fmt.number(hi, 2)}"
                for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
            ],
            **{c.replace("stars_", "") + "★": table[c].map(fmt.percent) for c in stars},
        }
    )
    _print_table(shown, result.title)
    for row in result.meta["journey"]:
        reached = ", ".join(
            f"{fmt.percent(v)} reached {k}" for k, v in row.items() if k not in ("kind", "people")
        )
        out.print(f"{row['kind']}★ reviewers ({fmt.people(row['people'])}): {reached}")


@app.command()
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

    with _analyse() as ws:
        result = ws.engagement_groups(threshold=threshold)
    if output:
        _write_people(result.people, output)
    table = result.table
    shown = pd.DataFrame(
        {
            "Group": table["group"],
            "People": table["people"].map(fmt.people),
            "Share": table["share"].map(fmt.percent),
            "Bought": table["converted"].map(fmt.percent),
            "Messages sent": table["sent"].map(fmt.people),
            "Opened": table["open_rate"].map(fmt.percent),
            "Clicked": table["click_rate"].map(fmt.percent),
        }
    )
    _print_table(shown, result.title)


@app.command()
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
    with _analyse() as ws:
        result = ws.referrals()
    if output:
        _write(result, output)
    meta = result.meta
    out.print(
        f"K-factor {fmt.number(meta['k_factor'], 2)}: "
        f"{fmt.number(meta['invites_per_customer'], 2)} invites per customer x "
        f"{fmt.number(meta['invite_conversion'], 2)} referred customers per invite "
        f"({fmt.people(meta['referred_customers'])} referred customers of "
        f"{fmt.people(meta['customers'])}; chains up to {meta['deepest_chain']} deep)"
    )
    import pandas as pd

    table = result.table.head(top)
    shown = pd.DataFrame(
        {
            "Promoter": table["person_id"],
            "Invites": table["invites"].map(fmt.people),
            "Referred": table["referred"].map(fmt.people),
            "Became customers": table["referred_customers"].map(fmt.people),
            "Their revenue": table["referred_revenue"].map(lambda v: fmt.number(v, 0)),
        }
    )
    _print_table(shown, "Top promoters")


@app.command(name="rfm")
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

    with _analyse() as ws:
        result = ws.rfm(purchase=_step(purchase))
    if segment is not None:
        from jejak.analyses.rfm import SEGMENTS

        names = [name for name, _, _ in SEGMENTS]
        if segment not in names:
            raise JejakError(f"no RFM segment is called {segment!r}; they are: {', '.join(names)}")
        result.table = result.table[result.table["segment"] == segment]
        out.print(f"{fmt.headcount(len(result.table))} in {segment}")
    if output:
        _write(result, output)
    summary = result.segments()
    shown = pd.DataFrame(
        {
            "Segment": summary["segment"],
            "Buyers": summary["buyers"].map(fmt.people),
            "Share": summary["share"].map(fmt.percent),
            "Days since last": summary["recency_days"].map(lambda v: fmt.number(v, 0)),
            "Purchases": summary["frequency"].map(lambda v: fmt.number(v, 1)),
            "Spent": summary["monetary"].map(lambda v: fmt.number(v, 0)),
        }
    )
    _print_table(shown, result.title)


@app.command()
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

    with _analyse() as ws:
        result = ws.clusters(k=k)
    if output:
        _write_people(result.people, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table = result.table
    shown = pd.DataFrame(
        {
            "Cluster": table["cluster"],
            "People": table["people"].map(fmt.people),
            "Share": table["share"].map(fmt.percent),
            "Who they are": table["description"],
            "Bought": table["buyers"].map(fmt.percent),
            "Revenue per person": table["revenue"].map(lambda v: fmt.number(v, 0)),
        }
    )
    _print_table(shown, f"{result.title} (k = {result.meta['k']})")
    out.print("Save one as a segment: jejak segments save NAME --cluster N --k K")


@app.command()
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

    with _analyse() as ws:
        result = ws.campaign(name) if name else ws.campaigns()
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    if name is None:
        table = result.table
        shown = pd.DataFrame(
            {
                "Transition": table["transition"],
                "Campaign": table["campaign"].fillna("–"),
                "Exposed": table["exposed"].map(fmt.people),
                "In target": table["audience_fit"].map(fmt.percent),
                "Moved (exposed)": table["exposed_rate"].map(fmt.percent),
                "Moved (others)": table["comparison_rate"].map(fmt.percent),
                "Lift": table["lift"].map(fmt.signed_points),
                "95% interval": [
                    f"{fmt.signed_points(lo)} to {fmt.signed_points(hi)}" if pd.notna(lo) else "–"
                    for lo, hi in zip(table["lift_low"], table["lift_high"], strict=True)
                ],
                "Verdict": table["verdict"],
            }
        )
        _print_table(shown, result.title, labels=2)
        return
    meta, table = result.meta, result.table
    shown = pd.DataFrame(
        {
            "Group": table["group"],
            "People": table["people"].map(fmt.people),
            "In target stage": table["in_target_share"].map(fmt.percent),
            "Answered the call": table["response_rate"].map(fmt.percent),
            "Moved on": table["transition_rate"].map(fmt.percent),
            "Median days": table["median_days_to_move"].map(fmt.days),
            "Revenue per person": table["revenue_per_person"].map(lambda v: fmt.number(v, 0)),
        }
    )
    _print_table(shown, result.title)
    out.print(
        f"Lift {fmt.signed_points(meta['lift'])} (95% interval "
        f"{fmt.signed_points(meta['lift_low'])} to {fmt.signed_points(meta['lift_high'])}): "
        f"{meta['verdict']}; about {fmt.number(meta['incremental_customers'], 0)} people moved"
        f" because of it. Revenue difference {fmt.number(meta['incremental_revenue'], 0)}"
        f" (95% interval {fmt.number(meta['incremental_revenue_low'], 0)} to"
        f" {fmt.number(meta['incremental_revenue_high'], 0)})."
    )
    if meta["wrong_audience"]:
        out.print(
            f"Only {fmt.percent(meta['audience_fit'])} of the exposed were in the target stage:"
            " most were the wrong customers for this campaign."
        )
    if meta["observational"]:
        out.print("No holdout: compared with people who were not exposed (observational).")


@app.command()
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

    with _analyse() as ws:
        if send_time:
            result = ws.send_times()
        elif frequency:
            result = ws.contact_frequency()
        else:
            result = ws.contact_metrics(by=by)
    if output:
        if send_time:
            _write_people(result.people, output)
        else:
            _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table, meta = result.table, result.meta
    if table.empty:
        out.print(
            "No messages yet: load the touchpoints of what you send (email_sent, sms_sent, ...;"
            " names in contact: of jejak.yaml)."
        )
        return
    if send_time:
        top = table.sort_values(["open_rate", "messages"], ascending=False)
        top = top[top["messages"] >= max(30, int(table["messages"].median()))].head(10)
        if top.empty:  # few messages: show the hours there are
            top = table.sort_values(["open_rate", "messages"], ascending=False).head(10)
        shown = pd.DataFrame(
            {
                "Sent": [f"{d} {h:02d}:00" for d, h in zip(top["day"], top["hour"], strict=True)],
                "Messages": top["messages"].map(fmt.people),
                "Opened": top["open_rate"].map(fmt.percent),
                "Clicked": top["click_rate"].map(fmt.percent),
            }
        )
        _print_table(shown, "The hours messages were opened most")
        own = int((result.people["from"] == "own history").sum())
        out.print(
            f"Best hours per person: {fmt.people(own)} from their own history, the rest from"
            " everyone's (use -o to export them)."
        )
        return
    if frequency:
        shown = pd.DataFrame(
            {
                "Messages a week": [
                    f"{n}+" if n == meta["cap"] else str(n) for n in table["per_week"]
                ],
                "Person-weeks": table["person_weeks"].map(fmt.people),
                "Opened": table["open_rate"].map(fmt.percent),
                "Clicked": table["click_rate"].map(fmt.percent),
                "Clicks per person-week": table["clicks_per_person_week"].map(
                    lambda v: fmt.number(v, 3)
                ),
                "Unsubscribed": table["unsubscribe_rate"].map(lambda v: fmt.percent(v, 2)),
                "Moved on a stage": table["moved_on"].map(fmt.percent),
            }
        )
        _print_table(shown, result.title)
        if meta["returns_fall_after"] is not None:
            out.print(
                f"Returns fall beyond {meta['returns_fall_after']} messages a week: more bring"
                " fewer clicks per person (observational: who gets more is your choice)."
            )
        return
    shown = pd.DataFrame(
        {
            by.capitalize(): table[by],
            **({"Channel": table["channel"]} if "channel" in table and by != "channel" else {}),
            "Sent": table["sent"].map(fmt.people),
            "Opened": table["open_rate"].map(fmt.percent),
            "Clicked": table["click_rate"].map(fmt.percent),
            "Click-to-open": table["click_to_open"].map(fmt.percent),
            "Unsubscribed": table["unsubscribe_rate"].map(lambda v: fmt.percent(v, 2)),
            "Complaints": table["complaint_rate"].map(lambda v: fmt.percent(v, 2)),
        }
    )
    _print_table(shown, result.title)
    out.print(
        f"{fmt.people(meta['sent'])} messages: {fmt.percent(meta['click_rate'])} were clicked."
    )


@app.command(name="experience")
def experience_command(
    churn_days: Annotated[
        float, typer.Option(help="Buyers with no touchpoint this many days have churned.")
    ] = 90,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Experience: where interactions felt bad, and what a bad one does to moving on and
    to churn (rules: experience: in jejak.yaml).

    Example: jejak experience
    """
    import pandas as pd

    with _analyse() as ws:
        result = ws.experience(churn_days=churn_days)
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table, meta = result.table, result.meta
    if table.empty:
        out.print(
            "No experience signals yet: reviews, NPS or CSAT answers, support tickets, failed"
            " payments... (the rules are under experience: in jejak.yaml)."
        )
        return
    shown = pd.DataFrame(
        {
            "Stage": table["stage"],
            "Touchpoint": table["touchpoint"],
            "Signals": table["signals"].map(fmt.people),
            "Good": table["good"].map(fmt.people),
            "Neutral": table["neutral"].map(fmt.people),
            "Bad": table["bad"].map(fmt.people),
            "Bad share": table["bad_share"].map(fmt.percent),
        }
    )
    _print_table(shown.head(15), result.title, labels=2)
    effects = result.effects[result.effects["experience"] == "bad"]
    if len(effects):
        shown = pd.DataFrame(
            {
                "Stage": effects["stage"],
                "People with a bad one": effects["people_with"].map(fmt.people),
                "Moving on, with / without": effects["rate_ratio"].map(
                    lambda v: fmt.number(v, 2) + "x" if pd.notna(v) else "–"
                ),
                "95% interval": [
                    f"{fmt.number(lo, 2)} to {fmt.number(hi, 2)}" if pd.notna(lo) else "–"
                    for lo, hi in zip(effects["ci_low"], effects["ci_high"], strict=True)
                ],
                "Verdict": effects["verdict"],
            }
        )
        _print_table(shown, "After a bad experience (observational)")
    churn = result.churn.set_index("group")["churn_rate"]
    out.print(
        f"Churned within {churn_days:g} days: {fmt.percent(churn.get('bad experience'))} of"
        f" buyers with a bad experience, {fmt.percent(churn.get('none'))} without (difference"
        f" {fmt.signed_points(meta['churn_difference'])}, 95% interval"
        f" {fmt.signed_points(meta['churn_difference_low'])} to"
        f" {fmt.signed_points(meta['churn_difference_high'])}; observational)."
    )


segments_app = typer.Typer(
    help="Saved segments: list them, save one, export its people as an audience.",
    no_args_is_help=False,
    invoke_without_command=True,
)
app.add_typer(segments_app, name="segments")


@segments_app.callback()
def segments_list(ctx: typer.Context) -> None:
    """Every segment: where it is defined, what it means, how many people are in it.

    Examples: jejak segments | jejak segments save vip --rfm Champions --rfm Loyal |
    jejak segments export vip -o vip.csv | jejak --segment vip stages
    """
    if ctx.invoked_subcommand is not None:
        return
    import pandas as pd

    with _open() as ws:
        table = ws.segments().table
    if table.empty:
        out.print(
            "No segments yet. Save one (jejak segments save NAME --had order) or define them"
            " under 'segments:' in jejak.yaml."
        )
        return
    shown = pd.DataFrame(
        {
            "Segment": table["segment"],
            "People": table["people"].map(fmt.people),
            "Definition": table["definition"],
            "Description": table["description"].fillna(""),
            "Saved in": table["saved_in"],
        }
    )
    _print_table(shown, "Segments")


@segments_app.command("save")
def segments_save(
    name: Annotated[str, typer.Argument(help="The segment's name.")],
    had: Annotated[
        str | None, typer.Option(help="Had this: a touchpoint, stage:NAME or field=value.")
    ] = None,
    first: Annotated[
        str | None, typer.Option(help="First touchpoint matches this, e.g. channel=social.")
    ] = None,
    stage: Annotated[
        list[str] | None, typer.Option(help="Current stage is this (repeat for several).")
    ] = None,
    rfm: Annotated[
        list[str] | None, typer.Option(help="RFM segment, e.g. Champions (repeat for several).")
    ] = None,
    engagement: Annotated[
        str | None, typer.Option(help="'follows content' or 'transactional only'.")
    ] = None,
    p_alive_below: Annotated[
        float | None, typer.Option(help="Buyers less likely than this to still be customers.")
    ] = None,
    cluster: Annotated[
        list[int] | None, typer.Option(help="Behavioural cluster number (jejak clusters).")
    ] = None,
    k: Annotated[int | None, typer.Option(help="With --cluster: how many clusters.")] = None,
    description: Annotated[str | None, typer.Option(help="What the segment is for.")] = None,
    replace: Annotated[bool, typer.Option(help="Overwrite a segment saved before.")] = False,
) -> None:
    """Save a segment in the workspace; every option given must hold.

    Example: jejak segments save lapsed-vips --rfm "At risk" --rfm "Can't lose them"
    """
    definition: dict[str, Any] = {
        "had": _step(had) if had else None,
        "first": _step(first) if first else None,
        "stage": stage or None,
        "rfm": rfm or None,
        "engagement": engagement,
        "p_alive_below": p_alive_below,
        "cluster": cluster or None,
        "k": k,
    }
    definition = {key: value for key, value in definition.items() if value is not None}
    with _open() as ws:
        segment = ws.save_segment(name, definition, description=description, replace=replace)
        people = ws.segment(name).members().count().to_pyarrow().as_py()
    out.print(f"Saved segment {name!r}: {segment.describe()} ({fmt.headcount(people)})")


@segments_app.command("drop")
def segments_drop(name: Annotated[str, typer.Argument(help="The segment's name.")]) -> None:
    """Forget a segment saved in the workspace."""
    with _open() as ws:
        ws.drop_segment(name)
    out.print(f"Dropped segment {name!r}")


@segments_app.command("export")
def segments_export(
    name: Annotated[str, typer.Argument(help="The segment's name.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The audience file: CSV (or .json).")
    ],
) -> None:
    """Write a segment's people (ids, stage, last seen, orders, revenue) for an ad or
    email tool.

    Example: jejak segments export vip -o vip.csv
    """
    with _analyse() as ws:
        result = ws.audience(name)
    _write(result, output)


@app.command(name="map")
def process_map(
    min_count: Annotated[int, typer.Option(help="Leave out transitions seen fewer times.")] = 1,
    top: Annotated[int, typer.Option(help="How many transitions to print.")] = 20,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write all transitions as CSV (or .json).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """The process map: which touchpoint people do next, how often, how fast.

    Example: jejak map --min-count 50 -o transitions.csv
    """
    with _analyse() as ws:
        result = ws.process_map(min_count=min_count)
    if output:
        _write(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table = result.table.head(top)
    from jejak.report.tables import transitions_table

    _print_table(
        transitions_table(table),
        f"{result.title}: the {len(table):,} most frequent of {len(result.table):,} transitions",
        labels=2,
    )


@app.command()
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

    with _analyse(warned=False) as ws:  # the report shows them in its sections
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
            title="Customer journey report",
            subtitle=" · ".join([f"journey {ws.journey.name}", *scope]),
        )
    out.print(f"Wrote {path}")


def _spark_source(table: str, identities: str | None, master: str, settings: Settings):
    """Touchpoints in Spark: a table name, or a path to Parquet files."""
    from jejak.engine.spark import local_session, on_spark

    if master.startswith("local"):
        cores = master[6:-1] if master.startswith("local[") else "1"
        count = (os.cpu_count() or 2) if cores == "*" else int(cores) if cores.isdigit() else 2
        session = local_session(cores=count)
    else:
        from pyspark.sql import SparkSession

        session = SparkSession.builder.master(master).appName("jejak").getOrCreate()

    def frame(name: str):
        """A path (local, or s3://, hdfs://...) is read as Parquet; a bare name is a table."""
        is_path = "/" in name or name.endswith(".parquet") or Path(name).exists()
        return session.read.parquet(name) if is_path else name

    return on_spark(
        session, frame(table), frame(identities) if identities else None, settings=settings
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (this machine only).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    spark: Annotated[
        str | None,
        typer.Option(help="Answer from touchpoints in Spark: a table name or Parquet path."),
    ] = None,
    spark_identities: Annotated[
        str | None, typer.Option(help="With --spark: identity links (table or Parquet path).")
    ] = None,
    spark_master: Annotated[
        str, typer.Option(help="With --spark: the Spark master, e.g. local[4] or yarn.")
    ] = "local[2]",
    max_text: Annotated[
        int, typer.Option(min=1, help="Characters a collected event may have in one field.")
    ] = 2_000,
    max_properties: Annotated[
        int,
        typer.Option(min=2, help="Characters a collected event's properties may take as JSON."),
    ] = 20_000,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(help="A web page's origin that may call the analyses (repeatable)."),
    ] = None,
    read_rate: Annotated[
        str, typer.Option(help="Requests a read key may send, e.g. 6000/minute (none: no limit).")
    ] = "6000/minute",
    write_rate: Annotated[
        str,
        typer.Option(
            help="Requests a write key may send from one client address (none: no limit)."
        ),
    ] = "60000/minute",
    admin_rate: Annotated[
        str, typer.Option(help="Requests an admin key may send (none: no limit).")
    ] = "600/minute",
    request_timeout: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds a request may take to arrive whole (else 408)."),
    ] = 30.0,
    max_connections: Annotated[
        int, typer.Option(min=1, help="Connections (and requests) at once; more get 503.")
    ] = 1000,
) -> None:
    """Serve the dashboard (/), the JSON API (/v1/analyses/..., schema at /docs) and the
    event collector (POST /v1/events, /v1/identify; Segment's HTTP Tracking API:
    /v1/track, /v1/page, /v1/screen, /v1/alias, /v1/batch) over the workspace.

    The first start makes a read key (analyses) and a write key (collector) and prints
    them once; the workspace keeps only their hashes. Keys of your own, set in
    JEJAK_READ_KEY / JEJAK_WRITE_KEY, are accepted too (and none is made for that kind).
    With --spark, the dashboard and
    the API answer from touchpoints in Spark (the workspace keeps the keys; the
    collector is off). While it runs, jejak keys manages the keys through it.
    Each key may send so many requests (the write key: from each address); over it,
    429 with Retry-After. A request must arrive whole within --request-timeout seconds.

    Examples: jejak serve --port 8765 | jejak serve --spark events.parquet
    """
    import gc
    import signal

    import uvicorn

    from jejak.server import create_app
    from jejak.server.control import announced
    from jejak.server.deadlines import with_deadline
    from jejak.server.keys import ENV, ensure_keys, given_keys
    from jejak.server.limiting import Rate

    given = given_keys(dict(os.environ))
    written = {"read": read_rate, "write": write_rate, "admin": admin_rate}
    rates = {kind: Rate.parse(text, f"--{kind}-rate") for kind, text in written.items()}
    ws = _open(must_exist=False)
    try:
        made = ensure_keys(ws.con, given)
        for kind in given:
            out.print(f"The {kind} key from {ENV[kind]} is accepted too.")
        for kind, key in made.items():
            out.print(f"New {kind} key (shown once, keep it safe): {key}")
        analyses = None
        if spark:
            analyses = _spark_source(spark, spark_identities, spark_master, ws.settings)
        where = f"Spark touchpoints {spark}" if spark else str(ws.path)
        out.print(f"jejak serving {where} on http://{host}:{port} (dashboard: /, API: /docs)")
        # jejak keys reaches this server through its control file while it runs
        with announced(ws.path, host, port) as token:
            app = create_app(
                ws,
                analyses=analyses,
                given_keys=given,
                max_text=max_text,
                max_properties=max_properties,
                origins=allow_origin,
                control_token=token,
                rates=rates,
            )
            # what start-up made lives as long as the server: kept out of Python's full
            # garbage collections, which otherwise stop every request (and /health) for
            # hundreds of milliseconds under a busy collector
            gc.collect()
            gc.freeze()
            # uvicorn stops gracefully on SIGTERM or Ctrl+C, then raises the signal
            # again: handled so, it ends this command normally (the control file is
            # removed, the workspace closed) instead of killing the process
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            with suppress(KeyboardInterrupt):
                uvicorn.run(
                    app,
                    host=host,
                    port=port,
                    log_level="warning",
                    http=with_deadline(request_timeout),  # against slow clients
                    timeout_keep_alive=5,  # seconds an idle kept-alive connection stays
                    limit_concurrency=max_connections,
                )
    finally:
        ws.close()


keys_app = typer.Typer(
    help="API keys for jejak serve (read, write, admin): list them, make another, revoke one.",
    invoke_without_command=True,
)
app.add_typer(keys_app, name="keys")


@contextmanager
def _keys(must_exist: bool = True) -> Iterator[Any]:
    """The workspace's keys: in its file, or through the jejak serve that holds it
    (see :mod:`jejak.server.control`); both take the same calls."""
    from jejak.server.control import Served, ServedKeys
    from jejak.server.keys import ENV, StoredKeys

    try:
        ws = _open(must_exist=must_exist)
    except Served as exc:
        ws = None
        served = ServedKeys(exc.control)
    if ws is None:
        yield served
        return
    with ws:
        yield StoredKeys(ws.con, [kind for kind, name in ENV.items() if os.environ.get(name)])


@keys_app.callback()
def keys_list(ctx: typer.Context) -> None:
    """Every key: its id, kind, label and when it was made (keys are kept only as hashes).
    Works while jejak serve runs on the workspace, through the server.

    Examples: jejak keys | jejak keys write --label website | jejak keys revoke 3f9a0c12
    """
    if ctx.invoked_subcommand is not None:
        return
    with _keys() as keys:
        table = keys.list()
    if table.empty:
        out.print("No keys yet: jejak serve makes a read and a write key at its first start")
        return
    table["created_at"] = table["created_at"].dt.strftime("%Y-%m-%d %H:%M")
    _print_table(table, "API keys", labels=4)


def _new_key(kind: str, label: str | None) -> None:
    from jejak.server.keys import key_id

    with _keys(must_exist=False) as keys:
        key = keys.make(kind, label)
    out.print(f"New {kind} key {key_id(key)} (shown once, keep it safe): {key}")


Label = Annotated[str | None, typer.Option(help="What the key is for, e.g. 'website'.")]


@keys_app.command("read")
def keys_read(label: Label = None) -> None:
    """Make another read key (the JSON API and the dashboard); it is shown once."""
    _new_key("read", label)


@keys_app.command("write")
def keys_write(label: Label = None) -> None:
    """Make another write key (the collector: /v1/events, /v1/identify); shown once."""
    _new_key("write", label)


@keys_app.command("admin")
def keys_admin(label: Label = None) -> None:
    """Make an admin key (erasing a person through the API); keep it off any website."""
    _new_key("admin", label)


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's id (jejak keys), or the key itself.")],
) -> None:
    """Revoke a key: requests with it are refused from then on (by a running jejak serve
    too, from its next request).

    Example: jejak keys revoke 3f9a0c12
    """
    from jejak.server.keys import ENV

    with _keys() as keys:
        revoked = keys.revoke(key)
    kind = revoked.kind
    out.print(f"Revoked the {kind} key {revoked.id}.")
    if not revoked.left and not revoked.given and kind == "admin":
        out.print("No admin key is left: jejak keys admin makes one.")
    elif not revoked.left and not revoked.given:
        out.print(f"No {kind} key is left: jejak serve makes a new one at its next start.")
    elif not revoked.left:
        out.print(f"No {kind} key is left in the workspace; {ENV[kind]} is still accepted.")


@app.command()
def forget(
    ids: Annotated[
        list[str],
        typer.Argument(
            help="Customer ids, anonymous ids, emails, phones or person ids (anon:...)."
        ),
    ],
) -> None:
    """Erase people from the workspace: every touchpoint, identity link, rejected row and
    kept answer that holds one of their ids (an anonymous id linked to a customer erases
    the customer), then rewrite the file so the erased bytes are gone. The erasure log
    keeps when and how many rows, never the ids.

    Example: jejak forget cust-1042 email:budi@example.com
    """
    with _open(analyses=False) as ws:
        erased = ws.forget(ids, asked_by="cli")
    for given in erased.ids:
        out.print(f"{given}: {erased.said(given)}")
    _print_erased(erased.people, erased.rows, erased.compacted)


@app.command()
def prune() -> None:
    """Remove touchpoints older than keep_days (jejak.yaml) and what came of them
    (identity links of people left with none, rejected rows of older loads, kept
    answers), then rewrite the file so the removed bytes are gone.

    Example: jejak prune   (with 'keep_days: 730' in jejak.yaml)
    """
    with _open(analyses=False) as ws:
        pruned = ws.prune(asked_by="cli")
    out.print(
        f"Kept the last {pruned.keep_days:,} days: removed what is older than"
        f" {pruned.cutoff:%Y-%m-%d %H:%M} UTC."
    )
    _print_erased(pruned.people, pruned.rows, pruned.compacted)


def _print_erased(people: int, rows: dict[str, int], compacted: bool) -> None:
    counts = ", ".join(f"{table} {n:,}" for table, n in rows.items() if n)
    out.print(f"People removed: {people:,}. Rows: {counts or 'none'}.")
    if compacted:
        out.print("The workspace file was rewritten without them.")


@app.command()
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

    bar, report_progress = _progress()
    with bar:
        outcome = run_demo(directory, customers=customers, seed=seed, on_progress=report_progress)
    out.print(
        f"Simulated {outcome.people:,} people and {outcome.touchpoints:,} touchpoints"
        f" into {outcome.workspace}"
    )
    _print_funnel(outcome.funnel)
    out.print(f"Report: {outcome.report}\nPlanted truth: {outcome.truth}")


def main() -> None:
    """Entry point: a JejakError becomes one line on stderr and exit code 1.

    Typer's standalone mode answers usage errors itself (exit code 2) and exits;
    anything else that escapes is a bug, shown briefly unless --debug.
    """
    debug = "--debug" in sys.argv
    try:
        app()
    except JejakError as exc:
        if debug:
            raise
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except Exception as exc:
        if debug:
            raise
        err.print(
            f"[red]error:[/red] {type(exc).__name__}: {exc} (rerun with --debug for details)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)
