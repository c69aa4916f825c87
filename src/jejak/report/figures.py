"""Plotly figures of stage results, drawn so a marketer can read them without a legend.

The functions take plain DataFrames (the columns of a stage funnel result) rather than the
result class, so any face, or a test, can draw them from a hand-made table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.effectiveness import MIN_PEOPLE as FEW  # fewer: marked as few
from jejak.analyses.stages import STOPPED  # a flow to it: the journey ends there
from jejak.report import formatting as fmt

# Tableau 10, minus its grey (kept for people who stopped): distinct hues that survive
# printing and the common colour-vision deficiencies better than Plotly's default cycle.
PALETTE: tuple[str, ...] = (
    "#4E79A7",
    "#F28E2B",
    "#59A14F",
    "#E15759",
    "#76B7B2",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#2F4B7C",
)
STOPPED_COLOR = "#B8BEC6"

_FONT = dict(
    family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    size=13,
    color="#1F2933",
)
_DARK_INK = "#1F2933"
_LIGHT_INK = "#FFFFFF"


def stage_color(position: int) -> str:
    """The colour of the stage at 0-based ``position`` in its journey, the same in every chart."""
    return PALETTE[position % len(PALETTE)]


def plain_label(text: str) -> str:
    """Text that Plotly shows literally: it reads ``<b>``-style tags in labels as markup.

    Plotly decodes HTML entities when it draws text, so escaping keeps a stage named
    ``<b>VIP</b>`` (or worse) from being styled, while the page shows the name as typed.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ink(background: str) -> str:
    """Dark or white text, whichever reads better on ``background`` (a #RRGGBB colour)."""
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return _DARK_INK if luminance > 0.55 else _LIGHT_INK


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    """House layout: white, system fonts, margins that fit labels without wasting space."""
    figure.update_layout(
        title=dict(text=plain_label(title), x=0, xanchor="left", font=dict(size=17)),
        template="plotly_white",
        font=_FONT,
        height=height,
        margin=dict(l=20, r=30, t=60, b=30),
        showlegend=False,
        hoverlabel=dict(align="left", font=dict(family=_FONT["family"])),
    )
    return figure


def _labelled_bars(
    labels: Sequence[Any], values: Sequence[float], texts: Sequence[str], colour: str
) -> go.Figure:
    """Horizontal bars, first row on top, each labelled at its end with ``texts`` (the
    axis leaves room for the longest bar's label: it is not cut at the chart's edge)."""
    figure = go.Figure(
        go.Bar(
            y=[plain_label(str(label)) for label in labels],
            x=list(values),
            orientation="h",
            marker=dict(color=colour),
            text=list(texts),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    known = [v for v in values if v == v and v > 0]  # NaN: not estimated
    if known:
        figure.update_xaxes(range=[0, max(known) / (1 - _label_share(labels, texts))])
    return figure


_RATIOS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
_FINE_RATIOS = (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10)  # < 20x, 60+ px apart


def _ratio_ticks(values: Sequence[float]) -> dict[str, Any]:
    """Ticks for a log axis of ratios, read as 0.5x, 1x, 2x (plotly's own read
    "4 5 6 7 8 9 1 2 3"): the round ratios from the smallest value to the largest."""
    known = [float(v) for v in values if not fmt.is_missing(v) and 0 < float(v) < float("inf")]
    low, high = (min(known), max(known)) if known else (0.5, 2.0)
    low, high = min(low, 0.9), max(high, 1.1)  # 1x, no difference, is always in sight
    ticks = [t for t in _FINE_RATIOS if low <= t <= high]
    if high / low > 20 or len(ticks) < 3:
        ticks = [t for t in _RATIOS if low / 2 <= t <= high * 2]
    return dict(tickvals=ticks, ticktext=[f"{t:g}x" for t in ticks])


def _share_format(top: float) -> str:
    """A share axis's tick format, precise enough that no two ticks read the same (an
    axis to 2.4% in whole percents reads 0% 1% 1% 2% 2%)."""
    return ".0%" if top >= 0.1 else ".1%" if top >= 0.01 else ".2%"


def _share_ticks(widest: float) -> list[float]:
    """Ticks for a share axis, from 0 to the largest share at a round step (at most
    100%), so an axis lengthened for labels does not read 120% or 140%."""
    top = min(max(widest, 0.001), 1.0)
    steps = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25)
    step = next(s for s in steps if top / s <= 6)
    ticks = [round(i * step, 4) for i in range(int(top / step + 0.999) + 1)]
    return [t for t in ticks if t <= 1.0]


CHART_WIDTH = 820  # the narrowest a chart is drawn (the report scrolls a narrower one)


def _label_share(labels: Sequence[Any], texts: Sequence[str]) -> float:
    """The share of a bar chart's plot width its longest label at a bar's end takes, in
    a chart at its narrowest: the axis is lengthened by it, so no label is cut."""
    names = max((len(str(label)) for label in labels), default=0)
    plot = max(300.0, CHART_WIDTH - 60 - _CHAR_PX * names)  # less the names on the left
    label = _CHAR_PX * max((len(str(text)) for text in texts), default=0) + 16
    return min(max(label / plot, 0.2), 0.6)


def stage_funnel_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """How many people reached each stage, top to bottom in journey order.

    Bars are labelled with the count and its share of everyone; the hover adds the
    conversion to the next stage and the median days it took, the questions a marketer
    asks of a drop between two bars.
    """
    rows = table.sort_values("stage_index", kind="stable")
    stages = [str(stage) for stage in rows["stage"]]
    colors = [stage_color(int(index) - 1) for index in rows["stage_index"]]
    text = [
        f"{fmt.people(reached)}  ·  {fmt.percent(share)}"
        for reached, share in zip(rows["reached"], rows["reached_share"], strict=True)
    ]
    hover = [
        "<br>".join(
            [
                f"<b>{plain_label(stage)}</b>",
                f"Reached: {fmt.people(row.reached)} ({fmt.percent(row.reached_share)} of all)",
                f"Conversion to next: {fmt.percent(row.conversion_to_next)}",
                f"Median time to next: {fmt.days(row.median_days_to_next)}",
                f"In this stage now: {fmt.people(row.current)}",
            ]
        )
        for stage, row in zip(stages, rows.itertuples(index=False), strict=True)
    ]
    figure = go.Figure(
        go.Funnel(
            y=stages,
            x=[int(value) for value in rows["reached"]],
            text=text,
            textinfo="text",
            textposition="auto",
            insidetextfont=dict(color=[_ink(color) for color in colors]),
            outsidetextfont=dict(color=_DARK_INK),
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            marker=dict(color=colors),
            connector=dict(fillcolor="#EEF1F4", line=dict(width=0)),
            cliponaxis=False,
        )
    )
    # Category ticks go through Plotly's markup parser too; show the names as typed.
    figure.update_yaxes(
        tickmode="array", tickvals=stages, ticktext=[plain_label(s) for s in stages]
    )
    return _layout(figure, title, height=max(300, 90 + 52 * len(stages)))


def stage_funnel_by_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Funnels of several groups (e.g. acquisition channels) as grouped bars per stage.

    The share of each group's own people is what compares across groups of
    different sizes, so bars show it; counts are in the hover.
    """
    figure = go.Figure()
    for position, (group, rows) in enumerate(table.groupby(by, sort=False)):
        rows = rows.sort_values("stage_index", kind="stable")
        stages = [plain_label(str(stage)) for stage in rows["stage"]]
        figure.add_trace(
            go.Bar(
                name=plain_label(str(group)),
                y=stages,
                x=list(rows["reached_share"]),
                orientation="h",
                marker=dict(color=PALETTE[position % len(PALETTE)]),
                text=[fmt.percent(v) for v in rows["reached_share"]],
                textposition="outside",
                customdata=[fmt.people(v) for v in rows["reached"]],
                hovertemplate=f"{plain_label(str(group))}: %{{customdata}} people"
                " (%{text})<extra>%{y}</extra>",
            )
        )
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(tickformat=".0%", title=f"share of the {by}'s people who reached it")
    stage_count = table["stage"].nunique()
    groups = table[by].nunique()
    figure = _layout(figure, title, height=max(320, 120 + stage_count * (16 * groups + 24)))
    figure.update_xaxes(range=[0, 1.15])  # room for the 100.0% labels
    return figure.update_layout(barmode="group", showlegend=True, legend_title_text=by)


def stage_flow_figure(flows: pd.DataFrame, stages: Sequence[str], title: str) -> go.Figure:
    """Where people went after each stage: the next stage they reached, or nowhere.

    One node per stage in journey order, and one grey "Stopped at <stage>" node per stage
    where journeys end, so each drop-off shows where it happens. Skips (Engagement straight
    to Convert) are links of their own. Stopping at the last stage drawn is not a drop-off
    (there is nowhere further to go), so it gets no node: the stage's own count says it.
    Stages the flows name but ``stages`` lacks are drawn after the listed ones.
    Links are listed by from-stage in journey order, then to-stage, stops last.
    """
    order = [str(stage) for stage in stages]
    named = pd.concat([flows["from_stage"], flows["to_stage"]]).astype(str)
    order += [s for s in pd.unique(named) if s not in order and s != STOPPED]  # draw, not drop
    position = {stage: i for i, stage in enumerate(order)}
    last_stage = order[-1] if order else None

    links = (
        flows.assign(
            from_stage=flows["from_stage"].astype(str), to_stage=flows["to_stage"].astype(str)
        )
        .groupby(["from_stage", "to_stage"], sort=False)["people"]
        .sum()
        .reset_index()
    )
    is_stop = links["to_stage"] == STOPPED
    links = links[(links["people"] > 0) & ~(is_stop & (links["from_stage"] == last_stage))]
    links = links.assign(
        _from=links["from_stage"].map(position),
        _to=[len(order) if s == STOPPED else position[s] for s in links["to_stage"]],
    ).sort_values(["_from", "_to"], kind="stable")
    is_stop = links["to_stage"] == STOPPED

    # Everyone who reached a stage leaves it by exactly one row (a next stage or a stop),
    # so its outflow is its head count; inflow covers the last stage, which has no rows out.
    outflow = links.groupby("from_stage")["people"].sum()
    inflow = links[~is_stop].groupby("to_stage")["people"].sum()
    stopped = links[is_stop].set_index("from_stage")["people"]

    reached = [int(max(outflow.get(s, 0), inflow.get(s, 0))) for s in order]
    labels = [f"{plain_label(s)} · {fmt.people(n)}" for s, n in zip(order, reached, strict=True)]
    colors = [stage_color(i) for i in range(len(order))]
    sink: dict[str, int] = {}
    for stage in (s for s in order if s in stopped.index):
        sink[stage] = len(labels)
        labels.append(f"Stopped at {plain_label(stage)} · {fmt.people(stopped[stage])}")
        colors.append(STOPPED_COLOR)

    sources = [position[s] for s in links["from_stage"]]
    targets = [
        sink[source] if target == STOPPED else position[target]
        for source, target in zip(links["from_stage"], links["to_stage"], strict=True)
    ]
    values = [int(v) for v in links["people"]]
    link_colors = [
        _rgba(STOPPED_COLOR, 0.45) if target == STOPPED else _rgba(colors[source_at], 0.4)
        for source_at, target in zip(sources, links["to_stage"], strict=True)
    ]
    link_hover = [
        f"{plain_label(source)} → "
        + ("stopped there" if target == STOPPED else plain_label(target))
        + f": {fmt.people(value)} people"
        for source, target, value in zip(
            links["from_stage"], links["to_stage"], values, strict=True
        )
    ]
    drop_offs = [int(stopped[stage]) for stage in sink]
    stop_columns = [position[stage] + 1 for stage in sink]
    above, below = _flow_labels(
        [plain_label(s) for s in order],
        reached,
        [f"Stopped at {plain_label(stage)}" for stage in sink],
        stop_columns,
        drop_offs,
    )
    top = 48 + 16 * max((a["text"].count("<br>") + 1 for a in above), default=0)
    bottom = 12 + 16 * max((a["text"].count("<br>") + 1 for a in below), default=0)
    drawn = max(300, 64 * len(order) - 40)  # the height the nodes and bands take
    x, y = _flow_places(reached, stop_columns, drop_offs, drawn)

    figure = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node=dict(
                # drawn as annotations instead (see _flow_labels): plotly's own labels
                # print over each other and over the next column's nodes
                label=[""] * len(labels),
                customdata=labels,
                x=x,
                y=y,
                color=colors,
                align="left",  # each drop-off in the column after its stage (as placed)
                pad=_FLOW_PAD,
                thickness=16,
                line=dict(width=0),
                hovertemplate="%{customdata}<extra></extra>",
            ),
            link=dict(
                source=sources,
                target=targets,
                value=values,
                color=link_colors,
                customdata=link_hover,
                hovertemplate="%{customdata}<extra></extra>",
            ),
        )
    )
    figure = _layout(figure, title, height=drawn + top + bottom)
    side = int(_flow_room(len(order)) / 2) + 4  # the end columns' labels, centred too
    return figure.update_layout(
        annotations=above + below,
        title=dict(y=1, yref="container", yanchor="top", pad=dict(t=12)),
        margin=dict(l=side, r=side, t=top, b=bottom),
    )


# The stage flows: px between nodes in a column, and the width a column label may take
# (a report's chart is about 900 px wide; on a tablet, or beside the dashboard's menu, less).
_FLOW_PAD = 24
_FLOW_WIDTH = 620
_MAP_WIDTH = 640  # a process map's labels are not centred at the chart's edges
_CHAR_PX = 7.2


def _flow_room(columns: int) -> float:
    """The width (px) a column's label may take."""
    return min(_FLOW_WIDTH / max(columns - 1, 1) - 10, 160)


def _column_x(column: int, columns: int) -> float:
    """Where a column's nodes sit across the chart (0 to 1, kept off the very edges)."""
    return 0.001 if columns < 2 else 0.001 + 0.998 * column / (columns - 1)


def _flow_places(
    reached: Sequence[int],
    stop_columns: Sequence[int],
    drop_offs: Sequence[int],
    height: int,
) -> tuple[list[float], list[float]]:
    """Each node's place: a stage's node at the top of its column, the drop-off after it
    at the bottom of the next, so each row of labels has one label per column. Plotly
    scales node heights as d3-sankey does: the fullest column, less its padding, fills
    ``height``."""
    columns = len(reached)
    totals = list(reached)
    for column, people in zip(stop_columns, drop_offs, strict=True):
        totals[column] += people
    scale = (1 - _FLOW_PAD / height) / max(max(totals, default=1), 1)
    x = [_column_x(i, columns) for i in range(columns)]
    y = [min(0.5, 0.001 + scale * people / 2) for people in reached]
    x += [_column_x(column, columns) for column in stop_columns]
    y += [max(0.5, 0.999 - scale * people / 2) for people in drop_offs]
    return x, y


def _flow_labels(
    stages: Sequence[str],
    reached: Sequence[int],
    stops: Sequence[str],
    stop_columns: Sequence[int],
    drop_offs: Sequence[int],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The stage labels over their columns and the drop-off labels under theirs, each
    wrapped to its column's width, so no two labels meet however long the names."""
    columns = len(stages)
    chars = max(6, int(_flow_room(columns) / _CHAR_PX))

    def label(column: int, name: str, people: int, row: str) -> dict[str, Any]:
        text = "<br>".join([*_wrapped(name, chars), fmt.people(people)])
        return dict(
            x=_column_x(column, columns),
            y=1 if row == "above" else 0,
            xref="paper",
            yref="paper",
            xanchor="center",
            yanchor="bottom" if row == "above" else "top",
            yshift=4 if row == "above" else -4,
            align="center",
            text=text,
            showarrow=False,
            font=dict(size=12),
        )

    named = zip(stages, reached, strict=True)
    above = [label(i, name, n, "above") for i, (name, n) in enumerate(named)]
    below = [
        label(column, name, n, "below")
        for column, name, n in zip(stop_columns, stops, drop_offs, strict=True)
    ]
    return above, below


def _wrapped(text: str, chars: int, breaks: str = " ") -> list[str]:
    """``text`` in lines of at most ``chars`` characters, broken after any of ``breaks``
    (a space is dropped at a break, ``_``, ``-`` and ``/`` are kept); a piece longer than
    a line is cut, with an ellipsis (hovering shows the whole name)."""
    pieces = re.findall(rf"[^{re.escape(breaks)}]+[{re.escape(breaks)}]?", text.strip())
    lines: list[str] = []
    for piece in pieces:
        if len(piece.rstrip()) > chars:
            piece = piece[: chars - 1] + "…"
        if lines and len((lines[-1] + piece).rstrip()) <= chars:
            lines[-1] += piece
        else:
            lines.append(piece)
    return [line.rstrip() for line in lines] or [""]


def funnel_figure(table: pd.DataFrame, by: str | None, title: str) -> go.Figure:
    """People at each funnel step, as bars, labelled with the share of step 1 kept.

    Split by a field, each group gets its own bars, showing shares of its own step 1
    so that groups of different sizes compare.
    """
    figure = go.Figure()
    groups = table.groupby(by, sort=False) if by else [(None, table)]
    for position, (group, rows) in enumerate(groups):
        rows = rows.sort_values("step", kind="stable")
        steps = [
            f"{int(s)}. {plain_label(str(label))}"
            for s, label in zip(rows["step"], rows["label"], strict=True)
        ]
        shares = list(rows["conversion_from_first"])
        figure.add_trace(
            go.Bar(
                name=plain_label(str(group)) if by else "people",
                x=steps,
                y=shares if by else [int(v) for v in rows["entered"]],
                marker=dict(color=PALETTE[position % len(PALETTE)]),
                text=[
                    f"{fmt.people(n)} · {fmt.percent(share)}"
                    for n, share in zip(rows["entered"], shares, strict=True)
                ],
                textposition="outside",
                hovertemplate="%{x}<br>%{text}<extra></extra>",
            )
        )
    figure = _layout(figure, title, height=420)
    if by:
        figure.update_yaxes(tickformat=".0%", title="share of the group's step 1")
        figure.update_layout(barmode="group", showlegend=True, legend_title_text=by)
    else:
        figure.update_yaxes(title="people")
    return figure


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
    chars = max(6, int((_MAP_WIDTH / (len(used) + 1) - 10) / _CHAR_PX))
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
                    color=_rgba("#4E79A7", 0.15 + 0.6 * weight),
                    shape="spline",
                ),
                hoverinfo="text",
                text=f"{plain_label(str(edge.source))} → {plain_label(str(edge.target))}: "
                f"{fmt.people(edge.transitions)} times, {fmt.people(edge.people)} people, "
                f"median {fmt.duration(edge.median_seconds)}",
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
                + [_DARK_INK, _DARK_INK],
            ),
            text=[
                "<br>".join([*_wrapped(plain_label(n), chars, breaks="_-/ "), fmt.people(c)])
                for n, c in zip(names, nodes["occurrences"], strict=True)
            ]
            + ["start", "end"],
            customdata=[
                f"{plain_label(n)}: {fmt.people(c)} times"
                for n, c in zip(names, nodes["occurrences"], strict=True)
            ]
            + ["start", "end"],
            hovertemplate="%{customdata}<extra></extra>",
            textposition="bottom center",
            showlegend=False,
        )
    )
    ticks = list(range(-1, len(used) + 1))
    columns = [_wrapped(plain_label(stages[i]), chars) for i in used]
    labels = ["start", *["<br>".join(lines) for lines in columns], "end"]
    figure.update_xaxes(tickvals=ticks, ticktext=labels, tickangle=0, showgrid=True, zeroline=False)
    # px: a row is a dot, its label and a gap; the lowest dots' labels hang below them
    depth = max((-y for _, y in position.values()), default=0.0)
    lines = max((len(_wrapped(plain_label(n), chars, breaks="_-/ ")) for n in names), default=1)
    row = 80 + 16 * lines  # room for the biggest dot (40 px) too
    above, below = 30, 16 * (lines + 1) + 12
    figure.update_yaxes(visible=False, range=[-depth - below / row, above / row])
    axis = 16 * max((len(c) for c in columns), default=1) + 24
    figure = _layout(figure, title, height=int(60 + above + row * depth + below + axis))
    return figure.update_layout(margin=dict(b=axis))


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
                label=[plain_label(name) for _, name in keys],
                x=[0.01 + 0.98 * (step - 1) / max(steps - 1, 1) for step, _ in keys],
                color=[colour[name] for _, name in keys],
                pad=12,
            ),
            link=dict(
                source=[nodes[(int(r.step), str(r.source))] for r in flows.itertuples()],
                target=[nodes[(int(r.step) + 1, str(r.target))] for r in flows.itertuples()],
                value=[int(r.people) for r in flows.itertuples()],
                color=[_rgba(colour[str(r.source)], 0.35) for r in flows.itertuples()],
            ),
        )
    )
    return _layout(figure, title, height=max(420, 60 * len(names)))


def journey_map_figure(
    table: pd.DataFrame, stages: Sequence[str], by: str | None, title: str
) -> go.Figure:
    """Stages as columns, their top touchpoints as cells, coloured by the share who moved on.

    Each cell reads: touchpoint, people, moved on, and the context/need it served. Split
    ``by`` a field, one map per group, one under the other.
    """
    from plotly.subplots import make_subplots

    groups = list(table.groupby(by, sort=False)) if by else [(None, table)]
    figure = make_subplots(
        rows=len(groups),
        cols=1,
        vertical_spacing=0.08 / max(len(groups), 1),
        subplot_titles=[f"{by} = {plain_label(str(g))}" for g, _ in groups] if by else None,
    )
    depth = int(table["rank"].max()) if len(table) else 1
    columns = [plain_label(s) for s in stages]
    for row_number, (_, rows) in enumerate(groups, start=1):
        z = [[None] * len(stages) for _ in range(depth)]
        text = [[""] * len(stages) for _ in range(depth)]
        for cell in rows.itertuples(index=False):
            r, c = int(cell.rank) - 1, int(cell.stage_index) - 1
            z[r][c] = None if fmt.is_missing(cell.moved_on) else float(cell.moved_on)
            why = " / ".join(
                str(v) for v in (cell.top_context, cell.top_need) if isinstance(v, str)
            )
            lines = [
                f"<b>{plain_label(str(cell.touchpoint))}</b>",
                f"{fmt.people(cell.people)} people",
            ]
            if not fmt.is_missing(cell.moved_on):
                lines.append(f"{fmt.percent(cell.moved_on, 0)} moved on")
            if why:
                lines.append(plain_label(why))
            if not fmt.is_missing(cell.rating):
                lines.append(f"rated {cell.rating:.1f}")
            text[r][c] = "<br>".join(lines)
        figure.add_trace(
            go.Heatmap(
                z=z,
                x=columns,
                y=[f"#{i + 1}" for i in range(depth)],
                text=text,
                texttemplate="%{text}",
                hoverinfo="text",
                zmin=0,
                zmax=1,
                colorscale=[[0, "#F4D6D6"], [0.5, "#F6F1DC"], [1, "#CFE6D2"]],
                showscale=row_number == 1,
                xgap=3,
                ygap=3,
                colorbar=dict(title=dict(text="moved on", side="right"), tickformat=".0%", len=0.5),
            ),
            row=row_number,
            col=1,
        )
        figure.update_yaxes(autorange="reversed", row=row_number, col=1)
    figure = _layout(figure, title, height=int(120 + len(groups) * (70 * depth + 40)))
    return figure.update_xaxes(side="top")


def top_paths_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """The top paths as bars of people who reached the goal, labelled with conversion."""
    rows = table.iloc[::-1]  # the first path at the top
    figure = _labelled_bars(
        rows["path"],
        [int(v) for v in rows["converters"]],
        [
            f"{fmt.people(c)} of {fmt.people(n)} · {fmt.percent(r)}"
            for c, n, r in zip(rows["converters"], rows["people"], rows["conversion"], strict=True)
        ],
        PALETTE[0],
    )
    figure.update_xaxes(title="people who reached the goal")
    return _layout(figure, title, height=max(300, 110 + 34 * len(rows)))


MODEL_LABELS: dict[str, str] = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "last_non_direct": "Last non-direct",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position-based",
    "markov": "Markov",
    "shapley": "Shapley",
}


def attribution_figure(table: pd.DataFrame, models: Sequence[str], title: str) -> go.Figure:
    """Each touch's credited conversions, one bar per model side by side (largest touch on top).

    ``table`` is ``Attribution.table``: its first column names the touch.
    """
    touch = table.columns[0]
    rows = table.iloc[::-1]
    figure = go.Figure()
    for number, model in enumerate(models):
        label = MODEL_LABELS.get(model, model)
        figure.add_trace(
            go.Bar(
                name=label,
                y=[plain_label(str(t)) for t in rows[touch]],
                x=[float(v) for v in rows[model]],
                orientation="h",
                marker=dict(color=PALETTE[number % len(PALETTE)]),
                customdata=[fmt.number(v, 1) for v in rows[model]],
                hovertemplate=f"{plain_label(label)}<br>%{{y}}: %{{customdata}} conversions"
                "<extra></extra>",
            )
        )
    figure.update_xaxes(title="conversions credited")
    figure = _layout(figure, title, height=max(320, 140 + len(rows) * (12 * len(models) + 14)))
    return figure.update_layout(
        barmode="group",
        showlegend=True,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, traceorder="normal"),
        margin=dict(t=90),
    )


def touchpoint_ratio_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Each touchpoint's share of conversions, with how many it takes per conversion."""
    # touchpoints that came before no conversion (the conversion itself, after-sale ones)
    # have nothing to show here; the table lists them
    before = table[table["converting_journeys"] > 0]
    rows = before.sort_values("share_of_conversions", ascending=True, kind="stable").tail(20)
    figure = _labelled_bars(
        rows[by],
        [0.0 if fmt.is_missing(v) else float(v) for v in rows["share_of_conversions"]],
        [
            f"{fmt.percent(s)} · {fmt.number(p, 1)} per conversion"
            for s, p in zip(rows["share_of_conversions"], rows["per_conversion"], strict=True)
        ],
        PALETTE[0],
    )
    widest = float(rows["share_of_conversions"].max()) if len(rows) else 1.0
    figure.update_xaxes(
        title="share of conversions whose journey had it",
        tickformat=_share_format(widest),
        tickvals=_share_ticks(widest),  # the axis runs on for the labels, not past 100%
    )
    return _layout(figure, title, height=max(300, 110 + 30 * len(rows)))


VERDICT_COLORS = {
    "helps": "#59A14F",
    "hurts": "#E15759",
    "unclear": "#9AA5B1",
    "too few people": "#D3D8DE",
}


def touchpoint_effect_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """How many times as fast people move on after a touchpoint (95% interval), per stage."""
    rows = table[table["verdict"] != "too few people"].iloc[::-1]
    labels = [
        f"{plain_label(str(s))} · {plain_label(str(v))}"
        for s, v in zip(rows["stage"], rows[by], strict=True)
    ]
    figure = go.Figure()
    for verdict, colour in VERDICT_COLORS.items():
        part = (rows["verdict"] == verdict).to_numpy()
        if not part.any():
            continue
        chosen = rows[part]
        figure.add_trace(
            go.Scatter(
                name=verdict,
                y=[label for label, keep in zip(labels, part, strict=True) if keep],
                x=chosen["rate_ratio"].tolist(),
                mode="markers",
                marker=dict(color=colour, size=9),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(chosen["ci_high"] - chosen["rate_ratio"]).tolist(),
                    arrayminus=(chosen["rate_ratio"] - chosen["ci_low"]).tolist(),
                    color=colour,
                ),
                customdata=[
                    f"moves on {r:,.2f}x as fast with it ({lo:,.2f}x to {hi:,.2f}x); "
                    f"{fmt.people(n)} people had it"
                    for r, lo, hi, n in zip(
                        chosen["rate_ratio"],
                        chosen["ci_low"],
                        chosen["ci_high"],
                        chosen["people_with"],
                        strict=True,
                    )
                ],
                hovertemplate="%{y}<br>%{customdata}<extra></extra>",
            )
        )
    figure.update_yaxes(categoryorder="array", categoryarray=labels)  # stages in order
    figure.add_vline(x=1, line=dict(color="#52606D", width=1))
    figure.update_xaxes(
        type="log",
        title="moves on this many times as fast after it (same time in stage, 95%)",
        **_ratio_ticks([*rows["rate_ratio"], *rows["ci_low"], *rows["ci_high"]]),
    )
    figure = _layout(figure, title, height=max(320, 120 + 26 * len(rows)))
    return figure.update_layout(
        showlegend=True, legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0)
    )


def customer_value_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Buyers by their chance of still being a customer, with the revenue each band holds."""
    edges = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0000001]
    names = ["under 20%", "20-40%", "40-60%", "60-80%", "80% or more"]
    band = pd.cut(table["p_alive"], edges, labels=names, right=False)
    grouped = table.groupby(band, observed=False).agg(
        customers=("p_alive", "size"), revenue=("expected_revenue", "sum")
    )
    figure = go.Figure(
        go.Bar(
            x=names,
            y=grouped["customers"].tolist(),
            marker=dict(color=PALETTE[0]),
            text=[
                f"{fmt.people(c)} buyers · {fmt.number(r, 0)} expected"
                for c, r in zip(grouped["customers"], grouped["revenue"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="P(alive) %{x}<br>%{text}<extra></extra>",
        )
    )
    figure.update_xaxes(title="chance of still being a customer (BG/NBD)")
    figure.update_yaxes(title="buyers")
    return _layout(figure, title, height=420)


def value_by_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Expected revenue per group, labelled with buyers and revenue per buyer."""
    rows = table.iloc[::-1]
    figure = _labelled_bars(
        rows[by],
        [float(v) for v in rows["expected_revenue"]],
        [
            f"{fmt.people(n)} buyers · {fmt.number(v, 0)} each"
            for n, v in zip(rows["buyers"], rows["revenue_per_buyer"], strict=True)
        ],
        PALETTE[2],
    )
    figure.update_xaxes(title="expected revenue over the horizon")
    return _layout(figure, title, height=max(300, 110 + 34 * len(rows)))


def retention_figure(table: pd.DataFrame, period: str, title: str) -> go.Figure:
    """Cohorts as rows, periods since joining as columns, coloured by the share active."""
    cohorts = sorted(table["cohort"].unique())
    offsets = sorted(table["period"].unique())
    cells = table.set_index(["cohort", "period"])
    fmt_cohort = "%Y-%m" if period == "month" else "%Y-%m-%d"
    z, text = [], []
    for cohort in cohorts:
        row = [cells["retention"].get((cohort, k), None) for k in offsets]
        z.append([None if v is None or fmt.is_missing(v) else float(v) for v in row])
        text.append(["" if v is None or fmt.is_missing(v) else fmt.percent(v, 0) for v in row])
    sizes = table.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(k) for k in offsets],
            y=[
                f"{pd.Timestamp(c).strftime(fmt_cohort)} ({fmt.people(sizes[c])}"
                + (", few)" if sizes[c] < FEW else ")")
                for c in cohorts
            ],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#F5F7FA"], [1, "#2F4B7C"]],
            zmin=0,
            zmax=1,
            colorbar=dict(title=dict(text="active", side="right"), tickformat=".0%"),
            hovertemplate="cohort %{y}, %{x} " + period + "s later: %{text}<extra></extra>",
        )
    )
    figure.update_xaxes(title=f"{period}s since joining", side="top")
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, title, height=max(320, 120 + 28 * len(cohorts)))


def lifecycle_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars per period: new, returning, resurrecting up; dormant down."""
    colours = {
        "new": PALETTE[0],
        "returning": PALETTE[2],
        "resurrecting": PALETTE[1],
        "dormant": PALETTE[3],
    }
    figure = go.Figure()
    for kind, colour in colours.items():
        figure.add_trace(
            go.Bar(
                name=kind,
                x=table["period"],
                y=table[kind],
                marker=dict(color=colour),
                hovertemplate=f"{kind}: %{{y:,}}<extra></extra>",
            )
        )
    figure.update_yaxes(title="people")
    figure = _layout(figure, title, height=420)
    return figure.update_layout(barmode="relative", showlegend=True)


def rfm_figure(segments: pd.DataFrame, title: str) -> go.Figure:
    """Buyers per RFM segment, best first, labelled with their share."""
    rows = segments.iloc[::-1]
    figure = _labelled_bars(
        rows["segment"],
        [int(b) for b in rows["buyers"]],
        [
            f"{fmt.people(b)} · {fmt.percent(s)}"
            for b, s in zip(rows["buyers"], rows["share"], strict=True)
        ],
        PALETTE[4],
    )
    figure.update_xaxes(title="buyers")
    return _layout(figure, title, height=max(300, 110 + 34 * len(rows)))


def _trend_figure(
    table: pd.DataFrame,
    value: str,
    count: str,
    hover: str,
    overall_label: str,
    colour: str,
    title: str,
) -> go.Figure:
    """A per-period measure with its 95% interval; the whole range (``all``) as a dashed line.
    A period with fewer than :data:`FEW` answers is a hollow dot labelled with its
    count: its value (often 100 or 5 stars from one or two answers) is not a trend."""
    periods = table[table["period"] != "all"]
    overall = table[table["period"] == "all"]
    few = [int(n) < FEW for n in periods[count]]
    middle = float(periods[value].median()) if len(periods) else 0.0
    figure = go.Figure(
        go.Scatter(
            x=periods["period"],
            y=periods[value],
            mode="lines+markers+text",
            marker=dict(
                symbol=["circle-open" if f else "circle" for f in few], size=9, color=colour
            ),
            text=[
                f"{fmt.people(n)} {count.removesuffix('s') if n == 1 else count}" if f else ""
                for n, f in zip(periods[count], few, strict=True)
            ],
            # under a dot in the upper half (a tiny group is often at the very top)
            textposition=["bottom center" if v >= middle else "top center" for v in periods[value]],
            textfont=dict(size=11, color="#52606D"),
            line=dict(color=colour),
            error_y=dict(
                type="data",
                symmetric=False,
                array=(periods["ci_high"] - periods[value]).fillna(0).tolist(),
                arrayminus=(periods[value] - periods["ci_low"]).fillna(0).tolist(),
                color=colour,
            ),
            customdata=[fmt.people(n) for n in periods[count]],
            hovertemplate=hover,
        )
    )
    if len(overall) and not fmt.is_missing(overall[value].iloc[0]):
        figure.add_hline(
            y=float(overall[value].iloc[0]),
            line=dict(color="#52606D", dash="dash"),
            annotation_text=overall_label.format(overall[value].iloc[0]),
        )
    return figure


def nps_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """NPS per period with its 95% interval; the whole range as a dashed line."""
    figure = _trend_figure(
        table, "nps", "answers", "%{x}: NPS %{y:.0f} from %{customdata} answers<extra></extra>",
        "all: {:.0f}", PALETTE[0], title,
    )  # fmt: skip
    figure.update_yaxes(title="NPS", range=[-100, 100])
    return _layout(figure, title, height=400)


def referral_figure(tree: pd.DataFrame, title: str) -> go.Figure:
    """People at each depth of the referral tree, customers and not."""
    depths = sorted(tree["depth"].unique()) if len(tree) else []
    figure = go.Figure()
    for customer, name, colour in (
        (True, "customers", PALETTE[2]),
        (False, "not (yet)", "#B8BEC6"),
    ):
        counts = [
            int(((tree["depth"] == d) & (tree["customer"] == customer)).sum()) for d in depths
        ]
        figure.add_trace(
            go.Bar(
                name=name,
                x=[f"depth {d}" for d in depths],
                y=counts,
                marker=dict(color=colour),
                hovertemplate=f"%{{x}}: %{{y:,}} {name}<extra></extra>",
            )
        )
    figure.update_yaxes(title="people")
    figure = _layout(figure, title, height=380)
    return figure.update_layout(barmode="stack", showlegend=True)


def engagement_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """The split of people into engagement groups, with how each converts and opens email."""
    figure = go.Figure(
        go.Bar(
            x=table["group"],
            y=[float(s) for s in table["share"]],
            marker=dict(color=[PALETTE[0], PALETTE[1]][: len(table)]),
            text=[
                f"{fmt.percent(s, 0)} · {fmt.people(n)} people<br>"
                f"{fmt.percent(c)} bought · {fmt.percent(o)} opened"
                for s, n, c, o in zip(
                    table["share"],
                    table["people"],
                    table["converted"],
                    table["open_rate"],
                    strict=True,
                )
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>%{text}<extra></extra>",
        )
    )
    figure.update_yaxes(title="share of people", tickformat=".0%", range=[0, 1.15])
    return _layout(figure, title, height=400)


def clusters_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """People per behavioural cluster, largest on top, each named by its traits."""
    rows = table.iloc[::-1]
    figure = _labelled_bars(
        [f"{c}. {d}" for c, d in zip(rows["cluster"], rows["description"], strict=True)],
        [int(n) for n in rows["people"]],
        [
            f"{fmt.people(n)} · {fmt.percent(s)} · {fmt.percent(b)} bought"
            for n, s, b in zip(rows["people"], rows["share"], rows["buyers"], strict=True)
        ],
        PALETTE[2],
    )
    figure.update_xaxes(title="people")
    return _layout(figure, title, height=max(300, 110 + 40 * len(rows)))


def campaign_figure(table: pd.DataFrame, meta: dict[str, Any], title: str) -> go.Figure:
    """Transition rate of the exposed against the comparison, the lift and its interval."""
    rates = [float(r) if pd.notna(r) else 0.0 for r in table["transition_rate"]]
    figure = go.Figure(
        go.Bar(
            x=[plain_label(g) for g in table["group"]],
            y=rates,
            marker=dict(color=[PALETTE[0], STOPPED_COLOR]),
            text=[
                f"{fmt.percent(r)} of {fmt.people(n)} moved"
                for r, n in zip(table["transition_rate"], table["counted"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>%{text}<extra></extra>",
        )
    )
    lift = meta.get("lift")
    if lift is not None and pd.notna(lift):
        note = (
            f"lift {fmt.signed_points(lift)} (95% interval {fmt.signed_points(meta['lift_low'])}"
            f" to {fmt.signed_points(meta['lift_high'])}): {meta['verdict']}"
        )
        if meta.get("observational"):
            note += " · observational"
        figure.add_annotation(
            text=plain_label(note), xref="paper", yref="paper", x=0, y=1.08,
            showarrow=False, xanchor="left",
        )  # fmt: skip
    top = max([*rates, 0.01])
    figure.update_yaxes(
        title=f"moved on to {meta['transition'].split(' -> ')[1]} within {meta['days']:g} days",
        tickformat=_share_format(top * 1.3),
        range=[0, top * 1.3],
    )
    return _layout(figure, title, height=420)


def campaign_overview_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Each campaign's lift with its interval, grouped by the transition it targets."""
    rows = table[table["campaign"].notna()].iloc[::-1]
    labels = [
        plain_label(f"{t} · {c}") for t, c in zip(rows["transition"], rows["campaign"], strict=True)
    ]
    lifts = [float(v) if pd.notna(v) else 0.0 for v in rows["lift"]]
    high = [
        float(h) - x if pd.notna(h) else 0.0 for h, x in zip(rows["lift_high"], lifts, strict=True)
    ]
    low = [
        x - float(lo) if pd.notna(lo) else 0.0
        for lo, x in zip(rows["lift_low"], lifts, strict=True)
    ]
    figure = go.Figure(
        go.Scatter(
            x=lifts,
            y=labels,
            mode="markers",
            marker=dict(size=11, color=PALETTE[0]),
            error_x=dict(
                type="data",
                symmetric=False,
                array=high,
                arrayminus=low,
                color=PALETTE[0],
            ),
            text=[plain_label(v) for v in rows["verdict"]],
            hovertemplate="%{y}<br>lift %{x:.1%}<br>%{text}<extra></extra>",
        )
    )  # fmt: skip
    figure.add_vline(x=0, line=dict(color=STOPPED_COLOR, dash="dash"))
    figure.update_xaxes(title="lift in the target transition (percentage points)", tickformat=".0%")
    return _layout(figure, title, height=max(300, 120 + 44 * len(rows)))


def contact_metrics_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Open, click and unsubscribe rates per group, the largest senders first."""
    rows = table.head(12).iloc[::-1]
    labels = [
        plain_label(f"{g} · {c}" if "channel" in rows and by != "channel" else g)
        for g, c in zip(rows[by], rows.get("channel", rows[by]), strict=True)
    ]
    figure = go.Figure()
    for column, name, colour in (
        ("open_rate", "opened", PALETTE[0]),
        ("click_rate", "clicked", PALETTE[1]),
        ("unsubscribe_rate", "unsubscribed", PALETTE[3]),
    ):
        figure.add_trace(
            go.Bar(
                y=labels,
                x=[float(v) if pd.notna(v) else 0.0 for v in rows[column]],
                name=name,
                orientation="h",
                marker=dict(color=colour),
                hovertemplate="%{y}<br>" + name + " %{x:.1%} of messages sent<extra></extra>",
            )
        )
    figure.update_xaxes(title="per message sent", tickformat=".0%")
    figure = _layout(figure, title, height=max(320, 120 + 60 * len(rows)))
    figure.update_layout(showlegend=True, barmode="group", legend=dict(orientation="h", y=-0.15))
    return figure


def contact_frequency_figure(table: pd.DataFrame, meta: dict[str, Any], title: str) -> go.Figure:
    """Clicks per person-week (bars) and unsubscribes (line) by messages sent that week."""
    labels = [f"{n}+" if n == meta["cap"] else str(n) for n in table["per_week"].astype(int)]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=[float(v) for v in table["clicks_per_person_week"]],
            name="clicks per person-week",
            marker=dict(
                color=[
                    PALETTE[2] if n == meta.get("best_per_week") else PALETTE[0]
                    for n in table["per_week"]
                ]
            ),
            text=[fmt.people(n) + " person-weeks" for n in table["person_weeks"]],
            hovertemplate="%{x} a week<br>%{y:.3f} clicks per person-week<br>%{text}"
            "<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[float(v) for v in table["unsubscribe_rate"]],
            name="unsubscribed per person-week",
            mode="lines+markers",
            yaxis="y2",
            line=dict(color=PALETTE[3]),
            hovertemplate="%{x} a week<br>%{y:.2%} unsubscribed<extra></extra>",
        )
    )
    figure.update_xaxes(title="messages that week")
    figure.update_yaxes(title="clicks per person-week")
    figure = _layout(figure, title, height=420)
    figure.update_layout(
        showlegend=True,
        legend=dict(orientation="h", y=-0.2),
        yaxis2=dict(
            overlaying="y", side="right", tickformat=".1%", title="unsubscribed", rangemode="tozero"
        ),
    )
    return figure


def send_time_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Open rate by day and hour the messages went out (a heatmap; empty cells: none sent)."""
    from jejak.analyses.contact import DAYS

    grid = table.groupby(["weekday", "hour"])[["messages", "opened"]].sum()
    rate = (
        (grid["opened"] / grid["messages"])
        .unstack("hour")
        .reindex(index=range(7), columns=range(24))
    )
    sent = grid["messages"].unstack("hour").reindex(index=range(7), columns=range(24))
    figure = go.Figure(
        go.Heatmap(
            z=rate.to_numpy(),
            x=[f"{h:02d}:00" for h in range(24)],
            y=list(DAYS),
            customdata=sent.fillna(0).to_numpy(),
            colorscale="Blues",
            # a share: the palest colour is none opened (plotly keeps a zmin only with a zmax)
            zmin=0,
            zmax=max(float(rate.max().max()), 0.01) if rate.notna().any().any() else 1,
            colorbar=dict(title=dict(text="opened", side="right"), tickformat=".0%"),
            hovertemplate="%{y} %{x}<br>%{z:.1%} opened of %{customdata:,} sent<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, title, height=360)


def experience_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Good, neutral and bad experiences per stage and touchpoint, most bad on top."""
    rows = table.head(12).iloc[::-1]
    labels = [
        plain_label(f"{s} · {t}") for s, t in zip(rows["stage"], rows["touchpoint"], strict=True)
    ]
    figure = go.Figure()
    for verdict, colour in (("bad", PALETTE[3]), ("neutral", STOPPED_COLOR), ("good", PALETTE[2])):
        figure.add_trace(
            go.Bar(
                y=labels,
                x=[int(v) for v in rows[verdict]],
                name=verdict,
                orientation="h",
                marker=dict(color=colour),
                hovertemplate="%{y}<br>%{x:,} " + verdict + "<extra></extra>",
            )
        )
    figure.update_xaxes(title="touchpoints")
    figure = _layout(figure, title, height=max(320, 120 + 34 * len(rows)))
    figure.update_layout(showlegend=True, barmode="stack", legend=dict(orientation="h", y=-0.15))
    return figure


def reviews_figure(table: pd.DataFrame, meta: dict[str, Any], title: str) -> go.Figure:
    """Mean rating per period with its 95% interval; the whole range as a dashed line."""
    figure = _trend_figure(
        table, "mean", "reviews", "%{x}: %{y:.2f} stars from %{customdata} reviews<extra></extra>",
        "all: {:.2f}", PALETTE[5], title,
    )  # fmt: skip
    low, high = meta["scale"]
    figure.update_yaxes(title="mean rating", range=[low - 0.2, high + 0.2])
    return _layout(figure, title, height=400)


def retention_by_figure(table: pd.DataFrame, by: str, period: str, title: str) -> go.Figure:
    """Each group's retention curve: active share by periods since joining, all cohorts
    pooled (weighted by their size)."""
    figure = go.Figure()
    for i, (group, rows) in enumerate(table.groupby(by, sort=False)):
        pooled = rows.groupby("period")[["active", "cohort_size"]].sum()
        pooled = pooled[pooled.index > 0]
        figure.add_trace(
            go.Scatter(
                x=pooled.index.tolist(),
                y=(pooled["active"] / pooled["cohort_size"]).tolist(),
                mode="lines+markers",
                name=plain_label(str(group)),
                line=dict(color=PALETTE[i % len(PALETTE)]),
                hovertemplate=plain_label(str(group)) + ": %{y:.1%} active %{x} "
                + period + "s later<extra></extra>",
            )
        )  # fmt: skip
    figure.update_xaxes(title=f"{period}s since joining", dtick=1)
    figure.update_yaxes(title="active", tickformat=".0%", rangemode="tozero")
    figure = _layout(figure, title, height=420)
    figure.update_layout(showlegend=True)
    return figure
