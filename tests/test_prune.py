"""Retention limits (keep_days, jejak prune, Workspace.prune): exactly the older touchpoints go,
with the links of people left with none, old loads' rejected rows and kept answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import jejak
from invoking import spawn
from jejak.errors import ConfigError
from jejak.model.config import load_settings
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import running

NOW = datetime(2026, 6, 1, tzinfo=UTC)  # keep_days 30: older than 2026-05-02 goes
LOG = """customer_id,anonymous_id,ts,event
,dev-o1,2026-03-01T10:00:00Z,page_view
cust-old,,2026-03-02T10:00:00Z,order
,dev-m1,2026-04-01T10:00:00Z,page_view
cust-mixed,dev-m1,2026-05-10T10:00:00Z,signup
cust-mixed,,2026-05-20T10:00:00Z,order
cust-new,,2026-05-30T10:00:00Z,page_view
,dev-x,2026-04-30T10:00:00Z,page_view
"""


@pytest.fixture
def shop(tmp_path: Path, write_file) -> jejak.Workspace:
    ws = jejak.Workspace(tmp_path / "w.duckdb", jejak.Settings(keep_days=30))
    ws.load(write_file("log.csv", LOG))  # load 1
    made = {  # when each later load was made (the clock's, set here by hand)
        2: ("old-links.csv", "anonymous_id,customer_id\ndev-o1,cust-old\ndev-m2,cust-mixed\n"),
        3: ("new-links.csv", "anonymous_id,customer_id\ndev-late,cust-gone\n"),
        4: ("old-bad.csv", "customer_id,ts,event\ncust-old,not a date,order\n"),
        5: ("new-bad.csv", "customer_id,ts,event\ncust-new,not a date,order\n"),
    }
    at = {2: "2026-03-05", 3: "2026-05-25", 4: "2026-03-10", 5: "2026-05-28"}
    for load_id, (name, text) in made.items():
        path = write_file(name, text)
        if "links" in name:
            ws.load_identities(path)
        else:
            ws.load(path, skip_invalid=True)
        ws.con.execute(
            "UPDATE loads SET loaded_at = CAST(? AS TIMESTAMPTZ) WHERE load_id = ?",
            [at[load_id] + "T00:00:00Z", load_id],
        )
    yield ws
    ws.close()


def test_prune_keeps_exactly_the_last_keep_days(shop):
    assert shop.count() == 7
    shop.answered("stages", lambda: "{}")  # an answer kept (as the server keeps them)
    pruned = shop.prune(now=NOW, asked_by="test")

    assert pruned.cutoff == datetime(2026, 5, 2, tzinfo=UTC)
    assert pruned.rows == {
        "identity_links": 1,  # dev-o1 -> cust-old: old, and cust-old has nothing left
        "touchpoints": 4,  # dev-o1, cust-old, dev-m1's page view, dev-x
        "stitched": 4,
        "rejected_rows": 1,  # of the load made on 2026-03-10
        "results": 1,
    }
    assert pruned.people == 2  # cust-old, anon:dev-x
    assert pruned.compacted
    kept = shop.con.execute("SELECT customer_id, event FROM touchpoints ORDER BY ts").fetchall()
    assert kept == [("cust-mixed", "signup"), ("cust-mixed", "order"), ("cust-new", "page_view")]
    links = shop.con.execute("SELECT anonymous_id FROM identity_links ORDER BY 1").fetchall()
    assert links == [("dev-late",), ("dev-m2",)]  # loaded recently; a person still here
    assert shop.rejected()["load_id"].tolist() == [5]
    people = shop.con.execute("SELECT DISTINCT person_id FROM stitched ORDER BY 1").fetchall()
    assert people == [("cust-mixed",), ("cust-new",)]
    assert shop.stages().table["reached"].iloc[0] == 2
    log = shop.erasures()
    assert log["action"].tolist() == ["prune"] and log["ids_asked"].tolist() == [0]
    assert json.loads(log["rows"].iloc[0])["touchpoints"] == 4
    data = shop.path.read_bytes()
    assert b"dev-o1" not in data and b"dev-x" not in data


def test_everything_pruned_says_why_and_what_to_set(shop):
    shop.prune(now=NOW + timedelta(days=365), asked_by="test")
    assert shop.count() == 0
    warnings = shop.stages().meta["warnings"]
    assert any("keep_days" in w and "jejak prune" in w and "last 30 days" in w for w in warnings)
    keys = ensure_keys(shop.con)
    with running(create_app(shop)) as base:  # the API (and the dashboard) say it too
        answer = httpx.get(
            base + "/v1/analyses/stages",
            headers={"Authorization": f"Bearer {keys['read']}"},
            timeout=60,
        )
    assert answer.status_code == 200
    assert answer.json()["meta"]["warnings"] == warnings


def test_prune_without_keep_days_says_what_to_set(tmp_path):
    with (
        jejak.Workspace(tmp_path / "w.duckdb") as ws,
        pytest.raises(ConfigError, match="keep_days: 365"),
    ):
        ws.prune()


@pytest.mark.parametrize("value", ["0", "-3", "soon", "1.5", "true"])
def test_keep_days_must_be_a_whole_number_of_days(tmp_path, value):
    path = tmp_path / "jejak.yaml"
    path.write_text(f"timezone: UTC\nkeep_days: {value}\n", "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert message.startswith(f"{path} line 2: 'keep_days'") and "whole number" in message


def test_jejak_prune_on_the_clock(tmp_path):
    now = datetime.now(UTC)
    rows = [
        ("c-old", now - timedelta(days=400), "page_view"),
        ("c-old", now - timedelta(days=399), "order"),
        ("c-both", now - timedelta(days=380), "page_view"),
        ("c-both", now - timedelta(days=10), "order"),
        ("c-new", now - timedelta(days=1), "page_view"),
    ]
    text = "customer_id,ts,event\n" + "".join(
        f"{c},{ts.isoformat(timespec='seconds')},{e}\n" for c, ts, e in rows
    )
    (tmp_path / "events.csv").write_text(text, "utf-8")
    (tmp_path / "jejak.yaml").write_text("workspace: w.duckdb\nkeep_days: 365\n", "utf-8")
    assert spawn("load", "events.csv", cwd=tmp_path).returncode == 0
    done = spawn("prune", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Kept the last 365\u00a0days" in done.stdout and "touchpoints 3" in done.stdout
    assert "People removed: 1." in done.stdout  # c-old
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        assert ws.count() == 2
        assert ws.erasures()["asked_by"].tolist() == ["cli"]
    (tmp_path / "jejak.yaml").write_text("workspace: w.duckdb\n", "utf-8")
    done = spawn("prune", cwd=tmp_path)
    assert done.returncode == 1 and "keep_days" in done.stderr
