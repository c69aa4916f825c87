"""Loading touchpoint files into the workspace: checked, de-duplicated, all or nothing.

The file streams through DuckDB (never into Python memory). Each row is parsed
and checked; if any row is invalid nothing is stored, unless ``skip_invalid``,
which stores the good rows and writes the rejected ones with their reasons to a
side file. A file without event ids gets ids derived from each row's content, so
loading the same file twice stores nothing new.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from jejak.errors import LoadError
from jejak.language import gettext, localised, ngettext
from jejak.model.config import Settings
from jejak.model.source import CONTACT_KINDS
from jejak.model.touchpoint import FIELD_NAMES, TEXT_FIELDS
from jejak.store import (
    amounts,
    consent,
    imports,
    kept_pii,
    members,
    memory,
    personal,
    progress,
    reasons,
)
from jejak.store import contacts as contact_ids
from jejak.store.event_ids import (
    DERIVED,
    SORTED,
    all_new,
    derived_sql,
    fates_sql,
    insert_sql,
    mark_conflicts,
    no_derived_sql,
    properties_sql,
    sorted_sql,
)
from jejak.store.reasons import Reason
from jejak.store.sources import (
    Mapping,
    Source,
    as_text,
    describe,
    explain_read_error,
    ident,
    map_columns,
    opened,
    quote,
)

STAGE, CHECKED = "_jejak_stage", "_jejak_checked"
ROWS = "_jejak_rows"  # the checked rows with their row number in the file (a view)
REJECT_ROW = "_jejak_row"
# values as written that the checked rows keep for invalid rows (see _examples)
WRITTEN = ("ts_raw", "revenue_raw", "properties_raw", "email_raw", "phone_raw")
EXAMPLES = 5
KEPT_REJECTS = 10_000  # rejected rows kept in the workspace per load (the side file has all)
EARLIEST = "1990-01-01"
OTHER_MARK = "a revenue shows the other decimal mark"  # stops a load at once (_insert_at_once)
MAX_REVENUE = 1e12


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
    conflicts: int = 0  # rows not stored: their event_id was taken by other content
    conflict_rows: tuple[int, ...] = ()  # the first of them
    notes: tuple[str, ...] = ()  # how the file was read, when not plain
    identity_links: int = 0  # new links an import carried (Segment identify, alias)
    withheld: consent.Withheld = dataclasses.field(default_factory=consent.Withheld)
    # each valid row's fate, when asked for: new, repeated, stored or conflict (by row)
    statuses: dict[int, str] | None = dataclasses.field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        # in the reader's language (jejak.language): the CLI prints this line
        stored = ngettext(
            "{count} new touchpoint stored from {file}",
            "{count} new touchpoints stored from {file}",
            self.stored,
        )
        parts = [stored.format(count=_number(self.stored), file=self.file)]
        if self.identity_links:
            links = ngettext(
                "{count} new identity link", "{count} new identity links", self.identity_links
            )
            parts.append(links.format(count=_number(self.identity_links)))
        if self.already_stored:
            said = gettext("{count} already stored")
            parts.append(said.format(count=_number(self.already_stored)))
        if self.duplicates_in_file:
            said = ngettext(
                "{count} repeated event_id in the file",
                "{count} repeated event_ids in the file",
                self.duplicates_in_file,
            )
            parts.append(said.format(count=_number(self.duplicates_in_file)))
        if self.conflicts:
            rows = ", ".join(_number(r) for r in self.conflict_rows)
            more = ", ..." if self.conflicts > len(self.conflict_rows) else ""
            said = ngettext(
                "{count} row not stored (row {rows}): the event_id was taken by other content,"
                " first wins",
                "{count} rows not stored (row {rows}): the event_id was taken by other content,"
                " first wins",
                self.conflicts,
            )
            parts.append(said.format(count=_number(self.conflicts), rows=rows + more))
        if self.rejects_file:
            parts.append(self._rejects_written())
        parts.extend(self.withheld.notes())
        parts.extend(self.notes)
        return "; ".join(parts)

    def _rejects_written(self) -> str:
        """Where the invalid (and conflicting) rows were written."""
        file, invalid = self.rejects_file, self.rejected
        if invalid and self.conflicts:
            said = ngettext(
                "{count} invalid row and the conflicting rows written to {file}",
                "{count} invalid rows and the conflicting rows written to {file}",
                invalid,
            )
        elif invalid:
            said = ngettext(
                "{count} invalid row written to {file}",
                "{count} invalid rows written to {file}",
                invalid,
            )
        elif self.conflicts:
            said = gettext("they are written to {file}")
        else:
            said = gettext("written to {file}")
        return said.format(count=_number(invalid), file=file)


def _number(value: int) -> str:
    """A count in the marks of the reader's language: ``1,234`` (``1.234``)."""
    return localised(f"{value:,}")


def _number_reason(marks: amounts.Marks) -> Reason:
    if marks.decimal == ".":
        return Reason(reasons.NOT_A_DOT_NUMBER)
    return Reason(reasons.NOT_A_COMMA_NUMBER)


def checks(
    settings: Settings, marks: amounts.Marks, mapping: Mapping
) -> list[tuple[str, str, Reason]]:
    """(field, SQL condition that makes a row invalid, reason) in the order they are tested."""
    refunds = ", ".join(quote(e) for e in settings.refund_events) or "NULL"
    contacts = [
        (kind, f"{kind}_raw IS NOT NULL AND {kind}_key IS NULL", reason)
        for kind, reason in (
            ("email", contact_ids.EMAIL_REASON),
            ("phone", contact_ids.phone_reason(settings.phone_region)),
        )
        if kind in mapping.contacts
    ]
    persons = ("anonymous_id", *mapping.contacts)
    return [
        ("event", "event IS NULL", Reason(reasons.EVENT_EMPTY)),
        *contacts,
        (
            "customer_id",
            "customer_id IS NULL AND anonymous_id IS NULL",
            Reason(reasons.PEOPLE_EMPTY, {"others": persons})
            if mapping.contacts
            else Reason(reasons.PERSON_EMPTY),
        ),
        ("ts", "ts_raw IS NULL", Reason(reasons.TIME_EMPTY)),
        ("ts", "ts IS NULL", Reason(reasons.NOT_A_TIME)),
        (
            "ts",
            f"ts < TIMESTAMPTZ '{EARLIEST}' OR ts > now() + INTERVAL 1 DAY",
            Reason(reasons.OUT_OF_RANGE, {"year": EARLIEST[:4]}),
        ),
        ("revenue", "revenue_raw IS NOT NULL AND revenue IS NULL", _number_reason(marks)),
        (
            "revenue",
            f"revenue < 0 AND event NOT IN ({refunds})",
            Reason(reasons.NEGATIVE),
        ),
        ("revenue", f"abs(revenue) > {MAX_REVENUE:.0f}", Reason(reasons.TOO_LARGE)),
        (
            "currency",
            "currency_raw IS NOT NULL AND revenue_currency IS NOT NULL"
            " AND upper(currency_raw) <> revenue_currency",
            Reason(reasons.OTHER_CURRENCY),
        ),
        (
            "currency",
            "currency IS NOT NULL AND NOT regexp_full_match(currency, '[A-Za-z]{3}')",
            Reason(reasons.NOT_A_CURRENCY),
        ),
        ("properties", "properties_ok = false", Reason(reasons.NOT_AN_OBJECT)),
    ]


def known_reasons(settings: Settings, mapping: Mapping) -> dict[str, Reason]:
    """Every reason the checks may give a row of this file, by its stored English."""
    return {
        str(reason): reason
        for marks in (amounts.Marks("."), amounts.Marks(",", "."))
        for _, _, reason in checks(settings, marks, mapping)
    }


def record_load(con: duckdb.DuckDBPyConnection, record: dict[str, Any]) -> None:
    """Record a load (its id, file and row counts), loaded now, in the transaction."""
    con.execute(
        f"INSERT INTO loads ({', '.join(record)}, loaded_at)"
        f" VALUES ({', '.join('?' * len(record))}, now())",
        list(record.values()),
    )


def stage_sql(source: str) -> str:
    """The file as it is, in order: its rowid is the row number, its columns the originals.
    Kept only when it is needed: an import's records, or rejected rows to write out."""
    return f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} AS SELECT * FROM {source}"


def _trimmed(text: str) -> str:
    """SQL: ``text`` without the spaces at its ends (what ``trim`` removes), NULL when
    nothing is left. Only a value with a space at an end is trimmed: trimming every
    value copied it, a fifth of the checks' time. ``prefix`` rather than DuckDB's
    ``starts_with``: 14 columns of 1M rows trimmed in 0.37 CPU s, not 0.44."""
    ends = f"prefix({text}, ' ') OR suffix({text}, ' ')"
    return f"nullif(CASE WHEN {ends} THEN trim({text}) ELSE {text} END, '')"


def _fields_sql(mapping: Mapping, origin: str, numbered: bool, settings: Settings) -> str:
    """Every field as trimmed text, plus properties built from unmapped columns (the
    personal ones hashed), from ``origin`` (the file, or its stage: ``numbered`` gives
    each row its stage row)."""
    cols = ["rowid + 1 AS _row"] if numbered else []
    for field in FIELD_NAMES:
        if field == "properties":
            continue
        column = mapping.fields.get(field)
        text = as_text(column, mapping.types[column]) if column else "NULL"
        if field in mapping.constants:
            text = quote(mapping.constants[field])
        cols.append(f"{_trimmed(text)} AS {field}_raw")
    for kind in CONTACT_KINDS:
        column = mapping.contacts.get(kind)
        text = as_text(column, mapping.types[column]) if column else "NULL"
        cols.append(f"{_trimmed(text)} AS {kind}_raw")
    column = mapping.fields.get("properties")
    props = as_text(column, mapping.types[column]) if column else "NULL"
    cols.append(f"{_trimmed(props)} AS properties_raw")
    if mapping.extras:
        pairs = ", ".join(
            f"{quote(c)}, {personal.column_sql(c, ident(c), settings)}" for c in mapping.extras
        )
        cols.append(f"CAST(json_object({pairs}) AS VARCHAR) AS extras")
    else:
        cols.append("CAST(NULL AS VARCHAR) AS extras")
    return f"SELECT {', '.join(cols)} FROM {origin} {mapping.rows}"


def _is_text(mapping: Mapping, field: str) -> bool:
    column = mapping.fields.get(field)
    return column is None or mapping.types[column].upper() == "VARCHAR"


def _ts_sql(settings: Settings, mapping: Mapping) -> str:
    """Parse ts_raw; naive times are read in the session zone (set to the workspace's).

    A column of times (Excel, Parquet) is taken as it is. Text: with ts_format, only that
    format; without, ISO 8601 or Unix epoch seconds/millis.
    """
    column = mapping.fields.get("ts")
    if column and mapping.types[column].upper().startswith(("TIMESTAMP", "DATE")):
        return "try_cast(ts_raw AS TIMESTAMPTZ)"
    if settings.ts_format:
        return f"CAST(try_strptime(ts_raw, {quote(settings.ts_format)}) AS TIMESTAMPTZ)"
    # epoch_ms gives a naive timestamp; pin it to UTC or the session zone would shift it.
    # The length first: a pattern of digits only fits a text of its length (in bytes, as
    # \d is an ASCII digit), and most texts are ISO times, which the patterns cost
    return (
        "CASE WHEN strlen(ts_raw) = 13 AND regexp_full_match(ts_raw, '\\d{13}')"
        " THEN timezone('UTC', epoch_ms(CAST(ts_raw AS BIGINT)))"
        " WHEN strlen(ts_raw) IN (9, 10) AND regexp_full_match(ts_raw, '\\d{9,10}')"
        " THEN to_timestamp(CAST(ts_raw AS BIGINT))"
        " ELSE try_cast(ts_raw AS TIMESTAMPTZ) END"
    )


def checked_sql(
    settings: Settings,
    mapping: Mapping,
    marks: amounts.Marks | None,
    origin: str,
    numbered: bool,
) -> str:
    """The CHECKED table: the rows of ``origin`` parsed and checked, in its order (see
    :func:`checked_select`)."""
    select = checked_select(settings, mapping, marks, origin, numbered)
    return f"CREATE OR REPLACE TEMP TABLE {CHECKED} AS {select}"


def checked_select(
    settings: Settings,
    mapping: Mapping,
    marks: amounts.Marks | None,
    origin: str,
    numbered: bool,
    marked: bool = False,
) -> str:
    """SQL: the rows of ``origin`` parsed and checked, in its order (see :func:`_fields_sql`).

    ``marks`` None leaves a text revenue to :func:`revenue_sql`: the checked rows keep
    it as written and their marks are detected from them (one pass over the file, not
    a first one for the revenue alone). ``marked`` adds each row's ``_mark``: the
    decimal mark its text revenue shows (:func:`amounts.mark_sql`)."""
    later = marks is None and _is_text(mapping, "revenue")
    marks = marks or amounts.Marks()
    plain = ("event_id", "properties", "currency", "anonymous_id")
    # customer and anonymous ids as stored: hashed with pii's ids (see jejak.store.personal)
    text = [
        f"{personal.id_sql('customer_id_raw', settings) if f == 'customer_id' else f + '_raw'}"
        f" AS {f}"
        for f in TEXT_FIELDS
        if f not in plain
    ]
    # a touchpoint known only by its email or phone number carries that as its anonymous
    # id, so that stitching finds its person (see jejak.store.contacts)
    keys = {
        kind: contact_ids.key_sql(kind, f"{kind}_raw", settings)
        if kind in mapping.contacts
        else "CAST(NULL AS VARCHAR)"
        for kind in CONTACT_KINDS
    }
    # the anonymous id as written, for the links a contact column makes (else the same)
    anonymous = personal.id_sql("anonymous_id_raw", settings)
    text += [f"{anonymous} AS own_anonymous_id"] if mapping.contacts else []
    text += [
        f"coalesce({anonymous}, CASE WHEN customer_id_raw IS NULL THEN"
        f" coalesce({keys['email']}, {keys['phone']}) END) AS anonymous_id",
        f"email_raw, {keys['email']} AS email_key, phone_raw, {keys['phone']} AS phone_key",
    ]
    props_ok = (
        "CASE WHEN properties_raw IS NULL THEN true"
        " WHEN json_valid(properties_raw) THEN json_type(properties_raw) = 'OBJECT'"
        " ELSE false END"
    )
    fields = _fields_sql(mapping, origin, numbered, settings)
    # the personal members of a properties column hashed (those of other columns are)
    properties = properties_sql(personal.properties_sql("properties_raw", settings))
    mark = ""
    if _is_text(mapping, "revenue"):
        parts, amount, currency = amounts.amount_sql("revenue_raw", marks)
        fields = f"SELECT *, {parts} AS p FROM ({fields})"
        amount = "CAST(NULL AS DOUBLE)" if later else amount
        if marked:
            mark = f" {amounts.mark_sql('p.number', amounts.rupiah_sql('p'))} AS _mark,"
    else:  # numbers already (Excel, Parquet, JSON)
        amount, currency = "try_cast(revenue_raw AS DOUBLE)", "CAST(NULL AS VARCHAR)"
    parsed = (
        f"SELECT {'_row, ' if numbered else ''}event_id_raw AS event_id, {', '.join(text)},{mark}"
        f" ts_raw, {_ts_sql(settings, mapping)} AS ts,"
        f" revenue_raw, {amount} AS revenue, {currency} AS revenue_currency,"
        f" currency_raw, coalesce(currency_raw, {currency}) AS currency,"
        f" properties_raw, extras, {props_ok} AS properties_ok FROM ({fields})"
    )
    found = [c for c in checks(settings, marks, mapping) if not (later and c[0] == "revenue")]
    field = " ".join(f"WHEN {cond} THEN {quote(f)}" for f, cond, _ in found)
    reason = " ".join(f"WHEN {cond} THEN {quote(str(r))}" for _, cond, r in found)
    # the values as written are kept only for invalid rows, which show them (they made a
    # large file's checked rows twice as wide); properties only of valid rows, as an
    # invalid row's may not be JSON
    written = ", ".join(
        f"CASE WHEN _reason IS NOT NULL THEN {c} END AS {c}"
        for c in WRITTEN
        if not (later and c == "revenue_raw")
    )
    return (
        f"SELECT * EXCLUDE (extras, properties_ok,"
        f" revenue_currency, currency_raw) REPLACE ({written}), CASE WHEN _reason IS NULL"
        f" THEN {properties} END AS properties FROM (SELECT *, CASE {field} END AS _field,"
        f" CASE {reason} END AS _reason FROM ({parsed}))"
    )


def revenue_sql(settings: Settings, mapping: Mapping, marks: amounts.Marks) -> str:
    """The checked rows' text revenue (left by :func:`checked_sql` without marks) read
    with ``marks`` and checked, in the checks' order: a revenue check comes after those
    of the other fields but currency and properties. Only the rows with a revenue are
    read again, and only the columns set are written (the revenue as written stays: a
    row's properties too, when its revenue makes it invalid; only valid rows use them)."""
    parts, amount, _ = amounts.amount_sql("revenue_raw", marks)
    found = [(f, cond, r) for f, cond, r in checks(settings, marks, mapping) if f == "revenue"]
    field = " ".join(f"WHEN {cond} THEN {quote(f)}" for f, cond, _ in found)
    reason = " ".join(f"WHEN {cond} THEN {quote(str(r))}" for _, cond, r in found)
    first = "_field IS NULL OR _field IN ('currency', 'properties')"
    return (
        f"UPDATE {CHECKED} c SET revenue = x.revenue, _field = x._field, _reason = x._reason"
        f" FROM (SELECT _at, revenue,"
        f" CASE WHEN {first} THEN coalesce(CASE {field} END, _field) ELSE _field END AS _field,"
        f" CASE WHEN {first} THEN coalesce(CASE {reason} END, _reason) ELSE _reason END"
        f" AS _reason FROM (SELECT _at, event, revenue_raw, _field, _reason,"
        f" {amount} AS revenue FROM (SELECT rowid AS _at, *, {parts} AS p FROM {CHECKED}"
        " WHERE revenue_raw IS NOT NULL))) x WHERE c.rowid = x._at"
    )


def _examples(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        f"SELECT _row, _field, _reason, CASE _field WHEN 'ts' THEN ts_raw"
        f" WHEN 'revenue' THEN revenue_raw WHEN 'properties' THEN properties_raw"
        f" WHEN 'currency' THEN currency WHEN 'customer_id' THEN customer_id"
        f" WHEN 'event_id' THEN event_id WHEN 'email' THEN email_raw WHEN 'phone' THEN phone_raw"
        f" WHEN 'event' THEN event END AS value"
        f" FROM {ROWS} WHERE _reason IS NOT NULL ORDER BY _row LIMIT {EXAMPLES}"
    ).fetchall()
    return [{"row": r, "field": f, "reason": why, "value": v} for r, f, why, v in rows]


def _write_rejects(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Rejected rows as they were in the file (the stage), after their row number,
    field and reason.

    The ``_jejak_*`` columns are ignored when loading, so the fixed file loads as it is.
    """
    con.execute(
        f"COPY (SELECT c._row AS {REJECT_ROW}, c._field AS _jejak_field,"
        f" c._reason AS _jejak_reason, s.* FROM {ROWS} c JOIN {STAGE} s"
        f" ON s.rowid + 1 = c._row WHERE c._reason IS NOT NULL ORDER BY c._row)"
        f" TO {quote(str(target))} (HEADER, DELIMITER ',')"
    )


def _keep_rejects(
    con: duckdb.DuckDBPyConnection, load_id: int, private: tuple[str, ...] = ()
) -> None:
    """The first rejected rows (as JSON, with row, field and reason; from the stage)
    into the workspace, so the dashboard and ``jejak loads --rejected`` show them after
    the side file is gone. ``private`` columns are left out of them."""
    # an export's records (EVERY_COLUMN) may hold personal data anywhere: none is kept
    every = personal.EVERY_COLUMN in private
    record = "NULL" if every else members.without_sql("to_json(s)", private)
    con.execute(
        f"INSERT INTO rejected_rows SELECT {load_id}, c._row, c._field, c._reason,"
        f" {record} FROM {ROWS} c JOIN {STAGE} s"
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
    source: str | None = None,
    statuses: bool = False,
) -> LoadSummary:
    """Load one file into ``touchpoints``; a LoadError leaves the workspace as it was.
    ``name`` is what the load is called in ``loads`` (default: the file's path).
    ``format`` names a documented export (see :mod:`jejak.store.imports`); without it
    the file's columns tell. ``source`` names the jejak.yaml source that reads the file
    (its columns, constants and ids; see :mod:`jejak.model.source`). ``statuses`` adds
    each valid row's fate to the summary (for splitting a collector group's answer)."""
    path = Path(path)
    if not path.exists():
        raise LoadError.no_such_file(path)
    if path.stat().st_size == 0:
        said = gettext("{file}: the file is empty; it needs a header row and touchpoints")
        raise LoadError(said.format(file=path))
    settings = kept_pii.writing(con, settings)  # salted; refused under other pii: settings
    constants: dict[str, str] = {}
    contacts: dict[str, str] = {}
    if source is not None:
        spec = settings.source(source)
        constants, contacts = spec.constants, spec.contact_columns
        settings = settings.for_source(source)
        format = format or imports.TOUCHPOINTS  # a source says how its files read
    with opened(con, path, settings) as read, memory.bounded(con, memory.limit_for(path)):
        columns = functools.cache(lambda: describe(con, read, settings))
        imported = imports.prepare(con, read, settings, columns, format)
        links = None
        if imported is None:
            mapping = map_columns(columns(), settings, path, constants, contacts)
            if contacts:
                links = contact_ids.links_sql(
                    f"(SELECT customer_id, own_anonymous_id AS anonymous_id, email_key,"
                    f" phone_key FROM {CHECKED} WHERE _reason IS NULL)"
                )
        else:  # a documented export: its records read as touchpoints by its own SQL
            read, mapping, settings = imported.source, imported.mapping, imported.settings
            links = imported.links.format(stage=STAGE) if imported.links else None
        if source is not None:
            read.notes.append(gettext("read as source '{source}'").format(source=source))
        try:
            # needed for a phone id, or for phone properties pii: hashes (E.164 first)
            phones = "phone" in mapping.contacts or bool(settings.pii and settings.pii.phone)
            with contact_ids.phone_function(con, settings.phone_region, phones):
                at_once = None
                if imported is None and links is None and not statuses:
                    at_once = _store_at_once(
                        con, read, settings, mapping, load_id, name, on_progress
                    )
                if at_once is not None:
                    return at_once
                row = _check(con, read, settings, mapping, on_progress, imported and imported.check)
            notes = tuple(read.notes)
            # with pii: no clear email or phone is kept, not even in rejected rows
            private = personal.private_columns(settings, mapping, contacts, imported is not None)
            withheld = consent.apply(con, CHECKED, settings)
            where = _Target(
                path,
                load_id,
                rejects_path,
                name,
                notes,
                read.sql,
                row,
                links,
                private,
                statuses,
                withheld,
                known_reasons(settings, mapping),
            )
            return _store(con, where, skip_invalid, on_progress)
        finally:
            con.execute(
                f"DROP VIEW IF EXISTS {ROWS}; DROP TABLE IF EXISTS {STAGE};"
                f" DROP TABLE IF EXISTS {CHECKED};"
                f" DROP TABLE IF EXISTS {SORTED}; DROP TABLE IF EXISTS {DERIVED}"
            )


def _store_at_once(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    settings: Settings,
    mapping: Mapping,
    load_id: int,
    name: str | None,
    on_progress: progress.ProgressCallback | None = None,
) -> LoadSummary | None:
    """A plain file's first load into an empty workspace, stored as its rows are checked:
    one pass over the file, with no table of checked rows between (writing and reading
    that table was a third of such a load's time, and a large file's spilled to disk).

    It holds only when every row is valid and new, as in most first loads; then the
    same touchpoints are stored, in the same order, as :func:`_check` and :func:`_store`
    would. Otherwise nothing is stored and None is returned: the load goes that way,
    which tells why (the pass made here is lost). A text revenue without marks in the
    settings is read with those :func:`amounts.detect` gives without evidence; the
    first value showing the other decimal mark stops the pass, and the file is read
    again with that one. Not for rows that consent, a staged import or contact columns
    change."""
    if mapping.rows or settings.consent is not None:
        return None
    if con.execute("SELECT count(*) FROM touchpoints").fetchall()[0][0]:
        return None  # an event id may be stored already: matched on the checked rows
    revenue = mapping.fields.get("revenue")
    text = revenue is not None and _is_text(mapping, "revenue")
    # the marks, with the decimal mark a revenue may not show (None: any)
    tries: list[tuple[amounts.Marks, str | None]]
    if (marks := amounts.configured(settings) if text else amounts.Marks()) is not None:
        tries = [(marks, None)]
    else:  # the marks without evidence, then the others (see amounts.detect)
        first = amounts.assumed(source.delimiter if source.fmt == "csv" else None)
        second = amounts.Marks(first.thousands, first.decimal, detected=True)
        tries = [(first, second.decimal), (second, first.decimal)]
    for marks, other in tries:
        select = checked_select(settings, mapping, marks, source.sql, False, other is not None)
        try:
            stored = _insert_at_once(con, select, settings, load_id, other, on_progress)
        except _OtherMark:
            continue  # read again with the other marks
        if stored is None:
            return None
        record = {
            "load_id": load_id,
            "file": name or str(source.path),
            "rows_read": stored,
            "rows_stored": stored,
            "rows_rejected": 0,
            "rows_repeated": 0,
            "rejects_file": None,
            "rows_conflicting": 0,
        }
        try:
            record_load(con, record)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if note := marks.note():
            source.notes.append(note)
        return LoadSummary(
            file=str(source.path),
            rows_read=stored,
            stored=stored,
            already_stored=0,
            duplicates_in_file=0,
            rejected=0,
            load_id=load_id,
            notes=tuple(source.notes),
        )
    return None


class _OtherMark(Exception):
    """A revenue showed the other decimal mark: :func:`_insert_at_once` stored nothing."""


def _insert_at_once(
    con: duckdb.DuckDBPyConnection,
    select: str,
    settings: Settings,
    load_id: int,
    other: str | None,
    on_progress: progress.ProgressCallback | None,
) -> int | None:
    """Store the checked rows ``select`` gives as touchpoints in a transaction left open
    (see :func:`_store_at_once`), and return how many: all of them. None, the
    transaction rolled back, when a row is invalid or an event id repeats; _OtherMark
    when a revenue shows the decimal mark ``other``."""
    refused = "WHEN c._reason IS NOT NULL THEN error('an invalid row')"
    if other is not None:
        refused = f"WHEN c._mark = {quote(other)} THEN error({quote(OTHER_MARK)}) {refused}"
    insert = insert_sql(load_id, f"({select})", joined=False, valid=f"CASE {refused} ELSE true END")
    con.execute(f"SET TimeZone = {quote(settings.timezone)}")
    con.execute("BEGIN TRANSACTION")
    try:
        progress.run(con, insert, gettext("checking rows"), on_progress)
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM touchpoints"
        ).fetchall()[0]
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        if OTHER_MARK in str(exc):
            raise _OtherMark from None
        return None
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("SET TimeZone = 'UTC'")
    if total == 0 or distinct < total:  # no rows (said by _store), or a repeated event id
        con.execute("ROLLBACK")
        return None
    return total


def _check(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    settings: Settings,
    mapping: Mapping,
    on_progress: progress.ProgressCallback | None,
    check: imports.Check | None = None,
) -> str:
    """Check every row of the file into the CHECKED table (and the ROWS view), in one
    pass over the file. An import's records are staged first: ``check`` is its own
    check of them (it names the row), and its mapping may keep only some of them.

    A text revenue column without marks in the settings is read with the marks
    :func:`amounts.detect` finds in it: in the staged records, or else in the checked
    rows, which then read it (:func:`revenue_sql`). Returns the SQL of a checked row's
    number (``c`` standing for CHECKED).
    """
    reading = gettext("reading {file}").format(file=source.path.name)
    staged = check is not None or bool(mapping.rows)
    origin = STAGE if staged else source.sql
    try:
        if staged:
            progress.run(con, stage_sql(source.sql), reading, on_progress)
        if check is not None:
            check(con, STAGE, source.path)
        revenue = mapping.fields.get("revenue")
        text = revenue is not None and _is_text(mapping, "revenue")
        separator = source.delimiter if source.fmt == "csv" else None
        marks: amounts.Marks | None = amounts.Marks()
        if text and not staged and amounts.configured(settings) is None:
            marks = None  # detected from the checked rows
        elif text:  # the settings' marks, or those of the staged records
            marks = amounts.detect(con, STAGE, ident(revenue), settings, source.path, separator)
    except duckdb.Error as exc:
        raise LoadError(explain_read_error(source, exc, settings)) from None
    con.execute(f"SET TimeZone = {quote(settings.timezone)}")
    try:
        sql = checked_sql(settings, mapping, marks, origin, staged)
        progress.run(con, sql, gettext("checking rows"), on_progress)
        if marks is None:
            marks = amounts.detect(con, CHECKED, "revenue_raw", settings, source.path, separator)
            con.execute(revenue_sql(settings, mapping, marks))
    except duckdb.Error as exc:
        raise LoadError(explain_read_error(source, exc, settings)) from None
    finally:
        con.execute("SET TimeZone = 'UTC'")
    if note := marks.note():
        source.notes.append(note)
    row = "" if staged else "rowid + 1 AS _row, "  # the checked rows are in the file's order
    con.execute(f"CREATE OR REPLACE TEMP VIEW {ROWS} AS SELECT {row}* FROM {CHECKED}")
    return "c._row" if staged else "c.rowid + 1"


@dataclass(frozen=True)
class _Target:
    """Where a load's rows and record go, and what to tell about how it was read."""

    path: Path
    load_id: int
    rejects_path: str | Path | None
    name: str | None
    notes: tuple[str, ...]
    source: str  # SQL reading the file (again, for rejected rows as written)
    row: str  # SQL of a CHECKED row's number in the file, CHECKED called c
    links: str | None = None  # an import's identity links: a query over the stage
    private: tuple[str, ...] = ()  # columns left out of the rejected rows kept
    statuses: bool = False  # tell each valid row's fate
    withheld: consent.Withheld = dataclasses.field(default_factory=consent.Withheld)
    reasons: dict[str, Reason] = dataclasses.field(default_factory=dict)  # by stored English


def _refuse(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    total: int,
    invalid: int,
    known: dict[str, Reason],
) -> LoadError:
    examples = _examples(con)
    first = examples[0]
    more = ""
    if invalid > 1:
        more = ngettext(
            " (and {count} more invalid row)", " (and {count} more invalid rows)", invalid - 1
        ).format(count=_number(invalid - 1))
    valid = ngettext("{count} valid row", "{count} valid rows", total - invalid)
    message = gettext(
        "{file} row {row}: {problem}{more}. Nothing was stored ({valid} would have been); fix"
        " the file, or pass --skip-invalid to store the valid rows and write the rejected ones"
        " to a side file"
    )
    return LoadError(
        message.format(
            file=path,
            row=_number(first["row"]),
            problem=reasons.said(known, first["field"], first["value"], first["reason"]),
            more=more,
            valid=valid.format(count=_number(total - invalid)),
        ),
        invalid_rows=invalid,
        valid_rows=total - invalid,
        rejected=examples,
    )


def _store(
    con: duckdb.DuckDBPyConnection,
    target: _Target,
    skip_invalid: bool,
    on_progress: progress.ProgressCallback | None,
) -> LoadSummary:
    path, load_id = target.path, target.load_id
    total, invalid, without_id = con.execute(
        f"SELECT count(*), count(_reason),"
        f" count(*) FILTER (WHERE _reason IS NULL AND event_id IS NULL) FROM {ROWS}"
    ).fetchall()[0]
    linked = target.links and imports.count_links(con, target.links)
    if total == 0 and not target.withheld.dropped and not linked:
        said = gettext("{file}: the file has a header but no touchpoints; nothing to load")
        raise LoadError(said.format(file=path))
    if invalid and not skip_invalid:
        raise _refuse(con, path, total, invalid, target.reasons)
    if without_id:
        progress.run(con, derived_sql(ROWS), gettext("deriving event ids"), on_progress)
    else:
        con.execute(no_derived_sql())
    matching = sorted_sql(ROWS, own_ids=not without_id)
    progress.run(con, matching, gettext("matching event ids"), on_progress)
    repeated, conflicts, conflict_rows = con.execute(
        f"SELECT count(*) FILTER (WHERE _status = 'repeated'),"
        f" count(*) FILTER (WHERE _status = 'conflict'),"
        f" (list(_row ORDER BY _row) FILTER (WHERE _status = 'conflict'))[:{EXAMPLES}]"
        f" FROM {SORTED}"
    ).fetchall()[0]
    statuses = None
    if target.statuses:
        statuses = dict(con.execute(f"SELECT _row, _status FROM ({fates_sql(ROWS)})").fetchall())
    rejects_file = None
    if invalid or conflicts:
        rejects = target.rejects_path or path.with_name(path.name + ".rejected.csv")
        rejects_file = str(rejects)
        # the file as written, for its rejected rows; outside the transaction, where a new
        # table's rowids are not yet its row numbers
        con.execute(stage_sql(target.source))
    con.execute("BEGIN TRANSACTION")
    try:
        if conflicts:
            mark_conflicts(con, CHECKED, target.row)
        before = con.execute("SELECT count(*) FROM touchpoints").fetchall()[0][0]
        insert = insert_sql(load_id, ROWS, joined=not all_new(con))
        progress.run(con, insert, gettext("storing touchpoints"), on_progress)
        stored = con.execute("SELECT count(*) FROM touchpoints").fetchall()[0][0] - before
        links = imports.store_links(con, target.links, load_id) if target.links else 0
        record = {
            "load_id": load_id,
            "file": target.name or str(path),
            "rows_read": total + target.withheld.dropped,
            "rows_stored": stored,
            "rows_rejected": invalid,
            "rows_repeated": repeated,
            "rejects_file": rejects_file,
            "rows_conflicting": conflicts,
        }
        record_load(con, record)
        if rejects_file:
            _keep_rejects(con, load_id, target.private)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if rejects_file:  # only once the valid rows are stored
        _write_rejects(con, Path(rejects_file))
    return LoadSummary(
        file=str(path),
        rows_read=total + target.withheld.dropped,
        stored=stored,
        already_stored=total - invalid - repeated - conflicts - stored,
        duplicates_in_file=repeated,
        rejected=invalid,
        rejects_file=rejects_file,
        load_id=load_id,
        conflicts=conflicts,
        conflict_rows=tuple(conflict_rows or ()),
        notes=target.notes,
        identity_links=links,
        statuses=statuses,
        withheld=target.withheld,
    )
