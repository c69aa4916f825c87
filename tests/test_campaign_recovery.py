"""The demo shop's campaigns, planted with holdouts: each lift is recovered within its
95% interval, the zero-lift campaign is called so, and the overview shows the gaps."""

from __future__ import annotations

import pytest

import jejak
from jejak.demo import campaign_settings
from jejak.model.config import Settings
from jejak.simulate import ShopPlan, simulate_shop
from jejak.simulate.shop import DEMO_CAMPAIGNS


@pytest.fixture(scope="module", params=[7, 21])
def shop_and_source(request, tmp_path_factory):
    plan = ShopPlan(campaigns=DEMO_CAMPAIGNS)
    shop = simulate_shop(customers=20_000, seed=request.param, plan=plan)
    ws = jejak.Workspace(None, Settings(campaigns=campaign_settings(plan)))
    ws.load(shop.write(tmp_path_factory.mktemp("campaigns"))["touchpoints"])
    return shop, ws


def test_each_planted_lift_is_inside_its_interval(shop_and_source):
    shop, ws = shop_and_source
    for name, truth in shop.truth["campaigns"].items():
        result = ws.campaign(name)
        meta, rows = result.meta, result.table.set_index("group")
        assert meta["lift_low"] <= truth["realised_lift"] <= meta["lift_high"], name
        assert rows.loc["exposed", "people"] == truth["exposed"]
        assert rows.loc["held out", "people"] == truth["held_out"]
        assert meta["audience_fit"] == 1.0  # every target was in the from-stage
        # incremental customers: the people the campaign really moved, within the interval
        low, high = meta["incremental_customers_low"], meta["incremental_customers_high"]
        assert low <= truth["moved"] <= high, name


def test_verdicts_follow_the_planted_lifts(shop_and_source):
    _, ws = shop_and_source
    table = ws.campaigns().table.set_index("campaign")
    verdicts = table["verdict"].dropna().to_dict()
    assert verdicts["signup-retargeting"] == "moved its audience"
    assert verdicts["first-order-coupon"] == "moved its audience"
    assert verdicts["onboarding-tips"] == "no lift detected"
    idle = table[table.index.isna()]["transition"].tolist()
    assert "Awareness -> Engagement" in idle and "Engagement -> Subscribe" not in idle
    # the call to action answered: moved people all clicked, a few others too
    response = table.loc["signup-retargeting", "response_rate"]
    assert response > table.loc["signup-retargeting", "exposed_rate"]
