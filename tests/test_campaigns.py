"""Campaign lift on a hand-made log, on both engines: holdout and observational, the
intervals worked by hand, audience fit, windows cut by the end of the data, bad
definitions."""

from __future__ import annotations

import math

import pytest

from jejak.errors import ConfigError
from jejak.model.config import parse_settings

LOG = """
customer_id,ts,event,campaign,revenue,properties
e1,2026-01-01 10:00:00,page_view,,,
e1,2026-01-02 10:00:00,content_view,,,
e1,2026-02-01 10:00:00,email_sent,c1,,
e1,2026-02-02 10:00:00,email_click,c1,,
e1,2026-02-03 10:00:00,newsletter_signup,,,
e2,2026-01-01 10:00:00,page_view,,,
e2,2026-01-02 10:00:00,content_view,,,
e2,2026-02-01 10:00:00,email_sent,c1,,
e2,2026-02-20 10:00:00,newsletter_signup,,,
e3,2026-01-01 10:00:00,page_view,,,
e3,2026-01-02 10:00:00,content_view,,,
e3,2026-02-01 10:00:00,email_sent,c1,,
e4,2026-01-01 10:00:00,page_view,,,
e4,2026-02-01 10:00:00,email_sent,c1,,
e4,2026-02-02 10:00:00,content_view,,,
e4,2026-02-05 10:00:00,newsletter_signup,,,
e5,2026-01-01 10:00:00,page_view,,,
e5,2026-01-02 10:00:00,content_view,,,
e5,2026-01-10 10:00:00,newsletter_signup,,,
e5,2026-02-01 10:00:00,email_sent,c1,,
e6,2026-01-01 10:00:00,page_view,,,
e6,2026-01-02 10:00:00,content_view,,,
e6,2026-02-01 10:00:00,email_sent,c1,,
e6,2026-02-04 10:00:00,newsletter_signup,,,
e6,2026-02-05 10:00:00,order,,100,"{""order_number"": 1}"
e7,2026-01-01 10:00:00,page_view,,,
e7,2026-01-02 10:00:00,content_view,,,
e7,2026-03-10 10:00:00,email_sent,c1,,
e7,2026-03-15 10:00:00,page_view,,,
h1,2026-01-01 10:00:00,page_view,,,
h1,2026-01-02 10:00:00,content_view,,,
h1,2026-02-01 10:00:00,campaign_holdout,c1,,
h1,2026-02-10 10:00:00,newsletter_signup,,,
h2,2026-01-01 10:00:00,page_view,,,
h2,2026-01-02 10:00:00,content_view,,,
h2,2026-02-01 10:00:00,campaign_holdout,c1,,
h3,2026-01-01 10:00:00,page_view,,,
h3,2026-01-02 10:00:00,content_view,,,
h3,2026-02-01 10:00:00,campaign_holdout,c1,,
h4,2026-01-01 10:00:00,page_view,,,
h4,2026-01-02 10:00:00,content_view,,,
h4,2026-02-01 10:00:00,campaign_holdout,c1,,
h4,2026-02-01 12:00:00,email_sent,c1,,
"""

SETTINGS = """
campaigns:
  signup:
    call_to_action: {event: email_click, campaign: c1}
    traffic_source: {channel: email, campaign: c1}
    exposure: {event: email_sent, campaign: c1}
    holdout: {event: campaign_holdout, campaign: c1}
    target: {from: Engagement, to: Subscribe}
    start: 2026-02-01
    end: 2026-04-01
    days: 14
  signup-observed:
    call_to_action: {event: email_click, campaign: c1}
    traffic_source: {campaign: c1}
    exposure: {event: email_sent, campaign: c1}
    target: {from: Engagement, to: Subscribe}
    start: 2026-02-01
    days: 14
"""


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace(parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_exposed_against_held_out(source):
    result = source.campaign("signup")
    rows = result.table.set_index("group")
    exposed, held = rows.loc["exposed"], rows.loc["held out"]
    # e1-e7 exposed (h4 was in both and is left out); e4 was not yet engaged, e5 already
    # subscribed; e7's 14 days run past the end of the data
    assert (exposed["people"], exposed["in_target"], exposed["counted"]) == (7, 5, 4)
    assert (exposed["moved"], exposed["responded"], exposed["incomplete"]) == (2, 1, 1)
    assert (held["people"], held["counted"], held["moved"]) == (3, 3, 1)
    assert exposed["transition_rate"] == 0.5 and held["transition_rate"] == pytest.approx(1 / 3)
    assert exposed["response_rate"] == pytest.approx(1 / 7)
    assert exposed["in_target_share"] == pytest.approx(5 / 7)
    assert exposed["median_days_to_move"] == pytest.approx(2.5)  # 2 and 3 days
    assert held["median_days_to_move"] == pytest.approx(9.0)
    meta = result.meta
    assert meta["in_both_groups"] == 1 and meta["incomplete_windows"] == 1
    assert not meta["observational"] and not meta["wrong_audience"]
    # Newcombe's hybrid score interval, from Wilson intervals written out by hand
    (l1, u1), (l0, u0) = _wilson(2, 4), _wilson(1, 3)
    assert meta["lift"] == pytest.approx(1 / 6)
    assert meta["lift_low"] == pytest.approx(1 / 6 - math.hypot(0.5 - l1, u0 - 1 / 3))
    assert meta["lift_high"] == pytest.approx(1 / 6 + math.hypot(u1 - 0.5, 1 / 3 - l0))
    # rate ratio 1.5 with the Katz log interval
    se = math.sqrt(1 / 2 - 1 / 4 + 1 / 1 - 1 / 3)
    assert meta["relative_lift"] == pytest.approx(0.5)
    assert meta["relative_low"] == pytest.approx(1.5 * math.exp(-1.959963984540054 * se) - 1)
    assert meta["incremental_customers"] == pytest.approx(4 / 6)
    # revenue: exposed 0, 0, 0, 100 against 0, 0, 0; Welch with 3 degrees of freedom
    assert meta["revenue_lift"] == pytest.approx(25.0)
    assert meta["revenue_lift_high"] == pytest.approx(25 + 3.182446305284263 * 25)
    assert meta["incremental_revenue"] == pytest.approx(100.0)
    assert meta["verdict"] == "too few people to tell"
    assert result.title == "Campaign signup: Engagement → Subscribe (holdout)"


def test_without_a_holdout_the_comparison_is_observational(source):
    result = source.campaign("signup-observed")
    rows = result.table.set_index("group")
    exposed, other = rows.loc["exposed"], rows.loc["not exposed (comparison)"]
    # h4 now counts as exposed; h1-h3 were engaged at the start and never exposed
    assert (exposed["people"], exposed["counted"], exposed["moved"]) == (8, 5, 2)
    assert (other["people"], other["counted"], other["moved"]) == (3, 3, 1)
    assert result.meta["observational"] and "observational" in result.title
    assert result.meta["lift"] == pytest.approx(0.4 - 1 / 3)


def test_overview_puts_campaigns_on_their_transitions(source):
    table = source.campaigns().table
    aimed = table[table["campaign"].notna()]
    assert set(aimed["campaign"]) == {"signup", "signup-observed"}
    assert set(aimed["transition"]) == {"Engagement -> Subscribe"}
    idle = table[table["campaign"].isna()]
    assert len(idle) == 6 and set(idle["verdict"]) == {"no campaign"}
    assert table["transition"].iloc[0] == "Awareness -> Engagement"


def test_definitions_from_the_api_and_their_errors(source):
    result = source.campaign(
        {
            "call_to_action": "email_click",
            "traffic_source": {"campaign": "c1"},
            "exposure": {"event": "email_sent", "campaign": "c1"},
            "target": {"from": "Awareness", "to": "Subscribe"},
            "start": "2026-02-01",
        },
        name="wide",
    )
    # two stages at once: e4 (still in Awareness) is in target now, and moved; without a
    # holdout h4 counts as exposed
    exposed = result.table.set_index("group").loc["exposed"]
    assert (exposed["in_target"], exposed["counted"], exposed["moved"]) == (7, 6, 3)
    with pytest.raises(ConfigError, match=r"target\.from 'Engagment' is not a stage"):
        source.campaign(
            {
                "call_to_action": "email_click",
                "traffic_source": {"channel": "email"},
                "exposure": "email_sent",
                "target": {"from": "Engagment", "to": "Subscribe"},
            },
            name="typo",
        )
    with pytest.raises(ConfigError, match=r"'call_to_action\.rule': an empty rule"):
        source.campaign(
            {
                "call_to_action": {},
                "traffic_source": {"channel": "email"},
                "exposure": "email_sent",
                "target": {"from": "Engagement", "to": "Subscribe"},
            }
        )
    with pytest.raises(ConfigError, match="'exposure': missing; say who was reached"):
        source.campaign(
            {
                "call_to_action": "email_click",
                "traffic_source": {"channel": "email"},
                "target": {"from": "Engagement", "to": "Subscribe"},
            }
        )
    with pytest.raises(ConfigError, match="'end' must come after 'start'"):
        source.campaign(
            {
                "call_to_action": "email_click",
                "traffic_source": {"channel": "email"},
                "exposure": "email_sent",
                "target": {"from": "Engagement", "to": "Subscribe"},
                "start": "2026-03-01",
                "end": "2026-03-01T00:00:00+07:00",  # before the start, in UTC
            }
        )
    with pytest.raises(ConfigError, match="no campaign named 'nope'"):
        source.campaign("nope")
    with pytest.raises(ConfigError, match=r"\(Subscribe → Engagement goes backwards\)"):
        source.campaign(
            {
                "call_to_action": "email_click",
                "traffic_source": {"channel": "email"},
                "exposure": "email_sent",
                "target": {"from": "Subscribe", "to": "Engagement"},
            }
        )


def test_a_campaign_mostly_outside_its_stage_is_flagged(source):
    result = source.campaign(
        {
            "call_to_action": "email_click",
            "traffic_source": {"campaign": "c1"},
            "exposure": {"event": "email_sent", "campaign": "c1"},
            "holdout": {"event": "campaign_holdout", "campaign": "c1"},
            "target": {"from": "Subscribe", "to": "Convert"},
        },
        name="wrong",
    )
    assert result.meta["audience_fit"] == pytest.approx(1 / 7)  # only e5 had subscribed
    assert result.meta["wrong_audience"]
    assert result.meta["verdict"] == "too few people to tell"
