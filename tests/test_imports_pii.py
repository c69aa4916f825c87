"""pii: on the documented imports: the emails and phones a Shopify or GA4 export brings
are hashed as a plain load hashes them, and the raw values are nowhere in the file."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jejak
from jejak.model.config import parse_settings
from jejak.store import personal
from test_imports import GA4_EVENTS, GA4_SCHEMA, SHOPIFY_ROWS, param, write_csv

RAW = ("ani@example.com", "Budi@Example.COM", "budi@example.com", "cici@example.com")


def file_bytes(ws: jejak.Workspace) -> bytes:
    ws.con.execute("CHECKPOINT")
    return Path(ws.path).read_bytes()


def hashed(value: str, ws: jejak.Workspace) -> str:
    return personal.hash_text(value, ws.settings.pii)


@pytest.mark.parametrize("ids", [False, True])
def test_shopify_customers_are_their_emails_hashed_as_a_plain_load_hashes_them(tmp_path, ids):
    late = [*SHOPIFY_ROWS[2][:15], "yesterday", *SHOPIFY_ROWS[2][16:]]
    late[0], late[1] = "#1003", "cici@example.com"  # refused: its record is not kept
    orders = write_csv(tmp_path / "orders_export_1.csv", [*SHOPIFY_ROWS, late])
    web = tmp_path / "web.csv"
    web.write_text("anonymous_id,ts,event,email\na1,2026-01-04T10:00:00Z,signup,ani@example.com\n")
    settings = parse_settings(f"pii:\n  ids: {str(ids).lower()}\n")
    with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
        summary = ws.load(orders, skip_invalid=True)
        assert (summary.stored, summary.rejected) == (2, 1)
        ws.load(web)
        customers = ws.con.execute(
            "SELECT customer_id FROM touchpoints WHERE event = 'order' ORDER BY ts"
        ).fetchall()
        ani, budi = hashed("ani@example.com", ws), hashed("budi@example.com", ws)
        assert customers == [(ani,), (budi,)]
        # the same hash as the web file's email property: one value for one address
        signup = ws.con.execute("SELECT properties FROM touchpoints WHERE event = 'signup'")
        assert json.loads(signup.fetchall()[0][0]) == {"email": ani}
        assert ws.rejected().record.tolist() == [None]
        data = file_bytes(ws)
    assert [raw for raw in RAW if raw.encode() in data] == []
    # nor the bare SHA-256 the import stores without pii: (a list of addresses finds it)
    assert hashlib.sha256(b"ani@example.com").hexdigest().encode() not in data


def test_ga4_parameters_holding_an_email_or_phone_are_hashed(tmp_path):
    events = copy.deepcopy(GA4_EVENTS)
    events[0]["event_params"] += [
        param("email", " Ani@Example.COM "),
        param("phone", "0812 3456 7890"),
    ]
    path = tmp_path / "events_20260101.parquet"
    pq.write_table(pa.Table.from_pylist(events, schema=GA4_SCHEMA), path)
    with jejak.Workspace(tmp_path / "w.duckdb", parse_settings("pii: hash\n")) as ws:
        ws.load(path)
        found = ws.con.execute(
            "SELECT properties FROM touchpoints WHERE properties ->> '$.email' IS NOT NULL"
        ).fetchall()
        assert len(found) == 1
        properties = json.loads(found[0][0])
        assert properties["email"] == hashed("ani@example.com", ws)
        assert properties["phone"] == hashed("+6281234567890", ws)
        data = file_bytes(ws)
    for raw in ("Ani@Example.COM", "ani@example.com", "0812 3456 7890", "+6281234567890"):
        assert raw.encode() not in data
