"""Shared fixtures: workspaces in temporary DuckDB files, small hand-written logs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import jejak

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text (dedented lines) to a file in tmp_path and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        lines = [line.strip() for line in text.strip().splitlines()]
        path.write_text("\n".join(lines) + "\n", "utf-8")
        return path

    return write


@pytest.fixture
def open_workspace(tmp_path: Path):
    """Open workspaces in tmp_path with given settings; closed after the test."""
    opened: list[jejak.Workspace] = []

    def make(settings: jejak.Settings | None = None, name: str = "w.duckdb") -> jejak.Workspace:
        ws = jejak.Workspace(tmp_path / name, settings or jejak.Settings())
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark session for the whole run (it takes seconds to start)."""
    from jejak.engine.spark import local_session

    session = local_session("jejak-tests", cores=1)
    yield session
    session.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def on_engine(request):
    """Runs a test on each engine: give it a workspace, get back what to analyse.

    On DuckDB that is the workspace itself; on Spark, the workspace's touchpoints and
    identity links copied into a local Spark session, analysed by the same code.
    """
    if request.param == "duckdb":
        return lambda ws: ws
    session = request.getfixturevalue("spark_session")

    def on_spark(ws: jejak.Workspace) -> jejak.SparkSource:
        return jejak.on_spark(
            session,
            ws.touchpoints().to_pyarrow(),
            ws.identity_links().to_pyarrow(),
            settings=ws.settings,
        )

    return on_spark


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory):
    """Make a workspace of a simulated shop with the demo's plan and campaigns, and an
    'instagram' segment (first touch on social); closed at the end of the run."""
    from jejak.demo import campaign_settings
    from jejak.simulate import simulate_shop
    from jejak.simulate.shop import DEMO_PLAN

    opened: list[jejak.Workspace] = []

    def make(customers: int, seed: int) -> jejak.Workspace:
        folder = tmp_path_factory.mktemp(f"shop-{customers}-{seed}")
        shop = simulate_shop(customers=customers, seed=seed, plan=DEMO_PLAN)
        settings = jejak.Settings(
            campaigns=campaign_settings(DEMO_PLAN),
            segments={"instagram": {"first": {"channel": "social"}}},
        )
        ws = jejak.Workspace(folder / "w.duckdb", settings)
        ws.load(shop.write(folder)["touchpoints"])
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()
