"""Drivers: every value tested at once on moving on from a stage, on hand-made logs (both
engines), through each face, and on the simulated shop's planted driver."""

from __future__ import annotations

import json
import math

import httpx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import jejak
from invoking import invoke as run
from serving import running

JOURNEY = jejak.Journey.model_validate(
    {
        "name": "small",
        "stages": [
            {"name": "Visit", "rules": [{"any": True}]},
            {"name": "Browse", "rules": [{"event": "product_view"}]},
            {"name": "Buy", "rules": [{"event": "order"}]},
        ],
    }
)

# test_effectiveness's timed log, with channels and a property. Everyone enters Visit on
# day 0; the data end on day 6 (z arrives then and spends no time anywhere).
#   r1 (ads, size M): review day 0.5, browses day 2   r2 (search): browses day 1.5
#   r3 (ads): review day 0.5                            r4: stays   r6: browses day 2.5
TIMED = """
customer_id,ts,event,channel,properties
r1,2026-01-01 00:00,page_view,ads,"{""size"": ""M""}"
r1,2026-01-01 12:00,review_read,,
r1,2026-01-03 00:00,product_view,,
r2,2026-01-01 00:00,page_view,search,
r2,2026-01-02 12:00,product_view,,
r3,2026-01-01 00:00,page_view,ads,
r3,2026-01-01 12:00,review_read,,
r4,2026-01-01 00:00,page_view,,
r6,2026-01-01 00:00,page_view,,
r6,2026-01-03 12:00,product_view,,
z,2026-01-07 00:00,page_view,,
"""


def rows(table: pd.DataFrame) -> dict:
    return {(r["field"], r["value"]): r for r in table.to_dict(orient="records")}


def two_sided(ratio: float, variance: float) -> float:
    """The p-value of a ratio of 1, from its logarithm's variance."""
    return 2 * (1 - stats.norm.cdf(abs(math.log(ratio)) / math.sqrt(variance)))


def benjamini_hochberg(p: list[float]) -> list[float]:
    """q_i = min over j with p_j >= p_i of p_j m / rank_j, written out."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    q = [0.0] * m
    running_min = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running_min = min(running_min, p[i] * m / rank)
        q[i] = running_min
    return q


@pytest.fixture
def timed(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("timed.csv", TIMED))
    return on_engine(ws)


def test_every_value_with_its_ratio_p_and_q_value(timed):
    result = timed.drivers(properties=["size"], min_people=1)
    got = rows(result.table)
    # Bands of days in Visit (0, 1], (1, 3], (3, 7] (days with / without; moves with /
    # without); MH = sum(d1 t0 / T) / sum(d0 t1 / T), Greenland-Robins variance of its log.
    # review_read (from day 0.5): 1 / 4, 0 / 0; 3 / 4, 1 / 2; 3 / 3, 0 / 0
    #   -> (1 x 4/7) / (2 x 3/7) = 2/3, variance (3 x 3 x 4 / 49) / (4/7 x 6/7) = 1.5
    # channel ads (r1, r3 from day 0): 2 / 3, 0 / 0; 3 / 4, 1 / 2; 3 / 3, 0 / 0 -> 2/3, 1.5
    # channel search (r2): 1 / 4, 0 / 0; 0.5 / 6.5, 1 / 2; 0 / 6 -> 6.5, (9.75/49)/(6.5/49) = 1.5
    # size M (r1): 1 / 4, 0 / 0; 1 / 6, 1 / 2; 0 / 6 -> (6/7) / (2/7) = 3, 1.5
    expected = {
        ("event", "review_read"): (2, 1, 3, 2, 2 / 3),
        ("channel", "ads"): (2, 1, 3, 2, 2 / 3),
        ("channel", "search"): (1, 1, 4, 2, 6.5),
        ("properties.size", "M"): (1, 1, 4, 2, 3.0),
    }
    p = {key: two_sided(ratio, 1.5) for key, (*_, ratio) in expected.items()}
    q = dict(zip(p, benjamini_hochberg(list(p.values())), strict=True))
    # the hand-written correction is scipy's
    assert list(q.values()) == pytest.approx(
        list(stats.false_discovery_control(list(p.values()), method="bh"))
    )
    for key, (people_with, moved_with, people_without, moved_without, ratio) in expected.items():
        row = got[key]
        assert row["stage"] == "Visit" and row["stage_index"] == 1
        counts = (row["people_with"], row["moved_with"], row["people_without"])
        assert (*counts, row["moved_without"]) == (
            people_with,
            moved_with,
            people_without,
            moved_without,
        )
        assert row["rate_ratio"] == pytest.approx(ratio)
        spread = 1.959963984540054 * math.sqrt(1.5)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            (ratio * math.exp(-spread), ratio * math.exp(spread))
        )
        assert row["p_value"] == pytest.approx(p[key])
        assert row["q_value"] == pytest.approx(q[key])
        assert row["verdict"] == "unclear"
    # everyone in Visit had a page view and everyone in Browse a product view: nobody to
    # compare with, so not tested (and not counted in the correction)
    assert got[("event", "page_view")]["verdict"] == "too few people"
    assert math.isnan(got[("event", "page_view")]["q_value"])
    assert got[("event", "product_view")]["stage"] == "Browse"
    assert result.meta["tested"] == 4
    assert result.meta["fields"] == ["event", "channel", "campaign", "properties.size"]


def test_one_stage_and_bad_requests(timed):
    browse = timed.drivers(stage="Browse", min_people=1).table
    assert set(browse["stage"]) == {"Browse"}
    assert list(browse["value"]) == ["product_view"]
    with pytest.raises(jejak.JejakError, match="'Buy' is not a stage one moves on from"):
        timed.drivers(stage="Buy")
    with pytest.raises(jejak.JejakError, match="cannot look for drivers in 'colour'"):
        timed.drivers(fields=["colour"])


def coupon_log() -> str:
    """40 people enter Visit on day 0 (the data end on day 6). 20 had a coupon then: 15 of
    them browse on day 0.5, 5 stay; of the 20 without, 5 browse on day 0.5 and 15 stay.
    Channel ads: 12 coupon movers and the first 8 without (5 movers, 3 stayers); search:
    the other 20 (3 movers, 17 stayers)."""
    lines = ["customer_id,ts,event,channel"]
    for n in range(40):
        coupon, moves = n < 20, n < 15 or 20 <= n < 25
        channel = "ads" if n < 12 or 20 <= n < 28 else "search"
        who = f"p{n:02d}"
        lines.append(f"{who},2026-01-01 00:00,page_view,{channel}")
        if coupon:
            lines.append(f"{who},2026-01-01 00:00,coupon,")
        if moves:
            lines.append(f"{who},2026-01-01 12:00,product_view,")
    lines.append("z,2026-01-07 00:00,page_view,")
    return "\n".join(lines)


def test_drivers_and_brakes_after_the_correction(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("coupon.csv", coupon_log()))
    result = on_engine(ws).drivers(stage="Visit", min_people=20)
    got = rows(result.table)
    # only the first band, (0, 1] day, has moves; T = 30 person-days there
    # coupon: with 15 x 0.5 + 5 = 12.5 days, 15 moves; without 17.5 days, 5 moves
    #   MH = (15 x 17.5 / 30) / (5 x 12.5 / 30) = 4.2,
    #   variance (20 x 12.5 x 17.5 / 900) / (8.75 x 12.5 / 6)
    # ads: with 17 x 0.5 + 3 = 11.5 days, 17 moves; without 18.5 days, 3 moves
    #   MH = (17 x 18.5) / (3 x 11.5),
    #   variance (20 x 11.5 x 18.5 / 900) / (17 x 18.5 x 3 x 11.5 / 900)
    # search is ads mirrored: the inverse ratio, the same variance
    coupon = (8.75 / (12.5 / 6), (20 * 12.5 * 17.5 / 900) / (8.75 * 12.5 / 6))
    ads = ((17 * 18.5) / (3 * 11.5), (20 * 11.5 * 18.5) / (17 * 18.5 * 3 * 11.5))
    search = (1 / ads[0], ads[1])
    tested = {("event", "coupon"): coupon, ("channel", "ads"): ads, ("channel", "search"): search}
    p = {key: two_sided(*value) for key, value in tested.items()}
    q = dict(zip(p, stats.false_discovery_control(list(p.values()), method="bh"), strict=True))
    assert coupon[0] == pytest.approx(4.2)
    for key, (ratio, _) in tested.items():
        assert got[key]["rate_ratio"] == pytest.approx(ratio)
        assert got[key]["p_value"] == pytest.approx(p[key])
        assert got[key]["q_value"] == pytest.approx(q[key])
        assert (got[key]["people_with"], got[key]["people_without"]) == (20, 20)
    # q: ads and search tie at the smallest p (x 3/2), coupon's is its own (x 3/3)
    assert q[("channel", "ads")] == pytest.approx(p[("channel", "ads")] * 3 / 2)
    assert q[("event", "coupon")] == pytest.approx(p[("event", "coupon")])
    assert q[("event", "coupon")] < 0.05
    verdicts = {key: got[key]["verdict"] for key in tested}
    assert verdicts == {
        ("event", "coupon"): "drives",
        ("channel", "ads"): "drives",
        ("channel", "search"): "holds back",
    }
    # the people each concerns: the moves gained (moved_with - moved_with / ratio) or lost
    concerned = {
        ("event", "coupon"): 15 - 15 / coupon[0],
        ("channel", "ads"): 17 - 17 / ads[0],
        ("channel", "search"): 3 / search[0] - 3,
    }
    for key, people in concerned.items():
        assert got[key]["people_concerned"] == pytest.approx(people)
    # the called values first, most people concerned first, then the others
    assert [(r["field"], r["value"]) for _, r in result.table.iterrows()] == [
        ("channel", "search"),
        ("channel", "ads"),
        ("event", "coupon"),
        ("event", "page_view"),
    ]
    assert result.meta["tested"] == 3


def test_a_campaign_is_a_driver_as_a_channel_is(open_workspace, write_file, on_engine):
    # the coupon log, with the ads people's first touch from campaign "lebaran" and the
    # first five search people's from campaign "ramadan" (p28-p32: none of them moves)
    lines = coupon_log().splitlines()
    named = [lines[0] + ",campaign"]
    for line in lines[1:]:
        who, _, event, channel = line.split(",")
        number = int(who[1:]) if who != "z" else -1
        campaign = ""
        if event == "page_view" and channel == "ads":
            campaign = "lebaran"
        elif event == "page_view" and 28 <= number < 33:
            campaign = "ramadan"
        named.append(f"{line},{campaign}")
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("campaigns.csv", "\n".join(named)))
    got = rows(on_engine(ws).drivers(stage="Visit", min_people=5).table)
    ads, lebaran = got["channel", "ads"], got["campaign", "lebaran"]
    counted = ["people_with", "moved_with", "people_without", "moved_without"]
    assert [lebaran[c] for c in counted] == [ads[c] for c in counted] == [20, 17, 20, 3]
    assert lebaran["rate_ratio"] == pytest.approx((17 * 18.5) / (3 * 11.5))
    assert lebaran["verdict"] == "drives"
    # ramadan: 5 people, none of whom moves; the other 35 hold all 20 moves
    ramadan = got["campaign", "ramadan"]
    assert [ramadan[c] for c in counted] == [5, 0, 35, 20]
    assert ramadan["verdict"] != "drives"


def test_drivers_from_the_cli_and_the_api(tmp_path, write_file):
    (tmp_path / "log.csv").write_text(TIMED.strip() + "\n", "utf-8")
    (tmp_path / "jejak.yaml").write_text(
        "journey:\n  name: small\n  stages:\n"
        "    - {name: Visit, rules: [{any: true}]}\n"
        "    - {name: Browse, rules: [{event: product_view}]}\n"
        "    - {name: Buy, rules: [{event: order}]}\n",
        "utf-8",
    )
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("drivers", "--stage", "Visit", "--min-people", "1", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    search = next(r for r in answer["table"] if r["value"] == "search")
    assert search["rate_ratio"] == pytest.approx(6.5)
    done = run("drivers", "--stage", "Visit", "--min-people", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if "channel: search" in line)
    assert "6.50x" in line
    done = run("drivers", "--stage", "Buy", cwd=tmp_path)
    assert done.returncode == 1 and "is not a stage one moves on from" in done.stderr

    from jejak.server import create_app
    from jejak.server.keys import ensure_keys

    with jejak.Workspace(tmp_path / "api.duckdb", jejak.Settings(journey=JOURNEY)) as ws:
        ws.load(tmp_path / "log.csv")
        keys = ensure_keys(ws.con)
        expected = ws.drivers(properties=["size"], min_people=1).to_dict()
        with running(create_app(ws)) as base:
            got = httpx.get(
                base + "/v1/analyses/drivers",
                params={"property": "size", "min_people": 1},
                headers={"Authorization": f"Bearer {keys['read']}"},
                timeout=60,
            ).json()
    pd.testing.assert_frame_equal(pd.DataFrame(got["table"]), pd.DataFrame(expected["table"]))
    assert got["meta"]["fields"] == ["event", "channel", "campaign", "properties.size"]


def test_the_figure_and_the_report_section(timed):
    from jejak.report.html import driver_sections

    result = timed.drivers(min_people=2)
    figure = result.figure()
    names = {trace.name for trace in figure.data}
    assert {"unclear", "too few people"} <= names
    # hollow markers for too few people, as touchpoint effects draw them
    few = [t for t in figure.data if t.name == "too few people" and t.y and t.y[0] is not None]
    assert all("open" in symbol for t in few for symbol in np.atleast_1d(t.marker.symbol))
    (section,) = driver_sections(result)
    assert section.heading == result.title
    assert "q-value" in section.table.columns


def test_the_planted_driver_comes_first_on_its_transition_only(demo_plan_shop):
    shop, ws = demo_plan_shop(20_000, seed=7)  # shared with the experience recovery tests
    truth = shop.truth["driver"]
    assert truth["transition"] == "Convert -> Excite"
    table = ws.drivers().table
    planted = table[table["value"] == truth["event"]].set_index("stage")
    convert = table[table["stage"] == "Convert"].iloc[0]
    # planted: twice as fast on from Convert (seed 7: 1.90, 1.73 to 2.08)
    assert (convert["field"], convert["value"]) == ("event", truth["event"])
    assert convert["verdict"] == "drives" and convert["q_value"] < 1e-6
    assert convert["ci_low"] < truth["effect"] < convert["ci_high"]
    # after the move on it changes nothing, and nowhere else is it called a driver
    assert set(planted.index) >= {"Convert", "Excite"}
    others = planted.drop(index="Convert")
    assert not others["verdict"].isin(["drives", "holds back"]).any()
    assert ((others["ci_low"] < 1) & (others["ci_high"] > 1)).all()
    seen = ws.events().filter(lambda t: t.event == truth["event"]).count().to_pandas()
    assert seen == truth["people"]
