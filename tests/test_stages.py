"""Stage engine on hand-written logs: every number below can be counted by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import ibis
import pandas as pd
import pytest

import jejak
from jejak import Journey

# Visit (anything) -> Browse -> Signup -> Buy (first order) -> Repeat (second order on)
SHOP = Journey.model_validate(
    {
        "name": "small-shop",
        "stages": [
            {"name": "Visit", "rules": [{"any": True}]},
            {"name": "Browse", "rules": [{"event": "product_view"}]},
            {"name": "Signup", "rules": [{"event": ["signup", "login"]}]},
            {"name": "Buy", "rules": [{"event": "order", "where": {"order_number": 1}}]},
            {
                "name": "Repeat",
                "rules": [{"event": "order", "where": {"order_number": {"gte": 2}}}],
            },
        ],
    }
)

# A: anonymous a1 browses, signs up as cA, buys twice.
# B: cB buys straight away (skips Browse and Signup).
# C: anonymous a3 only; page_view and product_view at the same second (a tie).
# D: cD browses, signs up, then stalls.
LOG = """
customer_id,anonymous_id,ts,event,order_number
,a1,2026-01-01 00:00:00,page_view,
,a1,2026-01-02 00:00:00,product_view,
cA,a1,2026-01-03 00:00:00,signup,
cA,,2026-01-05 00:00:00,order,1
cA,,2026-01-15 00:00:00,order,2
cB,,2026-01-01 12:00:00,page_view,
cB,,2026-01-02 12:00:00,order,1
,a3,2026-01-04 00:00:00,page_view,
,a3,2026-01-04 00:00:00,product_view,
cD,,2026-01-10 00:00:00,page_view,
cD,,2026-01-11 00:00:00,product_view,
cD,,2026-01-12 00:00:00,signup,
"""


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def test_funnel_counts_per_stage(shop):
    table = shop.stages().table.set_index("stage")
    assert table["reached"].tolist() == [4, 3, 2, 2, 1]
    assert table["converted_to_next"].tolist()[:4] == [3, 2, 1, 1]
    assert table["moved_on"].tolist()[:4] == [4, 2, 1, 1]
    assert table["current"].tolist() == [0, 1, 1, 1, 1]
    assert table["skipped_into"].tolist() == [0, 0, 0, 1, 0]
    assert table["conversion_to_next"].tolist()[:4] == pytest.approx([3 / 4, 2 / 3, 1 / 2, 1 / 2])
    assert pd.isna(table.loc["Repeat", "conversion_to_next"])
    assert table["reached_share"].tolist() == pytest.approx([1, 3 / 4, 2 / 4, 2 / 4, 1 / 4])


def test_days_between_stages(shop):
    table = shop.stages().table.set_index("stage")
    # Visit->Browse: A 1 day, C 0 (tie), D 1 day
    assert table.loc["Visit", "median_days_to_next"] == pytest.approx(1.0)
    assert table.loc["Visit", "p90_days_to_next"] == pytest.approx(1.0)
    assert table.loc["Browse", "median_days_to_next"] == pytest.approx(1.0)
    assert table.loc["Signup", "median_days_to_next"] == pytest.approx(2.0)
    assert table.loc["Buy", "median_days_to_next"] == pytest.approx(10.0)


def test_flows_between_stages_reached(shop):
    flows = shop.stages().flows
    got = {(f, t): n for f, t, n in flows.itertuples(index=False)}
    assert got == {
        ("Visit", "Browse"): 3,
        ("Visit", "Buy"): 1,  # B skipped Browse and Signup
        ("Browse", "Signup"): 2,
        ("Signup", "Buy"): 1,
        ("Buy", "Repeat"): 1,
        ("Browse", "(stopped)"): 1,
        ("Signup", "(stopped)"): 1,
        ("Buy", "(stopped)"): 1,
        ("Repeat", "(stopped)"): 1,
    }


def test_anonymous_touchpoints_before_signup_join_the_customer(shop):
    entries = shop.stage_entries().table
    a = entries[entries.person_id == "cA"].set_index("stage")["entered_at"]
    assert a.to_dict() == {
        "Visit": utc("2026-01-01"),
        "Browse": utc("2026-01-02"),
        "Signup": utc("2026-01-03"),
        "Buy": utc("2026-01-05"),
        "Repeat": utc("2026-01-15"),
    }
    # a1 is now cA: no anonymous person is left for it
    assert "anon:a1" not in set(entries.person_id)


def test_current_stage_per_person(shop):
    current = shop.current_stages().table.set_index("person_id")
    assert current["stage"].to_dict() == {
        "anon:a3": "Browse",
        "cA": "Repeat",
        "cB": "Buy",
        "cD": "Signup",
    }
    assert pd.isna(current.loc["anon:a3", "customer_id"])
    assert current.loc["cB", "entered_at"] == utc("2026-01-02 12:00")


def test_stuck_audience_is_strictly_longer_than_days(shop):
    # as_of defaults to the latest touchpoint (2026-01-15); cD entered Signup on 01-12
    stuck = shop.stuck("Signup", 2)
    assert stuck.table["person_id"].tolist() == ["cD"]
    assert stuck.table["days_in_stage"].tolist() == pytest.approx([3.0])
    assert stuck.table["last_seen"].tolist() == [utc("2026-01-12")]
    assert shop.stuck("signup", 3).table.empty  # names are case-insensitive; 3 is not > 3
    later = shop.stuck("Signup", 10, as_of=datetime(2026, 2, 1, tzinfo=UTC))
    assert later.table["days_in_stage"].tolist() == pytest.approx([20.0])


def test_unknown_stage_names_the_stages(shop):
    with pytest.raises(jejak.ConfigError, match=r"unknown stage 'Nope'.*Visit, Browse, Signup"):
        shop.stuck("Nope", 3)


def test_reloading_the_same_file_changes_nothing(open_workspace, write_file):
    ws = open_workspace(jejak.Settings(journey=SHOP))
    ws.load(write_file("log.csv", LOG))
    before = ws.stages().table
    summary = ws.load(write_file("log.csv", LOG))
    assert (summary.stored, summary.already_stored) == (0, 12)
    pd.testing.assert_frame_equal(ws.stages().table, before)


def test_identity_conflict_first_claim_wins(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP))
    ws.load(
        write_file(
            "shared.csv",
            """
            customer_id,anonymous_id,ts,event
            ,a9,2025-12-31 00:00:00,page_view
            cX,a9,2026-01-01 00:00:00,signup
            cY,a9,2026-01-03 00:00:00,login
            cY,,2026-01-04 00:00:00,product_view
            """,
        )
    )
    entries = on_engine(ws).stage_entries().table
    visits = entries[entries.stage == "Visit"].set_index("person_id")["entered_at"]
    # the anonymous page view belongs to cX (earliest claim); cY keeps its own touchpoints
    assert visits.to_dict() == {"cX": utc("2025-12-31"), "cY": utc("2026-01-03")}
    conflicts = on_engine(ws).identity_conflicts().table
    assert conflicts["anonymous_id"].tolist() == ["a9"]
    assert conflicts["customers"].tolist() == [2]
    assert list(conflicts["claimed_by"][0]) == ["cX", "cY"]
    assert conflicts["assigned_to"].tolist() == ["cX"]

    # a mapping file is authoritative over touchpoint claims
    assert ws.load_identities(write_file("map.csv", "anonymous_id,customer_id\na9,cY")) == 1
    visits = on_engine(ws).stage_entries().table.query("stage == 'Visit'").set_index("person_id")
    assert visits["entered_at"].to_dict() == {"cX": utc("2026-01-01"), "cY": utc("2025-12-31")}
    assert on_engine(ws).identity_conflicts().table["assigned_to"].tolist() == ["cY"]


def test_mapping_file_links_anonymous_history(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP))
    ws.load(
        write_file(
            "log.csv",
            """
            customer_id,anonymous_id,ts,event,order_number
            ,dev1,2026-01-01 00:00:00,product_view,
            c1,,2026-01-03 00:00:00,order,1
            """,
        )
    )
    assert on_engine(ws).current_stages().table["person_id"].tolist() == ["anon:dev1", "c1"]
    ws.load_identities(write_file("ids.csv", "anonymous_id,customer_id\ndev1,c1"))
    entries = on_engine(ws).stage_entries().table
    assert entries["person_id"].unique().tolist() == ["c1"]
    assert entries.set_index("stage")["entered_at"].to_dict() == {
        "Visit": utc("2026-01-01"),
        "Browse": utc("2026-01-01"),
        "Buy": utc("2026-01-03"),
    }


def test_time_zones_order_touchpoints_by_instant(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP, timezone="Asia/Jakarta"))
    ws.load(
        write_file(
            "tz.csv",
            """
            customer_id,ts,event
            c1,2026-01-01 08:00:00,page_view
            c1,2026-01-01T02:00:00+00:00,product_view
            c2,2026-01-01T00:30:00Z,page_view
            c2,2026-01-01 07:00:00,product_view
            """,
        )
    )
    entries = on_engine(ws).stage_entries().table
    got = {
        (p, s): t
        for p, s, t in entries[["person_id", "stage", "entered_at"]].itertuples(index=False)
    }
    # 08:00 in Jakarta (UTC+7) is 01:00 UTC; c2's naive 07:00 (00:00 UTC) is its first touch
    assert got == {
        ("c1", "Visit"): utc("2026-01-01 01:00"),
        ("c1", "Browse"): utc("2026-01-01 02:00"),
        ("c2", "Visit"): utc("2026-01-01 00:00"),
        ("c2", "Browse"): utc("2026-01-01 00:00"),
    }
    table = on_engine(ws).stages().table.set_index("stage")
    assert table.loc["Visit", "median_days_to_next"] == pytest.approx((1 / 24 + 0) / 2)


def test_value_journey_preset_property_rules(open_workspace, write_file, on_engine):
    ws = open_workspace()  # default: the 8-stage value journey
    ws.load(
        write_file(
            "vj.csv",
            """
            customer_id,ts,event,properties
            c1,2026-01-01 00:00:00,page_view,
            c1,2026-01-02 00:00:00,content_view,
            c1,2026-01-03 00:00:00,newsletter_signup,
            c1,2026-01-04 00:00:00,order,"{""order_number"": 1}"
            c1,2026-01-05 00:00:00,onboarding_complete,
            c1,2026-01-06 00:00:00,order,"{""order_number"": 2}"
            c1,2026-01-07 00:00:00,review,"{""rating"": 3}"
            c1,2026-01-08 00:00:00,nps_response,"{""score"": 10}"
            c1,2026-01-09 00:00:00,referral_invite,
            c2,2026-01-01 00:00:00,order,"{""order_number"": 3}"
            c2,2026-01-02 00:00:00,review,"{""rating"": 5}"
            c2,2026-01-03 00:00:00,order,
            """,
        )
    )
    entries = on_engine(ws).stage_entries().table
    c1 = entries[entries.person_id == "c1"].set_index("stage")["entered_at"].dt.day.to_dict()
    assert c1 == {
        "Awareness": 1,
        "Engagement": 2,
        "Subscribe": 3,
        "Convert": 4,
        "Excite": 5,
        "Ascend": 6,
        "Advocate": 8,
        "Promote": 9,
    }  # the 3-star review does not make an advocate; the NPS 10 does
    c2 = entries[entries.person_id == "c2"]["stage"].tolist()
    # purchases are counted from the purchase role itself, not from an order_number: c2's
    # first order in the data is their first purchase, the second one their second
    assert c2 == ["Awareness", "Convert", "Ascend", "Advocate"]
    table = on_engine(ws).stages().table.set_index("stage")
    assert table.loc["Convert", "skipped_into"] == 1  # c2: no content, no sign-up
    assert table.loc["Ascend", "skipped_into"] == 1  # c2: no onboarding (Excite)


def test_four_stage_preset(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey="four-stage"))
    ws.load(
        write_file(
            "fs.csv",
            """
            customer_id,ts,event,order_number
            c1,2026-01-01 00:00:00,page_view,
            c1,2026-01-02 00:00:00,review_read,
            c1,2026-01-03 00:00:00,order,1
            c1,2026-02-03 00:00:00,order,2
            c2,2026-01-01 00:00:00,page_view,
            """,
        )
    )
    table = on_engine(ws).stages().table
    assert table["stage"].tolist() == ["Awareness", "Consideration", "Decision", "Loyalty"]
    assert table["reached"].tolist() == [2, 1, 1, 1]
    assert table["median_days_to_next"].tolist()[:3] == pytest.approx([1, 1, 31])


def test_result_to_dict_is_json_ready(shop):
    import json

    data = shop.stages().to_dict()
    text = json.dumps(data)
    assert data["table"][0]["stage"] == "Visit"
    assert data["table"][4]["conversion_to_next"] is None
    assert data["meta"]["people"] == 4
    assert data["meta"]["as_of"].startswith("2026-01-15")
    assert {"from_stage": "Visit", "to_stage": "Buy", "people": 1} in data["flows"]
    assert "NaN" not in text


def test_funnel_by_first_touch_channel(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP))
    ws.load(
        write_file(
            "channels.csv",
            """
            customer_id,ts,event,channel
            c1,2026-01-01 00:00:00,page_view,ads
            c1,2026-01-02 00:00:00,product_view,email
            c2,2026-01-01 00:00:00,page_view,search
            c2,2026-01-02 00:00:00,product_view,search
            c2,2026-01-04 00:00:00,signup,search
            c3,2026-01-01 00:00:00,page_view,
            c4,2026-01-03 00:00:00,page_view,search
            c4,2026-01-01 00:00:00,product_view,social
            """,
        )
    )
    funnel = on_engine(ws).stages(by="channel")
    table = funnel.table
    assert funnel.meta["people"] == 4 and funnel.meta["by"] == "channel"
    # groups by size, then name; c4's first touch is the earlier product_view on social
    assert table["channel"].unique().tolist() == ["(none)", "ads", "search", "social"]
    reached = table.pivot(index="channel", columns="stage", values="reached")
    assert reached.loc["search", ["Visit", "Browse", "Signup"]].tolist() == [1, 1, 1]
    assert reached.loc["ads", ["Visit", "Browse", "Signup"]].tolist() == [1, 1, 0]
    assert reached.loc["(none)", ["Visit", "Browse"]].tolist() == [1, 0]
    assert reached.loc["social", ["Visit", "Browse"]].tolist() == [1, 1]
    search = table[table.channel == "search"].set_index("stage")
    assert search.loc["Browse", "median_days_to_next"] == pytest.approx(2.0)
    flows = funnel.flows
    assert flows[flows.channel == "search"][
        ["from_stage", "to_stage", "people"]
    ].values.tolist() == [
        ["Visit", "Browse", 1],
        ["Browse", "Signup", 1],
        ["Signup", "(stopped)", 1],
    ]
    figure = funnel.figure()  # one bar trace per channel, shares of the channel's people
    assert [t.name for t in figure.data] == ["(none)", "ads", "search", "social"]
    assert list(figure.data[1].x) == pytest.approx([1, 1, 0, 0, 0])
    assert figure.layout.showlegend
    sankey = funnel.flow_figure().data[0]  # everyone's flows, the groups summed
    assert sum(sankey.link.value) == 4 + 3 + 1  # one stop per person, Visit->Browse x3, ->Signup
    with pytest.raises(jejak.JejakError, match="cannot split the funnel by 'ts'"):
        on_engine(ws).stages(by="ts")


def test_empty_workspace_answers_with_zeros(open_workspace, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP))
    funnel = on_engine(ws).stages()
    assert funnel.table["reached"].tolist() == [0, 0, 0, 0, 0]
    assert funnel.meta["people"] == 0 and funnel.flows.empty
    split = on_engine(ws).stages(by="channel")
    assert split.table.empty and list(split.table.columns)[:2] == ["channel", "stage"]
    assert on_engine(ws).stuck("Signup", 3).table.empty


def test_a_later_mapping_file_corrects_an_earlier_one(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP))
    ws.load(write_file("log.csv", "anonymous_id,ts,event\nd1,2026-01-01 00:00:00,product_view"))
    ws.load_identities(write_file("first.csv", "anonymous_id,customer_id\nd1,cZ"))
    ws.load_identities(write_file("fixed.csv", "anonymous_id,customer_id\nd1,cA"))
    assert on_engine(ws).current_stages().table["person_id"].tolist() == ["cA"]
    assert on_engine(ws).identity_conflicts().table["assigned_to"].tolist() == ["cA"]


def test_naive_as_of_is_in_the_workspace_zone(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP, timezone="Asia/Jakarta"))
    ws.load(write_file("log.csv", "customer_id,ts,event\nc1,2026-01-01 07:00:00,signup"))
    # entered at 00:00 UTC; 2026-01-03 07:00 in Jakarta is exactly two days later
    stuck = on_engine(ws).stuck("Signup", 1, as_of=datetime(2026, 1, 3, 7, 0))
    assert stuck.table["days_in_stage"].tolist() == pytest.approx([2.0])


def test_sub_second_times_count(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=SHOP))
    ws.load(
        write_file(
            "ms.csv",
            """
            customer_id,ts,event
            c1,2026-01-01 00:00:00.250,page_view
            c1,2026-01-01 00:00:00.750,product_view
            """,
        )
    )
    days = on_engine(ws).stages().table.set_index("stage").loc["Visit", "median_days_to_next"]
    assert days == pytest.approx(0.5 / 86_400)


# Browse -> Signup -> Buy: page views before browsing are in no stage
LATE_START = Journey.model_validate(
    {
        "name": "late-start",
        "stages": [s.model_dump(exclude_none=True, by_alias=True) for s in SHOP.stages[1:4]],
    }
)

# Visit -> Browse -> Look, the last two entered on the same product view: nobody's
# touchpoint is in Browse
SAME_ENTRY = Journey.model_validate(
    {
        "name": "same-entry",
        "stages": [
            *[s.model_dump(exclude_none=True, by_alias=True) for s in SHOP.stages[:2]],
            {"name": "Look", "rules": [{"event": "product_view"}]},
        ],
    }
)


@pytest.mark.parametrize(
    "journey", [SHOP, LATE_START, SAME_ENTRY], ids=["shop", "late_start", "same_entry"]
)
def test_placing_by_entries_agrees_with_the_running_maximum(shop, journey):
    # a3's page_view and product_view share a second: their event_ids order them
    from jejak.analyses.stages import (
        placed,
        placed_by_entries,
        stage_entries,
        stages_visited,
        with_current_stage,
    )

    events = shop.events()
    wide = with_current_stage(stage_entries(events, journey, ids=True), journey)
    columns = ["event_id", "stage_index", "current_index", "stage_before"]
    by_entries, running = [
        table.select(*columns).to_pandas().sort_values("event_id").reset_index(drop=True)
        for table in (
            placed_by_entries(events, journey, wide, before=True),
            placed(events, journey, before=True),
        )
    ]
    pd.testing.assert_frame_equal(by_entries, running)
    # the stages each person had a touchpoint in, read off the entries alone
    visited = stages_visited(wide, journey).to_pandas()
    pairs = running.merge(events.select("event_id", "person_id").to_pandas(), on="event_id")
    pairs = pairs[pairs["stage_index"] >= 0][["person_id", "stage_index"]].drop_duplicates()
    order = ["person_id", "stage_index"]
    assert sorted(map(tuple, visited[order].values.tolist())) == sorted(
        map(tuple, pairs[order].values.tolist())
    )
    assert (by_entries["stage_index"] == -1).any() == (journey is LATE_START)
    assert (visited["stage_index"] == 1).any() == (journey is not SAME_ENTRY)
    assert (by_entries["stage_before"] == -1).any() == (journey is LATE_START)
    # the stage before worked out on some touchpoints only
    some = placed_by_entries(events, journey, wide, before=ibis._.event == "signup")
    some = some.select("event_id", "event", "stage_before").to_pandas().sort_values("event_id")
    signups = (some["event"] == "signup").to_numpy()
    assert some["stage_before"].isna().to_numpy().tolist() == (~signups).tolist()
    expected = running["stage_before"][signups].tolist()
    assert some["stage_before"][signups].astype(int).tolist() == expected
