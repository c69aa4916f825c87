"""A driver for a Spark cluster, run as its own process by tests/test_spark_cluster.py
(one SparkSession per process: the suite's local session stays untouched).

    python spark_cluster_job.py MASTER_URL TOUCHPOINTS.parquet CHECKPOINTS OUT.pickle

reads the touchpoints from Parquet on the cluster, answers the stage funnel and
attribution through jejak.on_spark with reliable checkpoints in the folder CHECKPOINTS
(as docs/scale.md advises a cluster), and pickles their tables and meta to OUT.
"""

from __future__ import annotations

import pickle
import sys
from typing import Any

JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def session(master: str) -> Any:
    """A small client of the cluster: one executor of one core and 512 MB; its JVMs
    compile with the quick compiler only, as short jobs on a busy machine gain most."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(master)
        .appName("jejak-cluster-test")
        .config("spark.driver.memory", "512m")
        .config("spark.executor.memory", "512m")
        .config("spark.executor.cores", "1")
        .config("spark.cores.max", "1")
        .config("spark.driver.extraJavaOptions", JAVA_OPTIONS)
        .config("spark.executor.extraJavaOptions", JAVA_OPTIONS)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        # executors get no Python: the analyses are Spark SQL, so a cluster needs jejak
        # on the driver only (docs/scale.md); a Python task would fail the job
        .config("spark.pyspark.python", "/bin/false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def answers(master: str, touchpoints: str, checkpoints: str) -> dict[str, Any]:
    from pathlib import Path

    import jejak

    spark = session(master)
    spark.sparkContext.setCheckpointDir(checkpoints)
    try:
        source = jejak.on_spark(spark, spark.read.parquet(touchpoints))
        funnel, credit = source.stages(), source.attribution()
        return {
            "master": spark.sparkContext.master,
            "executors": spark.sparkContext._jsc.sc().getExecutorIds().size(),
            "stages": {"table": funnel.table, "flows": funnel.flows, "meta": funnel.meta},
            "attribution": {
                "table": credit.table,
                "revenue": credit.revenue,
                "meta": credit.meta,
            },
            # the stitched touchpoints and the tables an analysis reads twice, as files
            "checkpointed": len(list(Path(checkpoints).rglob("rdd-*"))),
        }
    finally:
        spark.stop()


if __name__ == "__main__":
    master_url, parquet, checkpoints, out = sys.argv[1:5]
    with open(out, "wb") as file:
        pickle.dump(answers(master_url, parquet, checkpoints), file)
