"""Which column holds times, and how they are written: ISO 8601, Unix epoch, or a
local way like ``30/11/2025 14:05`` (day first, as in Indonesia) that needs ts_format.

DuckDB parses; this module only reads the shape of the values to build the format to
try, and decides day-first or month-first from values whose first or second number is
above 12.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from jejak.language import gettext
from jejak.store.sources import ident, quote

# day/month/year with an optional time: 30/11/2025, 1-12-25 9.05, 30.11.2025T14:05:07
LOCAL = (
    r"^(\d{1,2})([/.\-])(\d{1,2})[/.\-](\d{2}|\d{4})"
    r"(?:([ T])(\d{1,2})([:.])(\d{2})(?:[:.](\d{2}))?)?$"
)
LOCAL_PARTS = ["first", "sep", "second", "year", "gap", "hour", "colon", "minute", "seconds"]
EPOCH = r"^\d{9,10}$|^\d{13}$"


@dataclass(frozen=True)
class Times:
    """How a column's times are written, with the evidence to tell the user."""

    kind: str  # iso, epoch, local (needs ts_format), typed (the file's own time cells)
    ts_format: str | None = None
    why: str = ""
    problem: str | None = None  # values that do not fit, said with a row

    @property
    def label(self) -> str:
        """How the times are written, in a few words."""
        labels = {"iso": "ISO 8601", "epoch": "Unix time", "typed": "time cells"}
        return labels.get(self.kind) or f"written as {self.ts_format}"


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return con.execute(sql).fetchall()[0]


def read_times(con: duckdb.DuckDBPyConnection, table: str, column: str, dtype: str) -> Times | None:
    """How the times of ``column`` are written; None when it does not hold times."""
    if dtype.upper().startswith(("TIMESTAMP", "DATE")):
        return Times("typed", why="the file stores them as times")
    value = f"nullif(trim(CAST({ident(column)} AS VARCHAR)), '')"
    rows = f"(SELECT rowid + 1 AS _row, {value} AS v FROM {table}) WHERE v IS NOT NULL"
    total, iso, epoch, local = _count(
        con,
        f"SELECT count(*), count(try_cast(v AS TIMESTAMPTZ)),"
        f" count(*) FILTER (WHERE regexp_full_match(v, '{EPOCH}')),"
        f" count(*) FILTER (WHERE regexp_full_match(v, '{LOCAL}')) FROM {rows}",
    )
    if total == 0:
        return None
    if iso == total:
        return Times("iso", why="ISO 8601 (like 2025-11-30 14:05), read as they are")
    if epoch == total:
        low, high = _count(
            con, f"SELECT min(CAST(v AS BIGINT)), max(CAST(v AS BIGINT)) FROM {rows}"
        )
        scale = 1000 if high > 10**12 else 1
        # seconds since 1970 from 2000 to 2100: numbers that are times, not ids
        if 946_684_800 * scale <= low and high <= 4_102_444_800 * scale:
            unit = "milliseconds" if scale == 1000 else "seconds"
            return Times("epoch", why=f"Unix time in {unit}, read as it is")
        return None
    if local == total:
        return _local(con, rows, total)
    return None


def _local(con: duckdb.DuckDBPyConnection, rows: str, total: int) -> Times:
    """The strptime format of day/month/year times, checked against every value."""
    names = ", ".join(f"'{p}'" for p in LOCAL_PARTS)
    parts = f"(SELECT _row, v, regexp_extract(v, '{LOCAL}', [{names}]) AS p FROM {rows})"
    day_first, day_example, month_first, month_example, shapes = _count(
        con,
        f"SELECT count(*) FILTER (WHERE CAST(p.first AS INT) > 12),"
        f" arg_min(v, _row) FILTER (WHERE CAST(p.first AS INT) > 12),"
        f" count(*) FILTER (WHERE CAST(p.second AS INT) > 12),"
        f" arg_min(v, _row) FILTER (WHERE CAST(p.second AS INT) > 12),"
        f" list(DISTINCT [p.sep, length(p.year)::VARCHAR, p.gap, p.colon,"
        f" (p.seconds <> '')::VARCHAR]) FROM {parts}",
    )
    if day_first and month_first:
        return Times(
            "local",
            problem=gettext(
                "some times are day-first ({day}) and some month-first ({month}); make them"
                " agree, or write them as ISO 8601"
            ).format(day=repr(day_example), month=repr(month_example)),
        )
    if len(shapes) > 1:
        return Times(
            "local",
            problem=gettext(
                "the times are not all written the same way (separators, 2- or 4-digit"
                " years, with or without a time or seconds); make them agree"
            ),
        )
    sep, year_digits, gap, colon, seconds = shapes[0]
    year = "%Y" if year_digits == "4" else "%y"
    first, second = ("%m", "%d") if month_first else ("%d", "%m")
    fmt = f"{first}{sep}{second}{sep}{year}"
    if gap:
        fmt += f"{gap}%H{colon}%M" + (f"{colon}%S" if seconds == "true" else "")
    parsed, bad_row, bad = _count(
        con,
        f"SELECT count(try_strptime(v, {quote(fmt)})),"
        f" min(_row) FILTER (WHERE try_strptime(v, {quote(fmt)}) IS NULL),"
        f" arg_min(v, _row) FILTER (WHERE try_strptime(v, {quote(fmt)}) IS NULL) FROM {rows}",
    )
    if parsed < total:
        return Times(
            "local",
            fmt,
            problem=f"row {bad_row:,}: {bad!r} is not a time written as {fmt}",
        )
    if month_first:
        why = f"month first: {month_first:,} of {total:,} have a second number above 12"
        why += f" (like {month_example!r})"
    elif day_first:
        why = f"day first: {day_first:,} of {total:,} have a first number above 12"
        why += f" (like {day_example!r})"
    else:
        why = (
            "day first, the Indonesian and European habit; no value has a number above 12,"
            " so the data cannot tell: check it"
        )
    return Times("local", fmt, why=why)
