"""Loading touchpoint files into the workspace: checked, de-duplicated, all or nothing.

The file streams through DuckDB (never into Python memory). Each row is parsed
and checked; if any row is invalid nothing is stored, unless ``skip_invalid``,
which stores the good rows and writes the rejected ones with their reasons to a
side file. A file without event ids gets ids derived from each row's content, so
loading the same file twice stores nothing new.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jejak.errors import LoadError
from jejak.model.config import Settings
from jejak.model.touchpoint import FIELD_NAMES, FIELDS, TEXT_FIELDS
from jejak.store import imports, progress
from jejak.store.sources import (
    Mapping,
    as_text,
    describe,
    explain_read_error,
    ident,
    map_columns,
    quote,
    reader,
)

STAGE, CHECKED = "_jejak_stage", "_jejak_checked"
REJECT_ROW = "_jejak_row"
EXAMPLES = 5
KEPT_REJECTS = 10_000  # rejected rows kept in the workspace per load (the side file has all)
EARLIEST = "1990-01-01"
MAX_REVENUE = 1e12
ISO_HINT = "use ISO 8601 like 2026-02-01T10:00:00+07:00, or set ts_format in jejak.yaml"


@dataclass(frozen=True)
class LoadSummary:
    """What one load did, in rows."""

    file: str
    rows_read: int
    stored: int
    already_stored: int
    duplicates_in_file: int
    rejected: int
    rejects_file: str | None = None
    load_id: int | None = None
    identity_links: int = 0  # new links an import carried (Segment identify, alias)

    def __str__(self) -> str:
        parts = [f"{count(self.stored, 'new touchpoint')} stored from {self.file}"]
        if self.identity_links:
            parts.append(f"{count(self.identity_links, 'new identity link')}")
        if self.already_stored:
            parts.append(f"{self.already_stored:,} already stored")
        if self.duplicates_in_file:
            parts.append(f"{count(self.duplicates_in_file, 'repeated event_id')} in the file")
        if self.rejected:
            parts.append(f"{count(self.rejected, 'invalid row')} written to {self.rejects_file}")
        return "; ".join(parts)


def _checks(settings: Settings) -> list[tuple[str, str, str]]:
    """(field, SQL condition that makes a row invalid, reason) in the order they are tested."""
    refunds = ", ".join(quote(e) for e in settings.refund_events) or "NULL"
    return [
        ("event", "event IS NULL", "is empty; every touchpoint needs a name such as page_view"),
        (
            "customer_id",
            "customer_id IS NULL AND anonymous_id IS NULL",
            "and anonymous_id are both empty; every touchpoint needs one of them",
        ),
        ("ts", "ts_raw IS NULL", "is empty; every touchpoint needs a time"),
        ("ts", "ts IS NULL", f"is not a time; {ISO_HINT}"),
        (
            "ts",
            f"ts < TIMESTAMPTZ '{EARLIEST}' OR ts > now() + INTERVAL 1 DAY",
            f"is outside {EARLIEST[:4]} to tomorrow; check the year, the time zone or ts_format",
        ),
        (
            "revenue",
            "revenue_raw IS NOT NULL AND revenue IS NULL",
            "is not a number; write digits with a dot for decimals, like 1234.5",
        ),
        (
            "revenue",
            f"revenue < 0 AND event NOT IN ({refunds})",
            "is negative; only refund touchpoints may be (see refund_events in jejak.yaml)",
        ),
        ("revenue", f"abs(revenue) > {MAX_REVENUE:.0f}", "is implausibly large; check the unit"),
        (
            "currency",
            "currency IS NOT NULL AND NOT regexp_full_match(currency, '[A-Za-z]{3}')",
            "is not a 3-letter ISO 4217 code like IDR or USD",
        ),
        ("properties", "properties_ok = false", 'is not a JSON object like {"plan": "pro"}'),
    ]


def _stage_sql(source: str) -> str:
    """The file as it is, in order: its rowid is the row number, its columns the originals."""
    return f"CREATE OR REPLACE TEMP TABLE {STAGE} AS SELECT * FROM {source}"


def _fields_sql(mapping: Mapping) -> str:
    """Every field as trimmed text, plus properties built from unmapped columns."""
    cols = ["rowid + 1 AS _row"]
    for field in FIELD_NAMES:
        if field == "properties":
            continue
        column = mapping.fields.get(field)
        text = as_text(column, mapping.types[column]) if column else "NULL"
        cols.append(f"nullif(trim({text}), '') AS {field}_raw")
    column = mapping.fields.get("properties")
    props = as_text(column, mapping.types[column]) if column else "NULL"
    cols.append(f"nullif(trim({props}), '') AS properties_raw")
    if mapping.extras:
        pairs = ", ".join(f"{quote(c)}, {ident(c)}" for c in mapping.extras)
        cols.append(f"CAST(json_object({pairs}) AS VARCHAR) AS extras")
    else:
        cols.append("CAST(NULL AS VARCHAR) AS extras")
    return f"SELECT {', '.join(cols)} FROM {STAGE} {mapping.rows}"


def _ts_sql(settings: Settings) -> str:
    """Parse ts_raw; naive times are read in the session zone (set to the workspace's).

    With ts_format, only that format; without, ISO 8601 or Unix epoch seconds/millis.
    """
    if settings.ts_format:
        return f"CAST(try_strptime(ts_raw, {quote(settings.ts_format)}) AS TIMESTAMPTZ)"
    # epoch_ms gives a naive timestamp; pin it to UTC or the session zone would shift it
    return (
        "CASE WHEN regexp_full_match(ts_raw, '\\d{13}')"
        " THEN timezone('UTC', epoch_ms(CAST(ts_raw AS BIGINT)))"
        " WHEN regexp_full_match(ts_raw, '\\d{9,10}') THEN to_timestamp(CAST(ts_raw AS BIGINT))"
        " ELSE try_cast(ts_raw AS TIMESTAMPTZ) END"
    )


def _checked_sql(settings: Settings, mapping: Mapping) -> str:
    text = [f"{f}_raw AS {f}" for f in TEXT_FIELDS if f not in ("event_id", "properties")]
    props_ok = (
        "CASE WHEN properties_raw IS NULL THEN true"
        " WHEN json_valid(properties_raw) THEN json_type(properties_raw) = 'OBJECT'"
        " ELSE false END"
    )
    parsed = (
        f"SELECT _row, event_id_raw AS event_id, {', '.join(text)},"
        f" ts_raw, {_ts_sql(settings)} AS ts,"
        f" revenue_raw, try_cast(revenue_raw AS DOUBLE) AS revenue,"
        f" properties_raw, extras, {props_ok} AS properties_ok FROM ({_fields_sql(mapping)})"
    )
    checks = _checks(settings)
    field = " ".join(f"WHEN {cond} THEN {quote(f)}" for f, cond, _ in checks)
    reason = " ".join(f"WHEN {cond} THEN {quote(r)}" for _, cond, r in checks)
    return (
        f"CREATE OR REPLACE TEMP TABLE {CHECKED} AS SELECT *,"
        f" CASE {field} END AS _field, CASE {reason} END AS _reason FROM ({parsed})"
    )


PROPERTIES_SQL = (
    # merge-patching into {} drops null members (an empty cell is no property)
    "CAST(json_merge_patch('{}', coalesce(extras, '{}'), coalesce(properties_raw, '{}'))"
    " AS VARCHAR)"
)


def _insert_sql(load_id: int) -> str:
    """Valid rows with their event ids, minus repeats in the file and already stored ids."""
    content_parts = [f"coalesce({f}, chr(0))" for f in TEXT_FIELDS if f != "event_id"]
    content_parts += ["CAST(epoch_us(ts) AS VARCHAR)", "coalesce(CAST(revenue AS VARCHAR), chr(0))"]
    content = f"md5(concat_ws(chr(31), {', '.join(content_parts)}))"
    fields = ", ".join(f.name for f in FIELDS if f.name != "event_id")
    return f"""
        WITH valid AS (
            SELECT *, {PROPERTIES_SQL} AS properties, {content} AS _content
            FROM {CHECKED} WHERE _reason IS NULL
        ), identified AS (
            SELECT *, coalesce(event_id, md5(_content || ':' || CAST(row_number() OVER (
                PARTITION BY _content ORDER BY _row) AS VARCHAR))) AS _event_id
            FROM valid
        ), first_of_id AS (
            SELECT * FROM identified
            QUALIFY row_number() OVER (PARTITION BY _event_id ORDER BY _row) = 1
        )
        INSERT INTO touchpoints
        SELECT _event_id AS event_id, {fields}, {load_id} AS load_id
        FROM first_of_id s
        WHERE NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.event_id = s._event_id)
    """


def _examples(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        f"SELECT _row, _field, _reason, CASE _field WHEN 'ts' THEN ts_raw"
        f" WHEN 'revenue' THEN revenue_raw WHEN 'properties' THEN properties_raw"
        f" WHEN 'currency' THEN currency WHEN 'customer_id' THEN customer_id"
        f" WHEN 'event' THEN event END AS value"
        f" FROM {CHECKED} WHERE _reason IS NOT NULL ORDER BY _row LIMIT {EXAMPLES}"
    ).fetchall()
    return [{"row": r, "field": f, "reason": why, "value": v} for r, f, why, v in rows]


def _say(path: Path, example: dict) -> str:
    value = example["value"]
    shown = "" if value is None else f" {value!r}"
    return f"{path} row {example['row']:,}: '{example['field']}'{shown} {example['reason']}"


def count(number: int, noun: str) -> str:
    """``1 invalid row``, ``2,000 invalid rows``."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _write_rejects(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Rejected rows as they were in the file, after their row number, field and reason.

    The ``_jejak_*`` columns are ignored when loading, so the fixed file loads as it is.
    """
    con.execute(
        f"COPY (SELECT c._row AS {REJECT_ROW}, c._field AS _jejak_field,"
        f" c._reason AS _jejak_reason, s.* FROM {CHECKED} c JOIN {STAGE} s"
        f" ON s.rowid + 1 = c._row WHERE c._reason IS NOT NULL ORDER BY c._row)"
        f" TO {quote(str(target))} (HEADER, DELIMITER ',')"
    )


def _keep_rejects(con: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """The first rejected rows (as JSON, with row, field and reason) into the workspace,
    so the dashboard and ``jejak loads --rejected`` show them after the side file is gone."""
    con.execute(
        f"INSERT INTO rejected_rows SELECT {load_id}, c._row, c._field, c._reason,"
        f" CAST(to_json(s) AS VARCHAR) FROM {CHECKED} c JOIN {STAGE} s"
        f" ON s.rowid + 1 = c._row WHERE c._reason IS NOT NULL ORDER BY c._row"
        f" LIMIT {KEPT_REJECTS}"
    )


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    settings: Settings,
    *,
    load_id: int,
    skip_invalid: bool = False,
    rejects_path: str | Path | None = None,
    on_progress: progress.ProgressCallback | None = None,
    name: str | None = None,
    format: str | None = None,
) -> LoadSummary:
    """Load one file into ``touchpoints``; a LoadError leaves the workspace as it was.
    ``name`` is what the load is called in ``loads`` (default: the file's path).
    ``format`` names a documented export (see :mod:`jejak.store.imports`); without it
    the file's columns tell."""
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such file; check the path")
    if path.stat().st_size == 0:
        raise LoadError(f"{path}: the file is empty; it needs a header row and touchpoints")
    source = reader(path, settings)
    columns = functools.cache(lambda: describe(con, source, path, settings.encoding))
    imported = imports.prepare(con, path, settings, columns, format)
    if imported is None:
        mapping = map_columns(columns(), settings, path)
    else:  # a documented export: its records read as touchpoints by its own SQL
        source, mapping, settings = imported.source, imported.mapping, imported.settings
    try:
        progress.run(con, _stage_sql(source), f"reading {path.name}", on_progress)
        if imported is not None and imported.check is not None:
            imported.check(con, STAGE, path)
        con.execute(f"SET TimeZone = {quote(settings.timezone)}")
        try:
            progress.run(con, _checked_sql(settings, mapping), "checking rows", on_progress)
        finally:
            con.execute("SET TimeZone = 'UTC'")
    except duckdb.Error as exc:
        raise LoadError(explain_read_error(path, exc)) from None
    try:
        return _store(con, path, load_id, skip_invalid, rejects_path, on_progress, name, imported)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {STAGE}; DROP TABLE IF EXISTS {CHECKED}")


def _store(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    load_id: int,
    skip_invalid: bool,
    rejects_path: str | Path | None,
    on_progress: progress.ProgressCallback | None,
    name: str | None = None,
    imported: imports.Imported | None = None,
) -> LoadSummary:
    total, invalid, repeated = con.execute(
        f"SELECT count(*), count(_reason),"
        f" count(event_id) FILTER (WHERE _reason IS NULL)"
        f" - count(DISTINCT event_id) FILTER (WHERE _reason IS NULL)"
        f" FROM {CHECKED}"
    ).fetchall()[0]
    if total == 0 and not (imported and imports.count_links(con, imported, STAGE)):
        raise LoadError(f"{path}: the file has a header but no touchpoints; nothing to load")
    rejects_file = None
    if invalid:
        examples = _examples(con)
        if not skip_invalid:
            more = f" (and {count(invalid - 1, 'more invalid row')})" if invalid > 1 else ""
            valid = count(total - invalid, "valid row")
            raise LoadError(
                f"{_say(path, examples[0])}{more}. Nothing was stored ({valid}"
                " would have been); fix the file, or pass --skip-invalid to store the valid"
                " rows and write the rejected ones to a side file",
                invalid_rows=invalid,
                valid_rows=total - invalid,
                rejected=examples,
            )
        target = Path(rejects_path) if rejects_path else path.with_name(path.name + ".rejected.csv")
        rejects_file = str(target)
    before = con.execute("SELECT count(*) FROM touchpoints").fetchall()[0][0]
    con.execute("BEGIN TRANSACTION")
    try:
        progress.run(con, _insert_sql(load_id), "storing touchpoints", on_progress)
        stored = con.execute("SELECT count(*) FROM touchpoints").fetchall()[0][0] - before
        links = imports.store_links(con, imported, STAGE, load_id) if imported else 0
        con.execute(
            "INSERT INTO loads VALUES (?, ?, now(), ?, ?, ?, ?, ?)",
            [load_id, name or str(path), total, stored, invalid, repeated, rejects_file],
        )
        if invalid:
            _keep_rejects(con, load_id)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if rejects_file:  # only once the valid rows are stored
        _write_rejects(con, Path(rejects_file))
    return LoadSummary(
        file=str(path),
        rows_read=total,
        stored=stored,
        already_stored=total - invalid - repeated - stored,
        duplicates_in_file=repeated,
        rejected=invalid,
        rejects_file=rejects_file,
        load_id=load_id,
        identity_links=links,
    )
