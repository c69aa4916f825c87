"""Touchpoints collected without consent (``consent:`` in jejak.yaml): stored without
identifiers, or not stored.

A touchpoint whose consent column or property holds one of the refusals (trimmed,
lower-cased: false, 0, no, denied, tidak...) is, with ``action: strip`` (the default),
stored with no customer id, anonymous id, email or phone key, and without its personal
properties (``pii:``'s names, else email and phone): it counts in totals (touchpoints,
revenue by channel) but belongs to no journey. With ``action: drop`` it is not stored.
It is read and checked like any other first: one that is invalid is rejected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from jejak.language import gettext, localised
from jejak.model.config import Settings
from jejak.model.privacy import PersonalData
from jejak.store import members
from jejak.store.sources import quote

# the checked rows' columns that identify a person (those the table has)
IDENTIFIERS = ("customer_id", "anonymous_id", "own_anonymous_id", "email_key", "phone_key")


@dataclass(frozen=True)
class Withheld:
    """How many touchpoints were stored without identifiers, and how many not at all."""

    stripped: int = 0
    dropped: int = 0

    def notes(self) -> tuple[str, ...]:
        """For a load's summary."""
        said = []
        if self.stripped:
            text = gettext("{count} without consent stored without identifiers")
            said.append(text.format(count=localised(f"{self.stripped:,}")))
        if self.dropped:
            text = gettext("{count} without consent not stored")
            said.append(text.format(count=localised(f"{self.dropped:,}")))
        return tuple(said)


def _personal_names(settings: Settings) -> list[str]:
    return list((settings.pii or PersonalData()).names)


def refused(properties: dict[str, Any] | None, settings: Settings) -> bool:
    """Whether the properties say the person did not consent (as :func:`refused_sql`)."""
    consent = settings.consent
    if consent is None or not properties or consent.field not in properties:
        return False
    value = properties[consent.field]
    if value is None or isinstance(value, dict | list):
        return False
    text = value if isinstance(value, str) else json.dumps(value)
    return text.strip().lower() in consent.refusals


def refused_sql(properties: str, settings: Settings) -> str:
    """SQL: whether the JSON text ``properties`` says the person did not consent."""
    consent = settings.consent
    if consent is None:
        return "false"
    values = ", ".join(quote(v) for v in consent.refusals)
    member = members.member_sql(properties, consent.field)
    return f"coalesce(lower(trim({member})) IN ({values}), false)"


def apply(con: duckdb.DuckDBPyConnection, table: str, settings: Settings) -> Withheld:
    """Strip or delete the valid rows of a checked table (``_reason`` NULL, properties
    as JSON text) whose consent was refused, before their event ids are matched (so a
    retried batch matches what was stored)."""
    if settings.consent is None:
        return Withheld()
    where = f"_reason IS NULL AND {refused_sql('properties', settings)}"
    if settings.consent.action == "drop":
        dropped = con.execute(f"DELETE FROM {table} WHERE {where}").fetchall()[0][0]
        return Withheld(dropped=dropped)
    columns = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    cleared = [f"{c} = NULL" for c in IDENTIFIERS if c in columns]
    properties = members.without_sql("properties", _personal_names(settings))
    stripped = con.execute(
        f"UPDATE {table} SET {', '.join(cleared)}, properties = {properties} WHERE {where}"
    ).fetchall()[0][0]
    return Withheld(stripped=stripped)


def stripped(values: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A checked collected event's values (properties as JSON text) without identifiers
    and personal properties when its consent was refused (as :func:`apply` strips)."""
    if settings.consent is None:
        return values
    text = values.get("properties")
    properties = json.loads(text) if text else None
    if not refused(properties, settings):
        return values
    assert properties is not None
    for name in _personal_names(settings):
        properties.pop(name, None)
    kept = json.dumps(properties, ensure_ascii=False)
    return {**values, "customer_id": None, "anonymous_id": None, "properties": kept}


def split(
    valid: list[tuple[int, dict[str, Any]]], settings: Settings, properties: str = "properties"
) -> tuple[list[tuple[int, dict[str, Any]]], set[int], int]:
    """A request's valid events (by index) without those to drop; the indices of those
    to be stored without identifiers; how many were dropped. ``properties``: the member
    holding the event's properties (JSON text or an object)."""
    if settings.consent is None:
        return valid, set(), 0
    kept, refusing, dropped = [], set(), 0
    for index, event in valid:
        given = event.get(properties)
        if isinstance(given, str):
            given = json.loads(given)
        if not refused(given if isinstance(given, dict) else None, settings):
            kept.append((index, event))
        elif settings.consent.action == "drop":
            dropped += 1
        else:
            kept.append((index, event))
            refusing.add(index)
    return kept, refusing, dropped


def answer(settings: Settings, refusing: set[int], dropped: int, rejected: list[dict]) -> dict:
    """The collector's counts of events without consent (none without ``consent:``):
    stored without identifiers (those not rejected), and dropped."""
    if settings.consent is None:
        return {}
    refused_indices = {r["index"] for r in rejected}
    return {
        "stored_without_identifiers": len(refusing - refused_indices),
        "dropped_without_consent": dropped,
    }
