"""Shopify's orders CSV export: one ``order`` touchpoint per order.

Follows "Exporting orders" in the Shopify Help Center
(https://help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders, the
section on the orders CSV file's columns). The export has a row per line item: an
order's ``Name`` (``#1001``) repeats on each of its rows, and the order's own fields
(totals, financial status, discount) are on its first row. So:

- one touchpoint per ``Name``, from the order's first row; the event is ``order``
  (:data:`ORDER_EVENT`, the purchase touchpoint the journey presets count as Convert);
- the customer is the SHA-256 of the trimmed, lower-cased ``Email`` (the same person
  gets the same id in every export, and the address itself is not stored); with
  ``pii:`` in jejak.yaml, its HMAC-SHA256 under the workspace's salt instead, as a
  plain load hashes an email (a bare SHA-256 of an address is found again by hashing
  a list of addresses); an order without an email (a walk-in sale) has no person, and
  is refused by row;
- ``Created at`` (``2026-01-05 10:20:30 +0700``) the time; ``Total`` the revenue, in
  ``Currency``;
- the event id is ``shopify:`` and the order's name: loading a later export that
  repeats older orders stores only the new ones;
- ``Name`` and the order's status, amounts, discount and sales channel (``Source``:
  web, pos, ...; it is where the order was placed, not a marketing source) are kept in
  properties.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb

from jejak.model.config import Settings
from jejak.store import personal
from jejak.store.imports import Columns, Imported, computed, own_columns, require, with_sql
from jejak.store.sources import Source, file_format, ident, quote

NAME = "shopify"
ORDER_EVENT = "order"
SIGNATURE = ("Name", "Email", "Financial Status", "Created at", "Total")
CREATED_FORMAT = "%Y-%m-%d %H:%M:%S %z"
# properties: name -> the export's column, where the export has it
KEPT = {
    "order_name": "Name",
    "financial_status": "Financial Status",
    "fulfillment_status": "Fulfillment Status",
    "paid_at": "Paid at",
    "cancelled_at": "Cancelled at",
    "subtotal": "Subtotal",
    "shipping": "Shipping",
    "taxes": "Taxes",
    "discount_code": "Discount Code",
    "discount_amount": "Discount Amount",
    "refunded_amount": "Refunded Amount",
    "sales_channel": "Source",
    "referring_site": "Referring Site",
    "payment_method": "Payment Method",
    "accepts_marketing": "Accepts Marketing",
    "tags": "Tags",
    "shopify_order_id": "Id",
}


def matches(con: duckdb.DuckDBPyConnection, path: Path, columns: Columns) -> bool:
    return file_format(path) == "csv" and all(c in columns() for c in SIGNATURE)


def _cell(column: str) -> str:
    return f"nullif(trim({ident(column)}), '')"


def prepare(source: Source, settings: Settings, described: Columns) -> Imported:
    columns = described()
    require(source.path, NAME, columns, SIGNATURE)
    created = _cell("Created at")
    parsed = f"try_strptime({created}, {quote(CREATED_FORMAT)})"
    email = f"lower({_cell('Email')})"
    customer = f"sha256({email})"
    if settings.pii is not None:  # as a plain load hashes an email (ids: the load does)
        customer = email if settings.pii.ids else personal.hash_sql(email, settings.pii)
    kept = ", ".join(f"{quote(k)}, {_cell(c)}" for k, c in KEPT.items() if c in columns)
    fields = {
        "event_id": f"'shopify:' || {_cell('Name')}",
        "customer_id": f"CASE WHEN {email} IS NOT NULL THEN {customer} END",
        # a time in the export's own format is printed in UTC with its offset; any
        # other text goes on as it is, so the load parses it or names it
        "ts": (
            f"CASE WHEN {parsed} IS NOT NULL THEN"
            f" strftime(timezone('UTC', {parsed}), '%Y-%m-%d %H:%M:%S') || '+00'"
            f" ELSE {created} END"
        ),
        "event": quote(ORDER_EVENT),
        "revenue": _cell("Total"),
        "currency": _cell("Currency") if "Currency" in columns else "NULL",
        # merge-patching drops the empty cells
        "properties": f"json_merge_patch('{{}}', json_object({kept}))",
    }
    own = own_columns(columns)
    sql, mapping = computed(source.sql, own, fields)
    # the order's first row (the file's order: rowid of the staged file)
    first = f"QUALIFY row_number() OVER (PARTITION BY {ident('Name')} ORDER BY rowid) = 1"
    return Imported(NAME, with_sql(source, sql), replace(mapping, rows=first), settings)
