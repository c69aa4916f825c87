"""Touchpoint ratios and within-stage effects on a hand-made log, on both engines."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import jejak

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

# a and c buy; b browses; d and e only visit. a, b and e read reviews while visiting.
LOG = """
customer_id,ts,event,channel,revenue
a,2026-01-01 00:00:00,page_view,ads,
a,2026-01-01 00:01:00,review_read,,
a,2026-01-01 00:02:00,review_read,,
a,2026-01-01 00:03:00,product_view,,
a,2026-01-01 00:04:00,order,,100
b,2026-01-01 00:00:00,page_view,search,
b,2026-01-01 00:01:00,review_read,,
b,2026-01-01 00:02:00,product_view,,
c,2026-01-01 00:00:00,page_view,ads,
c,2026-01-01 00:01:00,product_view,,
c,2026-01-01 00:02:00,order,,50
d,2026-01-01 00:00:00,page_view,search,
e,2026-01-01 00:00:00,page_view,ads,
e,2026-01-01 00:01:00,review_read,,
"""


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def rows(table: pd.DataFrame, key: str) -> dict:
    return {r[key]: r for r in table.to_dict(orient="records")}


def test_touchpoint_to_purchase_ratios(shop):
    result = shop.touchpoint_ratios("order")
    got = rows(result.table, "event")
    assert list(result.table["event"]) == ["page_view", "product_view", "review_read", "order"]
    assert (got["page_view"]["reach"], got["page_view"]["occurrences"]) == (5, 5)
    assert (got["review_read"]["reach"], got["review_read"]["occurrences"]) == (3, 4)
    assert got["review_read"]["converting_journeys"] == 1  # a's
    assert got["review_read"]["per_conversion"] == 2.0  # a read two reviews before buying
    assert got["review_read"]["share_of_conversions"] == 0.5
    assert got["product_view"]["per_conversion"] == 1.0
    assert got["product_view"]["share_of_conversions"] == 1.0
    # the order is the conversion itself, not a touch on the way to it
    assert got["order"]["converting_journeys"] == 0 and math.isnan(got["order"]["per_conversion"])
    assert result.meta["conversions"] == 2


def test_ratios_by_channel(shop):
    got = rows(shop.touchpoint_ratios("order", by="channel").table, "channel")
    assert (got["ads"]["reach"], got["ads"]["converting_journeys"]) == (3, 2)
    assert (got["search"]["reach"], got["search"]["converting_journeys"]) == (2, 0)
    assert got["ads"]["share_of_conversions"] == 1.0


def wilson(moved: int, people: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = moved / people
    centre = (p + z * z / (2 * people)) / (1 + z * z / people)
    half = z * math.sqrt(p * (1 - p) / people + z * z / (4 * people**2)) / (1 + z * z / people)
    return centre - half, centre + half


def test_effects_within_a_stage(shop):
    result = shop.touchpoint_effects(min_people=1)
    table = result.table
    assert set(table["stage"]) == {"Visit", "Browse"}  # the last stage has no later one
    visit = rows(table[table.stage == "Visit"], "event")
    reviews = visit["review_read"]
    # with: a, b, e (a and b moved on); without: c, d (c moved on)
    assert (reviews["people_with"], reviews["people_without"]) == (3, 2)
    assert reviews["moved_on_with"] == pytest.approx(2 / 3)
    assert reviews["moved_on_without"] == 0.5
    assert reviews["difference"] == pytest.approx(1 / 6)
    # Newcombe's interval from the two Wilson intervals, worked out here
    l1, u1 = wilson(2, 3)
    l2, u2 = wilson(1, 2)
    d = 2 / 3 - 1 / 2
    assert reviews["ci_low"] == pytest.approx(d - math.hypot(2 / 3 - l1, u2 - 1 / 2))
    assert reviews["ci_high"] == pytest.approx(d + math.hypot(u1 - 2 / 3, 1 / 2 - l2))
    assert reviews["verdict"] == "unclear"
    everyone = visit["page_view"]
    assert (everyone["people_with"], everyone["people_without"]) == (5, 0)
    assert everyone["moved_on_with"] == 0.6 and everyone["verdict"] == "too few people"
    browse = rows(table[table.stage == "Browse"], "event")
    assert (browse["product_view"]["people_with"], browse["product_view"]["moved_on_with"]) == (
        3,
        pytest.approx(2 / 3),
    )


def test_effects_need_enough_people_for_a_verdict(shop):
    table = shop.touchpoint_effects().table  # at least 30 on each side
    assert set(table["verdict"]) == {"too few people"}


def test_effects_by_channel_and_bad_fields(shop):
    visit = shop.touchpoint_effects(by="channel", min_people=1).table
    ads = rows(visit[visit.stage == "Visit"], "channel")["ads"]
    assert (ads["people_with"], ads["moved_on_with"]) == (3, pytest.approx(2 / 3))
    with pytest.raises(jejak.JejakError, match="cannot split touchpoints by 'colour'"):
        shop.touchpoint_effects(by="colour")
