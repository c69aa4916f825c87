"""Benchmark: the server's collector and JSON API against the library underneath.

Prints a table; not a test. A simulated shop's touchpoints are sent to ``POST /v1/events``
of a real server on 127.0.0.1 in batches (one client, one batch at a time), and the
same events are loaded as one JSON Lines file into another workspace: the baseline.
Then a few analyses are asked over HTTP and called in Python on the same workspace.

    python benchmarks/server.py                  # 20,000 events in batches of 500
    python benchmarks/server.py --events 5000    # a quick look

Then the collector under load, as deployed: ``jejak serve`` in its own process, 16
senders at once: single-event requests,
then 100-event batches, against one sender sending single events (no group to share a
commit with) as the baseline; latencies, and /health polled throughout. The senders are
kept-alive connections of one asyncio loop, so the client takes little of the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from timing import timed

from jejak.model.config import Settings
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from jejak.simulate import simulate_shop
from jejak.store.workspace import Workspace
from serving import free_port, running


def _events(count: int) -> list[dict]:
    """Simulated touchpoints as the tracker would send them (text fields, ISO times)."""
    shop = simulate_shop(customers=max(50, count // 12), seed=5)
    rows = shop.touchpoints.slice(0, count).to_pylist()
    events = []
    for row in rows:
        event = {k: v for k, v in row.items() if v is not None}
        event["ts"] = event["ts"].isoformat()
        if "properties" in event:
            event["properties"] = json.loads(event["properties"])
        events.append(event)
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10, help="each collector load run")
    parser.add_argument("--collector", action="store_true", help="only the collector under load")
    args = parser.parse_args()
    events = _events(args.events)
    if args.collector:
        Console().print(collector_under_load(events, seconds=args.seconds))
        return
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base_path = Path(folder) / "events.jsonl"
        base_path.write_text("".join(json.dumps(e) + "\n" for e in events), "utf-8")
        with Workspace(Path(folder) / "file.duckdb") as direct:
            start = time.perf_counter()
            direct.load(base_path)
            baseline = time.perf_counter() - start
        rows.append(("load one JSON Lines file (baseline)", baseline, len(events) / baseline))

        ws = Workspace(Path(folder) / "served.duckdb")
        keys = ensure_keys(ws.con)
        app = create_app(ws)
        with running(app) as base, httpx.Client(base_url=base, timeout=120) as client:
            write = {"Authorization": f"Bearer {keys['write']}"}
            start = time.perf_counter()
            for i in range(0, len(events), args.batch):
                answer = client.post("/v1/events", json=events[i : i + args.batch], headers=write)
                answer.raise_for_status()
                assert not answer.json()["rejected"], answer.json()["rejected"][:3]
            collected = time.perf_counter() - start
            rows.append((f"POST /v1/events, batches of {args.batch}", collected,
                         len(events) / collected))  # fmt: skip
            start = time.perf_counter()
            again = client.post("/v1/events", json=events[: args.batch], headers=write)
            retry = time.perf_counter() - start
            assert again.json()["already_stored"] == min(args.batch, len(events))
            rows.append(("a retried batch (all already stored)", retry, args.batch / retry))
            read = {"Authorization": f"Bearer {keys['read']}"}
            for name, path, call in (
                ("stages", "/v1/analyses/stages", lambda w: w.stages()),
                ("attribution", "/v1/analyses/attribution", lambda w: w.attribution()),
                (
                    "journey map",
                    "/v1/analyses/journey-map?lanes=false",
                    lambda w: w.journey_map(lanes=False),
                ),
            ):
                over_http = timed(lambda p=path: client.get(p, headers=read).raise_for_status())
                with app.state.jejak.using():
                    in_python = timed(lambda c=call: c(ws).to_dict())
                rows.append((f"GET {path}", over_http, None))
                rows.append((f"  {name} in Python (to_dict)", in_python, None))
        ws.close()

    table = Table(title=f"Server, {len(events):,} events", title_justify="left")
    for column in ("what", "seconds", "x baseline", "events/s"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for what, seconds, rate in rows:
        table.add_row(what, f"{seconds:.3f}", f"{seconds / baseline:.1f}x",
                      f"{rate:,.0f}" if rate else "")  # fmt: skip
    Console().print(table)
    Console().print(collector_under_load(events, seconds=args.seconds))


def _serve(folder: Path, port: int, key: str) -> subprocess.Popen:
    env = {**os.environ, "JEJAK_WRITE_KEY": key, "JEJAK_READ_KEY": key[::-1]}
    command = [sys.executable, "-c", "from jejak.cli import main; main()", "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port)], cwd=folder, env=env, stdout=subprocess.DEVNULL
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("jejak serve did not start")


async def _exchange(reader, writer, request: bytes) -> int:
    """Send one HTTP/1.1 request on a kept-alive connection; the status (body read)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def _senders(port: int, key: str, events: list[dict], senders: int, size: int,
                   seconds: float) -> tuple[list[float], list[float]]:  # fmt: skip
    """``senders`` connections each sending ``size``-event batches, one at a time, and
    one polling /health; their latencies. Plain asyncio streams: the client's own cost
    stays small, so the cores go to the server."""
    latencies: list[float] = []
    health: list[float] = []
    stop = time.perf_counter() + seconds
    counter = iter(range(10**9))
    run = time.time_ns()  # each run's event ids are new to the workspace

    async def send() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < stop:
            start = next(counter) * size
            batch = [dict(e, event_id=f"{e['event_id']}-{run}-{start + i}") for i, e in
                     enumerate(events[start % len(events):][:size])]  # fmt: skip
            body = json.dumps(batch).encode()
            head = (f"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer"
                    f" {key}\r\nContent-Type: application/json\r\nContent-Length:"
                    f" {len(body)}\r\n\r\n")  # fmt: skip
            began = time.perf_counter()
            status = await _exchange(reader, writer, head.encode() + body)
            if status != 202:
                raise RuntimeError(f"POST /v1/events answered {status}")
            latencies.append(time.perf_counter() - began)
        writer.close()

    async def poll() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < stop:
            began = time.perf_counter()
            await _exchange(reader, writer, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            health.append(time.perf_counter() - began)
            await asyncio.sleep(0.05)
        writer.close()

    await asyncio.gather(*(send() for _ in range(senders)), poll())
    return latencies, health


def _load(port: int, key: str, events: list[dict], senders: int, size: int, seconds: float):
    """Send ``size``-event batches from ``senders`` connections for ``seconds``;
    (requests/s, events/s, p50 and p99 latency in ms, slowest /health in ms)."""
    began = time.perf_counter()
    latencies, health = asyncio.run(_senders(port, key, events, senders, size, seconds))
    took = time.perf_counter() - began
    ms = sorted(latencies)
    return (len(ms) / took, len(ms) * size / took, 1000 * statistics.median(ms),
            1000 * ms[int(0.99 * (len(ms) - 1))], 1000 * max(health))  # fmt: skip


COLLECTOR_RUNS = ((1, 1), (16, 1), (16, 100))  # senders x events per request; the first: baseline


def collector_figures(events: list[dict], seconds: float) -> list[tuple[float, ...]]:
    """Per run of :data:`COLLECTOR_RUNS`: requests/s, events/s, p50 and p99 latency (ms)
    and the slowest /health (ms), against ``jejak serve`` in its own process."""
    key = "bench-write-key-0123456789"
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = _serve(Path(folder), port, key)
        try:
            return [_load(port, key, events, n, size, seconds) for n, size in COLLECTOR_RUNS]
        finally:
            server.terminate()
            server.wait(timeout=30)


def collector_under_load(events: list[dict], seconds: float) -> Table:
    table = Table(title="Collector under load (jejak serve, loopback)", title_justify="left")
    for column in ("senders x events per request", "requests/s", "events/s", "x baseline",
                   "p50 ms", "p99 ms", "slowest /health ms"):  # fmt: skip
        table.add_column(column, justify="left" if column.startswith("senders") else "right")
    figures = collector_figures(events, seconds)
    baseline = figures[0][1]
    for (senders, size), (rps, eps, p50, p99, worst) in zip(COLLECTOR_RUNS, figures, strict=True):
        shown = (f"{rps:,.0f}", f"{eps:,.0f}", f"{eps / baseline:.1f}x")
        table.add_row(f"{senders} x {size}", *shown, f"{p50:.0f}", f"{p99:.0f}", f"{worst:.0f}")
    return table


def dashboard_pages(path: Path, settings: Settings | None = None) -> list[tuple[str, float, float]]:
    """Per dashboard page: seconds for its content opened first (nothing kept: built
    now) and opened again (the kept answer), over HTTP on the workspace at ``path``.
    The background warmer is held off, so the first opening is really cold."""
    from jejak.server.pages import PAGES

    with Workspace(path, settings) as ws:
        ws.con.execute("DELETE FROM results")  # answers kept by an earlier run
        keys = ensure_keys(ws.con)
        read = keys.get("read") or "bench-read-key-0123456789"
        app = create_app(ws, given_keys={"read": read})
        app.state.jejak.warmer.poke = lambda: None  # cold means cold
        rows = []
        with running(app) as base, httpx.Client(base_url=base, timeout=600) as client:
            client.headers["Authorization"] = f"Bearer {read}"  # the read key, as the API takes it
            for page in PAGES:
                url = f"/dashboard/{page.slug}/content"
                cold = timed(lambda u=url: client.get(u).raise_for_status(), repeat=1)
                warm = timed(lambda u=url: client.get(u).raise_for_status())
                rows.append((page.title, cold, warm))
    return rows


if __name__ == "__main__":
    main()
