"""Tables written to files (CSV) for people and for tools alike.

Columns stay machine-readable (plain numbers, ISO 8601 times), but times are in the
workspace's time zone with their offset (a Jakarta shop reads 16:54+07:00, not 09:54 UTC)
and durations are rounded to what they carry, with the unit in the column's name
(``days_in_stage`` 364.6, not 364.58683981481).
"""

from __future__ import annotations

import pandas as pd

# a duration column's unit, from its name, and the decimals it is written with
_DURATIONS = {"days": 1, "hours": 1, "minutes": 1, "seconds": 0, "weeks": 1}


def for_export(table: pd.DataFrame, timezone: str = "UTC") -> pd.DataFrame:
    """``table`` as it is written to a CSV file: times in ``timezone``, durations rounded."""
    shown = table.copy()
    for name in shown.columns:
        column = shown[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            shown[name] = column.dt.tz_convert(timezone)
        elif pd.api.types.is_float_dtype(column) and (unit := _unit(str(name))):
            digits = _DURATIONS[unit]
            shown[name] = (
                column.round(digits).astype("Int64") if not digits else column.round(digits)
            )
    return shown


def _unit(name: str) -> str | None:
    """The duration unit a column's name ends or starts with (``days_in_stage``,
    ``median_seconds``), if any."""
    words = name.lower().split("_")
    for unit in _DURATIONS:
        if words[0] == unit or words[-1] == unit:
            return unit
    return None
