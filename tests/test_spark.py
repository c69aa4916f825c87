"""The stage engine gives the same answers on Apache Spark (local mode) as on DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest

import jejak
from jejak.analyses import stages

pytestmark = pytest.mark.spark

LOG = """
customer_id,anonymous_id,ts,event,properties
,a1,2026-01-01 00:00:00,page_view,
,a1,2026-01-02 00:00:00,content_view,
c1,a1,2026-01-03 00:00:00,newsletter_signup,
c1,,2026-01-05 00:00:00,order,"{""order_number"": 1}"
c1,,2026-01-09 06:00:00,order,"{""order_number"": 2}"
c1,,2026-01-10 00:00:00,review,"{""rating"": 5}"
c2,,2026-01-01 12:00:00,page_view,
c2,,2026-01-02 12:00:00,order,"{""order_number"": 1}"
c2,,2026-01-03 12:00:00,review,"{""rating"": 2}"
,a3,2026-01-04 00:00:00,page_view,
,a3,2026-01-04 00:00:00,video_view,
c4,a4,2026-01-01 00:00:00,account_created,
c5,a4,2026-01-02 00:00:00,account_created,
c5,,2026-01-02 00:00:00,referral_invite,
"""


@pytest.fixture
def spark(spark_session):
    return spark_session


def _on_spark(spark, ws: jejak.Workspace):
    source = jejak.on_spark(
        spark, ws.touchpoints().to_pyarrow(), ws.identity_links().to_pyarrow(), ws.settings
    )
    return source.events()


def _assert_same_funnel(duck: stages.StageFunnel, other: stages.StageFunnel) -> None:
    pd.testing.assert_frame_equal(duck.table, other.table, check_dtype=False)
    key = [c for c in duck.flows.columns if c != "people"]
    pd.testing.assert_frame_equal(
        duck.flows.sort_values(key).reset_index(drop=True),
        other.flows.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    assert duck.meta == other.meta


def test_hand_made_log_same_on_spark(spark, open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    ws.load_identities(write_file("ids.csv", "anonymous_id,customer_id\na3,c9"))
    journey = ws.journey
    duck = stages.stage_funnel(ws.events(), journey)
    on_spark = stages.stage_funnel(_on_spark(spark, ws), journey)
    assert duck.table["reached"].tolist() == [5, 2, 3, 2, 0, 1, 1, 1]
    _assert_same_funnel(duck, on_spark)

    by_channel = stages.stage_funnel(ws.events(), journey, by="event")
    _assert_same_funnel(by_channel, stages.stage_funnel(_on_spark(spark, ws), journey, by="event"))

    entries = stages.entries(ws.events(), journey).to_pandas()
    spark_entries = stages.entries(_on_spark(spark, ws), journey).to_pandas()
    spark_entries["entered_at"] = spark_entries["entered_at"].dt.tz_localize("UTC")
    order = ["person_id", "stage_index"]
    pd.testing.assert_frame_equal(
        entries.sort_values(order).reset_index(drop=True),
        spark_entries.sort_values(order).reset_index(drop=True),
        check_dtype=False,
    )


def test_simulated_shop_same_on_spark(spark, open_workspace, tmp_path):
    from jejak.simulate import simulate_shop

    files = simulate_shop(customers=1_500, seed=3).write(tmp_path / "shop")
    ws = open_workspace()
    ws.load(files["touchpoints"])
    duck = stages.stage_funnel(ws.events(), ws.journey)
    on_spark = stages.stage_funnel(_on_spark(spark, ws), ws.journey)
    assert duck.meta["people"] == 1_500
    _assert_same_funnel(duck, on_spark)


def test_two_sources_in_one_session_keep_their_own_data(spark):
    import pyarrow as pa

    def log(customer: str) -> pa.Table:
        return pa.table(
            {
                "customer_id": [customer, " "],
                "anonymous_id": [None, ""],  # blank ids are missing: that row is nobody's
                "ts": pa.array([0, 1], pa.timestamp("us", tz="UTC")),
                "event": ["page_view", "page_view"],
                "properties": [None, None],
            }
        )

    first, second = jejak.on_spark(spark, log("c1")), jejak.on_spark(spark, log("c2"))
    assert first.current_stages().table["person_id"].tolist() == ["c1"]
    assert second.current_stages().table["person_id"].tolist() == ["c2"]


def test_ids_keep_every_letter_on_spark(spark):
    import pyarrow as pa

    ids = ["f", "chef", "v1", " tvf\t"]
    log = pa.table(
        {
            "customer_id": ids,
            "anonymous_id": [None] * 4,
            "ts": pa.array([0, 1, 2, 3], pa.timestamp("us", tz="UTC")),
            "event": ["page_view"] * 4,
            "properties": [None] * 4,
        }
    )
    people = jejak.on_spark(spark, log).current_stages().table["person_id"]
    # only the surrounding blanks go: Spark once read TRIM's \v and \f as v and f
    assert sorted(people) == ["chef", "f", "tvf", "v1"]


def test_as_of_is_the_latest_touchpoint_of_a_person(spark):
    import pyarrow as pa

    from jejak.analyses.journeys import JourneyAnalyses

    log = pa.table(
        {
            "customer_id": ["c1", None, None],
            "anonymous_id": [None, "a1", " "],  # the latest belongs to nobody
            "ts": pa.array([0, 86_400_000_000, 2 * 86_400_000_000], pa.timestamp("us", tz="UTC")),
            "event": ["page_view"] * 3,
            "properties": [None] * 3,
        }
    )
    source = jejak.on_spark(spark, log)
    # read without stitching, the same as from the stitched events
    assert source.as_of() == JourneyAnalyses.as_of(source) == pd.Timestamp("1970-01-02", tz="UTC")


def test_spark_table_without_the_touchpoint_columns_is_refused(spark):
    import pyarrow as pa

    with pytest.raises(jejak.ConfigError, match=r"missing column\(s\) ts, event"):
        jejak.on_spark(spark, pa.table({"customer_id": ["c1"], "anonymous_id": ["a"]}))


def test_a_segments_people_are_kept_while_the_frames_stay_the_same(spark):
    import pyarrow as pa

    from jejak.model.config import parse_settings

    settings = parse_settings("segments:\n  buyers:\n    had: order\n")
    rows = {
        "customer_id": ["c1", "c1", "c2"],
        "anonymous_id": [None] * 3,
        "ts": pa.array([0, 1, 2], pa.timestamp("us", tz="UTC")),
        "event": ["page_view", "order", "page_view"],
        "properties": [None] * 3,
    }
    framed = jejak.on_spark(spark, pa.table(rows), settings=settings)
    rule = framed.segment_definitions()["buyers"]
    kept = framed.segment_members(rule)
    assert framed.segment_members(rule) is kept  # planned and counted once, then read
    assert kept.to_pandas()["person_id"].tolist() == ["c1"]
    assert framed.segment("buyers").current_stages().table["person_id"].tolist() == ["c1"]

    # a table's name is read again by every query: its people are not kept
    spark.createDataFrame(pa.table(rows)).createOrReplaceTempView("shop_touchpoints")
    named = jejak.on_spark(spark, "shop_touchpoints", settings=settings)
    assert named.data_version() is None
    assert named.segment_members(rule) is not named.segment_members(rule)


def test_the_stitched_touchpoints_are_kept_while_the_frames_stay_the_same(spark):
    import pyarrow as pa

    rows = {
        "customer_id": [None, "c1", "c2"],
        "anonymous_id": ["a1", "a1", None],
        "ts": pa.array([0, 1, 2], pa.timestamp("us", tz="UTC")),
        "event": ["page_view", "order", "page_view"],
        "properties": [None] * 3,
    }
    framed = jejak.on_spark(spark, pa.table(rows))
    kept = framed.events()
    assert framed.events() is kept  # stitched once, then read by every analysis
    people = kept.order_by("ts").to_pandas()["person_id"].tolist()
    assert people == ["c1", "c1", "c2"]  # the anonymous visit is c1's
    assert framed.stages().table["reached"].tolist()[0] == 2

    # a table's name is read again by every query: it is stitched by each
    spark.createDataFrame(pa.table(rows)).createOrReplaceTempView("shop_stitched")
    named = jejak.on_spark(spark, "shop_stitched")
    assert named.events() is not named.events()
    assert named.events().order_by("ts").to_pandas()["person_id"].tolist() == people
