"""Erasing a person (jejak forget, Workspace.forget, DELETE /v1/people/{id}): nothing of
them is left in any table or in the file's bytes, the analyses lose exactly their
counts, and the erasure log says what went without naming them."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import httpx
import pytest

import jejak
from invoking import spawn
from jejak.model.config import parse_settings
from jejak.server import create_app
from jejak.server.keys import ensure_keys, key_id, new_key
from jejak.server.sessions import start as start_session
from serving import running

# alice: a device (dev-a1) before signing up, then her customer id; bob was referred by
# her; dev-shared is alice's device, once used by carol to sign in (alice's claim is
# earlier, so its anonymous touchpoints are alice's); dave is nobody's business
LOG = """customer_id,anonymous_id,ts,event,channel,properties
,dev-a1,2026-01-01T10:00:00Z,page_view,search,
cust-alice,dev-a1,2026-01-02T10:00:00Z,signup,direct,
cust-alice,,2026-01-03T10:00:00Z,order,direct,"{""coupon"": ""WELCOME""}"
,dev-shared,2026-01-01T09:00:00Z,page_view,search,
cust-alice,dev-shared,2026-01-01T09:30:00Z,page_view,direct,
cust-carol,dev-shared,2026-01-04T09:00:00Z,signup,direct,
cust-carol,,2026-01-05T09:00:00Z,order,direct,
,dev-b1,2026-01-01T11:00:00Z,page_view,ads,"{""referrer_id"": ""cust-alice"", ""page"": ""/x""}"
cust-bob,dev-b1,2026-01-02T11:00:00Z,signup,ads,
cust-dave,,2026-01-02T12:00:00Z,page_view,social,
"""
# a mapping file: alice's second device, and a link of dave's
LINKS = """anonymous_id,customer_id
dev-a2,cust-alice
dev-d1,cust-dave
"""
ALICE = ("cust-alice", "dev-a1", "dev-a2", "dev-shared")
STEPS = ["page_view", "signup", "order"]


@pytest.fixture
def shop(tmp_path: Path, write_file) -> jejak.Workspace:
    alice = {"had": {"where": {"customer_id": "cust-alice"}}}
    settings = jejak.Settings(segments={"alices": alice})
    ws = jejak.Workspace(tmp_path / "w.duckdb", settings)
    ws.load(write_file("log.csv", LOG))
    ws.load_identities(write_file("links.csv", LINKS))
    bad = write_file("bad.csv", "customer_id,ts,event\ncust-alice,not a date,order\n")
    ws.load(bad, skip_invalid=True)  # her refused row, kept raw in rejected_rows
    ws.save_segment("alice-again", alice)
    ws.save_segment("signed-up", {"had": "signup"})
    yield ws
    ws.close()


def holding(con: duckdb.DuckDBPyConnection, ids: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) in the workspace whose text holds one of ``ids`` as a
    word: every table, every VARCHAR and JSON column."""
    word = re.compile("|".join(rf"(?<![\w-]){re.escape(i)}(?![\w-])" for i in ids), re.I)
    found = []
    columns = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns()"
        " WHERE NOT internal AND data_type IN ('VARCHAR', 'JSON')"
        " AND database_name = current_database()"
    ).fetchall()
    for table, column in columns:
        for (value,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall():
            if value is not None and word.search(value):
                found.append((table, column, value))
    return found


def same_as_stitched_whole(ws: jejak.Workspace) -> bool:
    """Whether the stitched tables, changed in place by an erasure, hold what stitching
    what is left again whole gives."""
    order = "SELECT * FROM {} ORDER BY ALL"
    tables = ("stitched", "stitched_links")
    kept = [ws.con.execute(order.format(t)).fetchall() for t in tables]
    assert ws.stitch() == "kept"  # it is of the data as it is
    ws.con.execute("DELETE FROM stitched_state")
    assert ws.stitch() == "built"
    return kept == [ws.con.execute(order.format(t)).fetchall() for t in tables]


def test_forget_by_a_device_erases_the_whole_person(shop):
    before = shop.funnel(STEPS).table["entered"].tolist()
    assert holding(shop.con, ALICE)  # she is there to begin with
    erased = shop.forget(["dev-a1", "nobody-here"], asked_by="test")

    assert erased.ids == {"dev-a1": True, "nobody-here": False}
    assert erased.people == 1
    assert erased.rows["touchpoints"] == 5  # 2 of dev-a1, her order, 2 of dev-shared
    assert erased.rows["touchpoints_device_removed"] == 1  # carol's sign-in on dev-shared
    assert erased.rows["touchpoints_properties_scrubbed"] == 1  # bob's referrer_id
    assert erased.rows["identity_links"] == 1  # dev-a2 (dave's stays)
    assert erased.rows["rejected_rows"] == 1
    assert erased.rows["segments"] == 1  # the saved one naming her; signed-up stays
    assert erased.compacted
    assert holding(shop.con, ALICE) == []
    assert same_as_stitched_whole(shop)

    # page_view: alice, bob, dave (carol's only page view is on alice's device); then
    # signup: alice, bob; then order: alice. Without her each count drops by one
    after = shop.funnel(STEPS).table["entered"].tolist()
    assert before == [3, 2, 1] and after == [2, 1, 0]
    assert shop.con.execute("SELECT count(*) FROM touchpoints").fetchall()[0][0] == 5
    carol = shop.con.execute(
        "SELECT count(*) FROM stitched WHERE person_id = 'cust-carol'"
    ).fetchall()[0][0]
    assert carol == 2  # her touchpoints stay, without the shared device
    bob = shop.con.execute("SELECT properties FROM touchpoints WHERE anonymous_id = 'dev-b1'")
    assert json.loads(bob.fetchall()[0][0]) == {"page": "/x"}
    assert [r[0] for r in shop.con.execute("SELECT name FROM segments").fetchall()] == ["signed-up"]
    assert shop.con.execute("SELECT count(*) FROM identity_links").fetchall()[0][0] == 1

    log = shop.erasures()
    assert log["action"].tolist() == ["forget"] and log["asked_by"].tolist() == ["test"]
    assert log["ids_asked"].tolist() == [2] and log["people"].tolist() == [1]
    assert json.loads(log["rows"].iloc[0])["touchpoints"] == 5
    assert log["compacted_at"].notna().all()
    assert holding(shop.con, ("dev-a1", "nobody-here")) == []  # the log names no one


def test_forgetting_what_is_not_stored_changes_nothing_but_the_log(shop):
    count = shop.count()
    erased = shop.forget(["cust-zed"], asked_by="test")
    assert erased.ids == {"cust-zed": False} and erased.people == 0
    assert erased.rows["touchpoints"] == 0 and shop.count() == count
    assert erased.to_dict()["ids"] == [
        {"id": "cust-zed", "found": False, "note": "nothing stored for this id"}
    ]
    assert len(shop.erasures()) == 1


def test_a_person_id_and_a_mapped_device_name_the_same_person(shop):
    assert shop.forget(["anon:dev-a2"], asked_by="test").people == 1  # her mapped device
    assert holding(shop.con, ALICE) == []
    assert shop.forget(["cust-dave"], asked_by="test").rows["identity_links"] == 1
    assert same_as_stitched_whole(shop)


def test_compaction_keeps_every_table_and_a_failed_swap_keeps_the_file(shop, monkeypatch):
    keys = ensure_keys(shop.con)
    admin = new_key(shop.con, "admin")
    shop.con.execute(
        "CREATE TABLE IF NOT EXISTS dashboard_sessions (hash VARCHAR NOT NULL,"
        " key_hash VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL,"
        " ends_at TIMESTAMPTZ NOT NULL)"
    )
    start_session(shop.con, keys["read"])

    def counts() -> dict[str, int]:
        tables = shop.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1")
        return {
            t: shop.con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
            for (t,) in tables.fetchall()
        }

    counted = counts()
    path = shop.path

    def crash(*args):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        shop.compact()
    monkeypatch.undo()
    assert path.with_name(path.name + ".compacting").exists()  # the copy, not swapped in
    shop.__init__(path, shop.settings)  # the crash midway left the workspace whole
    assert counts() == counted
    assert shop.compact()
    assert not path.with_name(path.name + ".compacting").exists()
    assert counts() == counted and counted["api_keys"] == 3 and counted["dashboard_sessions"] == 1
    hashes = {h for (h,) in shop.con.execute("SELECT left(hash, 8) FROM api_keys").fetchall()}
    assert key_id(admin) in hashes
    assert shop.segment_definitions().keys() >= {"alice-again", "signed-up", "alices"}


@pytest.fixture
def served(shop):
    keys = ensure_keys(shop.con)
    keys["admin"] = new_key(shop.con, "admin")
    app = create_app(shop)
    with running(app) as base:
        yield base, keys, shop, app.state.jejak


def test_delete_needs_the_admin_key_and_says_what_was_erased(served):
    base, keys, ws, _ = served
    url = f"{base}/v1/people/dev-a1"

    def delete(key: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {keys[key]}"} if key else {}
        return httpx.delete(url, headers=headers, timeout=60)

    for kind in (None, "read", "write"):
        assert delete(kind).status_code == 401
    assert ws.count() == 10  # nothing erased by them
    answer = delete("admin")
    assert answer.status_code == 200
    body = answer.json()
    assert body["ids"] == [{"id": "dev-a1", "found": True, "note": None}]
    assert body["people"] == 1 and body["erased"]["touchpoints"] == 5
    assert body["compacted"] is False and "next starts" in body["compaction"]
    again = delete("admin").json()  # a retried request: success, saying so
    assert again["ids"][0]["found"] is False and again["erased"]["touchpoints"] == 0
    assert again["ids"][0]["note"] == "nothing stored for this id"
    with ws.reader() as reading:
        assert holding(reading.con, ALICE) == []
        log = reading.erasures()
    assert log["asked_by"].tolist() == [f"api key {key_id(keys['admin'])}"] * 2
    assert log["compacted_at"].isna().all()  # the file is marked, not rewritten yet


def test_the_next_start_compacts_what_the_api_erased(served):
    base, keys, ws, state = served
    headers = {"Authorization": f"Bearer {keys['admin']}"}
    assert httpx.delete(f"{base}/v1/people/cust-alice", headers=headers).status_code == 200
    # a reader that began before the erasure keeps its answer after it (readers only add)
    with ws.reader() as reading:
        reading.answered("audience", lambda: '{"people": ["cust-alice"]}')
    state.warmer.stop()  # as jejak serve stops: the pages it was building for the new data
    ws.close()
    reopened = jejak.Workspace(ws.path, ws.settings)  # as jejak serve starts
    try:
        assert reopened.erasures()["compacted_at"].notna().all()
        assert holding(reopened.con, ALICE) == []
    finally:
        reopened.close()
    data = ws.path.read_bytes()
    assert not any(i.encode() in data for i in ALICE)


@pytest.fixture(scope="module")
def demo_copy(demo_shop, tmp_path_factory) -> Path:
    path = demo_shop(2_000, 5)
    return Path(shutil.copy(path, tmp_path_factory.mktemp("forget") / path.name))


def test_jejak_forget_on_the_demo(demo_copy):
    with jejak.Workspace(demo_copy) as ws:
        # a referrer who came on a device first: her id is also in others' properties
        chosen = ws.con.execute(
            "SELECT s.person_id, min(s.anonymous_id) FROM stitched s"
            " JOIN (SELECT DISTINCT json_extract_string(properties, '$.referrer_id') AS id"
            " FROM touchpoints) r ON r.id = s.person_id"
            " WHERE s.anonymous_id IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT 1"
        ).fetchall()[0]
        person, device = chosen
        ids = tuple(
            i
            for (i,) in ws.con.execute(
                "SELECT DISTINCT unnest([customer_id, anonymous_id]) FROM stitched"
                " WHERE person_id = ?",
                [person],
            ).fetchall()
            if i is not None
        )
        stages = ws.stages().table.set_index("stage")["reached"]
        reached = set(ws.stage_entries().table.query("person_id == @person")["stage"])
        touchpoints = ws.count()
        own = ws.con.execute(
            "SELECT count(*) FROM stitched WHERE person_id = ?", [person]
        ).fetchall()[0][0]
    data = demo_copy.read_bytes()
    assert all(i.encode() in data for i in ids)  # else the bytes test could not fail

    done = spawn("-w", str(demo_copy), "forget", device, cwd=demo_copy.parent)
    assert done.returncode == 0, done.stderr
    assert f"{device}: erased" in done.stdout and "rewritten" in done.stdout

    data = demo_copy.read_bytes()
    assert not any(i.encode() in data for i in ids)
    with jejak.Workspace(demo_copy) as ws:
        assert holding(ws.con, ids) == []
        assert ws.count() == touchpoints - own
        assert same_as_stitched_whole(ws)
        after = ws.stages().table.set_index("stage")["reached"]
        expected = stages - stages.index.isin(reached).astype(int)
        assert after.tolist() == expected.tolist()
        assert ws.funnel(["page_view", "order"]).table["entered"].iloc[0] > 0
        log = ws.erasures()
        assert log["asked_by"].tolist() == ["cli"] and log["compacted_at"].notna().all()
        assert holding(ws.con, (device,)) == []


def test_forget_by_an_email_a_customer_id_outranks_erases_the_customer(tmp_path, write_file):
    # the device's link to the email lost to the customer id in stitching: the email still
    # names the person the device became
    rows = (
        "event_id,customer_id,anonymous_id,ts,event,email\n"
        "e1,,a1,2026-01-01T10:00:00Z,page_view,Ann@X.id\n"
        "e2,c1,a1,2026-01-02T10:00:00Z,signup,\n"
    )
    settings = parse_settings("sources:\n  web:\n    files: 'web*.csv'\n    ids: {email: email}\n")
    with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
        ws.load(write_file("web.csv", rows))
        erased = ws.forget(["ann@x.id"], compact=False)
        assert erased.ids == {"ann@x.id": True} and erased.people == 1
        assert ws.con.execute("SELECT count(*) FROM touchpoints").fetchall() == [(0,)]
        assert holding(ws.con, ("c1", "a1", "ann@x.id")) == []
