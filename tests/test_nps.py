"""NPS on hand-made survey answers, on both engines."""

from __future__ import annotations

import math

import pytest

from jejak.analyses.nps import score_interval

# a: 10 in January, 6 in February; b: 9; c: 7 then 8 in January; d: 3 in February.
# e, f and g answered with something that is not a whole number from 0 to 10.
LOG = """
customer_id,ts,event,properties
a,2026-01-05 10:00:00,nps_response,"{""score"": 10}"
a,2026-02-05 10:00:00,nps_response,"{""score"": 6}"
b,2026-01-06 10:00:00,nps_response,"{""score"": 9}"
b,2026-01-08 10:00:00,review,"{""rating"": 5}"
c,2026-01-07 10:00:00,nps_response,"{""score"": 7}"
c,2026-01-20 10:00:00,nps_response,"{""score"": 8}"
d,2026-02-10 10:00:00,nps_response,"{""score"": 3}"
e,2026-02-11 10:00:00,nps_response,"{""score"": ""abc""}"
f,2026-02-12 10:00:00,nps_response,"{""score"": 11}"
g,2026-02-13 10:00:00,nps_response,"{""score"": 7.5}"
"""


@pytest.fixture
def answered(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("answers.csv", LOG))
    return on_engine(ws).nps()


def test_score_per_period_and_overall(answered):
    rows = answered.table.set_index("period").to_dict(orient="index")
    assert list(rows) == ["all", "2026-01-01", "2026-02-01"]
    january = rows["2026-01-01"]  # a and b promote, c's latest answer is a passive 8
    assert (january["promoters"], january["passives"], january["detractors"]) == (2, 1, 0)
    assert january["nps"] == pytest.approx(200 / 3)
    spread = 1.959963984540054 * math.sqrt((2 / 3 - 4 / 9) / 3)
    assert january["ci_low"] == pytest.approx(100 * (2 / 3 - spread))
    assert january["ci_high"] == 100.0  # capped
    february = rows["2026-02-01"]
    assert (february["answers"], february["nps"], february["ci_low"]) == (2, -100.0, -100.0)
    # everyone's latest answer: a detracts now, b promotes, c passive, d detracts
    everything = rows["all"]
    assert (everything["promoters"], everything["passives"], everything["detractors"]) == (
        1,
        1,
        2,
    )
    assert everything["nps"] == -25.0
    assert everything["ci_high"] == pytest.approx(
        100 * (-0.25 + 1.959963984540054 * math.sqrt((0.25 + 0.5 - 0.0625) / 4))
    )


def test_answers_linked_to_advocate_and_promote(answered):
    link = {row["kind"]: row for row in answered.meta["journey"]}
    # b's five-star review made b an advocate; a's 10 in January does not count here,
    # since the journey would count the answer itself as Advocate
    assert link["promoter"]["Advocate"] == 1.0
    assert link["detractor"]["Advocate"] == 0.0 and link["detractor"]["people"] == 2
    assert link["passive"]["Advocate"] == 0.0 and link["promoter"]["Promote"] == 0.0


def test_interval_edges():
    assert score_interval(0, 0, 0)[0] != score_interval(0, 0, 0)[0]  # NaN without answers
    assert score_interval(5, 5, 10) == pytest.approx(
        (0.0, -100 * 1.959963984540054 * 1 / math.sqrt(10), 100 * 1.959963984540054 / 10**0.5)
    )


def test_the_latest_answer_by_the_clock_not_the_wall(open_workspace, write_file, on_engine):
    from jejak.model.config import parse_settings

    ws = open_workspace(parse_settings("timezone: Europe/Berlin\n"))
    ws.load(write_file("answers.csv", (
        "customer_id,ts,event,properties\n"
        'p,2026-10-25 00:45:00+00:00,nps_response,"{""score"": 10}"\n'  # 02:45 summer time
        'p,2026-10-25 01:10:00+00:00,nps_response,"{""score"": 0}"\n'  # 02:10 winter time
    )))  # fmt: skip
    result = on_engine(ws).nps()
    overall = result.table.iloc[0]
    assert (overall["detractors"], overall["promoters"]) == (1, 0)  # the later answer, 0
    assert result.table["period"].tolist() == ["all", "2026-10-01"]
