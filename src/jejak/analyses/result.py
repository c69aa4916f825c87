"""The one result type every analysis returns; every face renders it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import import_module
from typing import Any

import pandas as pd

# The report draws results; it is found by name when a figure is asked for, so the
# analyses never import a face (see jejak.report.figures.registry).
FIGURES = "jejak.report.figures"


def drawn(result: Result, kind: str = "figure", **options: Any) -> Any:
    """``result``'s ``kind`` figure (a Plotly figure), drawn by the function the report
    registered for the result's type, as pandas' ``.plot`` hands off to a backend."""
    return import_module(FIGURES).draw(result, kind, **options)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-safe records (NaN and NaT become None, times ISO 8601)."""
    return [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


@dataclass
class Result:
    """An analysis answer: ``table`` for people, ``figure()`` for charts, ``to_dict()`` for APIs.

    ``meta`` holds the parameters and definitions used (as_of, window, journey name...).
    """

    title: str
    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def figure(self) -> Any:
        """A Plotly figure of the result."""
        raise NotImplementedError(f"{type(self).__name__} has no figure")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: title, meta and the table as records."""
        return {
            "title": self.title,
            "meta": {k: _json_value(v) for k, v in self.meta.items()},
            "table": records(self.table),
        }
