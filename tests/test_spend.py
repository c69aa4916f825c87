"""Ad spend files read as the platforms export them, and spend against return: cost per
acquisition, cost per move, ROAS per attribution model; exact on a hand-made shop, on
both engines, and the planted cost per acquisition recovered on the simulated one."""

from __future__ import annotations

import pandas as pd
import pytest

import jejak
from jejak.errors import LoadError

# p1 comes by an ad and buys; p2 comes by social, sees the ad, buys; p3 sees the ad only
LOG = """
customer_id,ts,event,channel,campaign,revenue
p1,2026-01-05 10:00:00,page_view,ads,promo,
p1,2026-01-07 10:00:00,order,,,300000
p2,2026-01-06 10:00:00,page_view,social,,
p2,2026-01-08 10:00:00,page_view,ads,promo,
p2,2026-01-10 10:00:00,order,,,200000
p3,2026-01-06 11:00:00,page_view,ads,promo,
"""
SPEND = """
date,channel,campaign,spend
2026-01-05,ads,promo,100000
2026-01-06,ads,promo,200000
2026-01-06,social,,50000
"""
# Google Ads "download as CSV": a title, the dates, the header, rows, then total rows
GOOGLE = """Campaign performance report
"5 January 2026 - 6 January 2026"
Day,Campaign,Currency code,Cost,Impr.,Clicks
2026-01-05,promo,IDR,"100,000.00",1000,30
2026-01-06,promo,IDR,"200,000.00",900,20
Total: Account,,IDR,"300,000.00",1900,50
"""
# Meta Ads Manager, broken down by day; the amount's currency in its header
META = """Reporting starts,Reporting ends,Campaign name,Day,Amount spent (IDR),Impressions
2026-01-05,2026-01-06,promo,2026-01-06,"75000",800
2026-01-05,2026-01-06,promo,2026-01-05,"25000",500
"""
# a shop's own sheet: semicolons, day-first dates, rupiah with thousands dots
INDONESIAN = """tanggal;kanal;kampanye;biaya
05/01/2026;social;;Rp 30.000
13/01/2026;social;;Rp 20.000
"""


@pytest.fixture
def shop(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    return ws


def _stored(ws) -> list[tuple]:
    rows = ws.ad_spend()
    return [
        (str(d.date()), c, k, s)
        for d, c, k, s in zip(rows["day"], rows["channel"], rows["campaign"], rows["spend"],
                              strict=True)
    ]  # fmt: skip


def test_the_platforms_exports_load_as_days_of_channels_and_campaigns(shop, write_file):
    google = shop.load_spend(write_file("google.csv", GOOGLE), channel="ads")
    assert (google.export, google.rows, google.total, google.currency) == (
        "google", 2, 300_000.0, "IDR"
    )  # fmt: skip
    meta = shop.load_spend(write_file("meta.csv", META), channel="social")
    assert (meta.export, meta.rows, meta.total, meta.currency) == ("meta", 2, 100_000.0, "IDR")
    ours = shop.load_spend(write_file("biaya.csv", INDONESIAN))
    assert (ours.export, ours.first_day, ours.last_day) == ("plain", "2026-01-05", "2026-01-13")
    # the shop's social spend of 5 January replaced Meta's for that day and campaign? no:
    # Meta's campaign is 'promo', the sheet's none; both stay
    assert _stored(shop) == [
        ("2026-01-05", "ads", "promo", 100_000.0),
        ("2026-01-05", "social", "", 30_000.0),
        ("2026-01-05", "social", "promo", 25_000.0),
        ("2026-01-06", "ads", "promo", 200_000.0),
        ("2026-01-06", "social", "promo", 75_000.0),
        ("2026-01-13", "social", "", 20_000.0),
    ]
    again = shop.load_spend(write_file("google.csv", GOOGLE.replace("200,000.00", "250,000.00")),
                            channel="ads")  # fmt: skip
    assert (again.rows, again.replaced) == (2, 2)  # an export of the same days replaces them
    assert ("2026-01-06", "ads", "promo", 250_000.0) in _stored(shop)
    assert len(_stored(shop)) == 6


def test_a_bad_spend_file_says_where_and_stores_nothing(shop, write_file):
    shop.load_spend(write_file("spend.csv", SPEND))
    before = _stored(shop)
    bad = SPEND.replace("50000", "lima puluh ribu")
    with pytest.raises(LoadError, match=r"bad\.csv line 4: spend 'lima puluh ribu' is not an"):
        shop.load_spend(write_file("bad.csv", bad))
    with pytest.raises(LoadError, match=r"no channel column; add one .* --channel NAME"):
        shop.load_spend(write_file("nochannel.csv", "date,spend\n2026-01-05,10\n"))
    ambiguous = "date,channel,spend\n03/04/2026,ads,10\n05/06/2026,ads,10\n"
    with pytest.raises(LoadError, match="reads both day-first and month-first"):
        shop.load_spend(write_file("dates.csv", ambiguous))
    with pytest.raises(LoadError, match="no header with a date and a spend column"):
        shop.load_spend(write_file("other.csv", "a,b\n1,2\n"))
    assert _stored(shop) == before


def test_spend_and_return_on_a_hand_made_shop(shop, write_file, on_engine):
    shop.load_spend(write_file("spend.csv", SPEND))
    source = on_engine(shop)
    if isinstance(source, jejak.SparkSource):
        source = jejak.on_spark(
            source.session, shop.touchpoints().to_pyarrow(), None, shop.settings,
            ad_spend=shop.ad_spend(),
        )  # fmt: skip
    result = source.spend_return(models=["first_touch", "last_touch"])
    table = result.table.set_index("channel")
    # ads paid 300,000 and acquired p1 (bought) and p3 (did not); social 50,000 for p2
    assert table.loc["ads", ["spend", "customers", "cpa"]].tolist() == [300_000.0, 1, 300_000.0]
    assert table.loc["social", ["spend", "customers", "cpa"]].tolist() == [50_000.0, 1, 50_000.0]
    models = result.models.set_index(["channel", "model"])
    # first touch: p1's 300,000 to ads, p2's 200,000 to social; last touch: both to ads
    assert models.loc[("ads", "first_touch"), ["conversions", "revenue", "roas"]].tolist() == [
        1.0, 300_000.0, 1.0
    ]  # fmt: skip
    assert models.loc[("social", "first_touch"), "roas"] == 4.0
    assert models.loc[("ads", "last_touch"), ["conversions", "cpa"]].tolist() == [2.0, 150_000.0]
    assert models.loc[("social", "last_touch"), "roas"] == 0.0
    # social pays back fourfold by its first touches and not at all by last touches
    assert result.table.set_index("channel")["disagree"].to_dict() == {
        "ads": False, "social": True
    }  # fmt: skip
    moves = result.moves.set_index(["channel", "stage"])["cost_per_move"]
    assert moves[("ads", "Awareness")] == 150_000.0 and moves[("ads", "Convert")] == 300_000.0


def test_spend_by_campaign_and_in_a_period(shop, write_file):
    shop.load_spend(write_file("spend.csv", SPEND))
    by_campaign = shop.spend_return(by="campaign", models=["last_touch"]).table
    # social's line names no campaign: it is the campaign of touchpoints without one
    assert by_campaign.set_index("campaign")["spend"].to_dict() == {
        "promo": 300_000.0, "(none)": 50_000.0
    }  # fmt: skip
    sixth = shop.between("2026-01-06", "2026-01-07").ad_spend()
    assert sixth["spend"].tolist() == [200_000.0, 50_000.0]
    with pytest.raises(jejak.JejakError, match="split it by channel or campaign, not 'event'"):
        shop.spend_return(by="event")
    with pytest.raises(jejak.JejakError, match="not for a group of people"):
        shop.only("order").spend_return()


def test_no_spend_says_how_to_load_it(shop):
    with pytest.raises(jejak.JejakError, match="jejak spend load FILE"):
        shop.spend_return()


def test_the_planted_cost_per_acquisition_is_recovered(tmp_path):
    from jejak.simulate import simulate_shop
    from jejak.simulate.shop import DEMO_PLAN

    shop = simulate_shop(customers=2_000, seed=5, plan=DEMO_PLAN)
    files = shop.write(tmp_path / "shop")
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.load(files["touchpoints"])
        ws.load_spend(files["ad_spend"])
        result = ws.spend_return(models=["first_touch", "linear"])
    table = result.table.set_index("channel")
    truth = shop.truth["ad_spend"]
    assert set(table.index) == set(truth) == {"ads", "social", "search"}
    for channel, planted in truth.items():
        assert table.loc[channel, "spend"] == planted["spend"]
        assert table.loc[channel, "customers"] == planted["customers"]
        assert table.loc[channel, "cpa"] == pytest.approx(planted["cpa"], rel=1e-12)
        # the plan's cost per buyer, within the +-20% a day the budget varies by
        assert planted["cpa"] == pytest.approx(DEMO_PLAN.cost_per_acquisition[channel], rel=0.05)
    assert result.meta["currency"] == "IDR"
    # ads cost the most per buyer and search the least, as planted
    assert table["cpa"].idxmax() == "ads" and table["cpa"].idxmin() == "search"
    assert isinstance(result.to_dict()["models"], list) and len(result.models) == 6
    assert pd.api.types.is_float_dtype(result.models["roas"])
