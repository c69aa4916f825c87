"""RFM scores and segments on hand-made buyers, on both engines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jejak.analyses.rfm import SEGMENTS, segment_of

END = date(2026, 3, 31)


def buyers_log() -> str:
    """Ten buyers: b<i> bought i + 1 times (10 each), the last time i days before the end."""
    rows = ["customer_id,ts,event,revenue"]
    for i in range(10):
        for k in range(i + 1):
            day = END - timedelta(days=i + 3 * k)
            rows.append(f"b{i},{day} 12:00:00,order,10")
    rows.append(f"browser,{END} 12:00:00,page_view,")  # never bought: not scored
    return "\n".join(rows)


@pytest.fixture
def scored(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("orders.csv", buyers_log()))
    return on_engine(ws).rfm()


def test_values_and_quintile_scores(scored):
    table = scored.table.set_index("person_id")
    assert len(table) == 10 and "browser" not in table.index
    assert table.loc["b3", "recency_days"] == 3.0
    assert (table.loc["b3", "frequency"], table.loc["b3", "monetary"]) == (4, 40.0)
    # two buyers per quintile: b0, b1 the most recent (R 5) and least frequent (F 1)
    assert table["r"].to_dict() == {f"b{i}": 5 - i // 2 for i in range(10)}
    assert table["f"].to_dict() == {f"b{i}": 1 + i // 2 for i in range(10)}
    assert table.loc["b9", "rfm"] == "155"


def test_named_segments(scored):
    table = scored.table.set_index("person_id")
    assert table["segment"].to_dict() == {
        "b0": "New customer",
        "b1": "New customer",
        "b2": "Potential loyalist",
        "b3": "Potential loyalist",
        "b4": "Need attention",
        "b5": "Need attention",
        "b6": "At risk",
        "b7": "At risk",
        "b8": "Can't lose them",
        "b9": "Can't lose them",
    }
    summary = scored.segments().set_index("segment")
    assert summary.loc["At risk", "buyers"] == 2 and summary.loc["At risk", "share"] == 0.2
    assert summary.loc["Can't lose them", "frequency"] == 9.5


def test_every_score_pair_has_exactly_one_first_segment():
    names = {segment_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert names == {name for name, _, _ in SEGMENTS}
    assert segment_of(5, 5) == "Champions" and segment_of(1, 1) == "Lost"
    with pytest.raises(ValueError, match="scores must be 1-5"):
        segment_of(0, 3)


def test_equal_values_share_a_score_and_few_buyers_score_low(open_workspace, write_file):
    from datetime import datetime

    from jejak.analyses.rfm import rfm

    ws = open_workspace()
    ws.load(
        write_file(
            "few.csv",
            """
            customer_id,ts,event,revenue
            p,2026-03-01 12:00:00,order,10
            q,2026-03-10 12:00:00,order,10
            r,2026-03-20 12:00:00,order,10
            """,
        )
    )
    # a naive moment is UTC
    table = rfm(ws.events(), ws.journey, as_of=datetime(2026, 3, 31)).table.set_index("person_id")
    # everyone bought once for 10: all share the lowest F and M
    assert set(table["f"]) == {1} and set(table["m"]) == {1}
    # recency by rank: 0, 1 and 2 of 3 buyers below -> 1 + floor(5 x k / 3)
    assert table["r"].to_dict() == {"p": 1, "q": 2, "r": 4}
    assert table.loc["r", "segment"] == "Promising" and table.loc["p", "segment"] == "Lost"
