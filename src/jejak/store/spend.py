"""Ad spend: what the shop paid per day, channel, campaign and traffic source, read from an
ad platform's export or a plain CSV and kept in the workspace's ``ad_spend`` table.

Recognised files (headers in any case, English or Indonesian):

- plain: ``date``, ``channel``, ``campaign`` (optional), ``source`` (optional: the
  touchpoints' traffic source, e.g. instagram), ``spend``, ``currency`` (optional);
- Google Ads report downloads: a title and a date range above the header, ``Day``,
  ``Campaign``, ``Cost``, ``Currency code``, and total rows at the end (UTF-16 and tabs
  when saved for Excel);
- Meta Ads Manager exports: ``Day`` (or ``Reporting starts``), ``Campaign name``,
  ``Amount spent (IDR)``;
- TikTok Ads Manager exports: ``By Day`` (or ``Date``, or ``Stat time day`` as the
  Marketing API names it, its days written ``2026-01-05 00:00:00``), ``Campaign name``,
  ``Ad group name`` (optional; its rows are summed per campaign), ``Cost``, ``Currency``.
  A file is read as TikTok's by names only TikTok's exports use: a ``By Day`` or ``Stat
  time day`` column, or ``Campaign name`` and ``Cost`` together (Google says
  ``Campaign``, Meta ``Amount spent``), and no ``channel`` column.

An export names no channel: it is the platform's (``google``, ``meta``, ``tiktok``)
unless ``channel`` says which of the touchpoints' channel values the spend bought; nor a
source, which ``source`` can give the whole file (none: ``''``). A day of a channel,
campaign and source loaded again replaces the figure loaded before, as exports of
overlapping dates would otherwise count twice. Amounts read as revenue does
(:mod:`jejak.store.amounts`): ``Rp 1.500.000``, ``1,234.50``, ``1.234,50``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from jejak.errors import LoadError
from jejak.language import gettext
from jejak.model.config import Settings
from jejak.store import amounts

if TYPE_CHECKING:
    import pandas as pd

SPEND_TABLE = "ad_spend"
# in every workspace's schema (jejak.store.storage): empty until spend is loaded
TABLE_SQL = (
    f"CREATE TABLE IF NOT EXISTS {SPEND_TABLE} (day DATE NOT NULL, channel VARCHAR NOT NULL,"
    " campaign VARCHAR NOT NULL, source VARCHAR NOT NULL DEFAULT '', spend DOUBLE NOT NULL,"
    " currency VARCHAR, file VARCHAR, loaded_at TIMESTAMPTZ DEFAULT now(),"
    " PRIMARY KEY (day, channel, campaign, source))"
)
KEY = "day, channel, campaign, source"
HEADER_LINES = 30  # an export's title and date-range lines come before this many
# what only TikTok's exports call their day column, and their campaign and spend together
TIKTOK_DAYS = ("by day", "stat time day")
TIKTOK_PAIR = ("campaign name", "cost")
# a day written with its midnight, as TikTok's Marketing API writes stat_time_day
MIDNIGHT = re.compile(r"[ T]00:00(:00(\.0+)?)?$")

# what a column of each export is called, lower case (a trailing "(IDR)" is cut off)
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "by day", "reporting starts", "stat time day", "tanggal", "hari"),
    "channel": ("channel", "kanal"),
    "campaign": ("campaign", "campaign name", "kampanye", "nama kampanye"),
    "source": ("source", "utm source", "traffic source", "sumber"),
    "spend": (
        "spend",
        "cost",
        "total cost",
        "amount spent",
        "biaya",
        "jumlah yang dibelanjakan",
        "belanja",
    ),
    "currency": ("currency", "currency code", "mata uang", "kode mata uang"),
}
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%Y%m%d",
)


@dataclass(frozen=True)
class SpendSummary:
    """What a spend load stored: rows (days of a channel, campaign and source), of them the ones
    that replaced a figure loaded before, the days, the total and its currency."""

    file: str
    export: str
    rows: int
    replaced: int
    first_day: str
    last_day: str
    total: float
    currency: str | None


def upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Give a spend table made before spend had a source (workspace version 2) its
    ``source`` column, ``''`` on every row: the table is made again, as a key cannot gain
    a column in place."""
    columns = {row[0] for row in con.execute(f"DESCRIBE {SPEND_TABLE}").fetchall()}
    if "source" in columns:
        return
    con.execute("BEGIN")
    try:
        con.execute(f"ALTER TABLE {SPEND_TABLE} RENAME TO _ad_spend_before_source")
        con.execute(TABLE_SQL)
        con.execute(f"INSERT INTO {SPEND_TABLE} BY NAME SELECT * FROM _ad_spend_before_source")
        con.execute("DROP TABLE _ad_spend_before_source")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def version(con: duckdb.DuckDBPyConnection) -> str:
    """What the spend is now (rows, total, latest load): a load of spend changes it, so
    answers kept on the earlier spend are not served."""
    rows, total, latest = con.execute(
        f"SELECT count(*), sum(spend), max(loaded_at) FROM {SPEND_TABLE}"
    ).fetchall()[0]
    return f"{rows}:{total}:{latest}" if rows else ""


def load_spend(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    settings: Settings,
    *,
    channel: str | None = None,
    source: str | None = None,
    currency: str | None = None,
) -> SpendSummary:
    """Read ``path`` (see the module) and keep its rows: all of them, or none when one is
    wrong (the error names the row, the column and the fix). ``channel``, ``source`` and
    ``currency``: the whole file's, over any the file names."""
    rows, export, header_row = _rows(path)
    frame = _named(rows, path, header_row)
    if "channel" not in frame:
        if channel is None and export == "plain":
            raise LoadError(
                gettext(
                    "{file}: no channel column; add one (the touchpoints' channel values),"
                    " or give the channel the whole file bought: --channel NAME"
                ).format(file=path)
            )
        frame["channel"] = channel or export
    elif channel is not None:
        frame["channel"] = channel
    frame["campaign"] = frame.get("campaign", "")
    if source is not None or "source" not in frame:
        frame["source"] = source or ""
    if currency is not None:
        frame["currency"] = currency
    spend = _parsed(con, frame, path, settings, header_row)
    con.execute(TABLE_SQL)  # a connection that is not a workspace's has none yet
    upgrade(con)
    con.register("_spend_rows", spend)
    try:
        con.execute("BEGIN")
        replaced = con.execute(
            f"SELECT count(*) FROM {SPEND_TABLE} JOIN _spend_rows USING ({KEY})"
        ).fetchall()[0][0]
        con.execute(
            f"INSERT OR REPLACE INTO {SPEND_TABLE} ({KEY}, spend, currency, file)"
            f" SELECT {KEY}, spend, currency, ? FROM _spend_rows",
            [str(path)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_spend_rows")
    codes = spend["currency"].dropna().unique().tolist()
    return SpendSummary(
        file=str(path),
        export=export,
        rows=len(spend),
        replaced=int(replaced),
        first_day=spend["day"].min().date().isoformat(),
        last_day=spend["day"].max().date().isoformat(),
        total=float(spend["spend"].sum()),
        currency=codes[0] if len(codes) == 1 else None,
    )


def _text(path: Path) -> str:
    head = path.read_bytes()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16")
    for codec in ("utf-8-sig", "cp1252"):
        try:
            return head.decode(codec)
        except UnicodeDecodeError:
            continue
    raise LoadError(gettext("{file}: not a text file (CSV) jejak can read").format(file=path))


def _header(cells: list[str]) -> dict[str, int]:
    """The known columns of a header row: their field, by position (of two names of one
    field, the one its aliases list first: Meta's ``Day`` over ``Reporting starts``)."""
    found: dict[str, tuple[int, int]] = {}
    for position, cell in enumerate(cells):
        name = _name(cell)
        for field, names in ALIASES.items():
            if name in names:
                rank = names.index(name)
                if field not in found or rank < found[field][0]:
                    found[field] = (rank, position)
    return {field: position for field, (_, position) in found.items()}


def _name(cell: str) -> str:
    """A column's name as the aliases list it: lower case, ``stat_time_day`` as ``stat
    time day``, without a trailing ``(IDR)``."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", cell.strip().lower().replace("_", " "))


def _export(cells: list[str], known: dict[str, int], line: int) -> str:
    """Which platform's export a header (on the file's ``line``, from 0) is, by the names
    only that platform uses; ``plain`` for any other file."""
    names = {c.strip().lower() for c in cells}
    if any(n.startswith("amount spent") for n in names) or "reporting starts" in names:
        return "meta"
    if "channel" not in known and (
        _name(cells[known["date"]]) in TIKTOK_DAYS or set(TIKTOK_PAIR) <= {_name(c) for c in cells}
    ):
        return "tiktok"
    if line > 0 or "currency code" in names or "impr." in names:
        return "google"
    return "plain"


def _header_currency(cells: list[str], position: int) -> str | None:
    """The currency a spend header names: ``Amount spent (IDR)``."""
    named = re.search(r"\(([A-Za-z]{3})\)\s*$", cells[position].strip())
    return named.group(1).upper() if named else None


def _rows(path: Path) -> tuple[list[list[str]], str, int]:
    """The file's rows from its header on, which export it is, and the header's line."""
    if not path.exists():
        raise LoadError(gettext("{file}: no such file").format(file=path))
    text = _text(path)
    sample = "\n".join(text.splitlines()[:HEADER_LINES])
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    for number, cells in enumerate(rows[:HEADER_LINES]):
        known = _header(cells)
        if "date" in known and "spend" in known:
            return rows[number:], _export(cells, known, number), number + 1
    raise _no_header(rows, path)


def _no_header(rows: list[list[str]], path: Path) -> LoadError:
    """What the file lacks: on the first line naming a date or a spend column, the other
    one; else a header of both."""
    for number, cells in enumerate(rows[:HEADER_LINES], start=1):
        known = _header(cells)
        columns = ", ".join(c.strip() for c in cells if c.strip())
        if "date" in known:
            return LoadError(
                gettext(
                    "{file} line {line}: no spend column among {columns}; name the column"
                    " of amounts spend, or export the report with its cost (Cost in Google"
                    " Ads and TikTok Ads, Amount spent in Meta)"
                ).format(file=path, line=number, columns=columns)
            )
        if "spend" in known:
            return LoadError(
                gettext(
                    "{file} line {line}: no date column among {columns}; name the column of"
                    " days date, or export the report by day (Day in Google Ads and Meta, By"
                    " Day in TikTok Ads)"
                ).format(file=path, line=number, columns=columns)
            )
    return LoadError(
        gettext(
            "{file}: no header with a date and a spend column in its first {count} lines;"
            " name them date and spend (or export the report by day with its cost)"
        ).format(file=path, count=HEADER_LINES)
    )


def _named(rows: list[list[str]], path: Path, header_row: int) -> pd.DataFrame:
    """The known columns as text, without empty and total rows; ``_line``: the file's line."""
    import pandas as pd  # here: opening a workspace (it imports this module) does without

    known = _header(rows[0])
    currency = _header_currency(rows[0], known["spend"]) if "currency" not in known else None
    kept = []
    for offset, cells in enumerate(rows[1:], start=header_row + 1):
        if not any(c.strip() for c in cells):
            continue
        first = next(c.strip() for c in cells if c.strip()).lower()
        if first.startswith(("total", "jumlah", "--")):  # Google's and Meta's totals
            continue
        values = {f: cells[p].strip() if p < len(cells) else "" for f, p in known.items()}
        values["date"] = MIDNIGHT.sub("", values["date"])  # 2026-01-05 00:00:00: that day
        if currency is not None:
            values["currency"] = currency
        kept.append({**values, "_line": offset})
    if not kept:
        raise LoadError(gettext("{file}: no rows of spend under its header").format(file=path))
    return pd.DataFrame(kept)


def _parsed(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    path: Path,
    settings: Settings,
    header_row: int,
) -> pd.DataFrame:
    """Days, channels, campaigns, sources, amounts and currencies, checked; one row per day
    of a channel, campaign and source (summed when an export splits a day, e.g. by ad
    set)."""
    table = "_spend_text"
    con.register("_spend_frame", frame)
    # a table (rows numbered from 1 in the file's order), as the amounts' checks read it
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _spend_frame")
    con.unregister("_spend_frame")
    try:
        day = _day_format(con, table, path)
        marks = amounts.detect(con, table, "spend", settings, path, field="spend")
        parts, amount, written = amounts.amount_sql("spend", marks)
        given = "currency" if "currency" in frame else "NULL"
        parsed = con.execute(
            f"SELECT _line, strptime(date, '{day}')::DATE AS day, channel, campaign, source,"
            f" CASE WHEN spend IN ('', '--') THEN 0 ELSE {amount} END AS spend,"
            f" upper(coalesce(nullif({given}, ''), {written})) AS currency, spend AS written"
            f" FROM (SELECT *, {parts} AS p FROM {table})"
        ).df()
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    bad = parsed[parsed["spend"].isna() | (parsed["spend"] < 0)]
    if len(bad):
        first = bad.iloc[0]
        raise LoadError(
            gettext(
                "{file} line {line}: spend {value!r} is not an amount of money; write it as"
                " {example} (nothing of the file was stored)"
            ).format(file=path, line=int(first["_line"]), value=first["written"],
                     example=marks.example())
        )  # fmt: skip
    empty = parsed[parsed["channel"].astype(str).str.strip() == ""]
    if len(empty):
        raise LoadError(
            gettext(
                "{file} line {line}: the channel is empty; fill it, or give the channel the"
                " whole file bought: --channel NAME (nothing of the file was stored)"
            ).format(file=path, line=int(empty.iloc[0]["_line"]))
        )
    key = ["day", "channel", "campaign", "source"]
    mixed = parsed.groupby(key)["currency"].nunique(dropna=False)
    if (mixed > 1).any():
        raise LoadError(
            gettext(
                "{file}: one day of a campaign is spent in two currencies; jejak never"
                " converts money: load one currency (nothing of the file was stored)"
            ).format(file=path)
        )
    grouped = parsed.groupby(key, as_index=False, dropna=False)
    return grouped.agg(spend=("spend", "sum"), currency=("currency", "first"))


def _day_format(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> str:
    """The one date format every row's date is written in."""
    fits = []
    for candidate in DATE_FORMATS:
        miss = con.execute(
            f"SELECT min(_line) FILTER (WHERE try_strptime(date, '{candidate}') IS NULL),"
            f" count(*) FILTER (WHERE try_strptime(date, '{candidate}') IS NULL) FROM {table}"
        ).fetchall()[0]
        if miss[1] == 0:
            fits.append(candidate)
    day_first = [f for f in fits if f.startswith("%d")]
    month_first = [f for f in fits if f.startswith("%m")]
    if day_first and month_first:
        raise LoadError(
            gettext(
                "{file}: every date reads both day-first and month-first (such as 03/04/2026);"
                " export the dates as 2026-04-03 (year-month-day)"
            ).format(file=path)
        )
    if fits:
        return fits[0]
    line, value = con.execute(
        f"SELECT _line, date FROM {table} WHERE try_strptime(date, '%Y-%m-%d') IS NULL"
        " ORDER BY _line LIMIT 1"
    ).fetchall()[0]
    if re.search(r"\d[ T]\d{1,2}:\d{2}", value):
        raise LoadError(
            gettext(
                "{file} line {line}: the date {value!r} is a time of day; spend is kept per"
                " day: export the report by day (a time of 00:00 is read as its day)"
            ).format(file=path, line=line, value=value)
        )
    raise LoadError(
        gettext(
            "{file} line {line}: the date {value!r} is not a day jejak can read; write"
            " dates as 2026-04-03 (year-month-day) in every row"
        ).format(file=path, line=line, value=value)
    )
