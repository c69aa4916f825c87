"""Comparing two segments: each side's shares, counted by hand on a small log, their
difference with its Newcombe interval (both engines); on the demo shop, the planted
difference between people first touched on social and everyone else; and the faces (the
CLI, the JSON API, the dashboard's Segments page and the report's chart and table)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import jejak
from invoking import invoke
from jejak.analyses.intervals import (
    difference_of_proportions,
    differences_of_proportions,
    overlap_correlation,
)
from jejak.errors import ConfigError
from jejak.model.config import parse_settings
from jejak.report.comparisons import comparison_table, row_labels, shown
from jejak.report.formatting import NO_BREAK
from jejak.report.html import comparison_sections, journey_report_sections
from jejak.report.html.comparison import segment_comparison_sections
from jejak.report.html.page import Section
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from jejak.server.pages import PAGES, build
from serving import running

LOG = """
customer_id,ts,event,channel
s1,2026-01-01 10:00:00,page_view,social
s1,2026-01-02 10:00:00,content_view,social
s1,2026-01-03 10:00:00,newsletter_signup,direct
s1,2026-01-04 10:00:00,order,direct
s2,2026-01-01 11:00:00,page_view,social
s2,2026-01-02 11:00:00,content_view,social
s3,2026-01-01 12:00:00,page_view,social
s4,2026-01-01 13:00:00,page_view,social
s4,2026-01-02 13:00:00,order,social
q1,2026-01-01 14:00:00,page_view,search
q1,2026-01-02 14:00:00,content_view,search
q1,2026-01-03 14:00:00,order,direct
q2,2026-01-01 15:00:00,page_view,search
q3,2026-01-01 16:00:00,page_view,search
q3,2026-01-02 16:00:00,content_view,search
q3,2026-01-03 16:00:00,newsletter_signup,search
d1,2026-01-01 17:00:00,page_view,direct
"""

SETTINGS = """
segments:
  social:
    first: {channel: social}
  search:
    first: {channel: search}
  refunded:
    had: refund
  bought:
    had: order
"""


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace(parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def _check(table, keys: list[str], expected: dict[tuple, tuple[int, int, int, int]]) -> None:
    """Every row of ``table`` is one of ``expected`` (keys -> ka, na, kb, nb), with its
    shares and the difference and interval intervals.difference_of_proportions gives."""
    got = {tuple(row[k] for k in keys): row for _, row in table.iterrows()}
    assert set(got) == set(expected)
    for key, (ka, na, kb, nb) in expected.items():
        row = got[key]
        assert (row.count_a, row.total_a, row.count_b, row.total_b) == (ka, na, kb, nb), key
        assert row.share_a == pytest.approx(ka / na), key
        assert row.share_b == pytest.approx(kb / nb), key
        d, low, high = difference_of_proportions(ka, na, kb, nb)
        assert (row.difference, row.low, row.high) == pytest.approx((d, low, high)), key
        assert row.excludes_zero == (low > 0 or high < 0), key


def test_many_differences_at_once_are_each_one_of_them():
    pairs = [(0, 0, 1, 2), (0, 5, 5, 5), (3, 3, 0, 7), (1, 2, 1, 2), (328, 499, 805, 1501)]
    got = differences_of_proportions(*zip(*pairs, strict=True))
    for i, pair in enumerate(pairs):
        expected = difference_of_proportions(*pair)
        if i == 0:  # an empty group: nothing to compare
            assert all(math.isnan(v[i]) for v in got) and all(math.isnan(v) for v in expected)
            continue
        assert [v[i] for v in got] == pytest.approx(expected, abs=1e-12)


def test_shares_of_groups_sharing_people_get_intervals_that_hold_95_in_100():
    """Two groups of 400 and 500 sharing 300 people, each counted with chance 0.3, drawn
    4,000 times: the interval allowing for the shared people holds the true difference (0)
    about 95 times in 100; taken as independent groups, nearly always (too wide)."""
    rng = np.random.default_rng(1)
    draws, na, nb, ns = 4_000, 400, 500, 300
    shared = rng.binomial(ns, 0.3, draws)
    ka, kb = shared + rng.binomial(na - ns, 0.3, draws), shared + rng.binomial(nb - ns, 0.3, draws)
    na, nb, ns = (np.full(draws, n) for n in (na, nb, ns))
    r = overlap_correlation(ka, na, kb, nb, shared, ns)
    _, low, high = differences_of_proportions(ka, na, kb, nb, r)
    assert 0.94 <= ((low <= 0) & (high >= 0)).mean() <= 0.96
    _, low, high = differences_of_proportions(ka, na, kb, nb)
    assert ((low <= 0) & (high >= 0)).mean() > 0.99


def test_stage_funnel(source):
    result = source.compare("social", "search").stages()
    table = result.table
    firsts = table[table.stage_index <= 4]
    # social: s1 reached Awareness to Convert, s2 to Engagement, s3 Awareness, s4 skipped to
    # Convert; search: q1 skipped Subscribe, q2 Awareness only, q3 to Subscribe
    _check(
        firsts,
        ["stage", "measure"],
        {
            ("Awareness", "reached"): (4, 4, 3, 3),
            ("Awareness", "conversion_to_next"): (2, 4, 2, 3),
            ("Engagement", "reached"): (2, 4, 2, 3),
            ("Engagement", "conversion_to_next"): (1, 2, 1, 2),
            ("Subscribe", "reached"): (1, 4, 1, 3),
            ("Subscribe", "conversion_to_next"): (1, 1, 0, 1),
            ("Convert", "reached"): (2, 4, 1, 3),
            ("Convert", "conversion_to_next"): (0, 2, 0, 1),
        },
    )
    assert list(table.stage_index) == sorted(table.stage_index)
    later = table[table.stage_index > 4]  # nobody got further: shares of 0, or none
    assert (later.count_a == 0).all() and (later.count_b == 0).all()
    assert result.meta | {"journey": None} == {
        "what": "stages",
        "a": "social",
        "b": "search",
        "people_a": 4,
        "people_b": 3,
        "journey": None,
        "overlap": 0,  # first touched on social or on search: nobody is both
        "independent": True,
    }
    assert list(result.a["reached"][:4]) == [4, 2, 1, 2]
    assert list(result.b["reached"][:4]) == [3, 2, 1, 1]


def test_rest_is_everyone_not_in_the_segment(source):
    result = source.compare("social", "rest").stages()
    assert result.meta["people_b"] == 4  # q1, q2, q3 and d1
    row = result.table.set_index(["stage", "measure"]).loc[("Awareness", "conversion_to_next")]
    assert (row.count_b, row.total_b) == (2, 4)


def test_segments_that_share_people_say_how_many(source):
    # bought (had an order): s1, s4 and q1; s1 and s4 were first touched on social
    sides = source.compare("social", "bought")
    kinds = [sides.stages, sides.process_map, sides.paths, sides.journey_map]
    if not isinstance(source, jejak.Workspace):
        # one count per comparison, on the engine; every kind carries it the same way
        # (checked on DuckDB), so Spark's case checks the count on two kinds
        kinds = [sides.stages, sides.paths]
    for kind in kinds:
        result = kind()
        assert (result.meta["overlap"], result.meta["independent"]) == (2, False), kind
    # the shared people (s1 and s4) count on both sides: reached Engagement, social 2 of 4
    # (s1, s2), bought 2 of 3 (s1, q1), shared 1 of 2 (s1); the interval allows for them
    stages = sides.stages()
    row = stages.table.set_index(["stage", "measure"]).loc[("Engagement", "reached")]
    correlation = 2 * 0.5 * 0.5 / math.sqrt(4 * 0.5 * 0.5 * 3 * (2 / 3) * (1 / 3))
    d, low, high = (v[0] for v in differences_of_proportions([2], [4], [2], [3], [correlation]))
    assert (row.difference, row.low, row.high) == pytest.approx((d, low, high))
    _, low_apart, high_apart = difference_of_proportions(2, 4, 2, 3)
    assert low_apart < row.low < row.high < high_apart  # narrower than for independent groups
    # all or none of a side counted: no spread, no correlation (Awareness: everyone)
    row = stages.table.set_index(["stage", "measure"]).loc[("Awareness", "reached")]
    assert (row.low, row.high) == pytest.approx(difference_of_proportions(4, 4, 3, 3)[1:])
    if isinstance(source, jejak.Workspace):  # the same counts on a transition's share:
        # page_view -> content_view, social 2 of 4, bought 2 of 3 (s1, q1), shared 1 of 2
        edges = sides.process_map().table.set_index(["source", "target"])
        row = edges.loc[("page_view", "content_view")]
        assert (row.low, row.high) == pytest.approx((low, high))
    note = "2 people are in both social and bought. The intervals allow for that"
    assert note in " ".join(comparison_sections(stages)[0].intro.split())
    # against everyone else nobody is on both sides, and nothing is said
    alone = source.compare("social", "rest").stages()
    assert (alone.meta["overlap"], alone.meta["independent"]) == (0, True)
    assert "in both" not in comparison_sections(alone)[0].intro


def test_process_map(source):
    table = source.compare("social", "search").process_map().table
    start, end = "(start)", "(end)"
    _check(
        table,
        ["source", "target"],
        {
            (start, "page_view"): (4, 4, 3, 3),
            ("page_view", "content_view"): (2, 4, 2, 3),
            ("page_view", end): (1, 4, 1, 3),
            ("page_view", "order"): (1, 4, 0, 3),
            ("content_view", "newsletter_signup"): (1, 2, 1, 2),
            ("content_view", end): (1, 2, 0, 2),
            ("content_view", "order"): (0, 2, 1, 2),
            ("newsletter_signup", "order"): (1, 1, 0, 1),
            ("newsletter_signup", end): (0, 1, 1, 1),
            ("order", end): (2, 2, 1, 1),
        },
    )
    only = dict(zip(zip(table.source, table.target, strict=True), table.only_in, strict=True))
    assert only[("page_view", "order")] == "a" and only[("content_view", "order")] == "b"
    assert only[("page_view", "content_view")] == ""
    assert not table.excludes_zero.any()  # too few people for a clear change
    sizes = list(table.difference.abs())
    assert sizes == sorted(sizes, reverse=True)  # so the largest change first
    assert set(sizes[:2]) == {1.0}  # after a signup: order on one side, the end on the other


def test_a_clear_change_comes_before_a_larger_rare_one(open_workspace, write_file):
    """On the process map, a change whose interval leaves out 0 ranks above a larger one
    that a handful of transitions make (1 of 1 against 0 of 1 says little)."""
    rows = ["customer_id,ts,event,channel"]
    for side, buyers in (("social", 50), ("search", 20)):
        for i in range(100):
            rows.append(f"{side}{i},2026-01-01 08:00:00,page_view,{side}")
            if i < buyers:
                rows.append(f"{side}{i},2026-01-02 08:00:00,order,")
    rows += ["rare1,2026-01-01 08:00:00,help,social", "rare1,2026-01-02 08:00:00,chat,"]
    rows += ["rare2,2026-01-01 08:00:00,help,search"]
    ws = open_workspace()
    ws.load(write_file("log.csv", "\n".join(rows) + "\n"))
    table = ws.compare("channel=social", "channel=search").process_map().table
    # page_view to order 50 of 100 against 20 of 100, to the end 50 against 80: clear
    top = {(row.source, row.target): row.difference for row in table.head(2).itertuples()}
    assert top == {
        ("page_view", "order"): pytest.approx(0.3),
        ("page_view", "(end)"): pytest.approx(-0.3),
    }
    assert table.head(2).excludes_zero.all()
    # after help, chat on one side and the end on the other: the largest differences
    # (100 points), next, as not clear
    rare = table.iloc[2:4]
    assert set(zip(rare.source, rare.target, rare.difference, strict=True)) == {
        ("help", "(end)", -1.0),
        ("help", "chat", 1.0),
    }
    assert not rare.excludes_zero.any()
    clear = table.excludes_zero.tolist()
    assert clear == sorted(clear, reverse=True)


def test_paths(source):
    result = source.compare("social", "search").paths({"stage": "Convert"}, top=1)
    # each side's top path (most converters, then people): social's 'page_view' (s3, s4),
    # search's 'page_view → content_view' (q1); each counted on both sides
    _check(
        result.table,
        ["path"],
        {
            ("page_view",): (2, 4, 1, 3),
            ("page_view → content_view",): (1, 4, 1, 3),
        },
    )
    assert list(result.table.path) == ["page_view", "page_view → content_view"]


def test_journey_map(source):
    table = source.compare("social", "search").journey_map().table
    _check(
        table,
        ["stage", "touchpoint", "measure"],
        {
            ("Awareness", "page_view", "share"): (4, 4, 3, 3),
            ("Awareness", "page_view", "moved_on"): (3, 4, 2, 3),
            ("Engagement", "content_view", "share"): (2, 2, 2, 2),
            ("Engagement", "content_view", "moved_on"): (1, 2, 2, 2),
            ("Subscribe", "newsletter_signup", "share"): (1, 1, 1, 1),
            ("Subscribe", "newsletter_signup", "moved_on"): (1, 1, 0, 1),
            ("Convert", "order", "share"): (2, 2, 1, 1),
            ("Convert", "order", "moved_on"): (0, 2, 0, 1),
        },
    )


@pytest.mark.parametrize("what", ["stages", "map", "paths", "journey"])
def test_a_segment_of_nobody_has_no_shares_to_compare(source, what):
    result = source.compare("refunded", "rest").of(what)
    table = result.table
    assert len(table) > 0 and (table.total_a == 0).all() and (table.count_a == 0).all()
    assert table.share_a.isna().all() and table.difference.isna().all()
    assert not table.excludes_zero.any()
    section = comparison_sections(result)[0]  # no empty chart nor table: why, in words
    assert section.heading == result.title
    assert (section.figures, section.table) == ([], None)
    assert section.notes == [
        "There is nobody in refunded here, so it has no share to compare with the other group's."
    ]
    assert section.notes_heading == "Why this is empty"


def test_a_comparison_with_no_shared_rows_says_why(source):
    # both have people, but no transition was seen 9 times (the most: 4 + 4 first touches)
    result = source.compare("social", "rest").process_map(min_count=9)
    assert result.table.empty and result.meta["transitions_b"] > 0
    section = comparison_sections(result)[0]
    assert (section.figures, section.table) == ([], None)
    assert section.notes == [
        "No transition was seen at least 9 times in social and everyone else together, so"
        " none is left to compare."
    ]
    # a group of everyone: nobody is left on the other side
    everyone = comparison_sections(source.compare("had:page_view", "rest").stages())[0]
    assert everyone.notes == [
        "Everyone here is in had:page_view, so nobody is left to compare it with."
    ]


def test_one_segment_against_itself_is_refused(source):
    with pytest.raises(ConfigError, match="both sides"):
        source.compare("social", "social")
    with pytest.raises(ConfigError, match="no segment named 'nobody'"):
        source.compare("nobody", "rest")


def test_demo_recovers_the_planted_channel_difference(demo_workspace, demo_shop):
    """Social converts Awareness->Engagement at 0.65 against 0.40-0.75 for the other
    channels (DEFAULT_ADVANCE); the truth's expected rates per channel, pooled over the
    other channels by their people in the stage, give the planted difference."""
    ws = demo_workspace(2_000, 5)
    truth = json.loads((Path(demo_shop(2_000, 5)).parent / "truth.json").read_text())
    expected, reach = truth["expected_conversion"], truth["expected_reach"]
    people = truth["people_by_channel"]
    lifted = {c["from_stage"] for c in truth["plan"]["campaigns"] if c["lift"] > 0}
    table = ws.compare("instagram", "rest").stages().table
    rows = table[table.measure == "conversion_to_next"].set_index("stage")
    assert rows.loc["Awareness", "total_a"] == people["social"]
    assert rows.loc["Awareness", "total_b"] == sum(people.values()) - people["social"]
    checked = 0
    for transition in truth["transitions"]:
        stage = transition.split("->")[0]
        if stage in lifted:  # a campaign's lift there is not in the expected rates
            continue
        weights = {c: people[c] * reach[c][stage] for c in people if c != "social"}
        rest = sum(w * expected[c][transition] for c, w in weights.items()) / sum(weights.values())
        planted = expected["social"][transition] - rest
        row = rows.loc[stage]
        assert row.low <= planted <= row.high, (transition, planted, row.low, row.high)
        checked += 1
    assert checked >= 4
    first = rows.loc["Awareness"]  # the largest groups: the interval leaves out 0
    assert first.excludes_zero and first.difference > 0
    assert not math.isnan(first.low)


# three people first touched on social, against four others (b4 the only one first
# touched on direct): a1 and a2 read content and ordered, a3 only looked; of the others b1
# ordered straight after looking, b4 read content, b2 and b3 only looked
REPORT_LOG = """
customer_id,ts,event,channel
a1,2026-01-01 10:00:00,page_view,social
a1,2026-01-02 10:00:00,content_view,social
a1,2026-01-03 10:00:00,order,direct
a2,2026-01-01 11:00:00,page_view,social
a2,2026-01-02 11:00:00,content_view,direct
a2,2026-01-03 11:00:00,order,direct
a3,2026-01-01 12:00:00,page_view,social
b1,2026-01-01 13:00:00,page_view,search
b1,2026-01-02 13:00:00,order,search
b2,2026-01-01 14:00:00,page_view,search
b3,2026-01-01 15:00:00,page_view,search
b4,2026-01-01 16:00:00,page_view,direct
b4,2026-01-02 16:00:00,content_view,direct
"""


def _report(
    open_workspace, write_file, settings: str, part: Any = journey_report_sections
) -> dict[str, Section]:
    """The report's sections of REPORT_LOG with ``settings`` (or those of one ``part`` of
    it), by heading."""
    ws = open_workspace(parse_settings(settings), f"w{len(settings)}.duckdb")
    ws.load(write_file("log.csv", REPORT_LOG))
    sections = part(ws)
    headings = [s.heading for s in sections]
    assert len(set(headings)) == len(headings)
    return {s.heading: s for s in sections}


def _shown(section: Section) -> list[tuple[str, ...]]:
    """Each row: what, each side's share and count of total, and the difference."""
    rows = section.table.iloc[:, :6].map(lambda cell: cell.replace(NO_BREAK, " "))
    return [tuple(row) for row in rows.itertuples(index=False)]


def test_the_report_compares_the_largest_segment_on_maps_and_paths(open_workspace, write_file):
    sections = _report(
        open_workspace,
        write_file,
        "segments:\n  social: {first: {channel: social}}\n  direct: {first: {channel: direct}}",
    )
    compared = [h for h in sections if "compared with everyone else" in h]
    assert compared == [
        "Stage funnel: social compared with everyone else",
        "Journey map: social compared with everyone else",
        "Process map: social compared with everyone else",
        "Paths: social compared with everyone else",
        "Stage funnel: direct compared with everyone else",  # the smaller: its funnel only
    ]
    # per stage, of those who reached it (social 3, 2, 2; the rest 4, 1, 1), who had its
    # touchpoint, then who of those moved on to a later stage (b1 skipped to Convert)
    journey = sections["Journey map: social compared with everyone else"]
    assert "Each stage shows its most common touchpoint in each group" in journey.intro
    assert _shown(journey) == [
        ("page_view in Awareness", "100.0%", "3 of 3", "100.0%", "4 of 4", "+0.0 pts"),
        ("page_view in Awareness: moved on", "66.7%", "2 of 3", "50.0%", "2 of 4", "+16.7 pts"),
        ("content_view in Engagement", "100.0%", "2 of 2", "100.0%", "1 of 1", "+0.0 pts"),
        (
            "content_view in Engagement: moved on",
            "100.0%",
            "2 of 2",
            "0.0%",
            "0 of 1",
            "+100.0 pts",
        ),
        ("order in Convert", "100.0%", "2 of 2", "100.0%", "1 of 1", "+0.0 pts"),
        ("order in Convert: moved on", "0.0%", "0 of 2", "0.0%", "0 of 1", "+0.0 pts"),
    ]
    # of the transitions out of each touchpoint, the share to each next one, largest
    # change first (then by source and target)
    process = sections["Process map: social compared with everyone else"]
    assert _shown(process) == [
        ("content_view → (end)", "0.0%", "0 of 2", "100.0%", "1 of 1", "-100.0 pts"),
        ("content_view → order", "100.0%", "2 of 2", "0.0%", "0 of 1", "+100.0 pts"),
        ("page_view → content_view", "66.7%", "2 of 3", "25.0%", "1 of 4", "+41.7 pts"),
        ("page_view → order", "0.0%", "0 of 3", "25.0%", "1 of 4", "-25.0 pts"),
        ("page_view → (end)", "33.3%", "1 of 3", "50.0%", "2 of 4", "-16.7 pts"),
        ("(start) → page_view", "100.0%", "3 of 3", "100.0%", "4 of 4", "+0.0 pts"),
        ("order → (end)", "100.0%", "2 of 2", "100.0%", "1 of 1", "+0.0 pts"),
    ]
    # the touchpoints before Convert (the report's goal), or all of a non-buyer's
    paths = sections["Paths: social compared with everyone else"]
    assert "journey to Convert" in paths.intro
    assert _shown(paths) == [
        ("page_view", "33.3%", "1 of 3", "75.0%", "3 of 4", "-41.7 pts"),
        ("page_view → content_view", "66.7%", "2 of 3", "25.0%", "1 of 4", "+41.7 pts"),
    ]
    for section in (journey, process, paths):
        assert len(section.figures) == 1 and not section.notes
        drawn = section.figures[0].data[0]
        assert list(drawn.x) == pytest.approx(
            [float(d.split()[0]) for d in section.table["Difference"]], abs=0.05
        )


def test_a_report_without_segments_of_people_compares_none(open_workspace, write_file):
    # the report's part that compares (the test above sees it in the whole report)
    compared = segment_comparison_sections
    unsaved = _report(open_workspace, write_file, "journey: value-journey", compared)
    assert unsaved == {}
    # saved, but nobody in it: the report says why it compares nothing
    segments = "segments:\n  refunded: {had: refund}"
    empty = _report(open_workspace, write_file, segments, compared)
    assert [h for h in empty if ": refunded compared with" in h] == []
    said = empty["Segments compared with everyone else"]
    assert (said.figures, said.table, said.notes_heading) == ([], None, "Why this is empty")
    assert said.notes == [
        "None of the saved segments has anybody in it here, so none is compared with everyone else."
    ]


@pytest.fixture
def project(tmp_path: Path, write_file) -> Path:
    """A folder with jejak.yaml (the two segments) and its workspace holding the log."""
    (tmp_path / "jejak.yaml").write_text("workspace: w.duckdb\n" + SETTINGS, "utf-8")
    with jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS)) as ws:
        ws.load(write_file("log.csv", LOG))
    return tmp_path


def test_groups_of_people_compare_as_segments_do(source):
    # first touched on social against first on search: the saved segments' people
    groups = source.compare("first:channel=social", "first:channel=search").stages()
    saved = source.compare("social", "search").stages()
    columns = ["count_a", "total_a", "count_b", "total_b", "difference", "low", "high"]
    assert groups.table[columns].equals(saved.table[columns])
    assert (groups.meta["a"], groups.meta["people_a"]) == ("first:channel=social", 4)
    # had a touchpoint from social (s1-s4), against had an order (s1, s4, q1): s1 and s4
    # are on both sides, and the rest of those who had search (q1-q3) are 3
    shared = source.compare("channel=social", "had:order").stages()
    assert (shared.meta["people_b"], shared.meta["overlap"]) == (3, 2)
    rest = source.compare("channel=search", "rest").stages()
    assert (rest.meta["people_a"], rest.meta["people_b"]) == (3, 5)  # s1-s4 and d1
    reached = rest.table.set_index(["stage", "measure"]).loc[("Subscribe", "reached")]
    assert (reached.count_a, reached.count_b) == (1, 1)  # q3; s1
    with pytest.raises(ConfigError, match="compare a group of people by what they had"):
        source.compare("page_view", "rest")
    with pytest.raises(ConfigError, match="Nowhere"):
        source.compare("stage:Nowhere", "rest")


def test_cli_prints_and_writes_what_the_library_answers(project):
    done = invoke("compare", "social", "search", "--what", "map", "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    with jejak.Workspace(project / "w.duckdb", parse_settings(SETTINGS)) as ws:
        expected = ws.compare("social", "search").process_map().to_dict()
    assert json.loads(done.stdout) == json.loads(json.dumps(expected))

    done = invoke("compare", "social", cwd=project)
    assert done.returncode == 0, done.stderr
    lines = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if "│" in line}
    # Awareness to Engagement: social 2 of 4, everyone else (q1, q2, q3, d1) 2 of 4
    assert "2 of 4" in lines["Awareness to the next stage"]
    assert "+0.0\u00a0pts" in lines["Awareness to the next stage"]

    done = invoke("compare", "social", "bought", cwd=project)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert "2 people are in both social and bought. The intervals allow for that" in said
    assert "in both" not in invoke("compare", "social", "search", cwd=project).stdout

    done = invoke("compare", "channel=search", "--json", cwd=project)  # a group, not saved
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["meta"]["people_a"] == 3

    done = invoke("compare", "social", "--what", "funnel", cwd=project)
    assert done.returncode == 1
    assert "cannot compare 'funnel'; use one of stages, map, paths, journey" in done.stderr


def test_api_answers_what_the_library_answers(project):
    ws = jejak.Workspace(project / "w.duckdb", parse_settings(SETTINGS))
    try:
        keys = ensure_keys(ws.con)
        expected = ws.compare("social", "search").journey_map(top=1).to_dict()
        with running(create_app(ws)) as base:
            response = httpx.get(
                base + "/v1/analyses/compare",
                params={"a": "social", "b": "search", "what": "journey", "top": 1},
                headers={"Authorization": f"Bearer {keys['read']}"},
                timeout=60,
            )
            refused = httpx.get(
                base + "/v1/analyses/compare",
                params={"a": "social", "what": "funnel"},
                headers={"Authorization": f"Bearer {keys['read']}"},
                timeout=60,
            )
    finally:
        ws.close()
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(json.dumps(expected))
    assert refused.status_code == 422


def test_segments_page_and_report_show_the_same_rows_in_chart_and_table(demo_workspace):
    ws = demo_workspace(2_000, 5)
    page = next(p for p in PAGES if p.slug == "segments")
    section = build(page, ws, {"compare": "instagram", "what": "journey"})[0]
    result = ws.compare("instagram", "rest").journey_map()
    assert section.heading == result.title
    rows = shown(result)
    assert 0 < len(rows) <= 20
    labels = row_labels(rows, "journey")
    assert list(section.table.iloc[:, 0]) == labels
    drawn = section.figures[0].data[0]
    assert [y.replace("<br>", " ") for y in drawn.y] == labels
    assert list(drawn.x) == pytest.approx(list(100 * rows["difference"]))
    assert section.table.equals(comparison_table(result))
    # everything on the page without a comparison is still there, after it
    assert len(build(page, ws, {"compare": "instagram"})) == len(build(page, ws, {})) + 1
