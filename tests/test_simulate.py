"""The demo-shop simulator: schema, determinism, planted invariants and recovery of the truth.

Recovery is measured straight from the emitted touchpoints with pandas and the preset's rules
read from YAML, independently of jejak's own analysis code.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from jejak.model.roles import Roles
from jejak.model.touchpoint import FIELD_NAMES
from jejak.simulate import STAGES, TRANSITIONS, ShopPlan, SimulatedShop, simulate_shop
from jejak.simulate.journeys import simulate_journeys
from jejak.simulate.shop import DEMO_PLAN
from jejak.simulate.truth import expected_rates, reach_within_period

CUSTOMERS = 20_000
CONTEXTS = {"curiosity", "comparison", "purchase-intent", "support", "habit"}
NEEDS = {"learn", "save-money", "solve-problem", "belong", "reward"}


# --- fixtures: one default shop, resolved once ------------------------------------------------
@pytest.fixture(scope="module")
def shop() -> SimulatedShop:
    return simulate_shop(customers=CUSTOMERS, seed=7, plan=ShopPlan())


@pytest.fixture(scope="module")
def frame(shop: SimulatedShop) -> pd.DataFrame:
    """Touchpoints with a resolved ``person`` key and parsed properties."""
    df = shop.touchpoints.to_pandas()
    links = df.dropna(subset=["customer_id", "anonymous_id"])
    links = links[["customer_id", "anonymous_id"]].drop_duplicates()
    assert links["customer_id"].is_unique, "a customer id links to two anonymous ids"
    to_anon = links.set_index("customer_id")["anonymous_id"]
    df["person"] = df["anonymous_id"].fillna(df["customer_id"].map(to_anon))
    df["props"] = [json.loads(p) if isinstance(p, str) else {} for p in df["properties"]]
    return df


DEFAULT_ROLES = Roles()


def _preset_stages() -> list[dict]:
    text = resources.files("jejak.model").joinpath("presets/value-journey.yaml").read_text()
    return yaml.safe_load(text)["stages"]


def _compare(values: pd.Series, cond: object) -> pd.Series:
    cond = cond if isinstance(cond, dict) else {"eq": cond}
    hit = pd.Series(True, index=values.index)
    for op, operand in cond.items():
        hit &= {"eq": values == operand, "gte": values >= operand}[op]
    return hit


def _matches(df: pd.DataFrame, rule: dict) -> pd.Series:
    """A minimal, independent reading of a preset rule: an event list or a role (its default
    names), property conditions, and nth (the person's nth touchpoint of the role)."""
    known = {"any", "event", "role", "nth", "where"}
    assert set(rule) <= known, f"test does not understand rule {rule}"
    if rule.get("any"):
        return pd.Series(True, index=df.index)
    if "role" in rule:
        events = DEFAULT_ROLES.events(rule["role"])
    else:
        events = rule["event"] if isinstance(rule["event"], list) else [rule["event"]]
    hit = df["event"].isin(events)
    for key, cond in rule.get("where", {}).items():
        if rule.get("role") in ("review", "nps"):  # a role's property, by its default name
            key = DEFAULT_ROLES.field(rule["role"])
        values = pd.to_numeric(df["props"].map(lambda p, k=key: p.get(k)), errors="coerce")
        hit &= _compare(values, cond)
    if "nth" in rule:
        order = df.sort_values(["ts", "event_id"], kind="stable").index
        nth = hit.loc[order].astype(int).groupby(df["person"].loc[order]).cumsum()
        hit &= _compare(nth.reindex(df.index), rule["nth"])
    return hit


@pytest.fixture(scope="module")
def entries(frame: pd.DataFrame) -> pd.DataFrame:
    """First matching touchpoint per person and stage (NaT = not reached), plus channel."""
    out = pd.DataFrame(index=pd.Index(frame["person"].unique(), name="person"))
    first = frame.sort_values("ts", kind="stable").groupby("person").first()
    out["channel"] = first["channel"]
    for stage in _preset_stages():
        hit = pd.Series(False, index=frame.index)
        for rule in stage["rules"]:
            hit |= _matches(frame, rule)
        out[stage["name"]] = frame[hit].groupby("person")["ts"].min()
    return out


# --- schema and determinism ---------------------------------------------------------------------
def test_schema_is_exactly_the_canonical_touchpoint(shop: SimulatedShop) -> None:
    table = shop.touchpoints
    assert tuple(table.column_names) == FIELD_NAMES
    types = {f.name: f.type for f in table.schema}
    assert types["ts"] == pa.timestamp("us", tz="UTC")
    assert types["revenue"] == pa.float64()
    assert all(types[n] == pa.string() for n in FIELD_NAMES if n not in ("ts", "revenue"))


def test_rows_are_valid(shop: SimulatedShop, frame: pd.DataFrame) -> None:
    assert frame["event_id"].is_unique and frame["event_id"].notna().all()
    start = pd.Timestamp(shop.plan.start_datetime)
    assert frame["ts"].min() >= start
    assert frame["ts"].max() < start + pd.Timedelta(days=shop.plan.period_days)
    assert frame["ts"].is_monotonic_increasing
    assert (frame["anonymous_id"].notna() | frame["customer_id"].notna()).all()
    props = frame["properties"].dropna()
    assert all(isinstance(json.loads(p), dict) for p in props)
    money = frame["revenue"].notna()
    assert (frame.loc[money, "event"] == "order").all()
    assert (frame.loc[money, "currency"] == "IDR").all()
    assert frame.loc[~money, "currency"].isna().all()
    assert set(frame["context"].dropna()) <= CONTEXTS
    assert set(frame["need"].dropna()) <= NEEDS


def test_size_of_default_run(shop: SimulatedShop) -> None:
    assert 300_000 <= shop.touchpoints.num_rows <= 700_000


def test_same_seed_same_table_other_seed_other_table() -> None:
    a = simulate_shop(customers=1_500, seed=3)
    b = simulate_shop(customers=1_500, seed=3)
    c = simulate_shop(customers=1_500, seed=4)
    assert a.touchpoints.equals(b.touchpoints)
    assert a.truth == b.truth
    assert not a.touchpoints.equals(c.touchpoints)


def test_write_round_trips(shop: SimulatedShop, tmp_path) -> None:
    small = simulate_shop(customers=500, seed=1)
    paths = small.write(tmp_path / "shop")
    assert set(paths) == {"touchpoints", "truth"}
    assert pq.read_table(paths["touchpoints"]).equals(small.touchpoints)
    assert json.loads(paths["truth"].read_text()) == json.loads(json.dumps(small.truth))
    json.dumps(shop.truth)  # the big one too


# --- invariants the stage engine relies on -------------------------------------------------------
def test_people_count_and_identity_links(frame: pd.DataFrame) -> None:
    assert frame["person"].notna().all()
    assert frame["person"].nunique() == CUSTOMERS
    assert frame["anonymous_id"].nunique() == CUSTOMERS


def test_identity_switches_at_identification(frame: pd.DataFrame) -> None:
    both = frame["anonymous_id"].notna() & frame["customer_id"].notna()
    link_ts = frame[both].groupby("person")["ts"].min()
    ts_link = frame["person"].map(link_ts)
    before = frame["ts"] < ts_link
    after = frame["ts"] >= ts_link
    assert frame.loc[before | ts_link.isna(), "customer_id"].isna().all()
    assert frame.loc[after, "customer_id"].notna().all()
    signups = frame["event"].isin(["newsletter_signup", "webinar_signup", "lead_magnet_download"])
    assert both[signups].all(), "every sign-up carries both ids"
    # Guests (no sign-up) are identified by their first order, which carries both ids.
    signed = set(frame.loc[signups, "person"])
    first_orders = frame[(frame["event"] == "order") & ~frame["person"].isin(signed)]
    first_orders = first_orders.groupby("person").head(1)
    assert len(first_orders) > 100 and both[first_orders.index].all()


def test_orders_are_numbered_in_time(frame: pd.DataFrame) -> None:
    orders = frame[frame["event"] == "order"].copy()
    orders["n"] = orders["props"].map(lambda p: p["order_number"])
    assert orders["props"].map(lambda p: "order_id" in p).all()
    assert orders["customer_id"].notna().all()
    numbers = orders.groupby("person")["n"].agg(list)
    assert numbers.map(lambda ns: ns == list(range(1, len(ns) + 1))).all()
    firsts = orders[orders["n"] == 1]
    assert firsts["revenue"].between(49_000, 99_000).all()
    assert orders.loc[orders["n"] >= 2, "revenue"].median() > firsts["revenue"].max()


def test_non_advocates_never_rate_high_and_non_ascenders_order_once(
    shop: SimulatedShop, frame: pd.DataFrame
) -> None:
    people = shop.people().to_pandas().set_index("anonymous_id")
    stage = frame["person"].map(people["latent_stage"])
    rating = pd.to_numeric(frame["props"].map(lambda p: p.get("rating")), errors="coerce")
    score = pd.to_numeric(frame["props"].map(lambda p: p.get("score")), errors="coerce")
    low = stage < STAGES.index("Advocate")
    assert not ((frame["event"] == "review") & (rating >= 4) & low).any()
    assert not ((frame["event"] == "nps_response") & (score >= 9) & low).any()
    assert ((frame["event"] == "review") & low).sum() > 50, "lukewarm reviews exist"
    below_ascend = frame[(frame["event"] == "order") & (stage < STAGES.index("Ascend"))]
    assert below_ascend.groupby("person").size().max() == 1


def test_contact_touchpoints_match_no_stage(frame: pd.DataFrame) -> None:
    emails = frame[frame["event"].str.startswith("email_")]
    assert len(emails) > 0 and (emails["channel"] == "email").all()
    for stage in _preset_stages()[1:]:
        for rule in stage["rules"]:
            assert not _matches(emails, rule).any()
    sent = (frame["event"] == "email_sent").sum()
    assert 0.17 < (frame["event"] == "email_open").sum() / sent < 0.23
    assert 0.02 < (frame["event"] == "email_click").sum() / sent < 0.04


def test_first_touch_carries_acquisition_channel(shop: SimulatedShop, frame: pd.DataFrame) -> None:
    first = frame.groupby("person").head(1).set_index("person")
    people = shop.people().to_pandas().set_index("anonymous_id")
    assert (first["channel"] == people.loc[first.index, "channel"]).all()
    assert (first["event"] == "page_view").all()
    pairs = set(zip(first["channel"], first["source"].fillna("-"), first["medium"], strict=True))
    assert pairs == {
        ("search", "google", "organic"),
        ("social", "instagram", "social"),
        ("ads", "google", "cpc"),
        ("referral", "friend", "referral"),
        ("direct", "-", "none"),
    }
    assert first.loc[first["channel"] == "ads", "campaign"].notna().all()
    # Referrers are real promoters who invited before the referred person arrived.
    referred = first[first["props"].map(lambda p: "referrer_id" in p)]
    invites = frame[frame["event"] == "referral_invite"].groupby("customer_id")["ts"].min()
    referrer = referred["props"].map(lambda p: p["referrer_id"])
    assert len(referred) == shop.truth["realised"]["referrals_linked"] > 0
    assert (referred["channel"] == "referral").all()
    assert (referrer.map(invites) < referred["ts"]).all()


def test_first_matching_touchpoint_is_the_planted_entry(
    shop: SimulatedShop, entries: pd.DataFrame
) -> None:
    people = shop.people().to_pandas().set_index("anonymous_id")
    for stage in STAGES:
        planted = people[f"{stage.lower()}_at"]
        measured = entries[stage].reindex(planted.index)
        assert measured.isna().equals(planted.isna()), stage
        assert (measured.dropna() == planted.dropna()).all(), stage
        counts = entries.groupby("channel")[stage].count().to_dict()
        assert counts == shop.truth["realised"]["observed_reach"][stage]


# --- recovery of the planted rates ----------------------------------------------------------------
def _observed_rates(entries: pd.DataFrame, step: str) -> pd.DataFrame:
    a, b = step.split("->")
    reached = entries[entries[a].notna()]
    rates = reached.groupby("channel")[b].agg(["count", "size"])
    rates["rate"] = rates["count"] / rates["size"]
    return rates


@pytest.mark.parametrize("step", ["Awareness->Engagement", "Convert->Excite"])
def test_conversion_per_channel_recovers_the_plan(
    shop: SimulatedShop, entries: pd.DataFrame, step: str
) -> None:
    expected = shop.truth["expected_conversion"]
    rates = _observed_rates(entries, step)
    for channel, row in rates.iterrows():
        p = expected[channel][step]
        # 2 points, widened to 3 standard errors where a channel is too small for that.
        tolerance = max(0.02, 3 * math.sqrt(p * (1 - p) / row["size"]))
        assert abs(row["rate"] - p) < tolerance, (channel, row["rate"], p)
    pooled = rates["count"].sum() / rates["size"].sum()
    assert abs(pooled - shop.truth["expected_conversion_all"][step]) < 0.02


def test_every_step_pooled_matches_truth(shop: SimulatedShop, entries: pd.DataFrame) -> None:
    for step in TRANSITIONS:
        rates = _observed_rates(entries, step)
        n = rates["size"].sum()
        p = shop.truth["expected_conversion_all"][step]
        assert abs(rates["count"].sum() / n - p) < max(0.02, 4 * math.sqrt(p * (1 - p) / n)), step


def test_channels_differ_and_guests_lower_observed_subscribe(shop: SimulatedShop) -> None:
    conv = shop.truth["expected_conversion"]
    assert conv["referral"]["Awareness->Engagement"] - conv["ads"]["Awareness->Engagement"] > 0.3
    plan = shop.plan
    for channel in plan.channels:
        latent = plan.advance[channel][1]
        observed = conv[channel]["Engagement->Subscribe"]
        assert observed == pytest.approx(latent * (1 - plan.skip_subscribe), rel=1e-6)
    assert set(shop.truth["median_delay_days"]) == set(TRANSITIONS)


# --- the truth's censoring arithmetic ------------------------------------------------------------
def test_censoring_is_small_by_default_and_exact_when_large(shop: SimulatedShop) -> None:
    assert max(shop.truth["censoring"].values()) < 0.002
    slow = replace(ShopPlan(), delay_days=(30.0, 30.0, 60.0, 5.0, 40.0, 40.0, 40.0))
    reach = reach_within_period(slow)
    rng = np.random.default_rng(0)
    n = 400_000
    acquired = rng.random(n) * slow.acquisition_share * slow.period_days
    arrival = acquired[:, None] + np.cumsum(rng.exponential(slow.delay_days, (n, 7)), axis=1)
    monte_carlo = (arrival < slow.period_days).mean(axis=0)
    assert reach[0] == 1.0
    assert np.allclose(reach[1:], monte_carlo, atol=0.004)
    assert reach[-1] < 0.8  # the check is meaningful: heavy censoring here

    # ... and the expected observed conversion accounts for it (latent journeys, many people).
    journeys = simulate_journeys(slow, 300_000, seed=11)
    by_channel = {c: int((journeys.channel == i).sum()) for i, c in enumerate(slow.channels)}
    expected = expected_rates(slow, by_channel)["expected_conversion_all"]
    for k, step in enumerate(TRANSITIONS):
        reached = journeys.observed(k)
        n = int(reached.sum())
        observed = (reached & journeys.observed(k + 1)).sum() / n
        p = expected[step]
        assert abs(observed - p) < 4 * math.sqrt(p * (1 - p) / n), step


def test_plan_validation() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        ShopPlan(channel_shares={"search": 0.5, "ads": 0.2})
    with pytest.raises(ValueError, match="7 probabilities"):
        ShopPlan(advance={**ShopPlan().advance, "ads": (0.5, 0.5)})
    with pytest.raises(ValueError, match="skip_subscribe"):
        ShopPlan(skip_subscribe=1.0)
    with pytest.raises(ValueError, match="max_extra must be 0-7"):
        ShopPlan(promotions={"max_extra": 9})
    with pytest.raises(ValueError, match="hours must be 0-23"):
        ShopPlan(promotions={"hours": [8, 25]})
    with pytest.raises(ValueError, match="bad_effect"):
        ShopPlan(experience={"bad_effect": 2})
    assert hash(ShopPlan()) == hash(ShopPlan())
    assert ShopPlan(**ShopPlan().to_dict()) == ShopPlan()
    demo = DEMO_PLAN
    assert ShopPlan(**demo.to_dict()) == demo  # campaigns, promotions, tickets round-trip
