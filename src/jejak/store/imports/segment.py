"""Segment and RudderStack messages (their common event spec): track, page and screen
calls become touchpoints; identify and alias calls become identity links.

Follows the Segment Spec (https://segment.com/docs/connections/spec/, sections
"Common Fields", "Track", "Page", "Screen", "Identify", "Alias" and "Ecommerce Events"
for revenue), which RudderStack's event spec mirrors field for field
(https://www.rudderstack.com/docs/event-spec/standard-events/). A file holds JSON lines
of messages, a JSON array of them, or ``{"batch": [...]}`` objects (the body of the
HTTP Tracking API's ``/v1/batch``); the collector's Segment-compatible endpoints store
what they receive through this same import.

- ``messageId`` is the event id (a message sent twice is stored once); ``userId`` the
  customer; ``anonymousId`` the anonymous id.
- ``timestamp``, else ``originalTimestamp``, ``sentAt``, ``receivedAt``: the time.
- track: the touchpoint is ``event`` as sent (e.g. ``Order Completed``); page: ``page_view``
  and screen: ``screen_view``, their ``name`` and ``category`` kept in properties.
- ``context.campaign.source`` / ``medium`` / ``name``: source, medium and campaign; the
  channel is the medium, as jejak's own tracker sets it.
- ``properties`` are the properties; ``properties.revenue`` (else ``properties.total``)
  with ``properties.currency`` the revenue.
- identify: links ``anonymousId`` to ``userId`` (as ``jejak load --identities`` does);
  an identify carries no touchpoint, and its ``traits`` are not kept: jejak keeps no
  profiles, and traits are mostly personal data (email, name, phone) it does not need.
  alias: links ``previousId`` to ``userId``. group: not kept (jejak has no accounts).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb

from jejak.errors import LoadError
from jejak.language import gettext, localised
from jejak.model.config import Settings
from jejak.store import personal
from jejak.store.imports import Columns, Imported, computed, with_sql
from jejak.store.sources import Source, file_format, quote

NAME = "segment"
TOUCHPOINT_TYPES = {"track": None, "page": "page_view", "screen": "screen_view"}
LINK_TYPES = ("identify", "alias")
IGNORED_TYPES = ("group",)
TYPES = (*TOUCHPOINT_TYPES, *LINK_TYPES, *IGNORED_TYPES)
MESSAGE, TYPE = "message", "_jejak_type"


def matches(con: duckdb.DuckDBPyConnection, path: Path, columns: Columns) -> bool:
    """A JSON file whose first record is a message with a type and a messageId, or a
    ``batch`` of them (read as JSON objects: the plain reader is not needed)."""
    if file_format(path) != "json":
        return False
    try:
        first = con.execute(
            f"SELECT CASE WHEN json_type(json, '$.batch') = 'ARRAY'"
            f" THEN json -> '$.batch[0]' ELSE json END FROM {_objects(path)} LIMIT 1"
        ).fetchall()
    except duckdb.Error:  # not JSON: the plain reader says what is wrong
        return False
    if not first or first[0][0] is None:
        return False
    message = json.loads(first[0][0])
    return isinstance(message, dict) and "type" in message and "messageId" in message


def _objects(path: Path) -> str:
    return f"read_json_objects({quote(str(path))}, format = 'auto')"


def _text(member: str) -> str:
    """A member of the message as text (NULL when absent or JSON null)."""
    return f"({MESSAGE} ->> {quote('$.' + member)})"


def _records(path: Path) -> str:
    """Each message of the file, in order: lines (or array items) that are messages, and
    the messages of lines that are ``{"batch": [...]}``."""
    objects = _objects(path)
    return (
        "(SELECT unnest(CASE WHEN json_type(json, '$.batch') = 'ARRAY'"
        f" THEN CAST(json -> '$.batch' AS JSON[]) ELSE [json] END) AS {MESSAGE} FROM {objects})"
    )


def prepare(source: Source, settings: Settings, described: Columns) -> Imported:
    """Read as JSON objects from the file itself (not the opened file's plain reader)."""
    kind = _text("type")
    event = " ".join(
        f"WHEN {quote(t)} THEN {quote(name) if name else _text('event')}"
        for t, name in TOUCHPOINT_TYPES.items()
    )
    revenue = f"coalesce({_text('properties.revenue')}, {_text('properties.total')})"
    # a page's or screen's own name and category, nulls dropped (so none erases the
    # properties' own), over its properties
    named = (
        f"json_merge_patch('{{}}', json_object('name', {_text('name')},"
        f" 'category', {_text('category')}))"
    )
    given = f"({MESSAGE} -> '$.properties')"
    properties = (
        f"CASE WHEN {given} IS NOT NULL AND json_type({given}) NOT IN ('OBJECT', 'NULL')"
        f" THEN CAST({given} AS VARCHAR)"  # not an object: the load says so, by row
        f" WHEN {kind} IN ('page', 'screen') THEN json_merge_patch(coalesce({given}, '{{}}'),"
        f" {named}) ELSE {given} END"
    )
    fields = {
        "type": kind,
        "event_id": _text("messageId"),
        "customer_id": _text("userId"),
        "anonymous_id": _text("anonymousId"),
        "ts": (
            f"coalesce({_text('timestamp')}, {_text('originalTimestamp')}, {_text('sentAt')},"
            f" {_text('receivedAt')})"
        ),
        "event": f"CASE {kind} {event} END",
        "source": _text("context.campaign.source"),
        "medium": _text("context.campaign.medium"),
        "channel": _text("context.campaign.medium"),  # as jejak's tracker: the medium
        "campaign": _text("context.campaign.name"),
        "revenue": revenue,
        "currency": f"CASE WHEN {revenue} IS NOT NULL THEN {_text('properties.currency')} END",
        "properties": properties,
    }
    sql, mapping = computed(_records(source.path), [MESSAGE], fields)
    touchpoints = ", ".join(quote(t) for t in TOUCHPOINT_TYPES)
    mapping = replace(mapping, rows=f"WHERE {TYPE} IN ({touchpoints})")
    anonymous = (
        f"CASE {TYPE} WHEN 'alias' THEN {_text('previousId')} ELSE {_text('anonymousId')} END"
    )
    # ids as stored: hashed with pii's ids (see jejak.store.personal)
    anonymous_id = personal.id_sql(f"nullif(trim({anonymous}), '')", settings)
    customer_id = personal.id_sql(f"nullif(trim({_text('userId')}), '')", settings)
    links = (
        f"SELECT * FROM (SELECT {anonymous_id} AS anonymous_id,"
        f" {customer_id} AS customer_id FROM {{stage}}"
        f" WHERE {TYPE} IN ({', '.join(quote(t) for t in LINK_TYPES)}))"
        " WHERE anonymous_id IS NOT NULL AND customer_id IS NOT NULL"
    )
    return Imported(NAME, with_sql(source, sql), mapping, settings, check=_check, links=links)


def _check(con: duckdb.DuckDBPyConnection, stage: str, path: Path) -> None:
    """Every message must be a call of the spec; the first that is not is named."""
    known = ", ".join(quote(t) for t in TYPES)
    found = con.execute(
        f"SELECT rowid + 1, {TYPE}, json_type({MESSAGE}) FROM {stage}"
        f" WHERE {TYPE} IS NULL OR {TYPE} NOT IN ({known}) ORDER BY rowid LIMIT 1"
    ).fetchall()
    if not found:
        return
    row, kind, shape = found[0]
    if shape != "OBJECT":
        said = gettext(
            "{file} row {row}: is not a JSON object (it is {shape}); a Segment message is a"
            " track, page, screen, identify, alias or group call: fix or remove it. Nothing"
            " was stored"
        )
    elif kind is None:
        said = gettext(
            "{file} row {row}: 'type' is missing; a Segment message is a track, page, screen,"
            " identify, alias or group call: fix or remove it. Nothing was stored"
        )
    else:
        said = gettext(
            "{file} row {row}: 'type' is {kind}; a Segment message is a track, page, screen,"
            " identify, alias or group call: fix or remove it. Nothing was stored"
        )
    row = localised(f"{row:,}")
    raise LoadError(said.format(file=path, row=row, shape=shape.lower(), kind=repr(kind)))
