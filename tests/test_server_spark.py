"""jejak serve over touchpoints in Spark: the API and the dashboard answer what the
library answers on DuckDB; the collector says it is off; the CLI starts it end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

import jejak
from jejak.model.config import parse_settings
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import free_port, running

pytestmark = pytest.mark.spark

LOG = """
customer_id,anonymous_id,ts,event,channel
,a1,2026-01-01 08:00:00,page_view,social
,a1,2026-01-02 08:00:00,content_view,social
c1,a1,2026-01-03 08:00:00,newsletter_signup,
c1,,2026-01-05 08:00:00,order,
c2,,2026-01-01 08:00:00,page_view,search
c2,,2026-01-04 08:00:00,order,
c2,,2026-01-09 08:00:00,order,
c3,,2026-01-05 08:00:00,page_view,search
"""

SETTINGS = "segments:\n  from-search: {first: {channel: search}}\n"


def _json(data):
    return json.loads(json.dumps(data, default=str))


@pytest.fixture
def workspace(tmp_path, write_file):
    ws = jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    yield ws
    ws.close()


def test_api_and_dashboard_answer_from_spark(workspace, spark_session):
    ws = workspace
    source = jejak.on_spark(
        spark_session,
        ws.touchpoints().to_pyarrow(),
        ws.identity_links().to_pyarrow(),
        settings=ws.settings,
    )
    keys = ensure_keys(ws.con)
    read = {"Authorization": f"Bearer {keys['read']}"}
    with running(create_app(ws, analyses=source)) as base:

        def get(path: str, **params) -> httpx.Response:
            return httpx.get(base + path, params=params, headers=read, timeout=120)

        assert get("/v1/analyses/stages").json() == _json(ws.stages().to_dict())
        scoped = get("/v1/analyses/stages", segment="from-search").json()
        assert scoped == _json(ws.segment("from-search").stages().to_dict())
        assert scoped["meta"]["people"] == 2
        funnel = get("/v1/analyses/funnel", steps=["page_view", "order"], window="7d").json()
        assert funnel == _json(ws.funnel(["page_view", "order"], window="7d").to_dict())
        overview = get("/dashboard/overview/content").text
        assert "3 people on the journey" in overview
        data = get("/dashboard/data/content").text
        assert "Where the touchpoints live" in data and "SparkSource" in data
        event = {"event_id": "x", "customer_id": "c9", "ts": "2026-01-10T00:00:00Z", "event": "e"}
        answer = httpx.post(
            base + "/v1/events",
            json=[event],
            headers={"Authorization": f"Bearer {keys['write']}"},
            timeout=30,
        )
        assert answer.status_code == 409 and "another engine" in answer.json()["detail"]
    assert ws.count() == 8  # nothing was collected into the workspace
    bare = ws.touchpoints().to_pyarrow().drop_columns(["currency"])
    assert jejak.on_spark(spark_session, bare).currency() is None  # a table without it


def test_jejak_serve_spark_from_the_command_line(workspace, tmp_path):
    pq.write_table(workspace.touchpoints().to_pyarrow(), tmp_path / "events.parquet")
    expected = _json(workspace.stages().to_dict())
    workspace.close()
    folder = tmp_path / "serve"
    folder.mkdir()
    port = free_port()
    jejak_cli = str(Path(sys.executable).with_name("jejak"))
    command = [jejak_cli, "serve", "--spark", str(tmp_path / "events.parquet"),
               "--spark-master", "local[1]", "--port", str(port)]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    server = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lines = []
        deadline = time.time() + 180
        while time.time() < deadline:
            line = server.stdout.readline()
            assert line, server.stderr.read()
            lines.append(line)
            if line.startswith("jejak serving"):
                break
        assert "Spark touchpoints" in lines[-1], lines
        read = next(line for line in lines if line.startswith("New read key")).split()[-1]
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        answer = httpx.get(
            f"http://127.0.0.1:{port}/v1/analyses/stages",
            headers={"Authorization": f"Bearer {read}"},
            timeout=120,
        )
        assert answer.json() == expected
    finally:
        server.terminate()
        server.wait(timeout=60)
