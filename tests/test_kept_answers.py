"""Answers kept in the workspace: served again while the data, settings and segments stay
the same, and equal to a fresh computation; a load, a collector batch, a settings change
or a saved segment makes every answer fresh again."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

import jejak
from jejak.model.config import parse_settings
from jejak.server import api, create_app
from jejak.server.keys import ensure_keys
from jejak.store import results, stitching
from serving import Library, running, until

LOG = """
customer_id,anonymous_id,ts,event,campaign,channel,revenue
,a1,2026-01-01 08:00:00,page_view,,social,
,a1,2026-01-02 08:00:00,email_sent,c1,email,
,a1,2026-01-02 09:00:00,email_click,c1,email,
c1,a1,2026-01-03 08:00:00,newsletter_signup,,,
c2,,2026-01-01 08:00:00,page_view,,search,
c2,,2026-01-04 08:00:00,order,,,25
c2,,2026-01-09 08:00:00,order,,,40
c3,,2026-01-05 08:00:00,page_view,,social,
c3,,2026-01-05 09:00:00,campaign_holdout,c1,,
c1,,2026-01-05 08:00:00,order,,,30
c1,,2026-01-15 08:00:00,order,,,20
c1,,2026-01-25 08:00:00,order,,,35
c5,,2026-01-02 08:00:00,order,,,15
"""

MORE = """
customer_id,anonymous_id,ts,event,campaign,channel,revenue
c3,,2026-01-06 08:00:00,order,,,30
c4,,2026-01-07 08:00:00,page_view,,social,
"""

SETTINGS = """
segments:
  signed-up: {had: newsletter_signup}
campaigns:
  signup:
    call_to_action: {event: email_click, campaign: c1}
    traffic_source: {channel: email, campaign: c1}
    exposure: {event: email_sent, campaign: c1}
    holdout: {event: campaign_holdout, campaign: c1}
    target: {from: Engagement, to: Subscribe}
"""

# what a route needs besides its defaults
NEEDS = {
    "/v1/analyses/funnel": {"steps": ["page_view", "order"]},
    "/v1/analyses/paths": {"after": "page_view"},
    "/v1/analyses/stuck": {"stage": "Engagement"},
    "/v1/analyses/funnel-dropoffs": {"steps": ["page_view", "order"], "dropped_at": 1},
    "/v1/analyses/funnel-drivers": {"steps": ["page_view", "order"], "step": 1},
    "/v1/analyses/compare": {"a": "signed-up"},
}
# what the ads cost (spend and return answers from it)
SPEND = """
date,channel,campaign,spend
2026-01-01,social,,1000
2026-01-02,email,c1,500
"""


class Site:
    def __init__(self, base: str, key: str, ws: jejak.Workspace, write: str, app) -> None:
        self.base, self.key, self.ws, self.write, self.app = base, key, ws, write, app
        self.library = Library(app)

    def rows(self, sql: str) -> list[tuple]:
        with self.app.state.jejak.using() as ws:
            return ws.con.execute(sql).fetchall()

    def ask(self, path: str) -> httpx.Response:
        params = NEEDS.get(path, {})
        path = path.replace("{name}", "signed-up" if "/segments/" in path else "signup")
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.get(self.base + path, params=params, headers=headers, timeout=120)


@pytest.fixture
def site(tmp_path, write_file) -> Iterator[Site]:
    ws = jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    ws.load_spend(write_file("spend.csv", SPEND))
    keys = ensure_keys(ws.con)
    app = create_app(ws)
    with running(app) as base:
        yield Site(base, keys["read"], ws, keys["write"], app)
    ws.close()


# checked at the moment asked (the clock is its input), so never kept (test_watch)
NOT_KEPT = {"/v1/analyses/watch"}


def analysis_routes() -> list[str]:
    """Every analysis the API offers (its router's GET routes) whose answer is kept."""
    paths = (route.path for route in api.router.routes if "GET" in route.methods)
    return sorted(set(paths) - NOT_KEPT)


def answers(site: Site, routes: list[str]) -> dict[str, tuple[str, str]]:
    """Each route's answer: (kept or computed, the JSON body)."""
    found = {}
    for path in routes:
        response = site.ask(path)
        assert response.status_code == 200, (path, response.text[:300])
        found[path] = (response.headers["X-Jejak-Cache"], response.text)
    return found


def test_every_answer_is_kept_and_equals_a_fresh_one(site, write_file):
    routes = analysis_routes()
    assert len(routes) >= 30  # every analysis the API offers
    first = answers(site, routes)
    assert {kept for kept, _ in first.values()} == {"miss"}
    again = answers(site, routes)
    assert {kept for kept, _ in again.values()} == {"hit"}
    assert {p: body for p, (_, body) in again.items()} == {p: b for p, (_, b) in first.items()}

    # a load: every answer is computed afresh, and equals one computed with nothing kept
    site.library.load(write_file("more.csv", MORE))
    after_load = answers(site, routes)
    assert {kept for kept, _ in after_load.values()} == {"miss"}
    with site.app.state.jejak.using() as ws:
        results.forget(ws.con)
    fresh = answers(site, routes)
    differ = [p for p in routes if fresh[p][1] != after_load[p][1]]
    assert not differ, [(fresh[p][1][:2000], after_load[p][1][:2000]) for p in differ]
    changed = [p for p in routes if after_load[p][1] != first[p][1]]
    assert "/v1/analyses/stages" in changed and "/v1/analyses/rfm" in changed


def test_a_collector_batch_settings_and_segments_make_answers_fresh(site):
    stages = "/v1/analyses/stages"
    assert site.ask(stages).headers["X-Jejak-Cache"] == "miss"
    kept = site.ask(stages)
    assert kept.headers["X-Jejak-Cache"] == "hit"
    assert kept.headers["X-Jejak-Data"] == "load 1, 13 touchpoints"
    event = {"event_id": "n1", "customer_id": "c9", "ts": "2026-01-08T00:00:00Z", "event": "x"}
    headers = {"Authorization": f"Bearer {site.write}"}
    assert httpx.post(site.base + "/v1/events", json=[event], headers=headers).status_code == 202
    batch = site.ask(stages)
    assert batch.headers["X-Jejak-Cache"] == "miss"
    assert batch.json()["meta"]["people"] == kept.json()["meta"]["people"] + 1
    assert batch.headers["X-Jejak-Data"] == "load 2, 14 touchpoints"

    assert site.ask(stages).headers["X-Jejak-Cache"] == "hit"
    site.ws.settings = parse_settings("journey: four-stage\n")
    four = site.ask(stages)
    assert four.headers["X-Jejak-Cache"] == "miss" and len(four.json()["table"]) == 4

    segments = "/v1/analyses/segments"
    assert site.ask(segments).headers["X-Jejak-Cache"] == "miss"
    assert site.ask(segments).headers["X-Jejak-Cache"] == "hit"
    site.library.save_segment("buyers", {"had": "order"})
    saved = site.ask(segments)
    assert saved.headers["X-Jejak-Cache"] == "miss"
    assert "buyers" in [row["segment"] for row in saved.json()["table"]]


def test_the_library_keeps_answers_per_version(tmp_path, write_file):
    ws = jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    computed = []

    def compute() -> str:
        computed.append(1)
        return ws.stages().table.to_json()

    first = ws.answered("stages", compute)
    second = ws.answered("stages", compute)
    assert (first.fresh, second.fresh, len(computed)) == (True, False, 1)
    assert second.body == first.body and second.touchpoints == 13 and second.load_id == 1
    assert ws.answered("other question", compute).fresh  # kept per question
    ws.load(write_file("more.csv", MORE))
    third = ws.answered("stages", compute)
    assert third.fresh and third.body != first.body and third.load_id == 2
    # a load keeps each question's newest answer only
    kept = "SELECT question, load_id FROM results ORDER BY 1, 2"
    assert ws.con.execute(kept).fetchall() == [("other question", 1), ("stages", 1), ("stages", 2)]
    ws.load(write_file("more.csv", MORE))  # nothing new, but a load
    assert ws.con.execute(kept).fetchall() == [("other question", 1), ("stages", 2)]
    ws.close()


def test_an_answer_kept_by_other_code_is_computed_again(tmp_path, write_file, monkeypatch):
    # another release of jejak may shape or word an answer otherwise: its kept answers
    # are not served by this one, though the data and settings are the same
    from jejak.store import workspace

    ws = jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    assert ws.answered("stages", lambda: "old words").fresh
    assert ws.answered("stages", lambda: "new words").body == "old words"
    monkeypatch.setattr(workspace, "code_digest", lambda: "another release")
    upgraded = ws.answered("stages", lambda: "new words")
    assert (upgraded.fresh, upgraded.body) == (True, "new words")
    ws.close()


def test_new_data_warms_the_pages_people_open_first(site):
    warmer = site.app.state.jejak.warmer
    warmer.settle, warmer.interval = 0.1, 0.0
    until(lambda: warmer.rounds >= 1)  # on start
    rounds = warmer.rounds
    event = {"event_id": "w1", "customer_id": "c9", "ts": "2026-01-08T00:00:00Z", "event": "x"}
    headers = {"Authorization": f"Bearer {site.write}"}
    assert httpx.post(site.base + "/v1/events", json=[event], headers=headers).status_code == 202
    until(lambda: warmer.rounds > rounds)  # the batch poked it
    for slug in warmer.pages:
        page = site.ask(f"/dashboard/{slug}/content")
        assert page.headers["X-Jejak-Cache"] == "hit", slug  # ready before anyone asked
        assert "on 14 touchpoints (up to load 2)" in page.text
        assert re.search(r"Computed \d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC on", page.text)
    assert site.ask("/dashboard/campaigns/content").headers["X-Jejak-Cache"] == "miss"
    # the warmer brought the stitched touchpoints up to date (only the batch stitched)
    # and dropped the answers kept for the data before it
    with site.app.state.jejak.using() as ws:
        state = stitching.kept(ws.con)
    assert (state.version, state.built_rows, state.added_rows) == ("2_14", 13, 1)
    versions = site.rows("SELECT DISTINCT load_id FROM results")
    assert versions == [(2,)]


def test_the_funnel_builder_suggestions_are_kept(site):
    headers = {"Authorization": f"Bearer {site.key}"}
    for _ in range(2):
        shell = httpx.get(site.base + "/dashboard/funnels", headers=headers, timeout=60)
        assert shell.status_code == 200
        assert "newsletter_signup" in shell.text and "stage:Convert" in shell.text
    kept = site.rows("SELECT count(*) FROM results WHERE question = '/dashboard/step-choices'")
    assert kept == [(1,)]  # computed once, then read


def test_a_page_shows_its_last_numbers_while_new_data_is_counted(site):
    warmer = site.app.state.jejak.warmer
    warmer.settle, warmer.interval = 0.1, 0.0
    until(lambda: warmer.rounds >= 1)
    campaigns = "/dashboard/campaigns/content"
    first = site.ask(campaigns)
    assert first.headers["X-Jejak-Cache"] == "miss"
    event = {"event_id": "s1", "customer_id": "c9", "ts": "2026-01-08T00:00:00Z", "event": "x"}
    headers = {"Authorization": f"Bearer {site.write}"}
    assert httpx.post(site.base + "/v1/events", json=[event], headers=headers).status_code == 202
    shown = site.ask(campaigns)  # at once, the page as it was, saying so
    assert shown.headers["X-Jejak-Cache"] == "stale"
    assert shown.headers["X-Jejak-Data"] == first.headers["X-Jejak-Data"]
    assert "Newer touchpoints have come in since" in shown.text
    # the API answers only for the data as it is
    assert site.ask("/v1/analyses/campaigns").headers["X-Jejak-Cache"] == "miss"
    until(lambda: site.ask(campaigns).headers["X-Jejak-Cache"] == "hit")  # counted anew
    again = site.ask(campaigns)
    assert "Newer touchpoints" not in again.text and "(up to load 2)" in again.text
