"""Cohort retention and lifecycle on a hand-made log, on both engines."""

from __future__ import annotations

import pandas as pd
import pytest

import jejak

# a: Jan (order), Feb, Apr (order); b: Jan, Mar; c: Feb, Feb, Mar; d: Mar. Data end in April.
LOG = """
customer_id,ts,event
a,2026-01-05 10:00:00,order
a,2026-02-10 10:00:00,page_view
a,2026-04-01 10:00:00,order
b,2026-01-20 10:00:00,page_view
b,2026-03-03 10:00:00,page_view
c,2026-02-02 10:00:00,page_view
c,2026-02-20 10:00:00,page_view
c,2026-03-15 10:00:00,page_view
d,2026-03-30 10:00:00,page_view
"""


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def cells(table: pd.DataFrame) -> dict[tuple[str, int], tuple[int, float]]:
    return {
        (c.strftime("%Y-%m"), int(k)): (int(n), float(r))
        for c, k, n, r in zip(
            table["cohort"], table["period"], table["active"], table["retention"], strict=True
        )
    }


def test_monthly_cohorts_of_first_seen(shop):
    result = shop.retention(period="month")
    assert cells(result.table) == {
        ("2026-01", 0): (2, 1.0),
        ("2026-01", 1): (1, 0.5),  # a in February
        ("2026-01", 2): (1, 0.5),  # b in March
        ("2026-01", 3): (1, 0.5),  # a in April
        ("2026-02", 0): (1, 1.0),
        ("2026-02", 1): (1, 1.0),
        ("2026-02", 2): (0, 0.0),
        ("2026-03", 0): (1, 1.0),
        ("2026-03", 1): (0, 0.0),  # April, the last month of the data
    }
    sizes = result.table.drop_duplicates("cohort")["cohort_size"].tolist()
    assert sizes == [2, 1, 1]
    figure = result.figure()
    assert list(figure.data[0].text[0][:2]) == ["100%", "50%"]


def test_buyers_kept_buying(shop):
    result = shop.retention(period="month", active="order")
    assert cells(result.table) == {
        ("2026-01", 0): (1, 1.0),
        ("2026-01", 1): (0, 0.0),
        ("2026-01", 2): (0, 0.0),
        ("2026-01", 3): (1, 1.0),
    }


def test_weeks_start_on_monday(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(
        write_file(
            "weeks.csv",
            """
            customer_id,ts,event
            e,2026-01-05 00:00:00,page_view
            e,2026-01-11 23:59:59,page_view
            f,2026-01-11 12:00:00,page_view
            f,2026-01-12 00:00:00,page_view
            """,
        )
    )
    table = on_engine(ws).retention(period="week").table
    # Monday 5 January to Sunday 11 January is one week; e and f both start in it
    assert cells(table) == {("2026-01", 0): (2, 1.0), ("2026-01", 1): (1, 0.5)}
    assert table["cohort"].iloc[0] == pd.Timestamp("2026-01-05", tz="UTC")


def test_months_are_the_shops_local_months(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.parse_settings("timezone: Asia/Jakarta\n"))
    ws.load(write_file("orders.csv", """
        customer_id,ts,event
        g,2026-01-10 10:00:00+07:00,order
        g,2026-01-31 20:00:00+00:00,order
        h,2026-01-31 16:30:00+00:00,order
        """))  # fmt: skip
    # g's second order is on 1 February in Jakarta (03:00); h's only one is 31 January 23:30
    table = on_engine(ws).retention(active="order").table
    assert cells(table) == {("2026-01", 0): (2, 1.0), ("2026-01", 1): (1, 0.5)}
    months = on_engine(ws).lifecycle(active="order").table.set_index("period")
    assert months.loc[pd.Timestamp("2026-02-01", tz="Asia/Jakarta"), "returning"] == 1
    assert table["cohort"].iloc[0].isoformat() == "2026-01-01T00:00:00+07:00"  # local midnight


def test_lifecycle_per_month(shop):
    result = shop.lifecycle(period="month")
    table = result.table.assign(period=result.table["period"].dt.strftime("%Y-%m"))
    assert table.set_index("period").to_dict(orient="index") == {
        "2026-01": {"new": 2, "returning": 0, "resurrecting": 0, "dormant": 0, "active": 2},
        # c is new, a came back; b was active in January and not now
        "2026-02": {"new": 1, "returning": 1, "resurrecting": 0, "dormant": -1, "active": 2},
        # d is new, c came back, b resurrected; a went quiet
        "2026-03": {"new": 1, "returning": 1, "resurrecting": 1, "dormant": -1, "active": 3},
        # a resurrected; b, c and d went quiet
        "2026-04": {"new": 0, "returning": 0, "resurrecting": 1, "dormant": -3, "active": 1},
    }
    assert len(result.figure().data) == 4


def test_a_period_must_be_week_or_month(shop):
    with pytest.raises(jejak.JejakError, match="a period is 'week' or 'month'"):
        shop.retention(period="day")


def test_no_touchpoints_is_said_plainly(open_workspace):
    ws = open_workspace()
    with pytest.raises(jejak.JejakError, match="no touchpoints yet"):
        ws.retention()
    with pytest.raises(jejak.JejakError, match="no touchpoints yet"):
        ws.lifecycle()


def test_a_rule_without_a_label(shop):
    by_rule = shop.retention(period="month", active={"rule": {"event": "order"}})
    assert cells(by_rule.table) == cells(shop.retention(period="month", active="order").table)


def test_what_the_shop_sends_is_not_activity(open_workspace, write_file, on_engine):
    log = LOG + "b,2026-02-15 10:00:00,email_sent\n"
    ws = open_workspace()
    ws.load(write_file("sent.csv", log))
    # b received an email in February: b did nothing, so January's February share stays 50%
    assert cells(on_engine(ws).retention().table)[("2026-01", 1)] == (1, 0.5)
    counting = open_workspace(jejak.Settings(sent_events=[]), name="counting.duckdb")
    counting.load(write_file("sent2.csv", log))
    assert cells(on_engine(counting).retention().table)[("2026-01", 1)] == (2, 1.0)


def test_cohorts_per_acquisition_channel(open_workspace, write_file, on_engine):
    log = (
        "customer_id,ts,event,channel\n"
        "a,2026-01-05,page_view,ads\na,2026-02-05,page_view,direct\n"
        "b,2026-01-06,page_view,search\nc,2026-01-07,page_view,ads\n"
        "d,2026-03-01,page_view,search\n"
    )
    ws = open_workspace()
    ws.load(write_file("log.csv", log))
    result = on_engine(ws).retention(by="channel")
    table = result.table
    ads = cells(table[table["channel"] == "ads"])
    assert ads == {("2026-01", 0): (2, 1.0), ("2026-01", 1): (1, 0.5), ("2026-01", 2): (0, 0.0)}
    # search's cohorts run to March, the end of all the data, not of its own
    search = cells(table[table["channel"] == "search"])
    assert search[("2026-01", 2)] == (0, 0.0) and search[("2026-03", 0)] == (1, 1.0)
    assert result.meta["by"] == "channel" and len(result.figure().data) == 2


def test_on_or_after_counts_people_until_they_last_came(shop):
    result = shop.retention(period="month", returned="on_or_after")
    assert cells(result.table) == {
        ("2026-01", 0): (2, 1.0),
        ("2026-01", 1): (2, 1.0),  # a came in February; b did not, but came in March
        ("2026-01", 2): (2, 1.0),  # b in March, a in April
        ("2026-01", 3): (1, 0.5),  # a in April
        ("2026-02", 0): (1, 1.0),
        ("2026-02", 1): (1, 1.0),
        ("2026-02", 2): (0, 0.0),
        ("2026-03", 0): (1, 1.0),
        ("2026-03", 1): (0, 0.0),
    }
    assert result.meta["returned"] == "on_or_after"


def test_at_least_two_touchpoints_make_a_period_active(shop):
    result = shop.retention(period="month", at_least=2)
    active = {cell: n for cell, (n, _) in cells(result.table).items() if n}
    assert active == {("2026-02", 0): 1}  # only c came twice in one month (February)
    # the cohorts are still everyone's first month
    assert result.table.drop_duplicates("cohort")["cohort_size"].tolist() == [2, 1, 1]


def test_rolling_retention_pools_the_cohorts_that_reached_a_period(shop):
    from jejak.analyses.intervals import wilson

    curve = shop.retention(period="month").curve()
    rows = {int(r.period): (r.cohorts, r.people, r.active) for r in curve.itertuples()}
    # month 1: January's a, February's c, not March's d (April): 2 of 4; month 3: January's
    assert rows == {0: (3, 4, 4), 1: (3, 4, 2), 2: (2, 3, 1), 3: (1, 2, 1)}
    second = curve.set_index("period").loc[1]
    assert second["retention"] == 0.5
    assert (second["ci_low"], second["ci_high"]) == pytest.approx(wilson(2, 4))


def test_one_periods_retention_cohort_by_cohort(shop):
    trend = shop.retention(period="month").trend(1)
    assert trend["cohort"].dt.strftime("%Y-%m").tolist() == ["2026-01", "2026-02", "2026-03"]
    assert trend["active"].tolist() == [1, 1, 0]
    assert trend["retention"].tolist() == [0.5, 1.0, 0.0]
    assert (trend["ci_low"] <= trend["retention"]).all()
    assert len(shop.retention(period="month").trend(3)) == 1  # only January reached it
    with pytest.raises(jejak.JejakError, match="whole number of periods"):
        shop.retention().trend(-1)


def test_retention_options_are_checked(shop):
    with pytest.raises(jejak.JejakError, match="'on' a period or 'on_or_after' it"):
        shop.retention(returned="after")
    with pytest.raises(jejak.JejakError, match="a whole number from 1, not 0"):
        shop.retention(at_least=0)


def test_stickiness_counts_the_days_people_came_in_a_month(shop):
    result = shop.stickiness(period="month")
    table = result.table.assign(period=result.table["period"].dt.strftime("%Y-%m"))
    came = table[table["people"] > 0].set_index(["period", "days"])["people"].to_dict()
    # c came on two days of February; the rest one day in their months
    assert came == {
        ("2026-01", 1): 2,
        ("2026-02", 1): 1,
        ("2026-02", 2): 1,
        ("2026-03", 1): 3,
        ("2026-04", 1): 1,
    }
    assert table.groupby("period")["days"].max().to_dict() == {
        "2026-01": 31, "2026-02": 28, "2026-03": 31, "2026-04": 30
    }  # fmt: skip
    # the data starts on 5 January and ends on 1 April: February and March are whole
    assert table.groupby("period")["whole"].first().to_dict() == {
        "2026-01": False, "2026-02": True, "2026-03": True, "2026-04": False
    }  # fmt: skip
    days = result.days.set_index("days")
    assert days.loc[1, "people"] == 4 and days.loc[2, "people"] == 1
    assert days.loc[2, "share"] == 0.2 and result.meta["whole_periods"] == 2
    assert days.index.tolist() == [1, 2]  # a month's days up to the most anyone came


def test_stickiness_days_are_the_shops_local_days(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.parse_settings("timezone: Asia/Jakarta\n"))
    ws.load(write_file("days.csv", """
        customer_id,ts,event
        g,2026-01-05 10:00:00+07:00,page_view
        g,2026-01-05 17:30:00+00:00,page_view
        h,2026-01-05 10:00:00+07:00,page_view
        h,2026-01-05 16:30:00+00:00,page_view
        h,2026-01-18 10:00:00+07:00,page_view
        """))  # fmt: skip
    # g's second visit is 00:30 on 6 January in Jakarta: two days; h's is 23:30 on the 5th
    result = on_engine(ws).stickiness(period="week")
    first = result.table[result.table["period"] == pd.Timestamp("2026-01-05", tz="Asia/Jakarta")]
    assert first[first["people"] > 0].set_index("days")["people"].to_dict() == {1: 1, 2: 1}
    assert first["share"].max() == 0.5
    # the data starts on Monday 5 January and ends on Sunday the 18th: both weeks are whole
    assert result.meta["whole_periods"] == 2
    assert result.days.set_index("days")["people"].to_dict()[1] == 2  # h's second week too


def test_stickiness_says_why_its_distribution_is_empty(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("short.csv", "customer_id,ts,event\na,2026-01-07,page_view\n"))
    result = ws.stickiness(period="week")
    assert result.days["people"].sum() == 0
    assert "no whole week" in " ".join(result.meta["warnings"])
    unmatched = ws.stickiness(active="order")
    assert "'order' matches no touchpoint" in " ".join(unmatched.meta["warnings"])
    with pytest.raises(jejak.JejakError, match="no touchpoints yet"):
        open_workspace(name="empty.duckdb").stickiness()


def test_the_reports_retention_charts_and_tables_show_the_same_rows(shop):
    from jejak.report.html import retention_sections, stickiness_sections

    if not isinstance(shop, jejak.Workspace):
        pytest.skip("the report reads a workspace")
    sections = retention_sections(shop, period="month")
    headings = [section.heading for section in sections]
    # a is the only buyer (January and April): one cohort, so no trend across cohorts
    assert headings == ["Who kept buying", "Rolling retention: all cohorts together"]
    line = sections[1].figures[0].data[1]
    assert list(line.x) == [1, 2, 3] and len(sections[1].table) == 3
    assert list(line.y) == [0.0, 0.0, 1.0]
    sticky = stickiness_sections(shop, period="month")[0]
    assert list(sticky.figures[0].data[0].x) == [1, 2] and len(sticky.table) == 2


def test_the_reports_trend_of_buyers_cohort_by_cohort(open_workspace, write_file):
    from jejak.report.html import retention_sections

    ws = open_workspace()
    ws.load(write_file("orders.csv", """
        customer_id,ts,event
        x,2026-01-10,order
        x,2026-02-10,order
        y,2026-02-03,order
        y,2026-03-03,order
        z,2026-02-20,order
        """))  # fmt: skip
    trend = retention_sections(ws, period="month")[2]
    assert trend.heading == "Active 1 month after joining, cohort by cohort"
    points = trend.figures[0].data[0]
    assert list(points.y) == [1.0, 0.5] and len(trend.table) == 2  # x of 1; y of y and z
    assert trend.table.iloc[1].tolist()[:4] == ["2026-02", "2 (few)", "1", "50.0%"]
