"""Benchmark: the server's readers, cold and warm, for two versions of jejak's code.

Prints a table; not a test. A shop simulated with the demo's plan is loaded once; then
each version (``--old`` and ``--new``: folders holding a ``jejak`` package) serves a copy
of it from a process of its own, and each dashboard page's content and each analysis of
the JSON API is asked three times over HTTP: first after the start (cold), again after
the kept answers are dropped (warm: computed anew), and again (the kept answer). The
background warmer is held off. The versions run in turns, ``--rounds`` times each; the
table gives the medians and the ratio new / old.

    python benchmarks/readers.py --old /work/main/src --new src --customers 2000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
API = (  # analyses the API answers without parameters
    "stages", "journey-map", "paths?after=view_product", "top-paths", "process-map",
    "attribution", "touchpoints", "campaigns", "contact", "experience", "retention",
    "value", "rfm", "engagement",
)  # fmt: skip
KINDS = ("cold", "warm", "kept")


def serve_and_ask(path: Path) -> dict[str, dict[str, float]]:
    """In this process (the version on sys.path): serve ``path`` and time each question
    three times (see the module's docstring)."""
    import httpx

    sys.path.insert(0, str(HERE.parent / "tests"))
    from conftest import demo_settings
    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from jejak.server.pages import PAGES
    from jejak.store.workspace import Workspace
    from serving import running

    urls = [f"/dashboard/{p.slug}/content" for p in PAGES] + [f"/v1/analyses/{a}" for a in API]
    seconds: dict[str, dict[str, float]] = {}
    with Workspace(path, demo_settings()) as ws:
        ws.con.execute("DELETE FROM results")
        read = ensure_keys(ws.con).get("read") or "bench-read-key-0123456789"
        app = create_app(ws, given_keys={"read": read})
        app.state.jejak.warmer.poke = lambda: None  # cold means cold
        with running(app) as base, httpx.Client(base_url=base, timeout=600) as client:
            client.headers["Authorization"] = f"Bearer {read}"
            client.get("/health").raise_for_status()
            for url in urls:
                seconds[url] = {}
                for kind in KINDS:
                    if kind == "warm":
                        with app.state.jejak.using() as workspace:  # the writers' turn
                            workspace.con.execute("DELETE FROM results")
                    start = time.perf_counter()
                    client.get(url).raise_for_status()
                    seconds[url][kind] = time.perf_counter() - start
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # a version's process
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve_and_ask(args.serve)))
        return
    runs: dict[str, list[dict[str, dict[str, float]]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as folder:
        shop = _shop(Path(folder), args.customers, args.new)
        for _ in range(args.rounds):
            for version in ("old", "new"):
                copy = Path(shutil.copy(shop, Path(folder) / f"{version}.duckdb"))
                src = str(getattr(args, version).resolve())
                out = subprocess.run(
                    [sys.executable, __file__, "--old", src, "--new", src, "--serve", str(copy)],
                    env={**os.environ, "PYTHONPATH": src},
                    capture_output=True,
                    text=True,
                )
                if out.returncode:
                    sys.exit(f"{version}: {out.stderr}")
                runs[version].append(json.loads(out.stdout.splitlines()[-1]))
                copy.unlink()
    _print(runs, args.customers)


def _shop(folder: Path, customers: int, src: Path) -> Path:
    """A simulated shop with the demo's plan, loaded into a workspace file."""
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[3]);"
        "from conftest import demo_settings; import jejak;"
        "from jejak.simulate import simulate_shop; from jejak.simulate.shop import DEMO_PLAN;"
        "f = Path(sys.argv[1]); shop = simulate_shop(customers=int(sys.argv[2]), seed=5,"
        " plan=DEMO_PLAN); ws = jejak.Workspace(f / 'shop.duckdb', demo_settings());"
        "ws.load(shop.write(f)['touchpoints']); print(ws.count()); ws.close()"
    )
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    out = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(customers), str(HERE.parent / "tests")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"{customers:,} customers, {int(out.stdout.split()[-1]):,} touchpoints")
    return folder / "shop.duckdb"


def _print(runs: dict[str, list[dict[str, dict[str, float]]]], customers: int) -> None:
    def median(version: str, url: str, kind: str) -> float:
        return statistics.median(run[url][kind] for run in runs[version])

    urls = list(runs["old"][0])
    header = "| question | " + " | ".join(f"{k} old | {k} new | {k} ratio" for k in KINDS) + " |"
    print(header)
    print("|" + "---|" * (1 + 3 * len(KINDS)))
    totals = {(v, k): 0.0 for v in ("old", "new") for k in KINDS}
    for url in urls:
        cells = []
        for kind in KINDS:
            old, new = median("old", url, kind), median("new", url, kind)
            totals["old", kind] += old
            totals["new", kind] += new
            cells.append(f"{old:.3f} | {new:.3f} | {new / old:.2f}x")
        print(f"| {url.removeprefix('/dashboard/').removeprefix('/v1/analyses/')} | " +
              " | ".join(cells) + " |")  # fmt: skip
    cells = []
    for kind in KINDS:
        old, new = totals["old", kind], totals["new", kind]
        cells.append(f"{old:.2f} | {new:.2f} | {new / old:.2f}x")
    print("| **all** | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
