"""The stage engine recovers what the demo shop planted.

The simulator's ground truth says, per acquisition channel, how many people it let
reach each stage and the expected conversion between stages. jejak reads only the
touchpoints, through loading, identity stitching and the value-journey preset.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import jejak
from jejak.simulate import simulate_shop

TOLERANCE = 0.02  # the bar: within 2 percentage points


@pytest.fixture(scope="module")
def shop_funnel(tmp_path_factory):
    """A 100k-person shop (about 2.5M touchpoints), loaded and split by acquisition channel."""
    directory = tmp_path_factory.mktemp("shop")
    shop = simulate_shop(customers=100_000, seed=7)
    files = shop.write(directory)
    with jejak.Workspace(directory / "shop.duckdb") as ws:
        ws.load(files["touchpoints"])
        by_channel = ws.stages(by="channel")
        overall = ws.stages()
        entries = ws.stage_entries().table
    return shop, by_channel, overall, entries


def test_reach_per_channel_is_exactly_what_was_planted(shop_funnel):
    truth, by_channel = shop_funnel[0].truth, shop_funnel[1]
    table = by_channel.table
    for stage, per_channel in truth["realised"]["observed_reach"].items():
        for channel, planted in per_channel.items():
            row = table[(table.channel == channel) & (table.stage == stage)]
            measured = int(row["reached"].iloc[0]) if len(row) else 0
            assert measured == planted, (stage, channel)


def test_conversion_per_channel_within_two_points(shop_funnel):
    truth, by_channel = shop_funnel[0].truth, shop_funnel[1]
    table = by_channel.table.set_index(["channel", "stage"])
    checked = 0
    for channel, transitions in truth["expected_conversion"].items():
        for transition, expected in transitions.items():
            start = transition.split("->")[0]
            reached = int(table.loc[(channel, start), "reached"])
            measured = table.loc[(channel, start), "conversion_to_next"]
            standard_error = math.sqrt(expected * (1 - expected) / reached)
            # 2 points where the sample can show it (3 standard errors fit within 2 points);
            # for the smallest cells, within 3 standard errors
            assert abs(measured - expected) <= max(TOLERANCE, 3 * standard_error), (
                channel,
                transition,
                measured,
                expected,
                reached,
            )
            checked += standard_error * 3 <= TOLERANCE
    assert checked >= 12  # the larger cells (early stages, big channels) are held to 2 points


def test_pooled_conversion_within_two_points(shop_funnel):
    truth, overall = shop_funnel[0].truth, shop_funnel[2]
    table = overall.table.set_index("stage")
    for transition, expected in truth["expected_conversion_all"].items():
        start = transition.split("->")[0]
        assert table.loc[start, "conversion_to_next"] == pytest.approx(expected, abs=TOLERANCE)


def test_median_days_between_stages(shop_funnel):
    truth, overall = shop_funnel[0].truth, shop_funnel[2]
    table = overall.table.set_index("stage")
    for transition, planted in truth["median_delay_days"].items():
        start = transition.split("->")[0]
        assert table.loc[start, "median_days_to_next"] == pytest.approx(planted, rel=0.1), (
            transition
        )


def test_every_entry_time_is_the_planted_one(shop_funnel):
    shop, entries = shop_funnel[0], shop_funnel[3]
    people = shop.people().to_pandas()
    people["person_id"] = people["customer_id"].fillna("anon:" + people["anonymous_id"])
    planted = {
        (person, stage): at
        for stage in shop.truth["stages"]
        for person, at in zip(people.person_id, people[f"{stage.lower()}_at"], strict=True)
        if not pd.isna(at)
    }
    measured = {
        (p, s): t
        for p, s, t in entries[["person_id", "stage", "entered_at"]].itertuples(index=False)
    }
    assert len(measured) == len(planted)
    assert measured == planted


def test_skipped_subscribe_counted(shop_funnel):
    shop, overall = shop_funnel[0], shop_funnel[2]
    people = shop.people().to_pandas()
    table = overall.table.set_index("stage")
    # guests buy without a Subscribe touchpoint; nobody else skips a stage
    for stage in ("Convert", "Excite", "Ascend", "Advocate", "Promote"):
        guests = int((people.guest & people[f"{stage.lower()}_at"].notna()).sum())
        assert table.loc[stage, "skipped_into"] == guests, stage
    assert table.loc["Subscribe", "skipped_into"] == 0


def test_stage_funnel_by_channel_recovers_planted_reach(tmp_path):
    shop = simulate_shop(customers=4_000, seed=5)
    files = shop.write(tmp_path)
    people = shop.people().to_pandas()
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.load(files["touchpoints"])
        steps = [{"stage": s} for s in ("Awareness", "Engagement", "Subscribe", "Convert")]
        result = ws.funnel(steps, window="400d", by="channel")
    table = result.table.set_index(["channel", "step"])["entered"]
    for channel, group in people.groupby("channel"):
        # in order, within the year: guests (no Subscribe touchpoint) stop at Subscribe
        expected = [
            len(group),
            int(group.engagement_at.notna().sum()),
            int(group.subscribe_at.notna().sum()),
            int((group.subscribe_at.notna() & group.convert_at.notna()).sum()),
        ]
        assert [int(table[(channel, k)]) for k in (1, 2, 3, 4)] == expected, channel


def test_paths_to_first_purchase_account_for_every_buyer(tmp_path):
    shop = simulate_shop(customers=3_000, seed=8)
    files = shop.write(tmp_path)
    people = shop.people().to_pandas()
    buyers = int(people.convert_at.notna().sum())
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.load(files["touchpoints"])
        paths = ws.top_paths({"stage": "Convert"}, steps=3, limit=100_000).table
        flows = ws.paths(before={"stage": "Convert"}, steps=2).table
    assert paths["people"].sum() == len(people)
    assert paths["converters"].sum() == buyers
    # everyone's first touchpoint is a page_view, so every buyer had one before buying
    assert flows["people"].sum() == buyers
    assert set(flows["target"]) <= {"order", "trial_start", "first_order"}
