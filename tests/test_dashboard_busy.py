"""The dashboard while it is busy: two browsers click through every page at once while a
collector sends events. No page is refused (429) or shows a raw error body, and
/health answers throughout."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from jejak.server import create_app
from jejak.server.keys import ensure_keys
from jejak.server.pages import PAGES
from serving import running
from test_dashboard import CHROMIUM, FLAGS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


class Background:
    """A collector sending one event at a time, and /health asked every 0.1 s."""

    def __init__(self, base: str, write_key: str) -> None:
        self.base, self.headers = base, {"Authorization": f"Bearer {write_key}"}
        self.stop = threading.Event()
        self.sent: list[int] = []
        self.health: list[int] = []
        self.threads = [threading.Thread(target=self._send), threading.Thread(target=self._poll)]
        for thread in self.threads:
            thread.start()

    def _send(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            number = 0
            while not self.stop.is_set():
                number += 1
                event = {"event_id": f"busy-{number}", "customer_id": f"b{number % 30}",
                         "event": "page_view", "ts": "2026-01-05T08:00:00Z"}  # fmt: skip
                self.sent.append(client.post("/v1/events", json=[event], headers=self.headers)
                                 .status_code)  # fmt: skip
                time.sleep(0.05)

    def _poll(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while not self.stop.is_set():
                self.health.append(client.get("/health").status_code)
                time.sleep(0.1)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_two_browsers_click_through_every_page_while_a_collector_sends(demo_workspace):
    from playwright.sync_api import sync_playwright

    ws = demo_workspace(2_000, seed=5, writes=True)  # keys and collected events: a copy
    keys = ensure_keys(ws.con)
    answers: list[tuple[int, str]] = []
    with running(create_app(ws)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        tabs = []
        for _ in range(2):
            # a still loading marker: a spinning one keeps the browser drawing meanwhile
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
            )
            tab = context.new_page()
            tab.goto(base + "/login")  # a session of its own
            tab.fill("input[name=key]", keys["read"])
            tab.click("button[type=submit]")
            tab.wait_for_url("**/dashboard/overview")
            tab.on("response", lambda r: answers.append((r.status, r.url)))
            tabs.append(tab)
        background = Background(base, keys["write"])
        try:
            slugs = [page.slug for page in PAGES]
            for first, second in zip(slugs, reversed(slugs), strict=True):
                # both browsers ask at once; each page then finishes loading
                for tab, slug in ((tabs[0], first), (tabs[1], second)):
                    tab.goto(f"{base}/dashboard/{slug}", wait_until="commit")
                for tab, slug in ((tabs[0], first), (tabs[1], second)):
                    tab.wait_for_selector("#content[data-state=done], #content[data-state=error]",
                                          timeout=120_000)  # fmt: skip
                    text = tab.inner_text("#content")
                    assert tab.get_attribute("#content", "data-state") == "done", (slug, text)
                    assert '{"detail"' not in text and "busy; retry" not in text, slug
        finally:
            background.finish()
            browser.close()
    pages = [(status, url) for status, url in answers if "/dashboard/" in url]
    assert len(pages) >= 4 * len(PAGES)  # every page and its sections, in both browsers
    assert not [p for p in pages if p[0] >= 400], pages
    assert background.sent and set(background.sent) == {202}  # the collector was heard
    assert len(background.health) >= 10 and set(background.health) == {200}
