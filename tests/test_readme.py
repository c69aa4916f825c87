"""The README's examples run as written."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jejak
from invoking import invoke

README = Path(__file__).parents[1] / "README.md"
EVENTS = """customer_id,anonymous_id,ts,event,channel,properties
,a1,2026-01-01 08:00:00,page_view,search,
,a1,2026-01-02 08:00:00,content_view,search,
c1,a1,2026-01-03 08:00:00,newsletter_signup,email,
c2,,2026-01-01 08:00:00,page_view,ads,
"""


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text("utf-8"), flags=re.S)


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "events.csv").write_text(EVENTS, "utf-8")
    orders = pa.table(
        {
            "customer_id": ["c1", "c1", "c2", "c2"],
            "ts": [
                "2026-01-05 10:00:00",
                "2026-01-12 10:00:00",
                "2026-01-06 10:00:00",
                "2026-01-20 10:00:00",
            ],
            "event": ["order"] * 4,
            "revenue": [49_000.0, 59_000.0, 49_000.0, 39_000.0],
            "currency": ["IDR"] * 4,
            "properties": [f'{{"order_number": {n}}}' for n in (1, 2, 1, 2)],
        }
    )
    pq.write_table(orders, tmp_path / "orders.parquet")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_readme_starts_with_the_two_commands():
    first = blocks("sh")[0].splitlines()
    assert first[0].startswith("make demo") and first[1].startswith("make test")
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in ci


def test_shell_tour_runs(project: Path):
    tour = next(b for b in blocks("sh") if "jejak init" in b)
    for line in tour.splitlines():
        command = line.split("#")[0].strip()
        if not command:
            continue
        args = shlex.split(command)
        assert args[0] == "jejak"
        done = invoke(*args[1:], cwd=project)
        assert done.returncode == 0, (command, done.stderr)
    assert (project / "audience.csv").exists() and (project / "report.html").exists()


def test_python_tour_runs(project: Path):
    code = next(b for b in blocks("python") if "jejak.open" in b)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    funnel = namespace["funnel"]
    assert funnel.table["reached"].tolist()[:4] == [2, 1, 1, 0]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, int]:
    """The demo, run once for this file's tests: ``make -s demo``, the README's first
    command (20,000 people), or where make cannot run it here, ``jejak demo`` (2,000)."""
    root = README.parent
    venv = root / ".venv"
    # a worktree borrowing another checkout's .venv: make would reinstall it from this tree
    if (venv / "bin" / "jejak").exists() and not venv.is_symlink():
        done = subprocess.run(
            ["make", "-s", "demo"], cwd=root, capture_output=True, text=True, timeout=600,
            check=False,
        )  # fmt: skip
        return done, root / "demo", 20_000
    folder = tmp_path_factory.mktemp("demo")
    return (
        invoke("demo", "--customers", "2000", "--dir", "shop", cwd=folder),
        folder / "shop",
        2_000,
    )


def test_make_demo_the_first_command(demo_run):
    done, folder, people = demo_run
    if people != 20_000:
        pytest.skip("make demo is run from a checkout set up by make (make test does it)")
    assert done.returncode == 0, done.stderr
    assert "Stage funnel (value-journey): 20,000 people" in done.stdout
    report = folder / "report.html"
    html = report.read_text("utf-8")
    assert "Where people went after each stage" in html
    assert "How people move between touchpoints" in html
    assert "Paths to Convert" in html
    _opens_in_a_browser(report)


def test_the_demo_runs_the_whole_product(demo_run):
    done, folder, people = demo_run
    assert done.returncode == 0, done.stderr
    assert f"Simulated {people:,} people" in done.stdout
    assert f"Stage funnel (value-journey): {people:,} people" in done.stdout
    for name in ("shop.duckdb", "touchpoints.parquet", "truth.json", "report.html"):
        assert (folder / name).stat().st_size > 0, name
    truth = json.loads((folder / "truth.json").read_text())
    planted = sum(truth["realised"]["observed_reach"]["Convert"].values())
    convert_row = next(line for line in done.stdout.splitlines() if "│ Convert" in line)
    assert f"{planted:,}" in convert_row.split("│")[2]
    # the report compares the three largest saved segments with everyone else, and says
    # what drives people on from its funnel's biggest drop
    from jejak.analyses.funnels import biggest_drop
    from jejak.model.funnel import parse_step
    from jejak.report.html.funnels import DEFAULT_WINDOW, default_steps

    html = (folder / "report.html").read_text("utf-8")
    with jejak.Workspace(folder / "shop.duckdb") as ws:
        segments = ws.segments().table.sort_values(["people", "segment"], ascending=[False, True])
        steps = [parse_step(s) for s in default_steps(ws.journey.stage_names)]
        drop = biggest_drop(ws.funnel(steps, window=DEFAULT_WINDOW))
        drivers = ws.funnel_drivers(steps, drop, window=DEFAULT_WINDOW).title
    compared = [f"<h2>Stage funnel: {n} compared with everyone else</h2>" for n in segments.segment]
    assert len(segments) == 4
    assert [heading in html for heading in compared] == [True, True, True, False]
    assert f"<h2>{drivers}</h2>" in html


def _opens_in_a_browser(report: Path) -> None:
    """The demo report draws every chart in chromium, with no console error, and all it
    carries besides plotly.js is small (each chart's data, not plotly's template each)."""
    if not Path("/usr/bin/chromium").exists():
        return
    from playwright.sync_api import sync_playwright
    from plotly.offline import get_plotlyjs

    html = report.read_text("utf-8")
    ours = len(html.encode()) - len(get_plotlyjs().encode())
    # about 430 kB since the report carries the journey map's CX lanes (the wall by channel
    # alone is 95 kB of cards) and six segment comparisons (the largest segment's on the
    # journey map, process map and paths are 30 kB); a copy of plotly's template per chart
    # would add 30 kB each
    assert ours < 450_000, f"{ours:,} bytes of report besides plotly.js"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True
        )
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        complaints: list[str] = []
        tab.on("console", lambda m: m.type in ("error", "warning") and complaints.append(m.text))
        tab.on("pageerror", lambda error: complaints.append(str(error)))
        tab.goto(report.as_uri(), wait_until="load", timeout=120_000)
        charts = tab.locator("div.jejak-chart").count()
        tab.wait_for_function(
            "document.querySelectorAll('div.jejak-chart .main-svg').length > 0"
            " && document.querySelectorAll('div.jejak-chart[data-drawn]').length"
            f" === {charts}",
            timeout=120_000,
        )
        tab.wait_for_timeout(500)  # a chart's own errors come after it is placed
        browser.close()
    assert charts >= 20
    assert complaints == []


def test_the_readmes_pictures_are_the_ones_make_screenshots_takes():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "screenshots", README.parent / "docs" / "screenshots.py"
    )
    assert spec and spec.loader
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    pictures = re.findall(r"!\[([^\]]*)\]\(docs/([^)]+)\)", README.read_text("utf-8"))
    taken = {name: alt for name, (alt, _, _) in screenshots.SHOTS.items()}
    assert {name: alt for alt, name in pictures} == taken
    for name in taken:
        assert (README.parent / "docs" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
