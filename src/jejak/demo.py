"""`jejak demo`: the whole product on a simulated shop with planted behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jejak.analyses.stages import StageFunnel
from jejak.errors import JejakError
from jejak.model.config import parse_settings
from jejak.simulate.shop import DEMO_PLAN, ShopPlan
from jejak.store.progress import ProgressCallback
from jejak.store.workspace import Workspace

PROCESS_MAP_MIN_COUNT = 20  # leave out the rarest transitions so the map stays readable

DEMO_SEGMENTS = {
    "Instagram arrivals": {"first": {"channel": "social"}, "description": "came through social"},
    "Content fans": {"engagement": "follows content", "description": "the 23% planted"},
    "Best buyers": {"rfm": ["Champions", "Loyal"], "description": "reward them"},
    "Slipping away": {"p_alive_below": 0.5, "description": "win them back"},
}
"""Segments saved in the demo workspace, so the report and `jejak segments` show some."""


def campaign_settings(plan: ShopPlan) -> dict[str, dict[str, Any]]:
    """The ``campaigns:`` of jejak.yaml for the campaigns the simulator planted."""
    return {
        c.name: {
            "description": f"planted lift {c.lift:.0%} on {c.from_stage} -> {c.to_stage}",
            "call_to_action": {"event": c.cta_event, "campaign": c.name},
            "traffic_source": {"channel": c.channel, "campaign": c.name},
            "exposure": {"event": c.exposure_event, "campaign": c.name},
            "holdout": {"event": "campaign_holdout", "campaign": c.name},
            "target": {"from": c.from_stage, "to": c.to_stage},
            "days": c.window_days,
        }
        for c in plan.campaigns
    }


@dataclass(frozen=True)
class DemoOutcome:
    """Where the demo wrote its files, and the funnel it computed."""

    workspace: Path
    report: Path
    truth: Path
    people: int
    touchpoints: int
    funnel: StageFunnel


def run_demo(
    directory: str | Path = "demo",
    *,
    customers: int = 20_000,
    seed: int = 7,
    on_progress: ProgressCallback | None = None,
) -> DemoOutcome:
    """Simulate a shop, load it into a fresh workspace, compute stages, write the report."""
    from jejak.language import gettext, localised
    from jejak.report.html import journey_report_sections, write_report
    from jejak.simulate import simulate_shop

    # the simulator's own ValueErrors are for programmers; these words are for the demo's user
    if customers < 1:
        said = gettext("customers is {count}; the demo shop needs at least one person")
        raise JejakError(said.format(count=customers))
    if seed < 0:
        said = gettext("seed is {seed}; give a seed of 0 or more (same seed, same shop)")
        raise JejakError(said.format(seed=seed))
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if on_progress:
        on_progress(gettext("simulating the shop"), None)
    plan = DEMO_PLAN
    shop = simulate_shop(customers=customers, seed=seed, plan=plan)
    files = shop.write(directory)
    workspace_path = directory / "shop.duckdb"
    for stale in (workspace_path, workspace_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    # the demo's settings: its planted campaigns, so `jejak -c demo/jejak.yaml campaigns` works
    text = yaml.safe_dump(
        {"workspace": workspace_path.name, "campaigns": campaign_settings(plan)}, sort_keys=False
    )
    (directory / "jejak.yaml").write_text(text, "utf-8")
    settings = parse_settings(text, str(directory / "jejak.yaml"))
    with Workspace(workspace_path, settings) as ws:
        ws.load(files["touchpoints"], on_progress=on_progress)
        if "ad_spend" in files:  # what the ads cost: spend and return on the campaigns page
            ws.load_spend(files["ad_spend"])
        for name, definition in DEMO_SEGMENTS.items():
            ws.save_segment(name, definition)
        funnel = ws.stages()
        sections = journey_report_sections(ws, min_count=PROCESS_MAP_MIN_COUNT, funnel=funnel)
        stored = ws.count()
    report = write_report(
        directory / "report.html",
        sections,
        title=gettext("jejak demo shop: customer journey report"),
        subtitle=gettext("{people} simulated people, seed {seed}").format(
            people=localised(f"{customers:,}"), seed=seed
        ),
    )
    return DemoOutcome(
        workspace=workspace_path,
        report=report,
        truth=files["truth"],
        people=customers,
        touchpoints=stored,
        funnel=funnel,
    )
