"""Google Analytics 4's BigQuery export: one touchpoint per event.

Follows "[GA4] BigQuery Export schema" (https://support.google.com/analytics/answer/7029846,
sections "Event", "User", "Traffic source", "Collected traffic source", "E-commerce"):
the daily ``events_YYYYMMDD`` (or ``events_intraday_YYYYMMDD``) table exported from
BigQuery as Parquet, or as newline-delimited JSON (where BigQuery writes INT64 values
as strings; both read the same).

- ``event_name`` is the touchpoint (``purchase`` stays ``purchase``: name it in the
  journey, or map it as an event role); ``event_timestamp`` (microseconds, UTC) its time.
- ``user_id`` is the customer, ``user_pseudo_id`` (the device or browser) the anonymous
  id: an event with both links them. An event with neither (consent mode's cookieless
  pings) is nobody's touchpoint: refused by row, or left out with ``skip_invalid``.
- ``event_params`` become ``properties``: each key with the value in whichever of
  ``string_value``, ``int_value``, ``float_value``, ``double_value`` is set.
- source, medium and campaign come from the event's own traffic source:
  ``collected_traffic_source.manual_source`` / ``manual_medium`` /
  ``manual_campaign_name`` (the UTM parameters collected with the event), or, in exports
  older than that record, the ``source`` / ``medium`` / ``campaign`` event parameters.
  Not from ``traffic_source``: that record is the campaign that *first acquired the
  user*, the same on every event of the user, so it would credit every later touchpoint
  to the first one; it is kept in properties as ``first_user_source``,
  ``first_user_medium`` and ``first_user_campaign``. The channel is the medium, as
  jejak's own tracker sets it (``utm_medium``).
- revenue: ``ecommerce.purchase_revenue`` on ``purchase`` events and minus
  ``ecommerce.refund_value`` on ``refund`` events (either falls back on the ``value``
  parameter), in the event's ``currency`` parameter (the schema's "local currency").
  ``ecommerce.transaction_id`` is kept in properties.
- The export has no event id, so one is derived from what tells events apart
  (stream, user_pseudo_id, event_timestamp, event_name, event_bundle_sequence_id, the
  batch ordering fields when present, and the parameters): loading a day twice, or
  as Parquet and then as JSON, stores each event once. (An intraday table and its daily
  table are the same events only if GA4 wrote the same parameters to both; load one.)
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from jejak.model.config import Settings
from jejak.store.imports import Columns, Imported, computed, own_columns, require, with_sql
from jejak.store.sources import Source, file_format, ident, quote

NAME = "ga4"
SIGNATURE = ("event_timestamp", "event_name", "user_pseudo_id")
PARAMS = "_jejak_params"
# what tells two exported events apart, in this order, where the export has it
DISTINCT_BY = (
    "stream_id",
    "user_pseudo_id",
    "event_timestamp",
    "event_name",
    "event_bundle_sequence_id",
    "batch_event_index",
    "batch_ordering_id",
    "batch_page_id",
)
REFUND_EVENT, PURCHASE_EVENT = "refund", "purchase"


def matches(con: duckdb.DuckDBPyConnection, path: Path, columns: Columns) -> bool:
    return file_format(path) in ("parquet", "json") and all(c in columns() for c in SIGNATURE)


def _member(columns: dict[str, str], record: str, member: str) -> str:
    """A member of a nested record as text, NULL when the export has no such record
    (the record goes through JSON, so older exports without the member read too)."""
    if record not in columns:
        return "NULL"
    return f"(to_json({ident(record)}) ->> {quote('$.' + member)})"


def _pairs(columns: dict[str, str]) -> str:
    """event_params as a list of (k, v): the key and, as JSON, whichever value is set.

    Parquet gives the repeated record as a typed list; a JSON export may lack members
    (or read them as JSON), and then each parameter goes through JSON instead."""
    kind = columns["event_params"]
    members = ("key", "string_value", "int_value", "float_value", "double_value")
    if kind.endswith("[]") and all(m in kind for m in members):
        items, key = "event_params", "p.key"

        def member(name: str) -> str:
            return f"p.value.{name}"
    else:
        items, key = "CAST(to_json(event_params) AS JSON[])", "p ->> '$.key'"

        def member(name: str) -> str:
            return f"(p ->> '$.value.{name}')"

    value = (
        f"coalesce(to_json({member('string_value')}),"
        f" to_json(TRY_CAST({member('int_value')} AS BIGINT)),"
        f" to_json(TRY_CAST({member('float_value')} AS DOUBLE)),"
        f" to_json(TRY_CAST({member('double_value')} AS DOUBLE)))"
    )
    return f"list_transform({items}, lambda p: struct_pack(k := {key}, v := {value}))"


def _with_params(plain: str, own: list[str], columns: dict[str, str]) -> str:
    """The file's records with their event_params as one JSON object (``_jejak_params``:
    key -> value; a key given twice keeps its first value), each step a projection so
    the records keep the file's order."""
    listed = ", ".join(ident(c) for c in own)
    if "event_params" not in columns:
        return f"(SELECT {listed}, '{{}}' AS {PARAMS} FROM {plain})"
    pairs = f"(SELECT {listed}, {_pairs(columns)} AS _jejak_pairs FROM {plain})"
    keyed = (
        f"(SELECT {listed}, _jejak_pairs, list_transform(_jejak_pairs, lambda e: e.k)"
        f" AS _jejak_keys FROM {pairs})"
    )
    first = (
        "list_filter(_jejak_pairs,"
        " lambda e, i: e.k IS NOT NULL AND list_position(_jejak_keys, e.k) = i)"
    )
    params = f"coalesce(CAST(to_json(map_from_entries({first})) AS VARCHAR), '{{}}')"
    return f"(SELECT {listed}, {params} AS {PARAMS} FROM {keyed})"


def _param(name: str) -> str:
    return f"({PARAMS} ->> {quote('$.' + name)})"


def prepare(source: Source, settings: Settings, described: Columns) -> Imported:
    columns = described()
    require(source.path, NAME, columns, SIGNATURE)
    micros = "TRY_CAST(event_timestamp AS BIGINT)"
    identity = ", ".join(
        f"coalesce(CAST({ident(c)} AS VARCHAR), '')" for c in DISTINCT_BY if c in columns
    )
    ecommerce = "ecommerce" in columns
    purchase = _member(columns, "ecommerce", "purchase_revenue") if ecommerce else "NULL"
    refund = _member(columns, "ecommerce", "refund_value") if ecommerce else "NULL"
    revenue = (
        f"CASE event_name WHEN {quote(PURCHASE_EVENT)} THEN coalesce({purchase}, {_param('value')})"
        f" WHEN {quote(REFUND_EVENT)} THEN CAST(-TRY_CAST(coalesce({refund}, {_param('value')})"
        " AS DOUBLE) AS VARCHAR) END"
    )
    extras = {
        "first_user_source": _member(columns, "traffic_source", "source"),
        "first_user_medium": _member(columns, "traffic_source", "medium"),
        "first_user_campaign": _member(columns, "traffic_source", "name"),
        "transaction_id": _member(columns, "ecommerce", "transaction_id"),
    }
    pairs = ", ".join(f"{quote(k)}, {v}" for k, v in extras.items())
    medium = (
        f"coalesce({_member(columns, 'collected_traffic_source', 'manual_medium')},"
        f" {_param('medium')})"
    )
    fields = {
        "event_id": f"'ga4:' || md5(concat_ws(chr(31), {identity}, {PARAMS}))",
        "customer_id": "user_id" if "user_id" in columns else "NULL",
        "anonymous_id": "user_pseudo_id",
        # printed in UTC with its offset, so the workspace's time zone cannot shift it
        "ts": f"strftime(make_timestamp({micros}), '%Y-%m-%d %H:%M:%S.%f') || '+00'",
        "event": "event_name",
        "source": (
            f"coalesce({_member(columns, 'collected_traffic_source', 'manual_source')},"
            f" {_param('source')})"
        ),
        "medium": medium,
        "channel": medium,  # as jejak's tracker sets it (utm_medium)
        "campaign": (
            f"coalesce({_member(columns, 'collected_traffic_source', 'manual_campaign_name')},"
            f" {_param('campaign')})"
        ),
        "revenue": revenue,
        "currency": f"CASE WHEN ({revenue}) IS NOT NULL THEN {_param('currency')} END",
        # merge-patching drops the null members (an extra the export lacks)
        "properties": f"json_merge_patch({PARAMS}, json_object({pairs}))",
    }
    own = own_columns(columns)
    raw = _with_params(source.sql, own, columns)
    sql, mapping = computed(raw, [*own, PARAMS], fields)
    return Imported(NAME, with_sql(source, sql), mapping, settings)
