"""Touchpoints in the plain shape a tracker sends, checked in Python as the SQL would.

Planning the checks of :mod:`jejak.store.loading` costs DuckDB tens of milliseconds per
statement whatever the number of rows, which is most of a small collector group's time.
Most collected events have a plain shape: an ISO 8601 time with its offset (``Z`` or
``+07:00``), a revenue of plain digits, values without surrounding spaces. For those the
checks' verdicts and values are computed here, equal to the SQL's: the same reasons, in
the same order. A group with any other event is checked by the SQL (:func:`checked`
answers None); tests compare both on the same events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jejak.model.config import Settings
from jejak.model.touchpoint import FIELD_NAMES, TEXT_FIELDS
from jejak.store.amounts import Marks
from jejak.store.loading import EARLIEST, MAX_REVENUE, checks
from jejak.store.sources import Mapping

# what datetime.fromisoformat and DuckDB's TIMESTAMPTZ cast read alike; digits are ASCII
# ones (Python's float() reads other scripts' digits too, DuckDB's casts do not)
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)", re.ASCII)
NUMBER = re.compile(r"-?\d+(\.\d+)?", re.ASCII)  # what any detected decimal marks read as digits
CURRENCY = re.compile(r"[A-Za-z]{3}")
# what json.dumps writes that DuckDB's JSON may not read: NaN and infinities, and
# escaped UTF-16 surrogates (also in strings: then the SQL checks, to be sure)
NOT_PLAIN_JSON = re.compile(r"NaN|Infinity|\\u[dD][89a-fA-F]")
# a collected event's fields, each a text column named as the field
MAPPING = Mapping(
    fields={name: name for name in FIELD_NAMES},
    extras=[],
    types=dict.fromkeys(FIELD_NAMES, "VARCHAR"),
)


@dataclass(frozen=True)
class Row:
    """One event's stored values (``values``: field -> text, time or number), or the
    field and reason it is refused for."""

    values: dict[str, Any] | None = None
    refused: tuple[str, str] | None = None


def _reasons(settings: Settings) -> dict[str, str]:
    """The SQL checks' reasons that a plain event can meet, by a short name."""
    found: dict[str, list[str]] = {}
    for field, _, reason in checks(settings, Marks(), MAPPING):
        found.setdefault(field, []).append(str(reason))
    return {
        "event": found["event"][0],
        "person": found["customer_id"][0],
        "ts empty": found["ts"][0],
        "ts range": found["ts"][2],
        "negative": found["revenue"][1],
        "large": found["revenue"][2],
        "currency": found["currency"][1],
    }


def checked(events: list[dict[str, Any]], settings: Settings) -> list[Row] | None:
    """Each event's verdict and values (fields as :mod:`jejak.server.collector` makes
    them: text or None), or None when an event is not plain or the settings read times
    or amounts their own way: then the SQL checks the group."""
    if settings.ts_format or settings.decimal or settings.thousands is not None:
        return None
    earliest = datetime.fromisoformat(EARLIEST).replace(tzinfo=ZoneInfo(settings.timezone))
    latest = datetime.now(UTC) + timedelta(days=1)
    refunds = set(settings.refund_events)
    reasons = _reasons(settings)
    rows = []
    for event in events:
        for value in event.values():
            if value is not None and (value != value.strip() or "\x00" in value):
                return None
        values: dict[str, Any] = {f: event.get(f) or None for f in TEXT_FIELDS}
        ts, revenue = event.get("ts") or None, event.get("revenue") or None
        if ts is not None:
            if not ISO.fullmatch(ts):
                return None
            try:
                values["ts"] = datetime.fromisoformat(ts)
            except ValueError:
                return None
        if revenue is not None:
            if not NUMBER.fullmatch(revenue):
                return None
            values["revenue"] = float(revenue)
        else:
            values["revenue"] = None
        if values["properties"] is not None and NOT_PLAIN_JSON.search(values["properties"]):
            return None
        rows.append(_verdict(values, earliest, latest, refunds, reasons))
    return rows


def _verdict(
    values: dict[str, Any],
    earliest: datetime,
    latest: datetime,
    refunds: set[str],
    reasons: dict[str, str],
) -> Row:
    """The first check the event fails, in the SQL's order, or its values."""
    revenue, currency = values["revenue"], values["currency"]
    if values["event"] is None:
        return Row(refused=("event", reasons["event"]))
    if values["customer_id"] is None and values["anonymous_id"] is None:
        return Row(refused=("customer_id", reasons["person"]))
    if values.get("ts") is None:
        return Row(refused=("ts", reasons["ts empty"]))
    if values["ts"] < earliest or values["ts"] > latest:
        return Row(refused=("ts", reasons["ts range"]))
    # with no refund events the SQL's NOT IN (NULL) is never true
    if revenue is not None and revenue < 0 and refunds and values["event"] not in refunds:
        return Row(refused=("revenue", reasons["negative"]))
    if revenue is not None and abs(revenue) > MAX_REVENUE:
        return Row(refused=("revenue", reasons["large"]))
    if currency is not None and not CURRENCY.fullmatch(currency):
        return Row(refused=("currency", reasons["currency"]))
    return Row(values=values)
