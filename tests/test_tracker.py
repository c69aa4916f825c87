"""The website tracker (/t.js) in a real browser: a site on another origin sends page
views and its own touchpoints with UTM parameters and one anonymous id, keeps them
while offline and sends them once it is back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import jejak
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from jejak.server.limiting import Rate
from serving import files, running

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def _stored(app, wanted: int, seconds: float = 20) -> list[dict]:
    """The stored touchpoints once there are ``wanted`` (read under the server's lock)."""
    deadline = time.time() + seconds
    while True:
        with app.state.jejak.using() as ws:
            rows = ws.touchpoints().order_by("ts").to_pandas()
        if len(rows) >= wanted or time.time() > deadline:
            return rows.to_dict(orient="records")
        time.sleep(0.2)


def _shop(tmp_path: Path, key: str, collector: str) -> Path:
    """A shop's website folder: one page with the tracker snippet."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        f"<!DOCTYPE html><title>Shop</title><script>window.jejak = {{key: '{key}',"
        f" endpoint: '{collector}'}};</script><script src='{collector}/t.js'></script>",
        "utf-8",
    )
    return site


def test_a_website_sends_touchpoints(tmp_path):
    from playwright.sync_api import sync_playwright

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    app = create_app(ws)
    with (
        running(app) as collector,
        sync_playwright() as playwright,
        files(_shop(tmp_path, key, collector)) as website,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{website}/index.html?utm_source=newsletter&utm_medium=email"
                  "&utm_campaign=spring")  # fmt: skip
        page.evaluate("jejak.track('signup_click', {plan: 'pro'})")
        rows = _stored(app, 2)
        assert [r["event"] for r in rows] == ["page_view", "signup_click"]
        assert {r["campaign"] for r in rows} == {"spring"}
        assert {(r["source"], r["medium"], r["channel"]) for r in rows} == {
            ("newsletter", "email", "email")
        }
        anonymous = page.evaluate("jejak.anonymousId()")
        assert {r["anonymous_id"] for r in rows} == {anonymous}
        assert '"plan":"pro"' in rows[1]["properties"].replace(" ", "")

        # offline: the touchpoint waits in the queue, and goes once back online
        context.set_offline(True)
        page.evaluate("jejak.track('offline_click')")
        time.sleep(1.5)
        assert len(_stored(app, 3, seconds=1)) == 2
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        rows = _stored(app, 3)
        assert [r["event"] for r in rows][-1] == "offline_click"

        # the next page keeps the same person and campaign; identify links them
        page.goto(f"{website}/index.html")
        page.evaluate("jejak.identify('c-42')")
        rows = _stored(app, 4)
        assert rows[-1]["anonymous_id"] == anonymous and rows[-1]["campaign"] == "spring"
        deadline = time.time() + 10
        while True:
            with app.state.jejak.using() as held:
                links = held.identity_links().to_pandas()
            if len(links) or time.time() > deadline:
                break
            time.sleep(0.2)
        assert links[["anonymous_id", "customer_id"]].values.tolist() == [[anonymous, "c-42"]]
        browser.close()
    time.sleep(0.2)
    assert len(ws.touchpoints().to_pandas()) == 4  # every touchpoint once
    ws.close()


def test_the_tracker_never_stalls(tmp_path):
    # issue 15: 100 queued events of 1.2 KB made a request Chromium refuses (keepalive
    # bodies over 64 KB): nothing was sent again, ever
    from playwright.sync_api import sync_playwright

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    app = create_app(ws, max_bytes=40_000, max_properties=60_000)  # 413 over 40 KB
    with (
        running(app) as collector,
        sync_playwright() as playwright,
        files(_shop(tmp_path, key, collector)) as website,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.add_init_script(ATTEMPTS)
        page.goto(f"{website}/index.html")
        # 120 events of 1.2 KB (batches under 60 KB, halved when the collector
        # refuses 40 KB), and one of 45 KB that the collector refuses alone
        page.evaluate(
            "for (let i = 0; i < 120; i++) {"
            "  jejak.track('view_' + i, {note: 'x'.repeat(1100)});"
            "  if (i === 60) jejak.track('too_big', {note: 'y'.repeat(45000)});"
            "}"
        )
        rows = _stored(app, 121, seconds=60)
        events = [r["event"] for r in rows]
        assert len(events) == 121 and "too_big" not in events
        assert set(events) == {"page_view", *(f"view_{i}" for i in range(120))}
        deadline = time.time() + 10
        while page.evaluate("JSON.parse(localStorage.jejak_queue).length") and (
            time.time() < deadline
        ):
            time.sleep(0.2)
        assert page.evaluate("JSON.parse(localStorage.jejak_queue)") == []
        # a batch the browser refused (sent while the last one's bytes still counted
        # against its 64 KB for requests that outlive the page) goes again at once as a
        # plain request, which it does not refuse; the tracker waited 2 s each time
        attempts = page.evaluate("window.attempts")
        for i, attempt in enumerate(attempts):
            if attempt[0] == "refused":
                assert attempts[i - 1][1] is True, attempts  # a keepalive request
                assert attempts[i + 1][:2] == ["sent", False], attempts
        assert attempts[-1][0] == 202

        # leaving the page: what waits goes by sendBeacon (the page's timers die; here
        # the page's fetch never answers, so only the beacon can bring them)
        page.evaluate(
            "window.beacons = 0; const sent = navigator.sendBeacon.bind(navigator);"
            "navigator.sendBeacon = (u, b) => { window.beacons++; return sent(u, b); };"
            "window.fetch = () => new Promise(() => {}); true"
        )  # (a script ending in a function would be called)
        page.evaluate("jejak.track('last_look'); jejak.track('goodbye')")
        page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
        assert page.evaluate("window.beacons") == 1
        rows = _stored(app, 123)  # the page stays open: closing it at once may cut the
        assert [r["event"] for r in rows][-2:] == ["last_look", "goodbye"]  # beacon off

        # a beacon the browser refuses (its 64 KB for requests outliving the page still
        # held) goes at once as a request; the queue keeps it for the next page meanwhile
        page.goto(f"{website}/index.html")  # a page_view
        rows = _stored(app, 124)
        sent = page.evaluate(
            "navigator.sendBeacon = () => false; jejak.track('refused_beacon');"
            "const before = window.attempts.length;"
            "window.dispatchEvent(new PageTransitionEvent('pagehide'));"
            "window.attempts.slice(before)"
        )
        assert sent == [["sent", True]]  # at once, not when the page's timer comes
        rows = _stored(app, 125)
        assert [r["event"] for r in rows][-1] == "refused_beacon"
        page.close()  # leaving again: whatever is sent twice is stored once
        browser.close()
    time.sleep(0.5)
    assert len(ws.touchpoints().to_pandas()) == 125
    ws.close()


# every request of the page, logged: ["sent", keepalive], then its answer [status] or,
# when the browser refused to send it, ["refused"]
ATTEMPTS = """
window.attempts = [];
const fetched = window.fetch;
window.fetch = (url, options) => {
  window.attempts.push(["sent", options.keepalive]);
  return fetched(url, options).then(
    response => { window.attempts.push([response.status]); return response; },
    error => { window.attempts.push(["refused"]); throw error; });
};
"""

# every fetch of the page, logged: ["send", ms] and [status, ms, Retry-After as the
# page's script reads it (null unless the collector lets it read the header)]
FETCHES = """
window.fetches = [];
const fetched = window.fetch;
window.fetch = (url, options) => {
  window.fetches.push(["send", performance.now()]);
  return fetched(url, options).then(response => {
    window.fetches.push([response.status, performance.now(), response.headers.get("Retry-After")]);
    return response;
  });
};
"""


def test_the_tracker_waits_as_long_as_retry_after_says(tmp_path):
    from playwright.sync_api import sync_playwright

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    app = create_app(ws, rates={"write": Rate(1, 4)})  # one request, then one each 4 s
    with (
        running(app) as collector,
        sync_playwright() as playwright,
        files(_shop(tmp_path, key, collector)) as website,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.add_init_script(FETCHES)
        page.goto(f"{website}/index.html")
        page.wait_for_function("window.fetches.some(f => f[0] === 202)")  # the page view
        page.evaluate("jejak.track('second_look')")
        page.wait_for_function("window.fetches.filter(f => f[0] === 202).length === 2",
                               timeout=30_000)  # fmt: skip
        fetches = page.evaluate("window.fetches")
        browser.close()
    answers = [f for f in fetches if f[0] != "send"]
    assert [a[0] for a in answers] == [202, 429, 202]  # told once, and waited
    refused = fetches.index(answers[1])
    told = int(answers[1][2])
    assert 1 <= told <= 4
    resent = fetches[refused + 1]
    assert resent[0] == "send" and resent[1] - answers[1][1] >= told * 1000 - 20
    assert [r["event"] for r in _stored(app, 2)] == ["page_view", "second_look"]
    ws.close()


def test_the_tracker_backs_off_further_while_the_collector_fails(tmp_path):
    # a 503 without Retry-After (uvicorn over --max-connections): 2 s, then 4 s, ... not
    # every visitor's tab knocking every 2 s
    from playwright.sync_api import sync_playwright

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    with (
        running(create_app(ws)) as collector,
        sync_playwright() as playwright,
        files(_shop(tmp_path, key, collector)) as website,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.add_init_script(FETCHES)
        failing = {"status": 503, "body": "busy", "headers": {"Access-Control-Allow-Origin": "*"}}
        page.route(f"{collector}/v1/events*", lambda route: route.fulfill(**failing))
        page.goto(f"{website}/index.html")
        page.wait_for_function(
            "window.fetches.filter(f => f[0] === 'send').length === 3", timeout=30_000
        )
        sent = [f[1] for f in page.evaluate("window.fetches") if f[0] == "send"]
        browser.close()
    first, second = sent[1] - sent[0], sent[2] - sent[1]
    # doubled: 4 s, not 2 s again (a busy machine delays a timer, never fires it early)
    assert first >= 1_900 and second >= 3_600
    ws.close()
