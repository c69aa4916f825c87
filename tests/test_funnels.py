"""Funnels on hand-written logs, on DuckDB and on Spark: every number counted by hand."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

import jejak
from jejak import ConfigError

STEPS = ["page_view", "product_view", "cart_add", "order"]

# c1 goes all the way; c2 stops at product_view (and retries days later, reaching less);
# c3 views a product before the page; c4 signs up between page and product;
# c6 starts twice and reaches product_view in both attempts.
LOG = """
customer_id,ts,event
c1,2026-01-01 00:00:00,page_view
c1,2026-01-01 00:05:00,product_view
c1,2026-01-01 00:10:00,cart_add
c1,2026-01-01 00:20:00,order
c2,2026-01-01 00:00:00,page_view
c2,2026-01-01 00:01:00,product_view
c2,2026-01-06 00:00:00,page_view
c3,2026-01-01 00:00:00,product_view
c3,2026-01-01 00:01:00,page_view
c4,2026-01-01 00:00:00,page_view
c4,2026-01-01 00:01:00,newsletter_signup
c4,2026-01-01 00:02:00,product_view
c6,2026-01-01 00:00:00,page_view
c6,2026-01-01 00:10:00,page_view
c6,2026-01-01 00:20:00,product_view
"""


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def column(result, name):
    return result.table[name].tolist()


def test_ordered(shop):
    result = shop.funnel(STEPS, window="1d")
    assert column(result, "entered") == [5, 4, 1, 1]
    assert column(result, "converted_to_next")[:3] == [4, 1, 1]
    assert column(result, "conversion_to_next")[:3] == pytest.approx([4 / 5, 1 / 4, 1])
    assert column(result, "drop_off")[:3] == pytest.approx([1 / 5, 3 / 4, 0])
    assert column(result, "conversion_from_first") == pytest.approx([1, 4 / 5, 1 / 5, 1 / 5])
    # page -> product: c1 300 s, c2 60, c4 120, c6 1200 (its earlier attempt counts)
    assert column(result, "median_seconds_to_next")[:3] == pytest.approx([210, 300, 600])
    assert column(result, "p90_seconds_to_next")[0] == pytest.approx(300 + 0.7 * 900)
    assert result.meta["people"] == 5 and result.meta["order"] == "ordered"


def test_strict_allows_nothing_between_steps(shop):
    result = shop.funnel(STEPS, window="1d", order="strict")
    # c4 signed up in between; c6's first page_view is followed by another page_view,
    # so only its second attempt (600 s) reaches product_view
    assert column(result, "entered") == [5, 3, 1, 1]
    assert column(result, "median_seconds_to_next")[0] == pytest.approx(300)


def test_any_order(shop):
    result = shop.funnel(STEPS, window="1d", order="any")
    # "step k" is k of the steps done; c3's product_view then page_view counts as two
    assert column(result, "entered") == [5, 5, 1, 1]
    # time from the first to the second step done: 300, 60, 60, 120, 1200
    assert column(result, "median_seconds_to_next")[0] == pytest.approx(120)


def test_window_counts_from_step_one_inclusive(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(
        write_file(
            "w.csv",
            """
            customer_id,ts,event
            w1,2026-01-01 00:00:00,page_view
            w1,2026-01-02 00:00:00,product_view
            w2,2026-01-01 00:00:00,page_view
            w2,2026-01-02 00:00:01,product_view
            """,
        )
    )
    assert column(on_engine(ws).funnel(STEPS[:2], window="1d"), "entered") == [2, 1]
    assert column(on_engine(ws).funnel(STEPS[:2], window=86_401), "entered") == [2, 2]


def test_ties_in_time_follow_event_id(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(
        write_file(
            "ties.csv",
            """
            event_id,customer_id,ts,event
            e1,t1,2026-01-01 00:00:00,page_view
            e2,t1,2026-01-01 00:00:00,product_view
            e4,t2,2026-01-01 00:00:00,page_view
            e3,t2,2026-01-01 00:00:00,product_view
            """,
        )
    )
    result = on_engine(ws).funnel(STEPS[:2])
    assert column(result, "entered") == [2, 1]  # t2's product_view sorts before its page_view
    assert column(result, "median_seconds_to_next")[0] == 0
    # one touchpoint is never two steps
    assert column(on_engine(ws).funnel(["page_view", "page_view"]), "entered") == [2, 0]


def test_exclusions_void_attempts(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(
        write_file(
            "x.csv",
            """
            customer_id,ts,event
            x1,2026-01-01 00:00:00,page_view
            x1,2026-01-01 00:01:00,support_ticket
            x1,2026-01-01 00:02:00,product_view
            x2,2026-01-01 00:00:00,page_view
            x2,2026-01-01 00:01:00,support_ticket
            x2,2026-01-01 00:02:00,page_view
            x2,2026-01-01 00:03:00,product_view
            x3,2026-01-01 00:00:00,page_view
            x3,2026-01-01 00:01:00,product_view
            x3,2026-01-01 00:02:00,support_ticket
            x4,2026-01-01 00:00:00,page_view
            x4,2026-01-01 00:01:00,support_ticket
            x5,2026-01-01 00:00:00,page_view
            """,
        )
    )
    plain = on_engine(ws).funnel(STEPS[:2], window="1d")
    assert column(plain, "entered") == [5, 3]
    excluded = on_engine(ws).funnel(STEPS[:2], window="1d", exclusions=["support_ticket"])
    # x1 and x4 are out (their only attempt is void); x2's second attempt counts
    assert column(excluded, "entered") == [3, 2]
    dropped = on_engine(ws).funnel_dropoffs(
        STEPS[:2], 1, window="1d", exclusions=["support_ticket"]
    )
    assert dropped.table["person_id"].tolist() == ["x5"]


def test_breakdown_and_date_range(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(
        write_file(
            "b.csv",
            """
            customer_id,ts,event,channel
            b1,2026-01-01 00:00:00,page_view,ads
            b1,2026-01-01 00:01:00,product_view,email
            b2,2026-01-01 00:00:00,page_view,search
            b3,2026-02-01 00:00:00,page_view,ads
            b3,2026-02-01 00:01:00,product_view,
            """,
        )
    )
    split = on_engine(ws).funnel(STEPS[:2], by="channel")
    table = split.table
    assert table["channel"].tolist() == ["ads", "ads", "search", "search"]
    assert table["entered"].tolist() == [2, 2, 1, 0]
    assert [t.name for t in split.figure().data] == ["ads", "search"]
    late = on_engine(ws).funnel(STEPS[:2], start=datetime(2026, 1, 15))
    assert column(late, "entered") == [1, 1]
    early = on_engine(ws).funnel(STEPS[:2], end=datetime(2026, 1, 15))
    assert column(early, "entered") == [2, 1]


def test_time_to_convert_and_dropoff_audience(shop):
    result = shop.funnel(STEPS, window="1d")
    buckets = result.time_to_convert.set_index("time_to_convert")["people"]
    assert buckets["10-60 minutes"] == 1 and buckets.sum() == 1  # c1, 20 minutes
    dropped = shop.funnel_dropoffs(STEPS, 2, window="1d")
    assert dropped.table["person_id"].tolist() == ["c2", "c4", "c6"]
    assert dropped.table["reached_at"].tolist() == [
        pd.Timestamp("2026-01-01 00:01", tz="UTC"),
        pd.Timestamp("2026-01-01 00:02", tz="UTC"),
        pd.Timestamp("2026-01-01 00:20", tz="UTC"),
    ]


def test_stage_and_rule_steps(open_workspace, write_file, on_engine):
    ws = open_workspace()  # the value journey
    ws.load(
        write_file(
            "s.csv",
            """
            customer_id,ts,event,properties
            s1,2026-01-01 00:00:00,newsletter_signup,
            s1,2026-01-03 00:00:00,order,"{""order_number"": 1}"
            s1,2026-01-09 00:00:00,order,"{""order_number"": 2}"
            s2,2026-01-01 00:00:00,webinar_signup,
            """,
        )
    )
    steps = [
        {"stage": "Subscribe"},
        {"stage": "Convert"},
        {"event": "order", "where": {"order_number": {"gte": 2}}, "label": "repeat order"},
    ]
    result = on_engine(ws).funnel(steps)
    assert column(result, "label") == ["Subscribe", "Convert", "repeat order"]
    assert column(result, "entered") == [2, 1, 1]
    assert column(result, "median_seconds_to_next")[:2] == [2 * 86_400, 6 * 86_400]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": "3 weeks"}, "window '3 weeks' is not a duration; write it like 30d"),
        ({"order": "sideways"}, "funnel order: Input should be 'ordered', 'strict' or 'any'"),
        ({"window": 0}, "the conversion window must be positive"),
        (
            {"exclusions": [{"step": "support_ticket", "after": 2, "before": 2}]},
            "an exclusion lies between two steps 1..2",
        ),
        ({"order": "any", "exclusions": ["x"]}, "exclusions need ordered or strict order"),
    ],
)
def test_bad_funnels_say_what_to_fix(open_workspace, kwargs, message):
    ws = open_workspace()
    with pytest.raises(ConfigError, match=message):
        ws.funnel(STEPS[:2], **kwargs)


def test_unknown_stage_and_bad_dropoff_step(open_workspace):
    ws = open_workspace()
    with pytest.raises(ConfigError, match="unknown stage 'Nirvana'"):
        ws.funnel([{"stage": "Nirvana"}, "order"])
    with pytest.raises(jejak.JejakError, match=r"drop-off is after a step 1\.\.1"):
        ws.funnel_dropoffs(STEPS[:2], 2)
    with pytest.raises(ConfigError, match="funnel steps: a funnel needs at least two steps"):
        ws.funnel(["page_view"])


def test_any_order_counts_a_touchpoint_for_every_step_it_matches(
    open_workspace, write_file, on_engine
):
    ws = open_workspace()
    ws.load(write_file("one.csv", "customer_id,ts,event\no1,2026-01-01 00:00:00,page_view"))
    steps = ["page_view", {"event": "page_view", "label": "any page"}]
    assert column(on_engine(ws).funnel(steps, order="any"), "entered") == [1, 1]
    assert column(on_engine(ws).funnel(steps), "entered") == [1, 0]


def test_exclusion_between_later_steps_and_in_strict_order(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(
        write_file(
            "x2.csv",
            """
            customer_id,ts,event
            y1,2026-01-01 00:00:00,page_view
            y1,2026-01-01 00:01:00,product_view
            y1,2026-01-01 00:02:00,support_ticket
            y1,2026-01-01 00:03:00,cart_add
            y2,2026-01-01 00:00:00,page_view
            y2,2026-01-01 00:01:00,support_ticket
            y2,2026-01-01 00:02:00,product_view
            y2,2026-01-01 00:03:00,cart_add
            """,
        )
    )
    between_2_and_3 = [{"step": "support_ticket", "after": 2, "before": 3}]
    result = on_engine(ws).funnel(STEPS[:3], exclusions=between_2_and_3)
    assert column(result, "entered") == [1, 1, 1]  # y1 is out; y2's ticket came before step 2
    strict = on_engine(ws).funnel(STEPS[:2], order="strict", exclusions=["support_ticket"])
    assert column(strict, "entered") == [1, 1]  # y2 fails strict order anyway; y1 counts
