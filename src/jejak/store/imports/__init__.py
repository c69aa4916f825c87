"""Imports of documented formats: files other tools write, loaded as touchpoints.

A format turns each record of its file into touchpoint fields, in DuckDB SQL over the
file as DuckDB streams it (nested Parquet and JSON included), so an import is checked,
de-duplicated and stored by the same load as any touchpoint file (all or nothing, errors
naming the row). Each format module says which published documentation it follows.

- ``ga4``: Google Analytics 4's BigQuery export (``events_YYYYMMDD`` as Parquet or JSON).
- ``segment``: Segment / RudderStack messages (track, page, screen; identify and alias
  become identity links), as JSON lines, a JSON array or ``{"batch": [...]}``.
- ``shopify``: Shopify's orders CSV export (one ``order`` touchpoint per order).

Without ``format`` a file is recognised by its columns (see each module's ``matches``);
``format="touchpoints"`` reads it as a plain touchpoint file whatever its columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import duckdb

from jejak.errors import LoadError
from jejak.language import gettext
from jejak.model.config import Settings
from jejak.model.touchpoint import FIELD_NAMES
from jejak.store.sources import Mapping, Source, ident

Columns = Callable[[], dict[str, str]]  # the file's columns (name -> DuckDB type), on demand
# an import's check of the staged records: (connection, staged table, the user's file)
Check = Callable[[duckdb.DuckDBPyConnection, str, Path], None]
TOUCHPOINTS = "touchpoints"  # the plain format: columns named (or mapped) as fields
PREFIX = "_jejak_"  # computed columns (and a rejects file's annotations) start so


@dataclass(frozen=True)
class Imported:
    """How to load one file of a documented format.

    ``source`` is the opened file (:func:`jejak.store.sources.opened`: its path, notes,
    delimiter) with SQL that streams the file's records in file order with one computed
    column per touchpoint field (:meth:`with_sql`); ``mapping`` points the fields at
    them and says which records are touchpoints; ``settings`` are the workspace's minus
    what applies to plain files only (the column mapping, ts_format, the decimal and
    thousands marks: the formats write amounts with a decimal dot). ``check`` refuses a
    file the format cannot read, naming the row; ``links`` selects (anonymous_id,
    customer_id) identity links from the staged records, ``{stage}`` standing for the
    staged table.
    """

    format: str
    source: Source
    mapping: Mapping
    settings: Settings
    check: Check | None = None
    links: str | None = None


class Format(Protocol):
    """What a format module offers (see ga4, segment, shopify)."""

    def matches(self, con: duckdb.DuckDBPyConnection, path: Path, columns: Columns) -> bool:
        """Whether the file is of this format."""
        ...

    def prepare(self, source: Source, settings: Settings, described: Columns) -> Imported:
        """How to load the opened file (a LoadError when it is not of this format)."""
        ...


def _formats() -> dict[str, Format]:
    from jejak.store.imports import ga4, segment, shopify

    return {"ga4": ga4, "segment": segment, "shopify": shopify}


def names() -> tuple[str, ...]:
    """Every format ``load`` accepts, the plain one first."""
    return (TOUCHPOINTS, *_formats())


def detect(con: duckdb.DuckDBPyConnection, path: Path, columns: Columns) -> str | None:
    """The documented format the file shows, or None for a plain touchpoint file."""
    formats = _formats()
    # Segment first: it peeks at one JSON record, where the others describe the file
    for name in ("segment", *(f for f in formats if f != "segment")):
        if formats[name].matches(con, path, columns):
            return name
    return None


def check_name(format: str | None, where: Path) -> None:
    """A LoadError, about ``where``, when ``format`` is not one ``load`` accepts."""
    if format is not None and format not in names():
        said = gettext(
            "{file}: unknown format {format}; use one of {formats} (or leave it out to have"
            " the format recognised)"
        )
        raise LoadError(said.format(file=where, format=repr(format), formats=", ".join(names())))


def prepare(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    settings: Settings,
    columns: Columns,
    format: str | None,
) -> Imported | None:
    """How to load the opened file ``source`` in ``format`` (None: the format the file
    shows), or None to load it as a plain touchpoint file. ``columns`` gives the file's
    columns as the plain reader sees them, described once, only when a format needs them
    (Segment messages need not: their properties may hold keys the plain JSON reader
    refuses, like "a" and "A")."""
    check_name(format, source.path)
    name = detect(con, source.path, columns) if format is None else format
    if name is None or name == TOUCHPOINTS:
        return None
    plain = settings.model_copy(
        update={"columns": {}, "ts_format": None, "decimal": ".", "thousands": ","}
    )
    return _formats()[name].prepare(source, plain, columns)


def with_sql(source: Source, sql: str) -> Source:
    """The opened file read by ``sql`` instead (its notes stay the opened file's)."""
    return replace(source, sql=sql)


def own_columns(columns: dict[str, str]) -> list[str]:
    """The file's own columns: without the computed ones a rejects file of an import
    carries (they are computed afresh, so the fixed file loads as it is)."""
    return [c for c in columns if not c.startswith(PREFIX)]


def computed(raw: str, keep: list[str], fields: dict[str, str]) -> tuple[str, Mapping]:
    """The source (the ``keep`` columns of the relation ``raw``, then ``_jejak_<field>``
    text columns computed by the SQL in ``fields``, in file order) and the mapping onto
    those columns."""
    exprs = [f"CAST(({sql}) AS VARCHAR) AS {ident(PREFIX + f)}" for f, sql in fields.items()]
    select = ", ".join([*(ident(c) for c in keep), *exprs])
    mapping = Mapping(
        fields={f: PREFIX + f for f in fields if f in FIELD_NAMES},
        extras=[],
        types={PREFIX + f: "VARCHAR" for f in fields},
    )
    return f"(SELECT {select} FROM {raw})", mapping


def require(path: Path, name: str, columns: dict[str, str], needed: tuple[str, ...]) -> None:
    """A LoadError naming the columns a ``--format name`` file lacks."""
    missing = [c for c in needed if c not in columns]
    if missing:
        said = gettext(
            "{file}: not a {format} file: no column {missing} (columns found: {found}); check"
            " the file, or load it without --format to have its format recognised"
        )
        raise LoadError(
            said.format(
                file=path,
                format=name,
                missing=", ".join(repr(c) for c in missing),
                found=", ".join(columns) or gettext("none"),
            )
        )


def count_links(con: duckdb.DuckDBPyConnection, links: str) -> int:
    """How many identity links the query ``links`` (an import's, over the staged
    records) gives, repeats included."""
    return con.execute(f"SELECT count(*) FROM ({links})").fetchall()[0][0]


def store_links(con: duckdb.DuckDBPyConnection, links: str, load_id: int) -> int:
    """Store the identity links of the query ``links`` with the load (inside its
    transaction); returns how many were new."""
    from jejak.store.identity_files import insert_links

    return insert_links(con, links, load_id)
