"""The journey map on a hand-written log, on both engines."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import jejak

JOURNEY = jejak.Journey.model_validate(
    {
        "name": "small",
        "stages": [
            {"name": "Visit", "rules": [{"any": True}]},
            {"name": "Browse", "rules": [{"event": "product_view"}]},
            {"name": "Signup", "rules": [{"event": "signup"}]},
            {"name": "Buy", "rules": [{"event": "order"}]},
        ],
    }
)

LOG = """
customer_id,ts,event,channel,context,need,properties
m1,2026-01-01 00:00:00,page_view,ads,curiosity,learn,
m1,2026-01-01 00:01:00,product_view,,comparison,save-money,
m1,2026-01-01 00:02:00,review_read,,comparison,,"{""rating"": 4}"
m1,2026-01-01 00:03:00,review_read,,comparison,,"{""rating"": 2}"
m1,2026-01-01 00:04:00,signup,,,,
m2,2026-01-01 00:00:00,page_view,ads,curiosity,learn,
m2,2026-01-01 00:01:00,product_view,,curiosity,,
m3,2026-01-01 00:00:00,page_view,search,comparison,learn,
"""


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def cells(table: pd.DataFrame) -> dict[tuple[str, str], dict]:
    return {(r["stage"], r["touchpoint"]): r for r in table.to_dict(orient="records")}


def test_touchpoints_per_stage(shop):
    result = shop.journey_map()
    got = cells(result.table)
    assert set(got) == {
        ("Visit", "page_view"),
        ("Browse", "product_view"),
        ("Browse", "review_read"),
        ("Signup", "signup"),
    }
    visit = got[("Visit", "page_view")]
    assert (visit["people"], visit["occurrences"], visit["rank"]) == (3, 3, 1)
    assert visit["moved_on"] == pytest.approx(2 / 3)  # m1 and m2 went on to Browse
    assert (visit["top_context"], visit["context_share"]) == ("curiosity", pytest.approx(2 / 3))
    assert (visit["top_need"], visit["need_share"]) == ("learn", 1.0)
    browse = got[("Browse", "product_view")]
    assert (browse["people"], browse["moved_on"]) == (2, 0.5)
    assert browse["top_context"] == "comparison"  # a tie, broken alphabetically
    assert (browse["top_need"], browse["need_share"]) == ("save-money", 1.0)
    reviews = got[("Browse", "review_read")]
    assert (reviews["people"], reviews["occurrences"], reviews["rank"]) == (1, 2, 2)
    assert reviews["rating"] == pytest.approx(3.0)
    assert got[("Signup", "signup")]["moved_on"] == 0.0
    assert pd.isna(visit["rating"])


def test_one_map_per_segment_and_top(shop):
    result = shop.journey_map(by="channel", top=1)
    table = result.table
    assert table["channel"].unique().tolist() == ["ads", "search"]
    ads = cells(table[table.channel == "ads"])
    assert ads[("Visit", "page_view")]["moved_on"] == 1.0
    assert ("Browse", "review_read") not in ads  # top=1: only product_view in Browse
    search = cells(table[table.channel == "search"])
    assert list(search) == [("Visit", "page_view")]
    assert search[("Visit", "page_view")]["moved_on"] == 0.0
    figure = result.figure()
    assert len(figure.data) == 2  # one map per channel
    assert "page_view" in figure.data[0].text[0][0]


def test_last_stage_has_no_moved_on(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("buy.csv", "customer_id,ts,event\nb1,2026-01-01 00:00:00,order"))
    buy = cells(on_engine(ws).journey_map().table)[("Buy", "order")]
    assert buy["people"] == 1 and pd.isna(buy["moved_on"])


def test_ties_in_time_keep_the_touchpoints_order(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(
        write_file(
            "ties.csv",
            """
            event_id,customer_id,ts,event
            e1,t1,2026-01-01 00:00:00,page_view
            e2,t1,2026-01-01 00:01:00,product_view
            e3,t1,2026-01-01 00:01:00,signup
            e4,t1,2026-01-01 00:01:00,review_read
            """,
        )
    )
    got = cells(on_engine(ws).journey_map().table)
    # product_view (e2) comes before the signup (e3) in the same second: it is in Browse
    assert set(got) == {
        ("Visit", "page_view"),
        ("Browse", "product_view"),
        ("Signup", "signup"),
        ("Signup", "review_read"),
    }


def test_wall_chart_has_one_lane_per_segment_with_stages_aligned(shop):
    from jejak.report.journey_wall import journey_wall_html, moved_on_colour

    result = shop.journey_map(by="channel")
    wall = journey_wall_html(result.table, result.meta["stages"], "channel")
    stages = re.findall(r'<div class="stage"><small>Stage (\d)</small>(\w+)</div>', wall)
    assert stages == [("1", "Visit"), ("2", "Browse"), ("3", "Signup"), ("4", "Buy")]
    lanes = re.findall(r'<div class="lane">(.*?)</div>', wall)
    assert lanes == ["ads", "search"]
    # each lane has one cell per stage, in stage order: 2 lanes x 4 stages
    cells_ = re.findall(r'<div class="cell">(.*?)</div>(?=<div class="(?:cell|lane)"|</div>)', wall)
    assert len(cells_) == 8
    ads_visit, ads_browse, ads_signup, ads_buy = cells_[:4]
    assert "<b>page_view</b>" in ads_visit and "2 people · 100% moved on" in ads_visit
    assert ads_browse.index("product_view") < ads_browse.index("review_read")  # by people
    assert "rated 3.0 of 5" in ads_browse and "comparison / save-money" in ads_browse
    assert "<b>signup</b>" in ads_signup and "0% moved on" in ads_signup
    assert "nobody" in ads_buy and "nobody" in cells_[5]  # search: nobody in Browse
    green = "rgb({},{},{})".format(*moved_on_colour(1.0))
    red = "rgb({},{},{})".format(*moved_on_colour(0.0))
    assert green in ads_visit and red in cells_[4]  # search's page_view: nobody moved on
    assert moved_on_colour(0.5) == (220, 160, 40) and moved_on_colour(None) == (150, 160, 170)


def test_wall_chart_escapes_names(shop):
    from jejak.report.journey_wall import journey_wall_html

    table = shop.journey_map().table.assign(touchpoint="<script>x</script>")
    wall = journey_wall_html(table, ["<b>Visit</b>", "Browse", "Signup", "Buy"], None)
    assert "<script>" not in wall and "&lt;script&gt;x&lt;/script&gt;" in wall
    assert "&lt;b&gt;Visit&lt;/b&gt;" in wall and 'class="lane"' not in wall
