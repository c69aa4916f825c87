"""A split funnel's drivers follow the split: the drivers of one group (a field's value,
or a segment) are those of its people alone, on a hand-made log, on both engines; the
dashboard's funnel page says whose drivers it shows."""

from __future__ import annotations

import pandas as pd
import pytest

import jejak

# x1-x3 come from iklan, y1-y3 from cari; all put something in the basket (keranjang) on
# day 1. The x's read reviews (ulasan_baca) before paying, the y's chat; x3's visit on
# day 10 is the data's last touchpoint, so the data end alike with or without the y's.
ROWS = {
    "x": """x1,2026-01-01 00:00,kunjungan,iklan
x1,2026-01-02 00:00,keranjang,
x1,2026-01-02 12:00,ulasan_baca,
x1,2026-01-04 00:00,bayar,
x2,2026-01-01 00:00,kunjungan,iklan
x2,2026-01-02 00:00,keranjang,
x2,2026-01-02 12:00,bayar,
x3,2026-01-01 00:00,kunjungan,iklan
x3,2026-01-02 00:00,keranjang,
x3,2026-01-02 12:00,ulasan_baca,
x3,2026-01-11 00:00,lihat,
""",
    "y": """y1,2026-01-01 00:00,kunjungan,cari
y1,2026-01-02 00:00,keranjang,
y1,2026-01-02 12:00,chat,
y1,2026-01-03 00:00,bayar,
y2,2026-01-01 00:00,kunjungan,cari
y2,2026-01-02 00:00,keranjang,
y3,2026-01-01 00:00,kunjungan,cari
y3,2026-01-02 00:00,keranjang,
y3,2026-01-02 06:00,chat,
y3,2026-01-02 12:00,bayar,
""",
}
HEADER = "customer_id,ts,event,channel\n"
STEPS = ["kunjungan", "keranjang", "bayar"]
SETTINGS = {"segments": {"dari iklan": {"first": {"channel": "iklan"}}}}


def _source(open_workspace, write_file, rows: str, name: str):
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS), name=f"{name}.duckdb")
    ws.load(write_file(f"{name}.csv", HEADER + rows))
    return ws


@pytest.fixture
def both(open_workspace, write_file, on_engine):
    everyone = _source(open_workspace, write_file, ROWS["x"] + ROWS["y"], "semua")
    alone = _source(open_workspace, write_file, ROWS["x"], "iklan")
    return on_engine(everyone), on_engine(alone)


def test_a_groups_drivers_are_its_people_alone(both):
    everyone, alone = both
    asked = {"window": "7d", "min_people": 1}
    expected = alone.funnel_drivers(STEPS, 2, **asked)
    assert (expected.meta["people"], expected.meta["moved"]) == (3, 2)
    whole = everyone.funnel_drivers(STEPS, 2, **asked)
    assert (whole.meta["people"], whole.meta["moved"]) == (6, 4)
    assert ("event", "chat") in set(zip(whole.table["field"], whole.table["value"], strict=True))
    for by, group in (("channel", "iklan"), ("segment", "dari iklan")):
        found = everyone.funnel_drivers(STEPS, 2, **asked, by=by, group=group)
        assert (found.meta["by"], found.meta["group"]) == (by, group)
        assert (found.meta["people"], found.meta["moved"]) == (3, 2)
        pd.testing.assert_frame_equal(found.table, expected.table)
    with pytest.raises(jejak.JejakError, match="give by and group"):
        everyone.funnel_drivers(STEPS, 2, by="channel")


def test_the_split_funnel_page_shows_the_drivers_of_one_group(open_workspace, write_file):
    from jejak.server.pages import funnels

    ws = _source(open_workspace, write_file, ROWS["x"] + ROWS["y"], "semua")
    params = {"steps": ",".join(STEPS), "window": "7d", "by": "channel"}
    # at the basket, iklan loses one (x3) and cari one (y2): the first of equals, cari
    shown = funnels(ws, params)[-1]
    assert "split by channel: these drivers are of channel = cari only" in shown.intro
    assert "the group that loses the most people at this step" in shown.intro
    assert "6 people reached" not in shown.intro and "3 people reached keranjang" in shown.intro
    chosen = funnels(ws, params | {"drivers_for": "iklan"})[-1]
    assert "these drivers are of channel = iklan only, chosen under 'Drivers for'" in chosen.intro
    split = funnels(ws, params | {"by": "segment", "drivers_for": "dari iklan"})[-1]
    assert "these drivers are of segment dari iklan only" in split.intro
    assert "3 people reached keranjang; 2 of them went on" in split.intro


def test_a_groups_drivers_from_the_cli_and_the_api(tmp_path, write_file):
    import json

    import httpx

    from invoking import invoke as run
    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    (tmp_path / "log.csv").write_text(HEADER + ROWS["x"] + ROWS["y"], "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    ask = ["drivers", "--funnel", ",".join(STEPS), "--step", "2", "--window", "7d"]
    ask += ["--min-people", "1"]
    done = run(*ask, "--by", "channel", "--group", "iklan", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["meta"]["people"], answer["meta"]["moved"]) == (3, 2)
    assert {r["value"] for r in answer["table"]} >= {"ulasan_baca"}
    assert "chat" not in {r["value"] for r in answer["table"]}
    done = run(*ask, "--by", "channel", "--group", "cari", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert "The funnel is split by channel: these drivers are of channel = cari only" in said
    assert "3 people reached keranjang; 2 of them went on to bayar" in said
    done = run(*ask, "--by", "channel", cwd=tmp_path)
    boxed = " ".join(done.stderr.replace("│", " ").split())
    assert done.returncode == 2 and "give --by and --group" in boxed, done.stderr
    done = run("drivers", "--by", "channel", "--group", "iklan", cwd=tmp_path)
    boxed = " ".join(done.stderr.replace("│", " ").split())
    assert done.returncode == 2 and "--by and --group go with --funnel" in boxed, done.stderr

    with jejak.Workspace(tmp_path / "api.duckdb") as ws:
        ws.load(tmp_path / "log.csv")
        keys = ensure_keys(ws.con)
        expected = ws.funnel_drivers(STEPS, 2, window="7d", min_people=1).table
        with running(create_app(ws)) as base:
            params = {"steps": STEPS, "step": 2, "window": "7d", "min_people": 1}
            headers = {"Authorization": f"Bearer {keys['read']}"}

            def asked(**more):
                got = httpx.get(
                    base + "/v1/analyses/funnel-drivers",
                    params=params | more,
                    headers=headers,
                    timeout=60,
                )
                return got.status_code, got.json()

            status, whole = asked()
            assert status == 200 and whole["meta"]["people"] == 6
            pd.testing.assert_frame_equal(pd.DataFrame(whole["table"]), expected)
            status, iklan = asked(by="channel", group="iklan")
            assert status == 200
            assert (iklan["meta"]["people"], iklan["meta"]["moved"]) == (3, 2)
            assert (iklan["meta"]["by"], iklan["meta"]["group"]) == ("channel", "iklan")
            status, refused = asked(by="channel")
            assert status == 422 and "give by and group" in json.dumps(refused)
