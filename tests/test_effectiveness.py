"""Touchpoint ratios and within-stage effects on a hand-made log, on both engines."""

from __future__ import annotations

import math
from datetime import UTC

import numpy as np
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


# Effects compare rates of moving on within bands of time since entering the stage
# ((0, 1], (1, 3], (3, 7] days...). Everyone enters Visit on day 0; the data end on day 6
# (z arrives then and spends no time anywhere).
#   r1: review day 0.5, browses day 2      r2: browses day 1.5     r3: review day 0.5
#   r4: stays                              r6: browses day 2.5
TIMED = """
customer_id,ts,event
r1,2026-01-01 00:00,page_view
r1,2026-01-01 12:00,review_read
r1,2026-01-03 00:00,product_view
r2,2026-01-01 00:00,page_view
r2,2026-01-02 12:00,product_view
r3,2026-01-01 00:00,page_view
r3,2026-01-01 12:00,review_read
r4,2026-01-01 00:00,page_view
r6,2026-01-01 00:00,page_view
r6,2026-01-03 12:00,product_view
z,2026-01-07 00:00,page_view
"""


@pytest.fixture
def timed(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("timed.csv", TIMED))
    return on_engine(ws)


def test_effects_compare_rates_within_time_in_the_stage(timed):
    table = timed.touchpoint_effects(min_people=1).table
    assert set(table["stage"]) == {"Visit", "Browse"}  # the last stage has no later one
    reviews = rows(table[table.stage == "Visit"], "event")["review_read"]
    # crude: after the review r1 1.5 days + r3 5.5 days = 1 week, 1 move (r1);
    # without: the other 11 of the 18 days in Visit, 2 moves (r2, r6)
    assert (reviews["people_with"], reviews["moved_with"]) == (2, 1)
    assert (reviews["people_without"], reviews["moved_without"]) == (3, 2)
    assert reviews["weeks_with"] == pytest.approx(1.0)
    assert reviews["weeks_without"] == pytest.approx(11 / 7)
    assert (reviews["rate_with"], reviews["rate_without"]) == pytest.approx((1.0, 14 / 11))
    # per band (days with / without, moves with / without):
    #   (0, 1]: 1 / 4, 0 / 0    (1, 3]: 3 / 4, 1 / 2    (3, 7]: 3 / 3, 0 / 0
    # Mantel-Haenszel: (1 x 4/7) / (2 x 3/7) = 2/3; Greenland-Robins variance of its log:
    # (3 x 3 x 4 / 49) / ((4/7) (6/7)) = 1.5
    assert reviews["rate_ratio"] == pytest.approx(2 / 3)
    spread = 1.959963984540054 * math.sqrt(1.5)
    assert reviews["ci_low"] == pytest.approx(2 / 3 * math.exp(-spread))
    assert reviews["ci_high"] == pytest.approx(2 / 3 * math.exp(spread))
    assert reviews["verdict"] == "unclear"
    everyone = rows(table[table.stage == "Visit"], "event")["page_view"]
    assert (everyone["people_with"], everyone["people_without"]) == (5, 0)
    assert math.isnan(everyone["rate_ratio"]) and everyone["verdict"] == "too few people"


def test_mantel_haenszel_pools_strata():
    from jejak.analyses.effectiveness import mantel_haenszel_rate_ratio

    # two strata with the same rate ratio 2: pooled it stays 2, crude it would not
    d1, t1 = [[4, 1]], [[10, 10]]
    d0, t0 = [[10, 1]], [[50, 20]]
    ratio, low, high = mantel_haenszel_rate_ratio(*map(np.array, (d1, t1, d0, t0)))
    assert ratio[0] == pytest.approx(2.0)
    top = 4 * 50 / 60 + 1 * 20 / 30
    bottom = 10 * 10 / 60 + 1 * 10 / 30
    variance = (14 * 10 * 50 / 60**2 + 2 * 10 * 20 / 30**2) / (top * bottom)
    assert low[0] == pytest.approx(2 * math.exp(-1.959963984540054 * math.sqrt(variance)))
    assert high[0] == pytest.approx(2 * math.exp(1.959963984540054 * math.sqrt(variance)))
    # no events on one side: no ratio
    assert np.isnan(mantel_haenszel_rate_ratio(*map(np.array, ([[0]], [[1]], [[1]], [[1]]))))[
        0
    ].all()


def test_effects_need_enough_people_for_a_verdict(timed):
    table = timed.touchpoint_effects().table  # at least 30 on each side
    assert set(table["verdict"]) == {"too few people"}


def test_effects_by_channel_and_bad_fields(shop):
    visit = shop.touchpoint_effects(by="channel", min_people=1).table
    ads = rows(visit[visit.stage == "Visit"], "channel")["ads"]
    assert (ads["people_with"], ads["moved_with"]) == (3, 2)
    with pytest.raises(jejak.JejakError, match="cannot split touchpoints by 'colour'"):
        shop.touchpoint_effects(by="colour")


def test_a_touchpoint_tied_with_the_move_is_not_before_it(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(
        write_file(
            "ties.csv",
            """
            event_id,customer_id,ts,event
            e0,t,2026-01-01 00:00,page_view
            e1,t,2026-01-02 00:00,review_read
            e2,t,2026-01-02 00:00,product_view
            """,
        )
    )
    table = on_engine(ws).touchpoint_effects(min_people=1).table
    # the review shares the product view's second: in Visit by order, but not before moving on
    assert "review_read" not in set(table["event"])


def test_effects_as_of_an_earlier_moment(open_workspace, write_file):
    from datetime import datetime

    from jejak.analyses.effectiveness import touchpoint_effects

    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("timed.csv", TIMED))
    as_of = datetime(2026, 1, 3, tzinfo=UTC)  # day 2: r6's move (2.5) is later
    table = touchpoint_effects(ws.events(), ws.journey, min_people=1, as_of=as_of).table
    reviews = rows(table[table.stage == "Visit"], "event")["review_read"]
    # with: r1 0.5 -> 2 (moved), r3 0.5 -> 2; without: the other 6.5 of 9.5 days, r2's move
    assert (reviews["people_with"], reviews["moved_with"]) == (2, 1)
    assert reviews["weeks_with"] == pytest.approx(3 / 7)
    assert (reviews["moved_without"], reviews["weeks_without"]) == (1, pytest.approx(6.5 / 7))
