"""Hypothesis over the collector's payloads: whatever a website or a script sends to
``POST /v1/events``, the answer is never a 5xx, and a 202 accounts for every event sent
(stored, stored before, or rejected with its index, field and reason)."""

from __future__ import annotations

import json
import os

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jejak
from jejak.model.touchpoint import FIELD_NAMES
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import running

# as in test_api_schema: make test repeats the same cases; make fuzz explores new ones
FRESH = os.environ.get("JEJAK_FUZZ") == "fresh"
EXAMPLES = 300 if FRESH else 60

# text with what breaks parsers: lone surrogates, NUL, right-to-left marks, long runs
TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["\ud800", "x\udfff", "\x00", "\u202e", "2026-01-08T00:00:00Z", " c1 "]),
    st.text(alphabet="x", min_size=1990, max_size=2010),
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
TIMES = st.sampled_from(
    ["2026-01-08T00:00:00Z", "2026-01-08 07:00:00+07:00", "8 Jan 2026", "", "1e999"]
)
ODD = {"revenue": VALUES, "properties": VALUES, "currency": VALUES, "channel": VALUES}
EVENT = st.one_of(
    # plausible events with odd fields: most are stored
    st.fixed_dictionaries(
        {
            "event_id": st.uuids().map(str),
            "customer_id": st.sampled_from(["c1", "c2", "pelanggan-3"]),
            "event": st.sampled_from(["page_view", "pembelian", "ulasan"]),
            "ts": TIMES,
        },
        optional={
            "properties": st.dictionaries(TEXT, SCALARS, max_size=3),
            "revenue": st.sampled_from(["12.5", 10, 0.5, "-3", "1e999", None]),
        },
    ),
    st.fixed_dictionaries(
        {"event_id": TEXT, "customer_id": TEXT, "event": TEXT, "ts": TIMES}, optional=ODD
    ),
    st.dictionaries(st.sampled_from([*FIELD_NAMES, "note"]) | TEXT, VALUES, max_size=12),
    VALUES,
)
BODIES = st.one_of(
    st.lists(EVENT, max_size=8),
    st.fixed_dictionaries({"events": st.lists(EVENT, max_size=8)}),
    VALUES,
)


@pytest.fixture(scope="module")
def collector(tmp_path_factory):
    ws = jejak.Workspace(tmp_path_factory.mktemp("fuzz") / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    with running(create_app(ws, max_bytes=200_000, max_events=50)) as base:
        yield base, key
    ws.close()


def test_no_payload_gets_a_server_error(collector):
    base, key = collector
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    failures: list[tuple] = []
    stored = []  # events stored per answer: the cases reach the checks, not only the door

    @given(body=BODIES)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not FRESH,
    )
    def check(body):
        # as JSON allows (NaN, Infinity: json.loads reads them), surrogates as escapes
        content = json.dumps(body).encode()
        answer = httpx.post(f"{base}/v1/events", content=content, headers=headers, timeout=60)
        if answer.status_code >= 500 or answer.status_code not in (202, 400, 413, 422):
            failures.append((answer.status_code, content[:300], answer.text[:300]))
            return
        if answer.status_code != 202:
            return
        told = answer.json()
        events = body.get("events") if isinstance(body, dict) else body
        sent = len(events)
        accounted = told["stored"] + told["already_stored"] + len(told["rejected"])
        indices = sorted(r["index"] for r in told["rejected"])
        if told["received"] != sent or accounted != sent or len(set(indices)) != len(indices):
            failures.append(("unaccounted", content[:300], told))
        stored.append(told["stored"])

    check()
    assert not failures, failures[:3]
    assert sum(1 for count in stored if count) >= 5, stored
