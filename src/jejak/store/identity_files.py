"""Loading identity mapping files: rows of anonymous_id -> customer_id, all or nothing;
and identities-only sources (a CRM list of customers with their email and phone)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jejak.errors import LoadError
from jejak.language import gettext, localised
from jejak.model.config import Settings
from jejak.store import contacts as contact_ids
from jejak.store import kept_pii, personal
from jejak.store.loading import LoadSummary
from jejak.store.sources import Source, as_text, describe, explain_read_error, ident, opened

LINKS = "_jejak_links"
STAGE = "_jejak_links_stage"


def load_identity_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    settings: Settings,
    *,
    load_id: int,
    name: str | None = None,
) -> int:
    """Store the file's links in ``identity_links``; returns how many were new. ``name``
    is what the load is called in ``loads`` (default: the file's path)."""
    path = Path(path)
    if not path.exists():
        raise LoadError.no_such_file(path)
    settings = kept_pii.writing(con, settings)  # salted; refused under other pii: settings
    with opened(con, path, settings) as source:
        columns = describe(con, source, settings)
        return _load_links(con, source, columns, settings, load_id, name)


def _load_links(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    columns: dict[str, str],
    settings: Settings,
    load_id: int,
    name: str | None,
) -> int:
    path = source.path
    wanted = {f: settings.columns.get(f, f) for f in ("anonymous_id", "customer_id")}
    missing = [f"'{c}'" for c in wanted.values() if c not in columns]
    if missing:
        message = gettext(
            "{file}: an identity mapping file needs columns anonymous_id and customer_id;"
            " missing {missing} (columns found: {found})"
        )
        raise LoadError(
            message.format(file=path, missing=", ".join(missing), found=", ".join(columns))
        )
    anon, cust = (
        personal.id_sql(f"nullif(trim(CAST({ident(wanted[f])} AS VARCHAR)), '')", settings)
        for f in ("anonymous_id", "customer_id")
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {LINKS} AS"
            f" SELECT {anon} AS anonymous_id, {cust} AS customer_id FROM {source.sql}"
        )
    except duckdb.Error as exc:
        raise LoadError(explain_read_error(source, exc, settings)) from None
    try:
        return _store_links(con, path, load_id, name)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {LINKS}")


def _number(value: int) -> str:
    return localised(f"{value:,}")


def _store_links(con: duckdb.DuckDBPyConnection, path: Path, load_id: int, name: str | None) -> int:
    rows, bad = con.execute(
        f"SELECT count(*), count(*) FILTER (anonymous_id IS NULL OR customer_id IS NULL)"
        f" FROM {LINKS}"
    ).fetchall()[0]
    if bad:
        row, field = con.execute(
            f"SELECT rowid + 1, CASE WHEN anonymous_id IS NULL THEN 'anonymous_id'"
            f" ELSE 'customer_id' END FROM {LINKS}"
            f" WHERE anonymous_id IS NULL OR customer_id IS NULL ORDER BY rowid LIMIT 1"
        ).fetchall()[0]
        more = ""
        if bad > 1:
            more = gettext(" (and {count} more such rows)").format(count=_number(bad - 1))
        message = gettext(
            "{file} row {row}: '{field}' is empty{more}; every row links an anonymous_id to a"
            " customer_id. Nothing was stored; fill or remove those rows"
        )
        raise LoadError(
            message.format(file=path, row=_number(row), field=field, more=more),
            invalid_rows=bad,
            valid_rows=rows - bad,
        )
    con.execute("BEGIN TRANSACTION")
    try:
        added = insert_links(con, f"SELECT anonymous_id, customer_id FROM {LINKS}", load_id)
        con.execute(
            "INSERT INTO loads (load_id, file, loaded_at, rows_read, rows_stored,"
            " rows_rejected, rows_repeated) VALUES (?, ?, now(), ?, ?, 0, 0)",
            [load_id, name or str(path), rows, added],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return added


def insert_links(con: duckdb.DuckDBPyConnection, links: str, load_id: int) -> int:
    """Store the (anonymous_id, customer_id) rows of the query ``links`` that are not
    stored yet, with ``load_id``; returns how many were new. The caller holds the
    transaction."""
    before = con.execute("SELECT count(*) FROM identity_links").fetchall()[0][0]
    con.execute(
        f"INSERT INTO identity_links SELECT DISTINCT anonymous_id, customer_id, {load_id}"
        f" FROM ({links}) s WHERE NOT EXISTS (SELECT 1 FROM identity_links l"
        f" WHERE l.anonymous_id = s.anonymous_id AND l.customer_id = s.customer_id)"
    )
    return con.execute("SELECT count(*) FROM identity_links").fetchall()[0][0] - before


def load_source_identities(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    settings: Settings,
    source: str,
    *,
    load_id: int,
    name: str | None = None,
) -> LoadSummary:
    """Store the links between the ids of each row of an ``identities_only`` source's
    file (customer id, anonymous id, email, phone); the summary counts the new ones. A
    row with an email or phone that is not one stores nothing of the file."""
    path = Path(path)
    if not path.exists():
        raise LoadError.no_such_file(path)
    ids = settings.source(source).ids
    settings = kept_pii.writing(con, settings.for_source(source))
    with opened(con, path, settings) as read:
        columns = describe(con, read, settings)
        missing = [f"'{c}' ({kind})" for kind, c in ids.items() if c not in columns]
        if missing:
            message = gettext(
                "{file}: source '{source}' reads ids from columns the file does not have:"
                " {missing} (columns found: {found}); fix 'ids' of the source in jejak.yaml"
            )
            raise LoadError(
                message.format(
                    file=path, source=source, missing=", ".join(missing), found=", ".join(columns)
                )
            )
        text = {
            kind: f"nullif(trim({as_text(ids[kind], columns[ids[kind]])}), '')"
            if kind in ids
            else "CAST(NULL AS VARCHAR)"
            for kind in ("customer_id", "anonymous_id", "email", "phone")
        }
        for kind in ("customer_id", "anonymous_id"):  # hashed with pii's ids
            text[kind] = personal.id_sql(text[kind], settings)
        keys = {
            kind: contact_ids.key_sql(kind, f"{kind}_raw", settings)
            if kind in ids
            else "CAST(NULL AS VARCHAR)"
            for kind in ("email", "phone")
        }
        try:
            # staged first: a table's rowid is the row number in the file
            con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} AS SELECT * FROM {read.sql}")
            with contact_ids.phone_function(con, settings.phone_region):
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {LINKS} AS SELECT *, {keys['email']} AS"
                    f" email_key, {keys['phone']} AS phone_key FROM (SELECT rowid + 1 AS _row,"
                    f" {text['customer_id']} AS customer_id, {text['anonymous_id']} AS"
                    f" anonymous_id, {text['email']} AS email_raw, {text['phone']} AS phone_raw"
                    f" FROM {STAGE})"
                )
        except duckdb.Error as exc:
            con.execute(f"DROP TABLE IF EXISTS {STAGE}")
            raise LoadError(explain_read_error(read, exc, settings)) from None
        con.execute(f"DROP TABLE IF EXISTS {STAGE}")
        try:
            _check_contacts(con, path, ids, settings)
            rows, added = _store_source_links(con, path, load_id, name)
        finally:
            con.execute(f"DROP TABLE IF EXISTS {LINKS}")
    notes = (
        gettext("read as source '{source}' (identities only)").format(source=source),
        *read.notes,
    )
    return LoadSummary(
        file=str(path),
        rows_read=rows,
        stored=0,
        already_stored=0,
        duplicates_in_file=0,
        rejected=0,
        load_id=load_id,
        notes=notes,
        identity_links=added,
    )


def _check_contacts(
    con: duckdb.DuckDBPyConnection, path: Path, ids: dict[str, str], settings: Settings
) -> None:
    reasons = {
        "email": contact_ids.EMAIL_REASON,
        "phone": contact_ids.phone_reason(settings.phone_region),
    }
    for kind in ("email", "phone"):
        if kind not in ids:
            continue
        bad = f"{kind}_raw IS NOT NULL AND {kind}_key IS NULL"
        found = con.execute(
            f"SELECT count(*), min(_row), arg_min({kind}_raw, _row) FROM {LINKS} WHERE {bad}"
        ).fetchall()[0]
        if found[0]:
            count, row, value = found
            more = ""
            if count > 1:
                more = gettext(" (and {count} more such rows)").format(count=_number(count - 1))
            message = gettext(
                "{file} row {row}: {problem}{more}. Nothing was stored; fix or empty those cells"
            )
            raise LoadError(
                message.format(
                    file=path,
                    row=_number(row),
                    problem=reasons[kind].said(ids[kind], value),
                    more=more,
                ),
                invalid_rows=count,
            )


def _store_source_links(
    con: duckdb.DuckDBPyConnection, path: Path, load_id: int, name: str | None
) -> tuple[int, int]:
    """(rows read, new links)."""
    rows = con.execute(f"SELECT count(*) FROM {LINKS}").fetchall()[0][0]
    if rows == 0:
        raise LoadError(
            gettext("{file}: the file has a header but no rows; nothing to load").format(file=path)
        )
    con.execute("BEGIN TRANSACTION")
    try:
        added = insert_links(con, contact_ids.links_sql(LINKS, anonymous_to_customer=True), load_id)
        con.execute(
            "INSERT INTO loads (load_id, file, loaded_at, rows_read, rows_stored,"
            " rows_rejected, rows_repeated) VALUES (?, ?, now(), ?, ?, 0, 0)",
            [load_id, name or str(path), rows, added],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return rows, added
