"""Excel workbooks (.xlsx): one sheet read with openpyxl into an Arrow table for DuckDB.

A sheet holds at most 1,048,576 rows, so it is read into memory (unlike CSV files,
which DuckDB streams). Row 1 is the header; row numbers in messages count the rows
below it, as for CSV files.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zipfile import BadZipFile

from jejak.errors import LoadError
from jejak.language import gettext

if TYPE_CHECKING:
    import pyarrow as pa

SHEET_SUFFIXES = (".xlsx", ".xlsm")


def _text(value: Any, ts_format: str | None) -> str | None:
    """A cell as text, for columns that mix kinds of cells: a time as ts_format writes it,
    so that it reads back like the column's text times."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date) and ts_format:
        return value.strftime(ts_format)
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column(values: list[Any], ts_format: str | None) -> pa.Array:
    """A column typed by its cells: all times -> timestamp (no zone: read in the workspace's
    time zone), all numbers -> numbers, anything else -> text."""
    import pyarrow as pa

    cells = [v for v in values if v is not None]
    if cells and all(isinstance(v, datetime) for v in cells):
        return pa.array(values, type=pa.timestamp("us"))
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in cells)
    if cells and numbers:
        kind = pa.int64() if all(isinstance(v, int) for v in cells) else pa.float64()
        return pa.array(values, type=kind)
    return pa.array([_text(v, ts_format) for v in values], type=pa.string())


def read_sheet(path: Path, sheet: str | None, ts_format: str | None = None) -> pa.Table:
    """The named sheet (default: the first) as a table; trailing empty rows are left out."""
    import pyarrow as pa  # here: a load of any other file type does without it
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError) as exc:
        said = gettext(
            "{file}: cannot read it as an Excel workbook ({problem}); open it in Excel and save"
            " it again as .xlsx"
        )
        raise LoadError(said.format(file=path, problem=exc)) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            said = gettext(
                "{file}: no sheet named {sheet} (sheets: {sheets}); fix 'sheet' in jejak.yaml"
            )
            raise LoadError(
                said.format(file=path, sheet=repr(sheet), sheets=", ".join(book.sheetnames))
            )
        rows = list((book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True))
    finally:
        book.close()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        said = gettext("{file}: the sheet is empty; it needs a header row and touchpoints")
        raise LoadError(said.format(file=path))
    header = list(rows[0])
    while header and header[-1] is None:
        header.pop()
    names = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    body = [list(r[: len(names)]) + [None] * (len(names) - len(r)) for r in rows[1:]]
    columns = [_column([r[i] for r in body], ts_format) for i in range(len(names))]
    return pa.table(columns, names=names)
