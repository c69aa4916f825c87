"""Attribution on hand-made journeys whose credits a person can work out, on both engines."""

from __future__ import annotations

from fractions import Fraction as F
from itertools import permutations

import pytest

import jejak
from jejak.analyses.markov import chain, markov_credit, removal_effects
from jejak.analyses.shapley import set_game, shapley_by_coalitions, shapley_credit

JOURNEY = jejak.Journey.model_validate(
    {
        "name": "shop",
        "stages": [
            {"name": "Visit", "rules": [{"any": True}]},
            {"name": "Buy", "rules": [{"event": "order"}]},
        ],
    }
)

# Converting journeys (goal: every order):
#   p1: search, social, email -> order 100 (touches 3, 2, 1 days before the order)
#   p2: social -> order 50
#   p3: search, direct -> order 30 (2 and 1 days before)
#   p5: direct -> order 20, then a search that led nowhere
# Not converting: p4: search, social; p5 after the order: search.
LOG = """
customer_id,ts,event,channel,revenue
p1,2026-01-01 00:00:00,page_view,search,
p1,2026-01-02 00:00:00,page_view,social,
p1,2026-01-03 00:00:00,email_click,email,
p1,2026-01-04 00:00:00,order,,100
p2,2026-01-01 00:00:00,page_view,social,
p2,2026-01-01 01:00:00,order,,50
p3,2026-01-01 00:00:00,page_view,search,
p3,2026-01-02 00:00:00,page_view,direct,
p3,2026-01-03 00:00:00,order,,30
p4,2026-01-01 00:00:00,page_view,search,
p4,2026-01-02 00:00:00,page_view,social,
p5,2026-01-01 00:00:00,page_view,direct,
p5,2026-01-01 00:10:00,order,,20
p5,2026-01-05 00:00:00,page_view,search,
"""


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def credit(result, model: str) -> dict[str, float]:
    table = result.table.set_index(result.meta["by"])
    return {k: v for k, v in table[model].items() if v}


def test_rule_based_models(shop):
    result = shop.attribution("order", half_life="1d")
    assert credit(result, "first_touch") == {"search": 2, "social": 1, "direct": 1}
    assert credit(result, "last_touch") == {"email": 1, "social": 1, "direct": 2}
    # p3's last touch is direct: its credit goes to search; p5 had only direct
    assert credit(result, "last_non_direct") == {
        "email": 1,
        "social": 1,
        "search": 1,
        "direct": 1,
    }
    assert credit(result, "linear") == pytest.approx(
        {"search": 1 / 3 + 1 / 2, "social": 1 / 3 + 1, "email": 1 / 3, "direct": 1 / 2 + 1}
    )
    assert credit(result, "position_based") == pytest.approx(
        {"search": 0.4 + 0.5, "social": 0.2 + 1, "email": 0.4, "direct": 0.5 + 1}
    )
    # half-life 1 day: p1's touches 3, 2, 1 days old weigh 1/8 : 1/4 : 1/2; p3's 1/4 : 1/2
    assert credit(result, "time_decay") == pytest.approx(
        {"search": 1 / 7 + 1 / 3, "social": 2 / 7 + 1, "email": 4 / 7, "direct": 2 / 3 + 1}
    )
    revenue = result.revenue.set_index("channel")
    assert revenue["linear"].to_dict() == pytest.approx(
        {"search": 100 / 3 + 15, "social": 100 / 3 + 50, "email": 100 / 3, "direct": 15 + 20}
    )
    assert revenue["last_touch"].to_dict() == pytest.approx(
        {"search": 0, "social": 50, "email": 100, "direct": 50}
    )
    table = result.table.set_index("channel")
    assert table["journeys"].to_dict() == {"search": 4, "social": 3, "email": 1, "direct": 2}
    assert table["converting_journeys"].to_dict() == {
        "search": 2,
        "social": 2,
        "email": 1,
        "direct": 2,
    }
    assert result.meta["conversions"] == 4 and result.meta["untouched_conversions"] == 0
    assert result.meta["revenue"] == 200 and result.meta["distinct_paths"] == 6


def test_markov_removal_effects_solved_by_hand(shop):
    # From the start 6 journeys: 4 to search, 1 social, 1 direct. P(convert) = 2/3.
    # Without search 5/18 (effect 7/12), social 1/3 (1/2), email 1/2 (1/4), direct 1/3 (1/2).
    result = shop.attribution("order", models=["markov", "linear"])
    table = result.table.set_index("channel")
    assert table["removal_effect"].to_dict() == pytest.approx(
        {"search": 7 / 12, "social": 1 / 2, "email": 1 / 4, "direct": 1 / 2}
    )
    assert table["markov"].to_dict() == pytest.approx(
        {"search": 14 / 11, "social": 12 / 11, "email": 6 / 11, "direct": 12 / 11}
    )
    assert result.revenue.set_index("channel")["markov"].sum() == pytest.approx(200)
    assert list(result.table.columns) == [
        "channel",
        "journeys",
        "converting_journeys",
        "removal_effect",
        "markov",
        "linear",
    ]


def test_shapley_and_the_lookback(shop):
    result = shop.attribution("order", models=["shapley"], lookback="36h")
    # within 36 hours of each order: p1 email; p2 social; p3 direct; p5 direct
    assert credit(result, "shapley") == {"email": 1, "social": 1, "direct": 2}
    everything = shop.attribution("order", models=["shapley"], lookback=None)
    assert credit(everything, "shapley") == pytest.approx(
        {"search": 1 / 3 + 1 / 2, "social": 1 / 3 + 1, "email": 1 / 3, "direct": 1 / 2 + 1}
    )


def test_a_stage_goal_converts_once_and_by_any_field(shop):
    # Buy entered once per person: p5's later search is not a journey that failed
    result = shop.attribution({"stage": "Buy"}, models=["first_touch"], by="event")
    assert credit(result, "first_touch") == {"page_view": 4}
    assert result.table.set_index("event")["journeys"].to_dict() == {
        "page_view": 5,
        "email_click": 1,
    }


def test_conversions_without_a_touch_are_counted_not_shared(open_workspace, write_file):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(
        write_file(
            "log.csv",
            """
            customer_id,ts,event,channel,revenue
            a,2026-01-01 00:00:00,order,,10
            b,2026-01-01 00:00:00,page_view,ads,
            b,2026-01-02 00:00:00,order,,5
            b,2026-01-03 00:00:00,order,email,7
            """,
        )
    )
    result = ws.attribution("order", models=["last_touch", "first_touch"])
    # b's second order came by email: the converting touchpoint is its own last touch
    assert credit(result, "last_touch") == {"ads": 1, "email": 1}
    assert result.meta["conversions"] == 3 and result.meta["untouched_conversions"] == 1
    assert result.meta["credited_revenue"] == 12 and result.meta["revenue"] == 22


def test_bad_parameters_are_named(shop):
    with pytest.raises(jejak.JejakError, match="unknown attribution model 'magic'"):
        shop.attribution(models=["magic"])
    with pytest.raises(jejak.JejakError, match="cannot attribute by 'colour'"):
        shop.attribution(by="colour")
    with pytest.raises(jejak.JejakError, match="position weights"):
        shop.attribution(position=(0.5, 0.5, 0.5))
    with pytest.raises(jejak.JejakError, match="order 1, 2 or 3"):
        shop.attribution(models=["markov"], order=4)


def test_markov_order_two_remembers_where_people_came_from():
    paths = [("a", "b", "c"), ("b", "c"), ("a", "c")]
    won, lost = [1, 0, 1], [0, 1, 0]
    base, first = removal_effects(chain(paths, won, lost, 1), ["a", "b", "c"])
    assert base == pytest.approx(2 / 3)
    assert first == pytest.approx({"a": 2 / 3, "b": 2 / 3, "c": 1.0})
    # order 2: (b, c) converts half the time, (a, c) always
    base, second = removal_effects(chain(paths, won, lost, 2), ["a", "b", "c"])
    assert base == pytest.approx(2 / 3)
    assert second == pytest.approx({"a": 3 / 4, "b": 1 / 2, "c": 1.0})
    credited = markov_credit(paths, won, lost, [10, 0, 30], order=2)
    assert credited["a"] == pytest.approx((3 / 4, 2 * 3 / 9, 40 * 3 / 9))


def test_repeats_do_not_change_a_first_order_chain():
    plain = chain([("a", "b"), ("b",)], [1, 0], [1, 1], 1).conversion_probability()
    repeated = chain([("a", "a", "a", "b"), ("b",)], [1, 0], [1, 1], 1).conversion_probability()
    assert plain == pytest.approx(repeated)


def test_shapley_three_channels_by_hand():
    # journeys touching exactly {A}: 10 conversions, {B}: 4, {A,B}: 6, {A,C}: 3, {A,B,C}: 6
    paths = [("A",), ("B",), ("A", "B", "A"), ("C", "A"), ("B", "C", "A")]
    amounts = [10, 4, 6, 3, 6]
    # v(A)=10 v(B)=4 v(C)=0 v(AB)=20 v(AC)=13 v(BC)=4 v(ABC)=29, so for A:
    # 1/3(10-0) + 1/6(20-4) + 1/6(13-0) + 1/3(29-4) = 16.5
    expected = {"A": 16.5, "B": 9.0, "C": 3.5}
    assert shapley_credit(paths, amounts) == pytest.approx(expected)
    assert shapley_by_coalitions(["A", "B", "C"], set_game(paths, amounts)) == pytest.approx(
        expected
    )


def test_shapley_closed_form_equals_the_average_over_every_order():
    paths = [("a", "b"), ("b", "c", "d"), ("a",), ("d", "a", "c"), ("e", "b"), ("c",)]
    amounts = [3, 5, 2, 7, 1, 4]
    worth = set_game(paths, amounts)
    players = ["a", "b", "c", "d", "e"]
    orders = list(permutations(players))
    by_orders = {p: F(0) for p in players}
    for order in orders:
        joined: frozenset[str] = frozenset()
        for player in order:
            gain = F(worth(joined | {player})) - F(worth(joined))
            by_orders[player] += gain / len(orders)
            joined = joined | {player}
    closed = shapley_credit(paths, amounts)
    assert closed == pytest.approx({p: float(v) for p, v in by_orders.items()})
    assert sum(closed.values()) == pytest.approx(sum(amounts))


def test_paths_group_equal_journeys_whatever_came_before(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(
        write_file(
            "log.csv",
            """
            customer_id,ts,event,channel
            a,2026-01-01 00:00:00,page_view,search
            a,2026-01-02 00:00:00,order,
            a,2026-01-03 00:00:00,page_view,social
            a,2026-01-04 00:00:00,order,
            b,2026-01-01 00:00:00,page_view,social
            b,2026-01-02 00:00:00,order,
            """,
        )
    )
    source = on_engine(ws)
    paths = source.attribution("order", models=["linear"], lookback=None).paths
    # a's second journey (social) is the same path as b's, though a had a touch before it
    assert paths.to_dict(orient="list") == {
        "path": [("social",), ("search",)],
        "conversions": [2, 1],
        "nulls": [0, 0],
        "value": [0.0, 0.0],
    }
    within = source.attribution("order", models=["linear"], lookback="1000d").paths
    assert within.to_dict(orient="list") == paths.to_dict(orient="list")


def test_edge_weights_and_underflow(shop):
    # no weight at either end: a journey of two splits evenly, longer ones give all to the middle
    result = shop.attribution("order", models=["position_based"], position=(0, 1, 0))
    assert credit(result, "position_based") == pytest.approx(
        {"search": 0.5, "social": 2.0, "direct": 1.5}
    )
    # a one-minute half-life: touches are thousands of half-lives old, yet the weights of
    # each journey still sum to 1 (its last touch weighs most)
    decayed = credit(shop.attribution("order", models=["time_decay"], half_life="1m"), "time_decay")
    assert decayed == pytest.approx({"email": 1.0, "social": 1.0, "direct": 2.0})


def test_negative_values_stay_negative_with_or_without_a_lookback(
    open_workspace, write_file, on_engine
):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(
        write_file(
            "log.csv",
            """
            customer_id,ts,event,channel,revenue
            a,2026-01-01 00:00:00,page_view,search,
            a,2026-01-02 00:00:00,refund,,-30
            """,
        )
    )
    source = on_engine(ws)
    for lookback in (None, "90d"):
        result = source.attribution("refund", models=["linear", "markov"], lookback=lookback)
        assert result.meta["credited_revenue"] == -30, lookback
        assert result.revenue.set_index("channel")["markov"]["search"] == -30, lookback


def test_attribution_on_a_date_range_and_a_group(shop):
    # the first half day holds p2's journey (social -> order) and p5's (direct -> order)
    morning = shop.between("2026-01-01", "2026-01-01 12:00").attribution(
        "order", models=["last_touch"]
    )
    assert credit(morning, "last_touch") == {"social": 1, "direct": 1}
    assert morning.meta["conversions"] == 2
    # people whose first touchpoint came from search: p1, p3 and p4
    searchers = shop.only({"channel": "search"}, first=True).attribution(
        "order", models=["first_touch"]
    )
    assert credit(searchers, "first_touch") == {"search": 2}
    # their revenue credited by first touch: p1's 100 and p3's 30 both went to search
    revenue = {r["channel"]: r["first_touch"] for r in searchers.to_dict()["revenue"]}
    assert revenue["search"] == 130.0 and sum(revenue.values()) == 130.0
