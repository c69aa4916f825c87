"""Watch rules on hand-made logs with exact answers, and alerts delivered for real: a
webhook receiver and an SMTP server on 127.0.0.1, started here."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

import jejak
from invoking import invoke
from jejak.alerts import mail
from jejak.alerts.conversion import checked_week
from jejak.analyses.intervals import difference_of_proportions
from jejak.errors import ConfigError
from jejak.model.config import parse_settings
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import free_port, running

# Subscribe -> Convert, in Jakarta's weeks (UTC+7): Mondays 5, 12 and 19 January 2026
LOG = """
customer_id,ts,event
p1,2026-01-05T10:00:00+07:00,newsletter_signup
p1,2026-01-08T10:00:00+07:00,order
p2,2026-01-06T10:00:00+07:00,newsletter_signup
p2,2026-01-20T10:00:00+07:00,order
p3,2026-01-12T10:00:00+07:00,newsletter_signup
p3,2026-01-13T10:00:00+07:00,order
p4,2026-01-18T23:30:00+07:00,newsletter_signup
p4,2026-01-25T23:30:00+07:00,order
p5,2026-01-19T05:00:00+07:00,newsletter_signup
p6,2026-01-10T10:00:00+07:00,order
p6,2026-01-20T10:00:00+07:00,newsletter_signup
p7,2026-01-21T10:00:00+07:00,newsletter_signup
p8,2026-01-22T10:00:00+07:00,newsletter_signup
p8,2026-01-30T10:00:00+07:00,order
"""

RULE = """
timezone: Asia/Jakarta
watch:
  rules:
    subscribe-convert:
      {kind: conversion_drop, from: Subscribe, to: Convert, drop: 20%, weeks: 2,
       within: 7d, min_people: 1}
"""

# the window of the week of 19 January closes on 2 February, 00:00 in Jakarta
CLOSED = datetime(2026, 2, 1, 17, 0, tzinfo=UTC)


@pytest.fixture
def conversion(open_workspace, write_file):
    ws = open_workspace(parse_settings(RULE))
    ws.load(write_file("log.csv", LOG))
    return ws


def test_the_week_checked_is_the_latest_whose_window_has_closed():
    week = checked_week(CLOSED, timedelta(days=7), "Asia/Jakarta")
    assert week.isoformat() == "2026-01-19T00:00:00+07:00"
    earlier = checked_week(CLOSED - timedelta(seconds=1), timedelta(days=7), "Asia/Jakarta")
    assert earlier.isoformat() == "2026-01-12T00:00:00+07:00"


def test_conversion_this_week_against_the_weeks_before(conversion, on_engine):
    from jejak import alerts

    source = on_engine(conversion)
    (finding,) = alerts.check(source, conversion.settings.watch, loads=None, as_of=CLOSED).findings
    # week of 5 Jan: p1 moved, p2 took 14 days (not within 7): 1 of 2
    # week of 12 Jan: p3, and p4 exactly 7 days later (within is inclusive): 2 of 2
    # week of 19 Jan: p5 (05:00 in Jakarta, still the 18th in UTC) never ordered; p6
    # ordered before subscribing (reaching both stages is converting); p7 never; p8
    # after 8 days: 1 of 4, against a mean of (1/2 + 2/2) / 2 = 0.75
    numbers = finding.numbers
    assert (numbers["week_start"], numbers["people"], numbers["moved"]) == ("2026-01-19", 4, 1)
    assert numbers["conversion"] == 0.25 and numbers["mean"] == 0.75
    assert numbers["weeks_in_mean"] == 2
    assert numbers["fall"] == pytest.approx(2 / 3)
    assert finding.fired and finding.subject == "2026-01-19"
    assert finding.path == (
        "/dashboard/funnels?steps=stage%3ASubscribe%2Cstage%3AConvert&window=7d"
        "&since=2026-01-19&until=2026-01-26"  # the week: its people, their moves after it
    )
    assert "25.0%" in finding.message and "75.0%" in finding.message
    # the linked funnel holds the week's 4 people; only p6 moved, before subscribing,
    # which the rule counts and an ordered funnel does not
    steps = [{"stage": "Subscribe"}, {"stage": "Convert"}]
    linked = source.between("2026-01-19", "2026-01-26").funnel(steps, window="7d")
    assert linked.table["entered"].tolist() == [4, 0]


def test_a_week_whose_window_is_open_is_not_checked(conversion):
    (finding,) = conversion.watch(as_of=CLOSED - timedelta(seconds=1)).findings
    # the week of 12 January, against the week of 5 January only (29 Dec had no one)
    numbers = finding.numbers
    assert (numbers["week_start"], numbers["people"], numbers["moved"]) == ("2026-01-12", 2, 2)
    assert (numbers["mean"], numbers["weeks_in_mean"]) == (0.5, 1)
    assert not finding.fired


def test_a_fall_no_larger_than_the_rule_allows_does_not_fire(open_workspace, write_file):
    # 0.25 is exactly 2/3 below 0.75: a 67% rule does not fire, a 66% one does
    for drop, fires in (("67%", False), ("66", True)):
        ws = open_workspace(parse_settings(RULE.replace("20%", drop)), name=f"{drop}.duckdb")
        ws.load(write_file("log.csv", LOG))
        assert ws.watch(as_of=CLOSED).findings[0].fired is fires


def test_a_week_with_too_few_people_is_not_checked(open_workspace, write_file):
    ws = open_workspace(parse_settings(RULE.replace("min_people: 1", "min_people: 3")))
    ws.load(write_file("log.csv", LOG))
    (finding,) = ws.watch(as_of=CLOSED).findings
    # the week of 19 January has 4, but no week before has 3 people
    assert finding.numbers["weeks_in_mean"] == 0 and not finding.fired


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ("{kind: conversion_drop, from: Subscribe, to: Konvert, drop: 20%}", "unknown stage"),
        ("{kind: conversion_drop, from: Convert, to: Subscribe, drop: 20%}", "must come after"),
        ("{kind: conversion_drop, from: Subscribe, to: Convert, drop: lots}", "percentage"),
        ("{kind: campaign_lift, campaign: spring}", "no campaign named 'spring'"),
        ("{kind: rejected, above: 1%, every: 1h}", "unknown key"),
    ],
)
def test_a_rule_that_cannot_be_checked_says_why_at_load(rule, said):
    with pytest.raises(ConfigError, match=said) as raised:
        parse_settings(f"watch:\n  rules:\n    r: {rule}\n")
    assert "line" in str(raised.value)


# -- the collector's rejections today -------------------------------------------------------
REJECTED = """
timezone: Asia/Jakarta
watch:
  rules:
    rejects: {kind: rejected, above: 1%}
"""


def _rejected(count: int) -> list[dict]:
    return [{"row": i, "field": "ts", "reason": "is missing", "record": "{}"} for i in range(count)]


def test_the_collector_rejections_today(open_workspace):
    ws = open_workspace(parse_settings(REJECTED))
    loads = [  # (name, received, rejected, loaded at)
        ("collector: POST /v1/events", 150, 2, "2026-03-02 01:00:00+00"),  # 08:00 in Jakarta
        ("collector: POST /v1/batch (Segment)", 50, 1, "2026-03-02 02:00:00+00"),
        ("events.csv", 10, 5, "2026-03-02 03:00:00+00"),  # a file: not the collector's
        ("collector: POST /v1/events", 100, 90, "2026-03-01 16:59:00+00"),  # the day before
        ("collector: POST /v1/events", 100, 90, "2026-03-02 06:00:00+00"),  # after now
    ]
    for name, received, rejected, at in loads:
        load_id = ws.record_rejected(_rejected(rejected), name=name, received=received)
        ws.con.execute("UPDATE loads SET loaded_at = ? WHERE load_id = ?", [at, load_id])
    now = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # noon in Jakarta
    (finding,) = ws.watch(now=now).findings
    # 3 of the 200 events sent since midnight in Jakarta (17:00 UTC the day before)
    numbers = finding.numbers
    assert (numbers["day"], numbers["received"], numbers["rejected"]) == ("2026-03-02", 200, 3)
    assert numbers["share"] == 0.015 and finding.fired
    assert (finding.subject, finding.path) == ("2026-03-02", "/dashboard/data")
    # 1.5% is not more than 1.5%
    ws.settings = parse_settings(REJECTED.replace("1%", "1.5%"))
    assert not ws.watch(now=now).findings[0].fired


# -- a campaign's lift interval -------------------------------------------------------------
CAMPAIGNS = """
campaigns:
  up:
    call_to_action: {event: email_click, campaign: c1}
    traffic_source: {channel: email, campaign: c1}
    exposure: {event: email_sent, campaign: c1}
    holdout: {event: campaign_holdout, campaign: c1}
    target: {from: Engagement, to: Subscribe}
    days: 14
  flat:
    call_to_action: {event: email_click, campaign: c2}
    traffic_source: {channel: email, campaign: c2}
    exposure: {event: email_sent, campaign: c2}
    holdout: {event: campaign_holdout, campaign: c2}
    target: {from: Engagement, to: Subscribe}
    days: 14
watch:
  rules:
    lifts: {kind: campaign_lift}
    up-going-down: {kind: campaign_lift, campaign: up, direction: down}
"""


def _campaign_log() -> str:
    """Campaign up: 12 exposed who all subscribed, 12 held out who did not; flat: 4 and 4,
    two of each subscribed."""
    rows = ["customer_id,ts,event,campaign"]
    people = [("u", "c1", 12, 12, "email_sent"), ("v", "c1", 0, 12, "campaign_holdout")]
    people += [("f", "c2", 2, 4, "email_sent"), ("g", "c2", 2, 4, "campaign_holdout")]
    for prefix, campaign, moved, count, event in people:
        for i in range(count):
            who = f"{prefix}{i}"
            rows.append(f"{who},2026-01-01 10:00:00,content_view,")
            rows.append(f"{who},2026-02-01 10:00:00,{event},{campaign}")
            if i < moved:
                rows.append(f"{who},2026-02-03 10:00:00,newsletter_signup,")
    rows.append("u0,2026-06-01 10:00:00,page_view,")  # every window has closed
    return "\n".join(rows)


def test_a_campaign_whose_lift_interval_excludes_zero(open_workspace, tmp_path, on_engine):
    from jejak import alerts

    ws = open_workspace(parse_settings(CAMPAIGNS))
    (tmp_path / "log.csv").write_text(_campaign_log(), "utf-8")
    ws.load(tmp_path / "log.csv")
    checked = alerts.check(on_engine(ws), ws.settings.watch, loads=None)
    found = {(f.rule, f.numbers["campaign"]): f for f in checked.findings}
    assert set(found) == {("lifts", "up"), ("lifts", "flat"), ("up-going-down", "up")}
    lift, low, high = difference_of_proportions(12, 12, 0, 12)
    up = found["lifts", "up"]
    assert (up.numbers["lift"], up.numbers["lift_low"], up.numbers["lift_high"]) == (
        lift,
        low,
        high,
    )
    assert lift == 1.0 and low > 0 and up.fired and up.subject == "up:up"
    assert up.path == "/dashboard/campaigns"
    flat = found["lifts", "flat"]
    assert flat.numbers["lift"] == 0.0 and flat.numbers["lift_low"] < 0 < flat.numbers["lift_high"]
    assert not flat.fired and flat.subject == "flat:none"
    assert not found["up-going-down", "up"].fired  # it moved people up, not down


# -- sending: a webhook, an email, a log line; each once ------------------------------------
@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list]]:
    """A webhook on 127.0.0.1 that keeps the JSON bodies POSTed to it."""
    received: list = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def _sending(url: str, extra: str = "") -> jejak.Settings:
    return parse_settings(
        RULE
        + f"""
  link: https://jejak.shop.example/
  notify:
    log: false
    webhook: {url}
{extra}"""
    )


def test_a_webhook_gets_each_alert_once_also_after_a_restart(tmp_path, write_file):
    with webhook_receiver() as (url, received):
        with jejak.Workspace(tmp_path / "w.duckdb", _sending(url)) as ws:
            ws.load(write_file("log.csv", LOG))
            findings = ws.watch(as_of=CLOSED)
            assert ws.notify(findings) == {"webhook": 1}
            assert ws.notify(ws.watch(as_of=CLOSED)) == {"webhook": 0}
        with jejak.Workspace(tmp_path / "w.duckdb", _sending(url)) as ws:  # a restart
            assert ws.notify(ws.watch(as_of=CLOSED)) == {"webhook": 0}
    ((path, kind, body),) = received
    assert (path, kind) == ("/hook", "application/json")
    assert body == findings.findings[0].to_dict("https://jejak.shop.example/")
    assert body["url"].startswith("https://jejak.shop.example/dashboard/funnels?steps=")
    assert body["subject"] == "2026-01-19" and body["numbers"]["conversion"] == 0.25


def test_a_failing_webhook_tries_again_next_time(tmp_path, write_file):
    with webhook_receiver() as (url, received):
        ws = jejak.Workspace(tmp_path / "w.duckdb", _sending("http://127.0.0.1:9/hook"))
        ws.load(write_file("log.csv", LOG))
        assert ws.notify(ws.watch(as_of=CLOSED)) == {"webhook": 0}  # refused: not kept as sent
        ws.settings = _sending(url)
        assert ws.notify(ws.watch(as_of=CLOSED)) == {"webhook": 1}
        ws.close()
    assert len(received) == 1


@contextmanager
def smtp_server() -> Iterator[tuple[int, list]]:
    """A mail server on 127.0.0.1 (aiosmtpd): its port, and each mail it was sent as
    (sender, recipients, content)."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    got: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            got.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    port = free_port()
    controller = controller_module.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, got
    finally:
        controller.stop()


def test_an_email_goes_to_a_real_smtp_server(tmp_path, write_file):
    with smtp_server() as (port, got):
        email = (
            f"    email: {{host: 127.0.0.1, port: {port}, from: jejak@shop.example,"
            " to: [team@shop.example, owner@shop.example], starttls: false}"
        )
        settings = _sending("http://127.0.0.1:9/hook", email)
        settings.watch.notify.webhook = None
        with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
            ws.load(write_file("log.csv", LOG))
            assert ws.notify(ws.watch(as_of=CLOSED)) == {"email": 1}
            assert ws.notify(ws.watch(as_of=CLOSED)) == {"email": 0}
    ((sender, to, content),) = got
    assert (sender, to) == ("jejak@shop.example", ["team@shop.example", "owner@shop.example"])
    text = content.decode()
    assert "Subject: jejak: 1 alert" in text
    assert "subscribe-convert: Subscribe to Convert: conversion in the week of 2026-01-19" in text
    assert "https://jejak.shop.example/dashboard/funnels?steps=" in text


def test_the_email_password_comes_from_the_environment(monkeypatch):
    with pytest.raises(ConfigError, match="password_env"):
        parse_settings(
            "watch: {notify: {email: {host: h, from: a@b.c, to: d@e.f, password: secret}}}"
        )
    settings = parse_settings(
        "watch: {notify: {email: {host: h, from: a@b.c, to: d@e.f, password_env: JEJAK_PW}}}"
    )
    email = settings.watch.notify.email
    monkeypatch.delenv("JEJAK_PW", raising=False)
    with pytest.raises(ConfigError, match="JEJAK_PW"):
        mail.password(email)
    monkeypatch.setenv("JEJAK_PW", "s3cret")
    assert mail.password(email) == "s3cret"


def test_a_log_line_says_the_alert_and_its_link(conversion, caplog):
    caplog.set_level(logging.WARNING, logger="jejak.alerts")
    assert conversion.notify(conversion.watch(as_of=CLOSED)) == {"log": 1}
    (record,) = caplog.records
    assert record.getMessage().startswith("subscribe-convert: Subscribe to Convert: conversion")
    assert record.getMessage().endswith("&since=2026-01-19&until=2026-01-26)")


# -- on a schedule while the server runs -----------------------------------------------------
def _served_once(ws: jejak.Workspace) -> None:
    app = create_app(ws)
    with running(app):
        watcher = app.state.watcher
        with watcher.ready:
            assert watcher.ready.wait_for(lambda: watcher.rounds >= 1, timeout=60)


def test_the_server_checks_on_its_schedule_and_sends_once(tmp_path, write_file):
    # the log's own latest touchpoint is the data's "now": the week of 19 January closes
    # on 2 February, which p8's order on 30 January does not reach: add a later touchpoint
    late = LOG + "p9,2026-02-02T09:00:00+07:00,page_view\n"
    with webhook_receiver() as (url, received):
        settings = _sending(url, "  every: 1h")
        ws = jejak.Workspace(tmp_path / "w.duckdb", settings)
        ws.load(write_file("log.csv", late))
        ensure_keys(ws.con)
        _served_once(ws)
        assert len(received) == 1
        _served_once(ws)  # a restart: nothing new to send
        ws.close()
    assert len(received) == 1 and received[0][2]["rule"] == "subscribe-convert"


def test_the_api_checks_the_rules_and_sends_nothing(tmp_path, write_file):
    with webhook_receiver() as (url, received):
        ws = jejak.Workspace(tmp_path / "w.duckdb", _sending(url))
        ws.load(write_file("log.csv", LOG))
        keys = ensure_keys(ws.con)
        expected = ws.watch(as_of=CLOSED).to_dict()
        with running(create_app(ws)) as base:
            answer = httpx.get(
                base + "/v1/analyses/watch",
                params={"as_of": CLOSED.isoformat()},
                headers={"Authorization": f"Bearer {keys['read']}"},
                timeout=60,
            )
            # a time without a zone is in the workspace's (Jakarta): 1 Feb 23:59 there
            # is before the week's window closes, so the week before it is checked
            earlier = httpx.get(
                base + "/v1/analyses/watch",
                params={"as_of": "2026-02-01T23:59:00"},
                headers={"Authorization": f"Bearer {keys['read']}"},
                timeout=60,
            )
        ws.close()
    assert answer.status_code == 200, answer.text
    (finding,) = answer.json()["findings"]
    assert finding == json.loads(json.dumps(expected["findings"][0]))
    numbers = finding["numbers"]
    assert finding["fired"] and (numbers["people"], numbers["moved"]) == (4, 1)
    assert finding["url"].startswith("https://jejak.shop.example/dashboard/funnels?steps=")
    assert earlier.json()["findings"][0]["numbers"]["week_start"] == "2026-01-12"
    assert received == []  # checking is not sending
    assert "X-Jejak-Cache" not in answer.headers  # checked when asked, never kept


def test_the_dashboards_overview_shows_the_rules_fired_first(conversion, open_workspace):
    from jejak.server.pages import PAGES, build

    late = conversion  # the latest touchpoint (30 January) is the data's "now"
    overview = next(page for page in PAGES if page.slug == "overview")
    (watched, *_) = build(overview, late, {})
    assert watched.heading == "Watch rules"
    # as of 30 January the week of 12 January is checked, against 5 January's: 2 of 2
    # against 1 of 2, no fall: quiet
    expected = late.watch().findings[0]
    assert not expected.fired and expected.subject == "2026-01-12"
    assert watched.intro.startswith("0 of 1 watch rule fired on the data as it is.")
    assert "<b>quiet</b> · <b>subscribe-convert</b>" in watched.html
    assert f'<a href="{expected.path.replace("&", "&amp;")}">see it</a>' in watched.html
    # a workspace without rules shows no such section
    plain = open_workspace()
    assert all(s.heading != "Watch rules" for s in build(overview, plain, {}))


def test_the_api_says_when_there_are_no_rules(tmp_path, write_file):
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(write_file("log.csv", LOG))
    keys = ensure_keys(ws.con)
    with running(create_app(ws)) as base:
        answer = httpx.get(
            base + "/v1/analyses/watch",
            headers={"Authorization": f"Bearer {keys['read']}"},
            timeout=60,
        )
    ws.close()
    assert answer.status_code == 422, answer.text  # as every other setting the API lacks
    assert "write them under 'watch: rules:' in jejak.yaml" in answer.json()["detail"]


# -- the command -----------------------------------------------------------------------------
def test_jejak_watch_prints_what_fired_and_sends_it(tmp_path, write_file):
    late = LOG + "p9,2026-02-02T09:00:00+07:00,page_view\n"  # the week's window has closed
    (tmp_path / "jejak.yaml").write_text(RULE + "  link: https://jejak.shop.example\n", "utf-8")
    assert invoke("load", str(write_file("log.csv", late)), cwd=tmp_path).returncode == 0
    shown = invoke("watch", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "subscribe-convert: Subscribe to Convert: conversion in the week of 2026-01-19 was" in (
        " ".join(shown.stdout.split())
    )
    assert "https://jejak.shop.example/dashboard/funnels?steps=stage%3ASubscribe" in shown.stdout
    assert "1 of 1 finding fired" in shown.stdout
    sent = invoke("watch", "--notify", "--json", cwd=tmp_path)
    answer = json.loads(sent.stdout)
    assert answer["sent"] == {"log": 1} and answer["findings"][0]["numbers"]["moved"] == 1
    again = invoke("watch", "--notify", "--json", cwd=tmp_path)
    assert json.loads(again.stdout)["sent"] == {"log": 0}
    (tmp_path / "jejak.yaml").write_text("timezone: Asia/Jakarta\n", "utf-8")
    none = invoke("watch", cwd=tmp_path)
    assert none.returncode == 1 and "no watch rules yet" in none.stderr


# -- recovery: the demo shop's planted week -------------------------------------------------
def test_the_demo_shops_dropped_week_fires_and_quiet_weeks_do_not(demo_plan_shop):
    from jejak import alerts
    from jejak.model.watch import Watch

    shop, ws = demo_plan_shop(20_000, seed=7)
    planted = shop.truth["conversion_drop"]
    assert planted["transition"] == "Subscribe -> Convert" and planted["lost"] > 0
    rule = {"kind": "conversion_drop", "from": "Subscribe", "to": "Convert", "drop": "20%"}
    watch = Watch.model_validate({"rules": {"drop": rule | {"weeks": 8, "within": "14d"}}})
    dropped = datetime.fromisoformat(planted["week_start"]).replace(tzinfo=UTC)
    fired = {}
    # every week from March to the week before the first campaign (20 July), each checked
    # as of the moment its window closes: the end of the week plus 14 days
    for k in range(-11, 8):
        week = dropped + timedelta(days=7 * k)
        (finding,) = alerts.check(ws, watch, loads=None, as_of=week + timedelta(days=21)).findings
        assert finding.subject == week.date().isoformat()
        fired[finding.subject] = finding.fired
        if k == 0:
            numbers = finding.numbers
    assert [week for week, fires in fired.items() if fires] == [planted["week_start"]]
    # about 90 people entered Subscribe that week (20,000 arrive over the year)
    assert numbers["people"] >= 50 and numbers["weeks_in_mean"] == 8
    assert numbers["fall"] > 0.4  # a keep of 0.4 takes about 60% of the week's moves


# -- the report on a schedule ----------------------------------------------------------------
def test_the_latest_and_next_moments_of_a_report_schedule():
    from datetime import UTC, datetime

    from jejak.alerts.reporting import latest_moment, next_moment
    from jejak.model.watch import ReportSchedule

    now = datetime(2026, 12, 1, 0, 50, tzinfo=UTC)  # Tuesday 07:50 in Jakarta
    monday = ReportSchedule(every="Monday", at="8:00")
    assert latest_moment(monday, now, "Asia/Jakarta").isoformat() == "2026-11-30T08:00:00+07:00"
    assert next_moment(monday, now, "Asia/Jakarta").isoformat() == "2026-12-07T08:00:00+07:00"
    daily = ReportSchedule(every="day", at="07:00")
    assert latest_moment(daily, now, "Asia/Jakarta").isoformat() == "2026-12-01T07:00:00+07:00"
    # Amsterdam's clocks go back on 25 October 2026: a week later is still 08:00 there
    autumn = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    assert next_moment(monday, autumn, "Europe/Amsterdam").isoformat() == (
        "2026-10-26T08:00:00+01:00"
    )
    with pytest.raises(ConfigError, match="weekday"):
        parse_settings("watch: {report: {every: someday}}")
    with pytest.raises(ConfigError, match="needs notify: email"):
        parse_settings("watch: {report: {email: true}}")


def test_the_server_writes_and_mails_the_scheduled_report_once(tmp_path, write_file):
    with smtp_server() as (port, got):
        settings = parse_settings(
            "timezone: Asia/Jakarta\nwatch:\n"
            "  report: {every: day, at: '00:00', file: 'reports/jejak-{date}.html',"
            " email: true}\n"
            f"  notify: {{log: false, email: {{host: 127.0.0.1, port: {port},"
            " from: jejak@shop.example, to: team@shop.example, starttls: false}}\n"
        )
        ws = jejak.Workspace(tmp_path / "w.duckdb", settings)
        ws.load(write_file("log.csv", LOG))
        ensure_keys(ws.con)
        _served_once(ws)
        _served_once(ws)  # a restart the same day: the report was made already
        ws.close()
    (written,) = list((tmp_path / "reports").glob("jejak-*.html"))
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat()
    assert written.name == f"jejak-{today}.html"
    assert "Customer journey report" in written.read_text("utf-8")
    ((_, _, mail_sent),) = got
    text = mail_sent.decode()
    assert f"Subject: jejak: the report of {today}" in text
    assert f'filename="jejak-{today}.html"' in text


def test_the_report_loop_writes_each_moment_across_a_clock_change():
    """jejak report --every's loop with the clock as its input (a week cannot pass in a
    test): the moment missed first, then each Monday 08:00 in Amsterdam, where the clocks go
    back on 25 October 2026; it sleeps at most a minute at a time."""
    from jejak.alerts.reporting import keep_writing, latest_moment
    from jejak.model.watch import ReportSchedule

    monday = ReportSchedule(every="monday", at="08:00")
    zone = "Europe/Amsterdam"
    now = [datetime(2026, 10, 20, 12, 0, tzinfo=UTC)]  # a Tuesday
    made: list[str] = []
    told: list[str] = []
    naps: list[float] = []

    def due_at(moment: datetime) -> datetime | None:
        latest = latest_moment(monday, moment, zone)
        return None if latest.isoformat() in made else latest

    def wait(seconds: float) -> bool:
        naps.append(seconds)
        now[0] += timedelta(seconds=seconds)
        return len(made) == 3

    written = keep_writing(
        monday,
        zone,
        due_at,
        lambda moment: made.append(moment.isoformat()),
        wait,
        coming=lambda moment: told.append(moment.isoformat()),
        clock=lambda: now[0],
    )
    assert written == 3
    assert made == [
        "2026-10-19T08:00:00+02:00",  # the one missed, at once
        "2026-10-26T08:00:00+01:00",  # still 08:00 on the wall after the change
        "2026-11-02T08:00:00+01:00",
    ]
    assert told == [*made[1:], "2026-11-09T08:00:00+01:00"]  # each next moment, once
    assert max(naps) == 60.0


def test_a_report_that_fails_is_told_and_the_loop_goes_on():
    from jejak.alerts.reporting import keep_writing, latest_moment
    from jejak.model.watch import ReportSchedule

    daily = ReportSchedule(every="day", at="08:00")
    now = [datetime(2026, 12, 1, 0, 0, tzinfo=UTC)]
    made: list[str] = []
    failures: list[str] = []

    def write(moment: datetime) -> None:
        if moment.day == 30:
            raise OSError("disk full")
        made.append(moment.isoformat())

    def wait(seconds: float) -> bool:
        now[0] += timedelta(seconds=seconds)
        return bool(made)

    written = keep_writing(
        daily,
        "UTC",
        lambda moment: (
            None
            if latest_moment(daily, moment, "UTC").isoformat() in made
            else latest_moment(daily, moment, "UTC")
        ),
        write,
        wait,
        failed=lambda moment, exc: failures.append(f"{moment:%d} {exc}"),
        clock=lambda: now[0],
    )
    # 30 November's failed, told once (not tried again in a loop); 1 December's is written
    assert failures == ["30 disk full"]
    assert (written, made) == (1, ["2026-12-01T08:00:00+00:00"])


def test_jejak_report_every_writes_mails_and_stops_cleanly(tmp_path, write_file):
    """The command as a user runs it, in its own process: the report of today's moment
    (missed, as 00:00 has passed) written and mailed at once, then it waits for the next;
    SIGTERM stops it with exit code 0; started again the same day it writes nothing."""
    import signal
    import subprocess
    import time

    from invoking import JEJAK

    with smtp_server() as (port, got):
        (tmp_path / "jejak.yaml").write_text(
            "timezone: Asia/Jakarta\nwatch:\n"
            f"  notify: {{log: false, email: {{host: 127.0.0.1, port: {port},"
            " from: jejak@shop.example, to: team@shop.example, starttls: false}}\n",
            "utf-8",
        )
        assert invoke("load", str(write_file("log.csv", LOG)), cwd=tmp_path).returncode == 0

        def run_until(said: str) -> subprocess.CompletedProcess:
            command = [JEJAK, "report", "--every", "day", "--at", "00:00", "--email"]
            command += ["-o", "weekly/{date}.html"]
            process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
            lines: list[str] = []
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                lines.append(line)
                if said in line or not line:
                    break
            process.send_signal(signal.SIGTERM)
            rest, _ = process.communicate(timeout=60)
            return subprocess.CompletedProcess(command, process.returncode, "".join(lines) + rest)

        first = run_until("Next report")
        again = run_until("Next report")
    from zoneinfo import ZoneInfo

    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    assert first.returncode == 0, first.stdout
    assert f"Wrote {tmp_path / 'weekly' / today.isoformat()}.html and emailed it to" in first.stdout
    tomorrow = (today + timedelta(days=1)).strftime("%d %b %Y")
    assert f"Next report: {tomorrow}, 00:00 (Asia/Jakarta)" in first.stdout
    assert "Stopped after 1 report" in first.stdout
    (written,) = list((tmp_path / "weekly").glob("*.html"))
    assert "Customer journey report" in written.read_text("utf-8")
    ((_, _, mail_sent),) = got
    assert f'filename="{today.isoformat()}.html"' in mail_sent.decode()
    assert again.returncode == 0 and "Wrote" not in again.stdout  # made already today
    assert "Stopped after 0 reports" in again.stdout


def test_jejak_report_every_says_what_is_wrong(tmp_path, write_file):
    (tmp_path / "jejak.yaml").write_text("timezone: Asia/Jakarta\n", "utf-8")
    assert invoke("load", str(write_file("log.csv", LOG)), cwd=tmp_path).returncode == 0
    someday = invoke("report", "--every", "someday", cwd=tmp_path)
    assert someday.returncode == 1 and "every is a weekday (monday ... sunday) or day" in (
        someday.stderr
    )
    late = invoke("report", "--every", "monday", "--at", "25:00", cwd=tmp_path)
    assert late.returncode == 1 and "at is a time of day like 08:00, not '25:00'" in late.stderr
    unsent = invoke("report", "--every", "monday", "--email", cwd=tmp_path)
    assert unsent.returncode == 1 and "--email needs watch: notify: email:" in unsent.stderr
    alone = invoke("report", "--at", "07:00", cwd=tmp_path)
    assert alone.returncode == 1 and "--at and --email go with --every" in alone.stderr
    assert not list(tmp_path.glob("*.html"))  # nothing written
