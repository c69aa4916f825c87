"""Group commit: collector batches arriving together share one load and one commit, each
request still gets its own answer, and an answer still means durable: after kill -9
every acknowledged event is there, and retries store nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

import jejak
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import free_port, running, until

SHARED = {"event_id": "shared", "customer_id": "c-shared", "ts": "2026-01-01T08:00:00Z",
          "event": "page_view"}  # fmt: skip


def _events(sender: int) -> list[dict]:
    """A sender's own touchpoint, one every sender sends, and for every fourth an
    invalid one (its time is not a time)."""
    own = {"event_id": f"e{sender}", "customer_id": f"c{sender}", "event": "page_view",
           "ts": f"2026-01-02T08:{sender:02d}:00Z"}  # fmt: skip
    events = [own, SHARED]
    if sender % 4 == 0:
        events.append({"event_id": f"bad{sender}", "customer_id": "c", "event": "x", "ts": "soon"})
    return events


def test_batches_arriving_together_share_one_commit(tmp_path):
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    app = create_app(ws)
    state = app.state.jejak
    state.wait_seconds = 60
    headers = {"Authorization": f"Bearer {key}"}
    with running(app) as base, ThreadPoolExecutor(16) as pool:

        def send(sender: int) -> dict:
            response = httpx.post(
                base + "/v1/events", json=_events(sender), headers=headers, timeout=90
            )
            assert response.status_code == 202, response.text
            return response.json()

        with state.lock:  # the workspace is busy: the first batch is taken and waits
            first = pool.submit(send, 0)
            until(lambda: state.committer.thread is not None and not state.committer.waiting)
            rest = [pool.submit(send, sender) for sender in range(1, 16)]
            until(lambda: len(state.committer.waiting) == 15)  # the others wait together
        answers = [first.result(), *(f.result() for f in rest)]

    assert answers[0]["stored"] == 2 and answers[0]["already_stored"] == 0
    for sender, answer in enumerate(answers):
        if sender:  # the shared event was stored by the first batch
            assert (answer["stored"], answer["already_stored"]) == (1, 1), (sender, answer)
        assert answer["received"] == len(_events(sender))
        expected = [{"index": 2, "field": "ts"}] if sender % 4 == 0 else []
        assert [{k: r[k] for k in ("index", "field")} for r in answer["rejected"]] == expected
    loads = ws.loads()
    assert len(loads) == 2  # two commits for sixteen requests
    assert loads["rows_read"].tolist() == [3, 15 * 2 + 3]
    assert loads["rows_stored"].tolist() == [2, 15]
    assert ws.count() == 17
    kept = ws.rejected(int(loads["load_id"].iloc[1]))
    # the group's rejected events are kept with its load, as they came
    assert sorted(json.loads(r)["event_id"] for r in kept["record"]) == ["bad12", "bad4", "bad8"]
    assert kept["row"].nunique() == 3 and kept["row"].max() < 15 * 2 + 3
    ws.close()


def test_a_group_after_another_writer_finds_what_it_stored(tmp_path, monkeypatch):
    # the collector's writer skips catching up with the stored ids (and checking the
    # pii: settings) while only its own groups were written; any other writer's turn
    # (here a file loaded with ids the next group repeats) makes it catch up again
    from jejak.store.known_ids import KnownIds

    caught_up = []
    catch_up = KnownIds.catch_up

    def counted(self, con) -> None:
        caught_up.append(1)
        catch_up(self, con)

    monkeypatch.setattr(KnownIds, "catch_up", counted)
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    app = create_app(ws)
    headers = {"Authorization": f"Bearer {key}"}
    with running(app) as base:

        def send(*ids: str) -> dict:
            events = [_numbered(i, "c1", f"2026-01-02T08:0{n}:00Z") for n, i in enumerate(ids)]
            answer = httpx.post(base + "/v1/events", json=events, headers=headers, timeout=60)
            assert answer.status_code == 202, answer.text
            return answer.json()

        for number in range(4):  # one group each: only the first catches up
            assert send(f"g{number}")["stored"] == 1
        assert len(caught_up) == 1
        answer = send("g0", "g4")  # a known id: the stored ids confirm it (the SQL checks)
        assert (answer["stored"], answer["already_stored"]) == (1, 1)
        assert send("g5")["stored"] == 1 and len(caught_up) == 2  # SQL-checked: catch up
        lines = [
            _numbered("f1", "c1", "2026-01-02T08:00:00Z"),
            _numbered("f2", "c1", "2026-01-02T08:02:00Z"),
        ]  # as the group sends them
        path = tmp_path / "file.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
        with app.state.jejak.using() as held:
            held.load(path, stitch=False)
        answer = send("f1", "g6", "f2")
        assert (answer["stored"], answer["already_stored"], len(caught_up)) == (1, 2, 3)
        assert send("g7")["stored"] == 1 and len(caught_up) == 4  # SQL-checked: catch up
        assert send("g8")["stored"] == 1 and len(caught_up) == 4
    assert ws.count() == 11  # g0-g8, f1, f2: each once
    ws.close()


def _numbered(event_id: str, customer: str, ts: str) -> dict:
    return {"event_id": event_id, "customer_id": customer, "event": "page_view", "ts": ts}


def _serve(folder: Path, port: int, key: str) -> subprocess.Popen:
    env = {**os.environ, "JEJAK_WRITE_KEY": key, "JEJAK_READ_KEY": key[::-1]}
    server = subprocess.Popen(
        [sys.executable, "-c", "from jejak.cli import main; main()", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        assert server.poll() is None and time.time() < deadline, "the server did not start"
        time.sleep(0.1)


class Senders:
    """Threads sending batches at once until done or the server is gone; ``acknowledged``
    holds the numbers of the batches answered 202."""

    def __init__(self, url: str, key: str, batches: list[list[dict]], count: int = 8) -> None:
        self.url, self.batches, self.acknowledged = url, batches, []
        self.headers = {"Authorization": f"Bearer {key}"}
        self.threads = [threading.Thread(target=self._send, args=(s, count)) for s in range(count)]
        for thread in self.threads:
            thread.start()

    def _send(self, start: int, step: int) -> None:
        for number in range(start, len(self.batches), step):
            try:
                answer = httpx.post(
                    self.url, json=self.batches[number], headers=self.headers, timeout=30
                )
            except httpx.HTTPError:
                return  # the server is gone
            if answer.status_code == 202:
                self.acknowledged.append(number)

    def join(self) -> list[int]:
        for thread in self.threads:
            thread.join(timeout=120)
        return sorted(self.acknowledged)


def test_kill_9_during_group_commit_loses_nothing_acknowledged(tmp_path):
    key = "write-key-for-the-kill-test-0123"
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/events"
    batches = [
        [_numbered(f"k{b}-{i}", f"c{b % 40}", f"2026-01-{1 + b % 28:02d}T{i:02d}:00:00Z")
         for i in range(10)]
        for b in range(160)
    ]  # fmt: skip
    server = _serve(tmp_path, port, key)
    senders = Senders(url, key, batches)
    until(lambda: len(senders.acknowledged) >= 30, seconds=120)
    server.send_signal(signal.SIGKILL)  # mid-stream: groups are being written
    acknowledged = senders.join()
    server.wait(timeout=30)
    assert len(acknowledged) < len(batches)  # killed before the end
    with jejak.Workspace(tmp_path / "jejak.duckdb") as ws:  # recovered from its log
        stored = {i for (i,) in ws.con.execute("SELECT event_id FROM touchpoints").fetchall()}
    missing = {e["event_id"] for n in acknowledged for e in batches[n]} - stored
    assert not missing, sorted(missing)[:10]

    server = _serve(tmp_path, port, key)
    try:  # the client sends everything again: what it saw acknowledged and what it did not
        assert Senders(url, key, batches).join() == list(range(len(batches)))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with jejak.Workspace(tmp_path / "jejak.duckdb") as ws:
        ids = [i for (i,) in ws.con.execute("SELECT event_id FROM touchpoints").fetchall()]
    assert len(ids) == len(set(ids)) == 160 * 10  # nothing twice, nothing lost
