"""SQL functions analyses need that the engines spell differently.

Each is declared once as an Ibis builtin under the Spark name; on DuckDB a
macro of the same name is created when a connection opens (see
``jejak.engine.connection.DUCKDB_MACROS``).
"""

from __future__ import annotations

import re
from datetime import datetime

import ibis
import ibis.expr.datatypes as dt

from jejak.errors import ConfigError
from jejak.language import gettext


@ibis.udf.scalar.builtin
def get_json_object(json: str, path: str) -> str:  # type: ignore[empty-body]
    """The text at a JSONPath (``$.key``) in a JSON string; NULL when absent."""


@ibis.udf.scalar.builtin
def unix_micros(ts: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[empty-body]
    """Microseconds since 1970-01-01 UTC (exact on both engines, unlike epoch seconds)."""


@ibis.udf.scalar.builtin
def timestamp_micros(micros: dt.int64) -> dt.Timestamp(timezone="UTC"):  # type: ignore[empty-body]
    """The moment ``micros`` microseconds after 1970-01-01 UTC (inverse of unix_micros)."""


@ibis.udf.scalar.builtin
def from_utc_timestamp(ts: dt.Timestamp(timezone="UTC"), zone: str) -> dt.Timestamp(timezone="UTC"):  # type: ignore[empty-body]
    """The wall-clock time in ``zone`` at the moment ``ts``, labelled UTC: its hour and day
    are the local ones, with each moment's own offset (summer time included)."""


_BREAKS_PATH = re.compile(r"""[\[\]*"'\\$\x00-\x1f]""")  # what a JSON path reads otherwise


def json_field(properties: ibis.Value, key: str) -> ibis.Value:
    """A property's value as text, from the JSON object in ``properties``."""
    parts = key.split(".") if isinstance(key, str) else [""]
    if _BREAKS_PATH.search(key or "") or not all(p and p == p.strip() for p in parts):
        said = gettext(
            "{key} is not a property name jejak can read: no brackets, quotes, *, $ or"
            " backslashes, and no empty part or outer spaces (a dot reads inside an object:"
            " shipping.country; a key with a dot in its own name cannot be read)"
        )
        raise ConfigError(said.format(key=repr(key)))
    return get_json_object(properties, f"$.{key}")


def utc_micros(moment: datetime) -> int:
    """Microseconds since 1970-01-01 UTC of a moment (a time without a zone is UTC): the
    literal to compare with ``unix_micros`` of a column."""
    import pandas as pd  # here: loading, which imports this module, needs no pandas

    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_convert("UTC") if stamp.tz else stamp.tz_localize("UTC")
    return int(stamp.value // 1_000)
