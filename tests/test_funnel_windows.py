"""Funnel step options on hand-written logs, on DuckDB and on Spark: per-step windows
(within), minimum gaps (after), optional steps, open windows and date ranges; every
number counted by hand."""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest

import jejak
from invoking import invoke
from jejak import ConfigError
from jejak.model.funnel import FunnelStep
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import running

LATER = "2026-03-01"  # an as_of long after every window closed


def column(result, name):
    return result.table[name].tolist()


def load(open_workspace, write_file, on_engine, log):
    ws = open_workspace()
    ws.load(write_file("log.csv", "customer_id,ts,event\n" + log))
    return on_engine(ws)


def test_within_is_met_on_the_second_and_missed_one_second_later(
    open_workspace, write_file, on_engine
):
    ws = load(
        open_workspace,
        write_file,
        on_engine,
        """
        w1,2026-01-01 00:00:00,visit
        w1,2026-01-01 01:00:00,signup
        w2,2026-01-01 00:00:00,visit
        w2,2026-01-01 01:00:01,signup
        """,
    )
    steps = ["visit", {"event": "signup", "within": "1h"}]
    result = ws.funnel(steps, as_of=LATER)
    assert column(result, "entered") == [2, 1]
    assert column(result, "median_seconds_to_next")[0] == 3_600
    assert result.meta["open_windows"] == "exclude" and result.meta["open_people"] == 0
    assert result.meta["step_options"][1] == {
        "optional": False,
        "within_seconds": 3_600,
        "after_seconds": None,
    }
    assert column(ws.funnel(["visit", "signup"], as_of=LATER), "entered") == [2, 2]
    strict = ws.funnel(steps, order="strict", as_of=LATER)
    assert column(strict, "entered") == [2, 1]


def test_within_counts_from_the_step_before_not_from_step_one(
    open_workspace, write_file, on_engine
):
    ws = load(
        open_workspace,
        write_file,
        on_engine,
        """
        p1,2026-01-01 00:00:00,visit
        p1,2026-01-01 05:00:00,signup
        p1,2026-01-01 05:59:59,pay
        p2,2026-01-01 00:00:00,visit
        p2,2026-01-01 00:10:00,signup
        p2,2026-01-01 01:10:01,pay
        """,
    )
    result = ws.funnel(["visit", "signup", {"event": "pay", "within": "1h"}], as_of=LATER)
    assert column(result, "entered") == [2, 2, 1]  # p1 6 h after its visit, p2 1 h 1 s late
    # the window from step 1 still holds
    short = ws.funnel(
        ["visit", "signup", {"event": "pay", "within": "1h"}], window="2h", as_of=LATER
    )
    assert column(short, "entered") == [2, 1, 0]


def test_after_takes_the_first_step_touchpoint_late_enough(open_workspace, write_file, on_engine):
    ws = load(
        open_workspace,
        write_file,
        on_engine,
        """
        a1,2026-01-01 00:00:00,visit
        a1,2026-01-01 00:10:00,signup
        a1,2026-01-01 00:30:00,pay
        a1,2026-01-01 01:10:00,pay
        a2,2026-01-01 00:00:00,visit
        a2,2026-01-01 00:10:00,signup
        a2,2026-01-01 01:09:59,pay
        """,
    )
    steps = ["visit", "signup", {"event": "pay", "after": "1h"}]
    result = ws.funnel(steps, as_of=LATER)
    assert column(result, "entered") == [2, 2, 1]  # a2 paid 1 s too soon
    assert column(result, "median_seconds_to_next")[1] == 3_600  # a1's second pay
    buckets = result.time_to_convert.set_index("time_to_convert")["people"]
    assert buckets["1-6 hours"] == 1 and buckets.sum() == 1  # a1: 70 minutes
    plain = ws.funnel(["visit", "signup", "pay"], as_of=LATER)
    assert column(plain, "entered") == [2, 2, 2]
    assert column(plain, "median_seconds_to_next")[1] == (1_200 + 3_599) / 2
    # a minimum and a maximum gap together: at least 1 h and at most 61 minutes
    both = ws.funnel(
        ["visit", "signup", {"event": "pay", "after": "1h", "within": "61m"}], as_of=LATER
    )
    assert column(both, "entered") == [2, 2, 1]
    strict = ws.funnel(["visit", {"event": "signup", "after": "11m"}], order="strict", as_of=LATER)
    assert column(strict, "entered") == [2, 0]


OPTIONAL_LOG = """
o1,2026-01-01 00:00:00,visit
o1,2026-01-01 00:10:00,coupon
o1,2026-01-01 00:20:00,pay
o2,2026-01-01 00:00:00,visit
o2,2026-01-01 00:10:00,pay
o3,2026-01-01 00:00:00,visit
o3,2026-01-01 00:03:00,coupon
o4,2026-01-01 00:00:00,visit
o4,2026-01-01 00:05:00,pay
o4,2026-01-01 00:06:00,coupon
o5,2026-01-01 00:00:00,visit
"""


def test_optional_step_skipped_or_taken(open_workspace, write_file, on_engine):
    ws = load(open_workspace, write_file, on_engine, OPTIONAL_LOG)
    steps = ["visit", {"event": "coupon", "optional": True}, "pay"]
    result = ws.funnel(steps, as_of=LATER)
    # the coupon counts when it comes between visit and pay: o1 and o3 (o4's came after)
    assert column(result, "entered") == [5, 2, 3]
    # conversion to next goes to pay: from visit everyone who paid (o1, o2, o4); from
    # the coupon those who took it and paid (o1)
    assert column(result, "converted_to_next")[:2] == [3, 1]
    assert column(result, "conversion_to_next")[:2] == pytest.approx([3 / 5, 1 / 2])
    assert column(result, "conversion_from_first") == pytest.approx([1, 2 / 5, 3 / 5])
    # visit -> pay: 1200, 600, 300 s; coupon -> pay: o1 600 s
    assert column(result, "median_seconds_to_next")[:2] == [600, 600]
    assert result.time_to_convert["people"].sum() == 3
    # o4 skipped the coupon and still converted; without the optional step it would not
    required = ws.funnel(["visit", "coupon", "pay"], as_of=LATER)
    assert column(required, "entered") == [5, 3, 1]
    # the furthest step: o5 stopped at the visit, o3 at the coupon
    assert ws.funnel_dropoffs(steps, 1, as_of=LATER).table["person_id"].tolist() == ["o5"]
    assert ws.funnel_dropoffs(steps, 2, as_of=LATER).table["person_id"].tolist() == ["o3"]
    # an optional step's own window: within 5 minutes of the visit only o3's coupon
    quick = ws.funnel(
        ["visit", {"event": "coupon", "optional": True, "within": "5m"}, "pay"], as_of=LATER
    )
    assert column(quick, "entered") == [5, 1, 3]
    assert column(quick, "converted_to_next")[:2] == [3, 0]


OPEN_LOG = """
c1,2026-01-01 00:00:00,visit
c1,2026-01-01 01:00:00,pay
c2,2026-01-01 00:00:00,visit
c3,2026-01-05 00:00:00,visit
c4,2026-01-05 06:00:00,visit
c4,2026-01-05 12:00:00,pay
"""


def test_open_windows_are_counted_and_left_out(open_workspace, write_file, on_engine):
    ws = load(open_workspace, write_file, on_engine, OPEN_LOG)
    # the data ends 2026-01-05 12:00; c3's day-long window closes 2026-01-06
    plain = ws.funnel(["visit", "pay"], window="1d")
    assert column(plain, "entered") == [4, 2]  # without step options: as before
    assert plain.meta["open_people"] == 1 and plain.meta["open_windows"] == "include"
    out = ws.funnel(["visit", "pay"], window="1d", open_windows="exclude")
    assert column(out, "entered") == [3, 2]
    assert out.meta["open_people"] == 1 and out.meta["open_windows"] == "exclude"
    assert ws.funnel_dropoffs(["visit", "pay"], 1, window="1d").table["person_id"].tolist() == [
        "c2",
        "c3",
    ]
    dropped = ws.funnel_dropoffs(["visit", "pay"], 1, window="1d", open_windows="exclude")
    assert dropped.table["person_id"].tolist() == ["c2"]
    steps = ["visit", {"event": "pay", "within": "2d"}]
    assert column(ws.funnel(steps, window="1d"), "entered") == [3, 2]  # left out by default
    included = ws.funnel(steps, window="1d", open_windows="include")
    assert column(included, "entered") == [4, 2] and included.meta["open_people"] == 1
    # later, every window has closed
    closed = ws.funnel(steps, window="1d", as_of="2026-01-07")
    assert column(closed, "entered") == [4, 2] and closed.meta["open_people"] == 0
    # a step's own window closes sooner: c3's hour ended on 2026-01-05 01:00 (and c4
    # paid 6 hours after its visit)
    hour = ws.funnel(["visit", {"event": "pay", "within": "1h"}], window="1d")
    assert column(hour, "entered") == [4, 1] and hour.meta["open_people"] == 0


def test_a_conversion_after_end_counts(open_workspace, write_file, on_engine):
    ws = load(
        open_workspace,
        write_file,
        on_engine,
        """
        e1,2026-01-01 23:00:00,visit
        e1,2026-01-02 01:00:00,pay
        e2,2026-01-02 00:30:00,visit
        e2,2026-01-02 00:40:00,pay
        e3,2026-01-01 12:00:00,visit
        """,
    )
    before = ws.funnel(["visit", "pay"], window="1d", end="2026-01-02")
    assert column(before, "entered") == [2, 1]  # e1's pay after the end counts
    assert column(before, "median_seconds_to_next")[0] == 7_200
    after = ws.funnel(["visit", "pay"], window="1d", start="2026-01-02")
    assert column(after, "entered") == [1, 1]
    with_options = ws.funnel(
        ["visit", {"event": "pay", "within": "3h"}], end="2026-01-02", as_of=LATER
    )
    assert column(with_options, "entered") == [2, 1]


RANGE_LOG = """
e1,2026-01-01 23:00:00,visit
e1,2026-01-02 01:00:00,pay
e2,2026-01-02 00:30:00,visit
e2,2026-01-02 00:40:00,pay
e3,2026-01-01 12:00:00,visit
e3,2026-01-01 12:30:00,coupon
"""


def test_a_date_range_bounds_entries_not_conversions(open_workspace, write_file, on_engine):
    # a source cut to a date range (the CLI's --since/--until, the dashboard's dates)
    # counts a funnel as funnel(start=, end=) does: who entered step 1 in the range, with
    # their later steps wherever they fall; before, e1's pay after the end was lost
    ws = load(open_workspace, write_file, on_engine, RANGE_LOG)
    steps = ["visit", "pay"]
    first_day = ws.between(end="2026-01-02")
    assert column(first_day.funnel(steps, window="1d"), "entered") == [2, 1]
    assert first_day.funnel(steps, window="1d").table.equals(
        ws.funnel(steps, window="1d", end="2026-01-02").table
    )
    second_day = ws.between(start="2026-01-02")
    assert column(second_day.funnel(steps, window="1d"), "entered") == [1, 1]
    # the range and the funnel's own dates: both bound the entries
    assert column(first_day.funnel(steps, start="2026-01-01 18:00"), "entered") == [1, 1]
    assert column(second_day.funnel(steps, end="2026-01-02"), "entered") == [0, 0]
    # people chosen by a touchpoint keep their range: e3's coupon, e3 only, no pay
    chosen = ws.only("coupon").between(end="2026-01-02")
    assert column(chosen.funnel(steps, window="1d"), "entered") == [1, 0]
    assert column(ws.between(end="2026-01-02").only("coupon").funnel(steps), "entered") == [1, 0]
    # the report's and the dashboard's section says whom the range counts
    from jejak.report.html.funnels import funnel_sections

    (section,) = funnel_sections(first_day.funnel(steps, window="1d"), steps, "1d")
    assert section.notes[0].startswith("People who entered the first step before 2026-01-02;")
    ranged = ws.between("2026-01-01 18:00", "2026-01-02").funnel(steps)
    assert (
        funnel_sections(ranged, steps, "30d")[0]
        .notes[0]
        .startswith(
            "People who entered the first step from 2026-01-01 18:00 and before 2026-01-02;"
        )
    )
    assert not funnel_sections(ws.funnel(steps, as_of=LATER), steps, "30d")[0].notes
    # who stopped after the first step, in the range: e3 only (e1 paid the next day)
    dropped = first_day.funnel_dropoffs(steps, 1, window="1d")
    assert dropped.table["person_id"].tolist() == ["e3"]
    # a step's people, as a segment saves them: the same range
    paid = first_day.funnel_audience(steps, 2, window="1d").table["person_id"].tolist()
    assert (
        paid == ["e1"] == ws.funnel_audience(steps, 2, end="2026-01-02").table["person_id"].tolist()
    )
    assert ws.funnel_audience(steps, 2).table["person_id"].tolist() == ["e1", "e2"]


def test_a_funnel_cell_keeps_its_dates(open_workspace, write_file, on_engine):
    cell = {"steps": ["visit", "pay"], "step": 2, "window": "1d", "end": "2026-01-02"}
    settings = jejak.Settings.model_validate({"segments": {"paid-first-day": {"funnel": cell}}})
    ws = open_workspace(settings)
    ws.load(write_file("log.csv", "customer_id,ts,event\n" + RANGE_LOG))
    saved = ws.segment_definitions()["paid-first-day"]
    assert "entered before 2026-01-02" in saved.describe()
    segment = on_engine(ws).segment("paid-first-day")
    assert segment.members().to_pandas()["person_id"].tolist() == ["e1"]
    with pytest.raises(ConfigError, match="'soon' is not a date or time"):
        ws.save_segment("bad", {"funnel": cell | {"start": "soon"}})


def test_the_cli_range_counts_conversions_after_it(tmp_path):
    (tmp_path / "log.csv").write_text("customer_id,ts,event\n" + RANGE_LOG.lstrip(), "utf-8")
    (tmp_path / "jejak.yaml").write_text("workspace: w.duckdb\n", "utf-8")
    done = invoke("load", "log.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = invoke(
        "--until", "2026-01-02", "funnel", "visit", "pay", "--window", "1d", "--json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert [row["entered"] for row in json.loads(done.stdout)["table"]] == [2, 1]
    # the same range saves the step's people: e1 paid after entering on the first day
    done = invoke(
        "--until", "2026-01-02", "segments", "save", "paid", "--funnel", "visit",
        "--funnel", "pay", "--step", "2", "--window", "1d", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "entered before 2026-01-02" in done.stdout and "(1 person)" in done.stdout


def test_steps_with_options_in_settings_syntax_and_stages(open_workspace):
    step = FunnelStep.of({"event": "x", "optional": True, "within": "2d", "after": "1h"})
    assert step.rule.event == ["x"] and step.label == "x" and step.optional
    assert step.within == pd.Timedelta(days=2) and step.after == pd.Timedelta(hours=1)
    stage = FunnelStep.of({"stage": "Convert", "within": 90})
    assert stage.stage == "Convert" and stage.within == pd.Timedelta(seconds=90)


@pytest.mark.parametrize(
    ("steps", "kwargs", "message"),
    [
        ([{"event": "a", "optional": True}, "b"], {}, "step 1 starts the funnel"),
        (["a", {"event": "b", "optional": True}], {}, "the last step cannot be optional"),
        (["a", {"event": "b", "within": "1h"}], {"order": "any"}, "need ordered or strict"),
        (["a", {"event": "b", "optional": True}, "c"], {"order": "strict"}, "strict allows"),
        (["a", {"event": "b", "within": "1h", "after": "2h"}], {}, "after must be shorter"),
        (["a", {"event": "b", "within": "2 weeks"}], {}, "'2 weeks' is not a duration"),
        (["a", {"event": "b", "after": 0}], {}, "must be positive"),
        (
            ["a", {"event": "b", "optional": True}, "c"],
            {"exclusions": [{"step": "x", "after": 2}]},
            "between two required steps",
        ),
        (["a", "b"], {"open_windows": "sometimes"}, "open_windows"),
    ],
)
def test_bad_step_options_say_what_to_fix(open_workspace, steps, kwargs, message):
    ws = open_workspace()
    with pytest.raises(ConfigError, match=message):
        ws.funnel(steps, **kwargs)


def test_api_and_cli_take_step_options(tmp_path):
    (tmp_path / "log.csv").write_text("customer_id,ts,event\n" + OPTIONAL_LOG.lstrip(), "utf-8")
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(tmp_path / "log.csv")
    steps = ["visit", {"event": "coupon", "optional": True, "within": "5m"}, "pay"]
    expected = ws.funnel(steps, as_of=LATER).to_dict()
    keys = ensure_keys(ws.con)
    params = {
        "steps": ["visit", json.dumps(steps[1]), "pay"],
        "as_of": LATER,
        "open_windows": "include",
    }
    with running(create_app(ws)) as base:
        answer = httpx.get(
            base + "/v1/analyses/funnel",
            params=params,
            headers={"Authorization": f"Bearer {keys['read']}"},
            timeout=60,
        )
        bad = httpx.get(
            base + "/v1/analyses/funnel",
            params={**params, "open_windows": "sometimes"},
            headers={"Authorization": f"Bearer {keys['read']}"},
            timeout=60,
        )
    ws.close()
    assert answer.status_code == 200, answer.text
    table = answer.json()["table"]
    assert [row["entered"] for row in table] == [5, 1, 3]
    assert answer.json()["table"] == json.loads(json.dumps(expected["table"], default=str))
    assert bad.status_code == 422
    # the CLI: the same funnel, read as JSON
    (tmp_path / "jejak.yaml").write_text("workspace: w.duckdb\n", "utf-8")
    done = invoke(
        "funnel",
        "visit",
        json.dumps(steps[1]),
        "pay",
        "--as-of",
        LATER,
        "--open-windows",
        "exclude",
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert [row["entered"] for row in json.loads(done.stdout)["table"]] == [5, 1, 3]
