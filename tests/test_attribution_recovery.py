"""Attribution recovers the channel effects the demo shop planted.

The plan acquires the same number of people through each channel, with planted chances of
reaching Convert that differ (referral best, ads worst), and brings every returning
visitor back through ``direct``. Direct is then everybody's return channel, so the planted
effect is compared on the other four acquisition channels.

Offers before the first order come from three channels with planted chances for buyers
and for people who stalled (retargeting helps most, push not at all). A first-order
Markov chain cannot see acquisition effects here: once everybody comes back through the
same direct state it forgets where they came from (every acquisition channel's removal
effect is its 20% share of starts). It does see the offers, which sit next to the outcome.
"""

from __future__ import annotations

import dataclasses

import pytest

import jejak
from jejak.simulate import ShopPlan, simulate_shop
from jejak.simulate.shop import DEFAULT_ADVANCE

ACQUISITION = ("search", "social", "ads", "referral")


def planted_convert(channel: str) -> float:
    """P(reach Convert) the plan gives a person acquired through ``channel``."""
    awareness_to_engagement, engagement_to_subscribe, subscribe_to_convert = DEFAULT_ADVANCE[
        channel
    ][:3]
    return awareness_to_engagement * engagement_to_subscribe * subscribe_to_convert


@pytest.fixture(scope="module")
def attributed(tmp_path_factory):
    directory = tmp_path_factory.mktemp("attribution")
    plan = dataclasses.replace(
        ShopPlan(),
        channel_shares=dict.fromkeys([*ACQUISITION, "direct"], 0.2),
        return_channel_shares={"direct": 1.0},
    )
    shop = simulate_shop(customers=20_000, seed=5, plan=plan)
    files = shop.write(directory)
    with jejak.Workspace(directory / "shop.duckdb") as ws:
        ws.load(files["touchpoints"])
        result = ws.attribution({"stage": "Convert"}, lookback=None)
        effects = ws.touchpoint_effects(by="channel").table
    return shop, result, effects


def test_first_touch_credits_exactly_the_planted_buyers_per_channel(attributed):
    shop, result, _ = attributed
    planted = shop.truth["realised"]["observed_reach"]["Convert"]
    credited = result.table.set_index("channel")["first_touch"]
    assert {c: int(credited.get(c, 0)) for c in planted} == planted
    assert result.meta["untouched_conversions"] == 0


def test_shapley_ranks_acquisition_channels_by_their_planted_effect(attributed):
    _, result, _ = attributed
    credited = result.table.set_index("channel")["shapley"]
    by_plan = sorted(ACQUISITION, key=planted_convert, reverse=True)
    assert by_plan == ["referral", "search", "social", "ads"]
    assert sorted(ACQUISITION, key=lambda c: credited[c], reverse=True) == by_plan


@pytest.mark.parametrize("model", ["markov", "shapley"])
def test_offer_channels_rank_by_their_planted_effect(attributed, model):
    shop, result, _ = attributed
    offers = shop.plan.offer_channels
    # the planted effect: how much likelier a buyer clicked the offer than a staller
    by_plan = sorted(offers, key=lambda c: offers[c][0] / offers[c][1], reverse=True)
    assert by_plan == ["retargeting", "sms", "push"]
    credited = result.table.set_index("channel")[model]
    assert sorted(offers, key=lambda c: credited[c], reverse=True) == by_plan


def test_the_simulator_emits_offers_at_the_planted_rates(attributed):
    shop, _, _ = attributed
    people = shop.people().to_pandas()
    touches = shop.touchpoints.to_pandas()
    offers = touches[touches.event == "offer_click"]
    # guests click before they have a customer id: their device id says who they are
    person_of = dict(zip(people.anonymous_id, people.customer_id, strict=True))
    who = offers.customer_id.fillna(offers.anonymous_id.map(person_of))
    buyers = set(people.loc[people.convert_at.notna(), "customer_id"])
    for channel, (p_bought, _) in shop.plan.offer_channels.items():
        clicked = set(who[offers.channel == channel])
        share = len(clicked & buyers) / len(buyers)
        assert share == pytest.approx(p_bought, abs=0.02), channel


def test_touchpoint_effects_recover_planted_effects_and_their_absence(attributed):
    _, _, effects = attributed
    at = effects.set_index(["stage", "channel"])
    # offers: planted to come before buying far more often for retargeting than for push
    subscribe = at.loc["Subscribe"]
    assert subscribe.loc["retargeting", "verdict"] == "helps"
    assert subscribe.loc["sms", "verdict"] == "helps"
    ratios = subscribe["rate_ratio"]
    assert ratios["retargeting"] > ratios["sms"] > ratios["push"]
    # acquisition: referral's planted Awareness -> Engagement chance is the best, ads' the worst
    awareness = at.loc["Awareness"]
    assert awareness.loc["referral", "ci_low"] > 1 and awareness.loc["ads", "ci_high"] < 1
    # subscribers come back through the newsletter whatever they do next: no planted effect
    for stage in ("Subscribe", "Convert", "Excite"):
        assert 1 / 1.15 < at.loc[(stage, "email"), "rate_ratio"] < 1.15, stage
