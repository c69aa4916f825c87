"""Charts of paths (:mod:`jejak.analyses.paths`): the flows between steps and the top paths."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.paths import PathFlows, TopPaths
from jejak.language import gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, labelled_bars, layout, plain_label, rgba
from jejak.report.figures.registry import draws
from jejak.report.tables import path_touchpoint


def path_figure(flows: pd.DataFrame, title: str) -> go.Figure:
    """A Sankey of paths: one column per step, one node per touchpoint at that step."""
    nodes: dict[tuple[int, str], int] = {}
    for row in flows.itertuples(index=False):
        for key in ((int(row.step), str(row.source)), (int(row.step) + 1, str(row.target))):
            nodes.setdefault(key, len(nodes))
    steps = max((s for s, _ in nodes), default=1)
    names = sorted({name for _, name in nodes})
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    keys = sorted(nodes, key=nodes.get)
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node=dict(
                label=[plain_label(path_touchpoint(name)) for _, name in keys],
                x=[0.01 + 0.98 * (step - 1) / max(steps - 1, 1) for step, _ in keys],
                color=[colour[name] for _, name in keys],
                pad=12,
            ),
            link=dict(
                source=[nodes[(int(r.step), str(r.source))] for r in flows.itertuples()],
                target=[nodes[(int(r.step) + 1, str(r.target))] for r in flows.itertuples()],
                value=[int(r.people) for r in flows.itertuples()],
                color=[rgba(colour[str(r.source)], 0.35) for r in flows.itertuples()],
            ),
        )
    )
    return layout(figure, title, height=max(420, 60 * len(names)))


def top_paths_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """The top paths as bars of people who reached the goal, labelled with conversion."""
    rows = table.iloc[::-1]  # the first path at the top
    figure = labelled_bars(
        rows["path"].map(path_touchpoint),
        [int(v) for v in rows["converters"]],
        [
            gettext("{reached} of {people} · {share}").format(
                reached=fmt.people(c), people=fmt.people(n), share=fmt.percent(r)
            )
            for c, n, r in zip(rows["converters"], rows["people"], rows["conversion"], strict=True)
        ],
        PALETTE[0],
    )
    figure.update_xaxes(title=gettext("people who reached the goal"))
    return layout(figure, title, height=max(300, 110 + 34 * len(rows)))


@draws(PathFlows)
def _path_flows(result: PathFlows) -> go.Figure:
    return path_figure(result.table, result.title)


@draws(TopPaths)
def _top_paths(result: TopPaths) -> go.Figure:
    return top_paths_figure(result.table, result.title)
