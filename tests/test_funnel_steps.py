"""Funnels of many steps on a hand-written log, on DuckDB and on Spark: twelve steps
counted by hand, and the limit on how many a funnel may have."""

from __future__ import annotations

import pytest

from jejak import ConfigError
from jejak.model.funnel import MAX_STEPS

LATER = "2026-03-01"  # an as_of long after every window closed
STEPS = list("abcdefghijkl")  # twelve touchpoints, one per step


def _hours(person: str, events: str, start: int = 0) -> str:
    """One touchpoint an hour from 2026-01-01 ``start``:00, in the order given."""
    return "".join(
        f"{person},2026-01-01 {start + k:02d}:00:00,{event}\n" for k, event in enumerate(events)
    )


# t1: all twelve in order; t2: stops after g; t3: i comes before h (then j, k, l);
# t4: l on day 3, after a one-day window; t5: an x between e and f
TWELVE_LOG = (
    _hours("t1", "abcdefghijkl")
    + _hours("t2", "abcdefg")
    + _hours("t3", "abcdefgihjkl")
    + _hours("t4", "abcdefghijk")
    + "t4,2026-01-03 00:00:00,l\n"
    + _hours("t5", "abcdexfghijkl")
)


@pytest.fixture
def twelve(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", "customer_id,ts,event\n" + TWELVE_LOG))
    return on_engine(ws)


def entered(result) -> list[int]:
    return result.table["entered"].tolist()


def test_twelve_steps_in_order(twelve):
    result = twelve.funnel(STEPS, window="1d")
    # t2 stops at g (7), t3 at h (no i after it), t4's l is outside the window
    assert entered(result) == [5, 5, 5, 5, 5, 5, 5, 4, 3, 3, 3, 2]
    assert result.table["converted_to_next"].tolist()[:11] == [5, 5, 5, 5, 5, 5, 4, 3, 3, 3, 2]
    assert result.table["median_seconds_to_next"].tolist()[:11] == [3_600] * 11
    # t1 11 hours, t5 12 hours from a to l
    assert result.time_to_convert.set_index("time_to_convert")["people"]["6-24 hours"] == 2
    assert entered(twelve.funnel(STEPS, window="3d"))[-1] == 3  # t4's l counts now


def test_twelve_steps_strictly(twelve):
    result = twelve.funnel(STEPS, window="1d", order="strict")
    # t5's x breaks it after e; t3's i after g; t4's l is outside the window
    assert entered(result) == [5, 5, 5, 5, 5, 4, 4, 2, 2, 2, 2, 1]


def test_twelve_steps_with_an_optional_and_a_within(twelve):
    steps: list = [*STEPS]
    steps[7] = {"event": "h", "optional": True}
    steps[11] = {"event": "l", "within": "1h"}
    result = twelve.funnel(steps, window="3d", as_of=LATER)
    # without h, t3 goes g, i, j, k, l; h is taken between g and i by t1, t4, t5 only;
    # t4's l came two days after its k
    assert entered(result) == [5, 5, 5, 5, 5, 5, 5, 3, 4, 4, 4, 3]
    assert result.table["converted_to_next"].tolist()[6:8] == [4, 3]  # g -> i; h -> i
    assert result.meta["open_people"] == 0
    # the dropped-off audience at step 11: t4
    dropped = twelve.funnel_dropoffs(steps, 11, window="3d", as_of=LATER)
    assert dropped.table["person_id"].tolist() == ["t4"]


def test_many_steps_up_to_the_limit_and_not_beyond(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", "customer_id,ts,event\n" + TWELVE_LOG))
    many = [*STEPS, *(f"s{k}" for k in range(MAX_STEPS - len(STEPS)))]
    assert entered(ws.funnel(many, window="1d"))[:13] == [5, 5, 5, 5, 5, 5, 5, 4, 3, 3, 3, 2, 0]
    with pytest.raises(ConfigError, match=f"at most {MAX_STEPS} steps; this one has"):
        ws.funnel([*many, "one_more"])
