"""Issue 15's probe findings that no other test sent as the probe did, each through a
real server: the exact request, and the 4xx or per-event reason expected."""

from __future__ import annotations

import tempfile

import httpx

from test_server import served  # noqa: F401 (the fixture)

EVENT = '{"event_id": "%s", "customer_id": "c9", "ts": "2026-01-08T00:00:00Z", "event": "x"%s}'


def send(served, body: str) -> httpx.Response:  # noqa: F811
    headers = {"Authorization": f"Bearer {served.keys['write']}"}
    headers["Content-Type"] = "application/json"
    return httpx.post(served.base + "/v1/events", content=body.encode(), headers=headers)


def test_an_event_id_with_a_lone_surrogate_is_refused_alone(served):  # noqa: F811
    # finding 1: it refused the whole batch with a 422 naming the server's temp folder
    surrogate = EVENT % ("x\\ud800", "")  # the escape as sent: \ud800 in the JSON
    answer = send(served, f"[{surrogate}, {EVENT % ('f1', '')}]")
    assert answer.status_code == 202
    body = answer.json()
    assert (body["stored"], [(r["index"], r["field"]) for r in body["rejected"]]) == (
        1,
        [(0, "event_id")],
    )
    assert tempfile.gettempdir() not in answer.text


def test_a_batch_where_no_event_has_a_time_is_refused_event_by_event(served):  # noqa: F811
    # finding 1: the batch's file had no ts column, and the whole batch got a 422
    body = '[{"event_id": "t1", "customer_id": "c9", "event": "x"}, {"event_id": "t2",' \
        ' "customer_id": "c9", "event": "y"}]'  # fmt: skip
    answer = send(served, body)
    assert answer.status_code == 202
    assert answer.json()["rejected"] == [
        {"index": 0, "field": "ts", "reason": "is empty; every touchpoint needs a time"},
        {"index": 1, "field": "ts", "reason": "is empty; every touchpoint needs a time"},
    ]
    assert tempfile.gettempdir() not in answer.text


def test_one_event_id_twice_in_a_batch_is_reported(served):  # noqa: F811
    # finding 7: it answered received 2, stored 1, already_stored 0, rejected []
    body = send(served, f"[{EVENT % ('d1', '')}, {EVENT % ('d1', '')}]").json()
    assert (body["received"], body["stored"], body["already_stored"]) == (2, 1, 1)


def test_a_revenue_of_nan_or_infinity_is_not_a_number(served):  # noqa: F811
    # finding 7: NaN was 'implausibly large'
    nan, infinite = EVENT % ("n1", ', "revenue": NaN'), EVENT % ("n2", ', "revenue": -Infinity')
    body = f"[{nan}, {infinite}]"
    rejected = send(served, body).json()["rejected"]
    assert [(r["index"], r["field"]) for r in rejected] == [(0, "revenue"), (1, "revenue")]
    assert all(r["reason"].startswith("is not a number") for r in rejected)


def test_the_fuzzers_findings_on_retention_and_lifecycle_answer(served):  # noqa: F811
    # finding 3: the schemathesis run found these two 500s itself
    retention = served.get("/v1/analyses/retention", active="", cohort="ìí")
    assert retention.status_code == 200
    assert retention.json()["meta"]["warnings"][0].startswith("'ìí' matches no touchpoint")
    lifecycle = served.get("/v1/analyses/lifecycle", active="", period="Ý")
    assert lifecycle.status_code == 422 and "period" in lifecycle.text
    only = served.get("/v1/analyses/lifecycle", active="", period="month", only='{"had": "Ý"}')
    assert only.status_code == 422 and "only" in only.json()["detail"], only.text


def test_signing_out_is_no_get_that_another_page_can_trigger(served):  # noqa: F811
    # finding 4: logout was a GET (an image on any page signed the browser out)
    from test_server import _sign_in

    signed = _sign_in(served.base, served.keys["read"])
    session = {"jejak_session": signed.cookies["jejak_session"]}
    assert httpx.get(served.base + "/logout", cookies=session).status_code == 405
    content = served.base + "/dashboard/overview/content"
    assert httpx.get(content, cookies=session, timeout=60).status_code == 200  # still in
