"""Small stays small: help, the version and errors that need no data import none of the
engines, and neither does ``import jejak``. Each check runs in a fresh Python, runs the
CLI's own entry point, and reads ``sys.modules`` when it is done."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import jejak

HEAVY = ("pandas", "scipy", "ibis", "duckdb", "pyspark", "plotly", "fastapi")

# Runs `jejak ARGS...` as the console script does, then prints the exit code, what it
# wrote, and which of HEAVY were imported, as one JSON line on the real stdout.
PROBE = """
import contextlib, io, json, sys
from jejak.cli import main
heavy, args = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["jejak", *args]
written = io.StringIO()
code = 0
with contextlib.redirect_stdout(written), contextlib.redirect_stderr(written):
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
loaded = sorted(name for name in heavy if name in sys.modules)
print(json.dumps({"code": code, "output": written.getvalue(), "loaded": loaded}))
"""


def probe(script: str, *args: str, cwd: Path) -> dict:
    """Run ``script`` in a fresh Python with HEAVY and ``args`` as its arguments."""
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(HEAVY), json.dumps(args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--help"], 0, "Load touchpoints"),
        (["--version"], 0, f"jejak {jejak.__version__}"),
        (["stages", "--help"], 0, "--stuck"),
        (["stages", "--bogus"], 2, "No such option: --bogus"),
        (["load", "missing.csv"], 1, "missing.csv: no such file; check the path"),
        (["stages"], 1, "no workspace yet"),
        (["--config", "bad.yaml", "stages"], 1, "bad.yaml line 2: not valid YAML"),
    ],
)
def test_answers_without_the_engines(tmp_path: Path, args: list[str], code: int, said: str):
    (tmp_path / "bad.yaml").write_text("journey: [value-journey\n", "utf-8")
    answer = probe(PROBE, *args, cwd=tmp_path)
    assert (answer["code"], answer["loaded"]) == (code, [])
    assert said in " ".join(answer["output"].split())  # rich wraps long lines
    assert not (tmp_path / "jejak.duckdb").exists()  # a failed load made no workspace


def test_a_csv_load_imports_neither_arrow_nor_numpy_nor_ibis(tmp_path: Path):
    # DuckDB reads, stores and stitches the file in SQL (stitching's kept as text); Arrow,
    # numpy, Ibis and its sqlglot would only add to the start; phone numbers need reading
    # only when a file has them
    (tmp_path / "log.csv").write_text(
        "customer_id,anonymous_id,ts,event\nc1,a1,2026-01-01 08:00,order\n,a1,2026-01-02,visit\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            json.dumps(["pyarrow", "numpy", "pandas", "ibis", "sqlglot", "phonenumbers"]),
            '["load", "log.csv"]',
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(done.stdout.splitlines()[-1])
    assert (answer["code"], answer["loaded"]) == (0, [])
    assert "2 new touchpoints stored from log.csv" in answer["output"]


def test_every_commands_help_answers_without_the_engines(tmp_path: Path):
    # every command found in the CLI's tree, each --help through main(), in one Python
    script = """
import contextlib, io, json, sys
import typer.main
from jejak.cli import app, main
heavy = json.loads(sys.argv[1])

def paths(command, path=()):
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, (*path, name))
    yield path

answers = {}
for path in paths(typer.main.get_command(app)):
    sys.argv = ["jejak", *path, "--help"]
    written = io.StringIO()
    with contextlib.redirect_stdout(written):
        try:
            main()
        except SystemExit as exc:
            answers[" ".join(path)] = [exc.code or 0, "Usage: jejak" in written.getvalue()]
loaded = sorted(name for name in heavy if name in sys.modules)
print(json.dumps({"answers": answers, "loaded": loaded}))
"""
    answer = probe(script, cwd=tmp_path)
    assert {"", "stages", "segments save", "keys revoke", "serve"} <= set(answer["answers"])
    assert all(shown == [0, True] for shown in answer["answers"].values()), answer["answers"]
    assert answer["loaded"] == []


def test_import_jejak_loads_an_engine_only_when_used(tmp_path: Path):
    script = """
import json, sys
import jejak
heavy = json.loads(sys.argv[1])
before = sorted(name for name in heavy if name in sys.modules)
with jejak.open(":memory:") as ws:
    counted = ws.count()
after = sorted(name for name in heavy if name in sys.modules)
print(json.dumps({"before": before, "after": after, "counted": counted}))
"""
    answer = probe(script, cwd=tmp_path)
    assert answer["before"] == []
    # the same check sees the engines once the workspace is used
    assert {"duckdb", "ibis", "pandas"} <= set(answer["after"])
    assert answer["counted"] == 0


def test_every_public_name_is_the_one_its_module_defines():
    from jejak.model.config import preset
    from jejak.store.workspace import Workspace, open_workspace

    assert (jejak.open, jejak.Workspace, jejak.preset) == (open_workspace, Workspace, preset)
    assert set(jejak.__all__) <= set(dir(jejak))
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = jejak.nothing


def test_a_stage_funnel_imports_no_statistics(tmp_path: Path):
    # SciPy's statistics take a second to import and only intervals and tests need them:
    # every analysis module imports them where it uses them
    (tmp_path / "log.csv").write_text("customer_id,ts,event\nc1,2026-01-01 08:00,order\n")
    assert probe(PROBE, "load", "log.csv", cwd=tmp_path)["code"] == 0
    probe_args = [sys.executable, "-c", PROBE, json.dumps(["scipy.stats"]), '["stages"]']
    done = subprocess.run(probe_args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    answer = json.loads(done.stdout.splitlines()[-1])
    assert (answer["code"], answer["loaded"]) == (0, [])
    assert "Awareness" in answer["output"]
