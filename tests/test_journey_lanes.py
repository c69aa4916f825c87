"""The journey map's CX lanes (feeling, pain points, opportunities, personas) on a log
counted by hand, on both engines; and on the demo shop, what it plants."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import jejak
import jejak.language
from jejak.analyses.intervals import wilson
from jejak.analyses.nps import score_interval

JOURNEY = {
    "name": "toko",
    "stages": [
        {"name": "Kenal", "rules": [{"any": True}]},
        {"name": "Tertarik", "rules": [{"event": "lihat_produk"}]},
        {"name": "Daftar", "rules": [{"event": "daftar"}]},
        {"name": "Beli", "rules": [{"event": "beli"}]},
    ],
}
SETTINGS = {
    "journey": JOURNEY,
    "roles": {
        "purchase": ["beli"],
        "review": {"events": ["ulasan"], "field": "bintang"},
        "nps": {"events": ["survei_nps"], "field": "skor"},
    },
    "experience": [
        {"event": "keluhan", "is": "bad"},
        {"event": "ulasan", "where": {"bintang": {"gte": 4}}, "is": "good"},
        {"event": "ulasan", "where": {"bintang": {"lte": 2}}, "is": "bad"},
        {"event": "survei_nps", "where": {"skor": {"gte": 9}}, "is": "good"},
        {"event": "survei_nps", "where": {"skor": {"lte": 6}}, "is": "bad"},
    ],
    "campaigns": {
        "iklan-daftar": {
            "call_to_action": {"event": "klik_iklan"},
            "traffic_source": {"channel": "iklan"},
            "target": {"from": "Tertarik", "to": "Daftar"},
            "exposure": {"event": "lihat_iklan"},
        }
    },
    "segments": {"pembeli": {"had": "beli", "description": "Pelanggan yang sudah membeli"}},
}

# One day, 2 March 2026, in hours:minutes; the data ends at 23:00 (c3's last visit).
# a1-a4 watch the video 10 minutes into Tertarik and sign up an hour after entering;
# b1, b2 and c1 complain half an hour into Tertarik; b1 and b2 still sign up, slowly.
PEOPLE = {
    "a1": [("00:00", "kunjungi", "iklan", "instagram", ""), ("01:00", "lihat_produk"),
           ("01:10", "lihat_video"), ("02:00", "daftar"), ("03:00", "beli", 100000),
           ("04:00", "ulasan", {"bintang": 5})],
    "a2": [("00:00", "kunjungi", "iklan", "instagram", ""), ("01:00", "lihat_produk"),
           ("01:10", "lihat_video"), ("02:00", "daftar"), ("05:00", "beli", 200000),
           ("06:00", "survei_nps", {"skor": 8}), ("07:00", "survei_nps", {"skor": 10})],
    "a3": [("00:00", "kunjungi", "iklan", "instagram", ""), ("01:00", "lihat_produk"),
           ("01:10", "lihat_video"), ("02:00", "daftar"), ("12:00", "survei_nps", {"skor": 3})],
    "a4": [("00:00", "kunjungi", "iklan", "instagram", ""), ("01:00", "lihat_produk"),
           ("01:10", "lihat_video"), ("02:00", "daftar")],
    "b1": [("00:00", "kunjungi", "cari"), ("01:00", "lihat_produk"), ("01:30", "keluhan"),
           ("11:00", "daftar"), ("20:00", "beli", 300000), ("21:00", "ulasan", {"bintang": 3})],
    "b2": [("00:00", "kunjungi", "cari"), ("01:00", "lihat_produk"), ("01:30", "keluhan"),
           ("21:00", "daftar")],
    "b3": [("00:00", "kunjungi", "cari"), ("01:00", "lihat_produk"), ("11:00", "daftar")],
    "c1": [("00:00", "kunjungi", "iklan"), ("01:00", "lihat_produk"), ("01:30", "keluhan")],
    "c2": [("00:00", "kunjungi", "iklan"), ("01:00", "lihat_produk")],
    "c3": [("00:00", "kunjungi", "iklan"), ("23:00", "kunjungi")],
}  # fmt: skip


def _log(people: dict[str, list] = PEOPLE) -> str:
    rows = ["customer_id,ts,event,channel,source,revenue,properties"]
    for person, touches in people.items():
        for hour, event, *rest in touches:
            channel = source = revenue = properties = ""
            if rest and isinstance(rest[0], str):
                channel, source = rest[0], rest[1] if len(rest) > 1 else ""
            elif rest and isinstance(rest[0], int):
                revenue = str(rest[0])
            elif rest:
                key, value = next(iter(rest[0].items()))
                properties = f'"{{""{key}"": {value}}}"'
            rows.append(
                f"{person},2026-03-02 {hour}:00,{event},{channel},{source},{revenue},{properties}"
            )
    return "\n".join(rows)


HOUR = 1 / 24


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS))
    ws.load(write_file("log.csv", _log()))
    return on_engine(ws)


def by_stage(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["stage"]: row for row in frame.to_dict(orient="records")}


def test_feeling_per_stage(shop):
    feeling = by_stage(shop.journey_map(min_people=1).lanes.feeling)
    assert list(feeling) == ["Kenal", "Tertarik", "Daftar", "Beli"]
    # Kenal: all ten visited; no experience before moving on (neutral)
    kenal = feeling["Kenal"]
    assert (kenal["people"], kenal["good"], kenal["neutral"], kenal["bad"]) == (10, 0, 10, 0)
    assert (kenal["feeling"], kenal["feeling_low"], kenal["feeling_high"]) == (0, 0, 0)
    assert kenal["nps_answers"] == 0 and math.isnan(kenal["nps"]) and math.isnan(kenal["stars"])
    # Tertarik: nine people (not c3); b1, b2 and c1 complained: bad
    tertarik = feeling["Tertarik"]
    assert (tertarik["people"], tertarik["good"], tertarik["neutral"], tertarik["bad"]) == (
        9, 0, 6, 3,
    )  # fmt: skip
    _, low, high = score_interval(0, 3, 9)
    assert tertarik["feeling"] == pytest.approx(-3 / 9)
    assert (tertarik["feeling_low"], tertarik["feeling_high"]) == pytest.approx(
        (low / 100, high / 100)
    )
    assert tertarik["feeling_low"] == pytest.approx(-0.6413, abs=1e-4)
    # Daftar: a1-a4, b1-b3 signed up; a3 answered NPS 3 there (bad, a detractor)
    daftar = feeling["Daftar"]
    assert (daftar["people"], daftar["good"], daftar["neutral"], daftar["bad"]) == (7, 0, 6, 1)
    assert (daftar["nps"], daftar["nps_answers"]) == (-100, 1)
    # Beli: a1 (5 stars: good), a2 (NPS 8 then 10: good, the latest answer counts once),
    # b1 (3 stars: no rule says, neutral); stars (5 + 3) / 2
    beli = feeling["Beli"]
    assert (beli["people"], beli["good"], beli["neutral"], beli["bad"]) == (3, 2, 1, 0)
    assert beli["feeling"] == pytest.approx(2 / 3)
    assert beli["feeling_low"] == pytest.approx(0.1332, abs=1e-4) and beli["feeling_high"] == 1
    assert (beli["nps"], beli["nps_low"], beli["nps_high"], beli["nps_answers"]) == (
        100,
        100,
        100,
        1,
    )
    assert (beli["stars"], beli["stars_answers"]) == (4.0, 2)


def test_pain_points(shop):
    pains = shop.journey_map(min_people=1).lanes.pains.set_index("kind")
    assert list(pains.index) == ["drop_off", "bad_experience", "slow"]
    # entered and went no further: Kenal c3 (1 of 10), Tertarik c1, c2 (2 of 9), Daftar
    # a3, a4, b2, b3 (4 of 7): the biggest drop-off is Daftar -> Beli
    drop = pains.loc["drop_off"]
    assert (drop["stage"], drop["to_stage"], drop["people"]) == ("Daftar", "Beli", 4)
    assert drop["value"] == pytest.approx(4 / 7)
    assert (drop["low"], drop["high"]) == pytest.approx(wilson(4, 7))
    assert drop["detail"] == "4 people of the 7 who entered Daftar went no further (57%)"
    # the complaint in Tertarik: b1, b2, c1 had it (30 minutes in); time in Tertarik, in
    # minutes, all within its first day (one band): everyone 5,280 (a's 4 x 60, b1 600,
    # b2 1,200, b3 600, c1 1,320, c2 1,320); after the complaint 3,030 (b1 570, b2 1,170,
    # c1 1,290) with 2 moves on (b1, b2); before or without it 2,250 with the other 5
    bad = pains.loc["bad_experience"]
    assert (bad["stage"], bad["to_stage"], bad["what"], bad["people"]) == (
        "Tertarik", "Daftar", "keluhan", 3,
    )  # fmt: skip
    assert bad["value"] == pytest.approx((2 / 3030) / (5 / 2250))
    se = math.sqrt(1 / 2 + 1 / 5)  # one band: the variance of the log ratio is 1/d1 + 1/d0
    assert (bad["low"], bad["high"]) == pytest.approx(
        (bad["value"] * math.exp(-1.959964 * se), bad["value"] * math.exp(1.959964 * se))
    )
    # hours to move on: Kenal -> Tertarik 1 (x9), Tertarik -> Daftar 1,1,1,1,10,10,20,
    # Daftar -> Beli 1 (a1), 3 (a2), 9 (b1): the slowest median is Daftar -> Beli, 3 hours
    slow = pains.loc["slow"]
    assert (slow["stage"], slow["to_stage"], slow["people"]) == ("Daftar", "Beli", 3)
    assert slow["value"] == pytest.approx(3 * HOUR)
    assert math.isnan(slow["low"]) and "0.1 days" in slow["detail"]


def test_opportunities(shop):
    lanes = shop.journey_map(min_people=1).lanes
    found = {(r["kind"], r["stage"]): r for r in lanes.opportunities.to_dict(orient="records")}
    assert list(found) == [
        ("untargeted", "Kenal"),
        ("untargeted", "Daftar"),
        ("stuck", "Daftar"),
        ("stuck", "Tertarik"),
        ("stuck", "Kenal"),
        ("under_reached", "Tertarik"),
    ]
    # the campaign targets Tertarik -> Daftar; the other two transitions are untargeted
    assert found["untargeted", "Kenal"]["people"] == 1  # c3
    assert found["untargeted", "Daftar"]["people"] == 4
    assert found["untargeted", "Daftar"]["value"] == pytest.approx(4 / 7)
    # the usual time (everyone's 90th percentile of hours to move on, interpolated):
    # Kenal 1; Tertarik of 1,1,1,1,10,10,20: 10 + 0.4 x 10 = 14; Daftar of 1,3,9: 3 +
    # 0.8 x 6 = 7.8. At 23:00: c3 23 hours in Kenal; c1, c2 22 hours in Tertarik; in
    # Daftar a3, a4 21 hours and b3 12 (b2 only 2)
    stuck = {stage: found["stuck", stage] for stage in ("Kenal", "Tertarik", "Daftar")}
    assert [stuck[s]["people"] for s in stuck] == [1, 2, 3]
    assert [stuck[s]["value"] for s in stuck] == pytest.approx([1 * HOUR, 14 * HOUR, 7.8 * HOUR])
    # the video in Tertarik: a1-a4 (4 of 9, under half) had it 10 minutes in and moved on
    # 50 minutes later; 200 minutes with it, 4 moves; 5,080 without (the a's 4 x 10, b1
    # 600, b2 1,200, b3 600, c1 1,320, c2 1,320), 3 moves: the 5 without are the people
    video = found["under_reached", "Tertarik"]
    assert (video["what"], video["to_stage"], video["people"]) == ("lihat_video", "Daftar", 5)
    assert video["value"] == pytest.approx((4 / 200) / (3 / 5080))
    se = math.sqrt(1 / 4 + 1 / 3)
    assert video["low"] == pytest.approx(video["value"] * math.exp(-1.959964 * se))
    assert video["low"] > 1  # it helps
    assert "only 44% of the 9 people in the stage had it" in video["detail"]
    assert lanes.reasons == {}
    # all of them stalled within the last 30 days (the log is one day long)
    assert [stuck[s]["recent"] for s in stuck] == [1, 2, 3]
    assert "(3 of them passed it in the last 30 days)" in stuck["Daftar"]["detail"]
    assert math.isnan(found["untargeted", "Kenal"]["recent"])  # only a stuck audience has one


def test_recently_stuck_audiences(open_workspace, write_file, on_engine):
    # d1 comes by on 1 April at 12:00, which is now "now": 30 days 12 hours after the
    # log's first visits. Usual times as above (d1 moves nowhere): Kenal 1 hour, Tertarik
    # 14, Daftar 7.8. Recently stuck: past the usual time by at most 30 days.
    # Kenal: c3, 30 days 12 hours in (30 days 11 hours past): not recent.
    # Tertarik: c1, c2 entered at 01:00, 30 days 11 hours in, within 30 days 14: recent.
    # Daftar: a3, a4 (02:00) 30 days 10 hours in, over 30 days 7.8: not recent; b3
    # (11:00) 30 days 1 hour, and b2 (21:00), recent. d1 is 0 hours in Kenal: not stuck.
    log = _log() + "\nd1,2026-04-01 12:00:00,kunjungi,,,,"
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS))
    ws.load(write_file("log.csv", log))
    lanes = on_engine(ws).journey_map(min_people=1).lanes
    stuck = lanes.opportunities[lanes.opportunities["kind"] == "stuck"].set_index("stage")
    assert stuck["people"].to_dict() == {"Daftar": 4, "Tertarik": 2, "Kenal": 1}
    assert stuck["recent"].to_dict() == {"Daftar": 2, "Tertarik": 2, "Kenal": 0}
    assert "(0 of them passed it in the last 30 days)" in stuck.loc["Kenal", "detail"]


def test_personas_and_segments(shop):
    # who is in which cluster is k-means' own answer on these ten: each persona names the
    # cluster that the clusters analysis puts most of its people in, with their share
    clusters = shop.clusters()
    lanes = shop.journey_map(min_people=1).lanes
    assert _clusters_apart(lanes.personas, clusters) == {
        "": "10 people; most first came through iklan (70%); from instagram (40%); most got"
        " as far as Daftar (40%); 30% bought, 200,000 each on average."
    }
    # split by the first channel, a persona does not repeat it (nor empty sources)
    channel = shop.journey_map(by="channel", min_people=1).lanes.personas
    assert _clusters_apart(channel, clusters) == {
        "cari": "3 people; most got as far as Daftar (67%); 33% bought, 300,000 each on average.",
        "iklan": "7 people; from instagram (57%); most got as far as Tertarik (29%); 29% bought,"
        " 150,000 each on average.",
    }
    result = shop.journey_map(by="segment", min_people=1)
    lanes = result.lanes
    assert lanes.personas["pembeli"].startswith(
        "Pelanggan yang sudah membeli. 3 people; most first came through iklan (67%); from"
        " instagram (67%); most got as far as Beli (100%); 100% bought, 200,000 each on"
        " average; "
    )
    assert lanes.personas["(in no segment)"].startswith("7 people; most first came through")
    feeling = lanes.feeling
    assert feeling.columns[0] == "segment"
    buyers = by_stage(feeling[feeling["segment"] == "pembeli"])
    assert (buyers["Beli"]["people"], buyers["Beli"]["good"]) == (3, 2)
    assert (buyers["Tertarik"]["people"], buyers["Tertarik"]["bad"]) == (3, 1)  # b1
    pains = lanes.pains[lanes.pains["segment"] == "(in no segment)"].set_index("kind")
    # a3, a4, b2, b3 stopped in Daftar, all of the seven who are not buyers
    assert pains.loc["drop_off", "people"] == 4 and pains.loc["drop_off", "value"] == 1.0
    data = result.to_dict()["lanes"]
    assert set(data) == {"feeling", "pains", "opportunities", "personas", "reasons"}
    assert data["personas"]["pembeli"].startswith("Pelanggan")
    assert data["feeling"][0]["segment"] == "(in no segment)"


# Three kinds of people, alike within each kind: as many different people as clusters,
# so k-means can only give each kind a cluster of its own, numbered by size
SEEN = [("00:00", "kunjungi", "iklan")]  # saw the ad and went: 4 (cluster 1)
SIGNED_UP = [("00:00", "kunjungi", "cari"), ("01:00", "lihat_produk"), ("02:00", "daftar")]  # 3
BOUGHT = [
    ("00:00", "kunjungi", "iklan"),
    ("01:00", "lihat_produk"),
    ("02:00", "daftar"),
    ("03:00", "beli", 100000),
]  # 2 (cluster 3)
KINDS = {"s": (4, SEEN), "d": (3, SIGNED_UP), "b": (2, BOUGHT)}  # fmt: skip
CLUSTERS = {
    1: "mostly iklan, stalls at Kenal, little content, no purchases",
    2: "mostly cari, stalls at Daftar, little content, no purchases",
    3: "mostly iklan, reaches Beli, little content, high spend",  # 100,000 vs 22,222 a head
}


@pytest.fixture
def kinds(open_workspace, write_file, on_engine):
    people = {f"{kind}{i}": touches for kind, (n, touches) in KINDS.items() for i in range(n)}
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS))
    ws.load(write_file("kinds.csv", _log(people)))
    return on_engine(ws)


def test_a_persona_names_the_clusters_most_of_its_people_are_in(kinds):
    clusters = kinds.clusters()
    assert dict(zip(clusters.table["cluster"], clusters.table["description"], strict=True)) == (
        CLUSTERS
    )
    found = clusters.people.set_index("person_id")["cluster"].to_dict()
    assert found == {p: {"s": 1, "d": 2, "b": 3}[p[0]] for p in found} and len(found) == 9
    # everyone: cluster 1 has under half of them (4 of 9), so the next is named too
    everyone = kinds.journey_map(min_people=1).lanes.personas[""]
    assert everyone == (
        "9 people; most first came through iklan (67%); most got as far as Kenal (44%); 22%"
        f" bought, 100,000 each on average; 44% in behavioural cluster 1 ({CLUSTERS[1]}) and"
        f" 33% in cluster 2 ({CLUSTERS[2]})."
    )
    channel = kinds.journey_map(by="channel", min_people=1).lanes.personas
    assert channel == {
        "cari": "3 people; most got as far as Daftar (100%); nobody bought yet; 100% in"
        f" behavioural cluster 2 ({CLUSTERS[2]}).",
        "iklan": "6 people; most got as far as Kenal (67%); 33% bought, 100,000 each on"
        f" average; 67% in behavioural cluster 1 ({CLUSTERS[1]}).",
    }
    segment = kinds.journey_map(by="segment", min_people=1).lanes.personas
    assert segment["pembeli"] == (
        "Pelanggan yang sudah membeli. 2 people; most first came through iklan (100%); most"
        " got as far as Beli (100%); 100% bought, 100,000 each on average; 100% in"
        f" behavioural cluster 3 ({CLUSTERS[3]})."
    )
    assert segment["(in no segment)"].endswith(f"; 57% in behavioural cluster 1 ({CLUSTERS[1]}).")


def test_a_persona_reads_in_the_readers_language(open_workspace, write_file):
    # the words are the same on each engine: DuckDB's answer checks them (the Spark case
    # of the test above checks the numbers they carry)
    people = {f"{kind}{i}": touches for kind, (n, touches) in KINDS.items() for i in range(n)}
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS))
    ws.load(write_file("kinds.csv", _log(people)))
    with jejak.language.speaking("id"):
        everyone = ws.journey_map(min_people=1).lanes.personas[""]
    assert everyone.endswith(
        "; 44% di klaster perilaku 1 (kebanyakan dari iklan, tertahan di Kenal, sedikit konten,"
        " tanpa pembelian) dan 33% di klaster 2 (kebanyakan dari cari, tertahan di Daftar,"
        " sedikit konten, tanpa pembelian)."
    )


def test_a_bad_experience_is_named_in_the_readers_language(open_workspace, write_file):
    # the same map asked for in English, Indonesian and English again: the rule's name
    # (in words for 'any') is each reader's, though the map's queries are built once
    angry = {"any": True, "where": {"marah": True}, "is": "bad"}
    settings = {"journey": JOURNEY, "experience": [angry]}
    # p1-p3 get angry ten minutes into Kenal and look at a product nine hours later; q1-q3
    # look after an hour
    slow = [
        ("00:00", "kunjungi"),
        ("00:10", "kunjungi", {"marah": "true"}),
        ("10:00", "lihat_produk"),
    ]
    fast = [("00:00", "kunjungi"), ("01:00", "lihat_produk")]
    people = {f"p{i}": slow for i in range(3)} | {f"q{i}": fast for i in range(3)}
    ws = open_workspace(jejak.Settings.model_validate(settings))
    ws.load(write_file("angry.csv", _log(people)))
    said = []
    for language in ("en", "id", "en"):
        with jejak.language.speaking(language):
            pains = ws.journey_map(min_people=1).lanes.pains.set_index("kind")
        said.append(pains.loc["bad_experience", "what"])
    english, indonesian = "any touchpoint (marah = true)", "titik kontak apa pun (marah = true)"
    assert said == [english, indonesian, english]


def test_too_few_people_for_clusters_get_a_persona_without_them(
    open_workspace, write_file, on_engine
):
    # one of each kind: three people are too few to cluster (all of them are one cluster)
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS))
    ws.load(write_file("three.csv", _log({"s": SEEN, "d": SIGNED_UP, "b": BOUGHT})))
    ws = on_engine(ws)
    assert ws.clusters().meta["k"] == 1
    assert ws.journey_map(min_people=1).lanes.personas == {
        "": "3 people; most first came through iklan (67%); most got as far as Kenal (33%);"
        " 33% bought, 100,000 each on average."
    }


def _clusters_apart(personas: dict[str, str], clusters) -> dict[str, str]:
    """Each persona without its clusters, once its clusters are checked: the one with the
    most of the group's people in the clusters analysis (fewest-numbered of a tie), their
    share of the group, and the cluster's words."""
    members = clusters.people.set_index("person_id")["cluster"]
    words = dict(zip(clusters.table["cluster"], clusters.table["description"], strict=True))
    apart = {}
    for group, persona in personas.items():
        # the people of a map split by channel: those who first came through it
        people = [p for p in members.index if group in ("", PEOPLE[p][0][2])]
        counts = members[people].value_counts()
        top = min(counts.index, key=lambda c: (-counts[c], c))
        share = f"{counts[top] / len(people):.0%}"
        said = f"; {share} in behavioural cluster {top} ({words[top]})"
        assert said in persona, (persona, said)
        apart[group] = persona[: persona.index(said)] + "."
    return apart


def test_without_lanes_the_map_is_as_before(shop):
    plain = shop.journey_map(lanes=False)
    assert plain.lanes is None and plain.to_dict()["lanes"] is None
    pd.testing.assert_frame_equal(plain.table, shop.journey_map(min_people=1).table)


def test_empty_lanes_say_why(open_workspace, write_file):
    settings = {k: v for k, v in SETTINGS.items() if k not in ("campaigns", "roles")}
    ws = open_workspace(jejak.Settings.model_validate(settings | {"experience": []}))
    ws.load(write_file("log.csv", _log()))
    lanes = ws.journey_map(min_people=1).lanes
    assert lanes.feeling["bad"].sum() == 0 and lanes.feeling["nps_answers"].sum() == 0
    reasons = lanes.reasons
    assert "no experience rules in jejak.yaml" in reasons["feeling"]
    assert "no NPS answers" in reasons["feeling"] and "no review stars" in reasons["feeling"]
    assert "add rules with 'is: bad'" in reasons["pains"]
    assert "every transition is untargeted" in reasons["opportunities"]
    kinds = lanes.opportunities.groupby("kind").size().to_dict()
    assert kinds["untargeted"] == 3  # Tertarik -> Daftar too, now


def test_rules_that_match_nothing_say_so(open_workspace, write_file):
    settings = SETTINGS | {"experience": [{"event": "tiket_gagal", "is": "bad"}]}
    ws = open_workspace(jejak.Settings.model_validate(settings))
    ws.load(write_file("log.csv", _log()))
    reasons = ws.journey_map(min_people=1).lanes.reasons
    assert "no touchpoint matched a rule under 'experience:'" in reasons["feeling"]
    assert "no bad experience clearly slows people down" in reasons["pains"]
    assert "opportunities" not in reasons


def test_lanes_recover_the_demo_shop(demo_workspace):
    """The demo plants unresolved support tickets in Excite that slow people on to
    Ascend (the worst bad experience), the setup guide that drives people on from
    Convert, and campaigns on three transitions (the other four are untargeted)."""
    ws = demo_workspace(3_000, 7)
    lanes = ws.journey_map().lanes
    pains = lanes.pains.set_index("kind")
    bad = pains.loc["bad_experience"]
    assert (bad["stage"], bad["to_stage"]) == ("Excite", "Ascend")
    assert bad["what"].startswith("support_ticket") and "resolved = false" in bad["what"]
    assert bad["high"] < 1
    untargeted = lanes.opportunities[lanes.opportunities["kind"] == "untargeted"]
    assert set(untargeted["stage"]) <= {"Awareness", "Excite", "Ascend", "Advocate"}
    assert {"Awareness", "Excite"} <= set(untargeted["stage"])
    feeling = by_stage(lanes.feeling)
    assert feeling["Excite"]["bad"] > feeling["Excite"]["good"]  # a quarter have a bad ticket
    assert feeling["Ascend"]["nps"] > 50 > feeling["Convert"]["nps"]


def test_effects_within_groups_are_each_groups_own(shop):
    """Split by segment, a group's people are weighed against their own group's peers:
    the counts are those of the segment analysed alone."""
    from jejak.analyses.effectiveness import placed_effects
    from jejak.analyses.stages import placed

    groups = shop.segment_groups().rename(group="segment")
    at = placed(shop.events(), shop.journey)
    split = placed_effects(at, shop.journey, by="event", min_people=1, groups=groups).table
    counts = ["stage", "event", "people_with", "moved_with", "people_without", "moved_without"]
    mine = split[split["group"] == "pembeli"][counts].reset_index(drop=True)
    alone = shop.segment("pembeli").touchpoint_effects(min_people=1).table[counts]
    pd.testing.assert_frame_equal(mine, alone, check_dtype=False)
    # b1 alone of the buyers complained in Tertarik, and so did b2 and c1 of the others
    complained = split[(split["event"] == "keluhan") & (split["stage"] == "Tertarik")]
    assert dict(zip(complained["group"], complained["people_with"], strict=True)) == {
        "pembeli": 1,
        "(in no segment)": 2,
    }


def test_a_persona_says_what_people_spent_in_the_shops_currency(open_workspace, write_file):
    # the same log with its amounts in rupiah: 30% bought, (300,000 + 200,000 + 100,000) / 3
    lines = _log().split("\n")
    log = "\n".join([lines[0] + ",currency", *(line + ",IDR" for line in lines[1:])])
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS))
    ws.load(write_file("rupiah.csv", log))
    assert ws.currency() == "IDR"
    persona = ws.journey_map(min_people=1).lanes.personas[""]
    assert "; 30% bought, IDR 200,000 each on average; " in persona  # then its clusters
    with jejak.language.speaking("id"):
        persona = ws.journey_map(min_people=1).lanes.personas[""]
    assert "; 30% membeli, rata-rata Rp 200.000 per orang; " in persona
