"""Review ratings on a hand-made log, on both engines."""

from __future__ import annotations

import math

import pytest

LOG = """
customer_id,ts,event,properties
a,2026-01-05,review,"{""rating"": 5}"
a,2026-02-05,review,"{""rating"": 4}"
a,2026-02-06,referral_invite,
b,2026-01-10,review,"{""rating"": 2}"
c,2026-02-10,review,"{""rating"": 3.5}"
c,2026-02-11,review,"{""rating"": 9}"
d,2026-02-12,review,
"""


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def test_ratings_overall_and_per_month(source):
    result = source.reviews()
    rows = result.table.set_index("period")
    overall = rows.loc["all"]
    # 5, 4, 2, 3.5 (9 is off the scale, d's review has no rating)
    assert overall["reviews"] == 4 and overall["mean"] == pytest.approx(3.625)
    sd = math.sqrt(((5 - 3.625) ** 2 + 0.375**2 + 1.625**2 + 0.125**2) / 3)
    assert overall["ci_low"] == pytest.approx(3.625 - 3.182446305284263 * sd / 2)
    assert overall["ci_high"] == 5  # 3.625 + t * sd / 2 = 5.61 is kept within the scale
    assert overall["positive"] == pytest.approx(0.5)
    assert [overall[f"stars_{k}"] for k in range(1, 6)] == [0, 0.25, 0.25, 0.25, 0.25]
    assert rows.loc["2026-01-01", "reviews"] == 2 and rows.loc["2026-02-01", "mean"] == 3.75
    # latest rating per reviewer: a 4 (promoted), b 2, c 3.5
    link = {row["kind"]: row for row in result.meta["journey"]}
    assert link[4]["people"] == 1 and link[4]["Promote"] == 1.0
    assert link[2]["Promote"] == 0.0 and link[3]["people"] == 1
