"""Schemathesis over the published OpenAPI schema: whatever a client sends that the
schema allows (or nearly), the server never answers with a 5xx."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

import jejak
from jejak.model.config import parse_settings
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import running

# make test draws the same cases every run, so CI fails only on what a change did;
# make fuzz (JEJAK_FUZZ=fresh) explores new cases each time, and more of them
FRESH = os.environ.get("JEJAK_FUZZ") == "fresh"
EXAMPLES = 30 if FRESH else 6

LOG = """customer_id,anonymous_id,ts,event,channel,properties
,a1,2026-01-01 08:00:00,page_view,social,
,a1,2026-01-02 08:00:00,content_view,social,
c1,a1,2026-01-03 08:00:00,newsletter_signup,email,
c1,,2026-01-04 08:00:00,order,email,"{""order_number"": 1}"
c1,,2026-02-04 08:00:00,order,direct,"{""order_number"": 2}"
c2,,2026-01-01 08:00:00,page_view,search,
c2,,2026-01-05 08:00:00,review,direct,"{""rating"": 4}"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("schema")
    (folder / "log.csv").write_text(LOG, "utf-8")
    ws = jejak.Workspace(folder / "w.duckdb", parse_settings("segments:\n  s: {had: order}\n"))
    ws.load(folder / "log.csv")
    keys = ensure_keys(ws.con)
    with running(create_app(ws)) as base:
        yield base, keys
    ws.close()


def test_no_server_errors(server):
    """Every operation of the schema, a few generated requests each (Hypothesis)."""
    base, keys = server
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    failures = []
    for operation in operations:
        # the collector's POSTs take the write key; saving a segment, the read key
        collecting = operation.method.upper() == "POST" and operation.path != "/v1/segments"
        key = keys["write"] if collecting else keys["read"]
        _fuzz(operation, key, failures)
    assert not failures, failures[:5]


def _fuzz(operation, key: str, failures: list) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not FRESH,
    )
    def check(case):
        response = case.call(headers={"Authorization": f"Bearer {key}"}, timeout=60)
        if response.status_code >= 500:
            failures.append((case.method, case.formatted_path, case.query, response.text[:300]))

    check()
