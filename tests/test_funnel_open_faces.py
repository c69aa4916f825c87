"""How many people may still convert, in every face of a funnel: the CLI line under the
table (a real process), the report's funnel section (its HTML), the dashboard's funnels
page (a real server) and the JSON API's meta. Counted by hand on a small log."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import jejak
from invoking import spawn
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import running

# the data ends 2026-01-05 12:00: with a one-day window c3's (from 2026-01-05 00:00) is
# still open; with 30 days c2's is too
LOG = """customer_id,ts,event
c1,2026-01-01 00:00:00,visit
c1,2026-01-01 01:00:00,pay
c2,2026-01-01 00:00:00,visit
c3,2026-01-05 00:00:00,visit
c4,2026-01-05 06:00:00,visit
c4,2026-01-05 12:00:00,pay
"""
SETTINGS = """workspace: w.duckdb
journey:
  name: visit-pay
  stages:
    - name: Visit
      rules: [{event: visit}]
    - name: Pay
      rules: [{event: pay}]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("open-faces")
    (folder / "log.csv").write_text(LOG, "utf-8")
    (folder / "jejak.yaml").write_text(SETTINGS, "utf-8")
    done = spawn("load", "log.csv", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder


def _cli(project: Path, *args: str) -> str:
    done = spawn("funnel", *args, cwd=project)
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())  # the table's width may wrap the line


def test_the_cli_says_who_may_still_convert(project):
    counted = _cli(project, "visit", "pay", "--window", "1d")
    assert (
        "1 person still has time to convert (counted as not converted yet;"
        " --open-windows exclude to leave them out)" in counted
    )
    # step options leave them out by default: c3 is not among the 3 who entered
    left_out = _cli(project, "visit", "pay", "--window", "1d", "--within", "2=2d")
    assert "1 person still has time to convert (left out; --open-windows include" in left_out
    assert "1. visit │ 3 │" in left_out
    said = spawn(
        "--lang", "id", "funnel", "visit", "pay", "--window", "1d", "--within", "2=2d", cwd=project
    )
    assert "1 orang masih punya waktu untuk berkonversi (tidak dihitung;" in " ".join(
        said.stdout.split()
    )
    # with 30 days c2 and c3 may still convert; once every window has closed, nobody
    assert "2 people still have time to convert" in _cli(project, "visit", "pay")
    later = _cli(project, "visit", "pay", "--as-of", "2026-03-01")
    assert "still ha" not in later


def test_the_cli_takes_optional_within_and_after_by_step_number(project):
    with jejak.Workspace(project / "w.duckdb") as ws:
        steps = ["visit", {"event": "pay", "within": "2h", "after": "30m"}]
        table = ws.funnel(steps, as_of="2026-03-01").table
    done = spawn(
        "funnel",
        *("visit", "pay", "--within", "2=2h", "--after", "2=30m"),
        *("--as-of", "2026-03-01", "--json"),
        cwd=project,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [row["entered"] for row in answer["table"]] == table["entered"].tolist() == [4, 1]
    assert answer["meta"]["step_options"][1]["within_seconds"] == 7_200
    bad = spawn("funnel", "visit", "pay", "--within", "2d", cwd=project)
    assert bad.returncode == 1 and "give the step's number and the gap, like 3=2d" in bad.stderr
    beyond = spawn("funnel", "visit", "pay", "--optional", "3", cwd=project)
    assert "there is no step 3 in a funnel of 2 steps" in beyond.stderr


def test_the_report_says_who_may_still_convert(project):
    done = spawn("report", "-o", "report.html", cwd=project, timeout=300)
    assert done.returncode == 0, done.stderr
    page = (project / "report.html").read_text("utf-8")
    assert "Funnel: Visit → Pay" in page
    assert "Steps: Visit, Pay; within 30d." in page
    assert "2 people still have time to convert: counted here as not converted yet." in page


def test_the_dashboard_and_the_api_say_who_may_still_convert(project):
    ws = jejak.Workspace(project / "w.duckdb")
    keys = ensure_keys(ws.con)
    headers = {"Authorization": f"Bearer {keys['read']}"}
    try:
        with running(create_app(ws)) as base:
            page = httpx.get(
                base + "/dashboard/funnels/content",
                params={"steps": "visit,pay", "window": "1d"},
                headers=headers,
                timeout=120,
            )
            api = httpx.get(
                base + "/v1/analyses/funnel",
                params={"steps": ["visit", json.dumps({"event": "pay", "within": "2d"})]}
                | {"window": "1d"},
                headers=headers,
                timeout=120,
            )
    finally:
        ws.close()
    assert page.status_code == 200, page.text
    assert "1 person still has time to convert: counted here as not converted yet." in page.text
    assert api.status_code == 200, api.text
    meta = api.json()["meta"]
    assert meta["open_people"] == 1 and meta["open_windows"] == "exclude"
    assert [row["entered"] for row in api.json()["table"]] == [3, 2]
