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
# TikTok Ads Manager, a custom report by day; its exports name the day column By Day
TIKTOK_BY_DAY = """By Day,Campaign name,Cost,Currency
2026-01-05,promo,40000,IDR
2026-01-06,promo,60000,IDR
"""
# the same report where its day column is called Date
TIKTOK_DATE = TIKTOK_BY_DAY.replace("By Day", "Date")
# the Marketing API's names (stat_time_day, days at midnight), split by ad group
TIKTOK_API = """Stat time day,Campaign name,Ad group name,Cost,Currency
2026-01-05 00:00:00,promo,young,15000,IDR
2026-01-05 00:00:00,promo,old,10000,IDR
2026-01-06 00:00:00,promo,young,"5,000.00",IDR
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


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        pytest.param(TIKTOK_BY_DAY, 40_000.0, 60_000.0, id="By Day"),
        pytest.param(TIKTOK_DATE, 40_000.0, 60_000.0, id="Date"),
        pytest.param(TIKTOK_API, 25_000.0, 5_000.0, id="Stat time day"),
    ],
)
def test_tiktok_exports_load_as_the_tiktok_channel(shop, write_file, text, first, second):
    kept = shop.load_spend(write_file("tiktok.csv", text))
    assert (kept.export, kept.rows, kept.total, kept.currency) == (
        "tiktok", 2, first + second, "IDR"
    )  # fmt: skip
    assert (kept.first_day, kept.last_day) == ("2026-01-05", "2026-01-06")
    # no channel named: the platform's; its ad groups summed per day of the campaign
    assert _stored(shop) == [
        ("2026-01-05", "tiktok", "promo", first),
        ("2026-01-06", "tiktok", "promo", second),
    ]
    again = shop.load_spend(write_file("tiktok.csv", text), channel="ads")
    assert again.export == "tiktok" and ("2026-01-06", "ads", "promo", second) in _stored(shop)


def test_a_plain_file_is_not_taken_for_an_export(shop, write_file):
    # a day column called date and an amount called cost are no platform's signature
    with pytest.raises(LoadError, match=r"plain\.csv: no channel column; add one"):
        shop.load_spend(write_file("plain.csv", "date,campaign,cost\n2026-01-05,promo,10\n"))
    # a channel column: the file's own, whatever else it names
    kept = shop.load_spend(
        write_file("own.csv", "Date,Channel,Campaign name,Cost\n2026-01-05,ads,promo,10\n")
    )
    assert kept.export == "plain" and _stored(shop) == [("2026-01-05", "ads", "promo", 10.0)]


def test_a_file_of_no_known_layout_names_the_column_it_lacks(shop, write_file):
    with pytest.raises(
        LoadError,
        match=r"other\.csv line 1: no spend column among Date, Campaign name, Amount; name"
        r" the column of amounts spend, or export the report with its cost \(Cost in Google"
        r" Ads and TikTok Ads, Amount spent in Meta\)",
    ):
        shop.load_spend(write_file("other.csv", "Date,Campaign name,Amount\n2026-01-05,a,1\n"))
    with pytest.raises(
        LoadError, match=r"weekly\.csv line 1: no date column among Week, Campaign name, Cost;"
    ):
        shop.load_spend(write_file("weekly.csv", "Week,Campaign name,Cost\n2026-W02,a,1\n"))
    hourly = "Stat time day,Campaign name,Cost\n2026-01-05 13:00:00,promo,10\n"
    with pytest.raises(
        LoadError,
        match=r"hourly\.csv line 2: the date '2026-01-05 13:00:00' is a time of day; spend"
        r" is kept per day: export the report by day",
    ):
        shop.load_spend(write_file("hourly.csv", hourly))
    assert _stored(shop) == []


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
    with pytest.raises(jejak.JejakError, match="by channel, campaign or source, not 'event'"):
        shop.spend_return(by="event")
    with pytest.raises(jejak.JejakError, match="not for a group of people"):
        shop.only("order").spend_return()


# the same shop, its touchpoints with the traffic source they came from: p1 and p2's ads
# by instagram, p2 first by facebook, p3 by tiktok
SOURCED_LOG = """
customer_id,ts,event,channel,campaign,source,revenue
p1,2026-01-05 10:00:00,page_view,ads,promo,instagram,
p1,2026-01-07 10:00:00,order,,,,300000
p2,2026-01-06 10:00:00,page_view,social,,facebook,
p2,2026-01-08 10:00:00,page_view,ads,promo,instagram,
p2,2026-01-10 10:00:00,order,,,,200000
p3,2026-01-06 11:00:00,page_view,ads,,tiktok,
"""
SOURCED_SPEND = """
date,channel,campaign,source,spend
2026-01-05,ads,promo,instagram,100000
2026-01-06,ads,promo,instagram,200000
2026-01-06,ads,,tiktok,90000
2026-01-06,social,,facebook,50000
2026-01-06,email,,,10000
"""


def test_spend_is_kept_per_source_too(shop, write_file):
    kept = shop.load_spend(write_file("spend.csv", SOURCED_SPEND))
    assert (kept.rows, kept.total) == (5, 450_000.0)
    sources = shop.ad_spend()["source"].tolist()  # in order of day, channel, campaign
    assert sources == ["instagram", "tiktok", "instagram", "", "facebook"]
    # one day of a channel and campaign bought by two sources: two rows, each replaced alone
    again = shop.load_spend(
        write_file("again.csv", "date,channel,source,spend\n2026-01-06,ads,tiktok,95000\n")
    )
    assert (again.rows, again.replaced) == (1, 1)
    # an export names no source: the file's, when given
    meta = shop.load_spend(write_file("meta.csv", META), channel="social", source="facebook")
    assert meta.rows == 2
    rows = shop.ad_spend().set_index(["day", "channel", "campaign", "source"])["spend"]
    assert rows[(pd.Timestamp("2026-01-06"), "ads", "", "tiktok")] == 95_000.0
    assert rows[(pd.Timestamp("2026-01-05"), "social", "promo", "facebook")] == 25_000.0
    assert rows.sum() == 455_000.0 + 100_000.0


def test_a_workspace_kept_before_spend_had_a_source_opens_and_loads(tmp_path, write_file):
    from jejak.store.storage import SCHEMA_VERSION

    path = tmp_path / "old.duckdb"
    with jejak.Workspace(path) as ws:
        ws.load(write_file("log.csv", LOG))
        # as version 2 made it: no source, a key of day, channel and campaign
        ws.con.execute("DROP TABLE ad_spend")
        ws.con.execute(
            "CREATE TABLE ad_spend (day DATE NOT NULL, channel VARCHAR NOT NULL, campaign"
            " VARCHAR NOT NULL, spend DOUBLE NOT NULL, currency VARCHAR, file VARCHAR,"
            " loaded_at TIMESTAMPTZ DEFAULT now(), PRIMARY KEY (day, channel, campaign))"
        )
        ws.con.execute("INSERT INTO ad_spend VALUES ('2026-01-05', 'ads', 'promo', 100000,"
                       " 'IDR', 'spend.csv', now())")  # fmt: skip
        ws.con.execute("UPDATE jejak_meta SET value = '2' WHERE key = 'schema_version'")
    with jejak.Workspace(path) as ws:
        assert _stored(ws) == [("2026-01-05", "ads", "promo", 100_000.0)]
        assert ws.ad_spend()[["source", "currency"]].values.tolist() == [["", "IDR"]]
        kept = ws.load_spend(write_file("more.csv", SPEND))
        assert (kept.rows, kept.replaced) == (3, 1)  # 5 January's ads replaced, source ''
        assert ws.spend_return(by="source", models=["first_touch"]).table["spend"].tolist() == [
            350_000.0
        ]  # fmt: skip
        version = ws.con.execute("SELECT value FROM jejak_meta WHERE key = 'schema_version'")
        assert version.fetchall() == [(str(SCHEMA_VERSION),)] == [("3",)]


def test_spend_and_return_by_source_on_a_hand_made_shop(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", SOURCED_LOG))
    ws.load_spend(write_file("spend.csv", SOURCED_SPEND))
    source = on_engine(ws)
    if isinstance(source, jejak.SparkSource):
        source = jejak.on_spark(
            source.session, ws.touchpoints().to_pyarrow(), None, ws.settings,
            ad_spend=ws.ad_spend(),
        )  # fmt: skip
    result = source.spend_return(by="source", models=["first_touch", "last_touch"])
    assert result.meta["by"] == "source" and result.title == "Spend and return by source"
    table = result.table.set_index("source")
    # instagram paid 300,000 and brought p1, who bought; facebook 50,000 for p2, who
    # bought; tiktok 90,000 for p3, who did not; the email spend names no source
    assert table.index.tolist() == ["instagram", "tiktok", "facebook", "(none)"]
    assert table["spend"].tolist() == [300_000.0, 90_000.0, 50_000.0, 10_000.0]
    assert table["customers"].tolist() == [1, 0, 1, 0]
    assert table["cpa"].dropna().to_dict() == {"instagram": 300_000.0, "facebook": 50_000.0}
    models = result.models.set_index(["source", "model"])
    # first touch: p1's 300,000 to instagram, p2's 200,000 to facebook; last touch: both
    # to instagram, where p2's ad came from
    counts = ["conversions", "revenue", "roas"]
    assert models.loc[("instagram", "first_touch"), counts].tolist() == [1.0, 300_000.0, 1.0]
    assert models.loc[("facebook", "first_touch"), "roas"] == 4.0
    assert models.loc[("instagram", "last_touch"), ["conversions", "revenue", "cpa"]].tolist() == [
        2.0, 500_000.0, 150_000.0
    ]  # fmt: skip
    assert models.loc[("facebook", "last_touch"), "roas"] == 0.0
    assert models.loc[("tiktok", "first_touch"), "conversions"] == 0.0
    moves = result.moves.set_index(["source", "stage"])["cost_per_move"]
    assert moves.to_dict() == {
        ("facebook", "Awareness"): 50_000.0,
        ("facebook", "Convert"): 50_000.0,
        ("instagram", "Awareness"): 300_000.0,
        ("instagram", "Convert"): 300_000.0,
        ("tiktok", "Awareness"): 90_000.0,
    }


def test_a_campaigns_spend_by_its_source():
    from jejak.analyses.spend import campaign_spend

    spend = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-03-01", "2026-03-01", "2026-03-01"]),
            "channel": ["social", "social", "social"],
            "campaign": ["", "", ""],
            "source": ["instagram", "facebook", ""],
            "spend": [100.0, 200.0, 400.0],
        }
    )
    assert campaign_spend(spend, {"channel": "social"}) == 700.0
    # a row naming no source is matched by its channel alone
    assert campaign_spend(spend, {"channel": "social", "source": "instagram"}) == 500.0
    assert campaign_spend(spend, {"source": ["instagram", "facebook"]}) == 300.0
    assert campaign_spend(spend.drop(columns="source"), {"source": "instagram"}) == 0.0


def test_no_spend_says_how_to_load_it(shop):
    with pytest.raises(jejak.JejakError, match="jejak spend load FILE"):
        shop.spend_return()


def test_the_planted_cost_per_acquisition_and_campaign_returns_are_recovered(tmp_path):
    import yaml

    from jejak.demo import campaign_settings
    from jejak.simulate import simulate_shop
    from jejak.simulate.shop import DEMO_PLAN

    shop = simulate_shop(customers=2_000, seed=5, plan=DEMO_PLAN)
    files = shop.write(tmp_path / "shop")
    settings = jejak.parse_settings(yaml.safe_dump({"campaigns": campaign_settings(DEMO_PLAN)}))
    with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
        ws.load(files["touchpoints"])
        ws.load_spend(files["ad_spend"])
        result = ws.spend_return(models=["first_touch", "linear"])
    table = result.table.set_index("channel")
    truth = shop.truth["ad_spend"]
    # the acquisition channels, and the channels the planted campaigns paid for
    assert set(table.index) == set(truth["channels"]) == {"ads", "social", "search", "sms", "email"}
    for channel, planted in truth["channels"].items():
        assert table.loc[channel, "spend"] == planted["spend"]
        assert table.loc[channel, "customers"] == planted["customers"]
        if planted["cpa"] is None:  # sms and email acquire nobody
            assert pd.isna(table.loc[channel, "cpa"])
            continue
        assert table.loc[channel, "cpa"] == pytest.approx(planted["cpa"], rel=1e-12)
        # the plan's cost per buyer, within the +-20% a day the budget varies by
        cost = DEMO_PLAN.cost_per_acquisition[channel]
        assert planted["acquisition_cpa"] == pytest.approx(cost, rel=0.05)
    assert result.meta["currency"] == "IDR"
    acquiring = table.loc[["ads", "social", "search"], "cpa"]
    assert acquiring.idxmax() == "ads" and acquiring.idxmin() == "search"  # as planted
    # each planted campaign's spend is found by its traffic source; where both sides are
    # large enough for the campaign analysis to judge (30 people), its incremental
    # customers' interval holds the people the simulator moved across
    from jejak.analyses.campaigns import MIN_PEOPLE

    campaigns = result.campaigns.set_index("campaign")
    assert campaigns["spend"].to_dict() == truth["campaigns"]
    judged = 0
    for name, planted in shop.truth["campaigns"].items():
        row = campaigns.loc[name]
        assert row["incremental_roas"] == row["incremental_revenue"] / row["spend"]
        if min(planted["held_out"], planted["exposed"]) < MIN_PEOPLE:
            continue
        judged += 1
        moved = planted["moved"]
        assert row["incremental_customers_low"] <= moved <= row["incremental_customers_high"]
    assert judged == 2  # signup-retargeting and first-order-coupon
    assert len(result.to_dict()["campaigns"]) == 3 and len(result.models) == 2 * 5


def test_a_campaigns_spend_and_its_return_by_hand():
    from jejak.analyses.spend import campaign_returns, campaign_spend

    spend = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-03-01", "2026-03-02", "2026-03-09", "2026-03-02"]),
            "channel": ["sms", "sms", "sms", "email"],
            "campaign": ["coupon", "coupon", "coupon", "coupon"],
            "spend": [100.0, 200.0, 400.0, 50.0],
        }
    )
    source = {"channel": "sms", "campaign": "coupon", "medium": "text"}
    assert campaign_spend(spend, source) == 700.0  # medium: spend names none, ignored
    assert campaign_spend(spend, source, "2026-03-01", "2026-03-02T23:00") == 300.0
    assert campaign_spend(spend, {"channel": ["sms", "email"]}, "2026-03-02") == 650.0
    assert campaign_spend(spend, {"source": "newsletter"}) == 0.0
    table = campaign_returns(
        [
            {"campaign": "coupon", "spend": 300.0, "observational": False,
             "incremental_customers": 6.0, "incremental_customers_low": 2.0,
             "incremental_customers_high": 10.0, "incremental_revenue": 900.0,
             "incremental_revenue_low": -300.0, "incremental_revenue_high": 2_100.0},
        ]
    )  # fmt: skip
    row = table.iloc[0]
    assert (row["incremental_roas"], row["incremental_roas_low"], row["incremental_roas_high"]) == (
        3.0, -1.0, 7.0
    )  # fmt: skip
    assert row["cost_per_incremental_customer"] == 50.0


def test_spend_in_the_report_the_dashboard_the_cli_and_the_api(shop, write_file, tmp_path):
    import json

    from invoking import invoke as run
    from jejak.report.html import spend_sections
    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from jejak.server.pages import PAGES, build
    from serving import running

    assert spend_sections(shop) == []  # no spend loaded: no section
    shop.load_spend(write_file("spend.csv", SPEND))
    first, per_model = spend_sections(shop)
    assert first.heading == "Spend and return by channel"
    bars = first.figures[0].data
    assert [trace.name for trace in bars][:2] == ["First touch", "Last touch"]
    assert list(bars[0].y) == ["social", "ads"]  # the most spent on top, as in the table
    assert first.table["Channel"].tolist() == ["ads", "social"]
    assert first.table["Cost per acquisition"].tolist() == ["300,000", "50,000"]
    assert len(per_model.table) == 2 * 8  # two channels under the eight models
    page = next(p for p in PAGES if p.slug == "campaigns")
    assert [s.heading for s in build(page, shop, {})][:1] == ["Spend and return by channel"]
    # the page's "Spend by" splits it by campaign or traffic source as the library does
    by_source = next(s for s in build(page, shop, {"spend_by": "source"}) if "Spend" in s.heading)
    assert by_source.heading == "Spend and return by source"
    assert by_source.table.iloc[:, 0].tolist() == ["(none)"]
    assert by_source.table["Cost per acquisition"].tolist() == ["175,000"]
    # the API answers what the library answers
    key = ensure_keys(shop.con)["read"]
    with running(create_app(shop)) as base:
        import httpx

        answer = httpx.get(
            base + "/v1/analyses/spend-return",
            params={"models": ["first_touch"]},
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        ).json()
        by_source = httpx.get(
            base + "/v1/analyses/spend-return",
            params={"by": "source", "models": ["first_touch"]},
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        ).json()
    assert answer["table"][0]["cpa"] == 300_000.0 and answer["models"][1]["roas"] == 4.0
    # neither the spend nor the touchpoints name a source: all of it bought p1 and p2
    assert [(r["source"], r["spend"], r["customers"], r["cpa"]) for r in by_source["table"]] == [
        ("(none)", 350_000.0, 2, 175_000.0)
    ]  # fmt: skip
    # the CLI loads and answers too
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "log.csv").write_text(LOG.lstrip(), "utf-8")
    (tmp_path / "cli" / "google.csv").write_text(GOOGLE, "utf-8")
    folder = tmp_path / "cli"
    assert run("load", "log.csv", cwd=folder).returncode == 0
    done = run("spend", "load", "google.csv", "--channel", "ads", "--source", "google", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "Kept 2 lines of spend from google.csv" in done.stdout
    assert "IDR 300,000 in all" in done.stdout
    done = run("spend", "return", "--model", "first_touch", "--json", cwd=folder)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    # p1 bought for 300,000 after an ad; the touchpoints name no currency, so IDR is taken
    assert said["table"] == [
        {"channel": "ads", "spend": 300000.0, "customers": 1, "cpa": 300000.0, "roas": 1.0,
         "disagree": False}
    ]  # fmt: skip
    assert said["meta"]["comparable"] is True and said["meta"]["currency"] == "IDR"
    # by source: the spend's, google; the touchpoints name none, so it acquired nobody
    done = run("spend", "return", "--by", "source", "--model", "first_touch", "--json",
               cwd=folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["table"]
    assert [(r["source"], r["spend"], r["customers"]) for r in rows] == [("google", 300000.0, 0)]
