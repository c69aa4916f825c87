"""Referral tree, K-factor and promoters on a hand-made log, on both engines."""

from __future__ import annotations

import pytest

# a buys and invites twice; b and c arrive naming a; b buys, c does not. b invites once;
# d arrives naming b and buys. e buys and invites nobody. x names itself (ignored).
LOG = """
customer_id,ts,event,revenue,properties
a,2026-01-01 10:00:00,page_view,,
a,2026-01-02 10:00:00,order,100,
a,2026-01-03 10:00:00,referral_invite,,
a,2026-01-04 10:00:00,referral_invite,,
b,2026-01-05 10:00:00,page_view,,"{""referrer_id"": ""a""}"
b,2026-01-06 10:00:00,order,50,
b,2026-01-07 10:00:00,referral_invite,,
c,2026-01-05 11:00:00,page_view,,"{""referrer_id"": ""a""}"
d,2026-01-08 10:00:00,page_view,,"{""referrer_id"": ""b""}"
d,2026-01-09 10:00:00,order,30,"{""referrer_id"": ""e""}"
e,2026-01-01 10:00:00,order,70,
x,2026-01-01 10:00:00,page_view,,"{""referrer_id"": ""x""}"
"""


@pytest.fixture
def referred(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws).referrals()


def test_tree_and_depth(referred):
    tree = referred.tree.set_index("person_id")
    # d's earliest touchpoint naming someone names b, not the later e
    assert tree["referred_by"].dropna().to_dict() == {"b": "a", "c": "a", "d": "b"}
    assert tree["depth"].to_dict() == {"a": 0, "b": 1, "c": 1, "d": 2}
    assert referred.meta["deepest_chain"] == 2


def test_k_factor(referred):
    meta = referred.meta
    # customers a, b, d, e; they sent 3 invites; 2 referred people bought (b, d)
    assert (meta["customers"], meta["invites_from_customers"], meta["referred_customers"]) == (
        4,
        3,
        2,
    )
    assert meta["invites_per_customer"] == 0.75
    assert meta["invite_conversion"] == pytest.approx(2 / 3)
    assert meta["k_factor"] == 0.5 == meta["invites_per_customer"] * meta["invite_conversion"]
    assert meta["revenue_per_referred_customer"] == 40.0  # b 50, d 30
    assert meta["revenue_per_other_customer"] == 85.0  # a 100, e 70


def test_promoters_to_reward(referred):
    rows = referred.table.to_dict(orient="records")
    assert [r["person_id"] for r in rows] == ["a", "b"]
    assert rows[0] | {} == {
        "person_id": "a",
        "invites": 2,
        "referred": 2,
        "referred_customers": 1,
        "referred_revenue": 50.0,
        "depth": 0,
    }
    assert (rows[1]["referred_customers"], rows[1]["referred_revenue"], rows[1]["depth"]) == (
        1,
        30.0,
        1,
    )
    assert len(referred.figure().data) == 2


def test_one_link_can_bring_several_and_only_customers_referrals_count(
    open_workspace, write_file, on_engine
):
    ws = open_workspace()
    ws.load(
        write_file(
            "shared.csv",
            """
            customer_id,ts,event,revenue,properties
            a,2026-01-01 10:00:00,order,10,
            a,2026-01-02 10:00:00,referral_invite,,
            b,2026-01-03 10:00:00,page_view,,"{""referrer_id"": ""a""}"
            b,2026-01-04 10:00:00,order,10,
            c,2026-01-03 11:00:00,page_view,,"{""referrer_id"": ""a""}"
            c,2026-01-04 11:00:00,order,10,
            y,2026-01-05 10:00:00,page_view,,"{""referrer_id"": ""z""}"
            y,2026-01-06 10:00:00,order,10,
            """,
        )
    )
    meta = on_engine(ws).referrals().meta
    # customers a, b, c, y; a's one invite brought b and c; z never bought, so y's
    # referral is not a customer's doing
    assert (meta["customers"], meta["referred_customers"]) == (4, 3)
    assert meta["customers_referred_by_customers"] == 2
    assert meta["invite_conversion"] == 2.0  # one shared link, two customers
    assert meta["k_factor"] == 0.5 == meta["invites_per_customer"] * meta["invite_conversion"]
