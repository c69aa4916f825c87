"""Imports of documented formats: GA4's BigQuery export, Segment/RudderStack messages,
Shopify's orders CSV. Each fixture is a few records written here in the published
schema, and the stored touchpoints are checked field by field."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import jejak
from jejak import LoadError
from jejak.cli import app

FIELDS = (
    "event_id, customer_id, anonymous_id, ts, event, channel, source, medium, campaign,"
    " revenue, currency, properties"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def stored(ws: jejak.Workspace) -> list[dict]:
    """Every stored touchpoint (properties parsed), in time order."""
    cursor = ws.con.execute(f"SELECT {FIELDS} FROM touchpoints ORDER BY ts, event")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["properties"] = json.loads(row["properties"]) if row["properties"] else None
    return rows


def links(ws: jejak.Workspace) -> list[tuple[str, str]]:
    return ws.con.execute(
        "SELECT anonymous_id, customer_id FROM identity_links ORDER BY 1, 2"
    ).fetchall()


# -- GA4 -------------------------------------------------------------------------------

VALUE = pa.struct(
    [
        ("string_value", pa.string()),
        ("int_value", pa.int64()),
        ("float_value", pa.float64()),
        ("double_value", pa.float64()),
    ]
)
GA4_SCHEMA = pa.schema(
    [
        ("event_date", pa.string()),
        ("event_timestamp", pa.int64()),
        ("event_name", pa.string()),
        ("event_params", pa.list_(pa.struct([("key", pa.string()), ("value", VALUE)]))),
        ("event_bundle_sequence_id", pa.int64()),
        ("user_id", pa.string()),
        ("user_pseudo_id", pa.string()),
        (
            "traffic_source",
            pa.struct([("name", pa.string()), ("medium", pa.string()), ("source", pa.string())]),
        ),
        ("stream_id", pa.string()),
        ("platform", pa.string()),
        (
            "ecommerce",
            pa.struct(
                [
                    ("total_item_quantity", pa.int64()),
                    ("purchase_revenue_in_usd", pa.float64()),
                    ("purchase_revenue", pa.float64()),
                    ("refund_value_in_usd", pa.float64()),
                    ("refund_value", pa.float64()),
                    ("unique_items", pa.int64()),
                    ("transaction_id", pa.string()),
                ]
            ),
        ),
        (
            "collected_traffic_source",
            pa.struct(
                [
                    ("manual_campaign_id", pa.string()),
                    ("manual_campaign_name", pa.string()),
                    ("manual_source", pa.string()),
                    ("manual_medium", pa.string()),
                    ("manual_term", pa.string()),
                    ("manual_content", pa.string()),
                    ("gclid", pa.string()),
                ]
            ),
        ),
    ]
)


def param(key: str, value: str | int | float) -> dict:
    typed = {"string_value": None, "int_value": None, "float_value": None, "double_value": None}
    kind = {str: "string_value", int: "int_value", float: "double_value"}[type(value)]
    return {"key": key, "value": {**typed, kind: value}}


FIRST_TOUCH = {"name": "welcome", "medium": "email", "source": "newsletter"}
GA4_EVENTS = [
    {  # a landing from a paid search ad, before sign-in
        "event_date": "20260101",
        "event_timestamp": micros(utc(2026, 1, 1, 10, 0, 0)),
        "event_name": "page_view",
        "event_params": [
            param("page_location", "https://shop.example/?utm_source=google"),
            param("ga_session_id", 1767261600),
            param("engagement_time_msec", 1200),
        ],
        "event_bundle_sequence_id": 1,
        "user_id": None,
        "user_pseudo_id": "111.222",
        "traffic_source": FIRST_TOUCH,
        "stream_id": "9001",
        "platform": "WEB",
        "ecommerce": None,
        "collected_traffic_source": {
            "manual_campaign_id": None,
            "manual_campaign_name": "spring-sale",
            "manual_source": "google",
            "manual_medium": "cpc",
            "manual_term": None,
            "manual_content": None,
            "gclid": None,
        },
    },
    {  # the purchase, signed in
        "event_date": "20260101",
        "event_timestamp": micros(utc(2026, 1, 1, 10, 5, 0, 250_000)),
        "event_name": "purchase",
        "event_params": [
            param("currency", "IDR"),
            param("value", 150000.0),
            param("transaction_id", "T-1"),
        ],
        "event_bundle_sequence_id": 2,
        "user_id": "c-1",
        "user_pseudo_id": "111.222",
        "traffic_source": FIRST_TOUCH,
        "stream_id": "9001",
        "platform": "WEB",
        "ecommerce": {
            "total_item_quantity": 2,
            "purchase_revenue_in_usd": 9.5,
            "purchase_revenue": 150000.0,
            "refund_value_in_usd": None,
            "refund_value": None,
            "unique_items": 1,
            "transaction_id": "T-1",
        },
        "collected_traffic_source": None,
    },
    {  # part of it refunded the next day
        "event_date": "20260102",
        "event_timestamp": micros(utc(2026, 1, 2, 9, 0, 0)),
        "event_name": "refund",
        "event_params": [param("currency", "IDR"), param("transaction_id", "T-1")],
        "event_bundle_sequence_id": 3,
        "user_id": "c-1",
        "user_pseudo_id": "111.222",
        "traffic_source": FIRST_TOUCH,
        "stream_id": "9001",
        "platform": "WEB",
        "ecommerce": {
            "total_item_quantity": 1,
            "purchase_revenue_in_usd": None,
            "purchase_revenue": None,
            "refund_value_in_usd": 3.1,
            "refund_value": 50000.0,
            "unique_items": 1,
            "transaction_id": "T-1",
        },
        "collected_traffic_source": None,
    },
    {  # an older export's campaign, in the event parameters
        "event_date": "20260102",
        "event_timestamp": micros(utc(2026, 1, 2, 11, 30, 0)),
        "event_name": "session_start",
        "event_params": [
            param("source", "instagram"),
            param("medium", "social"),
            param("campaign", "reels"),
        ],
        "event_bundle_sequence_id": 7,
        "user_id": None,
        "user_pseudo_id": "333.444",
        "traffic_source": {"name": "reels", "medium": "social", "source": "instagram"},
        "stream_id": "9001",
        "platform": "WEB",
        "ecommerce": None,
        "collected_traffic_source": None,
    },
]

GA4_EXPECTED = [
    {
        "customer_id": None,
        "anonymous_id": "111.222",
        "ts": utc(2026, 1, 1, 10, 0, 0),
        "event": "page_view",
        "channel": "cpc",
        "source": "google",
        "medium": "cpc",
        "campaign": "spring-sale",
        "revenue": None,
        "currency": None,
        "properties": {
            "page_location": "https://shop.example/?utm_source=google",
            "ga_session_id": 1767261600,
            "engagement_time_msec": 1200,
            "first_user_source": "newsletter",
            "first_user_medium": "email",
            "first_user_campaign": "welcome",
        },
    },
    {
        "customer_id": "c-1",
        "anonymous_id": "111.222",
        "ts": utc(2026, 1, 1, 10, 5, 0, 250_000),
        "event": "purchase",
        "channel": None,
        "source": None,
        "medium": None,
        "campaign": None,
        "revenue": 150000.0,
        "currency": "IDR",
        "properties": {
            "currency": "IDR",
            "value": 150000.0,
            "transaction_id": "T-1",
            "first_user_source": "newsletter",
            "first_user_medium": "email",
            "first_user_campaign": "welcome",
        },
    },
    {
        "customer_id": "c-1",
        "anonymous_id": "111.222",
        "ts": utc(2026, 1, 2, 9, 0, 0),
        "event": "refund",
        "channel": None,
        "source": None,
        "medium": None,
        "campaign": None,
        "revenue": -50000.0,
        "currency": "IDR",
        "properties": {
            "currency": "IDR",
            "transaction_id": "T-1",
            "first_user_source": "newsletter",
            "first_user_medium": "email",
            "first_user_campaign": "welcome",
        },
    },
    {
        "customer_id": None,
        "anonymous_id": "333.444",
        "ts": utc(2026, 1, 2, 11, 30, 0),
        "event": "session_start",
        "channel": "social",
        "source": "instagram",
        "medium": "social",
        "campaign": "reels",
        "revenue": None,
        "currency": None,
        "properties": {
            "source": "instagram",
            "medium": "social",
            "campaign": "reels",
            "first_user_source": "instagram",
            "first_user_medium": "social",
            "first_user_campaign": "reels",
        },
    },
]


def without_ids(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "event_id"} for row in rows]


@pytest.fixture
def ga4_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "events_20260101.parquet"
    pq.write_table(pa.Table.from_pylist(GA4_EVENTS, schema=GA4_SCHEMA), path)
    return path


def bigquery_json(value):
    """A record as BigQuery's JSON export writes it: INT64 values as strings."""
    if isinstance(value, dict):
        return {k: bigquery_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [bigquery_json(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


@pytest.fixture
def ga4_json(tmp_path: Path) -> Path:
    path = tmp_path / "events_20260101.json"
    lines = [json.dumps(bigquery_json(event)) for event in GA4_EVENTS]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_ga4_parquet_export_is_recognised_and_flattened(open_workspace, ga4_parquet):
    ws = open_workspace()
    summary = ws.load(ga4_parquet)
    assert (summary.rows_read, summary.stored) == (4, 4)
    rows = stored(ws)
    assert without_ids(rows) == GA4_EXPECTED
    assert all(row["event_id"].startswith("ga4:") for row in rows)
    assert len({row["event_id"] for row in rows}) == 4
    # the purchase links the browser to the customer: the landing is in c-1's journey
    people = ws.current_stages().table.set_index("person_id")
    assert "c-1" in people.index and "anon:111.222" not in people.index


def test_ga4_loaded_twice_or_as_json_stores_nothing_new(open_workspace, ga4_parquet, ga4_json):
    ws = open_workspace()
    ws.load(ga4_parquet, format="ga4")
    again = ws.load(ga4_parquet)
    assert (again.stored, again.already_stored) == (0, 4)
    # the same day exported as JSON (INT64 as strings) is the same four events
    as_json = ws.load(ga4_json)
    assert (as_json.stored, as_json.already_stored) == (0, 4)


def test_ga4_json_export_reads_as_parquet_does(open_workspace, ga4_json):
    ws = open_workspace()
    assert ws.load(ga4_json, format="ga4").stored == 4
    assert without_ids(stored(ws)) == GA4_EXPECTED


def test_ga4_event_without_any_id_is_named_and_skippable(open_workspace, tmp_path):
    # consent mode's cookieless pings carry no user_pseudo_id: nobody's touchpoint
    ping = {**GA4_EVENTS[0], "user_pseudo_id": None, "event_bundle_sequence_id": 99}
    path = tmp_path / "events_20260101.parquet"
    pq.write_table(pa.Table.from_pylist([*GA4_EVENTS, ping], schema=GA4_SCHEMA), path)
    ws = open_workspace()
    with pytest.raises(LoadError, match=r"parquet row 5: 'customer_id' and anonymous_id are"):
        ws.load(path)
    summary = ws.load(path, skip_invalid=True)
    assert (summary.stored, summary.rejected) == (4, 1)
    with open(summary.rejects_file, encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header[:5] == [
        "_jejak_row",
        "_jejak_field",
        "_jejak_reason",
        "event_date",
        "event_timestamp",
    ]


def test_ga4_parameter_given_twice_keeps_its_first_value(open_workspace, tmp_path):
    event = {**GA4_EVENTS[0], "event_params": [param("page_title", "A"), param("page_title", "B")]}
    path = tmp_path / "events_20260101.parquet"
    pq.write_table(pa.Table.from_pylist([event], schema=GA4_SCHEMA), path)
    ws = open_workspace()
    ws.load(path)
    assert stored(ws)[0]["properties"]["page_title"] == "A"


def test_ga4_format_on_another_file_names_the_missing_columns(open_workspace, write_file):
    path = write_file("events.csv", "customer_id,ts,event\nc1,2026-01-01T10:00:00Z,page_view")
    with pytest.raises(LoadError, match=r"not a ga4 file: no column 'event_timestamp'"):
        open_workspace().load(path, format="ga4")


def test_unknown_format_is_named(open_workspace, write_file):
    path = write_file("events.csv", "customer_id,ts,event\nc1,2026-01-01T10:00:00Z,page_view")
    with pytest.raises(LoadError, match=r"unknown format 'ga5'; use one of touchpoints, ga4"):
        open_workspace().load(path, format="ga5")


# -- Segment / RudderStack -------------------------------------------------------------

CAMPAIGN = {"campaign": {"source": "google", "medium": "cpc", "name": "spring-sale"}}
SEGMENT_MESSAGES = [
    {
        "type": "page",
        "messageId": "m-1",
        "anonymousId": "a-1",
        "name": "Home",
        "category": "Landing",
        "properties": {"url": "https://shop.example/?utm_source=google", "path": "/"},
        "context": {**CAMPAIGN, "ip": "203.0.113.9"},
        "timestamp": "2026-01-01T10:00:00.000Z",
        "sentAt": "2026-01-01T10:00:01.000Z",
    },
    {  # no timestamp: the originalTimestamp is the time
        "type": "track",
        "messageId": "m-2",
        "anonymousId": "a-1",
        "event": "Product Viewed",
        "properties": {"product_id": "p-7", "price": 115000},
        "context": CAMPAIGN,
        "originalTimestamp": "2026-01-01T17:02:00+07:00",
    },
    {
        "type": "identify",
        "messageId": "m-3",
        "anonymousId": "a-1",
        "userId": "u-1",
        "traits": {"email": "ani@example.com", "name": "Ani"},
        "timestamp": "2026-01-01T10:04:00Z",
    },
    {
        "type": "track",
        "messageId": "m-4",
        "anonymousId": "a-1",
        "userId": "u-1",
        "event": "Order Completed",
        "properties": {
            "order_id": "o-1",
            "total": 250000,
            "revenue": 230000,
            "currency": "IDR",
            "products": [{"product_id": "p-7", "quantity": 2}],
        },
        "timestamp": "2026-01-01T10:05:00Z",
    },
    {
        "type": "screen",
        "messageId": "m-5",
        "anonymousId": "m-9",
        "name": "Cart",
        "properties": {"items": 1},
        "timestamp": "2026-01-02T08:00:00Z",
    },
    {
        "type": "alias",
        "messageId": "m-6",
        "previousId": "m-9",
        "userId": "u-1",
        "timestamp": "2026-01-02T08:01:00Z",
    },
    {
        "type": "group",
        "messageId": "m-7",
        "userId": "u-1",
        "groupId": "g-1",
        "traits": {"name": "Toko Ani"},
        "timestamp": "2026-01-02T08:02:00Z",
    },
    {  # revenue from the total when there is no revenue
        "type": "track",
        "messageId": "m-8",
        "userId": 42,
        "event": "Order Completed",
        "properties": {"order_id": "o-2", "total": 19.5, "currency": "USD"},
        "timestamp": "2026-01-03T12:00:00Z",
    },
]

SEGMENT_EXPECTED = [
    {
        "event_id": "m-1",
        "customer_id": None,
        "anonymous_id": "a-1",
        "ts": utc(2026, 1, 1, 10, 0),
        "event": "page_view",
        "channel": "cpc",
        "source": "google",
        "medium": "cpc",
        "campaign": "spring-sale",
        "revenue": None,
        "currency": None,
        "properties": {
            "url": "https://shop.example/?utm_source=google",
            "path": "/",
            "name": "Home",
            "category": "Landing",
        },
    },
    {
        "event_id": "m-2",
        "customer_id": None,
        "anonymous_id": "a-1",
        "ts": utc(2026, 1, 1, 10, 2),
        "event": "Product Viewed",
        "channel": "cpc",
        "source": "google",
        "medium": "cpc",
        "campaign": "spring-sale",
        "revenue": None,
        "currency": None,
        "properties": {"product_id": "p-7", "price": 115000},
    },
    {
        "event_id": "m-4",
        "customer_id": "u-1",
        "anonymous_id": "a-1",
        "ts": utc(2026, 1, 1, 10, 5),
        "event": "Order Completed",
        "channel": None,
        "source": None,
        "medium": None,
        "campaign": None,
        "revenue": 230000.0,
        "currency": "IDR",
        "properties": {
            "order_id": "o-1",
            "total": 250000,
            "revenue": 230000,
            "currency": "IDR",
            "products": [{"product_id": "p-7", "quantity": 2}],
        },
    },
    {
        "event_id": "m-5",
        "customer_id": None,
        "anonymous_id": "m-9",
        "ts": utc(2026, 1, 2, 8, 0),
        "event": "screen_view",
        "channel": None,
        "source": None,
        "medium": None,
        "campaign": None,
        "revenue": None,
        "currency": None,
        "properties": {"items": 1, "name": "Cart"},
    },
    {
        "event_id": "m-8",
        "customer_id": "42",
        "anonymous_id": None,
        "ts": utc(2026, 1, 3, 12, 0),
        "event": "Order Completed",
        "channel": None,
        "source": None,
        "medium": None,
        "campaign": None,
        "revenue": 19.5,
        "currency": "USD",
        "properties": {"order_id": "o-2", "total": 19.5, "currency": "USD"},
    },
]


def write_lines(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


def test_segment_messages_become_touchpoints_and_links(open_workspace, tmp_path):
    ws = open_workspace()
    summary = ws.load(write_lines(tmp_path / "segment.jsonl", SEGMENT_MESSAGES))
    assert (summary.rows_read, summary.stored, summary.identity_links) == (5, 5, 2)
    assert "5 new touchpoints stored" in str(summary) and "2 new identity links" in str(summary)
    assert stored(ws) == SEGMENT_EXPECTED
    assert links(ws) == [("a-1", "u-1"), ("m-9", "u-1")]
    # the anonymous landing and the app's screen are in u-1's journey
    people = set(ws.current_stages().table["person_id"])
    assert people == {"u-1", "42"}


def test_segment_batch_file_and_lines_are_the_same_messages(open_workspace, tmp_path):
    ws = open_workspace()
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"batch": SEGMENT_MESSAGES[:4], "sentAt": "2026-01-01"}))
    first = ws.load(batch, format="segment")
    assert (first.stored, first.identity_links) == (3, 1)
    again = ws.load(write_lines(tmp_path / "segment.jsonl", SEGMENT_MESSAGES))
    assert (again.stored, again.already_stored, again.identity_links) == (2, 3, 1)
    assert stored(ws) == SEGMENT_EXPECTED


def test_segment_bad_message_is_named_by_row_and_nothing_is_stored(open_workspace, tmp_path):
    ws = open_workspace()
    broken = [*SEGMENT_MESSAGES[:3], {**SEGMENT_MESSAGES[3], "timestamp": "yesterday"}]
    path = write_lines(tmp_path / "segment.jsonl", broken)
    with pytest.raises(LoadError, match=r"segment.jsonl row 4: 'ts' 'yesterday' is not a time"):
        ws.load(path)
    assert ws.count() == 0 and links(ws) == []
    odd = write_lines(tmp_path / "odd.jsonl", [*SEGMENT_MESSAGES[:2], {**SEGMENT_MESSAGES[0],
                      "type": "pageview"}])  # fmt: skip
    with pytest.raises(LoadError, match=r"odd.jsonl row 3: 'type' is 'pageview'; a Segment"):
        ws.load(odd, format="segment")
    assert ws.count() == 0


def test_segment_properties_the_plain_json_reader_refuses_load(open_workspace, tmp_path):
    # keys that differ only in case are valid JSON, and common in tracked properties
    message = {**SEGMENT_MESSAGES[1], "properties": {"Plan": "Pro", "plan": "pro"}}
    ws = open_workspace()
    assert ws.load(write_lines(tmp_path / "segment.jsonl", [message])).stored == 1
    assert stored(ws)[0]["properties"] == {"Plan": "Pro", "plan": "pro"}


def test_segment_name_and_category_only_from_pages_and_screens(open_workspace, tmp_path):
    page = {**SEGMENT_MESSAGES[0], "category": None, "properties": {"category": "Blog"}}
    track = {**SEGMENT_MESSAGES[1], "properties": {"name": 5, "category": ["a"]}}
    ws = open_workspace()
    ws.load(write_lines(tmp_path / "segment.jsonl", [page, track]))
    assert [r["properties"] for r in stored(ws)] == [
        {"category": "Blog", "name": "Home"},  # the page's own name; no null erases Blog
        {"name": 5, "category": ["a"]},  # a track's properties as they came
    ]


def test_segment_file_of_identify_calls_only_stores_links(open_workspace, tmp_path):
    ws = open_workspace()
    summary = ws.load(write_lines(tmp_path / "ids.jsonl", [SEGMENT_MESSAGES[2]]))
    assert (summary.stored, summary.identity_links) == (0, 1)
    assert links(ws) == [("a-1", "u-1")]


# -- Shopify ---------------------------------------------------------------------------

SHOPIFY_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total",
    "Discount Code", "Discount Amount", "Shipping Method", "Created at",
    "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
    "Billing Name", "Cancelled at", "Payment Method", "Refunded Amount", "Id", "Tags",
    "Source", "Phone",
]  # fmt: skip
SHOPIFY_ROWS = [
    ["#1001", "ani@example.com", "paid", "2026-01-05 10:20:30 +0700", "fulfilled",
     "2026-01-06 09:00:00 +0700", "yes", "IDR", "200000.00", "15000.00", "22000.00",
     "237000.00", "WELCOME10", "20000.00", "Reguler", "2026-01-05 10:20:30 +0700", "2",
     "Kopi Gayo 250g", "60000.00", "KG-250", "Ani", "", "Bank Transfer", "0.00",
     "5550001", "", "web", ""],
    ["#1001", "ani@example.com", "", "", "", "", "", "", "", "", "", "", "", "", "",
     "2026-01-05 10:20:30 +0700", "1", "Kopi Toraja 500g", "100000.00", "KT-500", "", "",
     "", "", "", "", "", ""],
    ["#1002", "  Budi@Example.COM ", "pending", "", "unfulfilled", "", "no", "IDR",
     "95000.00", "0.00", "10450.00", "105450.00", "", "0.00", "", "2026-01-07 08:00:00 +0000",
     "1", "Kopi Gayo 250g", "95000.00", "KG-250", "Budi", "", "Bank Transfer", "0.00",
     "5550002", "vip", "pos", ""],
]  # fmt: skip


def sha(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


SHOPIFY_EXPECTED = [
    {
        "event_id": "shopify:#1001",
        "customer_id": sha("ani@example.com"),
        "anonymous_id": None,
        "ts": utc(2026, 1, 5, 3, 20, 30),
        "event": "order",
        "channel": None,
        "source": None,
        "medium": None,
        "campaign": None,
        "revenue": 237000.0,
        "currency": "IDR",
        "properties": {
            "order_name": "#1001",
            "financial_status": "paid",
            "fulfillment_status": "fulfilled",
            "paid_at": "2026-01-05 10:20:30 +0700",
            "subtotal": "200000.00",
            "shipping": "15000.00",
            "taxes": "22000.00",
            "discount_code": "WELCOME10",
            "discount_amount": "20000.00",
            "refunded_amount": "0.00",
            "sales_channel": "web",
            "payment_method": "Bank Transfer",
            "accepts_marketing": "yes",
            "shopify_order_id": "5550001",
        },
    },
    {
        "event_id": "shopify:#1002",
        "customer_id": sha("budi@example.com"),
        "anonymous_id": None,
        "ts": utc(2026, 1, 7, 8, 0, 0),
        "event": "order",
        "channel": None,
        "source": None,
        "medium": None,
        "campaign": None,
        "revenue": 105450.0,
        "currency": "IDR",
        "properties": {
            "order_name": "#1002",
            "financial_status": "pending",
            "fulfillment_status": "unfulfilled",
            "subtotal": "95000.00",
            "shipping": "0.00",
            "taxes": "10450.00",
            "discount_amount": "0.00",
            "refunded_amount": "0.00",
            "sales_channel": "pos",
            "payment_method": "Bank Transfer",
            "accepts_marketing": "no",
            "tags": "vip",
            "shopify_order_id": "5550002",
        },
    },
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHOPIFY_HEADER)
        writer.writerows(rows)
    return path


def test_shopify_orders_export_is_one_order_per_name(open_workspace, tmp_path):
    ws = open_workspace()
    summary = ws.load(write_csv(tmp_path / "orders_export_1.csv", SHOPIFY_ROWS))
    assert (summary.rows_read, summary.stored) == (2, 2)
    assert stored(ws) == SHOPIFY_EXPECTED
    # the address itself is stored nowhere
    assert not ws.con.execute(
        "SELECT count(*) FROM touchpoints WHERE properties LIKE '%example.com%'"
    ).fetchall()[0][0]


def test_shopify_later_export_stores_only_new_orders(open_workspace, tmp_path):
    ws = open_workspace()
    ws.load(write_csv(tmp_path / "orders_export_1.csv", SHOPIFY_ROWS), format="shopify")
    newer = [*SHOPIFY_ROWS[2:], ["#1003", *SHOPIFY_ROWS[2][1:]]]
    summary = ws.load(write_csv(tmp_path / "orders_export_2.csv", newer))
    assert (summary.stored, summary.already_stored) == (1, 1)
    assert [r["event_id"] for r in stored(ws)] == [
        "shopify:#1001",
        "shopify:#1002",
        "shopify:#1003",
    ]


def test_shopify_order_without_email_is_named_by_row(open_workspace, tmp_path):
    ws = open_workspace()
    walk_in = ["#1004", "", *SHOPIFY_ROWS[2][2:]]
    path = write_csv(tmp_path / "orders.csv", [*SHOPIFY_ROWS, walk_in])
    with pytest.raises(LoadError, match=r"orders.csv row 4: 'customer_id' and anonymous_id"):
        ws.load(path)
    assert ws.count() == 0
    summary = ws.load(path, skip_invalid=True)
    assert (summary.stored, summary.rejected) == (2, 1)


def test_load_command_takes_a_format(tmp_path, monkeypatch, ga4_parquet):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["load", "--help"])
    assert "--format" in result.output and "shopify" in result.output
    orders = write_csv(tmp_path / "orders.csv", SHOPIFY_ROWS)
    result = runner.invoke(app, ["load", str(orders), "--format", "shopify"])
    assert result.exit_code == 0, result.output
    assert "2 new touchpoints stored" in result.output
    result = runner.invoke(app, ["load", str(ga4_parquet)])
    assert "4 new touchpoints stored" in result.output
    result = runner.invoke(app, ["load", str(orders), "--format", "ga4"])
    assert isinstance(result.exception, LoadError)  # main() prints it as one line
    assert "not a ga4 file: no column 'event_timestamp'" in str(result.exception)


# -- imports and files as shops have them ----------------------------------------------


def test_a_folder_of_exports_loads_each_in_its_format(open_workspace, tmp_path, ga4_parquet):
    folder = tmp_path / "exports"
    folder.mkdir()
    ga4_parquet.rename(folder / ga4_parquet.name)
    write_csv(folder / "orders_export_1.csv", SHOPIFY_ROWS)
    write_lines(folder / "segment.jsonl", SEGMENT_MESSAGES)
    ws = open_workspace()
    summary = ws.load(folder)
    assert summary.failed == []
    by_file = {Path(s.file).name: s for s in summary.loaded}
    assert by_file["events_20260101.parquet"].stored == 4
    assert by_file["orders_export_1.csv"].stored == 2
    assert (by_file["segment.jsonl"].stored, by_file["segment.jsonl"].identity_links) == (5, 2)
    # a format for the folder is every file's: the others fail, each named
    again = open_workspace(name="again.duckdb").load(folder, format="shopify")
    assert [Path(s.file).name for s in again.loaded] == ["orders_export_1.csv"]
    assert sorted(Path(f).name for f, _ in again.failed) == [
        "events_20260101.parquet",
        "segment.jsonl",
    ]
    with pytest.raises(LoadError, match=r"exports: unknown format 'ga5'"):
        ws.load(folder, format="ga5")  # once, for the folder


def test_shopify_export_in_another_encoding_keeps_its_decimal_dot(open_workspace, tmp_path):
    # the shop's own files write 1.250.000,50; Shopify's export writes 237000.00
    ws = open_workspace(jejak.Settings(decimal=",", thousands="."))
    rows = [[*SHOPIFY_ROWS[0][:20], "Ani Café", *SHOPIFY_ROWS[0][21:]], *SHOPIFY_ROWS[1:]]
    path = write_csv(tmp_path / "orders_export_1.csv", rows)
    path.write_bytes(path.read_text("utf-8").encode("cp1252"))  # as Excel saves it
    summary = ws.load(path)
    assert "encoding cp1252 (detected" in str(summary)
    assert [(r["event_id"], r["revenue"]) for r in stored(ws)] == [
        ("shopify:#1001", 237000.0),
        ("shopify:#1002", 105450.0),
    ]


def test_segment_message_id_reused_for_other_content_is_a_conflict(open_workspace, tmp_path):
    reused = {**SEGMENT_MESSAGES[1], "messageId": "m-1"}  # m-1 is the page view
    path = write_lines(tmp_path / "segment.jsonl", [SEGMENT_MESSAGES[0], reused])
    summary = open_workspace().load(path)
    assert (summary.stored, summary.conflicts, summary.conflict_rows) == (1, 1, (2,))
    assert "the event_id was taken by other content" in str(summary)
    with open(summary.rejects_file, encoding="utf-8") as handle:
        assert handle.readline().startswith("_jejak_row,_jejak_field,_jejak_reason,message")
