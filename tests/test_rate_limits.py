"""Request rate limits: a token bucket per key, per key and client address for the
public write key; over it, 429 with Retry-After, and other clients are not affected."""

from __future__ import annotations

import base64
import inspect

import httpx
import pytest

import jejak
from jejak.cli import serve
from jejak.errors import JejakError
from jejak.server import create_app
from jejak.server.keys import ensure_keys, new_key
from jejak.server.limiting import Limiter, Rate, retry_after
from jejak.server.state import RATES
from serving import running


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_a_burst_through_then_the_steady_rate():
    clock = Clock()
    limiter = Limiter(Rate(3, 60), clock=clock)  # 3 at once, then one each 20 s
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == 20.0
    assert limiter.take("b") == 0.0  # another client has a bucket of its own
    clock.now += 15
    assert limiter.take("a") == 5.0
    clock.now += 5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == 20.0
    clock.now += 600  # idle: full again, never fuller
    assert [limiter.take("a") for _ in range(4)] == [0.0, 0.0, 0.0, 20.0]


def test_full_buckets_are_dropped_as_clients_come_and_go():
    clock = Clock()
    limiter = Limiter(Rate(5, 1), clock=clock)
    for client in range(1023):
        limiter.take(f"visitor {client}")
    assert len(limiter.buckets) == 1023
    clock.now += 1  # all of them full again: forgotten at the next sweep
    limiter.take("last")
    assert list(limiter.buckets) == ["last"]


def test_rates_are_written_as_requests_per_period():
    assert Rate.parse("600/minute") == Rate(600, 60)
    assert Rate.parse(" 10 per second ") == Rate(10, 1)
    assert Rate.parse("2/hours") == Rate(2, 3600)
    assert Rate.parse("none") is None
    assert [str(Rate(60_000, 60)), str(Rate(1, 4))] == ["60000/minute", "1 per 4 seconds"]
    with pytest.raises(JejakError, match=r"--read-rate '10/fortnight': requests per period"):
        Rate.parse("10/fortnight", "--read-rate")
    with pytest.raises(JejakError):
        Rate.parse("0/second")
    assert [retry_after(s) for s in (0.01, 1.0, 1.2, 19.999)] == ["1", "1", "2", "20"]


def test_the_serve_options_default_to_the_rates_of_the_app():
    defaults = {name: p.default for name, p in inspect.signature(serve).parameters.items()}
    assert {k: Rate.parse(defaults[f"{k}_rate"]) for k in RATES} == RATES


def _client(address: str = "127.0.0.1") -> httpx.Client:
    """A client whose requests come from ``address`` (any 127.x.y.z is this machine)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def test_over_the_rate_a_key_is_answered_429_with_retry_after(tmp_path):
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    made = ensure_keys(ws.con)
    other_write, other_read = new_key(ws.con, "write"), new_key(ws.con, "read")
    hour = {"write": Rate(3, 3600), "read": Rate(2, 3600), "admin": None}
    app = create_app(ws, rates=hour)
    event = [{"event_id": "e1", "customer_id": "c1", "event": "a", "ts": "2026-01-01"}]

    def bearer(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    with running(app) as base, _client() as here, _client("127.0.0.2") as there:

        def send(client: httpx.Client, key: str) -> httpx.Response:
            return client.post(base + "/v1/events", json=event, headers=bearer(key))

        answers = [send(here, made["write"]) for _ in range(4)]
        assert [a.status_code for a in answers] == [202, 202, 202, 429]
        assert "Retry-After" not in answers[2].headers
        # a token comes back each 1,200 s: the wait, in whole seconds
        assert 1190 <= int(answers[3].headers["Retry-After"]) <= 1200
        assert answers[3].json()["detail"] == (
            "over the 3/hour requests that the write key from this address may send; retry"
            " after the seconds in Retry-After (jejak serve --write-rate sets the rate)"
        )
        # Segment's way of giving the key draws on the same bucket
        basic = base64.b64encode(f"{made['write']}:".encode()).decode()
        segment = here.post(base + "/v1/batch", json={"batch": []},
                            headers={"Authorization": f"Basic {basic}"})  # fmt: skip
        assert segment.status_code == 429
        # another visitor of the same website, and another write key: unaffected
        assert send(there, made["write"]).status_code == 202
        assert send(here, other_write).status_code == 202
        # a wrong key is refused as before, not counted
        assert send(here, "jw_not-a-key-at-all-000000").status_code == 401

        def read(client: httpx.Client, key: str) -> int:
            return client.get(base + "/v1/loads", headers=bearer(key)).status_code

        # a read key is limited per key, wherever its requests come from
        assert [read(here, made["read"]), read(there, made["read"])] == [200, 200]
        assert read(there, made["read"]) == 429
        assert read(here, other_read) == 200
    ws.close()
