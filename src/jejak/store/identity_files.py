"""Loading identity mapping files: rows of anonymous_id -> customer_id, all or nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jejak.errors import LoadError
from jejak.model.config import Settings
from jejak.store.sources import Source, describe, explain_read_error, ident, opened

LINKS = "_jejak_links"


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
        raise LoadError(f"{path}: no such file; check the path")
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
        raise LoadError(
            f"{path}: an identity mapping file needs columns anonymous_id and customer_id;"
            f" missing {', '.join(missing)} (columns found: {', '.join(columns)})"
        )
    anon, cust = (
        f"nullif(trim(CAST({ident(wanted[f])} AS VARCHAR)), '')"
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
        more = f" (and {bad - 1:,} more such rows)" if bad > 1 else ""
        raise LoadError(
            f"{path} row {row:,}: '{field}' is empty{more}; every row links an anonymous_id to a"
            " customer_id. Nothing was stored; fill or remove those rows",
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
