"""Reading a user's file through DuckDB: format by name, columns mapped to touchpoint fields."""

from __future__ import annotations

import csv
import gzip
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as default
from pathlib import Path

import duckdb

from jejak.errors import LoadError
from jejak.language import gettext, localised
from jejak.model.config import Settings
from jejak.model.touchpoint import FIELD_NAMES, IDENTITY_FIELDS, REQUIRED
from jejak.store import encodings
from jejak.store.sheets import SHEET_SUFFIXES, read_sheet

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
SHEET_VIEW = "_jejak_sheet"
NESTED_TYPES = ("STRUCT", "MAP", "[]", "JSON", "UNION")


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def file_format(path: Path) -> str | None:
    """csv, parquet, json or xlsx from the file name (.gz or .zst allowed but for xlsx);
    None for a name jejak does not read."""
    name = path.name.lower()
    if name.endswith(SHEET_SUFFIXES):
        return "xlsx"
    for compressed in (".gz", ".zst"):
        name = name.removesuffix(compressed)
    for fmt, suffixes in (
        ("csv", CSV_SUFFIXES),
        ("parquet", PARQUET_SUFFIXES),
        ("json", JSON_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return fmt
    return None


def known_format(path: Path) -> str:
    """:func:`file_format`, or a LoadError saying which names jejak reads."""
    fmt = file_format(path)
    if fmt is not None:
        return fmt
    if path.name.lower().endswith(".xls"):
        said = gettext(
            "{file}: an old Excel (.xls) workbook; open it in Excel and save it as .xlsx"
            " (or as CSV UTF-8)"
        )
        raise LoadError(said.format(file=path))
    said = gettext(
        "{file}: unknown file type; name it .csv, .tsv, .xlsx, .parquet, .jsonl or .json"
        " (text files optionally .gz)"
    )
    raise LoadError(said.format(file=path))


@dataclass
class Source:
    """A file opened for DuckDB: the table expression that reads it, and what to tell."""

    sql: str
    fmt: str
    path: Path  # the user's file
    read_path: Path  # the file DuckDB reads (a UTF-8 copy of a file in another encoding)
    notes: list[str] = default(default_factory=list)
    delimiter: str | None = None
    encoding: str = "utf-8"  # of read_path, as DuckDB names it
    codec: str = "utf-8"  # of the user's file, as Python names it


def _csv_sql(path: Path, encoding: str, settings: Settings) -> str:
    # every column as text: jejak parses and checks each value itself, so that
    # ids like 00123 keep their zeros and a bad value names its row
    options = [
        "header = true",
        "all_varchar = true",
        f"encoding = {quote(encoding)}",
        f"max_line_size = {int(settings.max_line_size)}",
    ]
    if settings.separator:
        options.append(f"delim = {quote(settings.separator)}")
    return f"read_csv({quote(str(path))}, {', '.join(options)})"


@contextmanager
def opened(con: duckdb.DuckDBPyConnection, path: Path, settings: Settings) -> Iterator[Source]:
    """The file as a DuckDB source; temporary copies and views are gone afterwards."""
    fmt = known_format(path)
    if fmt == "parquet":
        yield Source(f"read_parquet({quote(str(path))})", fmt, path, path)
        return
    if fmt == "json":
        yield Source(f"read_json({quote(str(path))}, sample_size = -1)", fmt, path, path)
        return
    if fmt == "xlsx":
        con.register(SHEET_VIEW, read_sheet(path, settings.sheet, settings.ts_format))
        try:
            yield Source(SHEET_VIEW, fmt, path, path)
        finally:
            con.unregister(SHEET_VIEW)
        return
    encodings.check_not_zip(path)
    decoded = encodings.decode(path, settings.encoding)
    try:
        notes = [decoded.note] if decoded.note else []
        sql = _csv_sql(decoded.path, decoded.encoding, settings)
        yield Source(
            sql, fmt, path, decoded.path, notes, settings.separator, decoded.encoding, decoded.codec
        )
    finally:
        encodings.remove_copy(decoded)


@dataclass(frozen=True)
class Mapping:
    """Which source column feeds each touchpoint field; the rest go to properties."""

    fields: dict[str, str]  # field -> source column
    extras: list[str]  # source columns kept in properties
    types: dict[str, str]  # source column -> DuckDB type
    # which staged rows are touchpoints: a WHERE or QUALIFY clause over the staged file
    # (an import's records that are not, e.g. Segment identify calls); "" keeps every row
    rows: str = ""
    constants: dict[str, str] = default(default_factory=dict)  # field -> every row's value
    contacts: dict[str, str] = default(default_factory=dict)  # email/phone -> source column


def describe(con: duckdb.DuckDBPyConnection, source: Source, settings: Settings) -> dict[str, str]:
    """Source column names and types; a LoadError for unreadable files."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {source.sql}").fetchall()
    except duckdb.Error as exc:
        raise LoadError(explain_read_error(source, exc, settings)) from None
    columns = {name: dtype for name, dtype, *_ in rows}
    if source.fmt == "csv":
        source.delimiter = _check_header_was_read(source, list(columns))
    return columns


def _text_encoding(source: Source) -> str:
    """How Python opens the file DuckDB reads (which skips a byte-order mark; so must we)."""
    return "utf-8-sig" if source.encoding == "utf-8" else source.encoding


def _check_header_was_read(source: Source, columns: list[str]) -> str:
    """When DuckDB's columns are not the file's header, a row has extra fields: name it.
    Returns the delimiter of the header line.

    DuckDB's dialect sniffer gives up on files whose rows disagree on their number of
    fields and reads them oddly; the user needs the row, not the oddity.
    """
    path, encoding = source.read_path, _text_encoding(source)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline().rstrip("\r\n")
    delimiter = source.delimiter or max(("\t", ",", ";", "|"), key=first.count)
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])]
    if header == [c.strip() for c in columns]:
        return delimiter
    ragged = _ragged_record(path, delimiter, encoding)
    if ragged:
        record, expected, found = ragged
        said = gettext(
            "{file} row {row}: has {found} fields but the header has {expected}; quote values"
            ' that contain the delimiter ("[1,2]") or remove the extra fields'
        )
        raise LoadError(
            said.format(file=source.path, row=_number(record), found=found, expected=expected)
        )
    return delimiter


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


def explain_read_error(source: Source, exc: Exception, settings: Settings) -> str:
    """DuckDB's reading errors, said with what to do about them."""
    path = source.path
    text = str(exc)
    # DuckDB's message quotes the offending line, which may be megabytes long
    lines = [line for line in text.splitlines() if not line.startswith("Original Line")]
    first = lines[0][:300] if lines else type(exc).__name__
    if "Maximum line size" in text:
        return _too_long(source, settings.max_line_size)
    if "unicode" in text.lower() or ("utf" in text.lower() and "encod" in text.lower()):
        match = re.search(r"[Ll]ine:? (\d+)", text)
        said = (
            gettext(
                "{file} line {line}: the file is not valid {encoding} text; re-save it as"
                " UTF-8, or set 'encoding' in jejak.yaml to its encoding (latin-1, cp1252,"
                " utf-16...)"
            )
            if match
            else gettext(
                "{file}: the file is not valid {encoding} text; re-save it as UTF-8, or set"
                " 'encoding' in jejak.yaml to its encoding (latin-1, cp1252, utf-16...)"
            )
        )
        line = match.group(1) if match else ""
        return said.format(file=path, line=line, encoding=settings.encoding)
    if "No files found" in text or "No such file" in text:
        return str(LoadError.no_such_file(path))
    if re.search(r"\bempty file\b|file is empty|no columns", first, re.IGNORECASE):
        said = gettext(
            "{file}: the file is empty; it needs a header row and at least one touchpoint"
        )
        return said.format(file=path)
    return gettext("{file}: cannot read the file ({problem})").format(file=path, problem=first)


def _too_long(source: Source, limit: int) -> str:
    """The first line longer than ``limit`` bytes: its row, its longest field and the fix."""
    found = _long_line(source.read_path, limit)
    if found is None:
        said = gettext(
            "{file}: a line is longer than max_line_size ({limit} bytes); raise"
            " max_line_size in jejak.yaml, or look for an unclosed quote"
        )
        return said.format(file=source.path, limit=_number(limit))
    row, size, line = found
    delimiter = source.delimiter or max(("\t", ",", ";", "|"), key=line[0].count)
    said = gettext(
        "{file} row {row}: the line is {size} bytes, more than max_line_size ({limit} bytes);"
        " shorten the field (an unclosed quote or a pasted blob is the usual cause), or raise"
        " max_line_size in jejak.yaml to at least {least}"
    )
    name, long = None, 0
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        header, fields = (next(csv.reader([text], delimiter=delimiter), []) for text in line)
    finally:
        csv.field_size_limit(old)
    if fields:
        longest = max(range(len(fields)), key=lambda i: len(fields[i]))
        long = len(fields[longest].encode())
        if longest < len(header):
            name = header[longest]
            said = gettext(
                "{file} row {row}: '{field}' is {long} bytes long, and the line is {size} bytes,"
                " more than max_line_size ({limit} bytes); shorten the field (an unclosed quote"
                " or a pasted blob is the usual cause), or raise max_line_size in jejak.yaml to"
                " at least {least}"
            )
        else:
            name = str(longest + 1)
            said = gettext(
                "{file} row {row}: 'field {field}' is {long} bytes long, and the line is {size}"
                " bytes, more than max_line_size ({limit} bytes); shorten the field (an"
                " unclosed quote or a pasted blob is the usual cause), or raise max_line_size"
                " in jejak.yaml to at least {least}"
            )
    return said.format(
        file=source.path,
        row=_number(row),
        field=name,
        long=_number(long),
        size=_number(size),
        limit=_number(limit),
        least=_number(size + 2),
    )


def _number(value: int) -> str:
    """A count in the marks of the reader's language: ``1,234`` (``1.234``)."""
    return localised(f"{value:,}")


def _long_line(path: Path, limit: int) -> tuple[int, int, tuple[str, str]] | None:
    """(row, bytes, (header line, the line)) of the first line longer than ``limit``;
    rows count from the line after the header (streamed)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        header = handle.readline()
        for row, line in enumerate(handle, start=1):
            if len(line.rstrip(b"\r\n")) > limit:
                text = (header.decode("utf-8-sig", "replace"), line.decode("utf-8", "replace"))
                return row, len(line.rstrip(b"\r\n")), (text[0].rstrip("\r\n"), text[1])
    return None


def map_columns(
    columns: dict[str, str],
    settings: Settings,
    path: Path,
    constants: dict[str, str] | None = None,
    contacts: dict[str, str] | None = None,
) -> Mapping:
    """Match source columns to fields, by the jejak.yaml mapping or by name. A source's
    ``constants`` fill fields for every row; its ``contacts`` name the columns holding
    emails and phone numbers (ids, never kept in properties)."""
    constants, contacts = constants or {}, contacts or {}
    found = ", ".join(columns) or gettext("none")
    fields: dict[str, str] = {}
    for field in FIELD_NAMES:
        source = settings.columns.get(field)
        if source is not None:
            if source not in columns:
                said = gettext(
                    "{file}: jejak.yaml maps '{field}' to column '{column}', but the file has"
                    " no such column (columns found: {found}); fix 'columns.{field}'"
                )
                raise LoadError(said.format(file=path, field=field, column=source, found=found))
            fields[field] = source
        elif (
            field in columns
            and field not in settings.columns.values()
            and field not in constants
            and field not in contacts.values()
        ):
            fields[field] = field
    for kind, column in contacts.items():
        if column not in columns:
            said = (
                gettext(
                    "{file}: jejak.yaml says column '{column}' holds the email, but the file"
                    " has no such column (columns found: {found}); fix 'ids.{kind}' of the"
                    " source"
                )
                if kind == "email"
                else gettext(
                    "{file}: jejak.yaml says column '{column}' holds the phone, but the file"
                    " has no such column (columns found: {found}); fix 'ids.{kind}' of the"
                    " source"
                )
            )
            raise LoadError(said.format(file=path, column=column, kind=kind, found=found))
    for field in REQUIRED:
        if field not in fields and field not in constants:
            said = (
                gettext(
                    "{file}: no '{field}' column (columns found: {found}); rename your column"
                    " to '{field}' or map it in jejak.yaml, e.g. columns: {{{field}:"
                    " your_column}}, or give a source 'constants: {{event: order}}'"
                )
                if field == "event"
                else gettext(
                    "{file}: no '{field}' column (columns found: {found}); rename your column"
                    " to '{field}' or map it in jejak.yaml, e.g. columns: {{{field}:"
                    " your_column}}"
                )
            )
            raise LoadError(said.format(file=path, field=field, found=found))
    if not any(f in fields for f in IDENTITY_FIELDS) and not contacts:
        said = gettext(
            "{file}: no 'customer_id' or 'anonymous_id' column (columns found: {found});"
            " every touchpoint needs a person: rename or map one in jejak.yaml 'columns'"
            " (or, for a source, name its email or phone column under 'ids')"
        )
        raise LoadError(said.format(file=path, found=found))
    used = set(fields.values()) | set(contacts.values())
    # _jejak_* columns annotate a rejects file; a fixed rejects file loads without them
    extras = [c for c in columns if c not in used and not c.startswith("_jejak_")]
    return Mapping(
        fields=fields, extras=extras, types=columns, constants=constants, contacts=contacts
    )


def as_text(column: str, dtype: str) -> str:
    """SQL giving a source column as text (nested values as JSON)."""
    if any(t in dtype.upper() for t in NESTED_TYPES):
        return f"CAST(to_json({ident(column)}) AS VARCHAR)"
    return f"CAST({ident(column)} AS VARCHAR)"
