"""The stage funnel and attribution on a Spark standalone cluster (a master and one
worker on 127.0.0.1, started with Spark's own scripts) equal DuckDB's answers.

The driver runs in a process of its own (tests/spark_cluster_job.py): a Python process
has one active SparkSession, and the suite's local one stays as it is.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

import jejak
from spark_standalone import ends_with_this_process, standalone_cluster

pytestmark = pytest.mark.spark

JOB = Path(__file__).with_name("spark_cluster_job.py")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """The master URL of a running cluster; both JVMs are stopped after the module."""
    with standalone_cluster(tmp_path_factory.mktemp("spark-cluster")) as master:
        yield master


@contextmanager
def driver(
    master: str, touchpoints: Path, checkpoints: Path, out: Path
) -> Iterator[Callable[[], dict]]:
    """Start the driver in its own process group (its JVM included); yields a wait for
    its answers. Whatever happens, the group is gone when the block ends."""
    job = subprocess.Popen(
        [sys.executable, str(JOB), master, str(touchpoints), str(checkpoints), str(out)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"},
        start_new_session=True,
        preexec_fn=ends_with_this_process,
    )

    def answers() -> dict:
        output, _ = job.communicate(timeout=300)
        assert job.returncode == 0, output.decode(errors="replace")[-4000:]
        with out.open("rb") as file:
            return pickle.load(file)

    try:
        yield answers
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.communicate()


def _same(duck: pd.DataFrame, spark: pd.DataFrame, key: list[str]) -> None:
    pd.testing.assert_frame_equal(
        duck.sort_values(key).reset_index(drop=True),
        spark.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )


def test_stage_funnel_and_attribution_on_a_standalone_cluster(cluster, tmp_path):
    from jejak.simulate import simulate_shop

    files = simulate_shop(customers=400, seed=11).write(tmp_path / "shop")
    checkpoints = tmp_path / "checkpoints"
    with driver(cluster, files["touchpoints"], checkpoints, tmp_path / "answers.pickle") as answers:
        # DuckDB answers from the same Parquet file while the cluster works
        with jejak.Workspace(tmp_path / "w.duckdb") as ws:
            ws.load(files["touchpoints"])
            funnel, credit = ws.stages(), ws.attribution()
        on_cluster = answers()

    assert on_cluster["master"] == cluster and on_cluster["executors"] == 1  # the worker's
    assert on_cluster["checkpointed"] >= 2  # reliable checkpoints: the stitched touchpoints, more
    on_spark = on_cluster["stages"]
    assert funnel.meta["people"] == 400
    pd.testing.assert_frame_equal(funnel.table, on_spark["table"], check_dtype=False)
    _same(funnel.flows, on_spark["flows"], [c for c in funnel.flows.columns if c != "people"])
    assert funnel.meta == on_spark["meta"]

    on_spark = on_cluster["attribution"]
    assert credit.meta["conversions"] > 0
    _same(credit.table, on_spark["table"], [credit.meta["by"]])
    _same(credit.revenue, on_spark["revenue"], [credit.meta["by"]])
    assert credit.meta == on_spark["meta"]
