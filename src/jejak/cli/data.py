"""Commands for the data: init, load, loads, check, and forget and prune, which erase it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jejak.cli.app import AsJson, config_path, narrowed_workspace, opened_workspace, out
from jejak.cli.output import level, print_table, progress_bar
from jejak.errors import JejakError, LoadError
from jejak.language import gettext as _
from jejak.language import ngettext, stage
from jejak.model import PRESETS
from jejak.report import formatting as fmt


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
    target = config_path()
    if target.exists() and not force:
        raise JejakError(
            _("{file} exists; edit it, or pass --force to overwrite it").format(file=target)
        )
    if more_files and not from_files:
        raise JejakError(
            _("to read {file}, write: jejak init --from {file}").format(file=more_files[0])
        )
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
        out.print(
            _("Wrote {file}: check the guesses in its comments").format(file=target),
            soft_wrap=True,
        )
        out.print(
            _("Next: jejak load {files}, then jejak stages").format(files=" ".join(map(str, files)))
        )
        return
    timezone = timezone or "UTC"
    target.write_text(settings_template(workspace, timezone, journey), "utf-8")
    out.print(
        _("Wrote {file}: journey {journey}, time zone {timezone}, workspace {workspace}").format(
            file=target, journey=journey, timezone=timezone, workspace=workspace
        )
    )
    out.print(_("Next: jejak load events.csv, then jejak stages"))


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
    failed = 0
    with opened_workspace(must_exist=False, analyses=False) as ws:
        for path in files:
            if identities:
                links = ws.load_identities(path)
                said = ngettext(
                    "{count} identity link stored from {file}",
                    "{count} identity links stored from {file}",
                    links,
                )
                out.print(said.format(count=fmt.people(links), file=path))
                continue
            bar, report = progress_bar()
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
        raise JejakError(
            ngettext(
                "{count} file not loaded; see above", "{count} files not loaded; see above", failed
            ).format(count=fmt.people(failed))
        )


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
    with opened_workspace() as ws:
        if not (rejected or load_id is not None):
            table = ws.loads()
            if table.empty:
                out.print(_("Nothing loaded yet: jejak load events.csv"))
                return
            table["loaded_at"] = table["loaded_at"].map(
                lambda t: fmt.MISSING if fmt.is_missing(t) else fmt.day(t) + t.strftime(" %H:%M")
            )
            counts = ("rows_read", "rows_stored", "rows_rejected", "rows_repeated")
            for column in (*counts, "rows_conflicting"):
                table[column] = table[column].map(lambda n: fmt.people(int(n)))
            table = table.drop(columns="rejects_file").fillna("")
            print_table(table.rename(columns=fmt.label), _("Loads"), labels=3)
            return
        rows = ws.rejected(load_id, limit=limit)
        if rows.empty:
            out.print(
                _("No rejected rows kept for load {load}").format(load=load_id)
                if load_id
                else _("No rejected rows kept")
            )
            return
        title = _("Rejected rows (up to {limit})").format(limit=fmt.people(limit))
        print_table(rows.fillna(""), title, labels=6)


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

    with narrowed_workspace(warned=False) as ws:
        result = ws.check()
    if as_json:
        out.print_json(data=result.to_dict())
    else:
        table = result.table
        for kind, title in (("stage", _("Stage rules")), ("role", _("Event roles"))):
            part = table[table["kind"] == kind]
            shown = pd.DataFrame(
                {
                    _("Stage") if kind == "stage" else _("Role"): part["name"].map(
                        stage if kind == "stage" else str
                    ),
                    _("Matches"): part["rule"],
                    _("Touchpoints"): part["touchpoints"].map(fmt.people),
                    _("People"): part["people"].map(fmt.people),
                }
            )
            print_table(shown, title, labels=2)
        if len(result.unplaced):
            unplaced = result.unplaced
            shown = pd.DataFrame(
                {
                    _("Touchpoint"): unplaced["event"],
                    _("Touchpoints"): unplaced["touchpoints"].map(fmt.people),
                    _("People"): unplaced["people"].map(fmt.people),
                }
            )
            print_table(shown, _("Touchpoints no role or stage rule names"))
        colours = {"fix": "red", "warn": "yellow", "info": "blue"}
        for finding in result.findings.itertuples():
            colour = colours[finding.level]
            shown = level(finding.level)
            out.print(f"[{colour}]{shown}[/{colour}] {finding.message}", highlight=False)
        if result.findings.empty:
            out.print(_("Nothing to fix: every answer has what it needs."))
    if strict and result.needs_fixing:
        raise typer.Exit(1)


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
    with opened_workspace(analyses=False) as ws:
        erased = ws.forget(ids, asked_by="cli")
    for given in erased.ids:
        out.print(f"{given}: {erased.said(given)}")
    _print_erased(erased.people, erased.rows, erased.compacted)


def prune() -> None:
    """Remove touchpoints older than keep_days (jejak.yaml) and what came of them
    (identity links of people left with none, rejected rows of older loads, kept
    answers), then rewrite the file so the removed bytes are gone.

    Example: jejak prune   (with 'keep_days: 730' in jejak.yaml)
    """
    with opened_workspace(analyses=False) as ws:
        pruned = ws.prune(asked_by="cli")
    out.print(
        _("Kept the last {days}: removed what is older than {cutoff} UTC.").format(
            days=fmt.days(pruned.keep_days, 0),
            cutoff=fmt.day(pruned.cutoff) + pruned.cutoff.strftime(" %H:%M"),
        )
    )
    _print_erased(pruned.people, pruned.rows, pruned.compacted)


def _print_erased(people: int, rows: dict[str, int], compacted: bool) -> None:
    counts = ", ".join(f"{table} {fmt.people(n)}" for table, n in rows.items() if n)
    out.print(
        _("People removed: {people}. Rows: {rows}.").format(
            people=fmt.people(people), rows=counts or _("none")
        )
    )
    if compacted:
        out.print(_("The workspace file was rewritten without them."))
