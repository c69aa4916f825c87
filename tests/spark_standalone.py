"""Test helper: a Spark standalone cluster (a master and one worker) on 127.0.0.1,
started with Spark's own ``spark-class`` launcher from the installed pyspark."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from serving import free_port


def spark_home() -> Path:
    """The folder of the installed pyspark, which ships bin/spark-class and the jars."""
    import pyspark

    return Path(pyspark.__file__).parent


def ends_with_this_process() -> None:
    """For Popen's preexec_fn: the child gets SIGTERM when the test run dies (Linux), so
    even a killed run leaves no JVM behind."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@contextmanager
def _daemon(
    name: str, args: list[str], folder: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen]:
    """Run one Spark daemon in its own process group (so that the executors a worker
    starts go with it), its output in ``folder/name.log``; stops the group at the end."""
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(spark_home() / "bin" / "spark-class"), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=ends_with_this_process,
        )
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the daemon's process group, SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def _alive_workers(ui: str) -> int:
    try:
        with urllib.request.urlopen(f"{ui}/json/", timeout=2) as answer:
            return int(json.load(answer)["aliveworkers"])
    except (OSError, ValueError, KeyError):
        return 0


@contextmanager
def standalone_cluster(
    folder: Path, *, cores: int = 1, memory: str = "1g", timeout: float = 120
) -> Iterator[str]:
    """A master and one worker (``cores``, ``memory``) on free ports of 127.0.0.1;
    yields the master URL once the worker has registered. Both JVMs are stopped when
    the block ends, whatever happens in it."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": "256m",
        # the quick compiler only: the daemons start sooner and stay light
        "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    }
    port, ui_port, worker_ui_port = free_port(), free_port(), free_port()
    master = f"spark://127.0.0.1:{port}"
    ui = f"http://127.0.0.1:{ui_port}"
    with ExitStack() as stack:
        daemons = {}
        daemons["master"] = stack.enter_context(
            _daemon(
                "master",
                [
                    "org.apache.spark.deploy.master.Master",
                    *("--host", "127.0.0.1", "--port", str(port)),
                    *("--webui-port", str(ui_port)),
                ],
                folder,
                env,
            )
        )
        daemons["worker"] = stack.enter_context(
            _daemon(
                "worker",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    master,
                    *("--host", "127.0.0.1", "--cores", str(cores), "--memory", memory),
                    *("--webui-port", str(worker_ui_port)),
                    *("--work-dir", str(folder / "work")),
                ],
                folder,
                env,
            )
        )
        deadline = time.monotonic() + timeout
        while _alive_workers(ui) < 1:
            ended = [name for name, process in daemons.items() if process.poll() is not None]
            if ended or time.monotonic() > deadline:
                logs = "\n".join(
                    (folder / f"{name}.log").read_text(errors="replace")[-2000:] for name in daemons
                )
                why = f"the {ended[0]} ended" if ended else f"not up in {timeout:.0f} s"
                raise RuntimeError(f"Spark standalone cluster: {why}:\n{logs}")
            time.sleep(0.25)
        yield master
