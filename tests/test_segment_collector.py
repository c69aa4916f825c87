"""The collector speaks Segment's HTTP Tracking API: Segment's and RudderStack's own
Python SDKs, pointed at a live jejak serve on 127.0.0.1, store every call they send
once, stitched by identify, with its campaign."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from rudderstack.analytics import Client as RudderClient
from segment.analytics import Client as SegmentClient

import jejak
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import running

SPRING = {"campaign": {"source": "google", "medium": "cpc", "name": "spring-sale"}}
EMAIL = {"campaign": {"source": "newsletter", "medium": "email", "name": "welcome"}}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


class Live:
    def __init__(self, base: str, keys: dict[str, str], ws: jejak.Workspace, app) -> None:
        self.base, self.keys, self.ws, self.app = base, keys, ws, app

    def post(self, path: str, body, key: str | None = None, **headers) -> httpx.Response:
        """POST as Segment's API is called: the write key as Basic username."""
        basic = base64.b64encode(f"{key or self.keys['write']}:".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", **headers}
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.post(self.base + path, content=content, headers=headers, timeout=30)

    def rows(self, sql: str) -> list[tuple]:
        with self.app.state.jejak.using():
            return self.ws.con.execute(sql).fetchall()


@pytest.fixture
def live(tmp_path) -> Iterator[Live]:
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    keys = ensure_keys(ws.con)
    app = create_app(ws, max_bytes=20_000, max_events=50)
    with running(app) as base:
        yield Live(base, keys, ws, app)
    ws.close()


def flushed(client, calls) -> list[dict]:
    """Make the calls on an SDK client (queued, sent in batches by its thread), wait
    until it has sent them all, and return the messages it acknowledged."""
    errors: list[Exception] = []
    client.on_error = lambda error, batch: errors.append(error)
    for consumer in client.consumers or []:
        consumer.on_error = client.on_error
    sent = []
    for method, kwargs in calls:
        ok, message = getattr(client, method)(**kwargs)
        assert ok
        sent.append(message)
    client.flush()
    if client.consumers:  # in sync mode each call was sent as it was made
        client.join()
    assert errors == []
    return sent


def journey_calls(anonymous: str, user: str, campaign: dict, day: int) -> list:
    return [
        ("page", {"anonymous_id": anonymous, "name": "Home", "category": "Landing",
                  "properties": {"path": "/"}, "context": campaign, "timestamp": at(day, 9)}),
        ("track", {"anonymous_id": anonymous, "event": "Product Viewed",
                   "properties": {"product_id": "p-7"}, "context": campaign,
                   "timestamp": at(day, 9, 5)}),
        ("identify", {"anonymous_id": anonymous, "user_id": user,
                      "traits": {"email": f"{user}@example.com"}, "timestamp": at(day, 9, 9)}),
        ("track", {"anonymous_id": anonymous, "user_id": user, "event": "Order Completed",
                   "properties": {"order_id": f"o-{user}", "revenue": 230000, "currency": "IDR"},
                   "timestamp": at(day, 9, 10)}),
    ]  # fmt: skip


def expected(sent: list[dict], anonymous: str, user: str, campaign: dict, day: int) -> list:
    source, medium, name = (campaign["campaign"][k] for k in ("source", "medium", "name"))
    ids = [m["messageId"] for m in sent if m["type"] != "identify"]
    return [
        (ids[0], None, anonymous, at(day, 9), "page_view", medium, source, medium, name,
         None, None),
        (ids[1], None, anonymous, at(day, 9, 5), "Product Viewed", medium, source, medium,
         name, None, None),
        (ids[2], user, anonymous, at(day, 9, 10), "Order Completed", None, None, None, None,
         230000.0, "IDR"),
    ]  # fmt: skip


FIELDS = (
    "event_id, customer_id, anonymous_id, ts, event, channel, source, medium, campaign, revenue,"
    " currency"
)


def test_segment_and_rudderstack_sdks_send_to_jejak(live):
    segment = SegmentClient(live.keys["write"], host=live.base, upload_interval=0.05)
    sent_s = flushed(segment, journey_calls("a-seg", "u-seg", SPRING, 1))
    rudder = RudderClient(live.keys["write"], host=live.base, upload_interval=0.05)
    sent_r = flushed(rudder, journey_calls("a-rud", "u-rud", EMAIL, 2))

    stored = live.rows(f"SELECT {FIELDS} FROM touchpoints ORDER BY ts")
    assert stored == [
        *expected(sent_s, "a-seg", "u-seg", SPRING, 1),
        *expected(sent_r, "a-rud", "u-rud", EMAIL, 2),
    ]
    # page keeps its name and category; the identify calls linked the devices
    (page,) = live.rows(
        f"SELECT properties FROM touchpoints WHERE event_id = '{sent_s[0]['messageId']}'"
    )
    assert json.loads(page[0]) == {"path": "/", "name": "Home", "category": "Landing"}
    assert live.rows("SELECT anonymous_id, customer_id FROM identity_links ORDER BY 1") == [
        ("a-rud", "u-rud"),
        ("a-seg", "u-seg"),
    ]
    with live.app.state.jejak.using():
        people = live.ws.current_stages().table["person_id"].tolist()
    assert sorted(people) == ["u-rud", "u-seg"]  # the anonymous visits joined them
    loads = live.rows("SELECT DISTINCT file FROM loads")
    assert loads == [("collector: POST /v1/batch (Segment)",)]


def test_sdk_retry_stores_nothing_twice(live):
    calls = journey_calls("a-1", "u-1", SPRING, 1)
    calls = [(m, {**kw, "message_id": f"msg-{i}"}) for i, (m, kw) in enumerate(calls)]
    client = SegmentClient(live.keys["write"], host=live.base, sync_mode=True)
    flushed(client, calls)
    flushed(client, calls)  # the same messages again, as after a lost answer
    assert live.rows("SELECT count(*), count(DISTINCT event_id) FROM touchpoints") == [(3, 3)]
    assert live.rows("SELECT count(*) FROM identity_links") == [(1,)]


def test_single_calls_and_gzip_and_keys(live):
    track = {
        "userId": "u-9",
        "event": "Signed Up",
        "messageId": "t-1",
        "properties": {"plan": "pro"},
        "context": SPRING,
        "timestamp": "2026-01-03T10:00:00Z",
    }
    response = live.post("/v1/track", track)
    assert response.status_code == 200 and response.json()["success"] is True
    assert response.json()["stored"] == 1
    page = {"anonymousId": "a-9", "name": "Pricing", "messageId": "p-1",
            "timestamp": "2026-01-03T09:00:00Z"}  # fmt: skip
    compressed = gzip.compress(json.dumps(page).encode())
    response = live.post("/v1/page", compressed, **{"Content-Encoding": "gzip"})
    assert response.status_code == 200 and response.json()["stored"] == 1
    # Segment's identify on jejak's /v1/identify, told apart by its shape and key
    identify = {"anonymousId": "a-9", "userId": "u-9", "traits": {"plan": "pro"}}
    assert live.post("/v1/identify", identify).json()["success"] is True
    assert live.rows("SELECT anonymous_id, customer_id FROM identity_links") == [("a-9", "u-9")]
    # jejak's own identify still answers as before
    response = httpx.post(
        live.base + "/v1/identify",
        json={"anonymous_id": "a-10", "customer_id": "u-10"},
        headers={"Authorization": f"Bearer {live.keys['write']}"},
    )
    assert response.status_code == 202 and response.json()["stored"] == 1
    # a read key, or none, is refused
    assert live.post("/v1/track", track, key=live.keys["read"]).status_code == 401
    no_key = httpx.post(live.base + "/v1/batch", json={"batch": [track]})
    assert no_key.status_code == 401
    assert live.rows("SELECT event_id FROM touchpoints ORDER BY ts") == [("p-1",), ("t-1",)]


def test_a_call_jejak_cannot_take_is_kept_as_rejected(live):
    batch = {
        "batch": [
            {"type": "track", "event": "A", "userId": "u-1", "messageId": "b-1",
             "timestamp": "2026-01-03T10:00:00Z"},
            {"type": "pageview", "userId": "u-1", "messageId": "b-2"},
            {"type": "track", "event": "B", "userId": "u-1", "messageId": "b-3",
             "timestamp": "not a time"},
            {"type": "group", "userId": "u-1", "groupId": "g-1"},
        ]
    }  # fmt: skip
    answer = live.post("/v1/batch", batch).json()
    assert (answer["success"], answer["received"], answer["stored"]) == (True, 4, 1)
    assert [(r["index"], r["field"]) for r in answer["rejected"]] == [(1, "type"), (2, "ts")]
    kept = live.rows("SELECT row, field FROM rejected_rows ORDER BY row")
    assert kept == [(1, "type"), (2, "ts")]
    assert live.post("/v1/batch", b"not json").status_code == 400
    too_many = {"batch": [batch["batch"][0]] * 51}
    assert live.post("/v1/batch", too_many).status_code == 413


def test_each_call_of_a_batch_is_held_to_the_collectors_limits(tmp_path):
    """The per-event limits of /v1/events, by Segment's names: an oversized, non-text or
    NaN member refuses its call alone, and the rest of the batch is stored."""
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    keys = ensure_keys(ws.con)
    app = create_app(ws, max_text=50, max_properties=100)

    def call(number: int, **members) -> dict:
        return {"type": "track", "event": "A", "userId": "u-1", "messageId": f"m{number}",
                "timestamp": "2026-01-03T10:00:00Z", **members}  # fmt: skip

    calls = [
        call(0),
        call(1, event="x" * 51),
        call(2, properties={"note": "y" * 100}),
        call(3, event="x\ud800"),
        call(4, properties={"value": float("nan")}),
        call(5, userId="u" * 51),
        call(6, context={"campaign": {"name": "c" * 51}}),
        call(7, traits={"name": "\udfff"}),
        call(8, anonymousId=["a", "b"]),
        call(9, properties={"note": "y" * 80}, event="x" * 50),  # at the limits: stored
    ]
    over = "characters, over the {} this server takes (jejak serve --max-{} sets it)"
    surrogate = "holds a lone surrogate (like \\ud800), which is not text; send UTF-8"
    with running(app) as base:
        live = Live(base, keys, ws, app)
        answer = live.post("/v1/batch", json.dumps({"batch": calls}).encode())
        assert answer.status_code == 200, answer.text
        assert (answer.json()["received"], answer.json()["stored"]) == (10, 2)
        assert [(r["index"], r["field"], r["reason"]) for r in answer.json()["rejected"]] == [
            (1, "event", "is 51 " + over.format(50, "text")),
            (2, "properties", "as JSON is 112 " + over.format(100, "properties")),
            (3, "event", surrogate),
            (4, "properties", "holds NaN or Infinity, which JSON has no room for"),
            (5, "userId", "is 51 " + over.format(50, "text")),
            (6, "context.campaign.name", "is 51 " + over.format(50, "text")),
            (7, "traits", surrogate),
            (8, "anonymousId", "must be text (or a number), not a list or an object"),
        ]
        single = live.post("/v1/track", json.dumps(call(10, event="z" * 51)).encode()).json()
        assert [(r["index"], r["field"]) for r in single["rejected"]] == [(0, "event")]
        assert sorted(live.rows("SELECT event_id FROM touchpoints")) == [("m0",), ("m9",)]
        kept = live.rows("SELECT row, field FROM rejected_rows ORDER BY load_id, row")
        refused = [(r["index"], r["field"]) for r in answer.json()["rejected"]]
        assert kept == [*refused, (0, "event")]  # kept for the Data page, as from a file
    ws.close()
