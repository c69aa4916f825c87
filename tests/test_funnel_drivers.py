"""Drivers of a funnel's step: every value tested at once on moving on from one step to
the next, on a hand-made log (both engines), through each face, and on the simulated
shop's planted driver expressed as a funnel of its own touchpoints."""

from __future__ import annotations

import json
import math

import httpx
import pandas as pd
import pytest
from scipy import stats

import jejak
from invoking import invoke as run
from serving import running

# Everyone visits (kunjungan) on day 0 and puts something in the basket (keranjang) on
# day 1, except b6; the window is 7 days from the visit, so it closes on day 7, and the
# data end on day 10 (z). Days below are since the basket (step 2):
#   b1: review (ulasan_baca, channel iklan) at 0.5, pays (bayar) at 2
#   b2: basket with {"ukuran": "M"}, pays at 0.5
#   b3: review (iklan) at 0.5, never pays: time until the window closes, 6 days
#   b4: stays                                b5: pays on day 9 (8): after the window
#   b6: only visits                          b7: review at -0.5 (before step 2), pays at 1
# b5's late review (day 8) comes after its window closed, so it does not count either.
STEPS_LOG = """
customer_id,ts,event,channel,properties
b1,2026-01-01 00:00,kunjungan,,
b1,2026-01-02 00:00,keranjang,,
b1,2026-01-02 12:00,ulasan_baca,iklan,
b1,2026-01-04 00:00,bayar,,
b2,2026-01-01 00:00,kunjungan,,
b2,2026-01-02 00:00,keranjang,,"{""ukuran"": ""M""}"
b2,2026-01-02 12:00,bayar,,
b3,2026-01-01 00:00,kunjungan,,
b3,2026-01-02 00:00,keranjang,,
b3,2026-01-02 12:00,ulasan_baca,iklan,
b4,2026-01-01 00:00,kunjungan,,
b4,2026-01-02 00:00,keranjang,,
b5,2026-01-01 00:00,kunjungan,,
b5,2026-01-02 00:00,keranjang,,
b5,2026-01-09 00:00,ulasan_baca,iklan,
b5,2026-01-10 00:00,bayar,,
b6,2026-01-01 00:00,kunjungan,,
b7,2026-01-01 00:00,kunjungan,,
b7,2026-01-01 12:00,ulasan_baca,,
b7,2026-01-02 00:00,keranjang,,
b7,2026-01-03 00:00,bayar,,
z,2026-01-11 00:00,kunjungan,,
"""
STEPS = ["kunjungan", "keranjang", "bayar"]


def rows(table: pd.DataFrame) -> dict:
    return {(r["field"], r["value"]): r for r in table.to_dict(orient="records")}


def two_sided(ratio: float, variance: float) -> float:
    return 2 * (1 - stats.norm.cdf(abs(math.log(ratio)) / math.sqrt(variance)))


@pytest.fixture
def steps_log(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("langkah.csv", STEPS_LOG))
    return on_engine(ws)


def test_every_value_on_moving_on_from_a_step(steps_log):
    result = steps_log.funnel_drivers(STEPS, 2, window="7d", properties=["ukuran"], min_people=1)
    got = rows(result.table)
    # bands of days since the basket (0, 1], (1, 3], (3, 7]: time with / without (days),
    # moves with / without; the people at step 2 are b1-b5 and b7 (T: all their time)
    # review (b1, b3 from 0.5): 1 / 4.5, 0 / 2 (b2, b7); 3 / 4, 1 / 0 (b1); 3 / 6, 0 / 0
    #   MH = (1 x 4/7) / (2 x 1/5.5) = 11/7; variance (2 x 1 x 4.5 / 5.5² + 1 x 3 x 4 / 7²)
    #   / (4/7 x 2/5.5)
    # size M (b2 from 0): 0.5 / 5, 1 / 1 (b7); 0 / 7, 0 / 1 (b1)
    #   MH = (1 x 5/5.5) / (1 x 0.5/5.5) = 10; variance (2 x 0.5 x 5 / 5.5²) / (5/5.5 x 0.5/5.5)
    review = (11 / 7, (2 * 4.5 / 5.5**2 + 12 / 49) / (4 / 7 * 2 / 5.5))
    size = (10.0, (5 / 5.5**2) / (5 / 5.5 * 0.5 / 5.5))
    expected = {
        ("event", "ulasan_baca"): (2, 1, 4, 2, review),
        ("channel", "iklan"): (2, 1, 4, 2, review),
        ("properties.ukuran", "M"): (1, 1, 5, 2, size),
    }
    assert size[1] == pytest.approx(2.0)
    p = {key: two_sided(*value[-1]) for key, value in expected.items()}
    q = dict(zip(p, stats.false_discovery_control(list(p.values()), method="bh"), strict=True))
    for key, (
        people_with,
        moved_with,
        people_without,
        moved_without,
        (ratio, var),
    ) in expected.items():
        row = got[key]
        assert (row["step"], row["label"]) == (2, "keranjang")
        counts = (row["people_with"], row["moved_with"], row["people_without"])
        assert (*counts, row["moved_without"]) == (
            people_with,
            moved_with,
            people_without,
            moved_without,
        )
        assert row["rate_ratio"] == pytest.approx(ratio)
        spread = 1.959963984540054 * math.sqrt(var)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            (ratio * math.exp(-spread), ratio * math.exp(spread))
        )
        assert row["p_value"] == pytest.approx(p[key])
        assert row["q_value"] == pytest.approx(q[key])
        assert row["verdict"] == "unclear"
    # everyone at step 2 had the basket itself: nobody to compare with, not tested; the
    # payments came with the move on (b1, b2, b7) or after the window (b5): never before
    assert got[("event", "keranjang")]["verdict"] == "too few people"
    assert got[("event", "keranjang")]["people_without"] == 0
    assert ("event", "bayar") not in got and ("event", "kunjungan") not in got
    assert set(result.table.columns[:2]) == {"step", "label"}
    assert result.meta["tested"] == 3
    # the people are the funnel's: 6 reached the basket, 3 paid within the window
    assert (result.meta["people"], result.meta["moved"]) == (6, 3)
    funnel = steps_log.funnel(STEPS, window="7d").table
    assert tuple(funnel.loc[1, ["entered", "converted_to_next"]]) == (6, 3)
    assert (result.meta["label"], result.meta["next"]) == ("keranjang", "bayar")
    assert result.title == "What drives people on from keranjang to bayar"


def test_the_first_step_and_bad_requests(steps_log):
    first = rows(steps_log.funnel_drivers(STEPS, 1, window="7d", min_people=1).table)
    # b7's review came between the visit and the basket: it counts at step 1 only
    assert (
        first[("event", "ulasan_baca")]["people_with"],
        first[("event", "ulasan_baca")]["moved_with"],
    ) == (1, 1)
    assert first[("event", "kunjungan")]["people_without"] == 0
    with pytest.raises(jejak.JejakError, match=r"move on from a step 1\.\.2 of this 3-step funnel"):
        steps_log.funnel_drivers(STEPS, 3)
    with pytest.raises(jejak.JejakError, match="cannot look for drivers in 'warna'"):
        steps_log.funnel_drivers(STEPS, 1, fields=["warna"])


def test_funnel_drivers_from_the_cli_and_the_api(tmp_path):
    (tmp_path / "log.csv").write_text(STEPS_LOG.strip() + "\n", "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    ask = ["drivers", "--funnel", "kunjungan,keranjang,bayar", "--step", "2", "--window", "7d"]
    done = run(*ask, "--property", "ukuran", "--min-people", "1", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    size = next(r for r in answer["table"] if r["field"] == "properties.ukuran")
    assert (size["step"], size["label"], size["rate_ratio"]) == (2, "keranjang", pytest.approx(10))
    # the same funnel with its steps repeated, as jejak segments save takes them
    repeated = ["--funnel", "kunjungan", "--funnel", "keranjang", "--funnel", "bayar"]
    done = run(
        "drivers", *repeated, "--step", "2", "--window", "7d", "--min-people", "1", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "What drives people on from keranjang to bayar" in done.stdout
    line = next(line for line in done.stdout.splitlines() if "ulasan_baca" in line)
    assert "1.57x" in line
    assert "6 people reached keranjang; 3 of them went on to bayar within the window." in (
        " ".join(done.stdout.split())
    )
    done = run("drivers", "--funnel", "kunjungan,bayar", cwd=tmp_path)
    assert done.returncode == 2 and "--funnel needs --step" in done.stderr
    done = run("drivers", "--step", "1", cwd=tmp_path)
    assert done.returncode == 2 and "--step goes with --funnel" in done.stderr
    done = run("drivers", "--funnel", "kunjungan,bayar", "--step", "2", cwd=tmp_path)
    assert done.returncode == 1 and "move on from a step 1..1 of this 2-step funnel" in done.stderr

    from jejak.server import create_app
    from jejak.server.keys import ensure_keys

    with jejak.Workspace(tmp_path / "api.duckdb") as ws:
        ws.load(tmp_path / "log.csv")
        keys = ensure_keys(ws.con)
        expected = ws.funnel_drivers(
            STEPS, 2, window="7d", properties=["ukuran"], min_people=1
        ).to_dict()
        with running(create_app(ws)) as base:
            got = httpx.get(
                base + "/v1/analyses/funnel-drivers",
                params={
                    "steps": STEPS,
                    "step": 2,
                    "window": "7d",
                    "property": "ukuran",
                    "min_people": 1,
                },
                headers={"Authorization": f"Bearer {keys['read']}"},
                timeout=60,
            ).json()
    pd.testing.assert_frame_equal(pd.DataFrame(got["table"]), pd.DataFrame(expected["table"]))
    assert (got["meta"]["people"], got["meta"]["moved"]) == (6, 3)


def test_the_planted_driver_from_the_funnel_of_its_own_touchpoints(demo_plan_shop):
    shop, ws = demo_plan_shop(20_000, seed=7)  # shared with the stage drivers' recovery test
    truth = shop.truth["driver"]
    assert truth["transition"] == "Convert -> Excite"
    # Convert -> Excite in the demo's own events: the first order, then the onboarding
    result = ws.funnel_drivers(["order", "onboarding_complete"], 1, window="365d")
    first = result.table.iloc[0]
    # planted: twice as fast on (seed 7: 1.90, 1.73 to 2.08, as on the stage)
    assert (first["field"], first["value"]) == ("event", truth["event"])
    assert first["verdict"] == "drives" and first["q_value"] < 1e-6
    assert first["ci_low"] < truth["effect"] < first["ci_high"]
    assert first["people_with"] + first["people_without"] == result.meta["people"]
    funnel = ws.funnel(["order", "onboarding_complete"], window="365d").table
    assert result.meta["people"] == funnel.loc[0, "entered"]
    assert result.meta["moved"] == funnel.loc[0, "converted_to_next"]
