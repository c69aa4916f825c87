"""Paths after or before a touchpoint, and top paths to a goal, on both engines."""

from __future__ import annotations

import pytest

import jejak

LOG = """
customer_id,ts,event
c1,2026-01-01 00:00:00,page_view
c1,2026-01-01 00:01:00,page_view
c1,2026-01-01 00:05:00,product_view
c1,2026-01-01 00:10:00,cart_add
c1,2026-01-01 00:20:00,order
c2,2026-01-01 00:00:00,page_view
c2,2026-01-01 00:01:00,product_view
c2,2026-01-05 00:00:00,page_view
c3,2026-01-01 00:00:00,product_view
c3,2026-01-01 00:01:00,page_view
c4,2026-01-01 00:00:00,page_view
c4,2026-01-01 00:02:00,signup
c4,2026-01-01 00:04:00,order
"""


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def flows(result) -> dict[tuple[int, str, str], int]:
    return {(s, a, b): n for s, a, b, n in result.table.itertuples(index=False)}


def test_after_a_touchpoint(shop):
    result = shop.paths(after="page_view", steps=3)
    assert flows(result) == {
        (1, "page_view", "product_view"): 2,  # c1 (its repeated page_view counts once), c2
        (2, "product_view", "cart_add"): 1,
        (2, "product_view", "page_view"): 1,
        (1, "page_view", "signup"): 1,
        (2, "signup", "order"): 1,
    }
    sankey = result.figure().data[0]
    assert sorted(sankey.link.value) == [1, 1, 1, 1, 2]


def test_without_collapsing_repeats(shop):
    result = shop.paths(after="page_view", steps=3, collapse=False)
    assert flows(result)[(1, "page_view", "page_view")] == 1
    assert flows(result)[(2, "page_view", "product_view")] == 1


def test_rare_touchpoints_read_other(shop):
    result = shop.paths(after="page_view", steps=3, top=2)
    assert flows(result) == {
        (1, "page_view", "product_view"): 2,
        (2, "product_view", "other"): 1,
        (2, "product_view", "page_view"): 1,
        (1, "page_view", "other"): 1,
        (2, "other", "other"): 1,
    }


def test_before_a_touchpoint(shop):
    result = shop.paths(before="order", steps=3)
    assert flows(result) == {
        (1, "product_view", "cart_add"): 1,
        (2, "cart_add", "order"): 1,
        (1, "page_view", "signup"): 1,
        (2, "signup", "order"): 1,
    }


def test_top_paths_to_a_goal(shop):
    table = shop.top_paths("order", steps=3).table
    assert table["path"].tolist() == [
        "page_view → product_view → cart_add",
        "page_view → signup",
        "page_view → product_view → page_view",
        "product_view → page_view",
    ]
    assert table["converters"].tolist() == [1, 1, 0, 0]
    assert table["conversion"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert table["median_seconds_to_goal"].tolist()[:2] == [1200, 240]
    bars = shop.top_paths("order", steps=3).figure().data[0]
    assert list(bars.x) == [0, 0, 1, 1]  # drawn bottom-up: the top path last
    assert bars.y[-1] == "page_view → product_view → cart_add"


def test_a_path_needs_one_anchor(shop):
    with pytest.raises(jejak.JejakError, match="either a start"):
        shop.paths(steps=3)
    with pytest.raises(jejak.JejakError, match="either a start"):
        shop.paths(after="page_view", before="order")


def test_goal_first_and_goals_that_collapse_would_hide(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(
        write_file(
            "edge.csv",
            """
            customer_id,ts,event,order_number
            g1,2026-01-01 00:00:00,order,1
            g1,2026-01-01 00:01:00,page_view,
            g2,2026-01-01 00:00:00,page_view,
            g2,2026-01-01 00:01:00,order,1
            g2,2026-01-01 00:02:00,order,2
            """,
        )
    )
    first = on_engine(ws).top_paths("order", steps=3).table.set_index("path")
    assert first.loc["(goal first)", ["people", "converters"]].tolist() == [1, 1]  # g1
    assert first.loc["page_view", ["people", "converters"]].tolist() == [1, 1]  # g2
    repeat = {"event": "order", "where": {"order_number": 2}, "label": "repeat order"}
    second = on_engine(ws).top_paths(repeat, steps=3).table.set_index("path")
    # order 1 and order 2 are one after the other; collapsing must not hide the goal
    assert second.loc["page_view → order", ["people", "converters"]].tolist() == [1, 1]
    flows = on_engine(ws).paths(before=repeat, steps=3).table
    assert flows.values.tolist() == [[1, "page_view", "order", 1], [2, "order", "order", 1]]


def test_before_paths_are_right_aligned(shop):
    # c4 has only two touchpoints before its order: its path starts at step 2 of 4
    flows = {(s, a, b): n for s, a, b, n in shop.paths(before="order", steps=4).table.values}
    assert flows[(2, "page_view", "signup")] == 1 and flows[(3, "signup", "order")] == 1


def test_a_step_that_is_not_a_rule_is_a_clear_error(shop):
    # what an API client may send: a JSON object that is no rule
    with pytest.raises(jejak.errors.ConfigError, match=r"step \{'x': 1\}: rule.x: Extra inputs"):
        shop.paths(before={"x": 1})
    with pytest.raises(jejak.errors.ConfigError, match="step"):
        shop.top_paths({"stage": "Convert", "event": "order"})
