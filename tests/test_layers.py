"""Layers run one way: the faces (CLI, report, server) import the library, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

import jejak
from jejak.analyses.result import Result, drawn
from jejak.analyses.stages import StageFunnel
from jejak.report.figures import stage_flow_figure, stage_funnel_figure

SRC = Path(jejak.__file__).parent
LIBRARY = ("analyses", "model", "store", "engine", "simulate", "proposal")
FACES = ("jejak.report", "jejak.server", "jejak.cli")


def imported(source: str, module: str) -> set[str]:
    """Every module ``source`` imports, at the top or inside a function, by full name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the importing module's package
                package = module.split(".")[: -node.level]
                base = ".".join([*package, node.module] if node.module else package)
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def is_face(name: str) -> bool:
    return any(name == face or name.startswith(face + ".") for face in FACES)


def test_imports_are_found_in_functions_and_relative_forms() -> None:
    source = (
        "import jejak.cli\n"
        "from . import html\n"
        "def f():\n"
        "    from jejak import server\n"
        "    from ..report.figures import draw\n"
    )
    found = imported(source, "jejak.analyses.stages")
    assert {"jejak.cli", "jejak.analyses.html", "jejak.server", "jejak.report.figures"} <= found
    assert sorted(filter(is_face, found)) == [
        "jejak.cli",
        "jejak.report.figures",
        "jejak.report.figures.draw",
        "jejak.server",
    ]


def test_the_library_never_imports_a_face() -> None:
    checked, crossing = 0, []
    for layer in LIBRARY:
        for path in sorted((SRC / layer).rglob("*.py")):
            parts = path.relative_to(SRC.parent).with_suffix("").parts
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            faces = sorted(filter(is_face, imported(path.read_text("utf-8"), module)))
            crossing += [f"{module} imports {face}" for face in faces]
            checked += 1
    assert checked > 50  # the walk found the library
    assert crossing == []


def test_a_result_is_drawn_by_the_report_from_its_type() -> None:
    table = pd.DataFrame(
        {
            "stage": ["A", "B"],
            "stage_index": [1, 2],
            "reached": [10, 4],
            "reached_share": [1.0, 0.4],
            "conversion_to_next": [0.4, None],
            "median_days_to_next": [2.0, None],
            "current": [6, 4],
        }
    )
    flows = pd.DataFrame({"from_stage": ["A"], "to_stage": ["B"], "people": [4]})
    funnel = StageFunnel(title="Funnel", table=table, meta={"stages": ["A", "B"]}, flows=flows)
    assert funnel.figure().to_json() == stage_funnel_figure(table, "Funnel").to_json()
    drawn_flows = funnel.flow_figure().to_json()
    assert drawn_flows == stage_flow_figure(flows, ["A", "B"], "Funnel: flows").to_json()
    assert list(funnel.figure().data[0].x) == [10, 4]


def test_a_result_without_a_drawer_says_so() -> None:
    class Plain(Result):
        pass

    plain = Plain(title="t", table=pd.DataFrame())
    with pytest.raises(NotImplementedError, match="Plain has no figure"):
        plain.figure()
    with pytest.raises(NotImplementedError, match="Plain has no flow"):
        drawn(plain, "flow")
