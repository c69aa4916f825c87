"""The chart of a journey map (:mod:`jejak.analyses.journey_map`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.journey_map import JourneyMap
from jejak.language import gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import field_name, layout, plain_label
from jejak.report.figures.registry import draws


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
        subplot_titles=[f"{field_name(by)} = {plain_label(str(g))}" for g, _ in groups]
        if by
        else None,
    )
    depth = int(table["rank"].max()) if len(table) else 1
    columns = [plain_label(language.stage(s)) for s in stages]
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
                gettext("{count} people").format(count=fmt.people(cell.people)),
            ]
            if not fmt.is_missing(cell.moved_on):
                lines.append(
                    gettext("{share} moved on").format(share=fmt.percent(cell.moved_on, 0))
                )
            if why:
                lines.append(plain_label(why))
            if not fmt.is_missing(cell.rating):
                lines.append(gettext("rated {rating}").format(rating=fmt.number(cell.rating, 1)))
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
                colorbar=dict(
                    title=dict(text=gettext("moved on"), side="right"), tickformat=".0%", len=0.5
                ),
            ),
            row=row_number,
            col=1,
        )
        figure.update_yaxes(autorange="reversed", row=row_number, col=1)
    figure = layout(figure, title, height=int(120 + len(groups) * (70 * depth + 40)))
    return figure.update_xaxes(side="top")


@draws(JourneyMap)
def _journey_map(result: JourneyMap) -> go.Figure:
    meta = result.meta
    return journey_map_figure(result.table, meta["stages"], meta.get("by"), result.title)
