"""Customer value: the purchase summary, and BG/NBD and Gamma-Gamma against the papers.

The CDNOW sample (tests/data/README.md says where it comes from) is loaded as order
touchpoints; over the 39-week calibration period jejak's summary must equal the published
one and the fitted parameters the published ones within 1%.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jejak
from jejak.analyses.value_models import BetaGeo, GammaGamma

DATA = Path(__file__).parent / "data"
CALIBRATION_END = datetime(1997, 9, 30, tzinfo=UTC)
# Fader, Hardie & Lee (2005), "Counting your customers the easy way", CDNOW sample
BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
# Fader & Hardie, "The Gamma-Gamma model of monetary value" (2013), the same sample
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory) -> jejak.Workspace:
    directory = tmp_path_factory.mktemp("cdnow")
    raw = pd.read_csv(
        DATA / "cdnow_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer_id", "sample_id", "date", "cds", "dollars"],
        dtype={"customer_id": str, "date": str},
    )
    orders = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "ts": pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
            "event": "order",
            "revenue": raw["dollars"],
            "currency": "USD",
        }
    )
    orders.to_csv(directory / "orders.csv", index=False)
    workspace = jejak.Workspace(directory / "cdnow.duckdb")
    workspace.load(directory / "orders.csv")
    yield workspace
    workspace.close()


def test_the_summary_equals_the_published_one(cdnow):
    from jejak.analyses.customer_value import purchase_summary

    ours = purchase_summary(cdnow.events(), cdnow.journey, as_of=CALIBRATION_END)
    theirs = pd.read_csv(DATA / "cdnow_summary.csv")
    # customers who first bought within the calibration period: all 2,357 of the sample
    assert len(ours) == 2357
    assert np.array_equal(np.sort(ours["x"].to_numpy()), np.sort(theirs["x"].to_numpy()))
    assert ours["x"].sum() == theirs["x"].sum()
    summed = ours[["t_x", "T"]].sum()
    assert summed["t_x"] == pytest.approx(theirs["t_x"].sum(), abs=0.01 * len(ours))
    assert summed["T"] == pytest.approx(theirs["T"].sum(), abs=0.01 * len(ours))
    repeat = ours[ours.x > 0]["mean_value"].sort_values().to_numpy()
    published = theirs[theirs.x > 0]["zbar"].sort_values().to_numpy()
    assert repeat == pytest.approx(published, abs=0.006)  # theirs is rounded to cents


def test_bg_nbd_reproduces_the_published_parameters(cdnow):
    result = cdnow.customer_value(as_of=CALIBRATION_END, horizon=39)
    fitted = result.meta["bg_nbd"]
    for name, value in BG_NBD.items():
        assert fitted[name] == pytest.approx(value, rel=0.01), name
        assert round(fitted[name], 3) == value, name  # to the digits the paper prints
    assert fitted["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)  # the paper's LL


def test_gamma_gamma_reproduces_the_published_parameters(cdnow):
    fitted = cdnow.customer_value(as_of=CALIBRATION_END).meta["gamma_gamma"]
    for name, value in GAMMA_GAMMA.items():
        assert fitted[name] == pytest.approx(value, rel=0.01), name
        assert round(fitted[name], 2) == value, name


def test_expected_purchases_track_the_holdout(cdnow):
    # over the 39 weeks after calibration: the total the model expects is close to what
    # the customers went on to buy, and those expected to buy more did buy more
    result = cdnow.customer_value(as_of=CALIBRATION_END, horizon=39).table
    everything = cdnow.customer_value(as_of=datetime(1998, 6, 30, tzinfo=UTC)).table
    before = result.set_index("person_id")["x"]
    later = everything.set_index("person_id")["x"] - before.reindex(everything["person_id"])
    expected = result.set_index("person_id")["expected_purchases"].reindex(later.index)
    assert later.sum() > 1000
    assert expected.sum() == pytest.approx(later.sum(), rel=0.15)
    assert expected.corr(later, method="spearman") > 0.4


def test_the_result_carries_the_shops_currency_for_its_charts(cdnow):
    value = cdnow.customer_value(as_of=CALIBRATION_END)
    assert value.meta["currency"] == "USD"  # every order is in dollars
    assert cdnow.value_by("channel", as_of=CALIBRATION_END).meta["currency"] == "USD"
    assert all(" USD " in text for text in value.figure().data[0].text)


def test_p_alive_and_value_by_hand():
    model = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0)
    # nobody without repeats is thought gone; one who bought 2 more times, the last long
    # ago, is less likely alive than one whose last purchase was recent
    alive = model.p_alive(np.array([0, 2, 2]), np.array([0, 5, 30]), np.array([38, 38, 38]))
    assert alive[0] == 1.0
    odds = 0.793 / (2.426 + 1) * ((4.414 + 38) / (4.414 + 5)) ** (0.243 + 2)
    assert alive[1] == pytest.approx(1 / (1 + odds))
    assert alive[1] < alive[2] < 1
    # Fader, Hardie & Lee (2005): a customer with x = 2, t_x = 30.43, T = 38.86 is
    # expected to make 1.226 purchases in the next 39 weeks
    assert model.expected_purchases(39, np.array([2]), np.array([30.43]), np.array([38.86]))[
        0
    ] == pytest.approx(1.226, abs=0.001)
    spend = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0)
    # shrunk toward the population's mean p * gamma / (q - 1)
    assert spend.expected_value(np.array([0]), np.array([0.0]))[0] == pytest.approx(
        6.25 * 15.44 / 2.74
    )
    assert spend.expected_value(np.array([3]), np.array([40.0]))[0] == pytest.approx(
        6.25 * (15.44 + 3 * 40) / (6.25 * 3 + 3.74 - 1)
    )


def test_summary_on_both_engines(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(
        write_file(
            "orders.csv",
            """
            customer_id,ts,event,revenue
            a,2026-01-01 09:00:00,order,10
            a,2026-01-01 18:00:00,order,5
            a,2026-01-08 10:00:00,order,30
            a,2026-01-15 10:00:00,order,50
            b,2026-01-08 10:00:00,order,20
            c,2026-01-10 10:00:00,page_view,
            """,
        )
    )
    from jejak.analyses.customer_value import purchase_summary

    source = on_engine(ws)
    table = purchase_summary(
        source.events(), source.journey, as_of=datetime(2026, 1, 22, tzinfo=UTC)
    ).set_index("person_id")
    # a: purchase days 1, 8 and 15 January (two orders on the 1st are one purchase)
    assert (table.loc["a", "x"], table.loc["a", "t_x"], table.loc["a", "T"]) == (2, 2.0, 3.0)
    assert table.loc["a", "mean_value"] == 40.0
    assert (table.loc["b", "x"], table.loc["b", "T"]) == (0, 2.0)
    assert np.isnan(table.loc["b", "mean_value"]) and "c" not in table.index


def test_models_refuse_what_they_cannot_learn():
    with pytest.raises(jejak.JejakError, match="nobody bought twice"):
        BetaGeo.fit(np.array([0, 0, 0]), np.array([0, 0, 0]), np.array([5, 6, 7]))
    # no finite mean spend when q <= 1: no number rather than a negative one
    wide = GammaGamma(p=2.0, q=0.8, gamma=5.0, log_likelihood=0.0)
    assert np.isnan(wide.expected_value(np.array([0]), np.array([0.0]))[0])
    # a repeat buyer whose purchases carried no revenue gets the population's value
    spend = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0)
    assert spend.expected_value(np.array([2]), np.array([0.0]))[0] == pytest.approx(
        6.25 * 15.44 / 2.74
    )


def test_expected_purchases_when_purchase_rates_look_alike():
    # r and alpha large with r / alpha fixed: everyone buys at nearly one rate (Poisson).
    # Up to r = 10,000 SciPy sums the series; beyond, its large-r limit stands in, and
    # the answer moves smoothly from one to the other, towards the limit
    x, t_x, T = np.array([2.0]), np.array([2.9]), np.array([3.0])
    expected = [
        BetaGeo(r=r, alpha=3 * r, a=0.288, b=3.47, log_likelihood=0.0).expected_purchases(
            52, x, t_x, T
        )[0]
        for r in (1e3, 1e4, 3e4, 1e5)
    ]
    assert np.isfinite(expected).all()
    assert expected[1] == pytest.approx(expected[2], rel=1e-4)
    assert abs(expected[3] - expected[2]) < abs(expected[2] - expected[1])


def test_a_fit_near_a_limit_climbs_to_the_bound():
    # three repeat buyers whose spend rates look alike: the likelihood rises along a
    # narrow ridge as q and gamma grow together, to gamma's bound e^12; a search that
    # stalls on the ridge stops lower (q 67,000, log-likelihood -8.83571)
    spend = GammaGamma.fit(np.array([1, 1, 7]), np.array([14.96, 26.74, 26.42]))
    assert spend.gamma == pytest.approx(np.exp(12.0))
    assert spend.q == pytest.approx(78_426, rel=1e-4)
    assert spend.log_likelihood > -8.835635
