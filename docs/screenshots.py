"""The README's pictures, taken from the demo's own report and dashboard (make screenshots).

Run after ``make demo``: it opens ``demo/report.html`` and a dashboard served from a copy
of the demo's workspace in headless chromium, and writes each picture in :data:`SHOTS`
into ``docs/``. Nothing here is drawn by hand, so the pictures show what jejak draws now.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
CHROMIUM = "/usr/bin/chromium"

# picture -> (what it shows, where: "report" and the section's heading, or "dashboard"
# and the page)
SHOTS: dict[str, tuple[str, str, str]] = {
    "report.png": ("The HTML report: stage funnel and table", "report", "Stage funnel"),
    "report-flows.png": (
        "Where people went after each stage",
        "report",
        "Where people went after each stage",
    ),
    "report-process-map.png": (
        "How people move between touchpoints",
        "report",
        "How people move between touchpoints",
    ),
    "dashboard.png": ("The dashboard's overview page", "dashboard", "overview"),
}


def main() -> int:
    if not (DEMO / "report.html").exists():
        print("run make demo first: the pictures come from demo/report.html", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
        )
        context = browser.new_context(
            viewport={"width": 1200, "height": 800}, device_scale_factor=1, reduced_motion="reduce"
        )
        tab = context.new_page()
        _report(tab)
        _dashboard(tab)
        browser.close()
    return 0


def _report(tab) -> None:
    tab.goto((DEMO / "report.html").as_uri(), wait_until="load")
    tab.wait_for_function(
        "document.querySelectorAll('div.jejak-chart:not([data-drawn])').length === 0",
        timeout=120_000,
    )
    tab.wait_for_timeout(500)
    for name, (_, face, heading) in SHOTS.items():
        if face != "report":
            continue
        section = tab.locator("section", has=tab.locator("h2", has_text=heading)).first
        target = section.locator("figure.chart").first if name != "report.png" else section
        target.scroll_into_view_if_needed()
        target.screenshot(path=str(ROOT / "docs" / name))
        print(f"docs/{name}")


def _dashboard(tab) -> None:
    import jejak
    from jejak.model.config import load_settings
    from jejak.server import create_app
    from jejak.server.keys import ensure_keys

    sys.path.insert(0, str(ROOT / "tests"))
    from serving import running  # the tests' own way of serving an app on a free port

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(shutil.copy(DEMO / "shop.duckdb", Path(folder) / "shop.duckdb"))
        ws = jejak.Workspace(copy, load_settings(DEMO / "jejak.yaml"))
        key = ensure_keys(ws.con)["read"]  # in the copy: the demo's file is left as it is
        with running(create_app(ws)) as base:
            for name, (_, face, page) in SHOTS.items():
                if face != "dashboard":
                    continue
                tab.goto(f"{base}/dashboard/{page}")
                if "/login" in tab.url:
                    tab.fill("input[name=key]", key)
                    tab.click("button[type=submit]")
                    tab.wait_for_url(f"**/dashboard/{page}")
                tab.wait_for_selector("#content[data-state=done]", timeout=300_000)
                tab.wait_for_timeout(800)
                tab.screenshot(path=str(ROOT / "docs" / name))
                print(f"docs/{name}")
        ws.close()


if __name__ == "__main__":
    raise SystemExit(main())
