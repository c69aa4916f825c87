"""RudderStack's browser SDK (@rudderstack/analytics-js from npm, pinned in
tests/browser) in Debian's chromium, on a website of another origin, sends to a live
jejak serve: page views and tracks with the landing page's UTM campaign, and identify
links the browser to the customer. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import jejak
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import files, running

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SDK = (
    Path(__file__).parent
    / "browser/node_modules/@rudderstack/analytics-js/dist/npm/modern/bundled/umd/index.js"
)

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not SDK.exists(), reason="needs the npm SDKs: make browser"),
]

PAGE = """<!DOCTYPE html><title>Shop</title><script src="rudder.js"></script><script>
  // the source configuration RudderStack's control plane would give, so the SDK asks
  // nothing of the internet: a source with no destinations
  const config = {source: {id: "shop", name: "Shop", writeKey: "%(key)s", enabled: true,
                           workspaceId: "jejak", config: {}, destinations: []}};
  window.rudder = new rudderanalytics.RudderAnalytics();
  rudder.load("%(key)s", "%(collector)s", {getSourceConfig: () => config, logLevel: "ERROR"});
  rudder.page("Landing", "Home", {path: "/"});
</script>"""


def _stored(app, page, wanted: int, seconds: float = 20) -> list[dict]:
    """The stored touchpoints once there are ``wanted``. It waits with the page, not with
    time.sleep: Playwright routes the page's requests only while the test waits on it."""
    deadline = time.time() + seconds
    while True:
        with app.state.jejak.using() as ws:
            rows = ws.touchpoints().order_by("ts").to_pandas()
        if len(rows) >= wanted or time.time() > deadline:
            return rows.to_dict(orient="records")
        page.wait_for_timeout(200)


def _links(app, page, seconds: float = 20) -> list[list[str]]:
    deadline = time.time() + seconds
    while True:
        with app.state.jejak.using() as ws:
            links = ws.identity_links().to_pandas()[["anonymous_id", "customer_id"]]
        if len(links) or time.time() > deadline:
            return links.values.tolist()
        page.wait_for_timeout(200)


def test_rudderstack_browser_sdk_sends_to_jejak(tmp_path):
    from playwright.sync_api import sync_playwright

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(SDK, site / "rudder.js")
    app = create_app(ws)
    with running(app) as collector, sync_playwright() as playwright:
        (site / "index.html").write_text(PAGE % {"key": key, "collector": collector}, "utf-8")
        with files(site) as website:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context()
            outside: list[str] = []

            def local_only(route) -> None:
                if route.request.url.startswith("http://127.0.0.1:"):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", local_only)
            page = context.new_page()
            page.goto(f"{website}/index.html?utm_source=newsletter&utm_medium=email"
                      "&utm_campaign=spring")  # fmt: skip
            rows = _stored(app, page, 1)
            assert [r["event"] for r in rows] == ["page_view"]
            page.evaluate("rudder.track('Signup Clicked', {plan: 'pro'})")
            rows = _stored(app, page, 2)
            assert [r["event"] for r in rows] == ["page_view", "Signup Clicked"]
            assert {(r["source"], r["medium"], r["campaign"]) for r in rows} == {
                ("newsletter", "email", "spring")
            }
            anonymous = page.evaluate("rudder.getAnonymousId()")
            assert {r["anonymous_id"] for r in rows} == {anonymous}
            page.evaluate("rudder.identify('c-42', {plan: 'pro'})")
            assert _links(app, page) == [[anonymous, "c-42"]]
            page.evaluate("rudder.track('Order Completed', {revenue: 99000, currency: 'IDR'})")
            rows = _stored(app, page, 3)
            assert (rows[-1]["customer_id"], rows[-1]["revenue"], rows[-1]["currency"]) == (
                "c-42",
                99000.0,
                "IDR",
            )
            browser.close()
    time.sleep(0.2)
    with_ids = ws.con.execute("SELECT count(*), count(DISTINCT event_id) FROM touchpoints")
    assert with_ids.fetchall() == [(3, 3)]  # every event once
    people = ws.current_stages().table["person_id"].tolist()
    assert people == ["c-42"]  # the anonymous visit is the customer's
    assert outside == []
    ws.close()
