"""The tracker (/t.js) in chromium when the collector refuses some events of a batch
one by one (202 with their reasons): the rest of the batch is stored, and the refused
ones leave the queue instead of being sent again forever."""

from __future__ import annotations

import time

import jejak
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import files, running
from test_tracker import CHROMIUM, FLAGS, _shop, _stored, pytestmark  # noqa: F401


def test_events_refused_one_by_one_leave_the_queue_and_the_rest_are_stored(tmp_path):
    from playwright.sync_api import sync_playwright

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    app = create_app(ws, max_text=300)
    with (
        running(app) as collector,
        sync_playwright() as playwright,
        files(_shop(tmp_path, key, collector)) as website,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        posts = []
        page.on("response", lambda r: posts.append(r.status) if "/v1/events" in r.url else None)
        page.goto(f"{website}/index.html")
        _stored(app, 1)  # the page view, first on its own
        page.evaluate("jejak.track('kept_1'); jejak.track('n'.repeat(400)); jejak.track('kept_2')")
        rows = _stored(app, 3)
        assert [r["event"] for r in rows] == ["page_view", "kept_1", "kept_2"]
        deadline = time.time() + 10
        while page.evaluate("JSON.parse(localStorage.jejak_queue).length") and (
            time.time() < deadline
        ):
            time.sleep(0.2)
        assert page.evaluate("JSON.parse(localStorage.jejak_queue)") == []
        time.sleep(1.5)  # a refused event sent again would come within the back-off
        assert set(posts) == {202} and len(posts) <= 3
        browser.close()
    with app.state.jejak.using() as served:
        kept = served.rejected()
    assert kept["field"].tolist() == ["event"] and "over the 300" in kept["reason"][0]
    ws.close()
