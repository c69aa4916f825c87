"""Saved segments on a hand-made log: who is in each, as a filter and a breakdown, as an
exported audience; definitions from jejak.yaml (both engines) and saved in a workspace."""

from __future__ import annotations

import pytest

import jejak
from jejak.analyses.diagnosis import warnings_of
from jejak.errors import ConfigError
from jejak.model.config import parse_settings

LOG = """
customer_id,ts,event,channel,revenue,properties
a,2026-01-01 10:00:00,page_view,social,,
a,2026-01-02 10:00:00,content_view,social,,
a,2026-01-03 10:00:00,newsletter_signup,direct,,
a,2026-01-04 10:00:00,order,direct,100,"{""order_number"": 1}"
b,2026-01-01 11:00:00,page_view,search,,
b,2026-01-05 10:00:00,order,search,50,"{""order_number"": 1}"
b,2026-02-05 10:00:00,order,direct,70,"{""order_number"": 2}"
c,2026-01-01 12:00:00,page_view,social,,
d,2026-01-01 13:00:00,page_view,ads,,
d,2026-01-02 13:00:00,content_view,ads,,
e,2026-01-01 14:00:00,page_view,search,,
e,2026-02-01 14:00:00,newsletter_signup,direct,,
f,2026-01-01 15:00:00,page_view,social,,
f,2026-01-10 15:00:00,order,social,30,"{""order_number"": 1}"
"""

SETTINGS = """
segments:
  social:
    description: came to us through Instagram
    first: {channel: social}
  buyers:
    had: order
  social buyers:
    first: {channel: social}
    had: order
  subscribed now:
    stage: Subscribe
  not social:
    not: {first: {channel: social}}
  either:
    any:
      - stage: Subscribe
      - first: {channel: ads}
  fans:
    engagement: follows content
"""

MEMBERS = {
    "social": {"a", "c", "f"},
    "buyers": {"a", "b", "f"},
    "social buyers": {"a", "f"},
    "subscribed now": {"e"},
    "not social": {"b", "d", "e"},
    "either": {"d", "e"},
    # engagement share: a 1 content / 1 order = 0.5, d 1 / 0; b and f only transact
    "fans": {"a", "d"},
}


@pytest.fixture
def workspace(open_workspace, write_file):
    ws = open_workspace(parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    return ws


@pytest.fixture
def source(workspace, on_engine):
    return on_engine(workspace)


def _people(part) -> set[str]:
    return set(part.members().to_pyarrow()["person_id"].to_pylist())


def test_each_segment_holds_exactly_its_people(source):
    assert {name: _people(part) for name, part in source.each_segment().items()} == MEMBERS
    table = source.segments().table.set_index("segment")
    assert table["people"].to_dict() == {name: len(p) for name, p in MEMBERS.items()}
    assert table.loc["social", "description"] == "came to us through Instagram"
    assert table.loc["social buyers", "definition"] == "had order and first touch channel social"
    assert set(table["saved_in"]) == {"jejak.yaml"}


def test_a_segment_filters_any_analysis(source):
    funnel = source.segment("social").stages().table.set_index("stage")["reached"]
    assert (funnel["Awareness"], funnel["Engagement"], funnel["Convert"]) == (3, 1, 2)
    # attribution of the social buyers' first orders: a's journey and f's
    credit = source.segment("social buyers").attribution(models=["first_touch"]).table
    assert credit.set_index("channel")["first_touch"].to_dict() == {"social": 2.0, "direct": 0.0}
    # membership is decided on all the data, whatever the date range
    later = source.between("2026-01-04").segment("buyers").stages().table.set_index("stage")
    assert later.loc["Convert", "reached"] == 3


def test_stage_funnel_and_journey_map_split_by_segment(source):
    table = source.stages(by="segment").table
    reached = table.set_index(["segment", "stage"])["reached"]
    for name, people in MEMBERS.items():
        assert reached[(name, "Awareness")] == len(people)
    assert reached[("buyers", "Convert")] == 3 and reached[("social buyers", "Convert")] == 2
    assert "(in no segment)" not in set(table["segment"])  # everyone is in one here
    mapped = source.journey_map(by="segment", lanes=False).table  # lanes: test_journey_lanes
    social = mapped[(mapped["segment"] == "social") & (mapped["stage"] == "Awareness")]
    assert social.set_index("touchpoint").loc["page_view", "people"] == 3


def test_funnel_split_by_segment(source):
    table = source.funnel(["page_view", "order"], by="segment").table
    entered = table.set_index(["segment", "step"])["entered"]
    assert entered[("buyers", 2)] == 3 and entered[("social", 2)] == 2
    assert entered[("either", 1)] == 2 and entered[("either", 2)] == 0
    assert entered[("(in no segment)", 1)] == 0  # everyone is in a segment here


def test_splitting_by_segment_without_segments_says_so(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with pytest.raises(ConfigError, match="no segments to split by"):
        ws.funnel(["page_view", "order"], by="segment")


def test_audience_lists_the_people_with_ids_stage_and_orders(source):
    audience = source.audience("buyers")
    table = audience.table.set_index("person_id")
    assert list(table.index) == ["a", "b", "f"]
    assert table["orders"].to_dict() == {"a": 1, "b": 2, "f": 1}
    assert table["revenue"].to_dict() == {"a": 100.0, "b": 120.0, "f": 30.0}
    assert table["stage"].to_dict() == {"a": "Convert", "b": "Ascend", "f": "Convert"}
    assert table.loc["b", "last_seen"].isoformat() == "2026-02-05T10:00:00+00:00"
    assert audience.meta["people"] == 3


def test_value_by_segment_counts_buyers_in_each(workspace, write_file):
    with pytest.raises(jejak.JejakError, match="1 of 3 buyers bought again"):
        workspace.value_by("segment")  # b alone bought twice: nothing to learn from
    workspace.load(write_file("again.csv", "customer_id,ts,event,revenue\n"
                              "f,2026-01-20 15:00:00,order,40\n"))  # fmt: skip
    value = workspace.value_by("segment").table.set_index("segment")
    assert value.loc["buyers", "buyers"] == 3
    assert value.loc["social buyers", "buyers"] == 2
    assert "subscribed now" not in value.index  # nobody there bought
    # two repeat buyers are enough for numbers, which the answer calls rough
    assert value["expected_purchases"].notna().all()
    [rough] = warnings_of(workspace.value_by("segment"))
    assert "no settled fit on 3 buyers, 2 of them repeat buyers (alpha, a, b ran" in rough


def test_saved_segments_persist_and_mix_rules_and_models(workspace, tmp_path):
    workspace.save_segment("champions", {"rfm": ["Champions", "Loyal"]}, description="best")
    workspace.save_segment("two orders", {"had": {"event": "order", "where": {"order_number": 2}}})
    assert _people(workspace.segment("two orders")) == {"b"}
    champions = _people(workspace.segment("champions"))
    rfm = workspace.rfm().table
    assert champions == set(rfm.loc[rfm["segment"].isin(["Champions", "Loyal"]), "person_id"])
    path = workspace.path
    workspace.close()
    again = jejak.Workspace(path, parse_settings(SETTINGS))
    try:
        table = again.segments().table.set_index("segment")
        assert table.loc["champions", "saved_in"] == "workspace"
        assert table.loc["champions", "description"] == "best"
        assert table.loc["two orders", "people"] == 1
        again.drop_segment("two orders")
        assert "two orders" not in again.segment_definitions()
    finally:
        again.close()


def test_model_segments_follow_new_data(workspace, write_file):
    fans = workspace.segment("fans")
    assert _people(fans) == {"a", "d"}
    workspace.load(write_file("more.csv", "customer_id,ts,event\nb,2026-03-01 10:00:00,"
                              "content_view\nb,2026-03-02 10:00:00,video_view\n"
                              "b,2026-03-03 10:00:00,webinar_attend\n"))  # fmt: skip
    assert _people(workspace.segment("fans")) == {"a", "b", "d"}
    assert _people(fans) == {"a", "b", "d"}  # a view made before the load follows too


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({}, "a segment needs at least one of had, first, stage"),
        ({"stage": "Subscrib"}, "'Subscrib' is not a stage of journey value-journey"),
        ({"had": {"stage": "Nope"}}, "'Nope' is not a stage"),
        ({"hadd": "order"}, "'hadd': unknown key"),
        ({"rfm": "Champ"}, "'Champ' is not an RFM segment"),
        ({"engagement": "fans"}, "is not an engagement group"),
        ({"k": 3}, "'k' goes with 'cluster'"),
        ({"p_alive_below": 2}, "p_alive_below"),
    ],
)
def test_bad_definitions_name_the_key(workspace, definition, message):
    with pytest.raises(ConfigError, match=message):
        workspace.save_segment("bad", definition)
    assert "bad" not in workspace.segment_definitions()


def test_names_and_clashes(workspace):
    workspace.save_segment("x", {"had": "order"})
    with pytest.raises(ConfigError, match="already saved; replace it"):
        workspace.save_segment("x", {"had": "page_view"})
    workspace.save_segment("x", {"had": "page_view"}, replace=True)
    assert len(_people(workspace.segment("x"))) == 6
    with pytest.raises(ConfigError, match=r"defined in jejak\.yaml"):
        workspace.save_segment("buyers", {"had": "order"})
    with pytest.raises(ConfigError, match=r"defined in jejak\.yaml"):
        workspace.drop_segment("buyers")
    with pytest.raises(ConfigError, match="not a segment name"):
        workspace.save_segment("a/b", {"had": "order"})
    with pytest.raises(ConfigError, match="no segment named 'nope'"):
        workspace.segment("nope")
    with pytest.raises(ConfigError, match="no segment named 'nope' is saved"):
        workspace.drop_segment("nope")


def test_settings_name_the_segment_key_and_line():
    with pytest.raises(ConfigError, match=r"line 3: 'segments': segment 'a' names 'Subscrib'"):
        parse_settings("timezone: UTC\nsegments:\n  a:\n    stage: Subscrib\n")
    with pytest.raises(ConfigError, match=r"line 3: 'segments.a.rfm': 'Champ'"):
        parse_settings("segments:\n  a:\n    rfm: Champ\n")


def test_a_split_funnel_nobody_gets_through_says_why_once(source):
    result = source.funnel(["page_view", "refund"], by="segment")
    assert set(result.table["segment"]) == {*MEMBERS, "(in no segment)"}
    assert not result.table.groupby("segment")["entered"].last().any()
    said = [w for w in warnings_of(result) if "matches no touchpoint" in w]
    assert len(said) == 1 and said[0].startswith("'refund' matches no touchpoint (refund)")
