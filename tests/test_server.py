"""jejak serve over real HTTP: the JSON API answers what the library answers, behind a
read key; the collector stores valid events once, reports invalid ones, and refuses
what it must (bad key, not JSON, too big, busy)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pandas as pd
import pytest

import jejak
from jejak.errors import JejakError
from jejak.model.config import parse_settings
from jejak.server import create_app
from jejak.server.keys import ensure_keys, given_keys, key_id, list_keys, new_key, revoke
from serving import Library, running

LOG = """
customer_id,anonymous_id,ts,event,campaign
,a1,2026-01-01 08:00:00,page_view,
,a1,2026-01-02 08:00:00,content_view,
c1,a1,2026-01-03 08:00:00,newsletter_signup,
c2,,2026-01-01 08:00:00,page_view,
c2,,2026-01-04 08:00:00,order,
c3,,2026-01-05 08:00:00,page_view,
"""

SETTINGS = "segments:\n  signed-up: {had: newsletter_signup}\n"


class Served:
    def __init__(self, base: str, keys: dict[str, str], ws: jejak.Workspace, app) -> None:
        self.base, self.keys, self.ws, self.app = base, keys, ws, app
        self.library = Library(app)

    def get(self, path: str, key: str | None = "read", **params) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        return httpx.get(self.base + path, params=params, headers=headers, timeout=60)

    def post(self, path: str, key: str | None = "write", **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        return httpx.post(self.base + path, headers=headers, timeout=60, **kwargs)


@pytest.fixture
def served(tmp_path, write_file) -> Iterator[Served]:
    ws = jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    keys = ensure_keys(ws.con)
    app = create_app(ws, max_bytes=20_000, max_events=50, max_text=300, max_properties=2_000)
    app.state.jejak.wait_seconds = 0.5
    with running(app) as base:
        yield Served(base, keys, ws, app)
    ws.close()


def test_health_and_keys(served):
    assert served.get("/health", key=None).json()["status"] == "ok"
    assert served.get("/v1/analyses/stages", key=None).status_code == 401
    assert served.get("/v1/analyses/stages", key="write").status_code == 401
    assert served.get("/v1/analyses/stages").status_code == 200
    # only hashes are kept
    with served.app.state.jejak.using() as ws:
        stored = ws.con.execute("SELECT hash FROM api_keys").fetchall()
    assert all(served.keys["read"] not in h and served.keys["write"] not in h for (h,) in stored)
    with served.app.state.jejak.using():  # while serving, writes take the writers' turn
        another = new_key(served.ws.con, "read")
    assert served.get("/v1/analyses/stages", key=None).status_code == 401
    response = httpx.get(
        served.base + "/v1/analyses/stages", headers={"X-Jejak-Key": another}, timeout=30
    )
    assert response.status_code == 200


def test_keys_are_listed_by_id_and_revoked(served):
    con = served.ws.con
    with served.app.state.jejak.using():
        website = new_key(con, "write", "website")
        listed = list_keys(con)
    assert listed["kind"].tolist() == ["read", "write", "write"]
    assert listed["label"].tolist() == ["", "", "website"]
    assert listed["id"].tolist()[2] == key_id(website)
    assert not any(website in str(v) for v in listed.to_numpy().ravel())  # never the key
    event = {"event_id": "k1", "customer_id": "c9", "ts": "2026-01-08T00:00:00Z", "event": "e"}
    headers = {"Authorization": f"Bearer {website}"}
    assert httpx.post(served.base + "/v1/events", json=[event], headers=headers).status_code == 202
    with served.app.state.jejak.using():
        assert revoke(con, key_id(website)) == ("write", key_id(website))
    answer = httpx.post(served.base + "/v1/events", json=[event], headers=headers)
    assert answer.status_code == 401  # refused from the next request, no restart
    assert served.post("/v1/events", json=[event]).status_code == 202  # the other still works
    with served.app.state.jejak.using():
        assert revoke(con, served.keys["read"])[0] == "read"  # the key itself works too
        with pytest.raises(JejakError, match="no key"):
            revoke(con, "ffffffff")
        with pytest.raises(JejakError, match="8 characters"):
            revoke(con, "ab")
    assert served.get("/v1/analyses/stages").status_code == 401


def test_an_admin_key_is_made_only_when_asked_and_reads_but_never_collects(served):
    assert "admin" not in served.keys  # the first start makes a read and a write key only
    with served.app.state.jejak.using():
        admin = new_key(served.ws.con, "admin", "erasure")
    assert admin.startswith("ja_")
    headers = {"Authorization": f"Bearer {admin}"}
    assert httpx.get(served.base + "/v1/analyses/stages", headers=headers).status_code == 200
    event = {"event_id": "a1", "customer_id": "c9", "ts": "2026-01-08T00:00:00Z", "event": "e"}
    answer = httpx.post(served.base + "/v1/events", json=[event], headers=headers)
    assert answer.status_code == 401  # collecting needs the write key
    with served.app.state.jejak.using():
        assert revoke(served.ws.con, key_id(admin)) == ("admin", key_id(admin))
    assert httpx.get(served.base + "/v1/analyses/stages", headers=headers).status_code == 401
    with pytest.raises(JejakError, match="JEJAK_ADMIN_KEY is the same as another key"):
        given_keys(
            {"JEJAK_WRITE_KEY": "one-secret-for-all", "JEJAK_ADMIN_KEY": "one-secret-for-all"}
        )


def test_keys_of_your_own_from_the_environment(tmp_path, write_file):
    with pytest.raises(JejakError, match="JEJAK_READ_KEY is 5 characters; a key needs at least"):
        given_keys({"JEJAK_READ_KEY": "short"})
    same = {"JEJAK_READ_KEY": "one-secret-for-all", "JEJAK_WRITE_KEY": "one-secret-for-all"}
    with pytest.raises(JejakError, match="are the same"):
        given_keys(same)  # the write key is public (the tracker): it must not read
    given = given_keys({"JEJAK_READ_KEY": " my-own-read-key-0123 ", "OTHER": "x"})
    assert given == {"read": "my-own-read-key-0123"}
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(write_file("log.csv", LOG))
    made = ensure_keys(ws.con, given)
    assert set(made) == {"write"}  # no read key made: one is given
    with running(create_app(ws, given_keys=given)) as base:
        url = base + "/v1/analyses/stages"
        mine = httpx.get(url, headers={"Authorization": "Bearer my-own-read-key-0123"})
        assert mine.status_code == 200
        other = httpx.get(url, headers={"Authorization": "Bearer my-own-read-key-0124"})
        assert other.status_code == 401
    assert list_keys(ws.con)["kind"].tolist() == ["write"]  # the given key is never stored
    ws.close()


def test_analyses_answer_what_the_library_answers(served):
    ws = served.library
    assert served.get("/v1/analyses/stages").json() == _json(ws.stages().to_dict())
    funnel = served.get(
        "/v1/analyses/funnel", steps=["page_view", "stage:Subscribe"], window="7d"
    ).json()
    expected = ws.funnel(["page_view", {"stage": "Subscribe"}], window="7d").to_dict()
    assert funnel == _json(expected)
    scoped = served.get("/v1/analyses/stages", segment="signed-up").json()
    assert scoped["meta"]["people"] == 1
    assert served.get("/v1/analyses/stages", since="2026-01-04").json()["meta"]["people"] == 2
    assert served.get("/v1/analyses/segments").json()["table"][0]["people"] == 1
    top = served.get("/v1/analyses/top-paths", goal="stage:Subscribe", steps=3).json()
    assert top == _json(ws.top_paths({"stage": "Subscribe"}, steps=3).to_dict())
    conflicts = served.get("/v1/analyses/identity-conflicts").json()
    assert conflicts == _json(ws.identity_conflicts().to_dict())
    for path in ("/v1/analyses/journey-map", "/v1/analyses/campaigns", "/v1/analyses/nps"):
        assert served.get(path).status_code == 200, path
    mapped = served.get("/v1/analyses/journey-map").json()
    assert mapped == _json(ws.journey_map().to_dict()) and mapped["lanes"]["personas"]
    assert served.get("/v1/analyses/journey-map", lanes="false").json()["lanes"] is None
    # retention with its options, its rolling curve and one period's trend
    kept = served.get(
        "/v1/analyses/retention", period="week", returned="on_or_after", at_least=1, trend=0
    ).json()
    weekly = ws.retention(period="week", returned="on_or_after")
    assert kept == _json(
        {
            **weekly.to_dict(),
            "curve": jejak.Result("", weekly.curve()).to_dict()["table"],
            "trend": jejak.Result("", weekly.trend(0)).to_dict()["table"],
        }
    )
    assert served.get("/v1/analyses/retention", returned="after").status_code == 422
    days = served.get("/v1/analyses/stickiness", period="week").json()
    assert days == _json(ws.stickiness(period="week").to_dict())
    # the week of 29 December: c1 (a1 stitched) came on 3 days, c2 on 2; c3 on 5 January
    came = [(r["period"][:10], r["days"], r["people"]) for r in days["table"] if r["people"]]
    assert came == [("2025-12-29", 2, 1), ("2025-12-29", 3, 1), ("2026-01-05", 1, 1)]


def _json(data):
    """What the data looks like after a trip through JSON."""
    import json

    return json.loads(json.dumps(data, default=str))


def test_audiences_and_parameters_of_the_python_api(served):
    ws = served.library
    dropped = served.get(
        "/v1/analyses/funnel-dropoffs", steps=["page_view", "newsletter_signup"], dropped_at=1
    ).json()
    expected = ws.funnel_dropoffs(["page_view", "newsletter_signup"], 1).to_dict()
    assert dropped == _json(expected) and len(dropped["table"]) == 2  # c2 and c3
    # c2's order is a purchase (roles), so c2 converted; c3 came in at the very end
    assert served.get("/v1/analyses/stuck", stage="Awareness", days=0).json()["table"] == []
    stuck = served.get("/v1/analyses/stuck", stage="Convert", days=0).json()
    assert [r["person_id"] for r in stuck["table"]] == ["c2"]
    # c2 has been in Convert a day: past half a day within the last 2 days, not the last 6 hours
    stuck = served.get("/v1/analyses/stuck", stage="Convert", days=0.5, within=2).json()
    assert [r["person_id"] for r in stuck["table"]] == ["c2"] and stuck["meta"]["within"] == 2
    stuck = served.get("/v1/analyses/stuck", stage="Convert", days=0.5, within=0.25).json()
    assert stuck["table"] == []
    counts = served.get("/v1/analyses/stuck-by-stage", days="Convert=0.5", within=0.75).json()
    assert [
        (r["stage"], r["current"], r["stuck"], r["recently_stuck"]) for r in counts["table"]
    ] == [("Convert", 1, 1, 1)]
    excluded = served.get(
        "/v1/analyses/funnel", steps=["page_view", "order"], exclude="content_view"
    ).json()
    assert excluded == _json(
        ws.funnel(["page_view", "order"], exclusions=["content_view"]).to_dict()
    )
    credit = served.get(
        "/v1/analyses/attribution", models=["position_based"], position=[0.5, 0, 0.5]
    ).json()
    assert credit["meta"]["position"] == [0.5, 0.0, 0.5]
    response = served.get("/v1/analyses/stuck-by-stage", days="Awareness")
    assert response.status_code == 422
    assert "days: 'Awareness' is not STAGE=DAYS, e.g. Subscribe=14" in response.json()["detail"]
    response = served.get("/v1/analyses/stuck-by-stage", days="Nowhere=3")
    assert response.status_code == 422 and "unknown stage 'Nowhere'" in response.json()["detail"]
    response = served.get("/v1/analyses/attribution", position=[0.5, 0.5])
    assert response.status_code == 422 and "three weights" in response.json()["detail"]
    response = served.get("/v1/analyses/customer-value")  # one buyer only
    assert response.status_code == 422 and "at least two customers" in response.json()["detail"]


def test_per_person_tables_effects_and_value_model_options(served):
    orders = [
        {"event_id": f"o{who}-{n}", "customer_id": f"b{who}", "event": "order",
         "ts": f"2026-01-{1 + n * (who + 1):02d}T08:00:00Z", "revenue": 10 + who + n}
        for who in range(6) for n in range(1 + who % 3)
    ]  # fmt: skip
    # page views after a first order: some converted people with one, some without
    orders += [
        {"event_id": f"v{who}", "customer_id": f"b{who}", "event": "page_view",
         "ts": f"2026-01-{2 + who:02d}T08:00:00Z"}
        for who in (0, 3, 4)
    ]  # fmt: skip
    assert served.post("/v1/events", json=orders).json()["stored"] == len(orders)
    with served.app.state.jejak.using() as ws:
        entries = ws.stage_entries().to_dict()
        current = ws.current_stages().to_dict()
        effects = ws.touchpoint_effects(min_people=1).to_dict()
        value = ws.customer_value(unit_days=1, horizon=30, as_of="2026-01-20").to_dict()
        by_stage = ws.value_by("stage", unit_days=1, horizon=30).to_dict()
    page = served.get("/v1/analyses/stage-entries", limit=3, offset=2).json()
    assert page["meta"]["rows"] == len(entries["table"]) > 5
    assert page["table"] == _json(entries["table"][2:5])
    assert served.get("/v1/analyses/current-stages").json()["table"] == _json(current["table"])
    answer = served.get("/v1/analyses/touchpoint-effects", min_people=1).json()
    # person-weeks are float sums: the engine may add them in another order each time
    pd.testing.assert_frame_equal(pd.DataFrame(answer["table"]), pd.DataFrame(effects["table"]))
    assert answer["meta"] == _json(effects["meta"])
    default = served.get("/v1/analyses/touchpoint-effects").json()
    assert {r["verdict"] for r in default["table"]} == {"too few people"}  # 30 people
    verdicts = {(r["stage"], r["event"]): r["verdict"] for r in answer["table"]}
    # people with and without the page view on both sides: a verdict, if unclear
    assert verdicts[("Convert", "page_view")] == verdicts[("Ascend", "page_view")] == "unclear"
    assert verdicts[("Convert", "order")] == "too few people"  # nobody converts without
    answer = served.get(
        "/v1/analyses/customer-value", unit_days=1, horizon=30, as_of="2026-01-20"
    ).json()
    assert answer == _json(value) and answer["meta"]["unit_days"] == 1
    assert served.get("/v1/analyses/value", unit_days=1, horizon=30).json() == _json(by_stage)
    response = served.get("/v1/analyses/customer-value", as_of="soon")
    assert response.status_code == 422 and "'soon' is not a date" in response.json()["detail"]
    assert served.get("/v1/analyses/current-stages", limit=0).status_code == 422


def test_every_parameter_of_the_python_api(served):
    ws = served.library
    asks = [
        ("/v1/analyses/funnel", {"steps": ["page_view", "order"], "start": "2026-01-01T09:00"},
         lambda: ws.funnel(["page_view", "order"], start="2026-01-01T09:00")),
        ("/v1/analyses/funnel-dropoffs",
         {"steps": ["page_view", "order"], "dropped_at": 1, "end": "2026-01-05",
          "exclude": "content_view"},
         lambda: ws.funnel_dropoffs(["page_view", "order"], 1, end="2026-01-05",
                                    exclusions=["content_view"])),
        ("/v1/analyses/stuck", {"stage": "Awareness", "days": 1, "as_of": "2026-01-03"},
         lambda: ws.stuck("Awareness", 1, as_of="2026-01-03")),
        ("/v1/analyses/stuck", {"stage": "Convert", "days": 0.5, "within": 2},
         lambda: ws.stuck("Convert", 0.5, within=2)),
        ("/v1/analyses/stuck-by-stage",
         {"days": ["Awareness=1", "Convert=0.5"], "within": 2, "as_of": "2026-01-04"},
         lambda: ws.stuck_by_stage({"Awareness": 1, "Convert": 0.5}, within=2,
                                   as_of="2026-01-04")),
        ("/v1/analyses/stuck-by-stage", {}, lambda: ws.stuck_by_stage()),
        ("/v1/analyses/paths", {"before": "order", "collapse": "false"},
         lambda: ws.paths(before="order", collapse=False)),
        ("/v1/analyses/top-paths", {"goal": "order", "collapse": "false"},
         lambda: ws.top_paths("order", collapse=False)),
        ("/v1/analyses/process-map", {"start": "2026-01-02"},
         lambda: ws.process_map(start="2026-01-02")),
        ("/v1/analyses/rfm", {"purchase": "page_view", "as_of": "2026-01-04"},
         lambda: ws.rfm(purchase="page_view", as_of="2026-01-04")),
        ("/v1/analyses/nps", {"survey": "page_view", "field": "score"},
         lambda: ws.nps(survey="page_view", field="score")),
        ("/v1/analyses/reviews", {"review": "content_view", "field": "stars"},
         lambda: ws.reviews(review="content_view", field="stars")),
        ("/v1/analyses/referrals", {"invite": "newsletter_signup", "purchase": "page_view"},
         lambda: ws.referrals(invite="newsletter_signup", purchase="page_view")),
        ("/v1/analyses/engagement", {"engagement": "content_view", "transactional": "order"},
         lambda: ws.engagement_groups(engagement="content_view", transactional="order")),
        ("/v1/analyses/send-times", {"min_messages": 1}, lambda: ws.send_times(min_messages=1)),
        ("/v1/analyses/contact-frequency", {"min_weeks": 1},
         lambda: ws.contact_frequency(min_weeks=1)),
    ]  # fmt: skip
    for path, params, ask in asks:
        answer = served.get(path, **params)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json() == _json(ask().to_dict()), path
    # and they change the answer: the funnel's start leaves out c2's earlier attempt
    whole = served.get("/v1/analyses/funnel", steps=["page_view", "order"]).json()
    later = served.get(
        "/v1/analyses/funnel", steps=["page_view", "order"], start="2026-01-01T09:00"
    ).json()
    assert whole["table"][0]["entered"] > later["table"][0]["entered"]
    response = served.get("/v1/analyses/process-map", start="early")
    assert response.status_code == 422 and "'early' is not a date" in response.json()["detail"]


def test_another_journey_than_the_workspaces(served):
    from jejak.model.config import preset

    ws = served.library
    four = served.get("/v1/analyses/stages", journey="four-stage").json()
    assert four == _json(ws.stages(preset("four-stage")).to_dict())
    assert [r["stage"] for r in four["table"]][:2] == ["Awareness", "Consideration"]
    own = json.dumps({"name": "signups", "stages": [
        {"name": "Seen", "rules": [{"any": True}]},
        {"name": "Signed up", "rules": [{"event": "newsletter_signup"}]},
    ]})  # fmt: skip
    current = served.get("/v1/analyses/current-stages", journey=own).json()
    assert {r["person_id"]: r["stage"] for r in current["table"]} == {
        "c1": "Signed up", "c2": "Seen", "c3": "Seen"
    }  # fmt: skip
    stuck = served.get("/v1/analyses/stuck", stage="Seen", days=0, journey=own).json()
    assert [r["person_id"] for r in stuck["table"]] == ["c2"]
    response = served.get("/v1/analyses/stages", journey="five-stage")
    assert response.status_code == 422 and "unknown preset 'five-stage'" in response.text
    response = served.get("/v1/analyses/stage-entries", journey='{"name": "x", "stages": 3}')
    assert response.status_code == 422 and "journey: stages" in response.json()["detail"]


def test_bad_parameters_get_422_with_the_field(served):
    response = served.get("/v1/analyses/journey-map", top="many")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "top"]
    response = served.get("/v1/analyses/stages", by="colour")
    assert response.status_code == 422 and "cannot split" in response.json()["detail"]
    response = served.get("/v1/analyses/funnel", steps=["page_view", "order"], exclude="")
    assert response.status_code == 422 and "a step is empty" in response.json()["detail"]
    for field in ("", "a..b", "score[0]", '"', " score"):  # names go into a JSON path
        response = served.get("/v1/analyses/nps", field=field)
        assert response.status_code == 422 and "not a property name" in response.text, field
    for field in ("Score (0-10)", "rating/5", "NPS?", "shipping.country"):  # CSV headers
        assert served.get("/v1/analyses/nps", field=field).status_code == 200, field
    # hostile or absurd values are refused with words, not a 500 (issue 15's probe)
    response = served.get("/v1/analyses/stages", only='{"where": "1=1; DROP TABLE touchpoints"}')
    assert response.status_code == 422
    assert response.json()["detail"].endswith("where: Input should be a valid dictionary")
    steps = ["page_view", "order"]
    response = served.get("/v1/analyses/funnel", steps=steps, window="99999999999d")
    assert response.status_code == 422 and "longer than 36,500 days" in response.json()["detail"]
    assert served.library.count() == 6  # and nothing was dropped
    response = served.get("/v1/analyses/campaigns/nope")
    assert response.status_code == 422 and "no campaign named 'nope'" in response.json()["detail"]


def test_collector_stores_valid_events_once_and_reports_the_rest(served):
    batch = [
        {"event_id": "n1", "customer_id": "c3", "ts": "2026-01-06T08:00:00Z", "event": "order",
         "revenue": 12.5, "properties": {"order_number": 1}},
        {"event_id": "n2", "customer_id": "c3", "ts": "yesterday", "event": "page_view"},
        {"customer_id": "c3", "ts": "2026-01-06T09:00:00Z", "event": "page_view"},
        {"event_id": "n3", "customer_id": "c4", "ts": "2026-01-06T09:00:00Z"},
        "not an object",
        {"event_id": "n4", "anonymous_id": "a9", "ts": "2026-01-06T10:00:00Z",
         "event": "page_view", "page": "/home"},
        {"event_id": "n5", "customer_id": ["c3"], "ts": "2026-01-06T08:00:00Z", "event": "x"},
        {"event_id": "n6", "customer_id": "c3", "ts": 1767686400, "event": "x"},
        {"event_id": "n7", "customer_id": "c3", "ts": "2026-01-06T08:00:00Z", "event": "order",
         "revenue": "lots"},
        {"event_id": "n8", "customer_id": "c3", "ts": "2026-01-06T08:00:00Z", "event": "x",
         "properties": "not an object"},
    ]  # fmt: skip
    before = served.library.count()
    response = served.post("/v1/events", json={"events": batch})
    assert response.status_code == 202
    body = response.json()
    # one event of the wrong types never spoils how the others are read
    assert (body["received"], body["stored"], body["already_stored"]) == (10, 2, 0)
    problems = {r["index"]: (r["field"], r["reason"]) for r in body["rejected"]}
    assert set(problems) == {1, 2, 3, 4, 6, 7, 8, 9}
    assert problems[1][0] == "ts" and "not a time" in problems[1][1]
    assert problems[2][0] == "event_id" and problems[3][0] == "event"
    assert problems[6][0] == "customer_id" and "not a list" in problems[6][1]
    assert problems[7][0] == "ts" and problems[8][0] == "revenue"
    assert problems[9][0] == "properties"
    assert served.library.count() == before + 2
    again = served.post("/v1/events", json=batch).json()  # a retry stores nothing twice
    assert (again["stored"], again["already_stored"]) == (0, 2)
    assert served.library.count() == before + 2
    with served.app.state.jejak.using() as ws:
        stored = ws.touchpoints().to_pandas().set_index("event_id")
    assert stored.loc["n1", "revenue"] == 12.5 and stored.loc["n1", "event"] == "order"
    assert json.loads(stored.loc["n4", "properties"]) == {"page": "/home"}  # other keys
    stages = served.get("/v1/analyses/stages").json()
    assert stages["meta"]["people"] == 4  # a9 is new (c3 was there)
    # each batch is a load named for the collector, its rejected events kept with it
    loads = served.library.loads().set_index("load_id")
    batches = loads[loads["file"] == "collector: POST /v1/events"]
    assert len(batches) == 2 and batches["rejects_file"].isna().all()
    first = batches.iloc[0]
    assert (first["rows_read"], first["rows_stored"], first["rows_rejected"]) == (10, 2, 8)
    kept = served.library.rejected(int(batches.index[0]))
    assert kept["row"].tolist() == [1, 2, 3, 4, 6, 7, 8, 9]  # the index in the batch
    assert kept.set_index("row").loc[4, "record"] == '"not an object"'
    assert json.loads(kept.set_index("row").loc[1, "record"])["ts"] == "yesterday"
    assert kept.set_index("row").loc[2, "field"] == "event_id"
    # and over the API, for whoever watches the pipeline
    listed = served.get("/v1/loads").json()["loads"]
    assert "rejects_file" not in listed[0]  # no server paths over the API
    assert [load["file"] for load in listed][-2:] == ["collector: POST /v1/events"] * 2
    rows = served.get("/v1/loads/rejected", load=int(batches.index[0])).json()["rejected"]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 6, 7, 8, 9]
    assert rows[0]["reason"].startswith("is not a time")
    assert served.get("/v1/loads", key="write").status_code == 401


def test_hostile_events_are_refused_one_by_one(served):
    # issue 15's probe: each of these refused its whole batch, or gave a 500
    def send(path: str, body: bytes) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Authorization": "Bearer "}
        headers["Authorization"] += served.keys["write"]
        return httpx.post(served.base + path, content=body, headers=headers, timeout=60)

    good = '{"event_id": "h%d", "customer_id": "c9", "ts": "2026-01-08T00:00:00Z", "event": "x"'
    deep = "[" * 5_000 + "]" * 5_000
    for path, body in [
        ("/v1/events", deep),
        ("/v1/identify", deep),
        ("/v1/events", f'[{good % 0}}}, {good % 9}, "deep": {deep}}}]'),  # one event
    ]:
        response = send(path, body.encode())
        assert response.status_code == 400 and "nested too deeply" in response.text, path
    body = ", ".join([
        good % 1 + "}",
        good.replace('"x"', '"x\\ud800"') % 2 + "}",
        good % 3 + ', "properties": {"note": "\\udc00"}}',
        good % 4 + ', "size": 1e999}',
        good.replace('"x"', '"x\ud800"') % 5 + "}",  # encoded in the bytes themselves
        good.replace('"x"', '"x\\ud83d\\ude00"') % 6 + "}",  # a pair: text
    ])  # fmt: skip
    answer = send("/v1/events", f"[{body}]".encode("utf-8", "surrogatepass")).json()
    assert (answer["received"], answer["stored"]) == (6, 2)
    reasons = {r["index"]: (r["field"], r["reason"]) for r in answer["rejected"]}
    assert reasons[1] == ("event", "holds a lone surrogate (like \\ud800), which is not text;"
                          " send UTF-8")  # fmt: skip
    assert reasons[2][0] == "properties" and "lone surrogate" in reasons[2][1]
    assert reasons[3] == ("properties", "hold NaN or Infinity, which JSON has no room for")
    assert reasons[4] == reasons[1] and 5 not in reasons
    links = '[{"anonymous_id": "a\\ud800", "customer_id": "c1"}, {"anonymous_id": "a5",' \
        ' "customer_id": "c5"}]'  # fmt: skip
    answer = send("/v1/identify", links.encode()).json()
    assert answer["stored"] == 1 and answer["rejected"][0]["field"] == "anonymous_id"


def test_events_over_the_size_limits_are_refused_one_by_one(served):
    # issue 15: a 900,000-character event name was stored, and bloated every page
    event = {"event_id": "s0", "customer_id": "c9", "ts": "2026-01-08T00:00:00Z", "event": "x"}
    batch = [
        event,
        dict(event, event_id="s1", event="x" * 301),
        dict(event, event_id="s2", page="/p/" + "q" * 297),  # 300 characters: taken
        dict(event, event_id="s3", properties={"note": "n" * 1_990}),
        dict(event, event_id="s4", note="n" * 1_980),  # 1,992 characters as JSON
    ]
    before = served.library.count()
    answer = served.post("/v1/events", json=batch).json()
    assert (answer["received"], answer["stored"]) == (5, 3)
    assert [(r["index"], r["field"], r["reason"]) for r in answer["rejected"]] == [
        (1, "event", "is 301 characters, over the 300 this server takes"
         " (jejak serve --max-text sets it)"),
        (3, "properties", "as JSON is 2,002 characters, over the 2,000 this server takes"
         " (jejak serve --max-properties sets it)"),
    ]  # fmt: skip
    assert served.library.count() == before + 3


def test_the_cli_limits_are_the_servers():
    import inspect

    from jejak.cli import serve
    from jejak.server.state import MAX_PROPERTIES, MAX_TEXT

    defaults = {n: p.default for n, p in inspect.signature(serve).parameters.items()}
    assert (defaults["max_text"], defaults["max_properties"]) == (MAX_TEXT, MAX_PROPERTIES)


def test_only_the_collector_answers_every_origin(served, tmp_path):
    # issue 15: CORS was * on every path, the analyses and loads included
    shop = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"}  # fmt: skip
    for path in ("/v1/events", "/v1/batch", "/t.js"):
        answer = httpx.options(served.base + path, headers=shop)
        assert answer.headers.get("access-control-allow-origin") == "*", path
    asked = {**shop, "Access-Control-Request-Method": "GET"}
    for path in ("/v1/analyses/stages", "/v1/loads", "/dashboard/overview/content"):
        answer = httpx.options(served.base + path, headers=asked)
        assert "access-control-allow-origin" not in answer.headers, path
        read = httpx.get(served.base + path, headers={"Origin": "https://shop.example"})
        assert "access-control-allow-origin" not in read.headers, path
    # a page the user names may read the analyses
    ws = jejak.Workspace(tmp_path / "other.duckdb")
    ensure_keys(ws.con)
    app = create_app(ws, origins=["https://mine.example"])
    with running(app) as base:
        for origin, allowed in (("https://mine.example", True), ("https://shop.example", False)):
            headers = {**asked, "Origin": origin}
            answer = httpx.options(base + "/v1/analyses/stages", headers=headers)
            assert (answer.headers.get("access-control-allow-origin") == origin) == allowed
    ws.close()


def test_security_headers(served):
    login = httpx.get(served.base + "/login")
    assert login.headers["content-security-policy"].startswith("default-src 'self'")
    assert "script-src 'self';" in login.headers["content-security-policy"]  # none inline
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    assert login.headers["x-frame-options"] == "DENY"
    for path in ("/login", "/health", "/v1/analyses/stages", "/t.js"):
        answer = httpx.get(served.base + path)
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "same-origin", path
    assert "content-security-policy" not in httpx.get(served.base + "/health").headers


def _sign_in(base: str, key: str, next: str = "/dashboard/funnels", **headers) -> httpx.Response:
    """The sign-in form fetched, then sent as a browser sends it."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as browser:
        form = browser.get("/login")
        token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
        assert form.cookies["jejak_signin"] == token
        # as the browser sends the form's cookie back (over https when it is Secure)
        cookie = {"Cookie": f"jejak_signin={token}"}
        data = {"key": key, "next": next, "token": token}
        return httpx.post(base + "/login", data=data, headers={**headers, **cookie}, timeout=60)


def test_dashboard_sessions(served):
    # issue 15: the cookie was the read key itself, never expired, and any page could set it
    content = served.base + "/dashboard/overview/content"
    signed = _sign_in(served.base, served.keys["read"])
    assert signed.status_code == 303 and signed.headers["location"] == "/dashboard/funnels"
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith("jejak_session=") and served.keys["read"] not in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert "Max-Age=43200" in cookie  # 12 hours
    session = {"jejak_session": signed.cookies["jejak_session"]}
    assert httpx.get(content, cookies=session, timeout=60).status_code == 200
    assert httpx.get(content, cookies={"jejak_session": "made-up"}).status_code == 401
    assert httpx.get(content, cookies={"jejak_read": served.keys["read"]}).status_code == 401

    # a wrong key starts nothing; behind https (a proxy's forwarded protocol) it is Secure
    wrong = _sign_in(served.base, "jr_wrong")
    assert "wrong=1" in wrong.headers["location"] and "set-cookie" not in wrong.headers
    behind = _sign_in(served.base, served.keys["read"], **{"X-Forwarded-Proto": "https"})
    assert "Secure" in behind.headers["set-cookie"]

    # next stays on this server's dashboard
    for asked, went in [
        ("/dashboard/%2e%2e/%2e%2e/evil", "/dashboard/overview"),
        ("//evil.example/dashboard/x", "/dashboard/overview"),
        ("https://evil.example/dashboard/x", "/dashboard/overview"),
        ("/dashboard/funnels?since=2026-01-01", "/dashboard/funnels?since=2026-01-01"),
    ]:
        assert _sign_in(served.base, served.keys["read"], asked).headers["location"] == went

    # another origin's page cannot sign a browser in: it has not the form's token
    forged = httpx.post(served.base + "/login", data={"key": served.keys["read"], "token": "x"})
    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    stolen = httpx.post(served.base + "/login", data={"key": served.keys["read"], "token": "x"},
                        cookies={"jejak_signin": "y"})  # fmt: skip
    assert stolen.status_code == 403

    # signing out ends the session (its cookie does not sign in again); so does expiry
    assert httpx.post(served.base + "/logout", cookies=session).status_code == 303
    assert httpx.get(content, cookies=session).status_code == 401
    other = {"jejak_session": behind.cookies["jejak_session"]}
    assert httpx.get(content, cookies=other, timeout=60).status_code == 200
    with served.app.state.jejak.using() as ws:
        ws.con.execute("UPDATE dashboard_sessions SET ends_at = now() - INTERVAL 1 MINUTE")
    assert httpx.get(content, cookies=other).status_code == 401
    stored = served.library.con.execute("SELECT hash FROM dashboard_sessions").fetchall()
    assert all(session["jejak_session"] not in h for (h,) in stored)  # hashes only


def test_revoking_a_key_ends_its_sessions(served):
    with served.app.state.jejak.using():
        extra = new_key(served.ws.con, "read")
    content = served.base + "/dashboard/overview/content"
    mine = {"jejak_session": _sign_in(served.base, extra).cookies["jejak_session"]}
    theirs = {"jejak_session": _sign_in(served.base, served.keys["read"]).cookies["jejak_session"]}
    assert httpx.get(content, cookies=mine, timeout=60).status_code == 200
    with served.app.state.jejak.using() as ws:
        revoke(ws.con, extra)
    assert httpx.get(content, cookies=mine).status_code == 401
    assert httpx.get(content, cookies=theirs, timeout=60).status_code == 200


def test_docs_are_served_here_and_the_schema_names_the_bearer_scheme(served):
    # issue 15: /docs loaded Swagger UI from a CDN, and the schema declared no scheme
    page = httpx.get(served.base + "/docs")
    assert page.status_code == 200 and "/static/docs/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text and "https://" not in page.text
    for name, kind in [("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "css")]:
        asset = httpx.get(f"{served.base}/static/docs/{name}")
        assert asset.status_code == 200 and kind in asset.headers["content-type"]
    assert httpx.get(served.base + "/static/docs/LICENSE").status_code == 404
    assert httpx.get(served.base + "/redoc").status_code == 404
    schema = httpx.get(served.base + "/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert schema["paths"]["/v1/analyses/stages"]["get"]["security"] == [{"bearer": []}]
    assert schema["paths"]["/v1/events"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in schema["paths"]["/health"]["get"]


def test_a_batch_with_no_valid_event_is_still_recorded(served):
    loads_before = len(served.library.loads())
    response = served.post("/v1/events", json=[{"ts": "x"}, 7])
    assert response.status_code == 202 and response.json()["stored"] == 0
    loads = served.library.loads()
    assert len(loads) == loads_before + 1
    last = loads.iloc[-1]
    assert (last["rows_read"], last["rows_stored"], last["rows_rejected"]) == (2, 0, 2)
    kept = served.library.rejected(int(last["load_id"]))
    assert kept["row"].tolist() == [0, 1] and kept["record"].tolist() == ['{"ts": "x"}', "7"]


def test_collector_refuses_what_it_must(served):
    event = {"event_id": "x", "customer_id": "c", "ts": "2026-01-01T00:00:00Z", "event": "e"}
    assert served.post("/v1/events", key=None, json=[event]).status_code == 401
    assert served.post("/v1/events", key="read", json=[event]).status_code == 401
    # the key in the address, as the tracker's sendBeacon sends it: the write key only
    address = {"key": served.keys["write"]}
    assert served.post("/v1/events", key=None, params=address, json=[]).status_code == 202
    address = {"key": served.keys["read"]}
    assert httpx.get(served.base + "/v1/analyses/stages", params=address).status_code == 401
    response = served.post("/v1/events", content=b"{not json")
    assert response.status_code == 400 and "not JSON" in response.json()["detail"]
    assert served.post("/v1/events", json={"events": "nope"}).status_code == 422
    many = [dict(event, event_id=str(i)) for i in range(51)]
    response = served.post("/v1/events", json=many)
    assert response.status_code == 413 and "at most 50" in response.json()["detail"]
    big = [dict(event, event_id="big", properties={"note": "x" * 30_000})]
    assert served.post("/v1/events", json=big).status_code == 413
    before = served.library.count()
    with served.app.state.jejak.lock:  # the workspace busy with something else
        response = served.post("/v1/events", json=[event])
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert served.library.count() == before  # nothing stored by any of these


def test_reads_never_wait_for_writes(served):
    before = served.get("/v1/analyses/stages").json()
    con = served.ws.con
    with served.app.state.jejak.lock:  # a collector batch is being written
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "INSERT INTO touchpoints (event_id, customer_id, ts, event) VALUES"
            " ('w1', 'c-new', TIMESTAMPTZ '2026-01-09 00:00:00+00', 'page_view')"
        )
        during = served.get("/v1/analyses/stages")
        assert during.status_code == 200  # no 429: readers do not take turns with writers
        assert during.json() == before  # and see only what is committed
        assert served.get("/v1/loads").status_code == 200
        assert served.get("/health", key=None).status_code == 200
        con.execute("COMMIT")
    after = served.get("/v1/analyses/stages").json()
    assert after["meta"]["people"] == before["meta"]["people"] + 1


def test_identify_links_people(served):
    response = served.post("/v1/identify", json={"anonymous_id": "a7", "customer_id": "c7"})
    assert response.status_code == 202 and response.json()["stored"] == 1
    bad = served.post("/v1/identify", json=[{"anonymous_id": "a8"}]).json()
    assert bad["rejected"][0]["field"] == "customer_id"
    served.post("/v1/events", json=[
        {"event_id": "v1", "anonymous_id": "a7", "ts": "2026-01-07T08:00:00Z", "event": "page_view"}
    ])  # fmt: skip
    people = served.library.current_stages().table["person_id"].tolist()
    assert "c7" in people and "anon:a7" not in people
    assert "collector: POST /v1/identify" in served.library.loads()["file"].tolist()


# parameters the API names otherwise: (route, Python parameter) -> what the API calls it
API_NAMES = {
    ("/v1/analyses/funnel", "exclusions"): "exclude",
    ("/v1/analyses/funnel-dropoffs", "exclusions"): "exclude",
    ("/v1/analyses/funnel-dropoffs", "step"): "dropped_at",
    ("/v1/analyses/campaigns/{name}", "campaign"): "name",
    ("/v1/analyses/drivers", "fields"): "field",  # repeated: ?field=event&field=channel
    ("/v1/analyses/drivers", "properties"): "property",
    ("/v1/analyses/funnel-drivers", "exclusions"): "exclude",
    ("/v1/analyses/funnel-drivers", "fields"): "field",
    ("/v1/analyses/funnel-drivers", "properties"): "property",
}


def test_the_api_takes_every_parameter_of_the_python_api():
    import inspect
    import re

    from fastapi import FastAPI

    from jejak.server import api

    app = FastAPI()
    app.include_router(api.router)
    operations = app.openapi()["paths"]
    checked = 0
    for route in api.router.routes:
        offered = {p["name"] for p in operations[route.path]["get"].get("parameters", [])}
        for method in set(re.findall(r"s\.(\w+)\(", inspect.getsource(route.endpoint))):
            python = inspect.signature(getattr(jejak.Workspace, method)).parameters
            for name in python:
                if name in ("self", "options"):
                    continue
                assert API_NAMES.get((route.path, name), name) in offered, (route.path, name)
                checked += 1
    assert checked > 80


# In a fresh process (this one has imported everything already): which of the modules
# the analyses and charts import when used are there before the server starts, and after.
STARTING = """
import gc, sys
from fastapi.testclient import TestClient
import jejak
from jejak.server import create_app
from jejak.server.keys import ensure_keys
lazy = ("narwhals.stable.v1", "sklearn.cluster", "scipy.stats", "plotly.graph_objs._sankey",
        "plotly.graph_objs.layout._xaxis")
ws = jejak.Workspace(sys.argv[1])
ensure_keys(ws.con)
before = [name for name in lazy if name in sys.modules]
frozen = gc.get_freeze_count()
with TestClient(create_app(ws)):  # started: the warmer waits 2 s for data to settle
    after = [name for name in lazy if name in sys.modules]
    print(repr((lazy, before, after, frozen, gc.get_freeze_count(), len(gc.get_objects()))))
"""


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> tuple:
    """What a fresh process holds before and after a server starts in it: the lazily
    imported modules loaded, the objects set aside from the garbage collector, and the
    objects it still looks through."""
    done = subprocess.run(
        [sys.executable, "-c", STARTING, str(tmp_path_factory.mktemp("start") / "w.duckdb")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_the_server_imports_what_its_threads_would_race_to_import(started):
    """Two threads importing narwhals at once (the warmer drawing a chart with plotly,
    a request clustering with scikit-learn) once got a request a 500 from Python's
    import system (_DeadlockError): the server imports them in one thread as it starts."""
    lazy, before, after, *_ = started
    assert before == []
    assert after == list(lazy)


def test_what_the_server_loaded_at_start_is_set_aside_from_the_garbage_collector(started):
    """A full garbage collection looked through every object the start imported, pausing
    every request up to 128 ms (/health too) while 16 senders sent 100-event batches:
    they are frozen as it starts, and collections look at the few made since."""
    *_, frozen_before, frozen_after, tracked = started
    assert frozen_before == 0
    assert frozen_after > 100_000  # pandas, scikit-learn, plotly and the rest
    assert tracked < frozen_after / 10  # what a collection still looks through
