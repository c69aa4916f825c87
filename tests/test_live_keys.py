"""Keys managed while jejak serve runs: ``jejak keys`` (list, make, revoke) reaches the
server through its control file, a revoked key is refused from the next request, and
the collector accepts events throughout. Other commands say which server holds the
workspace; a control file left by a stopped server is not taken for a running one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from invoking import invoke, spawn
from serving import free_port

WRITE = "write-key-from-the-environment-0123"
SERVE = "from jejak.cli import main; main()"


class Served:
    """A jejak serve subprocess on a folder, and a thread sending events all along."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JEJAK_WRITE_KEY": WRITE}
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--port", str(self.port)],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while not self._up():
            assert self.process.poll() is None and time.time() < deadline, "no server"
            time.sleep(0.1)
        self.statuses: list[int] = []
        self.sending = True
        self.sender = threading.Thread(target=self._send)
        self.sender.start()

    def _up(self) -> bool:
        try:
            return httpx.get(self.url + "/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def post(self, key: str, number: int) -> int:
        event = {"event_id": f"e{number}", "customer_id": "c1", "event": "page_view",
                 "ts": "2026-01-02T08:00:00Z"}  # fmt: skip
        headers = {"Authorization": f"Bearer {key}"}
        return httpx.post(self.url + "/v1/events", json=[event], headers=headers).status_code

    def _send(self) -> None:
        number, pace = 0, threading.Event()
        while self.sending:
            self.statuses.append(self.post(WRITE, number))
            number += 1
            pace.wait(0.05)  # steady, leaving the two cores to the commands under test

    def stop(self) -> list[int]:
        """Stop sending and serving; the statuses of the events sent meanwhile."""
        self.sending = False
        self.sender.join(timeout=60)
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=60) == 0
        return self.statuses


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    server = Served(tmp_path)
    yield server
    if server.process.poll() is None:
        server.sending = False
        server.process.kill()
        server.process.wait(timeout=30)


def cells(table: str) -> list[list[str]]:
    """The rows of a table that jejak printed, as their cells' text."""
    rows = [line.split("│")[1:-1] for line in table.splitlines() if "│" in line]
    return [[cell.strip() for cell in row] for row in rows]


def jejak(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return spawn(*args, cwd=cwd, timeout=120)


def test_keys_are_listed_made_and_revoked_while_the_server_runs(served):
    folder = served.folder
    control = folder / "jejak.duckdb.serve.json"
    assert control.stat().st_mode & 0o777 == 0o600  # it holds an admin token
    assert json.loads(control.read_text())["url"] == served.url

    made = jejak("keys", "write", "--label", "x", cwd=folder)
    assert made.returncode == 0, made.stderr
    key_id, key = made.stdout.split()[3], made.stdout.split()[-1]
    assert key.startswith("jw_") and len(key_id) == 8
    assert served.post(key, 1000) == 202  # accepted at once, no restart

    listed = jejak("keys", cwd=folder)
    assert listed.returncode == 0, listed.stderr
    row = next(row for row in cells(listed.stdout) if key_id in row)
    assert row[:3] == [key_id, "write", "x"]
    assert key not in listed.stdout

    wrong = invoke("keys", "revoke", "nonsense", cwd=folder)
    assert (wrong.returncode, wrong.stderr.strip()) == (
        1,
        "error: no key 'nonsense'; jejak keys shows the ids",
    )
    revoked = jejak("keys", "revoke", key_id, cwd=folder)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.splitlines() == [
        f"Revoked the write key {key_id}.",  # the server's environment gives one
        "No write key is left in the workspace; JEJAK_WRITE_KEY is still accepted.",
    ]
    assert served.post(key, 1001) == 401  # refused from the next request on

    (folder / "events.csv").write_text("event_id,customer_id,event,ts\ne1,c1,a,2026-01-01\n")
    loading = invoke("load", "events.csv", cwd=folder)
    pid = served.process.pid
    assert loading.returncode == 1
    assert f"jejak serve (pid {pid}, {served.url}) has the workspace open" in loading.stderr
    assert f"stop it first (Ctrl+C where it runs, or kill {pid})" in loading.stderr

    statuses = served.stop()
    assert statuses and set(statuses) == {202}  # the collector never stopped accepting
    assert not control.exists()  # removed when the server stops
    offline = invoke("keys", cwd=folder)
    assert offline.returncode == 0, offline.stderr
    # the same table as through the server, less the revoked key
    assert cells(offline.stdout) == [row for row in cells(listed.stdout) if key_id not in row]


def test_the_control_token_is_an_admin_key_for_this_run_only(served):
    token = json.loads((served.folder / "jejak.duckdb.serve.json").read_text())["token"]
    admin = {"Authorization": f"Bearer {token}"}
    assert httpx.get(served.url + "/v1/keys", headers=admin).status_code == 200
    write = {"Authorization": f"Bearer {WRITE}"}
    assert httpx.get(served.url + "/v1/keys", headers=write).status_code == 401
    made = httpx.post(served.url + "/v1/keys", json={"kind": "root"}, headers=admin)
    assert made.status_code == 422  # read, write or admin only
    # for jejak keys on this machine only: not through a proxy in front of the server
    proxied = {**admin, "X-Forwarded-For": "203.0.113.7"}
    refused = httpx.get(served.url + "/v1/keys", headers=proxied)
    assert refused.status_code == 401 and "only from the machine" in refused.json()["detail"]
    served.stop()
    with duckdb_file(served.folder) as con:
        (stored,) = con.execute("SELECT count(*) FROM api_keys WHERE kind = 'admin'").fetchone()
    assert stored == 0  # the token was never stored


def duckdb_file(folder: Path):
    import duckdb

    return duckdb.connect(str(folder / "jejak.duckdb"))


def test_a_control_file_left_by_a_stopped_server_is_not_taken_for_a_running_one(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert jejak("keys", "write", cwd=tmp_path).returncode == 0  # a workspace with keys
    control = tmp_path / "jejak.duckdb.serve.json"
    control.write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": gone.pid, "token": "t"}))

    listed = jejak("keys", cwd=tmp_path)  # the file is free: the control file is ignored
    assert listed.returncode == 0 and "write" in listed.stdout, listed.stderr

    holder = subprocess.Popen(  # another process holds the file (not a jejak serve)
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect('jejak.duckdb');"
         " print('open', flush=True); sys.stdin.read()"],
        cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "open\n"
        locked = jejak("keys", cwd=tmp_path)
    finally:
        holder.communicate("", timeout=30)
    assert locked.returncode == 1
    assert f"(PID {holder.pid})" in locked.stderr  # DuckDB's words: who holds it
    assert (
        f"{control.name} is left from a jejak serve (pid {gone.pid}) that has stopped, so"
        " another process holds the file" in locked.stderr.replace("\n", " ")
    )


def test_the_control_file_names_an_address_this_machine_reaches():
    from jejak.server.control import local_url

    assert local_url("0.0.0.0", 8765) == "http://127.0.0.1:8765"
    assert local_url("::", 8765) == "http://[::1]:8765"
    assert local_url("192.0.2.7", 80) == "http://192.0.2.7:80"
    assert local_url("localhost", 8765) == "http://localhost:8765"
