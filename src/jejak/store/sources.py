"""Reading a user's file through DuckDB: format by name, columns mapped to touchpoint fields."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jejak.errors import LoadError
from jejak.model.config import Settings
from jejak.model.touchpoint import FIELD_NAMES, IDENTITY_FIELDS, REQUIRED

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
NESTED_TYPES = ("STRUCT", "MAP", "[]", "JSON", "UNION")


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def file_format(path: Path) -> str:
    """csv, parquet or json, from the file name (a trailing .gz or .zst is allowed)."""
    name = path.name.lower()
    for compressed in (".gz", ".zst"):
        name = name.removesuffix(compressed)
    for fmt, suffixes in (
        ("csv", CSV_SUFFIXES),
        ("parquet", PARQUET_SUFFIXES),
        ("json", JSON_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return fmt
    raise LoadError(
        f"{path}: unknown file type; name it .csv, .tsv, .parquet, .jsonl or .json (optionally .gz)"
    )


def reader(path: Path, settings: Settings) -> str:
    """The DuckDB table function that streams the file."""
    fmt = file_format(path)
    if fmt == "csv":
        encoding = settings.encoding.lower().replace("_", "-")
        # every column as text: jejak parses and checks each value itself, so that
        # ids like 00123 keep their zeros and a bad value names its row
        return (
            f"read_csv({quote(str(path))}, header = true, all_varchar = true,"
            f" encoding = {quote(encoding)})"
        )
    if fmt == "parquet":
        return f"read_parquet({quote(str(path))})"
    return f"read_json({quote(str(path))}, sample_size = -1)"


@dataclass(frozen=True)
class Mapping:
    """Which source column feeds each touchpoint field; the rest go to properties."""

    fields: dict[str, str]  # field -> source column
    extras: list[str]  # source columns kept in properties
    types: dict[str, str]  # source column -> DuckDB type
    # which staged rows are touchpoints: a WHERE or QUALIFY clause over the staged file
    # (an import's records that are not, e.g. Segment identify calls); "" keeps every row
    rows: str = ""


def describe(
    con: duckdb.DuckDBPyConnection, source: str, path: Path, encoding: str = "utf-8"
) -> dict[str, str]:
    """Source column names and types; a LoadError for unreadable files."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error as exc:
        raise LoadError(explain_read_error(path, exc)) from None
    columns = {name: dtype for name, dtype, *_ in rows}
    if file_format(path) == "csv":
        _check_header_was_read(path, list(columns), encoding)
    return columns


def _check_header_was_read(path: Path, columns: list[str], encoding: str) -> None:
    """When DuckDB's columns are not the file's header, a row has extra fields: name it.

    DuckDB's dialect sniffer gives up on files whose rows disagree on their number of
    fields and reads them oddly; the user needs the row, not the oddity.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # DuckDB skips a byte-order mark; so must we
    with opener(path, "rt", encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline().rstrip("\r\n")
    delimiter = max(("\t", ",", ";", "|"), key=first.count)
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])]
    if header == [c.strip() for c in columns]:
        return
    ragged = _ragged_record(path, delimiter, encoding)
    if ragged:
        record, expected, found = ragged
        raise LoadError(
            f"{path} row {record:,}: has {found} fields but the header has {expected};"
            ' quote values that contain the delimiter ("[1,2]") or remove the extra fields'
        )


def _ragged_record(path: Path, delimiter: str, encoding: str) -> tuple[int, int, int] | None:
    """The first data row whose field count differs from the header's (streamed)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, errors="replace", newline="") as handle:
        reader_ = csv.reader(handle, delimiter=delimiter)
        header = next(reader_, [])
        for record, fields in enumerate(reader_, start=1):
            if fields and len(fields) != len(header):
                return record, len(header), len(fields)
    return None


def explain_read_error(path: Path, exc: Exception) -> str:
    """DuckDB's reading errors, said with what to do about them."""
    text = str(exc)
    first = text.splitlines()[0] if text else type(exc).__name__
    if "unicode" in text.lower() or ("utf" in text.lower() and "encod" in text.lower()):
        line = _line_of(text)
        return (
            f"{path}{line}: the file is not valid UTF-8 text; re-save it as UTF-8, or set"
            " 'encoding: latin-1' (or utf-16) in jejak.yaml"
        )
    if "No files found" in text or "No such file" in text:
        return f"{path}: no such file; check the path"
    if "empty" in text.lower() or "no columns" in text.lower():
        return f"{path}: the file is empty; it needs a header row and at least one touchpoint"
    return f"{path}: cannot read the file ({first})"


def _line_of(text: str) -> str:
    import re

    match = re.search(r"[Ll]ine:? (\d+)", text)
    return f" line {match.group(1)}" if match else ""


def map_columns(columns: dict[str, str], settings: Settings, path: Path) -> Mapping:
    """Match source columns to fields, by the jejak.yaml mapping or by name."""
    found = ", ".join(columns) or "none"
    fields: dict[str, str] = {}
    for field in FIELD_NAMES:
        source = settings.columns.get(field)
        if source is not None:
            if source not in columns:
                raise LoadError(
                    f"{path}: jejak.yaml maps '{field}' to column '{source}', but the file has"
                    f" no such column (columns found: {found}); fix 'columns.{field}'"
                )
            fields[field] = source
        elif field in columns and field not in settings.columns.values():
            fields[field] = field
    for field in REQUIRED:
        if field not in fields:
            raise LoadError(
                f"{path}: no '{field}' column (columns found: {found}); rename your column to"
                f" '{field}' or map it in jejak.yaml, e.g. columns: {{{field}: your_column}}"
            )
    if not any(f in fields for f in IDENTITY_FIELDS):
        raise LoadError(
            f"{path}: no 'customer_id' or 'anonymous_id' column (columns found: {found});"
            " every touchpoint needs a person: rename or map one in jejak.yaml 'columns'"
        )
    used = set(fields.values())
    # _jejak_* columns annotate a rejects file; a fixed rejects file loads without them
    extras = [c for c in columns if c not in used and not c.startswith("_jejak_")]
    return Mapping(fields=fields, extras=extras, types=columns)


def as_text(column: str, dtype: str) -> str:
    """SQL giving a source column as text (nested values as JSON)."""
    if any(t in dtype.upper() for t in NESTED_TYPES):
        return f"CAST(to_json({ident(column)}) AS VARCHAR)"
    return f"CAST({ident(column)} AS VARCHAR)"
