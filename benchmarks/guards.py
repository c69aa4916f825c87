"""Benchmark: what the server's guards add to each request, against the key check that
every request already pays (the baseline, timed in the same run).

Prints a table; not a test. The rate limit (a key's hash and a token bucket, with one
client held and with 50,000 visitors' buckets held) and the request deadline (a timer
armed and cancelled on uvloop).

    python benchmarks/guards.py
"""

from __future__ import annotations

import asyncio
import timeit

import uvloop
from rich.console import Console
from rich.table import Table

from jejak.server import keys
from jejak.server.limiting import Limiter, Rate
from jejak.server.state import RATES

CALLS = 200_000


def _microseconds(call) -> float:
    """The best of five runs, per call."""
    return min(timeit.repeat(call, number=CALLS, repeat=5)) / CALLS * 1e6


def figures() -> list[tuple[str, float]]:
    key = "jw_" + "x" * 32
    hashes = [keys.hash_of(key)]
    alone, crowded = Limiter(RATES["write"]), Limiter(Rate(60_000, 60))
    for visitor in range(50_000):
        crowded.take(f"{hashes[0]} 10.0.{visitor // 256}.{visitor % 256}")

    async def deadline() -> float:
        loop = asyncio.get_running_loop()
        return _microseconds(lambda: loop.call_later(30, print).cancel())

    return [
        ("key check (baseline)", _microseconds(lambda: keys.matches(key, hashes))),
        ("rate limit, 1 client", _microseconds(lambda: alone.take(keys.hash_of(key) + " a"))),
        ("rate limit, 50,000 held", _microseconds(lambda: crowded.take(keys.hash_of(key)))),
        ("request deadline", uvloop.run(deadline())),
    ]


def main() -> None:
    rows = figures()
    table = Table(title="Guards per request")
    for column in ("what", "µs per request", "x baseline"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for name, took in rows:
        table.add_row(name, f"{took:.2f}", f"{took / rows[0][1]:.2f}x")
    Console().print(table)


if __name__ == "__main__":
    main()
