"""Shared fixtures: workspaces in temporary DuckDB files, small hand-written logs."""

from __future__ import annotations

import gc
import hashlib
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import jejak

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
# The tests' Spark queries are many and tiny: the JVM's quick compiler (C1) and Spark's
# interpreted operators answer them with half the CPU that optimising compilers spend on
# code that runs a few times. One shuffle partition and no adaptive execution spare each
# query the re-planning (and the plan descriptions it posts) that only pays off on large
# shuffles. Results are the same; only how Spark plans and runs them differs.
os.environ.setdefault("JDK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1")
SPARK_TEST_CONF = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
}


# the Spark tests: whole files, and the Spark case of tests run on each engine
SPARK_TEST = re.compile(r"^tests/test_(server_)?spark(_cluster)?\.py::|\[(.+-)?spark(-.+)?\]$")
# the files that read the demo report's sections (see demo_report_sections): one worker
DEMO_REPORT_FILES = re.compile(r"^tests/test_(pages|language_figures|report_visual)\.py::")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collecting loaded (the libraries, every test) is set aside from Python's
    garbage collector, as the server does (:mod:`jejak.server.app`): its full
    collections looked through all of it again and again, a tenth of a run's time."""
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test marked spark is one that :data:`SPARK_TEST` names (how pytest-xdist's
    workers share the run depends on it: see :func:`pytest_xdist_make_scheduler`)."""
    unnamed = [i.nodeid for i in items if i.get_closest_marker("spark")]
    unnamed = [nodeid for nodeid in unnamed if not SPARK_TEST.search(nodeid)]
    if unnamed:
        raise pytest.UsageError(f"Spark tests that SPARK_TEST does not name: {unnamed[:5]}")


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``make test`` runs on two workers: each takes whole test files (their module
    fixtures are made once); one takes every Spark test (one Spark session per run),
    and one the files that share the demo report's sections. pytest-xdist's own
    xdist_group marks do not group under pytest 9."""
    from xdist.scheduler import LoadFileScheduling

    class FilesAndSpark(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if SPARK_TEST.search(nodeid):
                return "spark"
            if DEMO_REPORT_FILES.search(nodeid):
                return "demo-report"
            return super()._split_scope(nodeid)

    return FilesAndSpark(config, log)


@pytest.fixture(autouse=True, scope="session")
def _kept_plans(tmp_path_factory) -> None:
    """Kept plans (jejak.engine.kept_plans) in a file of the run's own, not the user's
    cache: read back by every later test (and CLI process) building the same queries."""
    os.environ.setdefault("JEJAK_PLANS", str(tmp_path_factory.mktemp("plans") / "plans.sqlite"))


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
    for key, value in SPARK_TEST_CONF.items():
        session.conf.set(key, value)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def _spark_copies() -> dict[str, jejak.SparkSource]:
    """The Spark sources a test file made, by what they hold (see :func:`on_engine`)."""
    return {}


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def on_engine(request):
    """Runs a test on each engine: give it a workspace, get back what to analyse.

    On DuckDB that is the workspace itself; on Spark, the workspace's touchpoints and
    identity links copied into a local Spark session, analysed by the same code. Tests of
    a file that copy the same rows with the same settings share one Spark source (its
    frames never change), and so what it keeps, such as a segment's people.
    """
    if request.param == "duckdb":
        return lambda ws: ws
    session = request.getfixturevalue("spark_session")
    copies = request.getfixturevalue("_spark_copies")

    def on_spark(ws: jejak.Workspace) -> jejak.SparkSource:
        touchpoints, links = ws.touchpoints().to_pyarrow(), ws.identity_links().to_pyarrow()
        held = hashlib.sha256(ws.settings.model_dump_json().encode())
        for table in (touchpoints, links):
            held.update(table.schema.to_string().encode())
            held.update(table.to_pandas().to_json(orient="split", date_format="iso").encode())
        key = held.hexdigest()
        if key not in copies:
            copies[key] = jejak.on_spark(session, touchpoints, links, settings=ws.settings)
        return copies[key]

    return on_spark


@pytest.fixture(scope="session")
def demo_plan_shop(tmp_path_factory):
    """A shop simulated with the demo's plan and an in-memory workspace holding it
    (default settings): made once per size and seed in a run, shared by the recovery
    tests that only read them; closed at the end of the run."""
    from jejak.simulate import simulate_shop
    from jejak.simulate.shop import DEMO_PLAN

    made: dict[tuple[int, int], tuple] = {}

    def make(customers: int, seed: int) -> tuple:
        if (customers, seed) not in made:
            shop = simulate_shop(customers=customers, seed=seed, plan=DEMO_PLAN)
            ws = jejak.open(":memory:")
            ws.load(shop.write(tmp_path_factory.mktemp(f"plan-{customers}-{seed}"))["touchpoints"])
            made[customers, seed] = shop, ws
        return made[customers, seed]

    yield make
    for _, ws in made.values():
        ws.close()


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory) -> Callable[[int, int], Path]:
    """The workspace file of a simulated shop with the demo's plan (its touchpoints and ad
    spend): simulated and loaded once per size and seed in a run, for every test that
    reads it."""
    from jejak.simulate import simulate_shop
    from jejak.simulate.shop import DEMO_PLAN

    made: dict[tuple[int, int], Path] = {}

    def make(customers: int, seed: int) -> Path:
        if (customers, seed) not in made:
            folder = tmp_path_factory.mktemp(f"shop-{customers}-{seed}")
            shop = simulate_shop(customers=customers, seed=seed, plan=DEMO_PLAN)
            files = shop.write(folder)
            with jejak.Workspace(folder / "w.duckdb", demo_settings()) as ws:
                ws.load(files["touchpoints"])
                ws.load_spend(files["ad_spend"])  # as jejak demo does
            made[customers, seed] = folder / "w.duckdb"
        return made[customers, seed]

    return make


@pytest.fixture(scope="session")
def demo_workspace(demo_shop, tmp_path_factory):
    """Open a simulated shop's workspace with the demo's campaigns and an 'instagram'
    segment (first touch on social): one shared by the tests that only read it, or with
    ``writes=True`` a copy of the file of one's own (keys, collected batches); all are
    closed at the end of the run."""
    shared: dict[tuple[int, int], jejak.Workspace] = {}
    opened: list[jejak.Workspace] = []

    def make(customers: int, seed: int, *, writes: bool = False) -> jejak.Workspace:
        if not writes and (customers, seed) in shared:
            return shared[customers, seed]
        path = demo_shop(customers, seed)
        if writes:
            path = Path(shutil.copy(path, tmp_path_factory.mktemp("shop-copy") / path.name))
        ws = jejak.Workspace(path, demo_settings())
        opened.append(ws)
        if not writes:
            shared[customers, seed] = ws
        return ws

    yield make
    for ws in opened:
        ws.close()


@pytest.fixture(scope="session")
def demo_report_sections(demo_workspace) -> Callable[[str], list]:
    """The sections of the demo shop's report (2,000 customers, seed 5) in a language
    ("en", "id"), built once per run and language by the worker that runs the files of
    :data:`DEMO_REPORT_FILES` (tests only read them)."""
    from jejak import language
    from jejak.report.html import journey_report_sections

    built: dict[str, list] = {}

    def sections(code: str) -> list:
        if code not in built:
            with language.speaking(code):
                built[code] = journey_report_sections(demo_workspace(2_000, 5))
        return built[code]

    return sections


def demo_settings() -> jejak.Settings:
    """The demo's campaigns, and a segment of the people first touched on social."""
    from jejak.demo import campaign_settings
    from jejak.simulate.shop import DEMO_PLAN

    return jejak.Settings(
        campaigns=campaign_settings(DEMO_PLAN),
        segments={"instagram": {"first": {"channel": "social"}}},
    )
