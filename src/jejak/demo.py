"""`jejak demo`: the whole product on a simulated shop with planted behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jejak.analyses.stages import StageFunnel
from jejak.store.progress import ProgressCallback
from jejak.store.workspace import Workspace

PROCESS_MAP_MIN_COUNT = 20  # leave out the rarest transitions so the map stays readable


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
    from jejak.report.html import (
        journey_map_sections,
        path_sections,
        process_map_sections,
        stage_sections,
        write_report,
    )
    from jejak.simulate import simulate_shop

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if on_progress:
        on_progress("simulating the shop", None)
    shop = simulate_shop(customers=customers, seed=seed)
    files = shop.write(directory)
    workspace_path = directory / "shop.duckdb"
    for stale in (workspace_path, workspace_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    with Workspace(workspace_path) as ws:
        ws.load(files["touchpoints"], on_progress=on_progress)
        funnel = ws.stages()
        process_map = ws.process_map(min_count=PROCESS_MAP_MIN_COUNT)
        wall_map = ws.journey_map(top=5)
        first_purchase = {"stage": "Convert"}
        flows = ws.paths(before=first_purchase, steps=5)
        best_paths = ws.top_paths(first_purchase, steps=4, limit=10)
        stored = ws.count()
    report = write_report(
        directory / "report.html",
        stage_sections(funnel)
        + journey_map_sections(wall_map)
        + path_sections(flows, best_paths)
        + process_map_sections(process_map),
        title="jejak demo shop: customer journey report",
        subtitle=f"{customers:,} simulated people, seed {seed}",
    )
    return DemoOutcome(
        workspace=workspace_path,
        report=report,
        truth=files["truth"],
        people=customers,
        touchpoints=stored,
        funnel=funnel,
    )
