"""The chart of a process map (:mod:`jejak.analyses.process_map`): touchpoints and the
moves between them, in columns by stage."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.process_map import ProcessMap
from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import (
    CHAR_PX,
    DARK_INK,
    STOPPED_COLOR,
    layout,
    plain_label,
    rgba,
    stage_color,
    wrapped,
)
from jejak.report.figures.flow_layout import MAP_WIDTH
from jejak.report.figures.registry import draws

START_LABEL, END_LABEL = N_("start"), N_("end")  # where journeys begin and end, as drawn
_ENDS = (N_("(start)"), N_("(end)"))  # the analysis's names of them, in an edge's hover


def _node(name: object) -> str:
    """A node's name in an edge's hover: the journeys' ends in words, touchpoints as named."""
    text = str(name)
    return gettext(text) if text in _ENDS else text


def process_map_figure(
    nodes: pd.DataFrame,
    transitions: pd.DataFrame,
    stages: Sequence[str],
    title: str,
    max_edges: int = 60,
) -> go.Figure:
    """Touchpoints as dots in their stage's column, transitions as lines between them.

    Only the ``max_edges`` most frequent transitions are drawn (all are in the table);
    line width and opacity grow with the count, dot size with occurrences. Stages no
    touchpoint is in get no column, and names are wrapped to a column's width, so the
    labels of neighbouring columns do not meet.
    """
    from jejak.analyses.process_map import END, START

    used = sorted(int(i) for i in nodes["stage_index"].unique())
    column_of = {stage_index: column for column, stage_index in enumerate(used)}
    chars = max(6, int((MAP_WIDTH / (len(used) + 1) - 10) / CHAR_PX))
    position: dict[str, tuple[float, float]] = {}
    for stage_index, rows in nodes.groupby("stage_index", sort=True):
        ordered = rows.sort_values("occurrences", ascending=False, kind="stable")
        for row_number, name in enumerate(ordered["touchpoint"]):
            position[str(name)] = (float(column_of[int(stage_index)]), -float(row_number))
    position[START] = (-1.0, 0.0)
    position[END] = (float(len(used)), 0.0)
    figure = go.Figure()
    shown = transitions[
        transitions["source"].isin(position) & transitions["target"].isin(position)
    ].nlargest(max_edges, "transitions")
    top = float(shown["transitions"].max()) if len(shown) else 1.0
    for edge in shown.itertuples(index=False):
        (x0, y0), (x1, y1) = position[str(edge.source)], position[str(edge.target)]
        weight = float(edge.transitions) / top
        figure.add_trace(
            go.Scatter(
                x=[x0, (x0 + x1) / 2, x1],
                y=[y0, (y0 + y1) / 2 + (0.25 if x1 <= x0 else 0.0), y1],
                mode="lines",
                line=dict(
                    width=1 + 7 * weight,
                    color=rgba("#4E79A7", 0.15 + 0.6 * weight),
                    shape="spline",
                ),
                hoverinfo="text",
                text=gettext(
                    "{source} → {target}: {times} times, {people} people, median {duration}"
                ).format(
                    source=plain_label(_node(edge.source)),
                    target=plain_label(_node(edge.target)),
                    times=fmt.people(edge.transitions),
                    people=fmt.people(edge.people),
                    duration=fmt.duration(edge.median_seconds),
                ),
                showlegend=False,
            )
        )
    names = list(nodes["touchpoint"].astype(str))
    sizes = nodes["occurrences"].astype(float)
    biggest = float(sizes.max()) if len(sizes) else 1.0
    figure.add_trace(
        go.Scatter(
            x=[position[n][0] for n in names] + [position[START][0], position[END][0]],
            y=[position[n][1] for n in names] + [0.0, 0.0],
            mode="markers+text",
            marker=dict(
                size=[12 + 28 * (s / biggest) ** 0.5 for s in sizes] + [14, 14],
                color=[
                    stage_color(int(i) - 1) if int(i) > 0 else STOPPED_COLOR
                    for i in nodes["stage_index"]
                ]
                + [DARK_INK, DARK_INK],
            ),
            text=[
                "<br>".join([*wrapped(plain_label(n), chars, breaks="_-/ "), fmt.people(c)])
                for n, c in zip(names, nodes["occurrences"], strict=True)
            ]
            + [gettext(START_LABEL), gettext(END_LABEL)],
            customdata=[
                gettext("{touchpoint}: {count} times").format(
                    touchpoint=plain_label(n), count=fmt.people(c)
                )
                for n, c in zip(names, nodes["occurrences"], strict=True)
            ]
            + [gettext(START_LABEL), gettext(END_LABEL)],
            hovertemplate="%{customdata}<extra></extra>",
            textposition="bottom center",
            showlegend=False,
        )
    )
    ticks = list(range(-1, len(used) + 1))
    columns = [wrapped(plain_label(language.stage(stages[i])), chars) for i in used]
    labels = [gettext(START_LABEL), *["<br>".join(lines) for lines in columns], gettext(END_LABEL)]
    figure.update_xaxes(tickvals=ticks, ticktext=labels, tickangle=0, showgrid=True, zeroline=False)
    # px: a row is a dot, its label and a gap; the lowest dots' labels hang below them
    depth = max((-y for _, y in position.values()), default=0.0)
    lines = max((len(wrapped(plain_label(n), chars, breaks="_-/ ")) for n in names), default=1)
    row = 80 + 16 * lines  # room for the biggest dot (40 px) too
    above, below = 30, 16 * (lines + 1) + 12
    figure.update_yaxes(visible=False, range=[-depth - below / row, above / row])
    axis = 16 * max((len(c) for c in columns), default=1) + 24
    figure = layout(figure, title, height=int(60 + above + row * depth + below + axis))
    return figure.update_layout(margin=dict(b=axis))


@draws(ProcessMap)
def _process_map(result: ProcessMap) -> go.Figure:
    return process_map_figure(result.nodes, result.table, result.meta["stages"], result.title)
